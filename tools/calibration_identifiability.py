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
prints the observed weekly statistics.
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
    args = parser.parse_args()
    spec = load_spec(SPEC)
    problem = build_problem(spec)
    start = problem.observations.months[0].start_time
    until = pd.Timestamp(spec.until)
    gain_weeks, redrawn, casualty_weeks = observed_weeks(start, until)
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
