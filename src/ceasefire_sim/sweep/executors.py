"""Where the chunks of a sweep run: in this process, in local processes, or on a Dask cluster.

Every executor is a :class:`concurrent.futures.Executor`, so :func:`~ceasefire_sim.sweep.runner.run_sweep`
accepts any of them (also one a user built, e.g. ``distributed.Client(...).get_executor()``).
Results do not depend on the executor: each chunk's seed comes from the sweep's seed and the
chunk's number, never from the worker that runs it.

Local worker processes are forked where that is safe (Linux, and this process runs no other
thread): they start at once with everything imported and compiled, where a fresh interpreter
spends a second or two on imports before its first chunk. Elsewhere they are spawned (importing
Mesa sets ``spawn`` as the default), so the task function (``runner.run_chunk``) is a top-level
function and its argument is a picklable dataclass either way.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ceasefire_sim.errors import SweepError

#: How long to wait for a Dask scheduler given by address before giving up.
SCHEDULER_TIMEOUT = "20s"

#: Dask's nannies start workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (its
#: ``distributed.nanny.pre-spawn-environ``), so that freed memory goes back to the system at
#: once. Setting any of glibc's malloc thresholds also turns off glibc's adaptive threshold for
#: memory maps, which stays at 128 KiB: every array of more than 16,384 floats (a day's array of
#: a chunk of 16,384 worlds) is then a fresh memory map, zeroed page by page by the kernel on
#: first touch and unmapped when freed. The model allocates hundreds of such arrays a day, and
#: ran 1.9 to 2.1 times slower in such a process (CPU time; 60 times more page faults). Local
#: workers started here get glibc's defaults (the variable is unset, as in a local process);
#: a worker started elsewhere with the variable set raises the thresholds itself before its
#: first chunk (:func:`tune_malloc`).
MALLOC_ENVIRON = {"MALLOC_TRIM_THRESHOLD_": None}
#: The fixed thresholds :func:`tune_malloc` sets: the largest glibc's adaptive memory-map
#: threshold reaches on 64-bit systems (32 MiB), and a trim threshold of twice that, as glibc's
#: adaptive rule keeps.
MMAP_THRESHOLD_BYTES = 32 * 2**20
TRIM_THRESHOLD_BYTES = 2 * MMAP_THRESHOLD_BYTES
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_malloc_tuned = False

#: Dask settings of a local cluster's workers (``--dask-local``) that take CPU from the chunks.
#: A chunk is one model run holding its worker's only task thread; a worker's event loop
#: samples that thread's stack every 10 ms for Dask's profiler, checks its own health every
#: 20 ms and its memory every 100 ms, each time taking the GIL from the chunk. With these off or
#: slowed, a chunk of 48 points x 200 worlds x 365 days ran in 7.6-8.4 s of wall time against
#: 8.2-8.8 s (7.5-8.0 s in a local process), and its worker's other threads took 0.04 s of CPU
#: against 0.25 s. Workers started elsewhere keep their own settings (docs/sweeps.md).
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


def tune_malloc() -> bool:
    """Raise glibc's malloc thresholds in a process started with ``MALLOC_TRIM_THRESHOLD_`` set.

    Called before each chunk; acts once per process, and only where the variable is set (a Dask
    worker's) on Linux with glibc. See :data:`MALLOC_ENVIRON` for why.

    Returns:
        Whether this process runs with the raised thresholds.
    """
    global _malloc_tuned
    if _malloc_tuned or "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return _malloc_tuned
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        tuned = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
            libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
        )
    except (OSError, AttributeError):  # not glibc
        return False
    _malloc_tuned = tuned
    return tuned


class InlineExecutor(Executor):
    """Runs each task at once in the calling process (``--workers 1``: no start-up, no pickling)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` now and return its finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt and SystemExit stop the sweep, not just the task
            future.set_exception(exc)
        return future


@dataclass(frozen=True)
class ExecutorChoice:
    """Which executor to open: at most one of ``workers``, ``scheduler`` and ``dask_local``.

    Attributes:
        workers: Local processes (``1`` runs in this process); ``None`` means one per core.
        scheduler: Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
        dask_local: Start a local Dask cluster of this many single-threaded worker processes.
    """

    workers: int | None = None
    scheduler: str | None = None
    dask_local: int | None = None

    def __post_init__(self) -> None:
        given = [
            f"--{name.replace('_', '-')}"
            for name in ("workers", "scheduler", "dask_local")
            if getattr(self, name) is not None
        ]
        if len(given) > 1:
            raise SweepError(
                f"give at most one of --workers, --scheduler, --dask-local (got {' and '.join(given)})"
            )
        for name in ("workers", "dask_local"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise SweepError(f"--{name.replace('_', '-')} must be at least 1, got {value}")


def cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def start_method() -> str:
    """``"fork"`` where forking is safe (Linux, no other thread in this process), else ``"spawn"``.

    A forked child holds only the thread that forked it, so a lock held by another thread (a Dask
    client's, a web server's) would stay locked in the child forever: with other threads running,
    workers are spawned.
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


@contextmanager
def open_executor(choice: ExecutorChoice | None = None) -> Iterator[tuple[Executor, str]]:
    """Open the chosen executor and shut it down afterwards.

    Args:
        choice: What to open (default: one local process per core).

    Yields:
        ``(executor, description)``, the description for the log (``"2 local processes"``).

    Raises:
        SweepError: Dask is needed but not installed, or the scheduler cannot be reached.
    """
    choice = choice or ExecutorChoice()
    if choice.scheduler is not None or choice.dask_local is not None:
        with _dask_executor(choice) as opened:
            yield opened
        return
    workers = choice.workers if choice.workers is not None else cores()
    if workers == 1:
        yield InlineExecutor(), "1 process (this one)"
        return
    method = start_method()
    if method == "fork":
        # Forked workers share this process's memory until they write to it, and a garbage
        # collection in a worker writes to every object it visits; frozen objects are not visited.
        gc.freeze()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
    try:
        if method == "fork":
            # A forking pool starts all its workers at its first task: start them now, while this
            # is still the only thread (a progress bar starts one of its own).
            pool.submit(int).result()
        yield pool, f"{workers} local processes"
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if method == "fork":
            gc.unfreeze()


@contextmanager
def _dask_executor(choice: ExecutorChoice) -> Iterator[tuple[Executor, str]]:
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise SweepError(
            "Dask is not installed; install it with pip install 'ceasefire-sim[dask]'"
        ) from None
    cluster = None
    try:
        if choice.dask_local is not None:
            # The workers' malloc environment is a local process's (MALLOC_ENVIRON), and their
            # event loops leave the chunks alone (LOCAL_WORKER_CONFIG).
            environ = {
                f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in MALLOC_ENVIRON.items()
            }
            with dask.config.set({**environ, **LOCAL_WORKER_CONFIG}):
                cluster = LocalCluster(
                    n_workers=choice.dask_local,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
            client = Client(cluster)
            description = f"a local Dask cluster of {choice.dask_local} workers"
        else:
            try:
                client = Client(choice.scheduler, timeout=SCHEDULER_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise SweepError(
                    f"cannot reach the Dask scheduler at {choice.scheduler} ({exc}); check the "
                    "address (e.g. tcp://host:8786) and that the scheduler is running"
                ) from None
            description = f"the Dask cluster at {choice.scheduler}"
        try:
            # pure=False: tasks are never deduplicated or cached by Dask; each chunk is its own.
            yield client.get_executor(pure=False), description
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
