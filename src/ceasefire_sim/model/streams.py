"""Part of a block of uniforms, drawn without drawing the rest.

The model draws its daily noise as one ``(rows, K)`` block of uniforms from one generator, a
column per world key (:data:`~ceasefire_sim.model.model.N_DRAWS` rows). A run split into blocks of
worlds (:mod:`ceasefire_sim.model.blocks`) needs, in each block, only the columns of its keys:
:func:`uniform_columns` jumps the generator (PCG64's ``advance``, a few microseconds) to the
start of each row's part instead of drawing the whole row, and leaves it where drawing the whole
block would. The numbers are the same bits as the whole block's columns, so results do not depend
on how the worlds are split.
"""

from __future__ import annotations

import numpy as np


def uniform_columns(
    rng: np.random.Generator, rows: int, width: int, lo: int, hi: int
) -> np.ndarray:
    """Columns ``lo:hi`` of ``rng.random((rows, width))``, and ``rng`` moved past the whole block.

    Args:
        rng: A generator over ``PCG64`` (one 64-bit step per double, as numpy draws them).
        rows: Rows of the block.
        width: Columns of the block (the run's world keys).
        lo: First column wanted.
        hi: One past the last column wanted (``lo < hi <= width``).

    Returns:
        ``(rows, hi - lo)`` uniforms on ``[0, 1)``.
    """
    if lo == 0 and hi == width:
        return rng.random((rows, width))
    bits = rng.bit_generator
    if not isinstance(bits, np.random.PCG64):
        return rng.random((rows, width))[:, lo:hi]
    start = bits.state
    out = np.empty((rows, hi - lo))
    for row in range(rows):
        bits.state = start
        bits.advance(row * width + lo)
        rng.random(out=out[row])
    bits.state = start
    bits.advance(rows * width)
    return out
