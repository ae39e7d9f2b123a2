"""The bargaining checks of version 2: timing follows from a bargaining range, not from noise.

Each check is a yardstick (reported and counted, never failing ``make validate``) run on the
baseline and on the documented ripe variant (``scenarios/ripe_for_settlement.yaml``) with common
random numbers (every run with the report's seed):

- P(general ceasefire within 365 days) at every talks interval in {3, 7, 14, 28} is at least 0.05;
- at least 90% of first general ceasefires fall on or after their world's ``first_range_day``;
- no world without a range ever has a deal;
- on 13 March 2025 (day 1) at most one world in ten has a range (the calibration of the red lines);
- learning acts: both sides knowing the trend changes P365 (paired interval excludes 0);
- in the ripe variant (a range by day 90 in at least half the worlds) P365 moves by at most
  5 points between intervals 3 and 28 while the median delay from the range to the deal is longer
  at 28 (paired bootstrap interval excludes 0).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ceasefire_sim.api import simulate
from ceasefire_sim.scenario.loader import load_scenario
from ceasefire_sim.validation import BASELINE, ROOT, Check, ValidationConfig

SECTION = "bargaining"
RIPE = ROOT / "scenarios" / "ripe_for_settlement.yaml"
INTERVALS = (3, 7, 14, 28)


def p365(outcomes: pd.DataFrame) -> np.ndarray:
    """``(N,)`` 1.0 where a world's first general ceasefire came within 365 days."""
    first = outcomes["first_ceasefire_day"].to_numpy(dtype=float)
    return (first <= 365).astype(float)


def paired(low: np.ndarray, high: np.ndarray) -> tuple[float, float, float]:
    """Mean paired difference ``high - low`` and its normal 95% interval."""
    d = np.asarray(high, dtype=float) - np.asarray(low, dtype=float)
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else np.nan
    m = float(d.mean())
    return m, m - 1.96 * se, m + 1.96 * se


def delay_difference(
    low: pd.DataFrame, high: pd.DataFrame, seed: int, resamples: int = 1000
) -> tuple[float, float, float, float, float]:
    """Median delay from ``first_range_day`` to the deal in each run, and their difference.

    The interval of the difference (``high - low``) is a paired bootstrap: worlds are resampled
    together in both runs.

    Returns:
        ``(median_low, median_high, difference, ci_low, ci_high)`` in days.
    """
    a = (low["first_ceasefire_day"] - low["first_range_day"]).to_numpy(dtype=float)
    b = (high["first_ceasefire_day"] - high["first_range_day"]).to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    n = len(a)
    diffs = []
    for _ in range(resamples):
        s = rng.integers(0, n, n)
        diffs.append(np.nanmedian(b[s]) - np.nanmedian(a[s]))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    med_a, med_b = float(np.nanmedian(a)), float(np.nanmedian(b))
    return med_a, med_b, med_b - med_a, float(lo), float(hi)


