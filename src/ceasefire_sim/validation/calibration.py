"""Calibration: the baseline against its sourced targets, all dated on or before 12 March 2025.

The front is checked with talks off (``talks.enabled: false``) over a year: the level, the
spread, the persistence of the monthly gains and the casualties per km² against the trackers'
series of Jan 2023 - Feb 2025 shipped in :mod:`ceasefire_sim.data` (:func:`check_front`). One
baseline run with talks gives the casualty rates and the allies at 2% on day 0. Truce durability needs ceasefires to measure, so it comes from
variants of the baseline that put a restricted set of terms on the table (and drop the Jeddah
initial proposal, which would otherwise fix the first proposal): the mediator still proposes the
Nash package within those terms and the sides still decide, so the ceasefires measured are ones
the sides agreed to, as the Donbas truces and Fortna's ceasefires were.

Durations are estimated with the discrete-time exponential (geometric) model: the daily
breakdown probability is the number of breakdowns over the number of ceasefire-days at risk,
with ceasefires still holding at the horizon or reaching a fixed term's expiry counted as
censored (:func:`geometric_duration`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from ceasefire_sim.api import simulate
from ceasefire_sim.model.agents import DAYS_PER_YEAR
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.negotiation.space import BUILT_IN
from ceasefire_sim.results import Results, mean_ci, median_ci, wilson
from ceasefire_sim.scenario.loader import load_scenario
from ceasefire_sim.validation import BASELINE, Check, ValidationConfig

SECTION = "calibration"
DAYS_PER_MONTH = DAYS_PER_YEAR / 12

#: The trackers' year for the cycles of the front (s.d. and persistence of monthly gains).
CYCLE_YEAR = ("2024-01", "2024-12")
#: The twelve months before the start, for the level and the range of monthly gains.
LEVEL_MONTHS = ("2024-03", "2025-02")
#: Median lag-1 autocorrelation of a world's monthly gains must reach this (trackers 0.41-0.89).
MIN_AUTOCORRELATION = 0.3
#: Russian casualties in 2024 (General Staff, daily dataset: 430,320) over the 2024 gains of the
#: trackers (UA War Infographics "gut 2,800" km² to 4,299 km² by liveuamap): casualties per km².
CASUALTIES_2024 = 430_320
GAINS_2024_KM2 = (2_800.0, 4_299.0)
CASUALTIES_PER_KM2_TARGET = (
    CASUALTIES_2024 / GAINS_2024_KM2[1],
    CASUALTIES_2024 / GAINS_2024_KM2[0],
)
FRONT_WINDOWS = 12
FRONT_WINDOW_DAYS = 30
RUSSIAN_CASUALTIES_TARGET = (1200.0, 1600.0)
UKRAINIAN_CASUALTIES_TARGET = (300.0, 800.0)
ALLIES_AT_2PCT_TARGET = 23
#: "An average truce holds for around two weeks" (OSCE SMM, 2018): read as 10-20 days.
BARE_TRUCE_TARGET_DAYS = (10.0, 20.0)
#: Fortna: peacekeeping cuts the hazard of renewed war by 55-85%.
GUARANTEE_HR_TARGET = (0.15, 0.45)
#: No ceasefire followed the 30-day truce of March 2025: read as at most 10% of worlds.
JEDDAH_MAX_SHARE = 0.10

SOURCES = {
    "gains": (
        "monthly gains by tracker, Jan 2023 - Feb 2025 (ISW via AFP, War Mapper, DeepState, UK MoD, "
        "liveuamap; src/ceasefire_sim/data/russian_gains_monthly.csv)"
    ),
    "casualties_per_km2": (
        "General Staff count of Russian casualties in 2024 (430,320; "
        "src/ceasefire_sim/data/russia_personnel_losses_daily.csv) over the trackers' 2024 gains "
        "(2,800-4,299 km²); ISW: about 102 per km²"
    ),
    "russian_casualties": "Ukrainian General Staff via UK MoD, Dec 2024-Mar 2025",
    "ukrainian_casualties": "no credible per-day figure (official totals; CSIS via CNN)",
    "allies": 'seed article: "23 of its 32 members now meeting the 2% GDP defense spending benchmark"',
    "truce": "OSCE SMM deputy chief, Aug 2018 (en.lb.ua/news/2018/08/09)",
    "guarantees": "Fortna, Peace Time (2004), via peacepolicy.nd.edu",
}

#: The bare truce: a 30-day truce without guarantees is all the mediator may propose.
BARE_TABLE: dict[str, list[str]] = {"truce": ["days_30"], "guarantees": ["none"]}
#: The guarantee comparison holds the truce type fixed at an indefinite ceasefire.
GUARANTEE_OPTIONS = ("none", "us_backed", "european_force")


# ------------------------------------------------------------------ estimators
@dataclass(frozen=True)
class DurationEstimate:
    """Mean ceasefire duration under a constant daily breakdown probability.

    Attributes:
        breakdowns: Ceasefires that broke down while at risk.
        days_at_risk: Ceasefire-days at risk (each ceasefire counts until it ends or is censored).
        daily_probability: ``breakdowns / days_at_risk`` (the geometric MLE).
        mean_days: ``1 / daily_probability``.
        ci_low: Lower end of the interval of ``mean_days``.
        ci_high: Upper end.
        ceasefires: Ceasefires measured.
    """

    breakdowns: int
    days_at_risk: float
    daily_probability: float
    mean_days: float
    ci_low: float
    ci_high: float
    ceasefires: int

    @property
    def hazard_per_day(self) -> float:
        """Continuous-time hazard ``-log(1 - p)`` (1/day)."""
        return -math.log1p(-self.daily_probability) if self.daily_probability < 1 else math.inf


def geometric_duration(
    durations_days: np.ndarray,
    ended: np.ndarray,
    censor_after_days: float | None = None,
    confidence: float = 0.95,
) -> DurationEstimate:
    """Estimate the mean duration of ceasefires from possibly censored durations.

    A ceasefire that started on day ``s`` faces the breakdown hazard on days ``s + 1``, ...;
    one that broke down on day ``s + d`` was at risk ``d`` days. Ceasefires still holding
    (``ended`` false) are censored at their duration. With ``censor_after_days`` (``T``), every
    ceasefire is censored after ``T`` days at risk: a fixed-term truce's expiry on its last day
    cannot be told apart from a breakdown that day, so a 30-day truce is observed for 29 days.

    The interval is the exact Poisson (chi-square) interval of the breakdown count over the
    days at risk, mapped to the mean.

    Args:
        durations_days: Duration of each ceasefire (days).
        ended: Whether each ceasefire ended.
        censor_after_days: Days at risk after which every ceasefire is censored.
        confidence: Confidence level.

    Returns:
        The estimate; NaN mean and interval when there are no breakdowns or no days at risk.
    """
    d = np.asarray(durations_days, dtype=float)
    ended = np.asarray(ended, dtype=bool)
    if censor_after_days is not None:
        ended = ended & (d <= censor_after_days)
        d = np.minimum(d, censor_after_days)
    events, exposure = int(ended.sum()), float(d.sum())
    if events == 0 or exposure <= 0:
        return DurationEstimate(events, exposure, math.nan, math.nan, math.nan, math.nan, len(d))
    alpha = 1 - confidence
    rate_low = stats.chi2.ppf(alpha / 2, 2 * events) / (2 * exposure)
    rate_high = stats.chi2.ppf(1 - alpha / 2, 2 * events + 2) / (2 * exposure)
    p = events / exposure
    return DurationEstimate(
        breakdowns=events,
        days_at_risk=exposure,
        daily_probability=p,
        mean_days=1 / p,
        ci_low=1 / min(rate_high, 1.0),
        ci_high=1 / rate_low,
        ceasefires=len(d),
    )


def hazard_ratio(
    treated: DurationEstimate, control: DurationEstimate, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Ratio of two constant hazards with a log-normal interval (``se = sqrt(1/d1 + 1/d0)``).

    Returns:
        ``(ratio, low, high)``; NaN if either arm has no breakdowns.
    """
    if treated.breakdowns == 0 or control.breakdowns == 0:
        return math.nan, math.nan, math.nan
    ratio = treated.hazard_per_day / control.hazard_per_day
    se = math.sqrt(1 / treated.breakdowns + 1 / control.breakdowns)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)


