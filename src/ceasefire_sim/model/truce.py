"""Ceasefire dynamics: violations and the hazard of breakdown.

Breakdown follows a proportional-hazards form with a Weibull baseline that falls with the time
since the ceasefire began: the cumulative hazard of a bare truce after ``t`` days is
``Lambda0(t) = h0 * t**k`` (``k = truce.hazard_shape``; ``k = 1`` is a constant hazard ``h0``),
and on day ``t`` of a ceasefire

``h = h0 * (t**k - (t - 1)**k) * HR(terms) * HR(monitoring) * pressure * exp(beta * d) * escalation``

where ``HR(terms)`` is the product of the hazard ratios of the package's options (guarantees,
truce type: Fortna 2003, 2004), ``pressure`` the fragility of a deal made under the mediator's
threats (Werner & Yuen 2005; Beardsley 2008), ``d`` the more dissatisfied side's regret and
``escalation`` the effect of violations above the base rate (:func:`escalation`). ``h0`` and
``k`` are set so that a bare truce has a median of about two weeks (Donbas 2015-18) while a strong
agreement (``HR = 0.125``) survives ten years about half the time (Fortna 2004: almost half of
interstate wars since 1945 were followed by renewed fighting): the years-scale ratios act on a
years-scale base.

The same hazard, without the regret and violations no one can foresee, gives each side the share
of its horizon a package would hold (:func:`hold_share`), by which it values the package.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy import special

from ceasefire_sim.model import kernels

FloatArray = np.ndarray


def breakdown_hazard(
    base_hazard_per_day: float | FloatArray,
    hazard_ratio: float | FloatArray,
    dissatisfaction: FloatArray,
    beta: float | FloatArray,
    day_of_ceasefire: float | FloatArray = 1.0,
    shape: float | FloatArray = 1.0,
) -> FloatArray:
    """Hazard of a ceasefire breaking down on its ``t``-th day.

    Args:
        base_hazard_per_day: ``h0``, the cumulative hazard of a bare truce by its first day.
        hazard_ratio: Product of the hazard ratios of the deal's terms, monitoring, pressure and
            escalation.
        dissatisfaction: How far the more dissatisfied side's war option exceeds the deal
            (utility units, >= 0).
        beta: Sensitivity of the hazard to dissatisfaction.
        day_of_ceasefire: ``t >= 1``, days since the ceasefire began (today included).
        shape: ``k`` of the Weibull baseline (1: constant hazard ``h0``).

    Returns:
        The day's hazard ``h0 * (t**k - (t - 1)**k) * HR * exp(beta * d)`` (``(n,)``).

    >>> float(breakdown_hazard(0.07, 1.0, np.zeros(1), 2.0, 5.0, 1.0)[0])
    0.07
    """
    t = np.maximum(np.asarray(day_of_ceasefire, dtype=float), 1.0)
    base = base_hazard_per_day * (t**shape - (t - 1.0) ** shape)
    return base * hazard_ratio * np.exp(beta * np.maximum(dissatisfaction, 0.0))


def hold_share(
    hazard_ratio: FloatArray | float,
    base_hazard_per_day: FloatArray | float,
    shape: FloatArray | float,
    span_days: FloatArray | float,
) -> FloatArray:
    """Expected share of ``span_days`` a ceasefire holds under the Weibull hazard.

    ``(1/L) * int_0^L exp(-c s**k) ds`` with ``c = HR * h0`` and ``L`` the span, in closed form
    ``Gamma(1/k) P(1/k, c L**k) / (k c**(1/k) L)`` (``P``: the regularised lower incomplete gamma
    function); 1 where ``c`` or ``L`` is 0.

    Args:
        hazard_ratio: ``HR`` of the package's terms (any shape broadcasting with the others).
        base_hazard_per_day: ``h0``.
        shape: ``k``.
        span_days: ``L``, the days the package would stop the fighting within the horizon.

    Returns:
        The share in ``(0, 1]``, broadcast over the arguments.

    >>> round(float(hold_share(1.0, 0.1, 1.0, 10.0)), 6)  # (1 - e^-1) / 1
    0.632121
    """
    args = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (hazard_ratio, base_hazard_per_day, shape, span_days))
    )
    size = args[0].size
    if size < _DISTINCT_MIN:
        return _hold_share(*args)
    # The incomplete gamma function is most of the time here, and most elements share all their
    # inputs (a few terms and parameters): each distinct element is evaluated once. The
    # elementwise formula gives the same bits for the same inputs wherever they stand.
    flat = [a.reshape(-1) for a in args]
    rows, index = kernels.distinct_rows(*flat, give_up_after=_DISTINCT_MIN)
    if len(rows) > size // 2:
        return _hold_share(*args)
    return _hold_share(*(a[rows] for a in flat))[index].reshape(args[0].shape)


#: Below this many elements :func:`hold_share` evaluates every element; from it on, each distinct
#: one (and gives up looking for them when the first this many are more than half distinct).
_DISTINCT_MIN = 256


def _hold_share(
    hazard_ratio: FloatArray,
    base_hazard_per_day: FloatArray,
    shape: FloatArray,
    span_days: FloatArray,
) -> FloatArray:
    """:func:`hold_share` of every element of its (broadcast) arguments."""
    c = np.asarray(hazard_ratio, dtype=float) * base_hazard_per_day
    k = np.asarray(shape, dtype=float)
    span = np.asarray(span_days, dtype=float)
    x = c * span**k
    with np.errstate(divide="ignore", invalid="ignore"):
        a = 1.0 / k
        share = special.gamma(a) * special.gammainc(a, x) / (k * np.power(c, a) * span)
    return np.where((x > 1e-12) & np.isfinite(share), np.minimum(share, 1.0), 1.0)


def escalation(
    tension: FloatArray, violations_today: FloatArray, base_rate: FloatArray | float, decay: float
) -> FloatArray:
    """Tension after today's violations: ``decay * tension + (violations / base_rate - 1)``.

    Violations above the base rate of a fresh truce build tension, fewer let it subside; the
    hazard is multiplied by ``exp(eta * max(tension, 0))`` (``truce.violation_escalation``).

    Args:
        tension: ``(n,)`` yesterday's tension (0 when a ceasefire begins).
        violations_today: ``(n,)`` violations recorded today.
        base_rate: ``truce.violations_per_day``.
        decay: Share of yesterday's tension kept (per day).
    """
    rate = np.maximum(np.asarray(base_rate, dtype=float), 1e-9)
    return decay * tension + (violations_today / rate - 1.0)


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

    The count is the smallest ``k`` with ``P(X <= k) >= u``, found by a compiled walk over the
    probabilities (see :func:`_poisson_quantile`). The walk's CDF is accurate to about 1e-15 in
    absolute terms, so it gives the exact quantile unless ``u`` lies within about that of a step
    of the CDF. The cases it leaves, which are rare (rates above ``_MAX_WALK_RATE``, ``u`` above
    ``_HIGH_TAIL``, ``u`` below ``_LOW_TAIL`` at rates above ``_SMALL_RATE``: where that absolute
    accuracy is not enough), are computed as before, by ``ceil(scipy.special.pdtrik(u, rate))``.
    A rate that is not positive (or NaN) and a ``u`` outside ``[0, 1)`` (or NaN) give 0, as
    before.

    Args:
        rate_per_day: Expected violations per day (a scalar, or an array that broadcasts to the
            shape of ``uniform``).
        uniform: Uniform(0, 1) draws.

    Returns:
        Counts (float array of whole numbers, the shape of ``uniform``).
    """
    shape = np.shape(uniform)
    u = np.ascontiguousarray(uniform, dtype=np.float64).reshape(-1)
    rate = np.asarray(rate_per_day, dtype=np.float64)
    if rate.ndim == 0:
        rate = rate.reshape(1)
    else:
        rate = np.ascontiguousarray(np.broadcast_to(rate, shape)).reshape(-1)
    counts = np.empty(u.shape)
    if _poisson_quantiles(u, rate, counts):
        left = np.isnan(counts)
        counts[left] = _pdtrik_counts(u[left], rate[left] if rate.size > 1 else rate)
    return counts.reshape(shape)


