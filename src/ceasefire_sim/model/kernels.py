"""Compiled kernels of the day's per-world arithmetic, each with the array formula it replaces.

Every kernel here gives the same bits as the numpy formula it stands for (``tests/
test_day_kernels.py`` checks each against it) and releases the GIL (``nogil``), so the threads
of :mod:`ceasefire_sim.model.blocks` run them side by side.

- :func:`distinct_rows` finds the worlds whose inputs to an expensive per-world formula are the
  same, bit for bit, as an earlier world's. Most worlds of a run share their parameters and,
  on most days, their state (no threats, no breakdowns yet), so a formula such as the hold share
  of every truce option (:func:`ceasefire_sim.model.truce.hold_share`: an incomplete gamma
  function per world and option) need only be evaluated once per distinct row and then gathered.
  The formula itself is unchanged (numpy's own loops, whose vectorised ``pow`` rounds differently
  from the C library's), so the gathered result is identical to the full one.
"""

from __future__ import annotations

import numba
import numpy as np

#: Distinct rows remembered while scanning the worlds (the most recent ones): worlds of a few
#: recurring kinds (say, with and without a standing threat) are all found among them.
RECENT_ROWS = 16


@numba.njit(cache=True, nogil=True, inline="always")
def _same_row(x: np.ndarray, w: int, r: int) -> bool:  # pragma: no cover - compiled
    """Whether rows ``w`` and ``r`` of the ``(n, m)`` int array ``x`` hold the same bits."""
    for k in range(x.shape[1]):  # noqa: SIM110 - numba compiles a loop, not a generator
        if x[w, k] != x[r, k]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _distinct_rows(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, recent: int
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Representative worlds and each world's representative, over four ``(n, m_i)`` int arrays."""
    n = a.shape[0]
    rows = np.empty(n, dtype=np.int64)
    index = np.empty(n, dtype=np.int64)
    ring = np.empty(recent, dtype=np.int64)
    found_count = 0
    last = -1
    for w in range(n):
        hit = -1
        # The previous world's row first, then the other recent ones, newest first.
        for j in range(-1, min(found_count, recent)):
            if j == -1:
                candidate = last
                if candidate < 0:
                    continue
            else:
                candidate = ring[(found_count - 1 - j) % recent]
                if candidate == last:
                    continue
            r = rows[candidate]
            same = (
                _same_row(a, w, r)
                and _same_row(b, w, r)
                and _same_row(c, w, r)
                and _same_row(d, w, r)
            )
            if same:
                hit = candidate
                break
        if hit < 0:
            hit = found_count
            rows[hit] = w
            ring[hit % recent] = hit
            found_count += 1
        index[w] = hit
        last = hit
    return rows[:found_count], index


def distinct_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The worlds whose inputs differ from every earlier world's, bit for bit.

    Args:
        *columns: One to four float arrays of shape ``(n, ...)`` (broadcast views welcome), each
            world's inputs to a per-world formula. Rows are compared by their bits (``-0.0`` is
            not ``0.0``; a NaN equals the same NaN), so a formula of them gives the same result.

    Returns:
        ``rows``: ``(u,)`` the first world of each distinct row of inputs, in order;
        ``index``: ``(n,)`` the position in ``rows`` of each world's row, so that
        ``f(x[rows])[index]`` is ``f(x)`` for any per-world ``f``. A row is only matched against
        the :data:`RECENT_ROWS` distinct rows seen last, so ``u`` can exceed the number of
        distinct rows (never the result).
    """
    if not 1 <= len(columns) <= 4:
        raise ValueError("distinct_rows takes one to four arrays")
    n = np.shape(columns[0])[0]
    bits = []
    for column in columns:
        array = np.asarray(column, dtype=np.float64)
        if array.shape[0] != n:
            raise ValueError("every array needs one row per world")
        flat = array.reshape(n, -1) if array.ndim != 2 else array
        bits.append(flat.view(np.int64))
    while len(bits) < 4:
        bits.append(np.zeros((n, 0), dtype=np.int64))
    return _distinct_rows(bits[0], bits[1], bits[2], bits[3], RECENT_ROWS)
