"""The lever audit: a fixed table of levers, each measured under common random numbers and graded.

Each row of :data:`LEVERS` names a lever, a low and a high setting, a metric and the expected
effect, copied from the audit's table (``docs/validation.md``, section "Levers"). Both settings
run with the same seed and number of worlds, so world ``i`` of the low run and world ``i`` of the
high run share every random number: the difference world by world is the effect of the lever.

How a setting is applied is part of the row: a :func:`day0` value (what ``--set`` does, before
the model derives its day-0 state), a :func:`scaled` value (the scenario's value in each world
times a factor, also before day 0) or an :func:`event` on a given day through the scenario's own
``events:`` list (applied at the start of that day, after the day-0 state is set).

Grading (:func:`verdict`) is by rule, never by judgement; the rules are in :data:`RULES` and
documented in ``docs/validation.md``. Rows are data: to add one, append a :class:`Lever` to
:data:`LEVERS` (rows are only ever added, never dropped). A new metric is one entry of
:data:`METRICS`, a new expectation one entry of :data:`RULES`.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ceasefire_sim.api import load_scenario, simulate
from ceasefire_sim.errors import ScenarioError
from ceasefire_sim.negotiation.scopes import LIMITED_NAMES
from ceasefire_sim.scenario.schema import Scenario

#: Columns of ``levers.csv``, in order.
COLUMNS: tuple[str, ...] = (
    "lever",
    "low",
    "high",
    "metric",
    "effect",
    "ci_low",
    "ci_high",
    "expected",
    "verdict",
)
#: Worlds and seed of the audit (``ceasefire-sim levers`` and ``make validate``).
DEFAULT_WORLDS = 2000
DEFAULT_SEED = 1
#: Bootstrap resamples of the paired intervals of shares and restricted means.
RESAMPLES = 2000
#: Level of every interval.
CONFIDENCE = 0.95


# ------------------------------------------------------------------ settings
@dataclass(frozen=True)
class Setting:
    """One change to the scenario in one arm of a comparison.

    Attributes:
        path: Dotted path (``*`` segments allowed where the scenario allows them).
        value: The new value (``factor`` None), or None.
        factor: Multiply the scenario's value (per world) by this, or None.
        day: 0: before the run (day-0 state derived from it); ``d >= 1``: an event on day ``d``.
    """

    path: str
    value: Any = None
    factor: float | None = None
    day: int = 0

    def __post_init__(self) -> None:
        if (self.value is None) == (self.factor is None):
            raise ValueError(f"setting {self.path}: give exactly one of value and factor")
        if self.day < 0:
            raise ValueError(f"setting {self.path}: day must be 0 or later")


def day0(path: str, value: Any) -> Setting:
    """Set ``path`` to ``value`` before day 0, as ``--set path=value`` does."""
    return Setting(path, value=value)


def scaled(path: str, factor: float) -> Setting:
    """Multiply ``path`` by ``factor`` before day 0 (each world's own draw, if it varies)."""
    return Setting(path, factor=factor)


def event(
    day: int, path: str, *, value: float | None = None, factor: float | None = None
) -> Setting:
    """A dated event of the scenario's ``events:`` list on day ``day`` (1 = the day after start)."""
    if day < 1:
        raise ValueError("an event is dated on day 1 or later; use day0() or scaled() for day 0")
    return Setting(path, value=value, factor=factor, day=day)


# ------------------------------------------------------------------- metrics
@dataclass(frozen=True)
class Metric:
    """How a metric is read from a run's outcomes.

    A ``mean`` metric is the mean over worlds of one value per world; its paired interval is the
    normal interval of the mean of the per-world differences. A ``ratio`` metric is
    ``sum(numerator) / sum(denominator)`` over worlds (a share of deals, a mean over deals); its
    paired interval is a percentile bootstrap that resamples worlds, the same resample in both
    arms (the set of worlds with a deal may differ between the arms).

    Attributes:
        label: The metric as the table names it.
        kind: ``"mean"`` or ``"ratio"``.
        values: ``(outcomes, days) -> (N,)`` per-world values (``mean``) or
            ``(numerator, denominator)`` (``ratio``).
        short: A short label for the printed table.
    """

    label: str
    kind: str
    values: Callable[[pd.DataFrame, int], Any]
    short: str = ""


def _ceasefire_within(o: pd.DataFrame, days: int) -> np.ndarray:
    # first_ceasefire_day counts general ceasefires only (limited truces have their own columns).
    return (o["first_ceasefire_day"] <= min(365, days)).to_numpy(dtype=float)


def _deals_with(o: pd.DataFrame, **terms: str) -> tuple[np.ndarray, np.ndarray]:
    deal = (o["terms_guarantees"] != "").to_numpy()
    hit = deal.copy()
    for issue, option in terms.items():
        hit &= (o[f"terms_{issue}"] == option).to_numpy()
    return hit.astype(float), deal.astype(float)


def _duration_with(guarantee: str) -> Callable[[pd.DataFrame, int], tuple[np.ndarray, np.ndarray]]:
    def values(o: pd.DataFrame, days: int) -> tuple[np.ndarray, np.ndarray]:
        # Days each first ceasefire held; one still holding at the horizon counts the days to it.
        with_it = (o["first_terms_guarantees"] == guarantee).to_numpy()
        held = np.nan_to_num(o["first_ceasefire_duration_days"].to_numpy(dtype=float))
        return held * with_it, with_it.astype(float)

    return values


def _acceptance(
    side: str, scope: str
) -> Callable[[pd.DataFrame, int], tuple[np.ndarray, np.ndarray]]:
    def values(o: pd.DataFrame, days: int) -> tuple[np.ndarray, np.ndarray]:
        # Of the mediator's proposals of the scope, the share the side accepted.
        return (
            o[f"partial_accepted_{side}_{scope}"].to_numpy(dtype=float),
            o[f"partial_offers_{scope}"].to_numpy(dtype=float),
        )

    return values


def _limited_within(scope: str) -> Callable[[pd.DataFrame, int], np.ndarray]:
    def values(o: pd.DataFrame, days: int) -> np.ndarray:
        return (o[f"first_partial_day_{scope}"] <= min(365, days)).to_numpy(dtype=float)

    return values


METRICS: dict[str, Metric] = {
    "p_ceasefire_365": Metric(
        "P(general ceasefire within 365 days)",
        "mean",
        lambda o, d: _ceasefire_within(o, d),
        "P(ceasefire in 365 d)",
    ),
    "share_neutrality_lifted": Metric(
        "share of deals with NATO neutrality and sanctions lifted",
        "ratio",
        lambda o, d: _deals_with(o, nato="neutrality", sanctions="lifted"),
        "deals: neutrality + lifted",
    ),
    "share_european_force": Metric(
        "share of deals with the European force",
        "ratio",
        lambda o, d: _deals_with(o, guarantees="european_force"),
        "deals: European force",
    ),
    "duration_european_force": Metric(
        "restricted mean duration of first ceasefires with the European force, days",
        "ratio",
        _duration_with("european_force"),
        "duration, European force (d)",
    ),
    "duration_us_backed": Metric(
        "restricted mean duration of first ceasefires with a US-backed guarantee, days",
        "ratio",
        _duration_with("us_backed"),
        "duration, US-backed (d)",
    ),
    "allied_aid_bn": Metric(
        "allied aid delivered, US$ bn",
        "mean",
        lambda o, d: o["allied_aid_total_bn"].to_numpy(dtype=float),
        "allied aid (US$ bn)",
    ),
    **{
        f"accept_{side}_{scope}": Metric(
            f"share of {scope} proposals {side.capitalize()} accepts",
            "ratio",
            _acceptance(side, scope),
            f"{side} accepts {scope}",
        )
        for side, scope in (("ukraine", "energy"), ("russia", "energy"), ("ukraine", "maritime"))
    },
    **{
        f"channel_costs_{side}": Metric(
            f"channel costs borne by {side.capitalize()}, casualty-equivalents",
            "mean",
            lambda o, d, side=side: o[f"channel_costs_{side}"].to_numpy(dtype=float),
            f"{side} channel costs",
        )
        for side in ("ukraine", "russia")
    },
    "p_range_365": Metric(
        "P(bargaining range for a general ceasefire within 365 days)",
        "mean",
        lambda o, d: (o["first_range_day"] <= min(365, d)).to_numpy(dtype=float),
        "P(range in 365 d)",
    ),
    "p_maritime_365": Metric(
        "P(Black Sea shipping arrangement within 365 days)",
        "mean",
        _limited_within("maritime"),
        "P(maritime in 365 d)",
    ),
    "threats_executed": Metric(
        "threats the US carried out per world (aid cuts and sanctions)",
        "mean",
        lambda o, d: (o["threats_executed_ukraine"] + o["threats_executed_russia"]).to_numpy(
            dtype=float
        ),
        "threats carried out",
    ),
    "share_walked_away": Metric(
        "share of worlds in which the US walked away from the talks",
        "mean",
        lambda o, d: o["mediator_walked_away"].to_numpy(dtype=float),
        "US walked away",
    ),
    "russian_gains_km2": Metric(
        "Russian gains at the horizon, km²",
        "mean",
        lambda o, d: o["control_change_km2"].to_numpy(dtype=float),
        "Russian gains (km²)",
    ),
}


# --------------------------------------------------------------------- rows
@dataclass(frozen=True)
class Lever:
    """One row of the audit.

    Attributes:
        lever: The lever as the table names it.
        low: The low setting, as the table names it.
        high: The high setting.
        metric: Key of :data:`METRICS`.
        expected: The expected effect, copied from the table (a key of :data:`RULES`).
        low_set: Settings of the low arm (empty: the scenario as it is).
        high_set: Settings of the high arm.
        common: Settings of both arms (e.g. talks off).
        level: Grade the high arm's level of the metric, not the difference (the "effect"
            column then holds that level and its interval).
        pair: Rows with the same ``pair`` are graded together (``"+ both; agree"``).
    """

    lever: str
    low: str
    high: str
    metric: str
    expected: str
    low_set: tuple[Setting, ...] = ()
    high_set: tuple[Setting, ...] = ()
    common: tuple[Setting, ...] = ()
    level: bool = False
    pair: str | None = None

    def arm(self, which: str) -> tuple[Setting, ...]:
        """The settings of the ``"low"`` or ``"high"`` arm, common ones first."""
        return (*self.common, *(self.low_set if which == "low" else self.high_set))


TALKS_OFF = (day0("talks.enabled", False),)
UNREACHABLE_TROOPS = 1e12

#: The audit's rows, in the order of its table. Only ever append.
LEVERS: tuple[Lever, ...] = (
    Lever(
        "mediator.leverage_on_russia", "0", "0.8", "p_ceasefire_365", "+",
        (day0("mediator.leverage_on_russia", 0.0),),
        (day0("mediator.leverage_on_russia", 0.8),),
    ),
    Lever(
        "mediator.leverage_on_russia", "0", "0.8", "share_neutrality_lifted",
        "upper bound <= +0.02",
        (day0("mediator.leverage_on_russia", 0.0),),
        (day0("mediator.leverage_on_russia", 0.8),),
    ),
    Lever(
        "guarantee hazard ratio (European force)", "1.0", "0.35", "duration_european_force", "+",
        (day0("truce.hazard_ratio_guarantees.european_force", 1.0),),
        (day0("truce.hazard_ratio_guarantees.european_force", 0.35),),
    ),
    Lever(
        "guarantee hazard ratio (US-backed)", "1.0", "0.35", "duration_us_backed", "+",
        (day0("truce.hazard_ratio_guarantees.us_backed", 1.0),),
        (day0("truce.hazard_ratio_guarantees.us_backed", 0.35),),
    ),
    Lever(
        "European reassurance force", "unavailable", "available", "share_european_force",
        ">= 0.05 when available",
        (day0("alliance.reassurance_threshold_troops", UNREACHABLE_TROOPS),),
        (day0("alliance.reassurance_threshold_troops", 0.0),),
        level=True,
    ),
    Lever(
        "allies' aid pledges, event on day 30", "none", "+50%", "allied_aid_bn", "+",
        (), (event(30, "allies.*.aid_share_gdp_pct", factor=1.5),),
    ),
    Lever(
        "allies' aid pledges, event on day 30", "none", "+50%", "russian_gains_km2", "-",
        (), (event(30, "allies.*.aid_share_gdp_pct", factor=1.5),),
    ),
    Lever(
        "NATO neutrality on the table", "on", "off", "p_ceasefire_365", "- and still > 0",
        (), (day0("talks.options_on_table.nato", ["path_open", "moratorium"]),),
    ),
    Lever(
        "belligerents.russia.cost_tolerance", "high (x1)", "low (x0.4)", "p_ceasefire_365", "+",
        (), (scaled("belligerents.russia.cost_tolerance", 0.4),),
    ),
    Lever(
        "US aid 22 -> 0 bn/yr, set at day 0 (talks off)", "22", "0", "russian_gains_km2",
        "+ both; the two within their intervals of each other",
        (day0("mediator.aid_bn_per_year", 22.0),), (day0("mediator.aid_bn_per_year", 0.0),),
        TALKS_OFF, pair="us_aid",
    ),
    Lever(
        "US aid 22 -> 0 bn/yr, day-1 event (talks off)", "22", "0", "russian_gains_km2",
        "+ both; the two within their intervals of each other",
        (day0("mediator.aid_bn_per_year", 22.0),),
        (day0("mediator.aid_bn_per_year", 22.0), event(1, "mediator.aid_bn_per_year", value=0.0)),
        TALKS_OFF, pair="us_aid",
    ),
    Lever(
        "Ukraine's materiel, set at day 0 (talks off)", "x1", "x0.5", "russian_gains_km2",
        "+ both; agree",
        (), (scaled("belligerents.ukraine.materiel_bn", 0.5),), TALKS_OFF, pair="materiel",
    ),
    Lever(
        "Ukraine's materiel, day-1 event (talks off)", "x1", "x0.5", "russian_gains_km2",
        "+ both; agree",
        (), (event(1, "belligerents.ukraine.materiel_bn", factor=0.5),), TALKS_OFF,
        pair="materiel",
    ),
    Lever(
        "Russia's defence share, set at day 0 (talks off)", "4%", "7%", "russian_gains_km2",
        "+ both; agree",
        (day0("belligerents.russia.defence_share_pct", 4.0),),
        (day0("belligerents.russia.defence_share_pct", 7.0),),
        TALKS_OFF, pair="defence_share",
    ),
    Lever(
        "Russia's defence share, day-1 event (talks off)", "4%", "7%", "russian_gains_km2",
        "+ both; agree",
        (event(1, "belligerents.russia.defence_share_pct", value=4.0),),
        (event(1, "belligerents.russia.defence_share_pct", value=7.0),),
        TALKS_OFF, pair="defence_share",
    ),
    Lever(
        "talks.interval_days", "3", "28", "p_ceasefire_365", "abs <= 0.05",
        (day0("talks.interval_days", 3),), (day0("talks.interval_days", 28),),
    ),
    Lever(
        "acceptance-noise scale (talks.logit_scale)", "x0.5", "x2", "p_ceasefire_365",
        "abs <= 0.05",
        (scaled("talks.logit_scale", 0.5),), (scaled("talks.logit_scale", 2.0),),
    ),
    # Limited truces: a channel's intensity, each scope on the table, linkage.
    Lever(
        "strikes intensity (Russia's long-range strikes)", "1", "0", "accept_ukraine_energy", "-",
        (), (day0("partial_truces.channels.strikes.intensity", 0.0),),
    ),
    Lever(
        "refineries intensity (Ukraine's refinery strikes)", "1", "0", "accept_russia_energy", "-",
        (), (day0("partial_truces.channels.refineries.intensity", 0.0),),
    ),
    Lever(
        "shipping intensity (Russia's strikes on ports)", "1", "0", "accept_ukraine_maritime", "-",
        (), (day0("partial_truces.channels.shipping.intensity", 0.0),),
    ),
    *(
        Lever(
            f"{scope} scope on the table", "on", "off", f"channel_costs_{side}", expected,
            (), (day0(f"partial_truces.scopes.{scope}.on_table", 0.0),),
        )
        for scope, side, expected in (
            ("energy", "ukraine", "+"),
            ("energy", "russia", "+"),
            ("maritime", "ukraine", "+"),
            ("holiday", "ukraine", "+"),
            ("nuclear", "ukraine", "0 (pauses no channel)"),
            ("humanitarian", "ukraine", "0 (pauses no channel)"),
            ("exchanges", "ukraine", "0 (pauses no channel)"),
        )
    ),
    Lever(
        "partial_truces.linkage", "1", "0", "p_maritime_365", "-",
        (), (day0("partial_truces.linkage", 0.0),),
    ),
    Lever(
        "limited scopes on the table", "all", "none", "p_ceasefire_365", "+",
        (), tuple(day0(f"partial_truces.scopes.{s}.on_table", 0.0) for s in LIMITED_NAMES),
    ),
    Lever(
        "limited scopes on the table", "all", "none", "p_range_365", "+",
        (), tuple(day0(f"partial_truces.scopes.{s}.on_table", 0.0) for s in LIMITED_NAMES),
    ),
    Lever(
        "threat credibility (mediator.threat_credibility)", "0", "0.8", "p_ceasefire_365", "+",
        (day0("mediator.threat_credibility", 0.0),), (day0("mediator.threat_credibility", 0.8),),
    ),
    Lever(
        "threat credibility (mediator.threat_credibility)", "0", "0.8", "threats_executed", "+",
        (day0("mediator.threat_credibility", 0.0),), (day0("mediator.threat_credibility", 0.8),),
    ),
    Lever(
        "threat cost (mediator.threat_cost_days)", "0", "60", "threats_executed", "-",
        (day0("mediator.threat_cost_days", 0.0),), (day0("mediator.threat_cost_days", 60.0),),
    ),
    Lever(
        "threat cost (mediator.threat_cost_days)", "0", "60", "share_walked_away", "+",
        (day0("mediator.threat_cost_days", 0.0),), (day0("mediator.threat_cost_days", 60.0),),
    ),
)  # fmt: skip


# ------------------------------------------------------------------ grading
@dataclass(frozen=True)
class Measure:
    """What a row measured: the effect (or level) with its paired 95% interval.

    Attributes:
        effect: High minus low (or the high arm's level, for a ``level`` row).
        ci_low: Lower end of its 95% interval.
        ci_high: Upper end.
        high: The high arm's level of the metric.
        high_low: Lower end of the high arm's 95% interval.
        high_high: Upper end.
    """

    effect: float
    ci_low: float
    ci_high: float
    high: float = math.nan
    high_low: float = math.nan
    high_high: float = math.nan


def _finite(*values: float) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def _positive(m: Measure) -> bool:
    return _finite(m.ci_low, m.ci_high) and m.ci_low > 0


def _negative(m: Measure) -> bool:
    return _finite(m.ci_low, m.ci_high) and m.ci_high < 0


def _agree(a: Measure, b: Measure) -> bool:
    return (
        _finite(a.effect, b.effect, a.ci_low, a.ci_high, b.ci_low, b.ci_high)
        and b.ci_low <= a.effect <= b.ci_high
        and a.ci_low <= b.effect <= a.ci_high
    )


def _positive_both_agree(m: Measure, partner: Measure | None) -> bool:
    return partner is not None and _positive(m) and _positive(partner) and _agree(m, partner)


#: Expected effect -> rule ``(measure, partner) -> pass``. Every rule fails on a missing
#: (NaN) estimate or interval: an effect that cannot be measured is not shown.
RULES: dict[str, Callable[[Measure, Measure | None], bool]] = {
    # The whole interval above 0.
    "+": lambda m, p: _positive(m),
    # The whole interval below 0.
    "-": lambda m, p: _negative(m),
    # The interval below 0, and the high arm's level still above 0 (its interval too).
    "- and still > 0": lambda m, p: _negative(m) and _finite(m.high_low) and m.high_low > 0,
    # The whole interval inside [-0.05, +0.05].
    "abs <= 0.05": lambda m, p: _finite(m.ci_low, m.ci_high) and -0.05 <= m.ci_low <= m.ci_high <= 0.05,
    # The upper end of the interval at most +0.02 (a rise of at most 2 points is excluded).
    "upper bound <= +0.02": lambda m, p: _finite(m.ci_high) and m.ci_high <= 0.02,
    # The level in the high ("available") arm: the lower end of its interval at least 0.05.
    ">= 0.05 when available": lambda m, p: _finite(m.ci_low) and m.ci_low >= 0.05,
    # Both rows of the pair above 0, and each estimate inside the other's interval.
    "+ both; the two within their intervals of each other": _positive_both_agree,
    "+ both; agree": _positive_both_agree,
    # The whole interval inside 1% of the high arm's level either way (the lever has no path).
    "0 (pauses no channel)": lambda m, p: _finite(m.ci_low, m.ci_high, m.high)
    and max(abs(m.ci_low), abs(m.ci_high)) <= 0.01 * abs(m.high),
}  # fmt: skip


#: Expected effect -> the rule in words (``docs/validation.md``); the same keys as :data:`RULES`.
RULE_TEXT: dict[str, str] = {
    "+": "pass iff the whole 95% interval of the effect is above 0 (ci_low > 0).",
    "-": "pass iff the whole 95% interval of the effect is below 0 (ci_high < 0).",
    "- and still > 0": "pass iff the effect's interval is below 0 (ci_high < 0) and the high "
    "setting's own level is above 0 (the lower end of its 95% interval > 0): the lever lowers "
    "the chance of a ceasefire without closing the way to one.",
    "abs <= 0.05": "pass iff the whole interval lies inside [-0.05, +0.05]: the lever may "
    "move the metric by at most 5 points, and the run must show it.",
    "upper bound <= +0.02": "pass iff the upper end of the interval is at most +0.02: a rise "
    "of more than 2 points is ruled out (a fall passes).",
    ">= 0.05 when available": "graded on the level in the high (available) setting, not on "
    "the difference: pass iff the lower end of the share's 95% interval is at least 0.05.",
    "+ both; the two within their intervals of each other": "the two rows of a pair (the same "
    "lever set at day 0 and as a day-1 event) get one verdict: pass iff both intervals are "
    "above 0 and each estimate lies inside the other's 95% interval.",
    "+ both; agree": "as the row above: both intervals above 0, each estimate inside the "
    "other's interval.",
    "0 (pauses no channel)": "pass iff the whole interval lies within 1% of the high setting's "
    "level either way: the scope pauses no cost channel, so taking it off the table must not "
    "change what the channels cost.",
}


def verdict(expected: str, measure: Measure, partner: Measure | None = None) -> str:
    """``"pass"`` or ``"fail"`` of a measured row under the rule of its expected effect.

    Args:
        expected: The row's expectation, a key of :data:`RULES`.
        measure: The row's effect and interval.
        partner: The other row of a pair (for ``"+ both; ..."``), else None.

    Raises:
        KeyError: If ``expected`` has no rule (a new expectation needs one in :data:`RULES`).
    """
    if expected not in RULES:
        raise KeyError(f"no grading rule for expected effect {expected!r}; add one to RULES")
    return "pass" if RULES[expected](measure, partner) else "fail"


# ------------------------------------------------------------------ running
@dataclass
class LeverAudit:
    """The audit's table and how it was made.

    Attributes:
        table: One row per lever row, the columns of :data:`COLUMNS` (plus ``low_level``,
            ``high_level``: the metric in each arm).
        worlds: Worlds per arm.
        seed: Seed of every arm and of the bootstrap.
        days: Horizon of every run.
        runs: Distinct runs made (arms shared between rows run once).
    """

    table: pd.DataFrame
    worlds: int
    seed: int
    days: int
    runs: int = 0
    rows: tuple[Lever, ...] = field(default=(), repr=False)

    @property
    def passed(self) -> int:
        """Rows that pass."""
        return int((self.table["verdict"] == "pass").sum())

    def write_csv(self, path: str | Path) -> Path:
        """Write ``levers.csv`` (the columns of :data:`COLUMNS`)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.table.loc[:, list(COLUMNS)].to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
        return path


def _events_override(scenario: Scenario, settings: Sequence[Setting]) -> list[dict[str, Any]]:
    events = [e.model_dump(mode="json", exclude_none=True) for e in scenario.events]
    for s in settings:
        date = scenario.start_date + dt.timedelta(days=s.day)
        verb, number = ("set", s.value) if s.factor is None else ("scale", s.factor)
        events.append(
            {
                "date": date.isoformat(),
                "note": f"lever audit: {s.path} {verb} {number} on day {s.day}",
                verb: {s.path: float(number)},
                "assumption": "a setting of the lever audit",
            }
        )
    return events


def arm_scenario(
    path: str | Path, settings: Sequence[Setting], worlds: int, seed: int
) -> tuple[Scenario, dict[str, float | np.ndarray]]:
    """The scenario of one arm and the per-world values its scaled settings give.

    Values set at day 0 go through ``load_scenario`` overrides (as ``--set``); dated settings
    are appended to the scenario's ``events:``; scaled day-0 settings become per-world values
    (each world's own value times the factor) passed to ``simulate(overrides=...)``.

    Raises:
        ScenarioError: If a setting names no parameter of the scenario or gives a bad value.
    """
    base = load_scenario(path)
    overrides: dict[str, Any] = {
        s.path: s.value for s in settings if s.day == 0 and s.factor is None
    }
    dated = [s for s in settings if s.day > 0]
    if dated:
        overrides["events"] = _events_override(base, dated)
    scenario = load_scenario(path, overrides) if overrides else base
    numeric: dict[str, float | np.ndarray] = {}
    factors = [s for s in settings if s.day == 0 and s.factor is not None]
    if factors:
        from ceasefire_sim.model.store import ParamStore

        store = ParamStore(scenario, worlds, seed)
        for s in factors:
            for target in store.expand(s.path):
                numeric[target] = np.asarray(store[target], dtype=float) * s.factor
    return scenario, numeric


def run_arm(
    path: str | Path, settings: Sequence[Setting], worlds: int, seed: int, days: int | None
) -> pd.DataFrame:
    """Run one arm: the scenario with ``settings`` applied (:func:`arm_scenario`).

    Returns:
        Its outcomes (one row per world).

    Raises:
        ScenarioError: If a setting names no parameter of the scenario or gives a bad value.
    """
    scenario, numeric = arm_scenario(path, settings, worlds, seed)
    return simulate(scenario, worlds=worlds, seed=seed, days=days, overrides=numeric or None,
                    narrative_worlds=0).outcomes  # fmt: skip


def _z() -> float:
    return float(stats.norm.ppf(0.5 + CONFIDENCE / 2))


def _mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    n = len(values)
    mean = float(values.mean())
    half = _z() * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    return mean, mean - half, mean + half


def _ratio(num: np.ndarray, den: np.ndarray) -> float:
    total = float(den.sum())
    return float(num.sum()) / total if total > 0 else math.nan


def _bootstrap_weights(n: int, seed: int, resamples: int) -> np.ndarray:
    """``(resamples, n)`` counts of each world in each resample (worlds drawn with replacement)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1E7E5]))
    return rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(float)


