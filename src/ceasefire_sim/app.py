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
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import solara
import solara.lab

from ceasefire_sim.classroom import (
    GLOSSARY,
    INJECTS,
    KEY_PATTERN,
    PROPOSERS,
    REGISTRY,
    ROLE_NAMES,
    ROLES,
    Reason,
    Session,
    brief,
    default_choices,
    durability,
    glossary,
    options_on_table,
    reasons,
)
from ceasefire_sim.debrief import (
    MAP_RULE,
    RUN_COLUMNS,
    RunSummary,
    compare_settings,
    comparison_html,
    distribution_html,
    front_map_svg,
    log_csv,
    run_row,
    run_summary,
    runs_csv,
)
from ceasefire_sim.errors import ScenarioError
from ceasefire_sim.model.model import STATUS_NAMES, CeasefireModel
from ceasefire_sim.model.recorder import QUANTITIES
from ceasefire_sim.negotiation.space import BUILT_IN
from ceasefire_sim.plots import ACTOR_COLOURS, STATUS_COLOURS
from ceasefire_sim.scenario.library import library_dir
from ceasefire_sim.scenario.loader import load_scenario, numeric_paths
from ceasefire_sim.scenario.schema import EventConfig, Scenario
from ceasefire_sim.streamchart import StreamChart

with warnings.catch_warnings():
    # mesa 3.3.1's own SolaraViz trips solara's hook linter on import; nothing for us to fix.
    warnings.filterwarnings("ignore", message=".*ComponentsView.*", category=UserWarning)
    from mesa.visualization.user_param import Slider

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
        # Every world's trajectory is kept (at most 1,000 worlds: a few MB), so the front chart
        # can draw world 0 -- the story the log tells -- inside the fan of futures.
        super().__init__(
            apply_levers(base, levers),
            worlds=int(worlds),
            seed=int(seed),
            narrative_worlds=1,
            keep_trajectories=True,
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


# ------------------------------------------------------------------------- browser assets
#: Vega, Vega-Lite and vega-embed as solara's chart widget asks for them, and the versions
#: that the ``solara-assets`` package installs into solara's asset cache (no download).
VEGA_ALIASES = {
    "vega@5/build/vega.min.js": "vega@5.21.0/build/vega.min.js",
    "vega-lite@5/build/vega-lite.min.js": "vega-lite@5.2.0/build/vega-lite.min.js",
    "vega-embed@6/build/vega-embed.min.js": "vega-embed@6.20.2/build/vega-embed.min.js",
}


def ensure_chart_assets(cache: Path | None = None) -> list[Path]:
    """Put the chart library where the page looks for it, from the installed assets.

    Solara's chart widget loads ``vega@5`` etc. through the server's asset cache, which would
    download them; the ``solara-assets`` package ships fixed versions under their full names.
    This copies each to the name the widget asks for, so the page works offline.

    Returns:
        The files written (none if they were there already or the assets are missing).
    """
    if cache is None:
        from solara.server import settings

        cache = Path(settings.assets.proxy_cache_dir)
    written = []
    for alias, source in VEGA_ALIASES.items():
        target, origin = cache / alias, cache / source
        if target.exists() or not origin.exists():
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(origin.read_bytes())
            written.append(target)
        except OSError:
            continue
    return written


# ------------------------------------------------------------------------------ charts
#: Colours of text and marks with at least 4.5:1 contrast on the page's background.
THEMES = {
    "light": {
        "bg": "#ffffff",
        "fg": "#1a1a1a",
        "muted": "#4a4a4a",
        "panel": "#f4f4f4",
        "yes": "#17633a",
        "no": "#9b1c1c",
        "grid": "#dddddd",
        "link": "#0b4f8a",
    },
    "dark": {
        "bg": "#121212",
        "fg": "#f0f0f0",
        "muted": "#c8c8c8",
        "panel": "#1f1f1f",
        "yes": "#7ee2a8",
        "no": "#ff9e9e",
        "grid": "#444444",
        "link": "#9ccfff",
    },
}
STATUS_TEXT = {
    "light": {
        "war": "#9b1c1c",
        "ceasefire": "#0b4f8a",
        "collapsed": "#7a4a00",
        "settled": "#17633a",
    },
    "dark": {
        "war": "#ff9e9e",
        "ceasefire": "#9ccfff",
        "collapsed": "#ffd27a",
        "settled": "#7ee2a8",
    },
}
CHART_HEIGHT = 170
#: While playing, the charts take the new days at most this often (s).
CHART_PERIOD_S = 0.25


def _config(theme: str) -> dict[str, Any]:
    t = THEMES[theme]
    axis = {
        "labelColor": t["fg"],
        "titleColor": t["fg"],
        "gridColor": t["grid"],
        "labelFontSize": 12,
        "titleFontSize": 12,
    }
    return {
        "background": t["bg"],
        "config": {
            "axis": axis,
            "legend": {
                "labelColor": t["fg"],
                "titleColor": t["fg"],
                "labelFontSize": 12,
                "orient": "bottom",
                "direction": "horizontal",
            },
            "title": {"color": t["fg"], "fontSize": 14, "anchor": "start"},
            "view": {"stroke": None},
        },
    }


#: vega-embed's options: SVG marks; the actions menu saves PNG or SVG, nothing else.
EMBED_OPTIONS = {
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}


def _spec(title: str, rows: list[dict[str, Any]], layer: dict[str, Any], theme: str) -> dict:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "width": "container",
        "height": CHART_HEIGHT,
        "data": {"values": rows},
        **layer,
        **_config(theme),
        # vega-embed reads its options here: SVG marks (readable by tests and screen readers)
        # and an actions menu that saves the chart as an image, with no link off the page.
        "usermeta": {"embedOptions": EMBED_OPTIONS},
    }


def _x(model: CeasefireModel) -> dict[str, Any]:
    end = (model.start_date + dt.timedelta(days=model.days)).isoformat()
    return {
        "field": "date",
        "type": "temporal",
        "title": None,
        "scale": {"domain": [model.start_date.isoformat(), end]},
    }


def _dates(model: CeasefireModel, start: int) -> list[str]:
    return [
        (model.start_date + dt.timedelta(days=d)).isoformat() for d in range(start, model.day + 1)
    ]