def run_bargaining(
    config: ValidationConfig | None = None,
    scenario_path: str | Path = BASELINE,
    ripe_path: str | Path = RIPE,
) -> tuple[list[Check], dict[str, Any]]:
    """Run the bargaining checks (:data:`SECTION`); returns the checks and their figures."""
    config = config or ValidationConfig()
    n, seed, days = config.lever_worlds, config.seed, config.days
    scenario = load_scenario(scenario_path)

    def run(overrides: dict[str, Any] | None = None, which: Any = scenario) -> Any:
        return simulate(
            which, worlds=n, seed=seed, days=days, overrides=overrides or {}, narrative_worlds=0
        )

    checks: list[Check] = []
    data: dict[str, Any] = {"worlds": n}
    by_interval = {iv: run({"talks.interval_days": float(iv)}) for iv in INTERVALS}
    levels = {iv: float(p365(r.outcomes).mean()) for iv, r in by_interval.items()}
    data["p365_by_interval"] = levels
    checks.append(
        Check(
            SECTION,
            "P(general ceasefire within 365 days) at every talks interval",
            ", ".join(f"{iv} d: {levels[iv]:.3f}" for iv in INTERVALS),
            "at least 0.05 at 3, 7, 14 and 28 days",
            min(levels.values()) >= 0.05,
            "baseline with talks.interval_days set at day 0; a negotiation where nothing happens "
            "is not structural timing",
        )
    )
    base = by_interval[7].outcomes
    first = base["first_ceasefire_day"].to_numpy(dtype=float)
    opened = base["first_range_day"].to_numpy(dtype=float)
    deals = ~np.isnan(first)
    after = float(np.mean(first[deals] >= opened[deals])) if deals.any() else np.nan
    data["share_after_range"] = after
    checks.append(
        Check(
            SECTION,
            "First general ceasefires on or after the world's first_range_day",
            f"{after:.1%} of {int(deals.sum())}",
            "at least 90%",
            bool(deals.any()) and after >= 0.9,
            "baseline; first_range_day is the first day some package on the table gave both "
            "sides a positive surplus by their own valuation",
        )
    )
    never = np.isnan(opened)
    checks.append(
        Check(
            SECTION,
            "No bargaining range, no deal",
            f"{int(np.sum(deals & never))} deals in {int(never.sum())} worlds never in range",
            "0",
            int(np.sum(deals & never)) == 0,
            "baseline: answers never accept a package worth less than fighting on",
        )
    )
    day1 = float(by_interval[7].daily["share_range"].iloc[1])
    data["share_range_day1"] = day1
    checks.append(
        Check(
            SECTION,
            "Bargaining range on 13 March 2025 (day 1)",
            f"{day1:.1%} of worlds",
            "at most 10% (no agreement in three years of war; calibrates red_line_penalty)",
            day1 <= 0.10,
            "baseline; the red lines' multiple of salience is the smallest whole one meeting it",
        )
    )
    trend = 12.0
    informed = run(
        {
            "belligerents.ukraine.belief.prior_mean_km2_per_day": trend,
            "belligerents.russia.belief.prior_mean_km2_per_day": trend,
        }
    )
    m, lo, hi = paired(p365(base), p365(informed.outcomes))
    data["learning"] = (m, lo, hi)
    checks.append(
        Check(
            SECTION,
            "Learning acts: both sides expect the trend of the year before the start",
            f"P365 {p365(base).mean():.3f} -> {p365(informed.outcomes).mean():.3f}, "
            f"{m:+.3f} [{lo:+.3f}, {hi:+.3f}]",
            "paired interval excludes 0",
            lo > 0 or hi < 0,
            "both priors set to 12 km²/day (about 365 km²/month, the trackers' mean of Mar 2024 - "
            "Feb 2025); in version 1 giving both sides the trend changed nothing",
        )
    )
    ripe = load_scenario(ripe_path)
    ripe_runs = {iv: run({"talks.interval_days": float(iv)}, ripe) for iv in (3, 28)}
    ripe_open = float(np.mean(ripe_runs[3].outcomes["first_range_day"].to_numpy() <= 90))
    m, lo, hi = paired(p365(ripe_runs[3].outcomes), p365(ripe_runs[28].outcomes))
    med3, med28, diff, dlo, dhi = delay_difference(
        ripe_runs[3].outcomes, ripe_runs[28].outcomes, seed
    )
    data["ripe"] = {
        "range_by_90": ripe_open,
        "p365": (m, lo, hi),
        "delay": (med3, med28, diff, dlo, dhi),
        "levels": {iv: float(p365(r.outcomes).mean()) for iv, r in ripe_runs.items()},
    }
    checks.append(
        Check(
            SECTION,
            "Ripe variant: a range by day 90",
            f"{ripe_open:.1%} of worlds",
            "at least half",
            ripe_open >= 0.5,
            "scenarios/ripe_for_settlement.yaml",
        )
    )
    checks.append(
        Check(
            SECTION,
            "Ripe variant: P365, talks every 3 -> 28 days",
            f"{m:+.3f} [{lo:+.3f}, {hi:+.3f}]",
            "within 5 points",
            abs(m) <= 0.05,
            "paired runs; where a range is open, meeting less often only delays the deal",
        )
    )
    checks.append(
        Check(
            SECTION,
            "Ripe variant: median delay from first_range_day to the deal, 3 -> 28 days",
            f"{med3:.0f} -> {med28:.0f} days, {diff:+.0f} [{dlo:+.0f}, {dhi:+.0f}]",
            "longer at 28 (interval excludes 0)",
            dlo > 0,
            "paired bootstrap over worlds (1,000 resamples)",
        )
    )
    return checks, data
