"""How much the series before the start can tell about each fitted parameter (docs/calibration.md).

Draws parameter sets from the shipped spec's prior, simulates each the way the fit does (the
months of Jan 2023 - Feb 2025, each month's gain observed with the error of the trackers'
mean), and regresses each parameter on the whole simulated series with a boosted-tree
regression. The share of a parameter's variance it explains on held-out draws bounds what any
summary statistic of these series can learn about it. ``--weekly`` adds the weekly series the
project's daily data allow: liveuamap's weekly gain (the weeks of Jan 2023 - mid-January 2025
without a redraw of its map) and the General Staff's casualties of each week, each simulated
from the same days. A few minutes on one free core::

    .venv/bin/python tools/calibration_identifiability.py [--weekly] [--statistics] [--draws N]

``--statistics`` regresses on the fit's summary statistics instead of the whole series (with
``--weekly``: and on statistics of the weeks, :func:`weekly_statistics`); ``--observed``
prints the observed weekly statistics. ``--one-at-a-time`` moves each regime parameter from
the low to the high end of its prior with the others held at a typical value and prints, for
each statistic of the fit and each of the fortnights (:func:`fortnight_statistics`), the shift
of its mean over its Monte Carlo s.d. (a statistic that tells the two ends apart in one
series shifts by well over 1).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from ceasefire_sim import data
from ceasefire_sim.calibration.fit import build_problem
from ceasefire_sim.calibration.observations import REDRAW_KM2_PER_DAY
from ceasefire_sim.calibration.simulator import simulate_days, statistics_of
from ceasefire_sim.calibration.spec import load_spec

SPEC = Path(__file__).resolve().parents[1] / "scenarios" / "calibration" / "front.yaml"


def observed_weeks(start: pd.Timestamp, until: pd.Timestamp) -> tuple[int, np.ndarray, int]:
    """Weeks of the daily data from ``start``: ``(gain weeks, redraw flags, casualty weeks)``.

    Week ``k`` is days ``7k .. 7k + 6`` from ``start``; a gain week counts only if liveuamap's
    map covers it and no day of it changed by at least ``REDRAW_KM2_PER_DAY``.
    """
    area = data.liveuamap_area_daily()
    change = area[area.index < until].diff()
    change = change[change.index >= start]
    gain_weeks = len(change) // 7
    redrawn = (change.abs() >= REDRAW_KM2_PER_DAY).to_numpy()[: gain_weeks * 7]
    counts = data.russian_casualties_daily()
    counts = counts[(counts.index < until) & (counts.index >= start)]
    return gain_weeks, redrawn.reshape(gain_weeks, 7).any(axis=1), len(counts) // 7


def weekly(values: np.ndarray, weeks: int) -> np.ndarray:
    """``(weeks,)`` sums of consecutive seven-day blocks of a daily series."""
    return values[: weeks * 7].reshape(weeks, 7).sum(axis=1)


#: Lags (weeks) of the weekly statistics.
LAGS = (1, 2, 4, 8, 13, 26)


def _residuals(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Residuals from the OLS line through the kept weeks (NaN elsewhere)."""
    t = np.arange(len(values), dtype=float)
    slope, intercept = np.polyfit(t[keep], values[keep], 1)
    return np.where(keep, values - slope * t - intercept, np.nan)