def control_rows(model: CeasefireModel, start: int = 0) -> list[dict[str, Any]]:
    """Rows of the front chart for days ``start`` to today: quantiles and world 0 (thousand km²).

    ``world0`` (the world the log narrates) is there when the model keeps every world's
    trajectory (:class:`ClassroomModel` does), else it is the median.
    """
    n = model.day + 1
    q = model.recorder.quantiles[QUANTITIES.index("control_km2"), start:n] / 1000.0
    traj = model.recorder.trajectories
    world0 = traj["control_km2"][start:n, 0] / 1000.0 if traj is not None else q[:, 2]
    return [
        {
            "day": start + i,
            "date": date,
            "q05": round(float(q[i, 0]), 3),
            "q25": round(float(q[i, 1]), 3),
            "median": round(float(q[i, 2]), 3),
            "q75": round(float(q[i, 3]), 3),
            "q95": round(float(q[i, 4]), 3),
            "world0": round(float(world0[i]), 3),
        }
        for i, date in enumerate(_dates(model, start))
    ]


def control_title(model: CeasefireModel) -> str:
    """The front chart's title: Russian-held area today (thousand km²)."""
    q = model.recorder.quantiles[QUANTITIES.index("control_km2"), model.day, 2] / 1000.0
    if model.worlds == 1:
        return f"Territory held by Russia: {q:,.1f} thousand km²"
    w0 = float(model.control_km2[0]) / 1000.0
    return (
        f"Territory held by Russia, median of {model.worlds} futures: {q:,.1f} thousand km² "
        f"(world 0, dashed: {w0:,.1f})"
    )


def control_spec(model: CeasefireModel, theme: str = "light") -> dict[str, Any]:
    """Vega-Lite: Russian-held area (thousand km²), a line or the fan of futures and world 0."""
    start = float(model.recorder.quantiles[QUANTITIES.index("control_km2"), 0, 2]) / 1000.0
    # The y axis spans at least 0.5 below and 1.5 above the start, more if the data need it.
    y = {
        "type": "quantitative",
        "title": "thousand km²",
        "scale": {"zero": False, "domain": {"unionWith": [start - 0.5, start + 1.5]}},
    }
    colour = ACTOR_COLOURS["russia"]
    layers: list[dict[str, Any]] = []
    if model.worlds > 1:
        layers += [
            {
                "mark": {"type": "area", "opacity": 0.18, "color": colour},
                "encoding": {"x": _x(model), "y": {"field": "q05", **y}, "y2": {"field": "q95"}},
            },
            {
                "mark": {"type": "area", "opacity": 0.35, "color": colour},
                "encoding": {"x": _x(model), "y": {"field": "q25", **y}, "y2": {"field": "q75"}},
            },
        ]
    layers.append(
        {
            "mark": {"type": "line", "color": colour, "strokeWidth": 2.5},
            "encoding": {"x": _x(model), "y": {"field": "median", **y}},
        }
    )
    if model.worlds > 1:
        layers.append(
            {
                "mark": {
                    "type": "line",
                    "color": THEMES[theme]["fg"],
                    "strokeWidth": 1.5,
                    "strokeDash": [5, 3],
                },
                "encoding": {"x": _x(model), "y": {"field": "world0", **y}},
            }
        )
    return _spec(control_title(model), control_rows(model), {"layer": layers}, theme)


def status_rows(model: CeasefireModel, start: int = 0) -> list[dict[str, Any]]:
    """Rows of the status chart for days ``start`` to today: one per day and status."""
    shares = model.recorder.shares[start : model.day + 1]
    return [
        {"day": start + i, "date": date, "status": s, "share": round(float(shares[i, k]), 4)}
        for i, date in enumerate(_dates(model, start))
        for k, s in enumerate(STATUS_NAMES)
    ]


def status_title(model: CeasefireModel) -> str:
    """The status chart's title: today's share of worlds in each status."""
    shares = model.recorder.shares[model.day]
    now = ", ".join(f"{s} {_percent(v)}" for s, v in zip(STATUS_NAMES, shares, strict=True) if v)
    return f"Status of {model.worlds} world(s): {now}"


def status_spec(model: CeasefireModel, theme: str = "light") -> dict[str, Any]:
    """Vega-Lite: share of futures at war, in a ceasefire, collapsed or settled, by day."""
    layer = {
        "mark": {"type": "area", "interpolate": "step-after"},
        "encoding": {
            "x": _x(model),
            "y": {
                "field": "share",
                "type": "quantitative",
                "stack": True,
                "title": "share",
                "axis": {"format": "%"},
                "scale": {"domain": [0, 1]},
            },
            "color": {
                "field": "status",
                "type": "nominal",
                "title": None,
                "scale": {
                    "domain": list(STATUS_NAMES),
                    "range": [STATUS_COLOURS[s] for s in STATUS_NAMES],
                },
            },
            "order": {"field": "status", "sort": "ascending"},
        },
    }
    return _spec(status_title(model), status_rows(model), layer, theme)


BELIEF_NAMES = {
    "belief_ukraine_km2_per_day": "Ukraine believes",
    "belief_russia_km2_per_day": "Russia believes",
    "true_drift_km2_per_day": "reality",
}


def beliefs_rows(model: CeasefireModel, start: int = 0) -> list[dict[str, Any]]:
    """Rows of the beliefs chart for days ``start`` to today: median km²/day per belief."""
    n = model.day + 1
    dates = _dates(model, start)
    rows = []
    for key, label in BELIEF_NAMES.items():
        q = model.recorder.quantiles[QUANTITIES.index(key), start:n, 2]
        rows += [
            {"day": start + i, "date": date, "who": label, "km2": round(float(q[i]), 3)}
            for i, date in enumerate(dates)
        ]
    return rows


def beliefs_title(model: CeasefireModel) -> str:
    """The beliefs chart's title."""
    return "Who is winning? Expected Russian gain"


def beliefs_spec(model: CeasefireModel, theme: str = "light") -> dict[str, Any]:
    """Vega-Lite: each side's belief about the front's drift against the true drift."""
    names = BELIEF_NAMES
    layer = {
        "mark": {"type": "line", "strokeWidth": 2},
        "encoding": {
            "x": _x(model),
            "y": {"field": "km2", "type": "quantitative", "title": "km²/day Russia gains"},
            "color": {
                "field": "who",
                "type": "nominal",
                "title": None,
                "scale": {
                    "domain": list(names.values()),
                    "range": [SIDE_COLOURS["ukraine"], SIDE_COLOURS["russia"], THEMES[theme]["fg"]],
                },
            },
            "strokeDash": {
                "field": "who",
                "type": "nominal",
                "legend": None,
                "scale": {"domain": list(names.values()), "range": [[1, 0], [1, 0], [5, 3]]},
            },
        },
    }
    return _spec(beliefs_title(model), beliefs_rows(model), layer, theme)


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%" if share >= 0.01 or share == 0 else f"{100 * share:.1f}%"


