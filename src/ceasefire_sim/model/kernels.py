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
  from the C library's), so the gathered result is identical to the full one. Every distinct row
  is found (a hash table of the rows' bits, the columns the same in every world left out), and
  a caller may have the search give up where a first sample of worlds is mostly distinct.
- :func:`same_bits` tells whether two arrays hold the same bits, as comparing their
  ``tobytes()`` does, without copying them into byte strings while holding the GIL.
"""

from __future__ import annotations

import numba
import numpy as np

#: A handful of kinds of rows, as a day's worlds mostly have (say, with and without a standing
#: threat). Worlds of a kind often come in runs, so each world's row is compared with the
#: previous world's first and only then looked up in the hash table of every distinct row seen
#: so far: any number of kinds is found, each once, this many or many more.
RECENT_ROWS = 16

_MIX = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True, nogil=True, inline="always")
def _same_row(x: np.ndarray, w: int, r: int) -> bool:  # pragma: no cover - compiled
    """Whether rows ``w`` and ``r`` of the ``(n, m)`` int array ``x`` hold the same bits."""
    for k in range(x.shape[1]):  # noqa: SIM110 - numba compiles a loop, not a generator
        if x[w, k] != x[r, k]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _distinct_rows(
    x: np.ndarray, give_up_after: int
) -> tuple[np.ndarray, np.ndarray, bool]:  # pragma: no cover - compiled
    """Representative worlds and each world's representative over the ``(n, m)`` int array ``x``.

    Stops (third value False) once the first ``give_up_after`` rows (0: never) are more than
    half distinct.
    """
    n, width = x.shape
    rows = np.empty(n, dtype=np.int64)
    index = np.empty(n, dtype=np.int64)
    size = 16
    while size < 2 * n:
        size *= 2
    mask = np.uint64(size - 1)
    # Open addressing: each slot holds a position in ``rows`` (-1: empty).
    table = np.full(size, -1, dtype=np.int64)
    found_count = 0
    last = -1
    for w in range(n):
        if w == give_up_after and 2 * found_count > give_up_after:
            return rows[:found_count], index, False
        if last >= 0 and _same_row(x, w, rows[last]):
            index[w] = last
            continue
        h = np.uint64(width)
        for k in range(width):
            h = (h ^ np.uint64(x[w, k])) * _MIX
            h ^= h >> np.uint64(29)
        slot = h & mask
        while True:
            candidate = table[slot]
            if candidate < 0:
                candidate = found_count
                rows[candidate] = w
                table[slot] = candidate
                found_count += 1
                break
            if _same_row(x, w, rows[candidate]):
                break
            slot = (slot + np.uint64(1)) & mask
        index[w] = candidate
        last = candidate
    return rows[:found_count], index, True


@numba.njit(cache=True, nogil=True)
def _varying_columns(x: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``(m,)`` whether each column of the ``(n, m)`` int array ``x`` holds more than one value."""
    n, width = x.shape
    out = np.zeros(width, dtype=np.bool_)
    for k in range(width):
        first = x[0, k]
        for w in range(1, n):
            if x[w, k] != first:
                out[k] = True
                break
    return out


def distinct_rows(*columns: np.ndarray, give_up_after: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The worlds whose inputs differ from every earlier world's, bit for bit.

    Args:
        *columns: One or more float arrays of shape ``(n, ...)`` (broadcast views welcome), each
            world's inputs to a per-world formula. Rows are compared by their bits (``-0.0`` is
            not ``0.0``; a NaN equals the same NaN), so a formula of them gives the same result.
        give_up_after: If the first this many worlds (0: never give up) hold more than half as
            many distinct rows, the search stops and every world is its own row.

    Returns:
        ``rows``: ``(u,)`` the first world of each distinct row of inputs, in order;
        ``index``: ``(n,)`` the position in ``rows`` of each world's row, so that
        ``f(x[rows])[index]`` is ``f(x)`` for any per-world ``f``. Every distinct row is found
        (a hash table of the rows' bits), so ``u`` is the number of distinct rows, or ``n``
        where the search gave up.
    """
    if not columns:
        raise ValueError("distinct_rows takes one or more arrays")
    n = np.shape(columns[0])[0]
    flats = []
    for column in columns:
        array = np.asarray(column, dtype=np.float64)
        if array.shape[0] != n:
            raise ValueError("every array needs one row per world")
        if n == 0 or array.strides[0] == 0:
            continue  # a broadcast view: the same in every world
        flats.append((array.reshape(n, -1) if array.ndim != 2 else array).view(np.int64))
    x = np.concatenate(flats, axis=1) if len(flats) > 1 else flats[0] if flats else None
    if x is not None:
        # The columns that are the same in every world tell no world from another.
        differs = _varying_columns(x)
        x = x if differs.all() else x[:, differs] if differs.any() else None
    if x is None:
        return np.zeros(min(n, 1), dtype=np.int64), np.zeros(n, dtype=np.int64)
    x = np.ascontiguousarray(x)
    rows, index, done = _distinct_rows(x, give_up_after if 0 < give_up_after < n else 0)
    if not done:
        return np.arange(n), np.arange(n)
    return rows, index


#: Arrays of at most this many bytes are compared as byte strings: for them the copies cost
#: less than a call of a compiled function (about 0.2 us against 1.5 us for a world's flags).
SMALL_COMPARE_BYTES = 1024


@numba.njit(cache=True, nogil=True)
def _equal_words(a: np.ndarray, b: np.ndarray) -> bool:  # pragma: no cover - compiled
    """Whether the 2-d arrays ``a`` and ``b`` (of one shape and dtype) hold the same values."""
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            if a[i, j] != b[i, j]:
                return False
    return True


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` and ``b`` have one shape and dtype and hold the same bits.

    What ``a.shape == b.shape and a.tobytes() == b.tobytes()`` says for arrays of one dtype
    (``-0.0`` is not ``0.0``; a NaN equals a NaN of the same bits), but the memory is compared
    in place (views of any strides welcome), read as unsigned integers of the dtype's size, in
    a compiled loop that releases the GIL and stops at the first difference (arrays of at most
    :data:`SMALL_COMPARE_BYTES` are compared as byte strings).

    Args:
        a: Any array of a numeric or bool dtype.
        b: Any array.
    """
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.size == 0:
        return True
    words = np.dtype(f"u{a.dtype.itemsize}") if a.dtype.itemsize in (1, 2, 4, 8) else None
    if words is None or a.ndim == 0 or a.nbytes <= SMALL_COMPARE_BYTES:
        return a.tobytes() == b.tobytes()
    x = a.reshape(a.shape[0], -1).view(words)
    y = b.reshape(b.shape[0], -1).view(words)
    return bool(_equal_words(x, y))