def _lagged(r: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = r[:-k], r[k:]
    both = ~np.isnan(a) & ~np.isnan(b)
    return a[both], b[both]


def weekly_statistics(gains: np.ndarray, redrawn: np.ndarray, casualties: np.ndarray) -> np.ndarray:
    """Statistics of the weeks that speak to the phases.

    Args:
        gains: ``(W,)`` weekly gains (km²).
        redrawn: ``(W,)`` weeks left out (a redraw of the map).
        casualties: ``(V,)`` weekly casualties (persons).

    Returns:
        Autocorrelations of the detrended gains at :data:`LAGS`, the mean run of weeks on one
        side of the line (weeks), the residuals' s.d. (km²) and skewness; autocovariances of
        the detrended casualties at :data:`LAGS` over the squared mean (a daily reporting error
        biases none of them) and their autocorrelations at 1, 4 and 13 weeks.
    """
    r = _residuals(gains, ~redrawn)
    seen = r[~np.isnan(r)]
    signs = np.sign(seen)
    out = [_safe_correlation(*_lagged(r, k)) for k in LAGS]
    out += [len(signs) / (1 + np.sum(signs[1:] != signs[:-1])), seen.std()]
    out.append(float(pd.Series(seen).skew()))
    rc = _residuals(casualties, np.ones(len(casualties), bool))
    scale = float(np.mean(casualties)) ** 2
    out += [float(np.mean(np.prod(_lagged(rc, k), axis=0))) / scale for k in LAGS]
    out += [_safe_correlation(*_lagged(rc, k)) for k in (1, 4, 13)]
    return np.nan_to_num(np.array(out, dtype=float))


#: Lags (fortnights) of the fortnightly statistics.
FORTNIGHT_LAGS = (1, 2, 3, 4, 6, 8)
#: Typical values (near the posterior's means) the one-at-a-time check holds fixed.
TYPICAL = {
    "front.initial_gain_km2_per_month": 400.0,
    "front.offensive_days": 130.0,
    "front.consolidation_days": 130.0,
    "front.consolidation_tempo": 0.35,
    "front.phase_intensity_sd": 0.6,
    "front.seasonal_amplitude": 0.5,
    "front.noise_scale_km2": 6.0,
    "front.casualty_tempo_share": 0.3,
    "belligerents.russia.casualties_per_day": 1500.0,
    "gain_trend_per_year": 0.9,
    "casualty_trend_per_year": 0.25,
}
#: The regime parameters and the two ends the one-at-a-time check compares.
REGIME_ENDS = {
    "front.offensive_days": (30.0, 230.0),
    "front.consolidation_days": (30.0, 230.0),
    "front.consolidation_tempo": (0.05, 0.55),
    "front.phase_intensity_sd": (0.1, 1.1),
    "front.seasonal_amplitude": (0.05, 0.85),
}


def fortnight_statistics(
    gains: np.ndarray, redrawn: np.ndarray, casualties: np.ndarray
) -> np.ndarray:
    """Autocovariances of the detrended fortnights at :data:`FORTNIGHT_LAGS`.

    Gains over the squared mean gain, casualties over the squared mean count (x 100). At a lag
    of a fortnight or more a reporting error shorter than a fortnight (liveuamap's map moving
    in steps of days, the General Staff's daily count) biases none of them.

    Args:
        gains: ``(W,)`` fortnightly gains (km²).
        redrawn: ``(W,)`` fortnights left out (a redraw of the map).
        casualties: ``(V,)`` mean casualties per day of each fortnight (persons/day).
    """
    r = _residuals(gains, ~redrawn)
    mean_gain = float(np.mean(gains[~redrawn]))
    rc = _residuals(casualties, np.ones(len(casualties), bool))
    out = [float(np.mean(np.prod(_lagged(r, k), axis=0))) / mean_gain**2 for k in FORTNIGHT_LAGS]
    out += [
        100 * float(np.mean(np.prod(_lagged(rc, k), axis=0))) / float(np.mean(casualties)) ** 2
        for k in FORTNIGHT_LAGS
    ]
    return np.array(out)


def observed_fortnights(start: pd.Timestamp, until: pd.Timestamp) -> tuple[int, np.ndarray, int]:
    """:func:`observed_weeks` for fortnights (days ``14k .. 14k + 13`` from ``start``)."""
    area = data.liveuamap_area_daily()
    change = area[area.index < until].diff()
    change = change[change.index >= start]
    n_gain = len(change) // 14
    redrawn = (change.abs() >= REDRAW_KM2_PER_DAY).to_numpy()[: n_gain * 14]
    counts = data.russian_casualties_daily()
    n_casualty = len(counts[(counts.index < until) & (counts.index >= start)]) // 14
    return n_gain, redrawn.reshape(n_gain, 14).any(axis=1), n_casualty


def fortnights_of(
    daily_gain: np.ndarray, daily_casualties: np.ndarray, n_gain: int, n_casualty: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(n_gain,)`` fortnightly gains (km²) and ``(n_casualty,)`` mean casualties per day."""
    gains = daily_gain[: n_gain * 14].reshape(n_gain, 14).sum(axis=1)
    casualties = daily_casualties[: n_casualty * 14].reshape(n_casualty, 14).mean(axis=1)
    return gains, casualties


def one_at_a_time(replicates: int) -> None:
    """Print each statistic's shift between the ends of each regime parameter's prior."""
    from ceasefire_sim.calibration.simulator import STATISTICS

    spec = load_spec(SPEC).model_copy(update={"forecast_months": 1})
    problem = build_problem(spec)
    start = problem.observations.months[0].start_time
    until = pd.Timestamp(spec.until)
    n_gain, redrawn, n_casualty = observed_fortnights(start, until)
    names = [f"fortnight gains lag {k}" for k in FORTNIGHT_LAGS]
    names += [f"fortnight casualties lag {k}" for k in FORTNIGHT_LAGS]
    rng = np.random.default_rng(3)

    def run(theta: dict[str, float]) -> np.ndarray:
        rows = []
        for _ in range(replicates):
            daily_gain, daily_casualties, _ = simulate_days(
                theta, problem.fixed, problem.calendar, rng, cut_day=problem.cut_day + 1
            )
            starts = problem.calendar.month_starts
            gains = np.add.reduceat(daily_gain, starts)[: problem.n_fit]
            gains = gains + problem.error_sd * rng.standard_normal(problem.n_fit)
            casualties = np.add.reduceat(daily_casualties, starts) / problem.calendar.days_in_month
            monthly = statistics_of(
                np.where(problem.observed_mask, gains, np.nan),
                casualties[: problem.n_fit],
                problem.observations.months,
            )
            fortnight_gains, fortnight_casualties = fortnights_of(
                daily_gain, daily_casualties, n_gain, n_casualty
            )
            fortnights = fortnight_statistics(fortnight_gains, redrawn, fortnight_casualties)
            rows.append(np.concatenate([monthly, fortnights]))
        return np.array(rows)

    labels = [*STATISTICS, *names]
    for path, (low, high) in REGIME_ENDS.items():
        a, b = run({**TYPICAL, path: low}), run({**TYPICAL, path: high})
        sd = np.sqrt((a.var(axis=0) + b.var(axis=0)) / 2)
        shift = (b.mean(axis=0) - a.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        best = np.argsort(-np.abs(shift))[:4]
        print(
            f"{path} {low:g} -> {high:g}: largest shifts "
            + ", ".join(f"{labels[i]} {shift[i]:+.2f}" for i in best)
        )


def _safe_correlation(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 4 or a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def main() -> None:
    """Print the explained share of variance of each fitted parameter."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--weekly", action="store_true", help="add the weekly series")
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="regress on the fit's monthly statistics (with --weekly: and weekly ones)",
    )
    parser.add_argument("--draws", type=int, default=20_000)
    parser.add_argument(
        "--observed", action="store_true", help="print the observed weeks' statistics"
    )
    parser.add_argument(
        "--one-at-a-time",
        action="store_true",
        help="shift of each statistic between the ends of each regime parameter's prior",
    )
    parser.add_argument("--replicates", type=int, default=300)
    parser.add_argument(
        "--fortnights",
        action="store_true",
        help="with --statistics: add the fortnights' autocovariances (fortnight_statistics)",
    )
    args = parser.parse_args()
    if args.one_at_a_time:
        one_at_a_time(args.replicates)
        return
    spec = load_spec(SPEC)
    problem = build_problem(spec)
    start = problem.observations.months[0].start_time
    until = pd.Timestamp(spec.until)
    gain_weeks, redrawn, casualty_weeks = observed_weeks(start, until)
    n_gain, redrawn_fortnights, n_casualty = observed_fortnights(start, until)
    if args.observed:
        area = data.liveuamap_area_daily()
        change = area[area.index < until].diff()
        change = change[change.index >= start].to_numpy()
        counts = data.russian_casualties_daily()
        counts = counts[counts.index < until].diff()
        counts = counts[counts.index >= start].to_numpy()
        values = weekly_statistics(
            weekly(change, gain_weeks), redrawn, weekly(counts, casualty_weeks)
        )
        print(
            f"{gain_weeks} gain weeks ({int(redrawn.sum())} redrawn), {casualty_weeks} casualty weeks"
        )
        print("gains, autocorrelation at", LAGS, np.round(values[: len(LAGS)], 3))
        print("casualties, autocorrelation at (1, 4, 13):", np.round(values[-3:], 3))
        return
    rng = np.random.default_rng(9)
    lows = np.array([p.low for p in spec.prior.values()])
    highs = np.array([p.high for p in spec.prior.values()])
    theta = lows + (highs - lows) * rng.random((args.draws, len(lows)))
    series = []
    for row in theta:
        daily_gain, daily_casualties, _ = simulate_days(
            dict(zip(problem.names, row, strict=True)),
            problem.fixed,
            problem.calendar,
            rng,
            cut_day=problem.cut_day + 1,
        )
        starts = problem.calendar.month_starts
        gains = np.add.reduceat(daily_gain, starts)[: problem.n_fit]
        casualties = (np.add.reduceat(daily_casualties, starts) / problem.calendar.days_in_month)[
            : problem.n_fit
        ]
        observed = gains + problem.error_sd * rng.standard_normal(problem.n_fit)
        if args.statistics:
            seen = np.where(problem.observed_mask, observed, np.nan)
            features = [np.nan_to_num(statistics_of(seen, casualties, problem.observations.months))]
            if args.weekly:
                features.append(
                    weekly_statistics(
                        weekly(daily_gain, gain_weeks),
                        redrawn,
                        weekly(daily_casualties, casualty_weeks),
                    )
                )
            if args.fortnights:
                fortnight_gains, fortnight_casualties = fortnights_of(
                    daily_gain, daily_casualties, n_gain, n_casualty
                )
                features.append(
                    np.nan_to_num(
                        fortnight_statistics(
                            fortnight_gains, redrawn_fortnights, fortnight_casualties
                        )
                    )
                )
        else:
            features = [observed, casualties]
            if args.weekly:
                features += [
                    weekly(daily_gain, gain_weeks)[~redrawn],
                    weekly(daily_casualties, casualty_weeks),
                ]
        series.append(np.concatenate(features))
    x = np.array(series)
    held_out = args.draws // 4
    fit = slice(0, args.draws - held_out)
    test = slice(args.draws - held_out, args.draws)
    for j, name in enumerate(problem.names):
        y = theta[:, j]
        model = HistGradientBoostingRegressor(max_iter=300, random_state=0).fit(x[fit], y[fit])
        explained = 1 - np.var(y[test] - model.predict(x[test])) / np.var(y[test])
        print(f"{name:45s} {explained:5.0%} of the variance explained")
    d_o = theta[:, problem.names.index("front.offensive_days")]
    d_c = theta[:, problem.names.index("front.consolidation_days")]
    for label, y in (("cycle length (days)", d_o + d_c), ("offensive share", d_o / (d_o + d_c))):
        model = HistGradientBoostingRegressor(max_iter=300, random_state=0).fit(x[fit], y[fit])
        explained = 1 - np.var(y[test] - model.predict(x[test])) / np.var(y[test])
        print(f"{label:45s} {explained:5.0%} of the variance explained")


if __name__ == "__main__":
    main()
