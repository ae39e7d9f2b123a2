"""Paired comparison of two scenarios under common random numbers.

Both scenarios run with the same seed and number of worlds, so world ``i`` of A and world ``i``
of B see the same daily noise and the same draws of every uncertain parameter they share
(common random numbers, a principle of docs/design.md). The effect of switching from A to B is
then estimated world by world, and its interval is narrower than with independent seeds by the *variance reduction factor*

    VR = Var_independent(B - A) / Var_paired(B - A),

where, for a share or a mean, ``Var_independent = (var(a) + var(b)) / n`` (what independent seeds
would give: the marginal variances do not depend on the pairing) and
``Var_paired = var(b - a) / n``. Medians have no such formula; both variances come from a
bootstrap that resamples worlds in pairs (paired) or separately in A and B (independent).

The metrics are those of the registry (:data:`ceasefire_sim.metrics.METRICS`). A conditional
statistic (the median day of the first ceasefire *among worlds with one*) is shown for A and B
but never differenced: A and B condition on different sets of worlds, so B - A would mix the
effect with the change of the set. Its ``diff`` columns are NaN and ``note`` says why. A
Kaplan-Meier median not reached in A or B has no difference either.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ceasefire_sim import metrics
from ceasefire_sim._version import __version__
from ceasefire_sim.api import simulate
from ceasefire_sim.errors import ScenarioError, SweepError
from ceasefire_sim.results import Results, _atomic_parquet, _atomic_text
from ceasefire_sim.scenario.loader import load_scenario, scenario_file, scenario_hash

COMPARISON_COLUMNS: tuple[str, ...] = (
    "metric",
    "label",
    "unit",
    "a",
    "b",
    "diff",
    "diff_low",
    "diff_high",
    "independent_low",
    "independent_high",
    "variance_reduction",
    "note",
)
"""Columns of :func:`compare_outcomes` and ``comparison.parquet`` (one row per metric)."""

#: ``note`` of a conditional metric's row.
NOTE_CONDITIONAL = "conditional on {set}: the sets differ between A and B, not differenced"
#: ``note`` of a Kaplan-Meier median not reached in A or B.
NOTE_NOT_REACHED = "not reached within the horizon in A or B: no difference"


def comparison_metrics(days: int) -> list[str]:
    """The metrics a comparison reports: every metric of the registry, in table order."""
    return metrics.metric_names(days)


def compare_outcomes(
    a: pd.DataFrame,
    b: pd.DataFrame,
    days: int,
    *,
    confidence: float = 0.95,
    seed: int = 0,
    resamples: int = 2000,
) -> pd.DataFrame:
    """B minus A per metric, with paired and independent-seed intervals.

    Args:
        a: Outcomes of scenario A (one row per world, in world order).
        b: Outcomes of scenario B over the same worlds (same seed and number of worlds).
        days: Horizon both were run to.
        confidence: Level of the intervals.
        seed: Seed of the bootstrap for medians.
        resamples: Bootstrap resamples for medians.

    Returns:
        The columns of :data:`COMPARISON_COLUMNS`: the metric's name, label and unit, the
        estimates in A and B, ``diff`` = B - A
        with its paired interval, the interval independent seeds would give, and the variance
        reduction factor (``inf`` if pairing removes all the variance, NaN if there is none),
        and a ``note`` where no difference is given (a conditional metric, a median not
        reached).

    Raises:
        SweepError: If A and B do not have the same number of worlds.
    """
    if len(a) != len(b):
        raise SweepError(
            f"a paired comparison needs the same worlds in A and B, got {len(a)} and {len(b)}"
        )
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    rng = np.random.default_rng(seed)
    rows = []
    for metric in metrics.metrics_for(days):
        va, vb = metric.values(a), metric.values(b)
        head = (metric.name, metric.label, metric.unit)
        if metric.conditional:
            est_a = metrics.point_estimate(metric, va)
            est_b = metrics.point_estimate(metric, vb)
            note = NOTE_CONDITIONAL.format(set=metric.conditional)
            rows.append((*head, est_a, est_b, *([math.nan] * 6), note))
        elif metric.kind in ("median", "km_median"):
            horizon = metric.day if metric.kind == "km_median" else math.inf
            values = _median_difference(va, vb, confidence, rng, resamples, horizon)
            # The estimates as the summary gives them (the Kaplan-Meier median is the first day
            # survival reaches 0.5; the bootstrap's median may differ by half a day).
            est_a, est_b = metrics.point_estimate(metric, va), metrics.point_estimate(metric, vb)
            reached = math.isfinite(est_a) and math.isfinite(est_b)
            diff = est_b - est_a if reached else math.nan
            note = "" if reached else NOTE_NOT_REACHED
            rows.append((*head, est_a, est_b, diff, *values[3:], note))
        else:
            rows.append((*head, *_mean_difference(va, vb, z), ""))
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def _ratio(independent: float, paired: float) -> float:
    if paired > 0:
        return independent / paired
    return math.inf if independent > 0 else math.nan


def _mean_difference(a: np.ndarray, b: np.ndarray, z: float) -> tuple[float, ...]:
    n = len(a)
    diff = float(b.mean() - a.mean())
    if n < 2:
        return float(a.mean()), float(b.mean()), diff, *([math.nan] * 5)
    var_paired = float(np.var(b - a, ddof=1)) / n
    var_independent = (float(np.var(a, ddof=1)) + float(np.var(b, ddof=1))) / n
    half_paired, half_independent = z * math.sqrt(var_paired), z * math.sqrt(var_independent)
    return (
        float(a.mean()),
        float(b.mean()),
        diff,
        diff - half_paired,
        diff + half_paired,
        diff - half_independent,
        diff + half_independent,
        _ratio(var_independent, var_paired),
    )


def _median_difference(
    a: np.ndarray,
    b: np.ndarray,
    confidence: float,
    rng: np.random.Generator,
    resamples: int,
    horizon: float = math.inf,
) -> tuple[float, ...]:
    n = len(a)
    med_a, med_b = _nanmedian(a, horizon), _nanmedian(b, horizon)
    if math.isinf(med_a) or math.isinf(med_b):
        return med_a, med_b, *([math.nan] * 6)
    diff = med_b - med_a
    paired, independent = np.empty(resamples), np.empty(resamples)
    # Blocks keep the (resamples, n) index arrays small for large n.
    block = max(1, 2_000_000 // max(n, 1))
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        rows = rng.integers(0, n, size=(size, n))
        other = rng.integers(0, n, size=(size, n))
        boot_a = _nanmedian_rows(a[rows])
        with np.errstate(invalid="ignore"):
            paired[start : start + size] = _nanmedian_rows(b[rows]) - boot_a
            independent[start : start + size] = _nanmedian_rows(b[other]) - boot_a
    tail = 100 * (1 - confidence) / 2
    # A resample whose median is not reached has no difference: it is left out.
    paired = paired[np.isfinite(paired)]
    independent = independent[np.isfinite(independent)]
    if len(paired) < 2 or len(independent) < 2 or math.isnan(diff):
        return med_a, med_b, diff, *([math.nan] * 5)
    # Percentile intervals of the bootstrap distribution of B - A, centred on the estimate's
    # own bootstrap: the usual percentile method.
    low, high = np.percentile(paired, [tail, 100 - tail])
    ind_low, ind_high = np.percentile(independent, [tail, 100 - tail])
    return (
        med_a,
        med_b,
        diff,
        float(low),
        float(high),
        float(ind_low),
        float(ind_high),
        _ratio(float(np.var(independent)), float(np.var(paired))),
    )


def _nanmedian(x: np.ndarray, horizon: float = math.inf) -> float:
    """The median of the non-NaN values; ``inf`` (not reached) if it lies beyond ``horizon``."""
    x = x[~np.isnan(x)]
    if not len(x):
        return math.nan
    median = float(np.median(x))
    return math.inf if median > horizon else median


def _nanmedian_rows(x: np.ndarray) -> np.ndarray:
    if not np.isnan(x).any():
        return np.median(x, axis=1)
    empty = np.isnan(x).all(axis=1)
    out = np.full(x.shape[0], np.nan)
    if (~empty).any():
        out[~empty] = np.nanmedian(x[~empty], axis=1)
    return out


@dataclass
class Comparison:
    """A paired comparison: the table and both runs.

    Attributes:
        table: One row per metric (:data:`COMPARISON_COLUMNS`).
        a: Results of scenario A.
        b: Results of scenario B.
        manifest: What was compared (``"kind": "compare"``).
    """

    table: pd.DataFrame
    a: Results
    b: Results
    manifest: dict[str, Any]

    def save(self, directory: str | Path) -> Path:
        """Write ``comparison.parquet``, ``manifest.json`` and both runs (``a/``, ``b/``)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self.a.save(out / "a")
        self.b.save(out / "b")
        _atomic_parquet(self.table, out / "comparison.parquet")
        _atomic_text(json.dumps(self.manifest, indent=2, default=str), out / "manifest.json")
        return out