#: Chart name -> (full spec, rows from a day on, title).
CHARTS: dict[str, tuple[Callable[..., dict[str, Any]], Callable[..., list], Callable[..., str]]] = {
    "control": (control_spec, control_rows, control_title),
    "status": (status_spec, status_rows, status_title),
    "beliefs": (beliefs_spec, beliefs_rows, beliefs_title),
}


def stream_spec(name: str, model: CeasefireModel, theme: str) -> dict[str, Any]:
    """The chart ``name`` as :class:`~ceasefire_sim.streamchart.StreamChart` draws it.

    The full spec with its rows replaced by the named, growing data set ``rows`` and its title
    by the signal ``chartTitle`` (both updated in the browser, never re-embedded).
    """
    full, _, title = CHARTS[name]
    spec = full(model, theme)
    spec["data"] = {"name": "rows"}
    spec["params"] = [{"name": "chartTitle", "value": title(model)}]
    spec["title"] = {"text": {"expr": "chartTitle"}}
    return spec


# -------------------------------------------------------------------------- html panels
def _abbr(term: str, shown: str | None = None) -> str:
    words = glossary(term) or ""
    return (
        f'<abbr class="gloss" title="{html.escape(words)}" tabindex="0">'
        f"{html.escape(shown or term)}</abbr>"
    )


def explain_keys(text: str) -> str:
    """``text`` escaped, with every raw parameter key wrapped in its glossary entry."""
    out, last = [], 0
    for match in KEY_PATTERN.finditer(text):
        words = glossary(match.group(1))
        if not words:
            continue
        out.append(html.escape(text[last : match.start()]))
        out.append(_abbr(match.group(1)))
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def monitors(model: CeasefireModel) -> dict[str, str]:
    """The live monitors: share at war, each side's latest surplus, US pressure, casualties."""
    at_war = float(np.mean(~model.in_ceasefire))
    decision = latest_decision(model)
    out = {"share at war": f"{100 * at_war:.0f}%"}
    for side in ("ukraine", "russia"):
        answer = decision.answers.get(side) if decision else None
        out[f"{side.capitalize()}'s surplus"] = "–" if answer is None else f"{answer.surplus:+.2f}"
    p = model.params
    share = float(np.mean(model.us_aid_share()))
    on_ua = float(np.mean(p["mediator.leverage_on_ukraine"])) * share
    on_ru = float(
        np.mean(p["mediator.leverage_on_russia"]) * np.mean(p["mediator.sanctions_pressure"])
    )
    out["US pressure (on Ukraine / Russia)"] = f"{on_ua:.2f} / {on_ru:.2f}"
    ua = float(np.mean(model.ukraine.casualties))
    ru = float(np.mean(model.russia.casualties))
    out["casualties so far (Ukraine / Russia)"] = f"{ua:,.0f} / {ru:,.0f}"
    return out


def banner_html(model: CeasefireModel, theme: str = "light") -> str:
    """The date in large type, the mode, the status of world 0, the levers and the monitors."""
    levers = getattr(model, "levers", Levers())
    mode = "one world" if model.worlds == 1 else f"many futures: {model.worlds} worlds"
    status = status_of_world(model)
    changes = levers.changes()
    lever_text = "Levers: " + ("; ".join(changes) if changes else "as in the scenario")
    colour = STATUS_TEXT[theme][status]
    cells = "".join(
        f'<div class="monitor"><div class="monitor-label">{_abbr(_gloss_of(k), k)}</div>'
        f'<div class="monitor-value">{html.escape(v)}</div></div>'
        for k, v in monitors(model).items()
    )
    end = " &middot; <b>the end of the run</b>" if model.day >= model.days else ""
    return (
        f'<div class="sim-date">{model.date.strftime("%A %d %B %Y")}</div>'
        f'<div>Day <span class="sim-day">{model.day}</span> of {model.days}{end} &middot; '
        f"{html.escape(mode)} &middot; world 0 is "
        f'<b class="sim-status" style="color:{colour}">{status}</b> &middot; '
        f"{html.escape(model.scenario.name)}</div>"
        f'<div class="sim-levers">{html.escape(lever_text)}</div>'
        f'<div class="monitors">{cells}</div>'
    )


def _gloss_of(label: str) -> str:
    for term in ("share at war", "surplus", "pressure"):
        if term in label.lower():
            return term
    return "world"


def narrative_html(
    model: CeasefireModel, world: int = 0, query: str = "", kind: str = "all"
) -> str:
    """The whole narrative log of one world as HTML, newest first, filtered by words and kind."""
    rows = [r for r in model.narrative.rows if r[2] == world][::-1]
    if kind != "all":
        rows = [r for r in rows if r[4] == kind]
    if query:
        q = query.lower()
        rows = [r for r in rows if q in r[5].lower() or q in (r[6] or "").lower()]
    if not rows:
        return (
            '<p class="narrative-empty">Nothing to show yet: the mediator first proposes on '
            "a negotiation day. Press Step or play.</p>"
        )
    items = []
    for day, date, _, _, kind_, text, explanation in rows:
        why = (
            f'<div class="why">why: {explain_keys(explanation)}</div>'
            if explanation and kind_ in ("accept", "reject")
            else ""
        )
        items.append(
            f'<li class="narrative-row" data-kind="{html.escape(kind_)}">'
            f'<span class="muted">{html.escape(str(date))} (day {day})</span> '
            f'<b class="kind-{html.escape(kind_)}">{html.escape(kind_)}</b> '
            f"{explain_keys(text)}{why}</li>"
        )
    return '<ul class="log-list">' + "".join(items) + "</ul>"


def reasons_html(model: CeasefireModel, found: dict[str, Reason], title: str) -> str:
    """The decision panel: each side's answer, issue by issue, in numbers and words."""
    if not found:
        return (
            f'<div class="panel-title">{html.escape(title)}</div><p>No proposal yet: the '
            "mediator proposes on negotiation days (or open talks as the mediator).</p>"
        )
    cols = []
    for side, r in found.items():
        verdict = {True: "YES", False: "NO", None: "waiting"}[r.accepted]
        cls = {True: "yes", False: "no", None: "muted"}[r.accepted]
        rows = "".join(
            f'<tr><td>{html.escape(label)}</td><td class="num {"yes" if v >= 0 else "no"}">'
            f"{v:+.2f}</td></tr>"
            for _, label, v in r.issues
        )
        cols.append(
            f'<div class="answer answer-{side}"><div class="answer-head">{html.escape(ROLE_NAMES[side])}: '
            f'<b class="{cls}">{verdict}</b></div><table class="reasons">{rows}'
            f'<tr class="sum"><td>deal minus {_abbr("fighting on")}</td>'
            f'<td class="num">{r.deal_value:+.2f}</td></tr>'
            f'<tr><td>+ US {_abbr("pressure")}</td><td class="num">{r.pressure:+.2f}</td></tr>'
            f'<tr class="sum"><td>= {_abbr("surplus")} with pressure</td>'
            f'<td class="num">{r.deal_value + r.pressure:+.2f}</td></tr>'
            f'<tr><td>+ {_abbr("chance")} today</td><td class="num">{r.chance:+.2f}</td></tr>'
            f'<tr class="sum"><td>total (yes only if this and the surplus are at least 0)</td>'
            f'<td class="num">{r.total:+.2f}</td></tr>'
            f'</table><div class="words">{html.escape(r.words())}</div></div>'
        )
    extra = ""
    if found and all(r.accepted for r in found.values()):
        any_reason = next(iter(found.values()))
        del any_reason
    return f'<div class="panel-title">{html.escape(title)}</div><div class="answers">{"".join(cols)}</div>{extra}'