def _percentiles(draws: np.ndarray) -> tuple[float, float]:
    draws = draws[np.isfinite(draws)]
    if len(draws) < 0.9 * RESAMPLES:  # undefined in many resamples: no interval
        return math.nan, math.nan
    tail = 50 * (1 - CONFIDENCE)
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)


def measure(
    metric: Metric,
    low: pd.DataFrame,
    high: pd.DataFrame,
    days: int,
    *,
    level: bool = False,
    weights: np.ndarray | None = None,
) -> Measure:
    """The paired effect of a lever on a metric (or the high arm's level).

    Args:
        metric: The metric.
        low: Outcomes of the low arm.
        high: Outcomes of the high arm, the same worlds in the same order.
        days: Horizon of both runs.
        level: Report the high arm's level instead of the difference.
        weights: ``(B, N)`` bootstrap counts for ``ratio`` metrics (drawn if None).

    Returns:
        The :class:`Measure`.
    """
    if len(low) != len(high):
        raise ScenarioError(f"paired arms need the same worlds, got {len(low)} and {len(high)}")
    if metric.kind == "mean":
        a, b = metric.values(low, days), metric.values(high, days)
        high_stats = _mean_interval(b)
        diff = high_stats if level else _mean_interval(b - a)
        return Measure(*diff, *high_stats)
    (na, da), (nb, db) = metric.values(low, days), metric.values(high, days)
    w = weights if weights is not None else _bootstrap_weights(len(low), DEFAULT_SEED, RESAMPLES)
    with np.errstate(invalid="ignore", divide="ignore"):
        boot_b = (w @ nb) / (w @ db)
        boot_a = (w @ na) / (w @ da)
    est_b = _ratio(nb, db)
    high_stats = (est_b, *_percentiles(boot_b))
    if level:
        return Measure(*high_stats, *high_stats)
    return Measure(est_b - _ratio(na, da), *_percentiles(boot_b - boot_a), *high_stats)