def monthly_gains(
    control_km2: np.ndarray, status: np.ndarray, days: int = 90, window_days: int = 30
) -> tuple[np.ndarray, np.ndarray]:
    """Russian gains per month from daily per-world trajectories.

    Args:
        control_km2: ``(days + 1, N)`` Russian-held area at the end of each day (day 0 first).
        status: ``(days + 1, N)`` status codes (0 war, 1 ceasefire, 2 collapsed, 3 settled).
        days: Length of the period measured from day 0.
        window_days: Length of the windows for the month-by-month gains.

    Returns:
        ``(per_world, per_window)``: each world's mean gain per month over days 0..``days``,
        and the gain per month of every (window, world) in which the world fought every day.
    """
    control = np.asarray(control_km2, dtype=float)
    at_war = np.isin(status, (0, 2))
    per_world = (control[days] - control[0]) / (days / DAYS_PER_MONTH)
    windows = []
    for start in range(0, days - window_days + 1, window_days):
        end = start + window_days
        fought = at_war[start + 1 : end + 1].all(axis=0)
        gain = (control[end] - control[start]) / (window_days / DAYS_PER_MONTH)
        windows.append(gain[fought])
    return per_world, np.concatenate(windows) if windows else np.empty(0)


# ---------------------------------------------------------------------- checks
def _fmt_range(low: float, high: float, digits: int = 0) -> str:
    return f"{low:,.{digits}f}-{high:,.{digits}f}"