def durability_html(model: CeasefireModel, row: int, found: dict[str, Reason]) -> str:
    """Expected durability of a ceasefire on package ``row``, in words and numbers."""
    days, hazard = durability(model, row, found)
    shown = "more than a year" if days > 365 else f"about {days:,.0f} days"
    return (
        f'<div class="durability">Expected {_abbr("durability")} if both say yes: {shown} '
        f"(breakdown hazard {100 * hazard:.2f}% on its first day, falling as it holds).</div>"
    )


def brief_html(model: CeasefireModel, side: str) -> str:
    """``side``'s private brief: what it values, its red lines, what fighting on is worth now."""
    b = brief(model, side)
    rows = "".join(
        f"<tr><th>{html.escape(ISSUE_TITLES.get(issue, issue))}</th><td>"
        + "; ".join(f"{html.escape(label)} <b>{u:+.2f}</b>" for label, u in options)
        + "</td></tr>"
        for issue, options in b.values
    )
    red = ", ".join(html.escape(r) for r in b.red_lines) or "none"
    return (
        f'<div class="brief brief-{side}"><div class="panel-title">Private brief: you are '
        f"{html.escape(ROLE_NAMES[side])}</div>"
        f"<div>What each option is worth to you ({_abbr('utility')}):</div>"
        f'<table class="brief-values">{rows}</table>'
        f"<div>Your {_abbr('red line', 'red lines')}: <b>{red}</b></div>"
        f"<div>{_abbr('fighting on', 'Fighting on')}: {html.escape(b.fighting_on())}</div></div>"
    )


INFO_HTML = """
<div class="panel-title">About this app</div>
<p><b>What it is.</b> An agent-based model of the Russia-Ukraine ceasefire talks from 13 March
2025: Ukraine and Russia fight, learn from the front and answer the US mediator's proposals.</p>
<p><b>How it works.</b> A side says yes when its <i>surplus</i> (the deal minus fighting on),
plus US <i>pressure</i> on it, plus a little <i>chance</i> is at least 0. Fighting on is worth the
ground a side expects to win, less the pain of casualties. A ceasefire can break down: more often
without guarantees, and when a side accepted it under pressure.</p>
<p><b>Things to notice.</b> Which issue costs each side most; how the sides' beliefs about the
front move towards reality; how a deal won by pressure holds.</p>
<p><b>Things to try.</b> Play the mediator and find a package both accept; play Russia and hold
out; pause US aid or call a summit; compare one world with 200 futures.</p>
<p>It does not forecast: it compares levers under its stated assumptions.</p>
"""

ROLE_CHOICES = {
    "watch": "Watch (the model plays every role)",
    "mediator": "You are the mediator",
    "ukraine": "You are Ukraine",
    "russia": "You are Russia",
}
#: The days a Step (and each update of Play) moves: a day, a few days, a week, two weeks, a month.
#: A short list of stops rather than every number from 1 to 30: a class thinks in days, weeks and
#: months, the stops stay readable on a phone's slider, and each one is tested to the horizon in
#: the browser (``tests/test_classroom_horizon.py``).
RENDER_INTERVALS = (1, 2, 3, 5, 7, 14, 30)
LOG_KINDS = (
    "all",
    "proposal",
    "accept",
    "reject",
    "ceasefire",
    "breakdown",
    "expiry",
    "extension",
    "event",
    "walkout",
)


