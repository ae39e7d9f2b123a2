"""Ceasefire dynamics: violations and the hazard of breakdown.

Breakdown follows a proportional-hazards form,
``h = h0 * HR(guarantees) * HR(type) * HR(monitoring) * exp(beta * dissatisfaction)``,
calibrated so that a bare truce lasts about two weeks on average (Donbas 2015-18) and
guarantees or peacekeeping cut the hazard to 0.15-0.45 of that (Fortna 2003, 2004).
"""

from __future__ import annotations

import numpy as np
from scipy import special

FloatArray = np.ndarray


def breakdown_hazard(
    base_hazard_per_day: float | FloatArray,
    hazard_ratio: float | FloatArray,
    dissatisfaction: FloatArray,
    beta: float | FloatArray,
) -> FloatArray:
    """Daily hazard of a ceasefire breaking down.

    Args:
        base_hazard_per_day: ``h0``, the hazard of a bare truce (1/days).
        hazard_ratio: Product of the hazard ratios of the deal's terms and monitoring.
        dissatisfaction: How far the more dissatisfied side's war option exceeds the deal
            (utility units, >= 0).
        beta: Sensitivity of the hazard to dissatisfaction.

    Returns:
        Hazard per day.
    """
    return base_hazard_per_day * hazard_ratio * np.exp(beta * np.maximum(dissatisfaction, 0.0))


def breaks_down(hazard_per_day: FloatArray, uniform: FloatArray) -> FloatArray:
    """Whether a ceasefire breaks down today, given its hazard: ``u < 1 - exp(-h)``.

    Args:
        hazard_per_day: Hazard (1/days).
        uniform: Uniform(0, 1) draws, one per world.

    Returns:
        Boolean array.
    """
    return uniform < -np.expm1(-hazard_per_day)


def violations(rate_per_day: float | FloatArray, uniform: FloatArray) -> FloatArray:
    """Violations recorded today: Poisson by inverse CDF, one uniform per world.

    Args:
        rate_per_day: Expected violations per day.
        uniform: Uniform(0, 1) draws.

    Returns:
        Counts (float array of whole numbers).
    """
    rate = np.broadcast_to(np.asarray(rate_per_day, dtype=float), np.shape(uniform))
    counts = np.ceil(special.pdtrik(uniform, rate))
    # pdtrik inverts the CDF on a continuous scale; the integer part is the quantile.
    counts = np.where(rate > 0, np.maximum(counts, 0.0), 0.0)
    return np.nan_to_num(counts, nan=0.0)