def _interval_contains(estimate: DurationEstimate, value: float) -> bool:
    return bool(estimate.ci_low <= value <= estimate.ci_high)


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bool(np.isfinite(value) and bounds[0] <= value <= bounds[1])


def lag1_autocorrelation(gains: np.ndarray) -> np.ndarray:
    """Correlation of consecutive gains: Pearson's r of the pairs ``(g[t], g[t + 1])``.

    Args:
        gains: ``(T, N)`` gains of ``N`` series (NaN-free), ``T >= 3``.

    Returns:
        ``(N,)`` correlations (NaN for a series whose pairs do not vary).
    """
    g = np.asarray(gains, dtype=float)
    a, b = g[:-1], g[1:]
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(axis=0) / np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))


def tracker_front_statistics() -> dict[str, dict[str, float]]:
    """Each tracker's figures for the front checks, from the shipped monthly series.

    Returns:
        Tracker -> ``sd_km2`` (s.d. of its monthly gains in :data:`CYCLE_YEAR`, months
        reported), ``autocorrelation`` (lag-1, of the consecutive pairs of months reported in
        that year; NaN under four pairs), ``months`` (reported in that year), ``mean_km2``
        (mean monthly gain of :data:`LEVEL_MONTHS`), ``min_km2`` and ``max_km2`` (of those
        months). Trackers with fewer than four months in the year are left out.
    """
    from ceasefire_sim.data import GAIN_TRACKERS, russian_gains_monthly

    frame = russian_gains_monthly()
    year = frame.loc[CYCLE_YEAR[0] : CYCLE_YEAR[1]]
    level = frame.loc[LEVEL_MONTHS[0] : LEVEL_MONTHS[1]]
    out: dict[str, dict[str, float]] = {}
    for column, name in GAIN_TRACKERS.items():
        months = year[column].dropna()
        if len(months) < 4:
            continue
        pairs = year[column].to_numpy()
        both = ~np.isnan(pairs[:-1]) & ~np.isnan(pairs[1:])
        ac = (
            float(np.corrcoef(pairs[:-1][both], pairs[1:][both])[0, 1])
            if both.sum() >= 4
            else math.nan
        )
        last12 = level[column].dropna()
        out[name] = {
            "sd_km2": float(months.std(ddof=1)),
            "autocorrelation": ac,
            "months": float(len(months)),
            "mean_km2": float(last12.mean()),
            "min_km2": float(last12.min()),
            "max_km2": float(last12.max()),
        }
    return out


def tracker_error_sd() -> float:
    """s.d. of one tracker's monthly gain about the month's true gain (km²/month).

    The trackers' pooled disagreement over the months before the start (the error the
    calibration gives each tracker: ``calibration.observations.Observations.tracker_error_sd``).
    """
    from ceasefire_sim.calibration.observations import load_observations

    return load_observations().tracker_error_sd()


def window_gains(control_km2: np.ndarray, windows: int, window_days: int) -> np.ndarray:
    """``(windows, N)`` gains of consecutive windows from day 0 (km² per window).

    Args:
        control_km2: ``(days + 1, N)`` Russian-held area at the end of each day.
        windows: Number of windows.
        window_days: Days per window.
    """
    control = np.asarray(control_km2, dtype=float)
    return np.diff(control[0 : windows * window_days + 1 : window_days], axis=0)


def _front_only_run(scenario_path: str | Path, worlds: int, seed: int) -> Results:
    days = FRONT_WINDOWS * FRONT_WINDOW_DAYS
    scenario = load_scenario(scenario_path, {"talks.enabled": False})
    return simulate(
        scenario,
        worlds=worlds,
        seed=seed,
        days=max(days, 365),
        narrative_worlds=0,
        keep_trajectories=True,
    )