def page_css(theme: str) -> str:
    """The page's style sheet for a theme (``light`` or ``dark``)."""
    t = THEMES[theme]
    s = STATUS_TEXT[theme]
    return f"""
.cf-root {{ background:{t["bg"]}; color:{t["fg"]}; font-size:15px; min-height:100vh; }}
.cf-root .muted {{ color:{t["muted"]}; }}
.cf-root .yes, .cf-root .kind-accept, .cf-root .kind-ceasefire, .cf-root .kind-settlement,
.cf-root .kind-extension {{ color:{t["yes"]}; }}
.cf-root .no, .cf-root .kind-reject, .cf-root .kind-breakdown {{ color:{t["no"]}; }}
.cf-root .kind-expiry {{ color:{s["collapsed"]}; }}
.cf-root a {{ color:{t["link"]}; }}
.cf-header {{ display:flex; gap:12px; align-items:flex-start; padding:4px 8px; }}
.cf-body {{ display:flex; }}
.cf-sidebar {{ width:300px; flex:0 0 300px; padding:6px 10px; background:{t["panel"]};
  max-height:calc(100vh - 10px); overflow-y:auto; }}
.sb-closed .cf-sidebar, .sb-default .cf-sidebar {{ display:none; }}
@media (min-width: 900px) {{ .sb-default .cf-sidebar {{ display:block; }} }}
@media (max-width: 899px) {{
  .sb-open .cf-sidebar {{ position:fixed; z-index:50; top:0; left:0; bottom:0; width:86vw;
    max-width:340px; max-height:100vh; box-shadow:0 0 12px #0008; }} }}
.cf-main {{ flex:1 1 auto; min-width:0; padding:0 8px; }}
.sim-date {{ font-size:1.6em; font-weight:600; line-height:1.15; }}
.monitors {{ display:flex; flex-wrap:wrap; gap:4px 16px; margin-top:2px; }}
.monitor-label {{ font-size:12px; color:{t["muted"]}; }}
.monitor-value {{ font-size:16px; font-weight:600; }}
.cf-grid {{ display:grid; grid-template-columns: minmax(0,1.1fr) minmax(0,1fr) minmax(0,1.2fr);
  gap:8px; }}
.cf-cell {{ background:{t["panel"]}; border-radius:6px; padding:6px; min-width:0; }}
.front-chart {{ max-height:430px; }}
.negotiation-table, .decision-panel {{ max-height:430px; overflow-y:auto; }}
.panel-title {{ font-weight:600; font-size:1.05em; margin-bottom:3px; }}
.answers {{ display:grid; grid-template-columns:1fr 1fr; gap:6px; }}
.reasons {{ border-collapse:collapse; font-size:13px; width:100%; }}
.reasons td {{ padding:0 3px; vertical-align:top; }}
.reasons .num {{ text-align:right; white-space:nowrap; font-variant-numeric:tabular-nums; }}
.reasons .sum td {{ border-top:1px solid {t["muted"]}; font-weight:600; }}
.words {{ font-size:13px; margin-top:3px; }}
.brief-values th {{ text-align:left; padding-right:6px; vertical-align:top; }}
.brief-values td, .brief-values th {{ font-size:13px; }}
abbr.gloss {{ text-decoration: underline dotted; cursor:help; }}
.log-list {{ list-style:none; padding-left:0; margin:0; }}
.narrative-row {{ margin-bottom:4px; }}
.why {{ color:{t["muted"]}; font-size:0.9em; margin-left:1em; }}
.narrative-log {{ max-height:320px; overflow-y:auto; font-size:14px; line-height:1.3; }}
.charts-row {{ display:grid; grid-template-columns:1fr 1fr; gap:8px; margin-top:8px; }}
.cf-root .v-btn {{ text-transform:none; }}
.debrief-row {{ display:grid; grid-template-columns: minmax(0,1fr) minmax(0,1.2fr) minmax(0,1.2fr);
  gap:8px; margin-top:8px; }}
.map-rule {{ font-size:13px; }}
.runs-scroll {{ overflow-x:auto; max-width:100%; }}
.runs, .comparison {{ border-collapse:collapse; font-size:13px; }}
.runs td, .runs th, .comparison td, .comparison th {{ padding:1px 5px; text-align:left;
  vertical-align:top; border-bottom:1px solid {t["grid"]}; }}
.distribution {{ color:{t["fg"]}; }}
.cf-root .v-sheet {{ color:{t["fg"]}; }}
.team-code {{ font-size:2em; font-weight:700; letter-spacing:0.2em; }}
@media (max-width: 899px) {{
  .cf-grid, .charts-row, .answers, .debrief-row {{ grid-template-columns: minmax(0,1fr); }}
  .runs tr:first-child {{ display:none; }}
  .runs, .runs tbody, .runs tr, .runs td {{ display:block; }}
  .runs tr {{ border-bottom:1px solid {t["muted"]}; padding:3px 0; }}
  .runs td {{ border:none; }}
  .runs td::before {{ content: attr(data-label) ": "; font-weight:600; }}
  .front-chart, .negotiation-table, .decision-panel {{ max-height:none; }}
  .sim-date {{ font-size:1.25em; }}
}}
@media (min-width: 1800px) {{ .cf-root {{ font-size:17px; }} .front-chart,
  .negotiation-table, .decision-panel {{ max-height:640px; }} }}
.cf-root .v-input, .cf-root .v-label, .cf-root .v-select__selection, .cf-root input {{
  color:{t["fg"]} !important; }}
.cf-root .cf-sidebar *, .cf-root .v-input *, .cf-root .v-label, .cf-root .v-btn:not(.v-btn--disabled) {{
  color:{t["fg"]} !important; }}
.cf-root .v-input__slot, .cf-root .v-sheet, .cf-root .cf-sidebar > div {{
  background:transparent !important; }}
.v-application, .v-application--wrap, .v-main, body {{ background:{t["bg"]} !important;
  color:{t["fg"]}; }}
.cf-root .v-btn.v-btn--contained {{ background-color:{t["bg"]} !important; border:1px solid {t["muted"]}; }}
b:has(> a[href="https://solara.dev"]) {{ color:{t["fg"]} !important; background:{t["bg"]}; }}
a[href="https://solara.dev"] {{ color:{t["link"]} !important; }}
.v-slider__thumb-label-container {{ display:block !important; }}
.interval-slider .v-slider__thumb-label-container {{ display:none !important; }}
.interval-slider .v-slider__tick-label {{ font-size:13px; }}
.interval-slider {{ padding-bottom:14px; }}
.v-slider__thumb-label {{ color:#ffffff !important; background-color:#0b4f8a !important; }}
"""


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
        '<div class="muted" style="font-size:13px;margin-top:6px">US pressure: leverage on Ukraine '
        "(the threat of losing US aid) and on Russia (the threat of sanctions). European aid: "
        "all allies together, at day 0. Cost tolerance: casualties a side bears per unit of utility. "
        "Factors apply from day 1.</div>"
    )


# ------------------------------------------------------------------------------ components
DEFAULT_PARAMS = {"scenario": BASELINE_NAME, "worlds": 1, "seed": 1}


def _defaults() -> dict[str, Any]:
    params = model_params()
    return {k: (p["value"] if isinstance(p, dict) else p.value) for k, p in params.items()}


@solara.component
def Chart(model: CeasefireModel, theme: str, name: str, clock: int) -> None:  # noqa: N802 (solara component)
    """A Vega-Lite chart drawn in the browser, embedded once per model and theme.

    Each update (a new ``clock``) sends only the days the browser has not drawn
    (:class:`~ceasefire_sim.streamchart.StreamChart`), so a step costs the same on day 360 as
    on day 1.
    """
    widget = solara.use_memo(lambda: StreamChart(name), [])
    _, rows, title = CHARTS[name]

    def source(start: int) -> tuple[list[dict[str, Any]], int, str]:
        return rows(model, start), model.day + 1, title(model)

    def update() -> None:
        widget.show((id(model), theme), lambda: stream_spec(name, model, theme), source)

    solara.use_effect(update, [id(model), theme, clock])
    solara.Div(children=[widget])


@solara.component
def HtmlBox(content: str, css_class: str) -> None:  # noqa: N802 (solara component)
    """A block of the page's own HTML."""
    solara.HTML(tag="div", unsafe_innerHTML=content, classes=[css_class])


@solara.component
def Composer(  # noqa: N802 (solara component)
    session: Session, proposer: str, on_done: Callable[[], None], version: int = 0
) -> None:
    """Pick one option per issue and propose the package (the mediator or a side's counter)."""
    model = session.model
    table = options_on_table(model)
    start = solara.use_memo(lambda: default_choices(model), [id(model)])
    choices, set_choices = solara.use_state(start, key=f"choices-{proposer}")
    error, set_error = solara.use_state("")
    for issue, options in table.items():
        labels = {label: name for name, label in options}
        current = next((lb for lb, nm in labels.items() if nm == choices.get(issue)), None)
        solara.Select(
            label=ISSUE_TITLES.get(issue, issue),
            values=list(labels),
            value=current or next(iter(labels)),
            on_value=lambda lb, issue=issue, labels=labels: set_choices(
                {**choices, issue: labels[lb]}
            ),
            dense=True,
        )

    def go() -> None:
        try:
            if proposer == "united_states":
                session.propose(choices)
            else:
                session.counter(proposer, choices)
            set_error("")
        except ScenarioError as exc:
            set_error(str(exc))
        on_done()

    label = (
        "Propose this package" if proposer == "united_states" else "Counter-propose this package"
    )
    solara.Button(label, on_click=go, color="primary", classes=["propose-button"])
    if error:
        solara.Error(error)


