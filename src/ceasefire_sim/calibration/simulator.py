"""The front at the reference force ratio, month by month: the simulator the posterior is fitted on.

Over the months before the start the force ratio is taken as the reference state's (the state
the model's constants are derived from, ``front.reference``), so the expected daily gain is
``tau * initial_gain_km2_per_month / 30.44`` and Russian casualties per day are
``casualties_per_day * ((1 - c) + c * tau_p)``, with the tempo ``tau`` the product of the phase
level, the phase's random intensity and the season, and ``tau_p`` the phase level times the
season alone: losses follow how hard the sides commit forces in a phase and season, the
intensity how far the line moves (``model/front.py``: the same functions).

The phases are the model's two-state Markov chain. A chain that ends a phase with probability
``1 / d`` each day has phase lengths geometric with mean ``d``, so the phases are drawn as
alternating geometric lengths rather than day by day: the same process, about a hundred times
faster for one parameter set (``tests/test_calibration.py`` compares it with the model run with
talks off).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ceasefire_sim.model import front
from ceasefire_sim.model.agents import DAYS_PER_YEAR

DAYS_PER_MONTH = DAYS_PER_YEAR / 12
#: Nuisance parameter of the fit (not a scenario value): relative change of the mean gain per
#: year before the cut (1/year).
TREND = "gain_trend_per_year"
#: The same for Russian casualties per day (the General Staff's count rose from about 600 a day
#: in mid-2023 to 1,500 in late 2024).
CASUALTY_TREND = "casualty_trend_per_year"


class Calendar:
    """The days of consecutive months, with the indices the monthly sums need.

    Args:
        months: ``(M,)`` consecutive months.
    """

    def __init__(self, months: pd.PeriodIndex) -> None:
        self.months = months
        days = pd.date_range(months[0].start_time, months[-1].end_time.normalize(), freq="D")
        self.n_days = len(days)
        self.day_of_year = days.day_of_year.to_numpy()
        self.month_starts = np.searchsorted(
            days.to_numpy(), np.array([m.start_time for m in months], dtype="datetime64[ns]")
        )
        self.days_in_month = months.days_in_month.to_numpy().astype(float)


def simulate_months(
    theta: Mapping[str, float],
    fixed: Mapping[str, float],
    calendar: Calendar,
    rng: np.random.Generator,
    offensive_probability: float | None = None,
    cut_day: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly gains and casualties of one world over the calendar's months.

    The months of :func:`simulate_days` (same arguments, same draws).

    Returns:
        ``(gains, casualties, offensive)``: ``(M,)`` gains (km²/month), ``(M,)`` mean
        casualties per day (persons/day), and ``(D,)`` whether each day is in an offensive.
    """
    daily_gain, daily_casualties, offensive = simulate_days(
        theta, fixed, calendar, rng, offensive_probability, cut_day
    )
    gains = np.add.reduceat(daily_gain, calendar.month_starts)
    casualties = np.add.reduceat(daily_casualties, calendar.month_starts) / calendar.days_in_month
    return gains, casualties, offensive