def check_front(
    scenario_path: str | Path, worlds: int, seed: int
) -> tuple[list[Check], dict[str, Any]]:
    """The front with talks off over a year against the trackers before the start.

    The model's 30-day gains are compared as one tracker would report them (each plus a
    tracker's error, :func:`tracker_error_sd`), since the trackers' figures carry that error.
    Five checks, each of which fails when the front's mechanism is off: the s.d. of a world's
    twelve 30-day gains (median over worlds within the trackers' range of 2024 s.d.s), their
    lag-1 autocorrelation (median at least :data:`MIN_AUTOCORRELATION`), the mean monthly gain
    (median within the trackers' means of the twelve months before the start), the range of
    30-day gains (the central 95% covers every tracker month of those twelve months) and
    Russian casualties per km² gained.

    Returns:
        The checks, and the data of the gains figure.
    """
    run = _front_only_run(scenario_path, worlds, seed)
    traj = run.trajectories or {}
    true_gains = window_gains(traj["control_km2"], FRONT_WINDOWS, FRONT_WINDOW_DAYS)
    # A tracker's month is the month's gain plus that tracker's error: the trackers' statistics
    # below carry it, so the model's months are compared as one tracker would report them.
    error_sd = tracker_error_sd()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x7EAC]))
    gains = true_gains + error_sd * rng.standard_normal(true_gains.shape)
    per_month = gains / (FRONT_WINDOW_DAYS / DAYS_PER_MONTH)
    trackers = tracker_front_statistics()
    sds = np.array([t["sd_km2"] for t in trackers.values()])
    acs = np.array([t["autocorrelation"] for t in trackers.values()])
    acs = acs[np.isfinite(acs)]
    means = np.array([t["mean_km2"] for t in trackers.values()])
    lows = min(t["min_km2"] for t in trackers.values())
    highs = max(t["max_km2"] for t in trackers.values())
    sd = gains.std(axis=0, ddof=1)
    ac = lag1_autocorrelation(gains)
    sd_median, sd_low, sd_high = median_ci(sd)
    ac_median, ac_low, ac_high = median_ci(ac[np.isfinite(ac)])
    level = per_month.mean(axis=0)
    level_median, level_low, level_high = median_ci(level)
    spread = np.quantile(per_month, [0.025, 0.975])
    days = FRONT_WINDOWS * FRONT_WINDOW_DAYS
    gained = traj["control_km2"][days].astype(float) - traj["control_km2"][0].astype(float)
    casualties = traj["casualties_russia"][days].astype(float)
    positive = gained > 0
    per_km2 = casualties[positive] / gained[positive]
    per_km2_median, per_km2_low, per_km2_high = median_ci(per_km2)
    tracker_text = "; ".join(
        f"{name} {t['sd_km2']:.0f} km² (r1 "
        + (f"{t['autocorrelation']:.2f}" if np.isfinite(t["autocorrelation"]) else "-")
        + f", {t['months']:.0f} months)"
        for name, t in trackers.items()
    )
    where = (
        f"the scenario with `talks.enabled: false`, {worlds:,} worlds, seed {seed}; each world's "
        f"{FRONT_WINDOWS} consecutive {FRONT_WINDOW_DAYS}-day gains of `control_km2` from day 0, "
        f"each plus one tracker's error (normal, s.d. {error_sd:.0f} km²: the trackers' pooled "
        "disagreement before the start, the error the calibration gives a tracker's month)"
    )
    checks = [
        Check(
            SECTION,
            "Front, talks off: s.d. of a world's twelve 30-day gains",
            f"median {sd_median:,.0f} km² (95% CI {_fmt_range(sd_low, sd_high)})",
            f"{_fmt_range(sds.min(), sds.max())} km² (trackers' s.d. of 2024 monthly gains)",
            passed=_within(sd_median, (float(sds.min()), float(sds.max()))),
            detail=(
                f"Sample s.d. of each world's gains over {where}; median over worlds with a "
                f"distribution-free interval (pass: median within the trackers' range). "
                f"Trackers, 2024: {tracker_text}. Source: {SOURCES['gains']}."
            ),
            data={"median": sd_median, "ci": (sd_low, sd_high), "per_world": sd, "trackers": sds},
        ),
        Check(
            SECTION,
            "Front, talks off: lag-1 autocorrelation of a world's 30-day gains",
            f"median {ac_median:.2f} (95% CI {ac_low:.2f}-{ac_high:.2f})",
            f"at least {MIN_AUTOCORRELATION} (trackers {acs.min():.2f}-{acs.max():.2f})",
            passed=bool(np.isfinite(ac_median) and ac_median >= MIN_AUTOCORRELATION),
            detail=(
                f"Pearson correlation of consecutive gains (11 pairs) over {where}; the same "
                "estimator on the trackers' consecutive 2024 months (pass: median at least "
                f"{MIN_AUTOCORRELATION}: offensives and pauses persist for months). "
                f"Source: {SOURCES['gains']}."
            ),
            data={"median": ac_median, "ci": (ac_low, ac_high), "per_world": ac, "trackers": acs},
        ),
        Check(
            SECTION,
            "Front, talks off: mean monthly gain over the first year",
            f"median {level_median:,.0f} km²/month (95% CI {_fmt_range(level_low, level_high)})",
            f"{_fmt_range(means.min(), means.max())} km²/month (trackers, Mar 2024 - Feb 2025)",
            passed=_within(level_median, (float(means.min()), float(means.max()))),
            detail=(
                f"Each world's mean gain per month of {DAYS_PER_MONTH:.2f} days over {where}; "
                "median over worlds (pass: within the range of the trackers' mean months of the "
                f"twelve months before the start). Source: {SOURCES['gains']}."
            ),
            data={"median": level_median, "ci": (level_low, level_high), "per_world": level},
        ),
        Check(
            SECTION,
            "Front, talks off: 30-day gains span the trackers' months",
            f"central 95% {_fmt_range(*spread)} km²/month",
            f"every tracker month of Mar 2024 - Feb 2025, {_fmt_range(lows, highs)} km²/month",
            passed=bool(spread[0] <= lows and spread[1] >= highs),
            detail=(
                f"The 2.5%-97.5% range of all {per_month.size:,} world-months over {where} "
                f"must contain every monthly figure of every tracker. Source: {SOURCES['gains']}."
            ),
            data={"spread": tuple(spread), "per_window": per_month.ravel()},
        ),
        Check(
            SECTION,
            "Front, talks off: Russian casualties per km² gained",
            f"median {per_km2_median:,.0f} per km² (95% CI {_fmt_range(per_km2_low, per_km2_high)})",
            f"{_fmt_range(*CASUALTIES_PER_KM2_TARGET)} per km² (2024)",
            passed=_within(per_km2_median, CASUALTIES_PER_KM2_TARGET),
            detail=(
                f"Russian casualties over days 1-{days} divided by the km² gained, in the "
                f"{int(positive.sum()):,} worlds that gained ground, over {where}; casualties "
                "follow the phase of the front and the season in part (`front.casualty_tempo_share`), so the "
                f"ratio differs between worlds. Source: {SOURCES['casualties_per_km2']}."
            ),
            data={"median": per_km2_median, "ci": (per_km2_low, per_km2_high)},
        ),
    ]
    figure = {
        "per_window_gains": per_month.ravel(),
        "per_world_gains": level,
        "trackers": trackers,
        "tracker_months": _tracker_months(),
    }
    return checks, figure


