"""History: the war's own ceasefires before 2025, replicated with the baseline's behaviour.

Each case of ``scenarios/history/`` extends the baseline and changes only the documented state
of its date (territory, forces, economies, war costs so far, the mediator and its leverage, what
was on the table, the sides' stated positions, dated events; ``tests/test_history_cases.py``
holds the list). The behavioural parameters are the baseline's, calibrated once on 13 March
2025. Every case is run with the same seed and its figures are compared with a band taken from
the record (``docs/validation.md``, section History). The rows are yardsticks: reported and
counted, never failing ``make validate``.

| case | band |
|---|---|
| Minsk I | P(agreement within 14 days) >= 0.5; median time to collapse in [60, 240] days |
| Minsk II | P(still in force, with daily violations, at day 365) >= 0.5; front change over the year <= 10% of the pre-truce rate |
| Donbas recommitments | median low-violence duration in [7, 30] days; P(<= 3 days) >= 0.1; P(>= 60 days) >= 0.1 |
| Black Sea Grain Initiative | P(agreement within 60 days) >= 0.5; median duration in [180, 720] days; flows fall before an end in at least half the worlds where it ends |
| Istanbul talks | P(general agreement within 90 days) <= 0.25, both sides expecting gains in >= 70% of worlds |
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ceasefire_sim.data import donbas_truces
from ceasefire_sim.model.lifetime import release
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.scenario.loader import load_scenario
from ceasefire_sim.scenario.schema import Scenario
from ceasefire_sim.survival import km_median
from ceasefire_sim.validation import ROOT, Check

SECTION = "history"
#: The folder of the history cases (the clone's, else the packaged copy).
CASES_DIR = ROOT / "scenarios" / "history"
if not CASES_DIR.is_dir():
    CASES_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "history"
#: Worlds per case (a case run from several starts splits them between the starts).
WORLDS = 4000
#: A fall of seaborne exports that counts: the last quarter's mean at least 10% below the
#: three quarters' before (the daily noise of the shipping channel alone rarely does it).
FLOW_FALL = 0.10
#: The limited scope of the Black Sea Grain Initiative.
GRAIN_SCOPE = "maritime"
#: The last start of donbas_truces.csv that is not a recommitment (Minsk II came into force).
MINSK_II_START = dt.date(2015, 2, 15)


@dataclass
class CaseRun:
    """What a case's run leaves, per world (arrays of shape ``(N,)``).

    Attributes:
        days: The horizon, days.
        first_day: Day of the first ceasefire (NaN: none).
        duration_days: Days the first ceasefire lasted (to the horizon if it still holds).
        ended: Whether the first ceasefire ended (broke down or expired unrenewed).
        calm_days: Days the first ceasefire's low violence lasted (to its lapse or end; to the
            horizon if it is still calm).
        calm_ended: Whether that low violence ended (the agreement lapsed or ended).
        holding: Whether a ceasefire is in force at the horizon.
        breakdowns: Ceasefires that ended.
        violations_per_day: Violations per ceasefire day (NaN: no ceasefire day).
        control_change_km2: Change of the area held by Russia over the run.
        belief_ukraine: Ukraine's believed drift on the first talks day (km²/day).
        belief_russia: Russia's believed drift on the first talks day (km²/day).
        limited_first_day: Day the first limited truce of the run's ``scope`` began (NaN: none
            or no such scope in the model).
        limited_duration_days: Days that truce lasted (to the horizon if it still holds).
        limited_ended: Whether it ended.
        limited_flows_fell: Whether, where it ended, seaborne exports in the last quarter of its
            life were at least :data:`FLOW_FALL` below those of the three quarters before.
    """

    days: int
    first_day: np.ndarray
    duration_days: np.ndarray
    ended: np.ndarray
    calm_days: np.ndarray
    calm_ended: np.ndarray
    holding: np.ndarray
    breakdowns: np.ndarray
    violations_per_day: np.ndarray
    control_change_km2: np.ndarray
    belief_ukraine: np.ndarray
    belief_russia: np.ndarray
    limited_first_day: np.ndarray
    limited_duration_days: np.ndarray
    limited_ended: np.ndarray
    limited_flows_fell: np.ndarray

    @property
    def agreed(self) -> np.ndarray:
        """``(N,)`` whether the world had a ceasefire."""
        return ~np.isnan(self.first_day)

    @classmethod
    def concat(cls, runs: list[CaseRun]) -> CaseRun:
        """The worlds of several runs of one case (one per start) as one run."""
        fields = [f for f in cls.__dataclass_fields__ if f != "days"]
        return cls(
            days=min(r.days for r in runs),
            **{f: np.concatenate([getattr(r, f) for r in runs]) for f in fields},
        )


def _limited_scope(model: CeasefireModel, scope: str | None) -> int | None:
    """Column of ``scope`` among the model's limited truces (None if it has none)."""
    limited = getattr(model, "limited", None)
    if scope is None or limited is None or not hasattr(model, "channels"):
        return None
    from ceasefire_sim.negotiation.scopes import LIMITED_NAMES

    return LIMITED_NAMES.index(scope) if scope in LIMITED_NAMES else None


