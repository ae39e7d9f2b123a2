"""Headline outcomes of a set of worlds, shared by sweep summaries and paired comparisons.

The metrics are those of the registry, :data:`ceasefire_sim.metrics.METRICS` (the same as
:meth:`ceasefire_sim.results.Results.summary`), under their column-safe names: ``p_ceasefire_<d>``
for ``d`` in 30, 90, 365 and the horizon, ``km_median_first_ceasefire_day`` (``inf`` when not
reached), ``rmst_first_ceasefire_days``, ``median_first_ceasefire_day_given_ceasefire``
(conditional), ``p_holding``, ``p_collapsed``, ``median_control_change_km2`` and the mean
casualties. The worlds of a sweep point are independent, so each point's interval is the plain
Monte Carlo interval of :func:`ceasefire_sim.metrics.estimate`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ceasefire_sim import metrics
from ceasefire_sim.metrics import HOLDING_STATUSES, OUTCOME_COLUMNS

__all__ = [
    "HOLDING_STATUSES",
    "OUTCOME_COLUMNS",
    "ceasefire_days",
    "estimate",
    "metric_names",
    "per_world_values",
    "summarise_points",
]


def ceasefire_days(days: int) -> list[int]:
    """The days ``d`` of the ``p_ceasefire_<d>`` metrics for a horizon of ``days`` days."""
    return [m.day for m in metrics.metrics_for(days) if m.name.startswith("p_ceasefire_")]


def metric_names(days: int) -> list[str]:
    """Names of the headline metrics for a horizon of ``days`` days, in table order."""
    return metrics.metric_names(days)


def per_world_values(outcomes: pd.DataFrame, name: str, days: int | None = None) -> np.ndarray:
    """The per-world quantity a metric summarises, as floats (see :class:`~ceasefire_sim.metrics.Metric`).

    Raises:
        KeyError: For an unknown metric name.
    """
    return metrics.get(name, days).values(outcomes)


def estimate(
    values: np.ndarray, name: str, confidence: float = 0.95, days: int | None = None
) -> tuple[float, float, float]:
    """A metric's estimate and Monte Carlo interval from its per-world values.

    Returns:
        ``(estimate, low, high)``; NaNs when there are no values to summarise.
    """
    est, low, high, _ = metrics.estimate(metrics.get(name, days), values, None, confidence)
    return est, low, high


def summarise_points(
    outcomes: pd.DataFrame, days: int, confidence: float = 0.95, group: str = "point"
) -> pd.DataFrame:
    """One row per group of worlds (a sweep point) with every headline metric and its interval.

    Args:
        outcomes: Per-world outcomes with a ``group`` column and :data:`OUTCOME_COLUMNS`.
        days: The horizon the worlds were run to.
        confidence: Level of the intervals.
        group: Column that numbers the groups.

    Returns:
        Columns ``group``, then ``M``, ``M_low``, ``M_high`` for each metric ``M`` of
        :func:`metric_names`, then ``worlds``; sorted by ``group``.
    """
    concrete = metrics.metrics_for(days)
    values = {m.name: m.values(outcomes) for m in concrete}
    keys = outcomes[group].to_numpy()
    order = np.argsort(keys, kind="stable")
    groups, starts = np.unique(keys[order], return_index=True)
    bounds = [*starts[1:], len(order)]
    rows: list[dict[str, Any]] = []
    for g, start, stop in zip(groups, starts, bounds, strict=True):
        rows_of_group = order[start:stop]
        row: dict[str, Any] = {group: int(g)}
        for metric in concrete:
            est, low, high, _ = metrics.estimate(
                metric, values[metric.name][rows_of_group], None, confidence
            )
            row[metric.name], row[f"{metric.name}_low"], row[f"{metric.name}_high"] = est, low, high
        row["worlds"] = len(rows_of_group)
        rows.append(row)
    names = [m.name for m in concrete]
    columns = [group, *(f"{n}{s}" for n in names for s in ("", "_low", "_high")), "worlds"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({group: "int64", "worlds": "int64"})