@solara.component
def TablePanel(  # noqa: N802 (solara component)
    session: Session, seats: set[str], refresh: Callable[[], None], theme: str, version: int = 0
) -> None:
    """The negotiation table: what is proposed, and the actions of the seats people hold here."""
    model = session.model
    pending = session.pending
    with solara.Div(classes=["cf-cell", "negotiation-table"]):
        solara.HTML(tag="div", unsafe_innerHTML='<div class="panel-title">The table</div>')
        for side in ("ukraine", "russia"):
            if side in seats:
                HtmlBox(brief_html(model, side), "brief-box")
        if pending is not None and pending.stage == "answer" and pending.package is not None:
            row = int(pending.package[0])
            text = "; ".join(model.space.labels(row).values())
            who = ROLE_NAMES[PROPOSERS.get(pending.proposer, "mediator")]
            HtmlBox(
                f'<div class="on-table"><b>On the table</b> ({html.escape(who)} proposes): '
                f"{html.escape(text)}</div>",
                "on-table-box",
            )
            for side in sorted(pending.waiting & seats):
                with solara.Row():
                    solara.Button(
                        f"Accept ({ROLE_NAMES[side]})",
                        color="success",
                        on_click=lambda side=side: (session.answer(side, True), refresh()),
                    )
                    solara.Button(
                        f"Reject ({ROLE_NAMES[side]})",
                        color="error",
                        on_click=lambda side=side: (session.answer(side, False), refresh()),
                    )
                with solara.Details(f"Counter-propose as {ROLE_NAMES[side]}"):
                    Composer(session, side, refresh, version)
            if pending.waiting - seats:
                solara.Text(
                    "Waiting for: "
                    + ", ".join(ROLE_NAMES[s] for s in sorted(pending.waiting - seats))
                )
        elif "mediator" in seats and not session.finished:
            if pending is not None:
                solara.Text("A negotiation day: compose the package and propose it.")
            else:
                solara.Text(
                    "Compose a package and propose it today (or step to a negotiation day)."
                )
            Composer(session, "united_states", refresh, version)
            if pending is not None:
                solara.Button(
                    "Let the model propose", on_click=lambda: (session.delegate(), refresh())
                )
        else:
            decision = latest_decision(model)
            if decision is None:
                solara.Text("Nothing proposed yet.")
            else:
                HtmlBox(
                    f"<div>Last proposal ({html.escape(decision.date)}): "
                    f"{html.escape(decision.proposal)}</div>",
                    "last-proposal",
                )


@solara.component
def DecisionPanel(session: Session, theme: str, version: int = 0) -> None:  # noqa: N802 (solara component)
    """Why did they say yes or no? The open round's answers, or the last round's."""
    model = session.model
    pending = session.pending
    if pending is not None and pending.stage == "answer":
        found = reasons(model, pending)
        title = "Answers so far"
        row = int(pending.package[0]) if pending.package is not None else -1
    else:
        found, row, title = {}, -1, "Why did they say yes or no?"
        for day, date, record in reversed(model.narrative.rounds):
            found = reasons(model, record)
            if found:
                row = int(record.package[list(record.worlds).index(0)])
                title = f"Why did they say yes or no? The proposal of {date} (day {day})"
                break
    content = reasons_html(model, found, title)
    if found and row >= 0:
        content += durability_html(model, row, found)
    with solara.Div(classes=["cf-cell", "decision-panel"]):
        HtmlBox(content, "decision-box")


#: Set when the program ends. Python waits for every non-daemon thread before it exits, and
#: the page's play loop is one (solara starts it); ``threading._register_atexit`` runs before
#: that wait (concurrent.futures stops its workers the same way), so the loop sees this and ends.
_PROGRAM_ENDING = threading.Event()
if hasattr(threading, "_register_atexit"):
    threading._register_atexit(_PROGRAM_ENDING.set)


@solara.component
def Page() -> None:  # noqa: N802 (solara component)
    """The classroom page: a session per browser tab, or a seat in a team session."""
    solara.use_memo(ensure_chart_assets, [])
    defaults = solara.use_memo(_defaults, [])
    own = solara.use_memo(lambda: Session(ClassroomModel, defaults), [])
    joined = solara.use_reactive(None)  # (code, seat) in team mode
    session: Session = REGISTRY.get(joined.value[0]) if joined.value else own
    # The part of the page that moves with the model reads ``version``; the controls do not,
    # so a day's update re-renders only what changed.
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    render_interval = solara.use_reactive(1)
    play_interval = solara.use_reactive(0)
    sidebar = solara.use_reactive("default")
    dark = solara.use_reactive(False)
    message = solara.use_reactive("")
    alive = solara.use_memo(lambda: [True], [])

    def refresh() -> None:
        version.set(session.version)

    def loop() -> None:
        # Play, and keep in step with the other screens of a team session.
        seen = -1
        # The page's own thread: it ends when the page is closed, and also when the program
        # ends (see _PROGRAM_ENDING), so an in-process render -- a test, a notebook -- never
        # keeps the interpreter from exiting.
        while alive[0] and not _PROGRAM_ENDING.is_set():
            if playing.value and not joined.value:
                time.sleep(max(play_interval.value, 0) / 1000)
                try:
                    moved = session.advance(render_interval.value)
                except Exception as exc:  # shown on the page, never a traceback
                    message.set(f"The run stopped: {exc}")
                    moved = 0
                if moved == 0:
                    playing.set(False)
            else:
                time.sleep(0.25)
            if session.version != seen:
                seen = session.version
                version.set(seen)

    solara.lab.use_task(loop, dependencies=[joined.value], prefer_threaded=True)

    def stop_loop() -> Callable[[], None]:
        def cleanup() -> None:
            alive[0] = False

        return cleanup

    solara.use_effect(stop_loop, [])
    theme = "dark" if dark.value else "light"
    sb_class = {"default": "sb-default", "open": "sb-open", "closed": "sb-closed"}[sidebar.value]
    solara.Style(page_css(theme))
    with solara.Div(classes=["cf-root", sb_class, f"theme-{theme}"]):  # noqa: SIM117
        with solara.Div(classes=["cf-body"]):
            Sidebar(
                session,
                defaults,
                joined,
                playing,
                render_interval,
                play_interval,
                sidebar,
                dark,
                message,
                refresh,
            )
            Live(
                session,
                joined.value,
                version,
                sidebar,
                message,
                theme,
                refresh,
                playing,
            )


