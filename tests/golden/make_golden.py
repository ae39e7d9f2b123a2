"""Regenerate the golden summary of the baseline that ``tests/test_golden.py`` checks.

Run it only on purpose, when a change of the model's results is intended::

    .venv/bin/python tests/golden/make_golden.py

and say in the commit message why the results changed. The figures are aggregates of one fixed run
(baseline scenario, 500 worlds, seed 11, 365 days): the headline summary, sums of the outcome
columns, counts per status and per agreed option, counts of narrative events by kind, and sums of
the daily summary columns. An optimisation must leave all of them unchanged.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ceasefire_sim import Results, load_scenario, simulate
from ceasefire_sim.negotiation.space import BUILT_IN

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "white_house_2025-03-13.yaml"
GOLDEN = Path(__file__).resolve().parent / "baseline_summary.json"
WORLDS, SEED, DAYS = 500, 11, 365

#: Outcome columns whose sums are kept.
SUMMED_OUTCOMES = (
    "first_ceasefire_day",
    "first_range_day",
    "ceasefires",
    "breakdowns",
    "breakdown_day",
    "first_ceasefire_duration_days",
    "days_at_war",
    "ceasefire_days",
    "control_km2_final",
    "control_change_km2",
    "casualties_ukraine",
    "casualties_russia",
    "allies_at_2pct_final",
    "us_aid_total_bn",
    "allied_aid_total_bn",
    "violations",
    "mediator_walked_away",
    "belief_ukraine_km2_per_day",
    "belief_russia_km2_per_day",
    "true_drift_km2_per_day",
)


def golden_figures(results: Results) -> dict[str, float]:
    """The aggregates of a run that the golden file keeps, as ``name -> number``."""
    figures: dict[str, float] = {}
    for row in results.summary().itertuples(index=False):
        for field in ("estimate", "mc_low", "mc_high", "n"):
            value = float(getattr(row, field))
            # A Kaplan-Meier median beyond the horizon is infinite: kept as a flag.
            if math.isinf(value):
                figures[f"summary/{row.metric}/{field}/not reached"] = 1.0
            else:
                figures[f"summary/{row.metric}/{field}"] = value
    o = results.outcomes
    for col in SUMMED_OUTCOMES:
        figures[f"outcomes/sum/{col}"] = float(np.nansum(o[col].to_numpy(dtype=float)))
    # Weighting by the world index catches results that moved from one world to another.
    world = o["world"].to_numpy(dtype=float)
    figures["outcomes/world_weighted_sum/control_change_km2"] = float(
        np.sum(world * o["control_change_km2"].to_numpy())
    )
    for status, count in o["status"].value_counts().items():
        figures[f"outcomes/count/status/{status}"] = float(count)
    for issue in BUILT_IN.names:
        for option, count in o[f"terms_{issue}"].value_counts().items():
            figures[f"outcomes/count/terms_{issue}/{option or '(none)'}"] = float(count)
    for kind, count in results.events["kind"].value_counts().items():
        figures[f"events/count/{kind}"] = float(count)
    daily = results.daily.drop(columns=["date"])
    for col in daily.columns:
        figures[f"daily/sum/{col}"] = float(daily[col].to_numpy(dtype=float).sum())
    return figures


def compute() -> dict[str, Any]:
    """Run the fixed baseline and return the golden document (run settings and figures)."""
    results = simulate(load_scenario(SCENARIO), worlds=WORLDS, seed=SEED, days=DAYS)
    figures = golden_figures(results)
    bad = [k for k, v in figures.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f"golden figures must be finite: {bad}")
    return {
        "scenario": SCENARIO.relative_to(ROOT).as_posix(),
        "worlds": WORLDS,
        "seed": SEED,
        "days": DAYS,
        "figures": dict(sorted(figures.items())),
    }


def main() -> None:
    """Write ``baseline_summary.json`` beside this script."""
    document = compute()
    GOLDEN.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {GOLDEN} ({len(document['figures'])} figures)")


if __name__ == "__main__":
    main()