def compare_scenarios(
    a: str | Path,
    b: str | Path | None,
    worlds: int,
    seed: int = 0,
    days: int | None = None,
    overrides: Sequence[str] = (),
    *,
    overrides_b: Sequence[str] = (),
    confidence: float = 0.95,
) -> Comparison:
    """Run scenarios A and B with the same seed and worlds and compare them world by world.

    Args:
        a: Scenario file A (the reference).
        b: Scenario file B (the variant); ``None`` compares A with itself under
            ``overrides_b``.
        worlds: Worlds of each run.
        seed: The common seed.
        days: Horizon of both runs (default: A's horizon).
        overrides: ``--set`` changes applied to both scenarios.
        overrides_b: ``--set-b`` changes applied to B only (after ``overrides``).
        confidence: Level of the intervals.

    Raises:
        ScenarioError: Either scenario is invalid.
    """
    if b is None and not overrides_b:
        raise ScenarioError(
            "compare needs scenario B, or --set-b PATH=VALUE to compare A with itself under a change"
        )
    scenario_a = load_scenario(a, list(overrides))
    scenario_b = load_scenario(a if b is None else b, [*overrides, *overrides_b])
    horizon = int(days if days is not None else scenario_a.horizon_days)
    results_a = simulate(scenario_a, worlds=worlds, seed=seed, days=horizon)
    results_b = simulate(scenario_b, worlds=worlds, seed=seed, days=horizon)
    table = compare_outcomes(
        results_a.outcomes, results_b.outcomes, horizon, confidence=confidence, seed=seed
    )
    manifest = {
        "kind": "compare",
        "a": _describe(scenario_a),
        "b": _describe(scenario_b, overrides_b),
        "worlds": worlds,
        "seed": seed,
        "days": horizon,
        "overrides": list(overrides),
        "overrides_b": list(overrides_b),
        "confidence": confidence,
        "metrics": table["metric"].tolist(),
        "version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return Comparison(table=table, a=results_a, b=results_b, manifest=manifest)


def _describe(scenario: Any, changes: Sequence[str] = ()) -> dict[str, Any]:
    name = scenario.name + (f" with {', '.join(changes)}" if changes else "")
    return {
        "name": name,
        "file": scenario_file(scenario),
        "scenario_hash": scenario_hash(scenario),
        "horizon_days": scenario.horizon_days,
    }