def _key(settings: Sequence[Setting]) -> tuple:
    return tuple(sorted((s.path, repr(s.value), repr(s.factor), s.day) for s in settings))


def select(rows: Sequence[Lever], wanted: Sequence[str]) -> tuple[Lever, ...]:
    """The rows whose number (1-based) or lever name (case-insensitive substring) is in ``wanted``.

    A row graded as a pair brings its partner. Rows keep the table's order.

    Raises:
        ValueError: If a wanted entry matches no row.
    """
    if not wanted:
        return tuple(rows)
    chosen: list[Lever] = []
    for text in wanted:
        hits = (
            [rows[int(text) - 1]]
            if text.isdigit() and 1 <= int(text) <= len(rows)
            else [r for r in rows if text.lower() in r.lever.lower()]
        )
        if not hits:
            raise ValueError(
                f"{text!r} matches no lever row; give a number 1-{len(rows)} or part of a "
                "lever's name"
            )
        chosen += [r for r in hits if r not in chosen]
    # A row graded as a pair comes with its partner.
    pairs = {r.pair for r in chosen if r.pair}
    return tuple(r for r in rows if r in chosen or (r.pair and r.pair in pairs))


def run_levers(
    path: str | Path,
    worlds: int = DEFAULT_WORLDS,
    seed: int = DEFAULT_SEED,
    *,
    days: int | None = None,
    rows: Sequence[Lever] = LEVERS,
    progress: Callable[[str], None] | None = None,
) -> LeverAudit:
    """Run the audit: every row's two arms (each distinct arm once) and their graded comparison.

    Args:
        path: The scenario file, or the name of a scenario of the library.
        worlds: Worlds per arm.
        seed: Seed of every arm (common random numbers) and of the bootstrap.
        days: Horizon (default: the scenario's).
        rows: The rows to run (default: all of :data:`LEVERS`).
        progress: Called with a short message per run.

    Returns:
        The :class:`LeverAudit`.

    Raises:
        ScenarioError: If the scenario cannot be loaded or a row's setting does not apply to it.
    """
    scenario = load_scenario(path)
    horizon = int(days if days is not None else scenario.horizon_days)
    say = progress or (lambda message: None)
    outcomes: dict[tuple, pd.DataFrame] = {}

    def arm(settings: tuple[Setting, ...]) -> pd.DataFrame:
        key = _key(settings)
        if key not in outcomes:
            say(
                f"run {len(outcomes) + 1}: "
                + (", ".join(_describe(s) for s in settings) or "as is")
            )
            outcomes[key] = run_arm(path, settings, worlds, seed, horizon)
        return outcomes[key]

    weights = _bootstrap_weights(worlds, seed, RESAMPLES)
    measures = [
        measure(
            METRICS[r.metric], arm(r.arm("low")), arm(r.arm("high")), horizon,
            level=r.level, weights=weights,
        )
        for r in rows
    ]  # fmt: skip
    records = []
    for i, (r, m) in enumerate(zip(rows, measures, strict=True)):
        partner = next(
            (measures[j] for j, o in enumerate(rows) if j != i and r.pair and o.pair == r.pair),
            None,
        )
        records.append(
            {
                "lever": r.lever,
                "low": r.low,
                "high": r.high,
                "metric": METRICS[r.metric].label,
                "effect": m.effect,
                "ci_low": m.ci_low,
                "ci_high": m.ci_high,
                "expected": r.expected,
                "verdict": verdict(r.expected, m, partner),
                "short": METRICS[r.metric].short or METRICS[r.metric].label,
                "level": r.level,
                "high_level": m.high,
            }
        )
    table = pd.DataFrame(records)
    return LeverAudit(table, worlds, seed, horizon, runs=len(outcomes), rows=tuple(rows))


