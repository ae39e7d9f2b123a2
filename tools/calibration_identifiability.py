"""How much the monthly series can tell about each fitted parameter (docs/design.md).

Draws parameter sets from the shipped spec's prior, simulates each the way the fit does (the
months of Jan 2023 - Feb 2025, each month's gain observed with the error of the trackers'
mean), and regresses each parameter on the whole simulated series (every month's gain and
casualties per day) with a boosted-tree regression. The share of a parameter's variance it
explains on held-out draws bounds what any summary statistic of these months can learn about
it. A few minutes on one free core::

    .venv/bin/python tools/calibration_identifiability.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

from ceasefire_sim.calibration.fit import build_problem
from ceasefire_sim.calibration.simulator import simulate_months
from ceasefire_sim.calibration.spec import load_spec

SPEC = Path(__file__).resolve().parents[1] / "scenarios" / "calibration" / "front.yaml"
DRAWS = 20_000
HELD_OUT = 5_000


def main() -> None:
    """Print the explained share of variance of each fitted parameter."""
    spec = load_spec(SPEC)
    problem = build_problem(spec)
    rng = np.random.default_rng(9)
    lows = np.array([p.low for p in spec.prior.values()])
    highs = np.array([p.high for p in spec.prior.values()])
    theta = lows + (highs - lows) * rng.random((DRAWS, len(lows)))
    series = []
    for row in theta:
        gains, casualties, _ = simulate_months(
            dict(zip(problem.names, row, strict=True)),
            problem.fixed,
            problem.calendar,
            rng,
            cut_day=problem.cut_day + 1,
        )
        observed = gains[: problem.n_fit] + problem.error_sd * rng.standard_normal(problem.n_fit)
        series.append(np.concatenate([observed, casualties[: problem.n_fit]]))
    x = np.array(series)
    fit = slice(0, DRAWS - HELD_OUT)
    test = slice(DRAWS - HELD_OUT, DRAWS)
    for j, name in enumerate(problem.names):
        y = theta[:, j]
        model = HistGradientBoostingRegressor(max_iter=300, random_state=0).fit(x[fit], y[fit])
        explained = 1 - np.var(y[test] - model.predict(x[test])) / np.var(y[test])
        print(f"{name:45s} {explained:5.0%} of the variance explained")


if __name__ == "__main__":
    main()
