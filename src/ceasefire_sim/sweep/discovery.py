"""Scenario discovery and regret over a sweep of levers against uncertainties.

Scenario discovery (Bryant and Lempert 2010) asks which combinations of inputs make an outcome
fail: the points where a metric is below (or above) a threshold are the *cases of interest*, and
PRIM (Friedman and Fisher 1999, through the ``prim`` package of Project Platypus, the PRIM of
the EMA Workbench) and CART (scikit-learn's ``DecisionTreeClassifier``) describe them by boxes:
ranges of a few inputs inside which most points are cases. Each box is reported with

* ``coverage``: the share of all cases of interest that lie in the box;
* ``density``: the share of the points in the box that are cases of interest;
* ``mass``: the share of all points that lie in the box.

Both are computed here from the box's limits on the whole sample, so PRIM's and CART's boxes,
and PRIM's second box, are measured the same way.

Regret (Savage 1951; Lempert, Popper and Bankes 2003) compares the lever settings (policies)
across the uncertainty points (scenarios): in each scenario a policy's regret is how far its
metric falls short of the best policy's in that scenario. The table lists each policy's mean,
worst value, mean and maximum regret, and the share of scenarios where it fails the threshold.
Because every point of a sweep runs on the same worlds (common random numbers), these
differences between policies in one scenario carry no noise from different draws.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ceasefire_sim import metrics
from ceasefire_sim.errors import SweepError
from ceasefire_sim.sweep.samplers import POINT_COLUMN

Direction = Literal["below", "above"]


def _optional(module: str) -> Any:
    """Import a package of the ``research`` extra, or say how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        raise SweepError(
            f"scenario discovery needs {module.split('.')[0]!r}: pip install 'ceasefire-sim[research]'"
        ) from None


@dataclass(frozen=True)
class Box:
    """A box in the space of the inputs: ranges of the restricted inputs.

    Attributes:
        limits: Input -> ``(low, high)``, inclusive, for the inputs the box restricts only.
        coverage: Share of all cases of interest inside the box.
        density: Share of the points inside the box that are cases of interest.
        mass: Share of all points inside the box.
        method: ``"PRIM"`` or ``"CART"``.
    """

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    method: str

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        """``(n,)`` True for the rows of ``x`` inside the box."""
        inside = np.ones(len(x), dtype=bool)
        for name, (low, high) in self.limits.items():
            column = x[name].to_numpy(dtype=float)
            inside &= (column >= low) & (column <= high)
        return inside


def measure(
    limits: dict[str, tuple[float, float]], x: pd.DataFrame, cases: np.ndarray, method: str
) -> Box:
    """A :class:`Box` with its coverage, density and mass on the sample ``(x, cases)``."""
    box = Box(limits, math.nan, math.nan, math.nan, method)
    inside = box.contains(x)
    n_cases, n_inside = int(cases.sum()), int(inside.sum())
    hits = int((inside & cases).sum())
    return Box(
        limits,
        coverage=hits / n_cases if n_cases else math.nan,
        density=hits / n_inside if n_inside else math.nan,
        mass=n_inside / len(x) if len(x) else math.nan,
        method=method,
    )


def prim_boxes(
    x: pd.DataFrame,
    cases: np.ndarray,
    *,
    boxes: int = 2,
    min_coverage: float = 0.5,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    max_qp: float = 0.05,
) -> list[Box]:
    """Boxes found by PRIM, one after another (each on the cases the earlier ones left).

    On each peeling trajectory the box chosen is the one with the largest harmonic mean of
    coverage and density (the F1 score: neither a box that covers every case by taking most
    points nor a dense sliver), among those whose coverage of the cases still uncovered is at
    least ``min_coverage``;
    restrictions whose quasi-p value (a one-sided binomial test of the density gained by the
    restriction) exceeds ``max_qp`` are then dropped, as the EMA Workbench's ``inspect`` suggests.

    Args:
        x: ``(n, d)`` inputs, one column per parameter.
        cases: ``(n,)`` True for the cases of interest.
        boxes: Most boxes to find.
        min_coverage: Least coverage of the remaining cases a chosen box keeps.
        peel_alpha: Share of points peeled at each step.
        mass_min: Least share of all points a box holds.
        max_qp: Largest quasi-p value of a restriction that is kept.

    Returns:
        The boxes, measured on the whole sample (an empty list without cases of interest).
    """
    prim = _optional("prim")  # imported here: it loads matplotlib's pyplot

    cases = np.asarray(cases, dtype=bool)
    if not cases.any() or cases.all():
        return []
    frame = x.reset_index(drop=True).astype(float)
    found: list[Box] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = prim.Prim(frame, cases, peel_alpha=peel_alpha, mass_min=mass_min)
        for _ in range(boxes):
            box = search.find_box()
            if box is None:
                break
            trajectory = box.peeling_trajectory
            keep = trajectory[trajectory["coverage"] >= min_coverage]
            if keep.empty:
                keep = trajectory
            coverage, density = keep["coverage"].astype(float), keep["density"].astype(float)
            best = (2 * coverage * density / (coverage + density)).idxmax()
            box.select(int(best))
            # A restriction PRIM's quasi-p value cannot tell from chance is dropped (EMA's rule).
            limits = {
                str(name): (float(row["min"]), float(row["max"]))
                for name, row in box.limits.iterrows()
                if not float(row.get("qp values", 0.0)) > max_qp
            }
            if not limits:
                break
            found.append(measure(limits, frame, cases, "PRIM"))
    return found


