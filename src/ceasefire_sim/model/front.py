"""The battlefield: combat power, contest success, territorial change and casualties.

Pure functions over arrays of shape ``(N,)`` (one entry per world). Units: territory in km² of
Ukraine's internationally recognised territory held by Russia (``control_km2``), personnel in
persons, materiel in US$ bn of equipment, time in days.
"""

from __future__ import annotations

import functools

import numba
import numpy as np
from scipy import special

FloatArray = np.ndarray


def combat_power(
    personnel: FloatArray, materiel_bn: FloatArray, personnel_weight: float | FloatArray
) -> FloatArray:
    """Combat power as a Cobb-Douglas mix of personnel and materiel.

    Args:
        personnel: Troops in the theatre (persons).
        materiel_bn: Equipment stock (US$ bn).
        personnel_weight: Exponent on personnel in [0, 1]; materiel gets ``1 - personnel_weight``.

    Returns:
        Combat power index (persons^a * US$bn^(1-a)).
    """
    return np.exp(log_combat_power(personnel, materiel_bn, personnel_weight))


def log_combat_power(
    personnel: FloatArray, materiel_bn: FloatArray, personnel_weight: float | FloatArray
) -> FloatArray:
    """The logarithm of :func:`combat_power`, the form the step uses.

    The contest and the casualty rate depend on powers only through their ratio, so the model
    keeps log powers and differences them, with no ``exp`` and ``log`` round trip.

    Args:
        personnel: Troops in the theatre (persons; floored at 1).
        materiel_bn: Equipment stock (US$ bn; floored at 0.001).
        personnel_weight: Exponent on personnel in [0, 1].
    """
    personnel = np.maximum(personnel, 1.0)
    materiel_bn = np.maximum(materiel_bn, 1e-3)
    return personnel_weight * np.log(personnel) + (1.0 - personnel_weight) * np.log(materiel_bn)


def contest_success(
    power_russia: FloatArray, power_ukraine: FloatArray, exponent: float | FloatArray
) -> FloatArray:
    """Tullock contest success function: Russia's probability of prevailing in a day's fighting.

    ``p = F_ru^k / (F_ru^k + F_ua^k)``, computed as a logistic of the log ratio for stability.

    Args:
        power_russia: Russia's combat power.
        power_ukraine: Ukraine's combat power.
        exponent: Decisiveness ``k`` (> 0); larger means superiority counts for more.

    Returns:
        Probability in (0, 1).
    """
    return special.expit(exponent * (np.log(power_russia) - np.log(power_ukraine)))


def contest_success_from_logs(
    log_power_russia: FloatArray, log_power_ukraine: FloatArray, exponent: float | FloatArray
) -> FloatArray:
    """:func:`contest_success` given the log powers (:func:`log_combat_power`)."""
    return special.expit(exponent * (log_power_russia - log_power_ukraine))


def expected_drift(
    p: FloatArray,
    gain_scale_km2_per_day: float | FloatArray,
    defender_advantage: float | FloatArray,
) -> FloatArray:
    """Expected daily change of Russian-held territory (km²/day).

    ``kappa * (p - theta)``: with ``theta > 0.5`` the attacker must prevail more often than not
    merely to hold the line (the defender's advantage).

    Args:
        p: Contest success of Russia.
        gain_scale_km2_per_day: ``kappa``, km²/day per unit of contest advantage.
        defender_advantage: ``theta`` in (0, 1).

    Returns:
        Expected change of ``control_km2`` per day.
    """
    return gain_scale_km2_per_day * (p - defender_advantage)