def _tracker_months() -> dict[str, np.ndarray]:
    """Tracker -> its monthly gains of :data:`LEVEL_MONTHS` (km², months reported)."""
    from ceasefire_sim.data import GAIN_TRACKERS, russian_gains_monthly

    frame = russian_gains_monthly().loc[LEVEL_MONTHS[0] : LEVEL_MONTHS[1]]
    return {name: frame[col].dropna().to_numpy() for col, name in GAIN_TRACKERS.items()}


def check_casualties(results: Results) -> list[Check]:
    """Casualties per day of fighting, per side, against the sourced ranges."""
    o = results.outcomes
    at_war = o["days_at_war"].where(o["days_at_war"] > 0)
    rows = []
    for side, target, source, note in (
        ("russia", RUSSIAN_CASUALTIES_TARGET, SOURCES["russian_casualties"], ""),
        (
            "ukraine",
            UKRAINIAN_CASUALTIES_TARGET,
            SOURCES["ukrainian_casualties"],
            " (uncertain target)",
        ),
    ):
        per_day = (o[f"casualties_{side}"] / at_war).dropna().to_numpy()
        mean, low, high = mean_ci(per_day)
        p05, p95 = np.quantile(per_day, [0.05, 0.95])
        name = "Russian" if side == "russia" else "Ukrainian"
        rows.append(
            Check(
                SECTION,
                f"{name} casualties per day at war{note}",
                f"{mean:,.0f}/day (95% CI {_fmt_range(low, high)}; worlds 5-95% {_fmt_range(p05, p95)})",
                f"{_fmt_range(*target)}/day",
                passed=_within(mean, target),
                detail=(
                    f"`casualties_{side}` / `days_at_war` in each world, mean over "
                    f"{len(per_day):,} worlds (pass: mean in the target range). Source: {source}."
                ),
                data={"mean": mean, "ci": (low, high), "spread": (p05, p95)},
            )
        )
    return rows