def _pdtrik_counts(uniform: FloatArray, rate: FloatArray) -> FloatArray:
    """Poisson quantiles by ``scipy.special.pdtrik``, a root finder on the continuous CDF."""
    rate = np.broadcast_to(rate, np.shape(uniform))
    counts = np.ceil(special.pdtrik(uniform, rate))
    # pdtrik inverts the CDF on a continuous scale; the integer part is the quantile.
    counts = np.where(rate > 0, np.maximum(counts, 0.0), 0.0)
    return np.nan_to_num(counts, nan=0.0)


#: Below this rate the walk starts at 0 from ``exp(-rate)``; above it, at the mode.
_SMALL_RATE = 64.0
#: Above this rate the walk (about ``10 * sqrt(rate)`` terms) is left to ``pdtrik``.
_MAX_WALK_RATE = 1e9
#: At rates above ``_SMALL_RATE``, a ``u`` below this is left to ``pdtrik``: the walk down from
#: the mode subtracts from a CDF of about 0.5, so its absolute accuracy (about 1e-15) is not
#: enough for the dense steps of the CDF in the far lower tail.
_LOW_TAIL = 1e-12
#: A ``u`` above this is left to ``pdtrik`` (which inverts ``1 - u`` there), for the same reason
#: in the far upper tail.
_HIGH_TAIL = 1.0 - 1e-12
#: Terms of the sum below the mode are added until they fall below this (times ``1/sqrt(rate)``,
#: so the neglected rest of the lower tail stays below about 1e-20).
_NEGLIGIBLE = 1e-20
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@numba.njit(cache=True)
def _stirling_error(n: float) -> float:  # pragma: no cover - compiled
    """``log(n!) - log(sqrt(2 pi n) (n/e)^n)`` for a whole ``n >= 16``, by Stirling's series.

    As many terms as Loader (2000, "Fast and accurate computation of binomial probabilities")
    takes for each range of ``n``: the first omitted term is below 1e-16.
    """
    s0 = 1.0 / 12.0
    s1 = 1.0 / 360.0
    s2 = 1.0 / 1260.0
    s3 = 1.0 / 1680.0
    s4 = 1.0 / 1188.0
    nn = n * n
    if n > 500.0:
        return (s0 - s1 / nn) / n
    if n > 80.0:
        return (s0 - (s1 - s2 / nn) / nn) / n
    if n > 35.0:
        return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n


