"""The headline metrics, declared once: every table, figure and command reads them from here.

:data:`METRICS` is a tuple of :class:`Metric` (as the EMA Workbench declares each output once as a
``ScalarOutcome``): a column-safe ``name``, the ``label`` people read, the ``unit``, the ``kind``
of statistic and the per-world quantity it summarises. ``Results.summary()``, sweep summaries,
``compare``, the figures' axes, the report and the CLI all look metrics up here at call time, so
changing a label here changes it everywhere.

Time to the first ceasefire is a time to event: a world without one is censored at the horizon.
It is summarised over all worlds by the Kaplan-Meier median (``inf``, shown "not reached", when
fewer than half the worlds have one), the restricted mean within the horizon and
P(ceasefire by day t). The median among the worlds that have one is a *conditional* statistic:
its label says so, and ``compare`` never differences it, since two scenarios condition on
different sets of worlds.

Two kinds of interval (:func:`estimate`, :func:`parameter_range`):

* the **Monte Carlo interval**: how far the estimate could move with more worlds. With worlds
  grouped in parameter draws (``clusters``) its variance is design-based (worlds of one draw are
  not independent): the linearised, cluster-robust variance of a mean; probabilities get a
  Wilson interval at the effective sample size, quantiles Woodruff's interval (the quantiles
  at the confidence bounds of the CDF);
* the **parameter range**: the spread of the metric over draws of the uncertain parameters, the
  central ``coverage`` range of the per-draw values after removing the Monte Carlo noise each
  draw's estimate carries (its variance estimated from two halves of each draw's worlds; the
  per-draw values are shrunk towards their mean to the variance that remains, Louis 1984).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from ceasefire_sim.negotiation.scopes import LIMITED, LIMITED_NAMES
from ceasefire_sim.survival import km_median

#: In :attr:`Metric.days`, the run's horizon.
HORIZON = -1

#: Statuses that count as a ceasefire holding at the horizon.
HOLDING_STATUSES: tuple[str, ...] = ("ceasefire", "settled")

#: Kinds of statistic: the mean of a per-world value (``probability`` of a 0/1 indicator,
#: ``mean``, ``restricted_mean``) or a quantile (``median``, ``km_median``).
KINDS: tuple[str, ...] = ("probability", "mean", "restricted_mean", "median", "km_median")

#: Outcome columns the metrics read.
OUTCOME_COLUMNS: tuple[str, ...] = (
    "first_ceasefire_day",
    "status",
    "control_change_km2",
    "casualties_russia",
    "casualties_ukraine",
    "days_at_war",
    "first_range_day",
    "first_partial_truce_day",
    *(f"first_partial_day_{scope}" for scope in LIMITED_NAMES),
)

PerWorld = Callable[[pd.DataFrame, int], np.ndarray]


@dataclass(frozen=True)
class Metric:
    """One headline metric.

    Attributes:
        name: Column-safe identifier (``p_ceasefire_365``); may hold ``{day}``.
        label: What people read (``P(ceasefire by day 365)``); may hold ``{day}``.
        unit: ``share``, ``days``, ``km²``, ``persons`` or ``persons/day``.
        kind: One of :data:`KINDS`.
        per_world: ``(outcomes, day) -> (N,)`` floats the statistic summarises; NaN leaves a
            world out (the conditioning of a conditional metric); ``inf`` is a time to an event
            that did not happen within the horizon.
        days: For a metric per day: the days (``HORIZON`` for the run's), expanded by
            :func:`metrics_for`; empty for one metric whose ``day`` is the horizon.
        conditional: The worlds a conditional statistic is taken over ("" for all worlds).
        description: One sentence for the docs.
    """

    name: str
    label: str
    unit: str
    kind: str
    per_world: PerWorld
    days: tuple[int, ...] = ()
    conditional: str = ""
    description: str = ""
    day: int = 0

    def values(self, outcomes: pd.DataFrame) -> np.ndarray:
        """The ``(N,)`` per-world values of this (concrete) metric."""
        return np.asarray(self.per_world(outcomes, self.day), dtype=float)


def _first_day(o: pd.DataFrame) -> np.ndarray:
    return o["first_ceasefire_day"].to_numpy(dtype=float)


def _by_day(o: pd.DataFrame, day: int) -> np.ndarray:
    return (_first_day(o) <= day).astype(float)


def _range_by_day(o: pd.DataFrame, day: int) -> np.ndarray:
    if "first_range_day" not in o:  # results written before version 2
        return np.full(len(o), np.nan)
    return (o["first_range_day"].to_numpy(dtype=float) <= day).astype(float)


def _partial_by_day(column: str) -> PerWorld:
    """1 where the world's first limited truce (of one scope, or of any) began by the day."""

    def per_world(o: pd.DataFrame, day: int) -> np.ndarray:
        if column not in o:  # results written before limited truces
            return np.full(len(o), np.nan)
        return (o[column].to_numpy(dtype=float) <= day).astype(float)

    return per_world


def _time_to_ceasefire(o: pd.DataFrame, day: int) -> np.ndarray:
    first = _first_day(o)
    return np.where(np.isnan(first), math.inf, first)


def _restricted_time(o: pd.DataFrame, day: int) -> np.ndarray:
    return np.minimum(_time_to_ceasefire(o, day), day)


def _status_is(*statuses: str) -> PerWorld:
    return lambda o, day: o["status"].isin(statuses).to_numpy().astype(float)


def _column(name: str) -> PerWorld:
    return lambda o, day: o[name].to_numpy(dtype=float)


def _russian_rate(o: pd.DataFrame, day: int) -> np.ndarray:
    at_war = o["days_at_war"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(at_war > 0, o["casualties_russia"].to_numpy(dtype=float) / at_war, np.nan)


METRICS: tuple[Metric, ...] = (
    Metric(
        "p_ceasefire_{day}",
        "P(ceasefire by day {day})",
        "share",
        "probability",
        _by_day,
        days=(30, 90, 365, HORIZON),
        description="Share of worlds with a first ceasefire on or before the day (Kaplan-Meier "
        "1 - S(t); no world is censored before the horizon).",
    ),
    Metric(
        "km_median_first_ceasefire_day",
        "median days to first ceasefire (Kaplan-Meier)",
        "days",
        "km_median",
        _time_to_ceasefire,
        description="Day by which half of all worlds have had a first ceasefire; 'not reached' "
        "when fewer than half have one by the horizon.",
    ),
    Metric(
        "rmst_first_ceasefire_days",
        "mean days to first ceasefire, restricted to {day} days",
        "days",
        "restricted_mean",
        _restricted_time,
        description="Restricted mean time to the first ceasefire: the mean of min(day, "
        "horizon), the area under the Kaplan-Meier curve up to the horizon.",
    ),
    Metric(
        "median_first_ceasefire_day_given_ceasefire",
        "median days to first ceasefire, among worlds with a ceasefire",
        "days",
        "median",
        lambda o, day: _first_day(o),
        conditional="worlds with a ceasefire",
        description="Median day of the first ceasefire over the worlds that have one; "
        "conditional, never differenced between scenarios.",
    ),
    Metric(
        "p_holding",
        "P(ceasefire holding at horizon)",
        "share",
        "probability",
        _status_is(*HOLDING_STATUSES),
        description="Share of worlds in a fixed-term or settled ceasefire at the horizon.",
    ),
    Metric(
        "p_collapsed",
        "P(ceasefire collapsed at horizon)",
        "share",
        "probability",
        _status_is("collapsed"),
        description="Share of worlds whose last ceasefire collapsed before the horizon.",
    ),
    Metric(
        "median_control_change_km2",
        "median change of Russian-held area",
        "km²",
        "median",
        _column("control_change_km2"),
        description="Median over worlds of the change of the area Russia holds.",
    ),
    Metric(
        "mean_casualties_per_day_russia",
        "mean Russian casualties per day at war",
        "persons/day",
        "mean",
        _russian_rate,
        description="Mean over worlds of Russian casualties divided by the days at war.",
    ),
    Metric(
        "mean_casualties_ukraine",
        "mean Ukrainian casualties",
        "persons",
        "mean",
        _column("casualties_ukraine"),
        description="Mean over worlds of Ukrainian casualties by the horizon.",
    ),
    Metric(
        "mean_casualties_russia",
        "mean Russian casualties",
        "persons",
        "mean",
        _column("casualties_russia"),
        description="Mean over worlds of Russian casualties by the horizon.",
    ),
    Metric(
        "p_range_{day}",
        "P(bargaining range by day {day})",
        "share",
        "probability",
        _range_by_day,
        days=(90, HORIZON),
        description="Share of worlds in which some package on the table gave both sides a "
        "positive surplus by their own valuation on or before the day (``first_range_day``).",
    ),
    Metric(
        "p_partial_{day}",
        "P(limited truce by day {day})",
        "share",
        "probability",
        _partial_by_day("first_partial_truce_day"),
        days=(30, 90, HORIZON),
        description="Share of worlds with a limited truce of any scope, agreed or declared, on or "
        "before the day (``first_partial_truce_day``).",
    ),
    *(
        Metric(
            f"p_partial_{scope.name}_{{day}}",
            f"P({scope.label} by day {{day}})",
            "share",
            "probability",
            _partial_by_day(f"first_partial_day_{scope.name}"),
            days=(30, 90, HORIZON),
            description=f"Share of worlds with a {scope.label} (a limited truce of scope "
            f"``{scope.name}``) on or before the day.",
        )
        for scope in LIMITED
    ),
)
"""Every headline metric, in table order."""


# ------------------------------------------------------------------ lookup
def metrics_for(horizon: int) -> list[Metric]:
    """The concrete metrics of a run of ``horizon`` days, in table order.

    A metric per day is expanded to one metric per day not beyond the horizon; every other
    metric gets ``day = horizon`` and its label's ``{day}`` filled in.
    """
    horizon = int(horizon)
    out: list[Metric] = []
    for metric in METRICS:
        days = metric.days or (HORIZON,)
        concrete = sorted({horizon if d == HORIZON else d for d in days})
        for day in (d for d in concrete if d <= horizon):
            out.append(
                replace(
                    metric,
                    name=metric.name.format(day=day),
                    label=metric.label.format(day=day),
                    day=day,
                    days=(),
                )
            )
    return out


def metric_names(horizon: int) -> list[str]:
    """Names of the metrics of a run of ``horizon`` days, in table order."""
    return [m.name for m in metrics_for(horizon)]


def get(name: str, horizon: int | None = None) -> Metric:
    """The concrete metric called ``name``.

    Args:
        name: A metric name (``p_ceasefire_90``).
        horizon: The run's horizon; without it, a per-day metric's day is read from the name
            and the horizon taken as that day or 365.

    Raises:
        KeyError: For a name no metric has.
    """
    if horizon is None:
        tail = name.rsplit("_", 1)[-1]
        horizon = max(int(tail), 365) if tail.isdigit() else 365
    for metric in metrics_for(horizon):
        if metric.name == name:
            return metric
    # A per-day metric at a day that is not one of the declared ones (a sweep's own horizon).
    for metric in METRICS:
        if "{day}" in metric.name:
            prefix = metric.name.split("{day}")[0]
            tail = name.removeprefix(prefix)
            if name.startswith(prefix) and tail.isdigit():
                day = int(tail)
                return replace(metric, name=name, label=metric.label.format(day=day), day=day)
    raise KeyError(f"unknown metric {name!r}")


def label(name: str, horizon: int | None = None) -> str:
    """The label of metric ``name`` (the name itself for a column that is no metric)."""
    try:
        return get(name, horizon).label
    except KeyError:
        return name


def unit(name: str, horizon: int | None = None) -> str:
    """The unit of metric ``name`` ("" for a column that is no metric)."""
    try:
        return get(name, horizon).unit
    except KeyError:
        return ""


# ------------------------------------------------------------- estimates
def point_estimate(metric: Metric, values: np.ndarray) -> float:
    """The metric's estimate from its per-world values (NaN entries left out).

    Returns:
        The mean (or share) or the median; ``inf`` for a Kaplan-Meier median not reached; NaN
        without values.
    """
    x = values[~np.isnan(values)]
    if len(x) == 0:
        return math.nan
    if metric.kind == "km_median":
        return km_median(np.minimum(x, metric.day), np.isfinite(x) & (x <= metric.day))
    if metric.kind == "median":
        return float(np.median(x))
    return float(np.mean(x))


def design_variance(values: np.ndarray, clusters: np.ndarray | None = None) -> float:
    """Variance of the mean of ``values`` when worlds come in clusters (parameter draws).

    The linearised (cluster-robust) variance ``G / (G - 1) * sum_g (sum_{i in g} (y_i -
    ybar))^2 / n^2`` over the ``G`` clusters; without clusters, every world is its own and it is
    ``var(y) / n`` (with ``n / (n - 1)``).

    Args:
        values: ``(n,)`` finite values.
        clusters: ``(n,)`` cluster ids, or None.
    """
    y = np.asarray(values, dtype=float)
    n = len(y)
    if n < 2:
        return math.nan
    u = y - y.mean()
    if clusters is None:
        totals = u
    else:
        _, ids = np.unique(clusters, return_inverse=True)
        totals = np.bincount(ids, weights=u)
    g = len(totals)
    if g < 2:
        return math.nan
    return float(g / (g - 1) * np.sum(totals**2) / n**2)


def wilson_interval(p: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` from ``n`` (possibly effective) trials."""
    if not n > 0 or math.isnan(p):
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(min(p, max(0.0, centre - half))), float(max(p, min(1.0, centre + half)))


def effective_size(p: float, n: int, variance: float) -> float:
    """Effective number of worlds of a proportion: ``p (1 - p) / variance``, at most ``n``."""
    if not variance > 0 or p * (1 - p) <= 0:
        return float(n)
    return float(min(n, p * (1 - p) / variance))


def estimate(
    metric: Metric,
    values: np.ndarray,
    clusters: np.ndarray | None = None,
    confidence: float = 0.95,
) -> tuple[float, float, float, int]:
    """A metric's estimate, Monte Carlo interval and number of worlds.

    Args:
        metric: A concrete metric.
        values: Its ``(N,)`` per-world values (:meth:`Metric.values`).
        clusters: ``(N,)`` parameter draw of each world when worlds share draws, else None.
        confidence: Level of the interval.

    Returns:
        ``(estimate, mc_low, mc_high, n)``; ``inf`` marks a median or bound not reached within
        the horizon, NaN a statistic without worlds.
    """
    keep = ~np.isnan(values)
    x = values[keep]
    groups = None if clusters is None else np.asarray(clusters)[keep]
    n = len(x)
    est = point_estimate(metric, values)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    if metric.kind == "probability":
        # Independent worlds: the plain Wilson interval over n.
        n_eff = n if groups is None else effective_size(est, n, design_variance(x, groups))
        return (est, *wilson_interval(est, n_eff, confidence), n)
    if metric.kind in ("mean", "restricted_mean"):
        half = float(stats.norm.ppf(0.5 + confidence / 2)) * math.sqrt(
            max(design_variance(x, groups), 0.0) if n > 1 else 0.0
        )
        return est, est - half, est + half, n
    return (est, *_woodruff(metric, x, est, groups, confidence), n)


def _woodruff(
    metric: Metric, x: np.ndarray, median: float, groups: np.ndarray | None, confidence: float
) -> tuple[float, float]:
    """Woodruff's interval of a median: the quantiles at the CDF's confidence bounds at 0.5."""
    at = median if math.isfinite(median) else metric.day
    below = (x <= at).astype(float)
    share = float(below.mean())
    n_eff = (
        len(x) if groups is None else effective_size(share, len(x), design_variance(below, groups))
    )
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    half = z * math.sqrt(0.25 / n_eff)
    low_p, high_p = 0.5 - half, 0.5 + half
    ordered = np.sort(x)
    n = len(ordered)

    def quantile(p: float) -> float:
        # The first value at which the empirical CDF reaches p (the Kaplan-Meier inverse).
        k = math.ceil(p * n - 1e-9)
        if k > n:
            return math.inf
        value = float(ordered[max(k, 1) - 1])
        if metric.kind == "km_median" and value > metric.day:
            return math.inf
        return value

    return quantile(max(low_p, 0.0)), quantile(high_p)


def parameter_range(
    metric: Metric, values: np.ndarray, draws: np.ndarray, coverage: float = 0.90
) -> tuple[float, float]:
    """Central ``coverage`` range over parameter draws of the metric's per-draw value.

    Each draw's value is the metric over its own worlds; its Monte Carlo noise is estimated
    from the difference between the values of its two halves, ``Var(half_1 - half_2) / 4``, and
    removed by shrinking the per-draw values towards their mean to the variance that remains.

    Args:
        metric: A concrete metric.
        values: ``(N,)`` per-world values.
        draws: ``(N,)`` parameter draw of each world.
        coverage: Share of the draws' distribution the range covers.

    Returns:
        ``(low, high)``; NaNs with fewer than 2 draws or 2 worlds per draw, or when a per-draw
        value is undefined or not reached.
    """
    draws = np.asarray(draws)
    ids = np.unique(draws)
    if len(ids) < 2:
        return math.nan, math.nan
    full, first, second = [], [], []
    for d in ids:
        own = values[draws == d]
        if len(own) < 2:
            return math.nan, math.nan
        half = len(own) // 2
        full.append(point_estimate(metric, own))
        first.append(point_estimate(metric, own[:half]))
        second.append(point_estimate(metric, own[half:]))
    per_draw, a, b = (np.asarray(v, dtype=float) for v in (full, first, second))
    if not (np.isfinite(per_draw).all() and np.isfinite(a).all() and np.isfinite(b).all()):
        return math.nan, math.nan
    total = float(np.var(per_draw, ddof=1))
    noise = float(np.var(a - b, ddof=1)) / 4.0
    shrink = math.sqrt(max(total - noise, 0.0) / total) if total > 0 else 0.0
    centre = float(per_draw.mean())
    spread = centre + shrink * (per_draw - centre)
    tail = (1 - coverage) / 2
    low, high = np.quantile(spread, [tail, 1 - tail])
    return float(low), float(high)


# ------------------------------------------------------------- formatting
def format_value(value: float, unit: str) -> str:
    """A figure for people: shares in %, areas in km², days, counts with their unit."""
    if value != value:  # NaN
        return "n/a"
    if math.isinf(value):
        return "not reached" if value > 0 else "n/a"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "km²":
        return f"{value:,.0f} km²"
    if unit.startswith("persons/"):
        return f"{value:,.0f}/{unit.split('/', 1)[1]}"
    if unit == "persons":
        return f"{value:,.0f}"
    return f"{value:,.0f} {unit}" if unit else f"{value:,.4g}"


def format_interval(low: float, high: float, unit: str) -> str:
    """An interval for a table next to its estimate: ``30.6-34.7%``, ``299-308``, ``n/a``.

    Numbers are in the estimate's unit, which only shares repeat (``%``); ``not reached`` marks
    an end beyond the horizon.
    """
    if low != low or high != high:
        return "n/a"
    if unit == "share":
        return f"{100 * low:.1f}-{100 * high:.1f}%"

    def number(x: float) -> str:
        return "not reached" if math.isinf(x) else f"{x:,.0f}"

    if math.isinf(low) and math.isinf(high):
        return "not reached"
    separator = " to " if low < 0 or high < 0 or math.isinf(high) else "-"
    return f"{number(low)}{separator}{number(high)}"
