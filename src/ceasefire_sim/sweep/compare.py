"""Paired comparison of two scenarios under common random numbers.

Both scenarios run with the same seed and number of worlds, so world ``i`` of A and world ``i``
of B see the same daily noise and the same draws of every uncertain parameter they share
(DESIGN.md, principle 3). The effect of switching from A to B is then estimated world by world,
and its interval is narrower than with independent seeds by the *variance reduction factor*

    VR = Var_independent(B - A) / Var_paired(B - A),

where, for a share or a mean, ``Var_independent = (var(a) + var(b)) / n`` (what independent seeds
would give: the marginal variances do not depend on the pairing) and
``Var_paired = var(b - a) / n``. Medians have no such formula; both variances come from a
bootstrap that resamples worlds in pairs (paired) or separately in A and B (independent).
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

from ceasefire_sim._version import __version__
from ceasefire_sim.api import simulate
from ceasefire_sim.errors import SweepError
from ceasefire_sim.results import Results, _atomic_parquet, _atomic_text
from ceasefire_sim.scenario.loader import load_scenario, scenario_file, scenario_hash
from ceasefire_sim.sweep.metrics import metric_kind, metric_names, per_world_values

COMPARISON_COLUMNS: tuple[str, ...] = (
    "metric",
    "a",
    "b",
    "diff",
    "diff_low",
    "diff_high",
    "independent_low",
    "independent_high",
    "variance_reduction",
)
"""Columns of :func:`compare_outcomes` and ``comparison.parquet`` (one row per metric)."""

#: Means reported besides the headline metrics: the human cost of each scenario.
MEAN_METRICS: dict[str, str] = {
    "mean_casualties_ukraine": "casualties_ukraine",
    "mean_casualties_russia": "casualties_russia",
}


def comparison_metrics(days: int) -> list[str]:
    """The metrics a comparison reports: the headline metrics, P(collapsed), mean casualties."""
    names = metric_names(days)
    return [*names, "p_collapsed", *MEAN_METRICS]


def _values(outcomes: pd.DataFrame, name: str) -> np.ndarray:
    if name == "p_collapsed":
        return (outcomes["status"] == "collapsed").to_numpy().astype(float)
    if name in MEAN_METRICS:
        return outcomes[MEAN_METRICS[name]].to_numpy(dtype=float)
    return per_world_values(outcomes, name)


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
        The columns of :data:`COMPARISON_COLUMNS`: the estimates in A and B, ``diff`` = B - A
        with its paired interval, the interval independent seeds would give, and the variance
        reduction factor (``inf`` if pairing removes all the variance, NaN if there is none).

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
    for name in comparison_metrics(days):
        va, vb = _values(a, name), _values(b, name)
        if metric_kind(name) == "median":
            rows.append((name, *_median_difference(va, vb, confidence, rng, resamples)))
        else:
            rows.append((name, *_mean_difference(va, vb, z)))
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
    a: np.ndarray, b: np.ndarray, confidence: float, rng: np.random.Generator, resamples: int
) -> tuple[float, ...]:
    n = len(a)
    med_a, med_b = _nanmedian(a), _nanmedian(b)
    diff = med_b - med_a
    paired, independent = np.empty(resamples), np.empty(resamples)
    # Blocks keep the (resamples, n) index arrays small for large n.
    block = max(1, 2_000_000 // max(n, 1))
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        rows = rng.integers(0, n, size=(size, n))
        other = rng.integers(0, n, size=(size, n))
        boot_a = _nanmedian_rows(a[rows])
        paired[start : start + size] = _nanmedian_rows(b[rows]) - boot_a
        independent[start : start + size] = _nanmedian_rows(b[other]) - boot_a
    tail = 100 * (1 - confidence) / 2
    paired, independent = paired[~np.isnan(paired)], independent[~np.isnan(independent)]
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


def _nanmedian(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(np.median(x)) if len(x) else math.nan


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
    b: str | Path,
    worlds: int,
    seed: int = 0,
    days: int | None = None,
    overrides: Sequence[str] = (),
    *,
    confidence: float = 0.95,
) -> Comparison:
    """Run scenarios A and B with the same seed and worlds and compare them world by world.

    Args:
        a: Scenario file A (the reference).
        b: Scenario file B (the variant).
        worlds: Worlds of each run.
        seed: The common seed.
        days: Horizon of both runs (default: A's horizon).
        overrides: ``--set`` changes applied to both scenarios.
        confidence: Level of the intervals.

    Raises:
        ScenarioError: Either scenario is invalid.
    """
    scenario_a = load_scenario(a, list(overrides))
    scenario_b = load_scenario(b, list(overrides))
    horizon = int(days if days is not None else scenario_a.horizon_days)
    results_a = simulate(scenario_a, worlds=worlds, seed=seed, days=horizon)
    results_b = simulate(scenario_b, worlds=worlds, seed=seed, days=horizon)
    table = compare_outcomes(
        results_a.outcomes, results_b.outcomes, horizon, confidence=confidence, seed=seed
    )
    manifest = {
        "kind": "compare",
        "a": _describe(scenario_a),
        "b": _describe(scenario_b),
        "worlds": worlds,
        "seed": seed,
        "days": horizon,
        "overrides": list(overrides),
        "confidence": confidence,
        "metrics": table["metric"].tolist(),
        "version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return Comparison(table=table, a=results_a, b=results_b, manifest=manifest)


def _describe(scenario: Any) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "file": scenario_file(scenario),
        "scenario_hash": scenario_hash(scenario),
        "horizon_days": scenario.horizon_days,
    }