def _describe(s: Setting) -> str:
    what = f"{s.path}={s.value}" if s.factor is None else f"{s.path} x{s.factor}"
    return what if s.day == 0 else f"{what} on day {s.day}"


def describe_setting(s: Setting) -> str:
    """A setting in words, saying how it is applied (before day 0, or as a dated event)."""
    if isinstance(s.value, bool | str) or s.value is None:
        value = str(s.value).lower() if isinstance(s.value, bool) else s.value
    elif isinstance(s.value, int | float):
        value = f"{s.value:g}"
    else:
        value = "[" + ", ".join(map(str, s.value)) + "]"
    what = f"`{s.path}` = {value}" if s.factor is None else f"`{s.path}` x {s.factor:g}"
    if s.day == 0:
        how = "per world, before day 0" if s.factor is not None else "before day 0 (`--set`)"
        return f"{what}, {how}"
    return f"{what}, an event of `events:` on day {s.day}"


def describe_arm(settings: Sequence[Setting]) -> str:
    """An arm's settings in words (``the scenario as it is`` if none)."""
    return "; ".join(describe_setting(s) for s in settings) or "the scenario as it is"


def format_number(value: float) -> str:
    """A table cell: whole numbers from 100, one decimal from 1, else three; ``n/a`` for NaN."""
    if not _finite(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 1 else f"{value:.3f}"


__all__ = [
    "COLUMNS",
    "LEVERS",
    "METRICS",
    "RULES",
    "RULE_TEXT",
    "Lever",
    "LeverAudit",
    "Measure",
    "Metric",
    "Setting",
    "arm_scenario",
    "day0",
    "describe_arm",
    "event",
    "measure",
    "run_levers",
    "scaled",
    "select",
    "verdict",
]
