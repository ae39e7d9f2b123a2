"""The classroom app: a Mesa SolaraViz page with the levers a class discusses.

A teacher projects the page, moves a lever ("what if the US presses Russia harder?"), presses
play and asks the class why Russia said no. Start it with ``ceasefire-sim demo``; the page is
:func:`Page`. The parts that do not need a browser are plain functions tested on their own:

- :class:`Levers` and :func:`apply_levers` turn the teachable levers into a scenario;
- :class:`ClassroomModel` is the :class:`~ceasefire_sim.model.model.CeasefireModel` that SolaraViz
  builds from keyword arguments (its Reset button calls ``ClassroomModel(**params)``);
- :func:`latest_decision` reads the last proposal and both answers from the round records
  (:class:`~ceasefire_sim.negotiation.protocols.Round`), never from the narrative's text;
- ``*_figure`` draw the charts as matplotlib figures.

The levers are factors on the scenario's own values (1 = as in the scenario), so switching
scenarios in the picker keeps their meaning. Factors and the reassurance switch take effect on day
1 as a dated event: the model calibrates its day-0 state to the scenario (materiel losses balance
inflows), so a change made at day 0 would be absorbed into that calibration, whereas a change from
day 1 is a change the sides live through -- and it shows in the narrative.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ceasefire_sim.errors import ScenarioError
from ceasefire_sim.model.model import STATUS_NAMES, CeasefireModel
from ceasefire_sim.model.recorder import QUANTITIES
from ceasefire_sim.negotiation.space import BUILT_IN
from ceasefire_sim.plots import ACTOR_COLOURS, STATUS_COLOURS
from ceasefire_sim.scenario.library import library_dir
from ceasefire_sim.scenario.loader import load_scenario, numeric_paths
from ceasefire_sim.scenario.schema import EventConfig, Scenario

with warnings.catch_warnings():
    # mesa 3.3.1's own SolaraViz trips solara's hook linter on import; nothing for us to fix.
    warnings.filterwarnings("ignore", message=".*ComponentsView.*", category=UserWarning)
    from mesa.visualization import SolaraViz
    from mesa.visualization.user_param import Slider
    from mesa.visualization.utils import update_counter

#: Environment variable naming the scenario the page opens with (set by ``ceasefire-sim demo``).
SCENARIO_ENV = "CEASEFIRE_SIM_SCENARIO"
#: Environment variable naming the folder whose scenario files the picker lists.
SCENARIO_DIR_ENV = "CEASEFIRE_SIM_SCENARIO_DIR"
BASELINE_NAME = "white_house_2025-03-13.yaml"
#: "Many futures" runs this many worlds; one world tells one story.
MANY_WORLDS = 200
WORLD_CHOICES = (1, MANY_WORLDS, 1000)
#: The server's own limits, whatever a browser sends: at most this many worlds, seeds in this
#: range, lever factors up to this, and only the scenarios of its list (never a path).
MAX_WORLDS = max(WORLD_CHOICES)
MAX_SEED = 10_000
MAX_FACTOR = 5.0

#: Picker label -> truce option offered (None: the scenario's own options).
TRUCE_CHOICES: dict[str, str | None] = {
    "as in scenario": None,
    "30-day truce": "days_30",
    "90-day truce": "days_90",
    "indefinite ceasefire": "indefinite",
}
#: Picker label -> reassurance-force setting.
FORCE_CHOICES: dict[str, str] = {
    "as in scenario": "scenario",
    "available": "available",
    "not available": "unavailable",
}
#: A threshold no pledge reaches: the force is never on the table.
NO_FORCE_TROOPS = 1e12

#: Lever -> (dotted path it multiplies, what to call it in the narrative).
FACTOR_PATHS: dict[str, tuple[str, str]] = {
    "us_pressure_on_ukraine": ("mediator.leverage_on_ukraine", "US pressure on Ukraine"),
    "us_pressure_on_russia": ("mediator.leverage_on_russia", "US pressure on Russia"),
    "european_aid": ("allies.*.aid_share_gdp_pct", "European aid"),
    "ukraine_cost_tolerance": ("belligerents.ukraine.cost_tolerance", "Ukraine's cost tolerance"),
    "russia_cost_tolerance": ("belligerents.russia.cost_tolerance", "Russia's cost tolerance"),
}

# One colour per status and per actor across the library (colour-blind-safe Okabe-Ito).
SIDE_COLOURS = {**ACTOR_COLOURS, "truth": "#222222"}
KIND_COLOURS = {
    "proposal": "#555555",
    "accept": STATUS_COLOURS["settled"],
    "reject": STATUS_COLOURS["war"],
    "ceasefire": STATUS_COLOURS["ceasefire"],
    "breakdown": STATUS_COLOURS["collapsed"],
    "expiry": STATUS_COLOURS["collapsed"],
    "extension": STATUS_COLOURS["ceasefire"],
    "settlement": STATUS_COLOURS["settled"],
    "event": "#555555",
    "walkout": "#555555",
}
#: Short issue names for the charts; territory also counts the days of fighting a deal saves.
ISSUE_TITLES = {
    "truce": "Truce",
    "territory": "Territory",
    "nato": "NATO",
    "guarantees": "Guarantees",
    "sanctions": "Sanctions",
    "aid_during_truce": "Aid in truce",
}
FONT_SIZE = 13


# ----------------------------------------------------------------------------- scenarios
def scenario_dir() -> Path:
    """The folder of scenario files the picker lists.

    ``$CEASEFIRE_SIM_SCENARIO_DIR`` if set, else the scenario library shipped with the package
    (the repository's ``scenarios/`` in a clone).
    """
    env = os.environ.get(SCENARIO_DIR_ENV)
    if env:
        return Path(env)
    return library_dir()


def scenario_choices(directory: Path | None = None, extra: Path | None = None) -> dict[str, Path]:
    """File name -> path of every valid scenario file in ``directory`` (and ``extra``).

    Files that fail validation are left out, so the picker never offers a scenario that cannot
    start (``ceasefire-sim validate`` explains what is wrong with them).
    """
    directory = scenario_dir() if directory is None else directory
    paths = sorted(p for p in directory.glob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if extra is not None and extra.resolve() not in {p.resolve() for p in paths}:
        paths.insert(0, extra)
    choices: dict[str, Path] = {}
    for path in paths:
        try:
            load_scenario(path)
        except ScenarioError:
            continue
        choices[path.name if path.name not in choices else str(path)] = path
    return choices


def default_scenario() -> Path:
    """The scenario the page opens with: ``$CEASEFIRE_SIM_SCENARIO`` or the baseline."""
    env = os.environ.get(SCENARIO_ENV)
    return Path(env) if env else scenario_dir() / BASELINE_NAME


def resolve_scenario(name: str | Path) -> Path:
    """The path of a scenario the app may open, given as its picker name.

    The app opens only the scenario it was started with (``$CEASEFIRE_SIM_SCENARIO``) and the
    files of :func:`scenario_dir`, by file name: a path sent by a browser is refused, so the
    server never reads a file of its choosing.

    Raises:
        ScenarioError: Not a scenario of the list.
    """
    text = str(name)
    opening = default_scenario()
    if text in (str(opening), opening.name) and opening.is_file():
        return opening
    listed = {
        p.name: p
        for p in sorted(scenario_dir().glob("*"))
        if p.suffix in (".yaml", ".yml") and p.is_file()
    }
    if text in listed:
        return listed[text]
    raise ScenarioError(
        f"no scenario file {text!r} in the app's list; it opens the file names in "
        f"{scenario_dir()} ({', '.join(listed) or 'none'}), not paths"
    )


def check_request(worlds: Any, seed: Any, factors: dict[str, Any]) -> None:
    """Refuse what the browser may send but the server does not allow.

    Raises:
        ScenarioError: Worlds outside 1 to :data:`MAX_WORLDS`, a seed outside 0 to
            :data:`MAX_SEED`, or a lever factor outside 0 to :data:`MAX_FACTOR`.
    """
    if isinstance(worlds, bool) or not isinstance(worlds, int) or not 1 <= worlds <= MAX_WORLDS:
        raise ScenarioError(f"worlds must be a whole number from 1 to {MAX_WORLDS}, got {worlds!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ScenarioError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    for name, value in factors.items():
        if not isinstance(value, int | float) or not 0 <= value <= MAX_FACTOR:
            raise ScenarioError(
                f"lever {name} must be a factor from 0 to {MAX_FACTOR:g}, got {value!r}"
            )


# -------------------------------------------------------------------------------- levers
@dataclass(frozen=True)
class Levers:
    """The levers a class discusses. Factors multiply the scenario's values (1 = unchanged).

    Attributes:
        us_pressure_on_ukraine: Factor on ``mediator.leverage_on_ukraine``.
        us_pressure_on_russia: Factor on ``mediator.leverage_on_russia``.
        european_aid: Factor on every ally's military aid (``allies.*.aid_share_gdp_pct``).
        ukraine_cost_tolerance: Factor on ``belligerents.ukraine.cost_tolerance``.
        russia_cost_tolerance: Factor on ``belligerents.russia.cost_tolerance``.
        truce_offered: ``None`` (the scenario's options) or the one truce option the mediator
            may put on the table: ``days_30``, ``days_90`` or ``indefinite``.
        reassurance_force: ``scenario`` (on the table when the allies' pledges reach the
            scenario's threshold), ``available`` (always) or ``unavailable`` (never).
    """

    us_pressure_on_ukraine: float = 1.0
    us_pressure_on_russia: float = 1.0
    european_aid: float = 1.0
    ukraine_cost_tolerance: float = 1.0
    russia_cost_tolerance: float = 1.0
    truce_offered: str | None = None
    reassurance_force: str = "scenario"

    def __post_init__(self) -> None:
        for name in FACTOR_PATHS:
            value = getattr(self, name)
            if not (isinstance(value, int | float) and np.isfinite(value) and value >= 0):
                raise ScenarioError(f"lever {name} must be a factor >= 0, got {value!r}")
        if self.truce_offered is not None and self.truce_offered not in BUILT_IN.by_issue["truce"]:
            raise ScenarioError(
                f"lever truce_offered must be one of {', '.join(BUILT_IN.by_issue['truce'])} (or None for "
                f"the scenario's options), got {self.truce_offered!r}"
            )
        if self.reassurance_force not in FORCE_CHOICES.values():
            raise ScenarioError(
                "lever reassurance_force must be one of "
                f"{', '.join(FORCE_CHOICES.values())}, got {self.reassurance_force!r}"
            )

    def changes(self) -> list[str]:
        """What differs from the scenario, in words (empty if nothing)."""
        out = [
            f"{label} ×{getattr(self, name):g}"
            for name, (_, label) in FACTOR_PATHS.items()
            if getattr(self, name) != 1.0
        ]
        if self.truce_offered is not None:
            out.append(f"only a {BUILT_IN.label(f'truce.{self.truce_offered}')} on offer")
        if self.reassurance_force == "available":
            out.append("European reassurance force available")
        elif self.reassurance_force == "unavailable":
            out.append("no European reassurance force")
        return out


def apply_levers(scenario: Scenario, levers: Levers) -> Scenario:
    """The scenario with the levers pulled.

    The truce offered restricts ``talks.options_on_table.truce`` from day 0 (and moves the initial
    proposal, if any, to that truce; a side that had accepted another length no longer counts as
    having accepted). Factors and the reassurance force take effect on day 1 as one dated event
    named "Classroom levers", which the narrative logs.

    Args:
        scenario: A validated scenario.
        levers: The levers.

    Returns:
        A new scenario; ``scenario`` is unchanged.
    """
    updates: dict[str, Any] = {}
    if levers.truce_offered is not None:
        talks = scenario.talks
        table = {**talks.options_on_table, "truce": [levers.truce_offered]}
        talk_updates: dict[str, Any] = {"options_on_table": table}
        initial = talks.initial_proposal
        if initial is not None and initial.package.truce != levers.truce_offered:
            package = initial.package.model_copy(update={"truce": levers.truce_offered})
            talk_updates["initial_proposal"] = initial.model_copy(
                update={"package": package, "accepted_by": []}
            )
        updates["talks"] = talks.model_copy(update=talk_updates)
    scale = {
        path: float(getattr(levers, name))
        for name, (path, _) in FACTOR_PATHS.items()
        if getattr(levers, name) != 1.0
    }
    set_values: dict[str, float] = {}
    if levers.reassurance_force == "available":
        set_values["alliance.reassurance_threshold_troops"] = 0.0
    elif levers.reassurance_force == "unavailable":
        set_values["alliance.reassurance_threshold_troops"] = NO_FORCE_TROOPS
    if scale or set_values:
        changes = [c for c in levers.changes() if not c.startswith("only a ")]
        event = EventConfig(
            date=scenario.start_date + dt.timedelta(days=1),
            note="Classroom levers: " + ", ".join(changes),
            set=set_values,
            scale=scale,
            assumption="set in the classroom app",
        )
        updates["events"] = [*scenario.events, event]
    return scenario.model_copy(update=updates) if updates else scenario


def european_aid_bn_per_year(scenario: Scenario) -> float:
    """The allies' military aid to Ukraine at day 0 (US$ bn a year, mean over worlds)."""
    params = numeric_paths(scenario)
    default = params["alliance.aid_share_gdp_pct"].mean_value()
    total = 0.0
    for ally in scenario.allies:
        share = params.get(f"allies.{ally}.aid_share_gdp_pct")
        gdp_bn = params[f"allies.{ally}.gdp_bn"].mean_value()
        total += gdp_bn * (default if share is None else share.mean_value()) / 100.0
    return total


def lever_values(scenario: Scenario, levers: Levers) -> dict[str, tuple[float, float]]:
    """Lever label -> (scenario's mean value, value with the lever pulled), for display.

    European aid is shown in US$ bn a year (all allies together); the others in their own units.
    """
    params = numeric_paths(scenario)
    out = {}
    for name, (path, label) in FACTOR_PATHS.items():
        if name == "european_aid":
            base = european_aid_bn_per_year(scenario)
            label = f"{label} (US$ bn/year)"
        else:
            base = params[path].mean_value()
        out[label] = (base, base * getattr(levers, name))
    return out


# --------------------------------------------------------------------------------- model
class ClassroomModel(CeasefireModel):
    """The model as the app builds it: a scenario file, the number of worlds, a seed and levers.

    SolaraViz (re)creates the model with keyword arguments, so every argument is a plain value a
    widget can hold.

    Args:
        scenario: A picker name (file in ``scenarios/``) or a path.
        worlds: 1 tells one story; more worlds show many futures.
        seed: Which futures (the seed of the common random numbers).
        us_pressure_on_ukraine: See :class:`Levers`.
        us_pressure_on_russia: See :class:`Levers`.
        european_aid: See :class:`Levers`.
        ukraine_cost_tolerance: See :class:`Levers`.
        russia_cost_tolerance: See :class:`Levers`.
        truce_offered: A :data:`TRUCE_CHOICES` label or a truce option key.
        reassurance_force: A :data:`FORCE_CHOICES` label or value.
    """

    def __init__(
        self,
        scenario: str = BASELINE_NAME,
        worlds: int = 1,
        seed: int = 1,
        us_pressure_on_ukraine: float = 1.0,
        us_pressure_on_russia: float = 1.0,
        european_aid: float = 1.0,
        ukraine_cost_tolerance: float = 1.0,
        russia_cost_tolerance: float = 1.0,
        truce_offered: str = "as in scenario",
        reassurance_force: str = "as in scenario",
    ) -> None:
        path = resolve_scenario(scenario)
        check_request(
            worlds,
            seed,
            {
                "us_pressure_on_ukraine": us_pressure_on_ukraine,
                "us_pressure_on_russia": us_pressure_on_russia,
                "european_aid": european_aid,
                "ukraine_cost_tolerance": ukraine_cost_tolerance,
                "russia_cost_tolerance": russia_cost_tolerance,
            },
        )
        levers = Levers(
            us_pressure_on_ukraine=float(us_pressure_on_ukraine),
            us_pressure_on_russia=float(us_pressure_on_russia),
            european_aid=float(european_aid),
            ukraine_cost_tolerance=float(ukraine_cost_tolerance),
            russia_cost_tolerance=float(russia_cost_tolerance),
            truce_offered=TRUCE_CHOICES.get(truce_offered, truce_offered),
            reassurance_force=FORCE_CHOICES.get(reassurance_force, reassurance_force),
        )
        base = load_scenario(path)
        super().__init__(
            apply_levers(base, levers), worlds=int(worlds), seed=int(seed), narrative_worlds=1
        )
        self.scenario_path = path
        self.base_scenario = base
        self.levers = levers


def model_params(scenario: Path | None = None) -> dict[str, Any]:
    """SolaraViz's ``model_params``: the scenario picker, worlds, seed and the levers."""
    scenario = default_scenario() if scenario is None else scenario
    choices = scenario_choices(extra=scenario if scenario.is_file() else None)
    names = list(choices) or [scenario.name]
    current = next((n for n, p in choices.items() if p.resolve() == scenario.resolve()), names[0])

    def factor(label: str, high: float = 4.0) -> Slider:
        return Slider(label, value=1.0, min=0.0, max=high, step=0.25, dtype=float)

    return {
        "scenario": {"type": "Select", "value": current, "values": names, "label": "Scenario"},
        "worlds": {
            "type": "Select",
            "value": 1,
            "values": list(WORLD_CHOICES),
            "label": f"Worlds (1 = one story, {MANY_WORLDS} = many futures)",
        },
        "seed": Slider("Seed (which futures)", value=1, min=0, max=99, step=1, dtype=int),
        "us_pressure_on_ukraine": factor("US pressure on Ukraine ×"),
        "us_pressure_on_russia": factor("US pressure on Russia ×", high=5.0),
        "european_aid": factor("European aid ×"),
        "ukraine_cost_tolerance": Slider(
            "Ukraine's cost tolerance ×", value=1.0, min=0.25, max=4.0, step=0.25
        ),
        "russia_cost_tolerance": Slider(
            "Russia's cost tolerance ×", value=1.0, min=0.25, max=4.0, step=0.25
        ),
        "truce_offered": {
            "type": "Select",
            "value": "as in scenario",
            "values": list(TRUCE_CHOICES),
            "label": "Truce length offered",
        },
        "reassurance_force": {
            "type": "Select",
            "value": "as in scenario",
            "values": list(FORCE_CHOICES),
            "label": "European reassurance force",
        },
    }


# ------------------------------------------------------------------------------ decisions
@dataclass(frozen=True)
class Answer:
    """One side's answer to a proposal.

    Attributes:
        side: ``ukraine`` or ``russia``.
        accepted: Whether it accepted.
        surplus: Utility of the package minus that of fighting on (the war option).
        contributions: ``(issue, option label, contribution)`` per issue; they sum to
            ``surplus`` up to rounding.
    """

    side: str
    accepted: bool
    surplus: float
    contributions: tuple[tuple[str, str, float], ...]


@dataclass(frozen=True)
class Decision:
    """The latest proposal in a world and both answers."""

    day: int
    date: str
    proposal: str
    answers: dict[str, Answer] = field(default_factory=dict)


def latest_decision(model: CeasefireModel, world: int = 0) -> Decision | None:
    """The last proposal made in ``world`` and both sides' answers, from the round records."""
    for day, date, record in reversed(model.narrative.rounds):
        hits = np.flatnonzero(record.worlds == world)
        if len(hits) == 0:
            continue
        k = int(hits[0])
        labels = model.space.labels(int(record.package[k]))
        answers = {}
        for side in ("ukraine", "russia"):
            parts = record.contributions[side]
            contributions = tuple(
                sorted(
                    ((issue, labels.get(issue, issue), float(v[k])) for issue, v in parts.items()),
                    key=lambda t: t[2],
                )
            )
            answers[side] = Answer(
                side, bool(record.accepted[side][k]), float(record.surplus[side][k]), contributions
            )
        return Decision(int(day), str(date), "; ".join(labels.values()), answers)
    return None


def status_of_world(model: CeasefireModel, world: int = 0) -> str:
    """``war``, ``ceasefire``, ``collapsed`` or ``settled`` for one world today."""
    return STATUS_NAMES[int(model.status()[world])]


# -------------------------------------------------------------------------------- figures
def _dates(model: CeasefireModel, days: int) -> list[dt.date]:
    return [model.start_date + dt.timedelta(days=d) for d in range(days)]


def _new_figure(width: float = 6.4, height: float = 4.2) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    fig.set_facecolor("white")
    return fig


def _date_axis(ax: Any, model: CeasefireModel) -> None:
    ax.set_xlim(model.start_date, model.start_date + dt.timedelta(days=model.days))
    locator = mdates.AutoDateLocator(maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.tick_params(labelsize=FONT_SIZE - 1)
    ax.grid(alpha=0.3)
    ax.axvline(model.date, color="#888888", lw=1, ls=":")


def control_figure(model: CeasefireModel) -> Figure:
    """Russian-held area over time: the line (one world) or the fan of futures (many worlds)."""
    fig = _new_figure()
    ax = fig.subplots()
    n = model.day + 1
    dates = _dates(model, n)
    q = model.recorder.quantiles[QUANTITIES.index("control_km2"), :n] / 1000.0
    if model.worlds > 1:
        ax.fill_between(
            dates, q[:, 0], q[:, 4], color=ACTOR_COLOURS["russia"], alpha=0.15, label="5-95%"
        )
        ax.fill_between(
            dates, q[:, 1], q[:, 3], color=ACTOR_COLOURS["russia"], alpha=0.3, label="25-75%"
        )
        ax.plot(dates, q[:, 2], color=ACTOR_COLOURS["russia"], lw=2, label="median")
        ax.legend(loc="upper left", fontsize=FONT_SIZE - 2, frameon=False)
        title = f"Territory held by Russia, {model.worlds} futures"
    else:
        ax.plot(dates, q[:, 2], color=ACTOR_COLOURS["russia"], lw=2.5)
        title = "Territory held by Russia"
    ax.set_title(f"{title}: {q[-1, 2]:,.1f} thousand km²", fontsize=FONT_SIZE + 1, loc="left")
    ax.set_ylabel("thousand km²", fontsize=FONT_SIZE)
    # A fixed minimum range, so a few days of fighting do not look like a landslide.
    start = q[0, 2]
    ax.set_ylim(min(start - 0.5, q.min() - 0.2), max(start + 1.5, q.max() + 0.2))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.1f}")
    _date_axis(ax, model)
    return fig


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%" if share >= 0.01 else f"{100 * share:.1f}%"


def status_figure(model: CeasefireModel) -> Figure:
    """Share of worlds at war, in a ceasefire, after a collapse, or settled, day by day."""
    fig = _new_figure()
    ax = fig.subplots()
    n = model.day + 1
    shares = model.recorder.shares[:n].T
    ax.stackplot(
        _dates(model, n),
        shares,
        labels=STATUS_NAMES,
        colors=[STATUS_COLOURS[s] for s in STATUS_NAMES],
        alpha=0.85,
        step="post",
    )
    ax.set_ylim(0, 1)
    if model.worlds > 1:
        now = ", ".join(
            f"{s} {_percent(v)}" for s, v in zip(STATUS_NAMES, shares[:, -1], strict=True) if v
        )
        ax.set_title(f"Status of {model.worlds} futures: {now}", fontsize=FONT_SIZE + 1, loc="left")
        ax.set_ylabel("share of worlds", fontsize=FONT_SIZE)
        ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    else:
        ax.set_title(f"Status: {status_of_world(model)}", fontsize=FONT_SIZE + 1, loc="left")
        ax.set_yticks([])
    ax.legend(loc="lower left", ncols=4, fontsize=FONT_SIZE - 2, frameon=True)
    _date_axis(ax, model)
    return fig


def beliefs_figure(model: CeasefireModel) -> Figure:
    """Each side's belief about the front's drift against the true drift (km²/day)."""
    fig = _new_figure()
    ax = fig.subplots()
    df = model.datacollector.get_model_vars_dataframe()
    dates = [model.start_date + dt.timedelta(days=int(d)) for d in df["day"]]
    for column, label, colour, style in (
        ("belief_ukraine_km2_per_day", "Ukraine believes", SIDE_COLOURS["ukraine"], "-"),
        ("belief_russia_km2_per_day", "Russia believes", SIDE_COLOURS["russia"], "-"),
        ("true_drift_km2_per_day", "reality", SIDE_COLOURS["truth"], "--"),
    ):
        ax.plot(dates, df[column], color=colour, ls=style, lw=2.2, label=label)
    who = "median of worlds" if model.worlds > 1 else "one world"
    ax.set_title(
        f"Who is winning? Expected Russian gain ({who})", fontsize=FONT_SIZE + 1, loc="left"
    )
    ax.set_ylabel("km² per day", fontsize=FONT_SIZE)
    ax.legend(loc="upper right", fontsize=FONT_SIZE - 2, frameon=False)
    _date_axis(ax, model)
    return fig


def decision_figure(model: CeasefireModel, world: int = 0) -> Figure:
    """Why did they say no? Each side's surplus over its war option, issue by issue."""
    fig = _new_figure(6.6, 4.6)
    decision = latest_decision(model, world)
    if decision is None or not decision.answers:
        ax = fig.subplots()
        ax.axis("off")
        ax.text(
            0.5,
            0.5,
            "No proposal yet.\nPress Step: the mediator proposes\non negotiation days.",
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 2,
        )
        return fig
    axes = fig.subplots(1, 2, sharex=True)
    limit = max(
        [abs(c) for a in decision.answers.values() for *_, c in a.contributions]
        + [abs(a.surplus) for a in decision.answers.values()]
        + [0.1]
    )
    terms = {issue: label for a in decision.answers.values() for issue, label, _ in a.contributions}
    names = [
        textwrap.fill(
            f"{ISSUE_TITLES.get(i, i)}: {terms[i]}" if i in terms else ISSUE_TITLES.get(i, i), 26
        )
        for i in model.space.outcome.names
    ] + ["TOTAL: deal minus war"]
    y = np.arange(len(names))[::-1]
    for ax, side in zip(axes, ("ukraine", "russia"), strict=True):
        ax.set_yticks(y, names if side == "ukraine" else [])
        ax.set_xlim(-1.5 * limit, 1.5 * limit)
        answer = decision.answers.get(side)
        if answer is None:
            ax.set_title(f"{side.capitalize()}: no answer", fontsize=FONT_SIZE + 1)
            continue
        by_issue = {issue: value for issue, _, value in answer.contributions}
        values = [by_issue.get(i, 0.0) for i in model.space.outcome.names] + [answer.surplus]
        colours = [STATUS_COLOURS["settled"] if v >= 0 else STATUS_COLOURS["war"] for v in values]
        colours[-1] = "#1b4f72" if answer.surplus >= 0 else "#78281f"
        ax.barh(y, values, color=colours)
        for yi, v in zip(y, values, strict=True):
            if abs(v) < 0.005:
                continue
            # Long bars carry their number inside, so it never runs off the panel.
            inside = abs(v) > 0.6 * limit
            ax.text(
                v,
                yi,
                f" {v:+.2f} ",
                va="center",
                ha="left" if (v >= 0) != inside else "right",
                color="white" if inside else "black",
                fontsize=FONT_SIZE - 3,
            )
        ax.axvline(0, color="black", lw=1)
        ax.axhline(0.5, color="#999999", lw=0.8)
        ax.tick_params(labelsize=FONT_SIZE - 3)
        verdict = "yes" if answer.accepted else "no"
        ax.set_title(
            f"{side.capitalize()}: {verdict} ({answer.surplus:+.2f})",
            fontsize=FONT_SIZE + 1,
            color="#1e8449" if answer.accepted else "#a93226",
        )
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        f"Why did they say no? The proposal of {decision.date}",
        fontsize=FONT_SIZE + 1,
        x=0.02,
        ha="left",
    )
    fig.supxlabel(
        "each term: utility of the deal minus fighting on (green helps the deal)",
        fontsize=FONT_SIZE - 3,
    )
    return fig


# ------------------------------------------------------------------------------ components
def _figure_component(draw: Callable[[CeasefireModel], Figure], name: str) -> Callable[..., Any]:
    """A SolaraViz component drawing ``draw(model)`` once per day shown (not on every render)."""

    @solara.component
    def FigureComponent(model: CeasefireModel) -> None:  # noqa: N802 (solara component)
        update_counter.get()
        key = [id(model), model.day]
        figure = solara.use_memo(lambda: draw(model), key)
        with solara.Div(classes=["classroom-chart", f"chart-{name}"]):
            solara.FigureMatplotlib(figure, dependencies=key, format="png")

    return FigureComponent


ControlChart = _figure_component(control_figure, "control")
StatusChart = _figure_component(status_figure, "status")
BeliefsChart = _figure_component(beliefs_figure, "beliefs")
DecisionChart = _figure_component(decision_figure, "decision")


def banner_html(model: CeasefireModel) -> str:
    """The date in large type, the mode, the status of world 0 and the levers in force."""
    levers = getattr(model, "levers", Levers())
    mode = "one world" if model.worlds == 1 else f"many futures: {model.worlds} worlds"
    status = status_of_world(model)
    changes = levers.changes()
    lever_text = "Levers: " + ("; ".join(changes) if changes else "as in the scenario")
    return (
        f'<div class="sim-date" style="font-size:2.0em;font-weight:600;line-height:1.2">'
        f"{model.date.strftime('%A %d %B %Y')}</div>"
        f'<div style="font-size:1.15em">Day <span class="sim-day">{model.day}</span> of '
        f"{model.days} &middot; {html.escape(mode)} &middot; world 0 is "
        f'<b class="sim-status" style="color:{STATUS_COLOURS[status]}">{status}</b></div>'
        f'<div style="font-size:1.0em;margin-top:2px">{html.escape(model.scenario.name)}</div>'
        f'<div class="sim-levers" style="font-size:0.95em;color:#444">{html.escape(lever_text)}'
        " <i>(move a lever, then press Reset)</i></div>"
    )


def narrative_html(model: CeasefireModel, world: int = 0, limit: int = 40) -> str:
    """The narrative log of one world as HTML, newest first (at most ``limit`` entries)."""
    rows = [r for r in model.narrative.rows if r[2] == world][-limit:][::-1]
    if not rows:
        return (
            '<p class="narrative-empty">Nothing has happened yet: the mediator first proposes on '
            "a negotiation day. Press Step or play.</p>"
        )
    items = []
    for day, date, _, _, kind, text, explanation in rows:
        colour = KIND_COLOURS.get(kind, "#555555")
        why = (
            f'<div style="color:#555;font-size:0.9em;margin-left:1em">why: '
            f"{html.escape(explanation)}</div>"
            if explanation and kind in ("accept", "reject")
            else ""
        )
        items.append(
            f'<li class="narrative-row" data-kind="{html.escape(kind)}" style="margin-bottom:5px">'
            f'<span style="color:#777">{html.escape(str(date))} (day {day})</span> '
            f'<b style="color:{colour}">{html.escape(kind)}</b> '
            f"{html.escape(text)}{why}</li>"
        )
    return '<ul style="list-style:none;padding-left:0;margin:0">' + "".join(items) + "</ul>"


@solara.component
def StoryPanel(model: CeasefireModel) -> None:  # noqa: N802 (solara component)
    """The date and, below it, the story of world 0: proposals, answers and why, truces."""
    update_counter.get()
    solara.HTML(
        tag="div",
        unsafe_innerHTML=banner_html(model),
        classes=["date-banner"],
        style="padding:4px 8px",
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            '<div style="font-size:1.1em;font-weight:600;margin:4px 0">'
            "What happened in world 0 (newest first)</div>" + narrative_html(model)
        ),
        classes=["narrative-log"],
        style="font-size:14px;line-height:1.3;height:215px;overflow-y:auto;padding:0 8px",
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def levers_html(model: CeasefireModel) -> str:
    """The levers in force: each factor with the scenario's value and the value used."""
    levers = getattr(model, "levers", Levers())
    base = getattr(model, "base_scenario", model.scenario)
    rows = "".join(
        f"<tr><td>{html.escape(label)}</td><td>{_number(scenario_value)}</td>"
        f"<td><b>{_number(value)}</b></td></tr>"
        for label, (scenario_value, value) in lever_values(base, levers).items()
    )
    truce = (
        "the scenario's options"
        if levers.truce_offered is None
        else BUILT_IN.label(f"truce.{levers.truce_offered}")
    )
    force = {
        "scenario": "when the allies' pledges reach the scenario's threshold",
        "available": "always available",
        "unavailable": "not available",
    }[levers.reassurance_force]
    return (
        '<div style="font-size:1.1em;font-weight:600;margin-bottom:4px">Levers in force</div>'
        '<table style="border-collapse:separate;border-spacing:14px 2px;font-size:14px;margin-left:-14px">'
        "<tr><th align=left>lever</th><th align=left>scenario (mean)</th>"
        f"<th align=left>now</th></tr>{rows}</table>"
        f'<div style="font-size:14px;margin-top:6px">Truce offered: <b>{html.escape(truce)}</b>'
        f"<br>European reassurance force: <b>{html.escape(force)}</b></div>"
        '<div style="font-size:13px;color:#555;margin-top:6px">US pressure: leverage on Ukraine '
        "(the threat of losing US aid) and on Russia (the threat of sanctions). European aid: "
        "all allies together, at day 0. Cost tolerance: casualties a side bears per unit of utility. "
        "Factors apply from day 1.</div>"
    )


@solara.component
def LeversPanel(model: CeasefireModel) -> None:  # noqa: N802 (solara component)
    """The levers in force, with the scenario's values, so the class sees what changed."""
    update_counter.get()
    solara.HTML(
        tag="div",
        unsafe_innerHTML=levers_html(model),
        classes=["levers-panel"],
        style="padding:4px 8px",
    )


#: The slider values stay visible (a projected class cannot see a value shown only on drag).
PAGE_CSS = """
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-20%) translateY(-12px) translateX(-50%) rotate(45deg) !important; }
.v-slider--horizontal { margin-top: 14px; }
"""

COMPONENTS = [StoryPanel, DecisionChart, ControlChart, StatusChart, BeliefsChart, LeversPanel]


@solara.component
def Page() -> None:  # noqa: N802 (solara component)
    """The classroom page: one fresh model per browser session."""
    model = solara.use_memo(lambda: ClassroomModel(scenario=str(default_scenario())), [])
    params = solara.use_memo(model_params, [])
    solara.Style(PAGE_CSS)
    SolaraViz(
        model,
        components=list(COMPONENTS),
        model_params=params,
        name="Ceasefire classroom: Russia-Ukraine talks, day by day",
        play_interval=150,
    )