def check_allies(scenario_path: str | Path, worlds: int, seed: int, results: Results) -> Check:
    """23 of the 32 allies (the US included) at or above 2% of GDP on day 0, in every world."""
    model = CeasefireModel(load_scenario(scenario_path), worlds=worlds, seed=seed)
    counts = model.allies_at_2pct()
    members = len(model.allies) + 1
    recorded = float(results.daily["allies_at_2pct_mean"].iloc[0])
    lo, hi = int(counts.min()), int(counts.max())
    return Check(
        SECTION,
        "Allies at 2% of GDP on day 0",
        f"{lo}-{hi} of {members}" if lo != hi else f"{lo} of {members} in every world",
        f"{ALLIES_AT_2PCT_TARGET} of 32",
        passed=lo == hi == ALLIES_AT_2PCT_TARGET and members == 32 and recorded == lo,
        detail=(
            f"`allies_at_2pct()` of a fresh model ({worlds:,} worlds) and the day-0 record of "
            f"the calibration run ({recorded:g}). Source: {SOURCES['allies']}."
        ),
        data={"min": lo, "max": hi, "members": members, "recorded": recorded},
    )


def check_jeddah_truce(scenario_path: str | Path, results: Results) -> Check:
    """The 30-day truce Ukraine accepted is not agreed on the first negotiation day.

    On 13 March 2025 Ukraine had accepted the US proposal of an immediate 30-day ceasefire and
    Russia answered with conditions ("we agree, but there are nuances"); no general ceasefire
    followed. The baseline must reproduce that: a ceasefire on the first negotiation day in at
    most :data:`JEDDAH_MAX_SHARE` of worlds.
    """
    from ceasefire_sim.results import wilson
    from ceasefire_sim.validation.theory import first_negotiation_day

    scenario = load_scenario(scenario_path)
    talks = scenario.talks
    day = first_negotiation_day(talks.first_day.mean_value(), talks.interval_days.mean_value())
    first = results.outcomes["first_ceasefire_day"]
    share, low, high = wilson(int((first == day).sum()), len(first))
    proposal = talks.initial_proposal
    on_table = (
        ", ".join(f"{k} {v}" for k, v in proposal.package.as_dict().items())
        if proposal is not None
        else "none"
    )
    return Check(
        SECTION,
        "Jeddah 30-day truce: no ceasefire on the first negotiation day",
        f"{share:.1%} of worlds (95% CI {low:.1%}-{high:.1%})",
        f"at most {JEDDAH_MAX_SHARE:.0%} (Ukraine accepted; Russia attached conditions)",
        passed=share <= JEDDAH_MAX_SHARE,
        detail=(
            f"Share of the calibration run's worlds whose first ceasefire starts on day {day}, "
            f"the first negotiation day, when the initial proposal ({on_table}; accepted by "
            f"{', '.join(proposal.accepted_by) if proposal else 'nobody'}) is on the table "
            "(Wilson interval; pass: estimate at most the bound). Sources: seed article "
            '("Ukraine has tentatively agreed to a 30-day truce"; conditions "that include '
            'territorial concessions and NATO exclusion"), babel.ua and kyivindependent.com '
            "(docs/sources.md, stated conditions)."
        ),
        data={"share": share, "ci": (low, high), "day": day},
    )


def _table_scenario(
    scenario_path: str | Path, on_table: dict[str, list[str]], extra: dict[str, Any] | None = None
) -> Any:
    return load_scenario(
        scenario_path,
        {"talks.initial_proposal": None, "talks.options_on_table": on_table, **(extra or {})},
    )


def first_ceasefire_durations(results: Results) -> tuple[np.ndarray, np.ndarray]:
    """Durations (days) and ended flags of the first ceasefire of every world that had one."""
    o = results.outcomes[results.outcomes["first_ceasefire_day"].notna()]
    return (
        o["first_ceasefire_duration_days"].to_numpy(dtype=float),
        o["first_ceasefire_ended"].to_numpy(dtype=bool),
    )


def _duration_text(e: DurationEstimate) -> str:
    if not np.isfinite(e.mean_days):
        return f"no breakdowns among {e.ceasefires} ceasefires"
    return f"{e.mean_days:.1f} days (95% CI {e.ci_low:.1f}-{e.ci_high:.1f})"