def cart_boxes(
    x: pd.DataFrame, cases: np.ndarray, *, max_depth: int = 3, min_leaf: float = 0.05
) -> list[Box]:
    """The leaves of a classification tree that predict a case of interest, as boxes.

    Args:
        x: ``(n, d)`` inputs.
        cases: ``(n,)`` True for the cases of interest.
        max_depth: Depth of the tree (a leaf restricts at most this many inputs).
        min_leaf: Least share of the points in a leaf.

    Returns:
        The leaves predicting a case, largest harmonic mean of coverage and density first,
        measured on the whole sample.
    """
    DecisionTreeClassifier = _optional("sklearn.tree").DecisionTreeClassifier

    cases = np.asarray(cases, dtype=bool)
    if not cases.any() or cases.all():
        return []
    frame = x.reset_index(drop=True).astype(float)
    tree = DecisionTreeClassifier(
        max_depth=max_depth, min_samples_leaf=max(1, int(min_leaf * len(frame))), random_state=0
    )
    tree.fit(frame.to_numpy(), cases)
    t = tree.tree_
    names = list(frame.columns)
    lows, highs = frame.min(), frame.max()
    found: list[Box] = []

    classes = list(tree.classes_)

    def positive(node: int) -> bool:
        # True when every leaf under the node predicts a case: the node is then one box (a
        # split whose two sides both predict a case says nothing about the cases).
        if t.children_left[node] == -1:
            return bool(classes[int(np.argmax(t.value[node][0]))])
        return positive(t.children_left[node]) and positive(t.children_right[node])

    def walk(node: int, limits: dict[str, tuple[float, float]]) -> None:
        if positive(node):
            found.append(measure(dict(limits), frame, cases, "CART"))
            return
        if t.children_left[node] == -1:
            return
        name, split = names[t.feature[node]], float(t.threshold[node])
        low, high = limits.get(name, (float(lows[name]), float(highs[name])))
        # The tree sends x <= split left; the largest sample value below the split closes it.
        column = frame[name].to_numpy()
        below = column[column <= split]
        above = column[column > split]
        walk(
            t.children_left[node],
            {**limits, name: (low, float(below.max()) if len(below) else split)},
        )
        walk(
            t.children_right[node],
            {**limits, name: (float(above.min()) if len(above) else split, high)},
        )

    walk(0, {})
    return sorted(found, key=lambda b: -f1(b))


def f1(box: Box) -> float:
    """Harmonic mean of a box's coverage and density (0 for an empty box)."""
    total = box.coverage + box.density
    return 2 * box.coverage * box.density / total if total > 0 else 0.0


