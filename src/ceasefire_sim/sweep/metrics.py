"""Headline outcomes of a set of worlds, shared by sweep summaries and paired comparisons.

The headline outcomes are those of :meth:`ceasefire_sim.results.Results.summary`, under names that
can be column names:

* ``p_ceasefire_<d>``: share of worlds with a first ceasefire on or before day ``d``, for ``d`` in
  30, 90, 365 and the horizon (those not beyond the horizon);
* ``median_first_ceasefire_day``: median day of the first ceasefire among the worlds that have
  one (NaN if none has);
* ``p_holding``: share of worlds in a ceasefire (fixed-term or settled) at the horizon;
* ``median_control_change_km2``: median change of the territory Russia holds, km².

Shares get Wilson score intervals and medians distribution-free order-statistic intervals
(:func:`~ceasefire_sim.results.wilson`, :func:`~ceasefire_sim.results.median_ci`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ceasefire_sim.results import median_ci, wilson

#: Outcome columns the headline metrics read.
OUTCOME_COLUMNS: tuple[str, ...] = ("first_ceasefire_day", "status", "control_change_km2")

#: Statuses that count as a ceasefire holding at the horizon.
HOLDING_STATUSES: tuple[str, ...] = ("ceasefire", "settled")


def ceasefire_days(days: int) -> list[int]:
    """The days ``d`` of the ``p_ceasefire_<d>`` metrics for a horizon of ``days`` days."""
    return sorted(d for d in {30, 90, 365, int(days)} if d <= days)


def metric_names(days: int) -> list[str]:
    """Names of the headline metrics for a horizon of ``days`` days, in table order."""
    return [
        *(f"p_ceasefire_{d}" for d in ceasefire_days(days)),
        "median_first_ceasefire_day",
        "p_holding",
        "median_control_change_km2",
    ]


def metric_kind(name: str) -> str:
    """``"share"`` for a proportion of worlds, ``"median"`` for a median."""
    return "median" if name.startswith("median_") else "share"


def per_world_values(outcomes: pd.DataFrame, name: str) -> np.ndarray:
    """The per-world quantity a metric summarises, as floats.

    A share metric gives 0/1 indicators; ``median_first_ceasefire_day`` gives NaN for worlds
    without a ceasefire (they are left out of the median).

    Raises:
        KeyError: For an unknown metric name.
    """
    if name.startswith("p_ceasefire_"):
        day = int(name.removeprefix("p_ceasefire_"))
        return (outcomes["first_ceasefire_day"].to_numpy(dtype=float) <= day).astype(float)
    if name == "p_holding":
        return outcomes["status"].isin(HOLDING_STATUSES).to_numpy().astype(float)
    if name == "median_first_ceasefire_day":
        return outcomes["first_ceasefire_day"].to_numpy(dtype=float)
    if name == "median_control_change_km2":
        return outcomes["control_change_km2"].to_numpy(dtype=float)
    raise KeyError(f"unknown metric {name!r}")


def estimate(values: np.ndarray, name: str, confidence: float = 0.95) -> tuple[float, float, float]:
    """A metric's estimate and interval from its per-world values.

    Args:
        values: Output of :func:`per_world_values` for the worlds of one group.
        name: The metric.
        confidence: Level of the interval.

    Returns:
        ``(estimate, low, high)``; NaNs when there are no values to summarise.
    """
    if metric_kind(name) == "share":
        return wilson(int(values.sum()), len(values), confidence)
    return median_ci(values[~np.isnan(values)], confidence)


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
    names = metric_names(days)
    values = {name: per_world_values(outcomes, name) for name in names}
    keys = outcomes[group].to_numpy()
    order = np.argsort(keys, kind="stable")
    groups, starts = np.unique(keys[order], return_index=True)
    bounds = [*starts[1:], len(order)]
    rows: list[dict[str, Any]] = []
    for g, start, stop in zip(groups, starts, bounds, strict=True):
        rows_of_group = order[start:stop]
        row: dict[str, Any] = {group: int(g)}
        for name in names:
            est, low, high = estimate(values[name][rows_of_group], name, confidence)
            row[name], row[f"{name}_low"], row[f"{name}_high"] = est, low, high
        row["worlds"] = len(rows_of_group)
        rows.append(row)
    columns = [group, *(f"{n}{s}" for n in names for s in ("", "_low", "_high")), "worlds"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({group: "int64", "worlds": "int64"})