def check_bare_truce(
    scenario_path: str | Path, worlds: int, seed: int, days: int | None
) -> tuple[list[Check], dict[str, Any]]:
    """A bare truce's mean duration: by its hazard parameters alone, and as the sides agree to it.

    Returns:
        The checks, and the durations behind them (for the survival figure).
    """
    term = int(BUILT_IN.option("truce.days_30").days or 0)
    forced_days = 3 * term
    forced = {
        "talks.first_day": 1,
        "talks.initial_proposal.accepted_by": ["ukraine", "russia"],
        "talks.initial_proposal.package.guarantees": "none",
        "talks.initial_proposal.package.truce": "days_30",
    }
    no_regret = load_scenario(
        scenario_path,
        {
            **forced,
            "truce.dissatisfaction_beta": 0.0,
            "truce.violation_escalation": 0.0,
            "truce.pressure_hazard_beta": 0.0,
        },
    )
    with_regret = load_scenario(scenario_path, forced)
    estimates = {}
    survived = (math.nan, math.nan, math.nan)
    for label, scenario in (("forced", no_regret), ("forced_with_dissatisfaction", with_regret)):
        run = simulate(scenario, worlds=worlds, seed=seed, days=forced_days, narrative_worlds=0)
        durations = first_ceasefire_durations(run)
        estimates[label] = geometric_duration(*durations, censor_after_days=term - 1)
        if label == "forced":
            held, ended = durations
            alive = ~(ended & (held <= term - 1))
            # A gating row: a 99.9% interval, so chance alone fails it one time in a thousand.
            survived = wilson(int(alive.sum()), len(alive), confidence=0.999)
    agreed_run = simulate(
        _table_scenario(scenario_path, BARE_TABLE),
        worlds=worlds,
        seed=seed,
        days=days,
        narrative_worlds=0,
    )
    agreed_durations = first_ceasefire_durations(agreed_run)
    agreed = geometric_duration(*agreed_durations, censor_after_days=term - 1)
    forced_est, regret_est = estimates["forced"], estimates["forced_with_dissatisfaction"]
    truce_config = load_scenario(scenario_path).truce
    base = truce_config.base_hazard_per_day.mean_value()
    shape = truce_config.hazard_shape.mean_value()
    target = f"{_fmt_range(*BARE_TRUCE_TARGET_DAYS)} days (about two weeks)"
    expected_survival = math.exp(-base * (term - 1) ** shape)
    checks = [
        Check(
            SECTION,
            "Bare truce: the base hazard alone gives the duration it implies",
            f"{survived[0]:.3f} survive {term - 1} days (99.9% CI {survived[1]:.3f}-"
            f"{survived[2]:.3f}); {_duration_text(forced_est)}",
            f"{expected_survival:.3f} (exp(-h0 t^k), h0 = {base:.4f}, k = {shape:.3f}, "
            f"t = {term - 1})",
            passed=bool(survived[1] <= expected_survival <= survived[2]),
            gating=True,
            detail=(
                "A consistency check of the truce mechanism, not a calibration target: h0 and k "
                "are set so that a bare truce has a median of two weeks and a strong agreement a "
                "years-scale life (the Weibull baseline of `model/truce.py`). "
                "Every world starts a 30-day truce without guarantees on day 1 (both sides "
                "pre-accept it) with `truce.dissatisfaction_beta`, "
                "`truce.violation_escalation` and `truce.pressure_hazard_beta` at 0, so only "
                f"`h0 x HR` acts: the share surviving {term - 1} days is exp(-h0 t^k) = "
                f"{expected_survival:.3f} (Wilson 99.9% interval, as the row gates the report). "
                f"{forced_est.breakdowns:,} "
                f"breakdowns in {forced_est.days_at_risk:,.0f} truce-days at risk, censored at "
                "the expiry (a constant-hazard mean for reference). "
                "The same forced truce with dissatisfaction on lasts "
                f"{regret_est.mean_days:.1f} days: it crosses Russia's red lines at full penalty "
                f"on day 1, so it measures the forcing, not a truce. Source: {SOURCES['truce']}."
            ),
            data={
                "estimate": forced_est,
                "with_dissatisfaction": regret_est,
                "survival": survived,
                "expected_survival": expected_survival,
            },
        ),
        Check(
            SECTION,
            "Bare truce: mean duration of truces the sides agree to",
            _duration_text(agreed),
            target,
            passed=_within(agreed.mean_days, BARE_TRUCE_TARGET_DAYS),
            detail=(
                "The baseline with only 30-day truces without guarantees on the table "
                f"(`talks.options_on_table = {BARE_TABLE}`, no initial proposal); the first "
                f"ceasefire of each of the {agreed.ceasefires:,} worlds that agreed one "
                f"({worlds:,} worlds): {agreed.breakdowns:,} breakdowns in "
                f"{agreed.days_at_risk:,.0f} truce-days at risk, censored at the expiry "
                "(geometric MLE, exact Poisson interval; pass: estimate in the target range). "
                f"Source: {SOURCES['truce']}."
            ),
            data={"estimate": agreed},
        ),
    ]
    return checks, {"bare": agreed_durations}