def regret_table(
    points: pd.DataFrame,
    values: np.ndarray,
    levers: Sequence[str],
    uncertainties: Sequence[str],
    *,
    higher_is_better: bool = True,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Each lever setting's value and regret across the uncertainty points.

    Args:
        points: ``(P, ...)`` the sweep's points, one column per lever and uncertainty.
        values: ``(P,)`` the metric at each point.
        levers: Lever columns (a policy is one combination of their values).
        uncertainties: Uncertainty columns (a scenario is one combination of their values).
        higher_is_better: Whether a larger metric is better (regret = best - value).
        threshold: Counted as failed: values below it (above it when lower is better).

    Returns:
        One row per policy, least maximum regret first: the lever columns, ``scenarios``,
        ``mean``, ``worst``, ``mean_regret``, ``max_regret`` and ``share_failing`` (when a
        threshold is given).

    Raises:
        SweepError: No levers, or a policy not run in every scenario.
    """
    if not levers:
        raise SweepError("a regret table needs levers: declare them under 'levers' in the spec")
    frame = points[[*levers, *uncertainties]].copy()
    frame["_value"] = np.asarray(values, dtype=float)
    frame["_policy"] = frame.groupby(list(levers), sort=False).ngroup()
    if uncertainties:
        frame["_scenario"] = frame.groupby(list(uncertainties), sort=False).ngroup()
    else:
        frame["_scenario"] = 0
    wide = frame.pivot_table(index="_scenario", columns="_policy", values="_value", aggfunc="mean")
    if wide.isna().any().any():
        raise SweepError(
            "some lever settings were not run in every uncertainty point; a regret table needs "
            "every policy crossed with every scenario (declare the levers under 'levers')"
        )
    table = wide.to_numpy()
    best = (
        table.max(axis=1, keepdims=True) if higher_is_better else table.min(axis=1, keepdims=True)
    )
    regret = np.abs(best - table)
    settings = frame.drop_duplicates("_policy").set_index("_policy")[list(levers)]
    rows: list[dict[str, Any]] = []
    for k, policy in enumerate(wide.columns):
        column = table[:, k]
        row: dict[str, Any] = {lever: settings.loc[policy, lever] for lever in levers}
        row["scenarios"] = len(column)
        row["mean"] = float(column.mean())
        row["worst"] = float(column.min() if higher_is_better else column.max())
        row["mean_regret"] = float(regret[:, k].mean())
        row["max_regret"] = float(regret[:, k].max())
        if threshold is not None:
            failing = column < threshold if higher_is_better else column > threshold
            row["share_failing"] = float(failing.mean())
        rows.append(row)
    result = pd.DataFrame(rows)
    return result.sort_values(["max_regret", "mean_regret"], ignore_index=True)


@dataclass
class Discovery:
    """What :func:`discover` found.

    Attributes:
        metric: The metric's name.
        threshold: The threshold.
        direction: Cases of interest are points with the metric ``below`` or ``above`` it.
        cases: Number of cases of interest.
        points: Number of points.
        inputs: The inputs boxes may restrict.
        prim: PRIM's boxes.
        cart: CART's boxes.
        regret: The regret table (``None`` without levers).
    """

    metric: str
    threshold: float
    direction: Direction
    cases: int
    points: int
    inputs: list[str]
    prim: list[Box]
    cart: list[Box]
    regret: pd.DataFrame | None


def discover(
    sweep: Any,
    metric: str,
    threshold: float,
    *,
    direction: Direction = "below",
    boxes: int = 2,
    min_coverage: float = 0.5,
    include_levers: bool = True,
) -> Discovery:
    """Scenario discovery and regret on a finished sweep.

    Args:
        sweep: A :class:`~ceasefire_sim.sweep.runner.SweepResult` or its folder.
        metric: A column of the summary (``p_ceasefire_365``).
        threshold: Points with the metric ``direction`` this value are the cases of interest.
        direction: ``below`` (a lever fails when the metric falls under the threshold) or
            ``above``.
        boxes: Most PRIM boxes.
        min_coverage: Least coverage of a chosen PRIM box.
        include_levers: Let boxes restrict the levers too (else uncertainties only).

    Returns:
        The :class:`Discovery`.

    Raises:
        SweepError: Not a finished sweep, an unknown metric, or a metric with no finite value.
    """
    from ceasefire_sim.sweep.runner import SweepResult

    result = sweep if isinstance(sweep, SweepResult) else SweepResult.load(Path(sweep))
    summary = result.summary
    if metric not in summary.columns:
        known = ", ".join(metrics.metric_names(int(result.manifest["days"])))
        raise SweepError(f"unknown metric {metric!r} for this sweep; use one of {known}")
    roles = {p["path"]: p.get("role", "uncertainty") for p in result.manifest["parameters"]}
    levers = [p for p, r in roles.items() if r == "lever"]
    uncertainties = [p for p, r in roles.items() if r != "lever"]
    values = summary.sort_values(POINT_COLUMN)[metric].to_numpy(dtype=float)
    if not np.isfinite(values).any():
        raise SweepError(f"{metric!r} has no finite value at any point; choose another metric")
    points = result.points.sort_values(POINT_COLUMN).reset_index(drop=True)
    inputs = [*levers, *uncertainties] if include_levers else uncertainties
    if not inputs:
        raise SweepError("this sweep declares no uncertainties for the boxes to restrict")
    cases = values < threshold if direction == "below" else values > threshold
    x = points[inputs]
    regret = (
        regret_table(
            points,
            values,
            levers,
            uncertainties,
            higher_is_better=direction == "below",
            threshold=threshold,
        )
        if levers
        else None
    )
    return Discovery(
        metric=metric,
        threshold=float(threshold),
        direction=direction,
        cases=int(cases.sum()),
        points=len(values),
        inputs=inputs,
        prim=prim_boxes(x, cases, boxes=boxes, min_coverage=min_coverage),
        cart=cart_boxes(x, cases),
        regret=regret,
    )
