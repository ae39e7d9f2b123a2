"""One run on every core: its worlds split into blocks, stepped day by day in threads.

A run of ``N`` worlds becomes ``B`` :class:`~ceasefire_sim.model.model.CeasefireModel` blocks of
consecutive worlds, each built with the run's world keys and key count, so each draws exactly
the random numbers its worlds draw in the whole run (:mod:`ceasefire_sim.model.streams`): no
number depends on how the worlds are split. Every day each block steps in a thread of its own;
the model's time is spent in numpy and in compiled loops that release the GIL (``nogil``), so
the threads run on separate cores. Each thread then writes its block's rows of what the day's
records read (:class:`~ceasefire_sim.model.recorder.DayValues`), and one
:class:`~ceasefire_sim.model.recorder.DailyRecorder` records the day across all ``N`` worlds
(quantiles and means need every world at once). Anything else that reads the run as a whole
(the data collector's reporters, the outcome table) reads the blocks through
:class:`JoinedModel`, which joins each per-world array of the blocks into the ``(N,)`` array the
whole run would hold. The results are the same bits as those of one model
(``tests/test_blocks.py``).

Threads, not processes: the blocks share the scenario and the compiled code, a day's records need
no copying between processes, and a block's thread holds the GIL only for the Python glue of its
day (about 1% of a step at 100,000 worlds).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import mesa
import numpy as np

from ceasefire_sim.model.lifetime import release
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.model.recorder import DailyRecorder, DayValues
from ceasefire_sim.resources import check_memory, run_bytes
from ceasefire_sim.scenario.schema import Scenario

#: Fewest worlds in a block: below this a day's per-call overhead outweighs a second core.
MIN_BLOCK_WORLDS = 1000
#: Most worlds in a block of a run split for its memory (:func:`memory_blocks`): a day's
#: temporaries (the sides' valuations of every option, the limited truces' terms, about 2-3 kB
#: a world) are those of the blocks being stepped at once, not of the whole run. A day costs
#: about 7,000 Python calls a block whatever its size, so blocks are large: one model of
#: 100,000 worlds steps 90 days in 22 CPU s against 28 s as four blocks. Since a block lets go
#: of its day's uniforms after its step, 1,000,000 worlds x 30 days take 90 CPU s in blocks of
#: 131,072 (peak 2.45 GB) against 91-96 s in blocks of 65,536 (2.22-2.24 GB) and 2.08 GB in
#: blocks of 32,768.
MAX_BLOCK_WORLDS = 131_072


def available_cores() -> int:
    """Cores this process may use."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def block_count(worlds: int, workers: int | None, narrative_worlds: int = 0) -> int:
    """How many blocks a run of ``worlds`` is split into for ``workers`` threads.

    Args:
        worlds: ``N``.
        workers: Threads (``None``: one per core).
        narrative_worlds: Narrated worlds; they must all be in the first block.

    Returns:
        At least 1; at most ``workers`` and ``worlds // MIN_BLOCK_WORLDS``.
    """
    wanted = available_cores() if workers is None else int(workers)
    count = max(1, min(wanted, worlds // MIN_BLOCK_WORLDS))
    while count > 1 and worlds // count < narrative_worlds:
        count -= 1
    return count


def memory_blocks(worlds: int, threads: int, narrative_worlds: int = 0) -> int:
    """How many blocks a run of ``worlds`` on ``threads`` threads is split into.

    At least ``threads`` (:func:`block_count`), and enough that no block holds more than
    :data:`MAX_BLOCK_WORLDS` worlds: the threads step the blocks in turn, so a day's temporaries
    are those of ``threads`` blocks at a time. The results are the same bits however many.
    """
    count = max(int(threads), -(-int(worlds) // MAX_BLOCK_WORLDS))
    while count > 1 and worlds // count < narrative_worlds:
        count -= 1
    return count


def block_bounds(worlds: int, blocks: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each block: consecutive worlds, sizes differing by at most one."""
    edges = [worlds * b // blocks for b in range(blocks + 1)]
    return list(itertools.pairwise(edges))


class _Silent:
    """Stands in for a block's own recorder and data collector: the run records across blocks."""

    trajectories = None

    def record(self) -> None:
        pass

    def collect(self, model: Any) -> None:
        pass


class JoinedModel:
    """The blocks read as one model of ``N`` worlds (what the recorder and ``Results`` read).

    An attribute is read off every block: ``(n_b, ...)`` arrays (or ``(..., n_b)``, worlds on the
    last axis) are joined into ``(N, ...)``; methods return their blocks' results joined the same
    way; the blocks' agents and other objects are read the same way, attribute by attribute;
    anything else (the day, the scenario, the package space's tables) is the first block's.
    """

    def __init__(self, parts: list[Any], sizes: list[int], **own: Any) -> None:
        self._parts = parts
        self._sizes = sizes
        self.__dict__.update(own)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _join([getattr(p, name) for p in self._parts], self._sizes)


def _join(values: list[Any], sizes: list[int]) -> Any:
    first = values[0]
    if isinstance(first, np.ndarray):
        if all(v.ndim >= 1 and v.shape[0] == n for v, n in zip(values, sizes, strict=True)):
            return np.concatenate(values, axis=0)
        if all(v.ndim >= 2 and v.shape[-1] == n for v, n in zip(values, sizes, strict=True)):
            return np.concatenate(values, axis=-1)
        return first
    if all(v is first for v in values) or isinstance(
        first, (int, float, str, bytes, bool, np.generic, dt.date, tuple, list, type(None))
    ):
        return first
    if callable(first):
        return _joined_call(values, sizes)
    if isinstance(first, dict):
        return {k: _join([v[k] for v in values], sizes) for k in first}
    if hasattr(first, "__dict__") or hasattr(first, "__slots__"):
        return JoinedModel(values, sizes)
    return first


def _joined_call(methods: list[Callable[..., Any]], sizes: list[int]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return _join([m(*args, **kwargs) for m in methods], sizes)

    return call


class BlockedRun:
    """A run of ``worlds`` worlds as blocks of consecutive worlds, each day stepped in threads.

    Takes the arguments of :class:`~ceasefire_sim.model.model.CeasefireModel` (per-world
    overrides and ``world_keys`` are ``(N,)`` arrays of the whole run), ``blocks`` and
    ``threads`` (how many blocks step at once; default one thread per block).
    :attr:`model` is the run read as one model (:class:`JoinedModel`), for
    :meth:`ceasefire_sim.results.Results.from_model`.
    """

    def __init__(
        self,
        scenario: Scenario,
        worlds: int,
        seed: int,
        *,
        blocks: int,
        days: int | None = None,
        overrides: dict[str, float | np.ndarray] | None = None,
        narrative_worlds: int = 3,
        keep_trajectories: bool = False,
        chunk_size: int = 65536,
        world_keys: np.ndarray | None = None,
        max_memory_bytes: int | None = None,
        threads: int | None = None,
    ) -> None:
        horizon = int(days if days is not None else scenario.horizon_days)
        # The whole run's memory, once, before any block is built.
        check_memory(run_bytes(worlds, horizon, keep_trajectories), max_memory_bytes)
        keys = np.arange(worlds, dtype=np.int64) if world_keys is None else np.asarray(world_keys)
        key_count = int(keys.max()) + 1
        self.bounds = block_bounds(worlds, blocks)
        if narrative_worlds > self.bounds[0][1]:
            raise ValueError("the narrated worlds must all be in the first block")
        threads = len(self.bounds) if threads is None else max(1, min(int(threads), blocks))
        self._pool = ThreadPoolExecutor(max_workers=threads)

        def build(bound: tuple[int, int]) -> CeasefireModel:
            start, stop = bound
            block = CeasefireModel(
                scenario,
                worlds=stop - start,
                seed=seed,
                days=days,
                overrides={k: _rows(v, worlds, start, stop) for k, v in (overrides or {}).items()},
                narrative_worlds=narrative_worlds if start == 0 else 0,
                chunk_size=chunk_size,
                world_keys=keys[start:stop],
                key_count=key_count,
                max_memory_bytes=max_memory_bytes,
            )
            reporters[start] = dict(block.datacollector.model_reporters)
            block.recorder = block.datacollector = _Silent()  # type: ignore[assignment]
            return block

        reporters: dict[int, dict[str, Any]] = {}

        try:
            self.blocks = list(self._pool.map(build, self.bounds))
        except BaseException:
            self._pool.shutdown()
            raise
        first = self.blocks[0]
        sizes = [stop - start for start, stop in self.bounds]
        self.model = JoinedModel(
            self.blocks,
            sizes,
            worlds=int(worlds),
            world_keys=None if world_keys is None else keys,
            key_count=key_count,
            narrative=first.narrative,
        )
        # What the recorder reads each day, each block writing its rows in its own thread.
        self._starts = [start for start, _ in self.bounds]
        self._values = DayValues(worlds, first, self._starts)
        for block, start in zip(self.blocks, self._starts, strict=True):
            self._values.fill(block, start)
        self.model.recorder = DailyRecorder(
            self.model, keep_trajectories=keep_trajectories, pool=self._pool, values=self._values
        )
        # The model's reporters, reading the joined run.
        self.model.datacollector = mesa.DataCollector(model_reporters=reporters[0])
        self.model.recorder.record()
        self.model.datacollector.collect(self.model)

    @property
    def day(self) -> int:
        """Days run."""
        return self.blocks[0].day

    def step(self) -> None:
        """One day in every block (in threads), then the day's records across all worlds."""
        for _ in self._pool.map(self._step_block, self.blocks, self._starts):
            pass
        self.model.recorder.record()
        self.model.datacollector.collect(self.model)

    def _step_block(self, block: CeasefireModel, start: int) -> None:
        """One day in ``block``, then its rows of what the day's records read."""
        block.step()
        self._values.fill(block, start)
        block.forget_day()

    def run(self) -> None:
        """Step to the horizon."""
        first = self.blocks[0]
        while first.running and first.day < first.days:
            self.step()

    def close(self) -> None:
        """Stop the threads and free the blocks (the run is not used afterwards)."""
        self._pool.shutdown()
        for block in self.blocks:
            release(block)
        self.blocks = []
        self._values = None
        # The joined model and its recorder refer to each other: break that cycle too.
        self.model.__dict__.clear()


def trim_heap() -> bool:
    """Return the allocator's free memory to the system (glibc's ``malloc_trim``), if it can.

    A day's temporaries are many arrays of a block's size, freed by the end of the day; glibc
    keeps such memory in its arenas (one per thread) for reuse, so a long run's resident memory
    grows above what it holds. Called between the run and its outcome table, it makes room for
    the table. Returns whether it trimmed (False off glibc).
    """
    libc = _libc()
    if libc is None:
        return False
    try:
        return bool(libc.malloc_trim(0))
    except AttributeError:
        return False


@functools.cache
def _libc() -> Any:
    """The C library (looked up once: ``find_library`` runs a subprocess), or None."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def _rows(value: float | np.ndarray, worlds: int, start: int, stop: int) -> float | np.ndarray:
    """An override's values in worlds ``start:stop`` (a float, or one value per world)."""
    if np.ndim(value) > 0 and np.shape(value)[0] == worlds:
        return np.asarray(value)[start:stop]
    return value
