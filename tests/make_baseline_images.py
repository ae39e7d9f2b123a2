"""Regenerate the baseline images that tests/test_plots.py compares figures against.

Run this on purpose, after changing how a figure looks, and review the new images before
committing them::

    .venv/bin/python tests/make_baseline_images.py

The figures are drawn from :func:`synthetic_results`, a small seeded stand-in for a run, rather
than from the model: the image tests check how results are drawn, so a change to the model's
calibration must not break them (the content tests in test_plots.py run the real model).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import matplotlib.style
import numpy as np
import pandas as pd

from ceasefire_sim import plots
from ceasefire_sim.negotiation.space import BUILT_IN
from ceasefire_sim.results import STATUS_NAMES, Results

BASELINE_DIR = Path(__file__).resolve().parent / "baseline_images"
#: The figures with stored baselines.
BASELINE_FIGURES = ("status_over_time", "time_to_ceasefire", "control_fan")
#: Fixed everything that could differ between sessions: fonts, sizes, resolution, hinting.
IMAGE_RC = {
    "font.family": "DejaVu Sans",
    "font.sans-serif": ["DejaVu Sans"],
    "figure.dpi": 100,
    "savefig.dpi": 72,
    "text.hinting": "auto",
    "text.antialiased": True,
    "lines.antialiased": True,
    "patch.antialiased": True,
    "path.simplify": True,
    "svg.hashsalt": "ceasefire-sim",
}
IMAGE_DPI = 72
START = np.datetime64("2025-03-13", "D")


@contextlib.contextmanager
def image_style() -> Iterator[None]:
    """Matplotlib's defaults plus :data:`IMAGE_RC`, whatever the user's matplotlibrc says."""
    with matplotlib.style.context("default"), matplotlib.rc_context(IMAGE_RC):
        yield


def synthetic_results(worlds: int = 200, days: int = 120, seed: int = 7) -> Results:
    """A small, seeded stand-in for a run, with the columns the figures read.

    Each world waits an exponential time for its first ceasefire, which lasts an exponential
    time (longer with guarantees) and is indefinite in a third of worlds; the front drifts at a
    per-world rate with daily noise.
    """
    rng = np.random.default_rng(seed)
    day = np.arange(days + 1)
    first = rng.exponential(150.0, worlds).round() + 1
    first = np.where(first <= days, first, np.nan)
    guarantees = rng.choice(np.array(BUILT_IN.by_issue["guarantees"]), worlds)
    mean_duration = np.select(
        [guarantees == "none", guarantees == "european_force"], [20.0, 45.0], 80.0
    )
    duration = rng.exponential(mean_duration).round() + 1
    end = first + duration
    ended = end <= days
    indefinite = rng.random(worlds) < 1 / 3
    # status[t, w]: 0 war, 1 ceasefire, 2 collapsed, 3 settled (the model's codes)
    t = day[:, None]
    in_cf = (t >= first) & ((t < end) | ~ended)
    status = np.where(in_cf, np.where(indefinite, 3, 1), np.where(t >= first, 2, 0))
    drift = rng.uniform(4.0, 14.0, worlds)
    at_war = ~in_cf
    steps = np.where(at_war[1:], drift + rng.standard_t(3, (days, worlds)) * 5.0, 0.0)
    control = 112_400.0 + np.vstack([np.zeros(worlds), np.cumsum(steps, axis=0)])
    belief_ua = drift * (1 - np.exp(-day[:, None] / 25.0))
    belief_ru = drift + (15.0 - drift) * np.exp(-day[:, None] / 25.0)
    cas_ua = np.cumsum(np.vstack([np.zeros(worlds), at_war[1:] * 550.0]), axis=0)
    cas_ru = np.cumsum(np.vstack([np.zeros(worlds), at_war[1:] * 1400.0]), axis=0)
    dates = (START + day.astype("timedelta64[D]")).astype("datetime64[ms]")
    daily: dict[str, object] = {"day": day, "date": dates}
    for code, name in enumerate(STATUS_NAMES):
        daily[f"share_{name}"] = (status == code).mean(axis=1)
    quantiles = {
        "control_km2": control,
        "casualties_ukraine": cas_ua,
        "casualties_russia": cas_ru,
        "belief_ukraine_km2_per_day": belief_ua,
        "belief_russia_km2_per_day": belief_ru,
        "true_drift_km2_per_day": np.broadcast_to(drift, (days + 1, worlds)),
    }
    for name, values in quantiles.items():
        for q, suffix in zip((5, 25, 50, 75, 95), ("p05", "p25", "p50", "p75", "p95"), strict=True):
            daily[f"{name}_{suffix}"] = np.percentile(values, q, axis=1)
    had = ~np.isnan(first)
    outcomes = pd.DataFrame(
        {
            "world": np.arange(worlds),
            "status": np.asarray(STATUS_NAMES)[status[-1]],
            "first_ceasefire_day": first,
            "first_ceasefire_duration_days": np.where(
                had, np.where(ended, duration, days - first), np.nan
            ),
            "first_ceasefire_ended": had & ended,
            "control_km2_final": control[-1],
            "control_change_km2": control[-1] - 112_400.0,
            "casualties_ukraine": cas_ua[-1],
            "casualties_russia": cas_ru[-1],
        }
    )
    for issue, options in BUILT_IN.by_issue.items():
        chosen = guarantees if issue == "guarantees" else rng.choice(np.array(options), worlds)
        outcomes[f"terms_{issue}"] = np.where(had, chosen, "")
    manifest = {
        "scenario_name": "Synthetic test scenario",
        "scenario_description": "A seeded stand-in for a run, for the image tests.",
        "seed": seed,
        "worlds": worlds,
        "days": days,
        "horizon_days": days,
        "start_date": "2025-03-13",
        "sampled_parameters": [],
        "version": "test",
    }
    scenario = {"territory": {"ukraine_area_km2": {"value": 603_550.0}}}
    return Results(
        outcomes=outcomes,
        daily=pd.DataFrame(daily),
        events=pd.DataFrame(),
        manifest=manifest,
        scenario=scenario,
    )


def render(name: str, results: Results, path: Path) -> Path:
    """Draw figure ``name`` of ``results`` in the image style and save it as PNG."""
    with image_style():
        fig = getattr(plots, name)(results)
        fig.savefig(path, dpi=IMAGE_DPI)
    return path


def main() -> None:
    """Rewrite every baseline image."""
    BASELINE_DIR.mkdir(exist_ok=True)
    results = synthetic_results()
    for name in BASELINE_FIGURES:
        print(render(name, results, BASELINE_DIR / f"{name}.png"))


if __name__ == "__main__":
    sys.exit(main())