@solara.component
def Sidebar(  # noqa: N802 (solara component)
    session: Session,
    defaults: dict[str, Any],
    joined: solara.Reactive,
    playing: solara.Reactive,
    render_interval: solara.Reactive,
    play_interval: solara.Reactive,
    sidebar: solara.Reactive,
    dark: solara.Reactive,
    message: solara.Reactive,
    refresh: Callable[[], None],
) -> None:
    """The controls: step, play, run to the end, reset, role, levers, injects, team mode."""
    params = solara.use_reactive(dict(defaults))
    role = solara.use_reactive("watch")
    code_input = solara.use_reactive("")
    seat_input = solara.use_reactive("ukraine")
    team_input = solara.use_reactive("Team A")
    code, set_code = solara.use_state(session.code)

    def step() -> None:
        session.advance(render_interval.value)
        refresh()

    def run_to_end() -> None:
        playing.set(False)
        session.run_to_end()
        refresh()

    def reset() -> None:
        playing.set(False)
        humans = set() if role.value == "watch" else {role.value}
        try:
            session.reset(dict(params.value), humans)
            message.set("")
        except ScenarioError as exc:
            message.set(str(exc))
        refresh()

    def choose_role(value: str) -> None:
        key = {v: k for k, v in ROLE_CHOICES.items()}.get(value, value)
        role.set(key)
        session.set_humans(set() if key == "watch" else {key})
        refresh()

    def inject(kind: str) -> None:
        message.set(session.inject(kind))
        refresh()

    def start_team() -> None:
        set_code(session.code or REGISTRY.start(session))
        refresh()

    def join() -> None:
        try:
            REGISTRY.join(code_input.value, seat_input.value, team_input.value)
            joined.set((code_input.value.strip().upper(), seat_input.value))
            message.set("")
        except ScenarioError as exc:
            message.set(str(exc))

    with solara.Div(classes=["cf-sidebar"]):
        with solara.Row(justify="space-between"):
            solara.HTML(tag="div", unsafe_innerHTML="<b>Controls</b>")
            solara.Button(
                "Close",
                on_click=lambda: sidebar.set("closed"),
                classes=["close-sidebar"],
                text=True,
            )
        if not joined.value:
            with solara.Row():
                solara.Button("Step", on_click=step)
                solara.Button(
                    "Pause" if playing.value else "Play",
                    on_click=lambda: playing.set(not playing.value),
                )
            with solara.Row():
                solara.Button("Run to the end", on_click=run_to_end)
                solara.Button("Reset", on_click=reset)
            days = render_interval.value
            # The label above the track, so that the track has the sidebar's width for its
            # stops' labels (the thumb would show the stop's index, so it shows none).
            with solara.Div(classes=["interval-slider"]):
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=(
                        f"Render interval: {days} day{'s' if days != 1 else ''} per step"
                    ),
                )
                solara.SliderValue("", value=render_interval, values=list(RENDER_INTERVALS))
            with solara.Div(classes=["play-slider"]):
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=f"Play interval: {play_interval.value} ms between updates",
                )
                solara.SliderInt("", value=play_interval, min=0, max=1000, step=50)
            solara.Select(
                "Your role",
                values=list(ROLE_CHOICES.values()),
                value=ROLE_CHOICES[role.value],
                on_value=choose_role,
            )
            _Levers(params)
            solara.HTML(tag="div", unsafe_innerHTML="<b>Teacher's injects</b>")
            for kind, label in INJECTS.items():
                solara.Button(
                    label,
                    on_click=lambda kind=kind: inject(kind),
                    text=True,
                    classes=[f"inject-{kind}"],
                )
            solara.HTML(tag="div", unsafe_innerHTML="<b>Team mode</b>")
            if code:
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=(
                        f'Session code: <span class="team-code">{code}</span><br>'
                        "Teams join with this code from their own devices."
                    ),
                )
            else:
                solara.Button("Start a team session", on_click=start_team, classes=["start-team"])
        solara.HTML(tag="div", unsafe_innerHTML="<b>Join a team session</b>")
        solara.InputText("Session code", value=code_input)
        solara.Select("Seat", values=list(ROLES), value=seat_input)
        solara.InputText("Team name", value=team_input)
        solara.Button("Join", on_click=join, classes=["join-button"])
        solara.Checkbox(label="Dark mode", value=dark)


@solara.component
def Live(  # noqa: N802 (solara component)
    session: Session,
    joined: tuple[str, str] | None,
    version_state: solara.Reactive,
    sidebar: solara.Reactive,
    message: solara.Reactive,
    theme: str,
    refresh: Callable[[], None],
    playing_state: solara.Reactive,
) -> None:
    """What moves with the model: the date and monitors, the front, the table, the answers.

    Only this component reads the session's ``version`` (and whether it plays), so a day's
    update re-renders it and not the controls. The charts take only the new days
    (:func:`Chart`), at most every :data:`CHART_PERIOD_S` while playing.
    """
    version, playing = version_state.value, playing_state.value
    model = session.model
    # While playing, the charts take the new days at most every CHART_PERIOD_S (a batch of the
    # days since); when play stops, the day reached.
    chart_clock = int(time.monotonic() / CHART_PERIOD_S) if playing else -1 - model.day
    seats = {joined[1]} if joined else set(session.local_humans)
    log_query = solara.use_reactive("")
    log_kind = solara.use_reactive("all")
    with solara.Div(classes=["cf-main"]):
        with solara.Div(classes=["cf-header"]):
            solara.Button(
                "☰ Controls",
                on_click=lambda: sidebar.set("open"),
                classes=["open-sidebar"],
                text=True,
            )
            HtmlBox(banner_html(model, theme), "date-banner")
        if message.value:
            solara.Info(message.value)
        if joined:
            others = ", ".join(f"{t}: {ROLE_NAMES[s]}" for s, t in session.teams.items())
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<div class="team-banner">Team session <b>{html.escape(joined[0])}</b>: '
                    f"you are {html.escape(ROLE_NAMES[joined[1]])}. Seats taken: "
                    f"{html.escape(others)}; the model plays the others.</div>"
                ),
            )
        with solara.Div(classes=["cf-grid"]):
            with solara.Div(classes=["cf-cell", "front-chart"]):
                Chart(model, theme, "control", chart_clock)
            TablePanel(session, seats, refresh, theme, version)
            DecisionPanel(session, theme, version)
        with solara.Div(classes=["charts-row"]):
            with solara.Div(classes=["cf-cell"]):
                Chart(model, theme, "status", chart_clock)
            with solara.Div(classes=["cf-cell"]):
                Chart(model, theme, "beliefs", chart_clock)
        with solara.Div(classes=["cf-cell", "log-cell"]):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    '<div class="panel-title">What happened in world 0 (newest first)</div>'
                ),
            )
            with solara.Row():
                solara.InputText("Filter the log", value=log_query, continuous_update=True)
                solara.Select("Kind", values=list(LOG_KINDS), value=log_kind)
            HtmlBox(
                narrative_html(model, query=log_query.value, kind=log_kind.value), "narrative-log"
            )
        with solara.Div(classes=["debrief-row"]):
            with solara.Div(classes=["cf-cell", "map-cell"]):
                HtmlBox(front_map_html(model, theme), "front-map-box")
            with solara.Div(classes=["cf-cell", "compare-cell"]):
                Compare(session)
            with solara.Div(classes=["cf-cell", "debrief-cell"]):
                Debrief(session, version)
        with solara.Div(classes=["cf-cell"]):
            HtmlBox(solara.use_memo(lambda: levers_html(model), [id(model)]), "levers-panel")
        with solara.Div(classes=["cf-cell", "info-panel"]):
            HtmlBox(INFO_HTML + glossary_html(), "info-box")


