"""Memory a run needs, estimated before anything is allocated, and the limit it must fit in.

One estimate serves every path (``run``, the API, sweeps, the classroom app): a run of ``N``
worlds over ``D`` days holds about :data:`BYTES_PER_WORLD` bytes per world (the agents' ``(N,)``
state, the day's random block, the package search's chunk, the outcome table), plus
:data:`TRAJECTORY_BYTES_PER_WORLD_DAY` per world and day when trajectories are kept, plus a fixed
:data:`BASE_BYTES`. The figures were measured with ``tracemalloc`` on the baseline (1,370 bytes
per world at 20,000 to 80,000 worlds) and rounded up.
"""

from __future__ import annotations

import os
import re

from ceasefire_sim.errors import InputError

#: Bytes per world of a run (measured peak 1,370; rounded up for headroom).
BYTES_PER_WORLD = 2048
#: Bytes per world and day of kept trajectories (float32 control, int8 status).
TRAJECTORY_BYTES_PER_WORLD_DAY = 5
#: Bytes a run needs whatever its size (recorder rows, package space, kernels' buffers).
BASE_BYTES = 64 * 2**20

_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_SIZE_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([kmgt]?)i?b?\s*", re.IGNORECASE)


class ResourceError(InputError):
    """A run or sweep would need more memory than it may use."""


def run_bytes(worlds: int, days: int, keep_trajectories: bool = False) -> int:
    """Estimated peak memory of one run, in bytes.

    Args:
        worlds: ``N``.
        days: Horizon ``D``.
        keep_trajectories: Whether ``(D + 1, N)`` trajectories are kept.
    """
    total = BASE_BYTES + BYTES_PER_WORLD * int(worlds)
    if keep_trajectories:
        total += TRAJECTORY_BYTES_PER_WORLD_DAY * int(worlds) * (int(days) + 1)
    return total


def available_bytes() -> int:
    """Memory a new run can have now.

    ``MemAvailable`` (else the physical total), and no more than the process's address-space
    limit (``ulimit -v``) where one is set.
    """
    physical = _physical_available()
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return physical
    return physical if soft in (-1, resource.RLIM_INFINITY) else min(physical, int(soft))


def _physical_available() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 2**63 - 1


def parse_size(text: str) -> int:
    """``"8G"``, ``"500M"``, ``"1.5GiB"`` or a number of bytes, as bytes.

    Raises:
        ResourceError: The text is not a size.
    """
    match = _SIZE_RE.fullmatch(str(text))
    if not match:
        raise ResourceError(
            f"--max-memory {text!r} is not a size; write e.g. 8G, 500M or a number of bytes"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def human(size: float) -> str:
    """Bytes as a person reads them: ``1.9 TB``, ``512 MB``."""
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size:.0f} bytes"


def check_memory(needed: int, limit: int | None = None, what: str = "this run") -> None:
    """Refuse, before allocating, a run that needs more than ``limit`` bytes.

    Args:
        needed: Estimated bytes (from :func:`run_bytes`).
        limit: The most it may use (default: :func:`available_bytes`).
        what: What is being checked, for the message.

    Raises:
        ResourceError: It does not fit, with the memory it would need and what to change.
    """
    allowed = available_bytes() if limit is None else int(limit)
    if needed > allowed:
        source = "--max-memory" if limit is not None else "the memory available now"
        raise ResourceError(
            f"{what} would need about {human(needed)} of memory ({needed:,} bytes), more than "
            f"{source} ({human(allowed)}); use fewer worlds (or a sweep, which runs them in "
            "chunks), or raise --max-memory if the machine has the memory"
        )


#: Disk bytes per world a sweep keeps (``worlds/chunk-*.parquet``; measured about 150).
DISK_BYTES_PER_WORLD = 256


def check_disk(folder: str | os.PathLike[str], needed: int, what: str = "this sweep") -> None:
    """Refuse, before computing, output that the disk holding ``folder`` cannot take.

    Raises:
        ResourceError: The free space is smaller than ``needed`` bytes.
    """
    import shutil
    from pathlib import Path

    place = Path(folder).absolute()
    while not place.exists() and place != place.parent:
        place = place.parent
    try:
        free = shutil.disk_usage(place).free
    except OSError:
        return
    if needed > free:
        raise ResourceError(
            f"{what} would write about {human(needed)} to {folder}, more than the "
            f"{human(free)} free there; use fewer points or worlds, or another --out"
        )