def _flows_fell(exports: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``(N,)`` whether exports in the last quarter of each truce's life fell by FLOW_FALL.

    Args:
        exports: ``(days + 1, N)`` seaborne exports per day (Mt/month rate).
        start: ``(N,)`` day the truce began (NaN: none).
        end: ``(N,)`` day it ended (NaN: it did not).
    """
    fell = np.zeros(exports.shape[1], dtype=bool)
    for w in np.flatnonzero(~np.isnan(start) & ~np.isnan(end)):
        s, e = int(start[w]), int(end[w])
        cut = e - max((e - s) // 4, 1)
        if cut <= s:
            continue
        before, last = exports[s:cut, w].mean(), exports[cut:e, w].mean()
        fell[w] = last <= (1.0 - FLOW_FALL) * before
    return fell


def run_case(scenario: Scenario, worlds: int, seed: int, scope: str | None = None) -> CaseRun:
    """Run a case and keep what its band reads.

    Args:
        scenario: The case (validated).
        worlds: Number of worlds.
        seed: Seed of the run.
        scope: A limited scope whose first truce and seaborne exports to follow (``maritime``),
            if the model has limited truces.
    """
    model = CeasefireModel(scenario, worlds=worlds, seed=seed, narrative_worlds=0)
    try:
        return _run(model, scope)
    finally:
        release(model)


def _run(model: CeasefireModel, scope: str | None) -> CaseRun:
    """Step ``model`` to its horizon and read what the bands need."""
    worlds = model.worlds
    first_talks = round(float(np.max(model.params["talks.first_day"])))
    k = _limited_scope(model, scope)
    exports = np.zeros((model.days + 1, worlds), dtype=np.float32) if k is not None else None
    limited_end = np.full(worlds, np.nan)
    beliefs = None
    while model.running and model.day < model.days:
        was = model.limited.in_force[:, k].copy() if k is not None else None
        model.step()
        if model.day == max(first_talks, 1):
            beliefs = (model.ukraine.belief_mean.copy(), model.russia.belief_mean.copy())
        if k is not None:
            exports[model.day] = model.channels.exports_mt_per_month
            ended = was & ~model.limited.in_force[:, k] & np.isnan(limited_end)
            limited_end[ended] = model.day
    if beliefs is None:
        beliefs = (model.ukraine.belief_mean.copy(), model.russia.belief_mean.copy())
    start, end = model.first_ceasefire_day, model.first_ceasefire_end_day
    duration = np.where(np.isnan(end), model.day - start, end - start)
    calm_end = model.first_calm_end_day
    calm_days = np.where(np.isnan(calm_end), model.day - start, calm_end - start)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_day = np.where(
            model.ceasefire_days > 0, model.violations_total / model.ceasefire_days, np.nan
        )
    if k is not None:
        limited_start = model.limited.first_day[:, k].copy()
        limited_duration = np.where(
            np.isnan(limited_end), model.day - limited_start, limited_end - limited_start
        )
        fell = _flows_fell(exports, limited_start, limited_end)
    else:
        limited_start = limited_duration = np.full(worlds, np.nan)
        fell = np.zeros(worlds, dtype=bool)
    return CaseRun(
        days=model.day,
        first_day=start.copy(),
        duration_days=duration,
        ended=~np.isnan(end),
        calm_days=calm_days,
        calm_ended=~np.isnan(calm_end),
        holding=model.in_ceasefire.copy(),
        breakdowns=model.breakdowns.copy(),
        violations_per_day=per_day,
        control_change_km2=model.control_km2 - model.initial_control_km2,
        belief_ukraine=beliefs[0],
        belief_russia=beliefs[1],
        limited_first_day=limited_start,
        limited_duration_days=limited_duration,
        limited_ended=~np.isnan(limited_end),
        limited_flows_fell=fell,
    )


@dataclass(frozen=True)
class CaseResult:
    """One case's row: the model's figures against the band.

    Attributes:
        case: The case's name (``"Minsk I"``).
        file: The case file, relative to the repository.
        band: The band, in words.
        model: The model's figures, in words.
        passed: Whether every figure is in its band.
        note: Why a case fails for want of a mechanism, or how a figure was read.
        figures: The numbers behind ``model`` (for the figure and tests).
    """

    case: str
    file: str
    band: str
    model: str
    passed: bool
    note: str = ""
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """``"pass"`` or ``"fail"``."""
        return "pass" if self.passed else "fail"


def _km_median(run: CaseRun, calm: bool = False) -> float:
    """Kaplan-Meier median of the first ceasefire's duration (inf if more than half hold).

    Args:
        run: The case's run.
        calm: Read the duration of its low violence (to a lapse) instead of the agreement's.
    """
    agreed = run.agreed
    if not agreed.any():
        return np.nan
    days, ended = (run.calm_days, run.calm_ended) if calm else (run.duration_days, run.ended)
    median = km_median(days[agreed], ended[agreed])
    return float(median) if np.isfinite(median) else np.inf


def _days(value: float) -> str:
    if np.isnan(value):
        return "n/a (no ceasefire)"
    return "beyond the horizon" if np.isinf(value) else f"{value:.0f} days"


def minsk_1(run: CaseRun) -> tuple[str, bool, dict[str, float]]:
    """Minsk I: agreement within 14 days, then a collapse within months."""
    p14 = float(np.mean(run.first_day <= 14))
    median = _km_median(run)
    passed = p14 >= 0.5 and 60 <= median <= 240
    text = f"P(agreement within 14 days) {p14:.2f}; median time to collapse {_days(median)}"
    return text, passed, {"p_agree_14": p14, "median_collapse_days": median}


def minsk_2(run: CaseRun, no_talks: CaseRun) -> tuple[str, bool, dict[str, float]]:
    """Minsk II: in force and violated at day 365; the front all but frozen.

    The pre-truce rate is the same worlds' change over the year with no talks (same seed).
    """
    in_force = run.agreed & ~run.ended & run.holding
    violated = np.nan_to_num(run.violations_per_day) >= 1.0
    p_held = float(np.mean(in_force & violated))
    moved = float(np.median(np.abs(run.control_change_km2)))
    before = float(np.median(np.abs(no_talks.control_change_km2)))
    ratio = moved / before if before > 0 else np.inf
    passed = p_held >= 0.5 and ratio <= 0.10
    text = (
        f"P(in force, violated daily, at day {run.days}) {p_held:.2f}; front change "
        f"{moved:,.0f} km² vs {before:,.0f} km² with no talks ({ratio:.0%})"
    )
    return text, passed, {"p_in_force": p_held, "front_ratio": ratio}


def recommitments(run: CaseRun, starts: int) -> tuple[str, bool, dict[str, float]]:
    """The recommitment truces: durations of low violence pooled over the dated starts.

    Low violence ends when the truce lapses (its agreement stays in force, violated) or ends.
    """
    agreed = run.agreed
    duration, ended = run.calm_days[agreed], run.calm_ended[agreed]
    median = _km_median(run, calm=True)
    short = float(np.mean(ended & (duration <= 3))) if agreed.any() else np.nan
    long = float(np.mean(duration >= 60)) if agreed.any() else np.nan
    p_agree = float(np.mean(agreed))
    passed = bool(agreed.any()) and 7 <= median <= 30 and short >= 0.1 and long >= 0.1
    text = (
        f"median duration {_days(median)}; P(<= 3 days) {short:.2f}; P(>= 60 days) {long:.2f} "
        f"(truces agreed in {p_agree:.0%} of worlds, {starts} starts)"
    )
    return text, passed, {"median_days": median, "p_3": short, "p_60": long, "p_agree": p_agree}


def grain(run: CaseRun, has_scope: bool) -> tuple[str, bool, dict[str, float], str]:
    """The Black Sea Grain Initiative: a limited shipping arrangement during the fighting.

    Args:
        run: The case's run, following the maritime scope.
        has_scope: Whether the model has limited truces with a maritime scope.
    """
    if not has_scope:
        p60 = float(np.mean(run.first_day <= 60))
        median = _km_median(run)
        note = (
            "the model has no limited arrangement by scope (a shipping deal that pauses one cost "
            "channel while the front stays active), so the case can only run as a general "
            "ceasefire, which the initiative was not, and there are no shipping flows to fall "
            "before an end"
        )
        text = (
            f"general ceasefire in its place: P(agreement within 60 days) {p60:.2f}; median "
            f"duration {_days(median)}; flows: none in the model"
        )
        figures = {
            "p_agree_60": p60,
            "median_days": median,
            "p_flows_fall": np.nan,
            "has_scope": 0.0,
        }
        return text, False, figures, note
    start = run.limited_first_day
    agreed = ~np.isnan(start)
    p60 = float(np.mean(start <= 60))
    median = np.nan
    if agreed.any():
        median = km_median(run.limited_duration_days[agreed], run.limited_ended[agreed])
        median = float(median) if np.isfinite(median) else np.inf
    ended = agreed & run.limited_ended
    falls = float(np.mean(run.limited_flows_fell[ended])) if ended.any() else np.nan
    passed = p60 >= 0.5 and 180 <= median <= 720 and bool(ended.any()) and falls >= 0.5
    text = (
        f"P(maritime arrangement within 60 days) {p60:.2f}; median duration {_days(median)}; "
        f"flows fell before the end in {_share(falls)} of the {int(ended.sum()):,} worlds where "
        "it ended"
    )
    note = (
        f"a fall: seaborne exports in the last quarter of the arrangement's life at least "
        f"{FLOW_FALL:.0%} below the three quarters before"
    )
    figures = {"p_agree_60": p60, "median_days": median, "p_flows_fall": falls, "has_scope": 1.0}
    return text, passed, figures, note


def _share(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.0%}"


def istanbul(run: CaseRun) -> tuple[str, bool, dict[str, float]]:
    """Istanbul: no general agreement within 90 days, both sides expecting gains."""
    p90 = float(np.mean(run.first_day <= 90))
    both = float(np.mean((run.belief_russia > 0) & (run.belief_ukraine < 0)))
    passed = p90 <= 0.25 and both >= 0.7
    text = (
        f"P(general agreement within 90 days) {p90:.2f}; both sides expect gains on the first "
        f"talks day in {both:.0%} of worlds (Russia {np.mean(run.belief_russia > 0):.0%}, "
        f"Ukraine {np.mean(run.belief_ukraine < 0):.0%})"
    )
    return text, passed, {"p_agree_90": p90, "both_expect_gains": both}


#: Case -> (file, band).
CASES: dict[str, tuple[str, str]] = {
    "Minsk I": (
        "minsk_1_2014-08-29.yaml",
        "P(agreement within 14 days) >= 0.5; median time to collapse in [60, 240] days "
        "(documented 138)",
    ),
    "Minsk II": (
        "minsk_2_2015-02-01.yaml",
        "P(still in force, with daily violations, at day 365) >= 0.5; front change over the "
        "year <= 10% of the pre-truce rate",
    ),
    "Donbas recommitment truces 2015-2020": (
        "donbas_recommitments_2015-2020.yaml",
        "median duration of low violence in [7, 30] days; P(<= 3 days) >= 0.1; "
        "P(>= 60 days) >= 0.1",
    ),
    "Black Sea Grain Initiative": (
        "black_sea_grain_2022-07-01.yaml",
        "P(agreement within 60 days) >= 0.5; median duration in [180, 720] days; flows fall in "
        "the last quarter before an end in at least half the worlds where it ends",
    ),
    "Istanbul talks": (
        "istanbul_2022-03-29.yaml",
        "P(general agreement within 90 days) <= 0.25, with both sides expecting battlefield "
        "gains in at least 70% of worlds",
    ),
}


#: Case -> the band of each figure: ``(figure key, label, low, high, unit)``; unit ``share``
#: (a probability or ratio) or ``days``; ``None`` is an open end.
BANDS: dict[str, tuple[tuple[str, str, float | None, float | None, str], ...]] = {
    "Minsk I": (
        ("p_agree_14", "P(agreement within 14 days)", 0.5, None, "share"),
        ("median_collapse_days", "median time to collapse", 60, 240, "days"),
    ),
    "Minsk II": (
        ("p_in_force", "P(in force, violated daily, at day 365)", 0.5, None, "share"),
        ("front_ratio", "front change / pre-truce change", None, 0.10, "share"),
    ),
    "Donbas recommitment truces 2015-2020": (
        ("median_days", "median low-violence duration", 7, 30, "days"),
        ("p_3", "P(<= 3 days)", 0.1, None, "share"),
        ("p_60", "P(>= 60 days)", 0.1, None, "share"),
    ),
    "Black Sea Grain Initiative": (
        ("p_agree_60", "P(agreement within 60 days)", 0.5, None, "share"),
        ("median_days", "median duration", 180, 720, "days"),
        ("p_flows_fall", "P(flows fall before an end)", 0.5, None, "share"),
    ),
    "Istanbul talks": (
        ("p_agree_90", "P(general agreement within 90 days)", None, 0.25, "share"),
        ("both_expect_gains", "both sides expect gains", 0.7, None, "share"),
    ),
}


@dataclass(frozen=True)
class Hazard:
    """The baseline's breakdown hazard before regret, pressure and violations.

    ``S(t) = exp(-h0 * HR * t**k)``: ``k = 1`` is a constant hazard, ``k < 1`` one that falls with
    time (``truce.hazard_shape`` where the model has it).
    """

    h0: float
    shape: float
    hr_indefinite: float

    @classmethod
    def of(cls, scenario: Scenario) -> Hazard:
        """The hazard of a scenario's ``truce`` section (fixed values; the mean of a range)."""
        truce = scenario.truce
        shape = getattr(truce, "hazard_shape", None)
        return cls(
            h0=_mean(truce.base_hazard_per_day),
            shape=1.0 if shape is None else _mean(shape),
            hr_indefinite=_mean(truce.hazard_ratio_type["indefinite"]),
        )

    def survival(self, days: float, ratio: float = 1.0) -> float:
        """Share of truces with hazard ratio ``ratio`` still holding after ``days``."""
        return float(np.exp(-self.h0 * ratio * days**self.shape))

    def median(self, ratio: float = 1.0) -> float:
        """Median duration, days, of a truce with hazard ratio ``ratio``."""
        return float((np.log(2.0) / (self.h0 * ratio)) ** (1.0 / self.shape))

    def words(self) -> str:
        """The hazard and what it implies, for the report."""
        kind = (
            "constant (nothing makes a ceasefire that has lasted safer than a new one)"
            if self.shape == 1.0
            else f"falling with time (`truce.hazard_shape` {self.shape:g})"
        )
        ind = self.hr_indefinite
        return (
            f"the baseline's breakdown hazard (`truce.base_hazard_per_day` {self.h0:g}) is {kind}: "
            f"before regret, pressure and violations it gives a bare truce a median of "
            f"{self.median():.0f} days and an indefinite ceasefire without guarantees (hazard "
            f"ratio {ind:g}) {self.median(ind):.0f} days, {self.survival(365, ind):.1%} of which "
            "hold a year"
        )


def _mean(param: Any) -> float:
    if param.dist is None:
        return float(param.value)
    low, high = param.support()
    return float((low + high) / 2)


def _direction(row: dict[str, Any]) -> str:
    low, value = row["low"], row["value"]
    return "below" if low is not None and value < low else "above"


def _reason(row: dict[str, Any], hazard: Hazard, baseline: Scenario) -> str:
    """Why a figure falls outside its band: the mechanism the model lacks or the input deciding it."""
    case, key, value = row["case"], row["key"], row["value"]
    where = f"{_direction(row)} its band"
    prior_ru = _mean(baseline.belligerents["russia"].belief.prior_mean_km2_per_day)
    prior_ua = _mean(baseline.belligerents["ukraine"].belief.prior_mean_km2_per_day)
    if case == "Minsk I" and key == "p_agree_14":
        drift, ru, _ = _day0_beliefs(case)
        return (
            f"{value:.2f}, {where}: each side starts from its baseline prior shifted by the "
            "change of drift its day-0 forces imply, read with the gain scale of the trend "
            f"observed in the reference state (the forces of August 2014 give {drift:.1f} "
            "km²/day in truth; Russia keeps the baseline's optimism of "
            f"{prior_ru - _observed_drift(baseline):.1f} km²/day over the observed trend and "
            f"starts at {ru:.1f}), so in most worlds the ground Russia "
            "expects to take over its planning horizon outweighs what a bare freeze gives it in "
            "the first two rounds (days 5 and 12), the more so as it values the freeze at the "
            "share of the horizon the baseline's hazard lets a bare indefinite ceasefire hold "
            "(a median of about 90 days) less the breakdown cost"
        )
    if key in ("median_collapse_days", "median_days", "p_in_force", "p_3", "p_60"):
        if case == "Black Sea Grain Initiative":
            return _grain_reason(row, hazard, baseline)
        lead = f"{_show(value, key)}, {where}: {hazard.words()}"
        if key == "p_3" and value < row["low"]:
            return (
                f"{lead}; the model has no truce that never takes hold (the August 2017 school "
                "truce lasted 2 days)"
            )
        if key == "p_in_force":
            return (
                f"{lead}; a lapse of low violence leaves the agreement in force, violated, but "
                "the agreement itself still breaks down at that hazard, while Minsk II's line "
                "held for seven years; "
                "besides, only about 60% of worlds agree within the year (about a quarter by "
                "day 12: both sides value the bare freeze at the share of their horizon that "
                "hazard lets it hold, less the breakdown cost), and in the worlds in a ceasefire "
                "Ukraine's regret grows as its forces rebuild faster than Russia's during the "
                "pause (about half of them by day 360)"
            )
        if case == "Donbas recommitment truces 2015-2020" and key == "median_days":
            return (
                f"{lead}; the sides take the open-ended recommitment (`indefinite`) in nearly all "
                "worlds that agree, so the calm lasts as long as the model's indefinite "
                "ceasefires do, while the record's two weeks is the bare truce's median: the "
                "model has no distinction between the end of low violence and the end of the "
                "agreement it was a recommitment to"
            )
        return f"{lead}, where the record lies inside the band"
    if case == "Minsk II" and key == "front_ratio":
        return (
            f"{value:.0%}, {where}: the worlds whose ceasefire breaks down fight on at the "
            "pre-truce rate for the rest of the year"
        )
    if case == "Black Sea Grain Initiative":
        return _grain_reason(row, hazard, baseline)
    if case == "Istanbul talks" and key == "both_expect_gains":
        drift, ru, ua = _day0_beliefs(case)
        return (
            f"{value:.0%}, {where}: the forces of late March 2022 imply a drift of {drift:.1f} "
            f"km²/day, from which Russia starts at {ru:.1f} and Ukraine at {ua:.1f} km²/day "
            f"(the baseline's priors, {prior_ru:g} and {prior_ua:g}, shifted by the change of "
            "drift against the reference state, read with the gain scale of the trend observed "
            "there); five days of fighting move the beliefs towards "
            "the drift of the day; the model's front has no manoeuvre phase like the Russian "
            "withdrawal from the north in the week after the start (about 30,000 km² by "
            "liveuamap)"
        )
    if case == "Istanbul talks" and key == "p_agree_90":
        return (
            f"{value:.2f}, {where}: some package on the table is worth more to both sides than "
            "fighting on in their views of the front"
        )
    return f"{_show(value, key)}, {where}"


def _observed_drift(baseline: Scenario) -> float:
    """The trend both sides observed in the reference state (km²/day)."""
    return _mean(baseline.front.reference.observed_gain_km2_per_month) / (365.25 / 12)


def _day0_beliefs(case: str, worlds: int = 256) -> tuple[float, float, float]:
    """Mean day-0 drift and Russia's and Ukraine's day-0 beliefs in ``case`` (km²/day)."""
    model = CeasefireModel(
        load_scenario(CASES_DIR / CASES[case][0]), worlds=worlds, seed=1, narrative_worlds=0
    )
    try:
        return (
            float(np.mean(model.true_drift_km2_per_day)),
            float(np.mean(model.russia.belief_mean)),
            float(np.mean(model.ukraine.belief_mean)),
        )
    finally:
        release(model)


def _grain_reason(row: dict[str, Any], hazard: Hazard, baseline: Scenario) -> str:
    key, value, where = row["key"], row["value"], f"{_direction(row)} its band"
    if not row.get("has_scope", False):
        return (
            "the model has no limited arrangement by scope (a shipping deal that pauses one cost "
            "channel while the front stays active): the case can only offer a general ceasefire, "
            "which the initiative was not, and has no shipping flows"
        )
    maritime = _mean(baseline.partial_truces.scopes.maritime.hazard_ratio)
    ratio = hazard.hr_indefinite * maritime
    drift = _mean(baseline.partial_truces.worth_drift_sd)
    if key == "p_flows_fall":
        return (
            f"{_show(value, key)}, {where}: a side erodes what its paused channels let through "
            "as it comes to regret what it gives up (the random walk of its worth, "
            f"`partial_truces.worth_drift_sd` {drift:g} a day), but an arrangement that ends at "
            "the hazard alone, before any regret, ends at full flow: before regret the "
            "baseline's hazard ends "
            f"{1 - hazard.survival(365, ratio):.0%} of open-ended maritime arrangements within a "
            "year"
        )
    if key == "median_days":
        return (
            f"{_show(value, key)}, {where}: a limited truce has the general ceasefire's hazard "
            f"({hazard.words()}); an open-ended maritime arrangement (hazard ratio "
            f"{hazard.hr_indefinite:g} x {maritime:g}) has a median of "
            f"{_days(hazard.median(ratio))} before regret, and "
            f"{hazard.survival(365, ratio):.0%} of them hold a year; its ends come from the "
            "regret of the side that gives something up (`partial_truces.worth_drift_sd` "
            f"{drift:g} a day), which raises the hazard by `exp(truce.dissatisfaction_beta * d)`"
        )
    return (
        f"{_show(value, key)}, {where}: the mediator offers the maritime arrangement in every "
        "world and Ukraine accepts it, but Russia refuses it in most: what the strikes on ports "
        "are worth to it (`partial_truces.channels.shipping.attacker_value_per_day`, valued for "
        "2025) outweighs what it is spared, and the relief linked to it (as the Russia-UN "
        "memorandum on Russian food and fertiliser exports was signed with the initiative) is "
        "worth only `partial_truces.linkage_share` of phased sanctions relief, valued as Russia "
        "stated its position at the case's date"
    )


def _show(value: float, key: str) -> str:
    if np.isnan(value):
        return "no value (no truce)"
    if "days" in key:
        return "beyond the horizon" if np.isinf(value) else f"{value:.0f} days"
    return f"{value:.2f}"


def failure_reasons(checks: list[Check], baseline: str | Path | None = None) -> list[str]:
    """Why each figure outside its band fails, for the report (markdown bullets).

    The numbers quoted are computed from the baseline's parameters (its breakdown hazard, its
    priors), so the explanation stays true of the model it is generated with.

    Args:
        checks: The report's checks (those of :data:`SECTION` are read).
        baseline: The baseline scenario (default: the repository's).
    """
    from ceasefire_sim.validation import BASELINE

    scenario = load_scenario(baseline or BASELINE)
    hazard = Hazard.of(scenario)
    lines = []
    for row in history_criteria(checks):
        low, high, value = row["low"], row["high"], row["value"]
        inside = (
            np.isfinite(value) and (low is None or value >= low) and (high is None or value <= high)
        )
        if inside:
            continue
        reason = _reason(row, hazard, scenario)
        lines.append(f"- **{row['case']}, {row['label']}.** {reason[:1].upper()}{reason[1:]}.")
    return lines


def _key_of(case: str, label: str) -> str:
    return next((k for k, lab, *_ in BANDS.get(case, ()) if lab == label), "")


def recommitment_starts() -> list[dt.date]:
    """The dated starts of the recommitment truces (``donbas_truces.csv`` after Minsk II)."""
    frame = donbas_truces()
    return [d for d in frame["start_date"] if d > MINSK_II_START]


def _has_limited(scenario: Scenario) -> bool:
    """Whether the model has limited truces with the grain initiative's scope."""
    try:
        from ceasefire_sim.negotiation.scopes import LIMITED_NAMES
    except ImportError:
        return False
    return GRAIN_SCOPE in LIMITED_NAMES and hasattr(scenario, "partial_truces")


def run_history(
    worlds: int = WORLDS, seed: int = 1, cases_dir: str | Path = CASES_DIR
) -> list[CaseResult]:
    """Run every case with the same seed and compare it with its band.

    Args:
        worlds: Worlds per case (the recommitment case splits them between its starts).
        seed: Seed of every run.
        cases_dir: The folder of the case files.
    """
    folder = Path(cases_dir)
    results = []
    for case, (name, band) in CASES.items():
        path = folder / name
        scenario = load_scenario(path)
        note = ""
        if case == "Minsk I":
            text, passed, figures = minsk_1(run_case(scenario, worlds, seed))
        elif case == "Minsk II":
            no_talks = scenario.model_copy(
                update={"talks": scenario.talks.model_copy(update={"enabled": False})}
            )
            text, passed, figures = minsk_2(
                run_case(scenario, worlds, seed), run_case(no_talks, worlds, seed)
            )
            note = "pre-truce rate: the same worlds over the same year with no talks"
        elif case == "Donbas recommitment truces 2015-2020":
            starts = recommitment_starts()
            each = max(worlds // len(starts), 1)
            # One seed per start (seed, seed + 1, ...): the starts are independent samples.
            runs = [
                run_case(scenario.model_copy(update={"start_date": d}), each, seed + k)
                for k, d in enumerate(starts)
            ]
            text, passed, figures = recommitments(CaseRun.concat(runs), len(starts))
            note = (
                f"{each:,} worlds from each start of donbas_truces.csv after Minsk II, one seed "
                "per start"
            )
        elif case == "Black Sea Grain Initiative":
            run = run_case(scenario, worlds, seed, scope=GRAIN_SCOPE)
            text, passed, figures, note = grain(run, _has_limited(scenario))
        else:
            text, passed, figures = istanbul(run_case(scenario, worlds, seed))
            note = "expectation read on the first talks day: Russia's believed drift > 0 and Ukraine's < 0"
        who = f"mediator: {scenario.mediator.name}"
        results.append(
            CaseResult(
                case=case,
                file=_relative(path),
                band=band,
                model=text,
                passed=passed,
                note=f"{who}; {note}" if note else who,
                figures=figures,
            )
        )
    return results


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def history_checks(results: list[CaseResult]) -> list[Check]:
    """The cases as yardstick rows of the report (section ``history``)."""
    return [
        Check(
            SECTION,
            r.case,
            r.model,
            r.band,
            r.passed,
            "; ".join(x for x in (f"`{r.file}`", r.note) if x),
            data=dict(r.figures),
        )
        for r in results
    ]


def history_csv(checks: list[Check]) -> str:
    """``docs/validation/history.csv``: one row per case (``case, band, model, verdict``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["case", "band", "model", "verdict"])
    for c in checks:
        if c.section == SECTION:
            writer.writerow([c.name, c.reference, c.model, "pass" if c.passed else "fail"])
    return out.getvalue()


def history_criteria(checks: list[Check]) -> list[dict[str, Any]]:
    """One row per figure of every case (for the History figure): the model's value and band.

    Returns:
        Dicts with ``case``, ``label``, ``value``, ``low``, ``high`` (None: open) and ``unit``
        (``share`` or ``days``), in the order of :data:`BANDS`.
    """
    rows = []
    for c in checks:
        if c.section != SECTION:
            continue
        for key, label, low, high, unit in BANDS.get(c.name, ()):
            value = float(c.data.get(key, np.nan))
            rows.append(
                {
                    "key": key,
                    "has_scope": bool(c.data.get("has_scope", False)),
                    "case": c.name,
                    "label": label,
                    "value": value,
                    "low": low,
                    "high": high,
                    "unit": unit,
                }
            )
    return rows


__all__ = [
    "BANDS",
    "CASES",
    "CASES_DIR",
    "SECTION",
    "CaseResult",
    "CaseRun",
    "Hazard",
    "failure_reasons",
    "history_checks",
    "history_criteria",
    "history_csv",
    "recommitment_starts",
    "run_case",
    "run_history",
]
