"""The battlefield: combat power, contest success, territorial change and casualties.

Pure functions over arrays of shape ``(N,)`` (one entry per world). Units: territory in km² of
Ukraine's internationally recognised territory held by Russia (``control_km2``), personnel in
persons, materiel in US$ bn of equipment, time in days.
"""

from __future__ import annotations

import functools

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
    personnel = np.maximum(personnel, 1.0)
    materiel_bn = np.maximum(materiel_bn, 1e-3)
    return np.exp(
        personnel_weight * np.log(personnel) + (1.0 - personnel_weight) * np.log(materiel_bn)
    )


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
def _t_quantile_table(df: float) -> tuple[FloatArray, FloatArray]:
    logit_u = np.linspace(-30.0, 30.0, _T_TABLE_NODES)
    return logit_u, special.stdtrit(df, special.expit(logit_u))


def t_quantile(uniform: FloatArray, df: float) -> FloatArray:
    """Student-t quantile by interpolation in a table over logit(u).

    ``scipy.special.stdtrit`` solves for every value with a root finder, the costliest call of a
    day at large N; the quantile is smooth in logit(u), so linear interpolation on 8,193 nodes
    agrees with it to a relative 3e-6 (for df >= 1.5) at a third of the cost. Values beyond the
    table (u within 1e-13 of 0 or 1) are computed exactly.

    Args:
        uniform: Uniform(0, 1) draws.
        df: Degrees of freedom (> 0), the same in every world.
    """
    nodes, quantiles = _t_quantile_table(df)
    uniform = np.asarray(uniform, dtype=float)
    logit_u = np.log(uniform) - np.log1p(-uniform)
    out = np.interp(logit_u, nodes, quantiles)
    beyond = np.abs(logit_u) > nodes[-1]
    if beyond.any():
        out[beyond] = special.stdtrit(df, uniform[beyond])
    return out


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