def phase_levels(
    offensive_days: float | FloatArray,
    consolidation_days: float | FloatArray,
    consolidation_tempo: float | FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Tempo of the offensive and the consolidation phase, scaled so their long-run mean is 1.

    The chain spends a share ``d_o / (d_o + d_c)`` of its days in the offensive phase, so with
    ``level_c = r * level_o`` the stationary mean is 1 when
    ``level_o = 1 / (share + (1 - share) * r)``.

    Args:
        offensive_days: Mean length of an offensive phase (days).
        consolidation_days: Mean length of a consolidation phase (days).
        consolidation_tempo: ``r``, tempo of consolidation relative to offence, in [0, 1].

    Returns:
        ``(level_offensive, level_consolidation)``.
    """
    share = np.asarray(offensive_days) / (
        np.asarray(offensive_days) + np.asarray(consolidation_days)
    )
    offensive = 1.0 / (share + (1.0 - share) * np.asarray(consolidation_tempo))
    return offensive, np.asarray(consolidation_tempo) * offensive


def switch_phase(
    offensive: np.ndarray,
    uniform: FloatArray,
    offensive_days: float | FloatArray,
    consolidation_days: float | FloatArray,
) -> tuple[np.ndarray, np.ndarray]:
    """One day of the Markov chain of phases: a phase ends with probability 1 / its mean length.

    Args:
        offensive: ``(N,)`` bool, in an offensive phase yesterday.
        uniform: ``(N,)`` Uniform(0, 1) draws (one per world and day, used whatever the state).
        offensive_days: Mean length of an offensive phase (days, >= 1).
        consolidation_days: Mean length of a consolidation phase (days, >= 1).

    Returns:
        ``(offensive_today, switched)``, both ``(N,)`` bool.
    """
    leave = np.where(
        offensive, 1.0 / np.asarray(offensive_days), 1.0 / np.asarray(consolidation_days)
    )
    switched = uniform < leave
    return offensive ^ switched, switched


def phase_intensity(uniform: FloatArray, sd: float | FloatArray) -> FloatArray:
    """Intensity of a new phase: lognormal with mean 1, ``exp(sd * z - sd² / 2)``.

    Args:
        uniform: Uniform(0, 1) draws (by inverse CDF, one per world).
        sd: s.d. of the log intensity.
    """
    return np.exp(sd * special.ndtri(uniform) - 0.5 * np.square(sd))


def seasonal_factor(
    day_of_year: int, amplitude: float | FloatArray, peak_day_of_year: float | FloatArray
) -> FloatArray:
    """Seasonal tempo ``1 + A cos(2 pi (doy - peak) / 365.25)`` (mean 1 over a year).

    Args:
        day_of_year: Day of the year of the date (1-366).
        amplitude: ``A`` in [0, 1).
        peak_day_of_year: Day of the year of the peak.
    """
    angle = 2.0 * np.pi * (day_of_year - np.asarray(peak_day_of_year)) / 365.25
    return 1.0 + np.asarray(amplitude) * np.cos(angle)


def tempo_casualty_factor(phase_tempo: FloatArray, share: float | FloatArray) -> FloatArray:
    """Factor on the casualty rate: a share ``c`` of the losses follows the phase and the season.

    ``(1 - c) + c * phase_tempo``, with ``phase_tempo`` the deterministic level of today's phase
    (:func:`phase_levels`) times the season (:func:`seasonal_factor`), **not** times the phase's
    random intensity (:func:`phase_intensity`). Losses follow how hard each side commits forces,
    which the phase (offensive or consolidation) and the season set; the random intensity of a
    phase is about how far the line moves for that effort (how well an offensive goes), so it
    moves the gains only. Carrying the intensity's long right tail into the casualties made their
    forecasts far wider than the General Staff's monthly means, which move by about 100 a day
    from month to month (docs/calibration.md, "Backtests"). At the mean phase tempo (1) the base
    rate applies; in an offensive losses rise less than gains (``c < 1``), so casualties per km²
    fall as gains rise and the two part ways.

    Args:
        phase_tempo: ``(N,)`` or ``(D,)`` today's phase level times the season (long-run mean 1,
            dimensionless).
        share: ``c`` in [0, 1] (dimensionless).

    Returns:
        Factor on the base casualty rate, the shape of ``phase_tempo`` (dimensionless).
    """
    return (1.0 - np.asarray(share)) + np.asarray(share) * phase_tempo


def student_t_noise(
    uniform: FloatArray, df: float | FloatArray, scale_km2: float | FloatArray
) -> FloatArray:
    """Heavy-tailed daily noise by inverse CDF, so each day consumes one uniform per world.

    Drawing by inverse transform (rather than ``Generator.standard_t``, whose rejection sampler
    consumes a variable number of bits) keeps the random streams of two scenarios aligned: the
    principle of common random numbers.

    Args:
        uniform: Uniform(0, 1) draws.
        df: Degrees of freedom of the Student-t (> 0).
        scale_km2: Scale of the noise (km²/day).

    Returns:
        Noise in km²/day.
    """
    if np.size(df) == 0:
        return np.zeros(np.shape(uniform))
    shared_df = np.ravel(df)[0]
    # The same degrees of freedom in every world, given once or per world, take the same path,
    # so a value given per world gives the same bits as the value given once.
    if np.ndim(df) == 0 or np.all(df == shared_df):
        return scale_km2 * t_quantile(uniform, float(shared_df))
    return scale_km2 * special.stdtrit(df, uniform)


#: Nodes of the tabulated t quantile, evenly spaced in logit(u) over [-30, 30].
_T_TABLE_NODES = 8193


@functools.lru_cache(maxsize=32)
def _t_quantile_table(df: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    logit_u = np.linspace(-30.0, 30.0, _T_TABLE_NODES)
    quantiles = special.stdtrit(df, special.expit(logit_u))
    # The slopes np.interp computes: (fp[j+1] - fp[j]) / (xp[j+1] - xp[j]).
    slopes = (quantiles[1:] - quantiles[:-1]) / (logit_u[1:] - logit_u[:-1])
    return logit_u, quantiles, slopes


def t_quantile(uniform: FloatArray, df: float) -> FloatArray:
    """Student-t quantile by interpolation in a table over logit(u).

    ``scipy.special.stdtrit`` solves for every value with a root finder, the costliest call of a
    day at large N; the quantile is smooth in logit(u), so linear interpolation on 8,193 nodes
    agrees with it to a relative 3e-6 (for df >= 1.5). Values beyond the table (u within 1e-13 of
    0 or 1) are computed exactly. The interpolation gives the bits of ``np.interp`` over the
    table, but finds each interval from its position among the evenly spaced nodes rather than by
    a binary search (:func:`_interp_even`): about 0.3 ms instead of 6 ms for 100,000 values.

    Args:
        uniform: Uniform(0, 1) draws.
        df: Degrees of freedom (> 0), the same in every world.

    Returns:
        Quantiles, the shape of ``uniform``.
    """
    nodes, quantiles, slopes = _t_quantile_table(df)
    uniform = np.asarray(uniform, dtype=float)
    logit_u = np.log(uniform) - np.log1p(-uniform)
    out = np.empty(logit_u.shape)
    if _interp_even(
        np.ascontiguousarray(logit_u).reshape(-1), nodes, quantiles, slopes, out.reshape(-1)
    ):
        beyond = np.abs(logit_u) > nodes[-1]
        out[beyond] = special.stdtrit(df, uniform[beyond])
    return out


@numba.njit(cache=True, nogil=True)
def _interp_even(
    x: FloatArray, xp: FloatArray, fp: FloatArray, slopes: FloatArray, out: FloatArray
) -> int:  # pragma: no cover - compiled; tested through t_quantile()
    """``np.interp(x, xp, fp)`` into ``out``, for nodes ``xp`` evenly spaced (at least two).

    The interval of each ``x`` is computed from its position rather than by a binary search,
    then moved so that ``xp[j] <= x < xp[j + 1]``, the interval numpy's search finds; the value
    follows numpy's ``arr_interp`` step by step (``x`` at a node gives ``fp[j]``; otherwise
    ``slopes[j] * (x - xp[j]) + fp[j]``, from the other end if that is NaN), so the bits are
    numpy's.

    Args:
        x: Points, contiguous.
        xp: Increasing, evenly spaced nodes.
        fp: Values at the nodes.
        slopes: ``(fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])``, as numpy computes them.
        out: Receives the interpolated values (``fp[0]`` below the nodes, ``fp[-1]`` above).

    Returns:
        How many points lie beyond the nodes (NaN not counted).
    """
    n = xp.shape[0]
    first = xp[0]
    last = xp[n - 1]
    per_step = (n - 1) / (last - first)
    beyond = 0
    for i in range(x.shape[0]):
        xi = x[i]
        if xi != xi:
            out[i] = xi
            continue
        if xi < first:
            out[i] = fp[0]
            beyond += 1
            continue
        if xi > last:
            out[i] = fp[n - 1]
            beyond += 1
            continue
        if xi == last:
            out[i] = fp[n - 1]
            continue
        j = min(int((xi - first) * per_step), n - 2)
        while j > 0 and xp[j] > xi:
            j -= 1
        while j < n - 2 and xp[j + 1] <= xi:
            j += 1
        if xp[j] == xi:
            out[i] = fp[j]
            continue
        slope = slopes[j]
        value = slope * (xi - xp[j]) + fp[j]
        if value != value:
            value = slope * (xi - xp[j + 1]) + fp[j + 1]
            if value != value and fp[j] == fp[j + 1]:
                value = fp[j]
        out[i] = value
    return beyond


def daily_casualties(
    base_per_day: float | FloatArray,
    power_own: FloatArray,
    power_enemy: FloatArray,
    initial_ratio: float | FloatArray,
    elasticity: float | FloatArray,
) -> FloatArray:
    """Casualties (killed and wounded) per day while fighting.

    The base rate applies at the day-0 force ratio; a side facing a relatively stronger enemy
    loses more: ``base * ((F_enemy / F_own) / r0) ** elasticity``.

    Args:
        base_per_day: Casualties/day at the initial force ratio.
        power_own: Own combat power.
        power_enemy: Enemy combat power.
        initial_ratio: ``F_enemy / F_own`` on day 0.
        elasticity: Sensitivity of losses to the force ratio.

    Returns:
        Casualties per day (persons).
    """
    ratio = (power_enemy / power_own) / initial_ratio
    return base_per_day * ratio**elasticity


def daily_casualties_from_logs(
    base_per_day: float | FloatArray,
    log_power_own: FloatArray,
    log_power_enemy: FloatArray,
    log_initial_ratio: float | FloatArray,
    elasticity: float | FloatArray,
) -> FloatArray:
    """:func:`daily_casualties` given log powers and ``log(initial_ratio)``: one ``exp``.

    Args:
        base_per_day: Casualties/day at the initial force ratio.
        log_power_own: Own log combat power.
        log_power_enemy: Enemy log combat power.
        log_initial_ratio: ``log(F_enemy / F_own)`` on day 0.
        elasticity: Sensitivity of losses to the force ratio.
    """
    return base_per_day * np.exp(
        elasticity * ((log_power_enemy - log_power_own) - log_initial_ratio)
    )