def check_guarantees(
    scenario_path: str | Path, worlds: int, seed: int, days: int | None
) -> tuple[list[Check], dict[str, Any]]:
    """Hazard ratio of breakdown with guarantees vs without, from agreed indefinite ceasefires.

    Returns:
        The checks, and the durations of each arm (for the survival figure).
    """
    estimates: dict[str, DurationEstimate] = {}
    durations: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for option in GUARANTEE_OPTIONS:
        table = {"truce": ["indefinite"], "guarantees": [option]}
        run = simulate(
            _table_scenario(scenario_path, table),
            worlds=worlds,
            seed=seed,
            days=days,
            narrative_worlds=0,
        )
        durations[option] = first_ceasefire_durations(run)
        estimates[option] = geometric_duration(*durations[option])
    params = load_scenario(scenario_path).truce.hazard_ratio_guarantees
    control = estimates["none"]
    checks = []
    for option, label in (
        ("us_backed", "US-backed guarantee"),
        ("european_force", "European force"),
    ):
        ratio, low, high = hazard_ratio(estimates[option], control)
        treated = estimates[option]
        checks.append(
            Check(
                SECTION,
                f"Guarantees and breakdown: hazard ratio, {label} vs none",
                f"{ratio:.2f} (95% CI {low:.2f}-{high:.2f})"
                if np.isfinite(ratio)
                else "not estimable",
                f"{_fmt_range(*GUARANTEE_HR_TARGET, digits=2)}",
                passed=_within(ratio, GUARANTEE_HR_TARGET),
                detail=(
                    "The baseline with only indefinite ceasefires on the table and the "
                    f"guarantees fixed at `{option}` vs `none` (no initial proposal, same seed); "
                    f"first ceasefires of {treated.ceasefires:,} and {control.ceasefires:,} "
                    f"worlds ({treated.breakdowns:,} and {control.breakdowns:,} breakdowns). "
                    "Ratio of the exponential hazards, log-normal interval (pass: estimate in "
                    f"the target range). The scenario's parameter is "
                    f"{_param_text(params[option])}; the estimate also carries the sides' "
                    f"dissatisfaction with the terms. Source: {SOURCES['guarantees']}."
                ),
                data={"ratio": ratio, "ci": (low, high), "treated": treated, "control": control},
            )
        )
    return checks, durations


def _param_text(param: Any) -> str:
    if param.dist is None:
        return f"{param.value:g}"
    return f"{param.dist}({', '.join(f'{k}={getattr(param, k)}' for k in ('low', 'high') if getattr(param, k) is not None)})"


def run_calibration(
    config: ValidationConfig | None = None, scenario_path: str | Path = BASELINE
) -> tuple[list[Check], dict[str, Any]]:
    """All calibration checks, and the data the figures need.

    Returns:
        ``(checks, figure_data)``; ``figure_data`` holds the per-world gains, the trackers and
        the ceasefire durations of the truce runs.
    """
    config = config or ValidationConfig()
    baseline = simulate(
        load_scenario(scenario_path),
        worlds=config.calibration_worlds,
        seed=config.seed,
        days=config.days,
        narrative_worlds=0,
    )
    front_checks, front_figure = check_front(scenario_path, config.calibration_worlds, config.seed)
    checks = [
        *front_checks,
        *check_casualties(baseline),
        check_allies(scenario_path, config.calibration_worlds, config.seed, baseline),
        check_jeddah_truce(scenario_path, baseline),
    ]
    truce_checks, bare = check_bare_truce(
        scenario_path, config.truce_worlds, config.seed, config.days
    )
    guarantee_checks, arms = check_guarantees(
        scenario_path, config.truce_worlds, config.seed, config.days
    )
    checks += [*truce_checks, *guarantee_checks]
    figure_data = {**front_figure, "durations": {**bare, **arms}}
    return checks, figure_data