def simulate_days(
    theta: Mapping[str, float],
    fixed: Mapping[str, float],
    calendar: Calendar,
    rng: np.random.Generator,
    offensive_probability: float | None = None,
    cut_day: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily gains and casualties of one world over the calendar's days.

    Args:
        theta: The fitted parameters by scenario path (``front.initial_gain_km2_per_month``,
            ``front.offensive_days``, ``front.consolidation_days``,
            ``front.consolidation_tempo``, ``front.phase_intensity_sd``,
            ``front.seasonal_amplitude``, ``front.noise_scale_km2``,
            ``front.casualty_tempo_share``, ``belligerents.russia.casualties_per_day``); a path
            missing here is read from ``fixed``.
        fixed: The scenario's values of the same paths and of ``front.noise_df`` and
            ``front.seasonal_peak_day_of_year``.
        calendar: The months.
        rng: The world's random stream.
        offensive_probability: Probability that the first day is in an offensive; ``None``: the
            chain's long-run share of offensive days (a chain that has been running).
        cut_day: Index of the first day after the fit window. Before it the mean gain moves
            linearly, ``G * (1 + trend * ((day - cut_day) / 365.25 + 1/2))`` with ``trend`` the
            nuisance parameter :data:`TREND` (the force ratio before the reference state was not
            the reference's: in 2023 Russia gained almost nothing), so that ``G`` is the mean
            gain of the year before the cut, as ``front.initial_gain_km2_per_month`` is defined;
            from the cut on the gain is ``G``, as in the model. Russian casualties per day are
            ``C`` from the cut on and ``C * max(1 + trend * (day - cut_day) / 365.25, 0)``
            before it, with ``trend`` :data:`CASUALTY_TREND`: ``C`` is the level at the cut, the
            recent level a run goes on at. ``None``: ``G`` and ``C`` throughout.

    Returns:
        ``(gains, casualties, offensive)``: ``(D,)`` gains (km²/day), ``(D,)`` Russian
        casualties (persons/day), and ``(D,)`` whether each day is in an offensive.
    """

    def value(path: str) -> float:
        return float(theta[path]) if path in theta else float(fixed[path])

    gain = value("front.initial_gain_km2_per_month")
    d_o = value("front.offensive_days")
    d_c = value("front.consolidation_days")
    level_o, level_c = front.phase_levels(d_o, d_c, value("front.consolidation_tempo"))
    n = calendar.n_days
    share = d_o / (d_o + d_c) if offensive_probability is None else offensive_probability
    offensive = bool(rng.random() < share)
    lengths: list[np.ndarray] = []
    states: list[np.ndarray] = []
    total = 0
    while total < n:
        block = 32
        first = np.arange(block) % 2 == 0
        in_offensive = first if offensive else ~first
        mean = np.where(in_offensive, d_o, d_c)
        drawn = rng.geometric(1.0 / np.maximum(mean, 1.0))
        lengths.append(drawn)
        states.append(in_offensive)
        total += int(drawn.sum())
    length = np.concatenate(lengths)
    state = np.concatenate(states)
    intensity = front.phase_intensity(rng.random(len(length)), value("front.phase_intensity_sd"))
    season = front.seasonal_factor(
        calendar.day_of_year,
        value("front.seasonal_amplitude"),
        value("front.seasonal_peak_day_of_year"),
    )
    phase_level = np.where(state, float(level_o), float(level_c))
    # Casualties follow the phase level and the season; the gains also the phase's intensity.
    phase_tempo = np.repeat(phase_level, length)[:n] * season
    tempo = np.repeat(phase_level * intensity, length)[:n] * season
    noise = value("front.noise_scale_km2") * rng.standard_t(value("front.noise_df"), n)
    level = np.full(n, gain / DAYS_PER_MONTH)
    if cut_day is not None and TREND in theta:
        before = np.arange(n) < cut_day
        years = (np.arange(n)[before] - cut_day) / DAYS_PER_YEAR
        level[before] *= 1.0 + float(theta[TREND]) * (years + 0.5)
    daily_gain = tempo * level + noise
    casualty_level = np.full(n, value("belligerents.russia.casualties_per_day"))
    if cut_day is not None and CASUALTY_TREND in theta:
        # The casualty level is the level on the cut day (the recent level a run goes on at),
        # falling back linearly into the past (never below 0).
        before = np.arange(n) < cut_day
        years = (np.arange(n)[before] - cut_day) / DAYS_PER_YEAR
        casualty_level[before] *= np.maximum(1.0 + float(theta[CASUALTY_TREND]) * years, 0.0)
    daily_casualties = casualty_level * (
        front.tempo_casualty_factor(phase_tempo, value("front.casualty_tempo_share"))
    )
    return daily_gain, daily_casualties, np.repeat(state, length)[:n]


#: Names of the summary statistics, in order.
STATISTICS = (
    "level_all",
    "level_12m",
    "recent_3m",
    "sd",
    "lag1_autocorrelation",
    "lag2_autocorrelation",
    "q10_12m",
    "q50_12m",
    "q90_12m",
    "mean_abs_change",
    "residual_sd",
    "residual_lag1",
    "residual_runs",
    "longest_high_run",
    "season_contrast",
    "peak",
    "casualties_level_all",
    "casualties_level_12m",
    "casualties_recent_3m",
    "casualties_mean_abs_change",
    "casualties_residual_sd",
    "casualties_per_gain_slope",
)


def summary_statistics(gains: np.ndarray, casualties: np.ndarray) -> np.ndarray:
    """The summary statistics of monthly series (NaN months are not observed and are skipped).

    Besides levels and spread, several statistics speak to the regimes (the phase lengths and
    the consolidation tempo): the autocorrelation of the months and of their residuals from a
    straight line (long phases make neighbouring months alike), the mean change from one
    observed month to the next, the number of runs of residuals of one sign per observed month
    (short phases: many runs), the longest run of months above the median of the last twelve
    as a share of them (long offensives: long runs), and quantiles of the last twelve months
    (a slow consolidation: a low 10% quantile against the 90%).

    Args:
        gains: ``(M,)`` gains, km²/month, NaN where not observed.
        casualties: ``(M,)`` casualties per day, NaN where not observed.

    Returns:
        ``(len(STATISTICS),)`` in the order of :data:`STATISTICS`: mean gain of all months, of
        the last 12 and of the last 3 (km²/month); s.d. of the months (km²/month); lag-1 and
        lag-2 autocorrelation of observed months; 10%, 50% and 90% quantiles of the last 12
        months (km²/month); mean absolute change between consecutive observed months
        (km²/month); s.d. of the residuals from an OLS line through all months (km²/month);
        lag-1 autocorrelation of the residuals from an OLS line through all
        months; runs of residuals of one sign per observed month; longest run of consecutive
        observed months above the median of the last 12, per observed month of the last 12;
        season contrast (0 here, see :func:`statistics_of`); largest month (km²/month); mean
        casualties per day of all months, the last 12 and the last 3 (persons/day); mean
        absolute change of casualties per day between consecutive months and s.d. of their
        residuals from an OLS line (persons/day); OLS
        slope of casualties per day on gains over the last 12 months (persons/day per
        km²/month).
    """
    gains = np.asarray(gains, dtype=float)
    casualties = np.asarray(casualties, dtype=float)
    m = len(gains)
    last12 = slice(max(m - 12, 0), m)
    last3 = slice(max(m - 3, 0), m)
    g12 = gains[last12]
    seen12 = g12[~np.isnan(g12)]
    pairs = ~np.isnan(gains[:-1]) & ~np.isnan(gains[1:])
    r1 = _correlation(gains[:-1][pairs], gains[1:][pairs])
    pairs2 = ~np.isnan(gains[:-2]) & ~np.isnan(gains[2:])
    change = np.abs(np.diff(gains))[pairs]
    residuals = _residuals(gains)
    seen = ~np.isnan(residuals)
    signs = np.sign(residuals[seen])
    runs = 1 + int(np.sum(signs[1:] != signs[:-1])) if len(signs) else 0
    c12 = casualties[last12]
    both = ~np.isnan(g12) & ~np.isnan(c12)
    x, y = g12[both], c12[both]
    dx = x - x.mean() if len(x) else x
    sxx = float(dx @ dx)
    slope = float(dx @ (y - y.mean())) / sxx if len(x) > 2 and sxx > 0 else 0.0
    c_pairs = ~np.isnan(casualties[:-1]) & ~np.isnan(casualties[1:])
    c_change = np.abs(np.diff(casualties))[c_pairs]
    c_residuals = _residuals(casualties)
    quantiles = np.quantile(seen12, [0.1, 0.5, 0.9]) if len(seen12) else np.zeros(3)
    return np.array(
        [
            _nanmean(gains),
            _nanmean(g12),
            _nanmean(gains[last3]),
            float(np.nanstd(gains, ddof=1)) if np.sum(~np.isnan(gains)) > 1 else 0.0,
            r1,
            _correlation(gains[:-2][pairs2], gains[2:][pairs2]),
            *quantiles,
            float(change.mean()) if len(change) else 0.0,
            float(np.nanstd(residuals)) if seen.any() else 0.0,
            _correlation(residuals[:-1][pairs], residuals[1:][pairs]),
            runs / max(int(seen.sum()), 1),
            _longest_run(g12 > (quantiles[1] if len(seen12) else 0.0)) / max(len(seen12), 1),
            0.0,
            float(np.nanmax(gains)) if np.any(~np.isnan(gains)) else 0.0,
            _nanmean(casualties),
            _nanmean(c12),
            _nanmean(casualties[last3]),
            float(c_change.mean()) if len(c_change) else 0.0,
            float(np.nanstd(c_residuals)) if np.any(~np.isnan(c_residuals)) else 0.0,
            slope,
        ]
    )


def _residuals(values: np.ndarray) -> np.ndarray:
    """``(M,)`` residuals of the observed months from their OLS line on the month index (NaN kept)."""
    t = np.arange(len(values), dtype=float)
    seen = ~np.isnan(values)
    out = np.full(len(values), np.nan)
    if seen.sum() < 3:
        return out
    tt, vv = t[seen], values[seen]
    dt_ = tt - tt.mean()
    slope = float(dt_ @ (vv - vv.mean())) / float(dt_ @ dt_)
    out[seen] = vv - vv.mean() - slope * dt_
    return out


def _longest_run(flags: np.ndarray) -> int:
    """Longest run of consecutive True values (NaN comparisons are False, ending a run)."""
    best = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        best = max(best, current)
    return best


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson's r of two series (0 with fewer than three pairs or no spread)."""
    if len(a) < 3:
        return 0.0
    da, db = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((da @ da) * (db @ db)))
    return float(da @ db) / denominator if denominator > 0 else 0.0


def _nanmean(values: np.ndarray) -> float:
    return float(np.nanmean(values)) if np.any(~np.isnan(values)) else 0.0


def season_contrast(gains: np.ndarray, months: pd.PeriodIndex) -> float:
    """Mean gain of Aug-Nov less mean gain of Jan-Apr (km²/month; NaN months skipped)."""
    month = months.month.to_numpy()
    high = gains[(month >= 8) & (month <= 11)]
    low = gains[month <= 4]
    return _nanmean(high) - _nanmean(low)


def statistics_of(gains: np.ndarray, casualties: np.ndarray, months: pd.PeriodIndex) -> np.ndarray:
    """:func:`summary_statistics` with the season contrast filled in (needs the months)."""
    out = summary_statistics(gains, casualties)
    out[STATISTICS.index("season_contrast")] = season_contrast(np.asarray(gains, float), months)
    return out