def front_map_html(model: CeasefireModel, theme: str) -> str:
    """The schematic map of the front by region, with its rule in words."""
    who = "world 0" if model.worlds == 1 else f"median of {model.worlds} futures"
    return (
        f'<div class="panel-title">The front by region ({html.escape(who)}, day {model.day})'
        f"</div>{front_map_svg(model, THEMES[theme])}"
        f'<div class="muted map-rule">{html.escape(MAP_RULE)}</div>'
    )


def runs_html(runs: list[RunSummary]) -> str:
    """The runs so far as a table, the current run last."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in RUN_COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{html.escape(c)}">{html.escape(str(v))}</td>'
            for c, v in zip(RUN_COLUMNS, run_row(k, r), strict=True)
        )
        + "</tr>"
        for k, r in enumerate(runs, start=1)
    )
    return f'<div class="runs-scroll"><table class="runs"><tr>{head}</tr>{body}</table></div>'


@solara.component
def Debrief(session: Session, version: int = 0) -> None:  # noqa: N802 (solara component)
    """Results across the runs of this screen (or team session) and the downloads."""
    model = session.model
    runs = [*session.runs, run_summary(model, None)]
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            '<div class="panel-title">Debrief: the runs so far (the last is this run)</div>'
            + runs_html(runs)
        ),
    )
    solara.FileDownload(
        lambda: log_csv(model),
        filename="decision-log.csv",
        label="Download the decision log (CSV)",
        mime_type="text/csv",
    )
    solara.FileDownload(
        lambda: runs_csv(runs),
        filename="runs.csv",
        label="Download the runs (CSV)",
        mime_type="text/csv",
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            '<div class="muted">Save any chart as an image (PNG or SVG) from the ⋯ menu at '
            "its top right.</div>"
        ),
    )


#: Levers setting B may change in "Compare two settings" (the factors).
COMPARE_LEVERS = {label.rstrip(" ×"): name for name, (_, label) in FACTOR_PATHS.items()}


@solara.component
def Compare(session: Session) -> None:  # noqa: N802 (solara component)
    """Two lever settings side by side over many futures, and the story among them."""
    lever = solara.use_reactive("US pressure on Russia")
    factor = solara.use_reactive(3.0)
    result = solara.use_reactive(None)

    def run() -> None:
        name = COMPARE_LEVERS[lever.value]
        params_a = {**session.params, "worlds": MANY_WORLDS}
        params_b = {**params_a, name: float(factor.value) * float(params_a.get(name, 1.0))}
        label_a = "A: the levers in force"
        label_b = f"B: A with {lever.value} ×{factor.value:g}"
        try:
            result.set(compare_settings(ClassroomModel, params_a, params_b, label_a, label_b))
        except ScenarioError as exc:
            result.set(str(exc))

    task = solara.lab.use_task(run, dependencies=None, prefer_threaded=True)
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            '<div class="panel-title">Compare two lever settings over '
            f"{MANY_WORLDS} futures</div><div>A: the levers in force (Reset applies the "
            "controls). B: A with one lever changed.</div>"
        ),
    )
    solara.Select("Lever B changes", values=list(COMPARE_LEVERS), value=lever)
    solara.SliderFloat("B's factor on it ×", value=factor, min=0.0, max=MAX_FACTOR, step=0.25)
    solara.Button(
        "Running both..." if task.pending else "Compare A and B",
        on_click=task,
        disabled=task.pending,
        classes=["compare-button"],
    )
    value = result.value
    if isinstance(value, str):
        solara.Error(value)
    elif value is not None:
        model = session.model
        story = float(model.control_km2[0]) if session.finished else None
        HtmlBox(
            comparison_html(value)
            + '<div class="panel-title">Many futures next to the story</div>'
            + distribution_html(value.control_end_km2[:, 0], story, "world 0 of this run")
            + (
                ""
                if story is not None
                else "<div>Run this run to the end to place its story.</div>"
            ),
            "comparison-box",
        )


def glossary_html() -> str:
    """The glossary as a definition list."""
    items = "".join(
        f"<dt><b>{html.escape(k)}</b></dt><dd>{html.escape(v)}</dd>" for k, v in GLOSSARY.items()
    )
    return f'<div class="panel-title">Glossary</div><dl class="glossary">{items}</dl>'


@solara.component
def _Levers(params: solara.Reactive[dict[str, Any]]) -> None:  # noqa: N802 (solara component)
    """The scenario, worlds, seed and lever widgets (applied on Reset)."""
    for key, spec in model_params().items():
        value = params.value.get(key)

        def set_value(v: Any, key: str = key) -> None:
            params.set({**params.value, key: v})

        if isinstance(spec, dict):
            solara.Select(spec["label"], values=spec["values"], value=value, on_value=set_value)
        elif isinstance(spec.value, int) and isinstance(spec.step, int):
            solara.SliderInt(
                spec.label,
                value=int(value),
                min=int(spec.min),
                max=int(spec.max),
                step=int(spec.step),
                on_value=set_value,
            )
        else:
            solara.SliderFloat(
                spec.label,
                value=float(value),
                min=spec.min,
                max=spec.max,
                step=spec.step,
                on_value=set_value,
            )
    solara.HTML(tag="div", unsafe_innerHTML="<i>Levers take effect when you press Reset.</i>")