@numba.njit(cache=True)
def _deviance_near(x: float, rate: float) -> float:  # pragma: no cover - compiled
    """``x log(x / rate) + rate - x`` for ``|x - rate| < 0.1 (x + rate)``, by its series."""
    v = (x - rate) / (x + rate)
    s = (x - rate) * v
    ej = 2.0 * x * v
    v = v * v
    for j in range(1, 1000):
        ej *= v
        s1 = s + ej / (2 * j + 1)
        if s1 == s:
            return s1
        s = s1
    return s


@numba.njit(cache=True)
def _poisson_quantile(u: float, rate: float) -> float:  # pragma: no cover - compiled
    """Smallest whole ``k`` with ``P(X <= k) >= u`` for ``X ~ Poisson(rate)``; NaN if left over."""
    if not (rate > 0.0) or not (u > 0.0) or not (u < 1.0):
        return 0.0
    if rate > _MAX_WALK_RATE or u > _HIGH_TAIL:
        return np.nan
    if rate < _SMALL_RATE:
        # From k = 0 up: CDF(k) = CDF(k - 1) + pmf(k), pmf(k) = pmf(k - 1) * rate / k.
        k = 0.0
        term = math.exp(-rate)
        cdf = term
    else:
        # From the mode m: pmf(m) in Loader's saddle-point form (accurate to a few ulps, where
        # exp(-rate) would underflow), and CDF(m) summed down from the mode until the terms are
        # negligible.
        k = np.floor(rate)
        term = math.exp(
            -_stirling_error(k) - _deviance_near(k, rate) - _LOG_SQRT_2PI - 0.5 * math.log(k)
        )
        cdf = term
        t = term
        j = k
        tiny = _NEGLIGIBLE / math.sqrt(rate)
        while j > 0.0 and t >= tiny:
            t *= j / rate
            j -= 1.0
            cdf += t
        if u <= cdf:
            if u < _LOW_TAIL:
                return np.nan
            # Down: CDF(k - 1) = CDF(k) - pmf(k), while it still reaches u.
            while k > 0.0:
                below = cdf - term
                if below < u:
                    break
                cdf = below
                term *= k / rate
                k -= 1.0
            return k
    # Up: CDF(k + 1) = CDF(k) + pmf(k + 1), until it reaches u.
    while cdf < u:
        k += 1.0
        term *= rate / k
        more = cdf + term
        if more == cdf:
            # The sum no longer grows (not expected below _HIGH_TAIL).
            return np.nan
        cdf = more
    return k


@numba.njit(cache=True, nogil=True)
def _poisson_quantiles(u: FloatArray, rate: FloatArray, out: FloatArray) -> int:  # pragma: no cover
    """Poisson quantiles of ``u`` at ``rate`` (one rate, or one per ``u``) into ``out``.

    Returns:
        How many were left over (NaN in ``out``).
    """
    left = 0
    shared = rate.shape[0] == 1
    for i in range(u.shape[0]):
        k = _poisson_quantile(u[i], rate[0] if shared else rate[i])
        out[i] = k
        if k != k:
            left += 1
    return left
