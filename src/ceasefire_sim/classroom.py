"""The classroom's game logic without a browser: human seats at the table, sessions, briefs, words.

- :class:`HumanTable` is a negotiation protocol (``name`` and ``round(table)``) whose seats --
  the mediator, Ukraine, Russia -- may be held by people. A seat nobody holds is played by the
  model (:class:`~ceasefire_sim.negotiation.protocols.MediatedNash`). When a person must act, the
  round is held open (:attr:`HumanTable.pending`) until they propose, accept, reject or
  counter-propose; the finished :class:`~ceasefire_sim.negotiation.protocols.Round` is then
  applied with the model's public :meth:`~ceasefire_sim.model.model.CeasefireModel.apply_round`.
- :class:`Session` is one classroom run: the model, the seats, stepping that never passes the
  horizon, the teacher's injects, and (in team mode) a short code teams join with.
- :func:`brief` and :func:`reasons` put a side's position and an answer in plain words and
  numbers; :func:`glossary` explains the words and raw parameter keys the page shows.

Everything here reads the negotiation package's public API (``Table.value_of``,
``Table.chance``, :func:`~ceasefire_sim.negotiation.preferences.accepts`,
:func:`~ceasefire_sim.negotiation.preferences.explain`) and the model's public methods.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
from pydantic import BaseModel

from ceasefire_sim.debrief import RunSummary, run_summary
from ceasefire_sim.errors import ScenarioError
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.negotiation import preferences
from ceasefire_sim.negotiation.protocols import MediatedNash, Round, Table
from ceasefire_sim.scenario.schema import EventConfig, Scenario

SIDES = ("ukraine", "russia")
#: The seats at the table.
ROLES = ("mediator", "ukraine", "russia")
ROLE_NAMES = {"mediator": "the US mediator", "ukraine": "Ukraine", "russia": "Russia"}
PROPOSERS = {"united_states": "mediator", "ukraine": "ukraine", "russia": "russia"}
#: Letters of a session code (no 0/O, 1/I/L: read aloud and typed on a phone).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 4
#: Days a teacher's "Russian offensive" lasts.
OFFENSIVE_DAYS = 30
OFFENSIVE_FACTOR = 0.9  # on front.defender_advantage
INJECTS = {
    "aid_pause": "Pause US aid",
    "aid_resume": "Resume US aid",
    "summit": "Call a summit tomorrow",
    "offensive": f"Russian offensive ({OFFENSIVE_DAYS} days)",
}

#: Plain words for the terms the page uses (shown on hover and in the info panel).
GLOSSARY = {
    "surplus": "How much better a side finds the deal than fighting on, in utility units "
    "(deal minus fighting on). Positive: the deal is better for it.",
    "fighting on": "What a side expects from carrying on the war for its planning horizon: "
    "territory it expects to win or lose, the pain of casualties, and the other issues as they "
    "stand in war.",
    "pressure": "What the US mediator brings to bear on the side in the way: the threat of "
    "losing US aid (Ukraine) or of sanctions (Russia), in utility units added to that side's "
    "surplus.",
    "chance": "Today's luck in a side's answer: a small random term (logistic noise), so a "
    "side near the line sometimes says yes and sometimes no.",
    "utility": "The model's common unit of value: one unit is what a side's cost tolerance "
    "of casualties is worth.",
    "red line": "An option a side refuses almost at any price; the penalty erodes as the war "
    "hurts (Zartman's hurting stalemate).",
    "durability": "How long a ceasefire is expected to hold: its daily breakdown hazard comes "
    "from its terms (guarantees, monitoring) and from how dissatisfied the unhappier side is.",
    "dissatisfaction": "How far fighting on looks better than the deal to the unhappier side "
    "(utility units); a deal accepted under pressure starts dissatisfied and is more fragile.",
    "share at war": "Share of the futures (worlds) still at war today.",
    "world": "One possible future; many worlds run at once with different uncertain inputs.",
    "render interval": "Days the model moves per Step (and per update while playing).",
}


# ------------------------------------------------------------------------------- glossary
def _field_description(model: type[BaseModel], parts: list[str]) -> str | None:
    """The schema's description of a dotted parameter path (``mediator.engaged``)."""
    current: Any = model
    description = None
    i = 0
    while i < len(parts):
        fields = getattr(current, "model_fields", None)
        if fields is None:
            return None
        info = fields.get(parts[i])
        if info is None:
            return None
        description = info.description
        annotation = info.annotation
        args = getattr(annotation, "__args__", ())
        if getattr(annotation, "__origin__", None) is dict and len(args) == 2:
            # A mapping (belligerents.ukraine...): skip its key, descend into its values.
            i += 1
            annotation = args[1]
        current = annotation
        i += 1
    return description


def glossary(term: str) -> str | None:
    """Plain words for a term of :data:`GLOSSARY` or a raw parameter key (``mediator.engaged``).

    Parameter keys are explained from the scenario schema's own field descriptions, so every
    key a log row can show has words; ``*`` (every ally) is accepted.
    """
    if term in GLOSSARY:
        return GLOSSARY[term]
    parts = [p for p in term.split(".") if p != "*"]
    if len(parts) < 2:
        return None
    if parts[0] == "allies" and len(parts) == 2:
        parts = ["alliance", parts[1]]
    return _field_description(Scenario, parts)


KEY_PATTERN = re.compile(r"\b([a-z_]+(?:\.(?:[a-z_0-9]+|\*))+)\b")


# ------------------------------------------------------------------------------- the table
def unmet_requirements(space: Any, row: int) -> list[str]:
    """The options of package ``row`` whose ``requires`` it does not meet, in words.

    Args:
        space: The :class:`~ceasefire_sim.negotiation.space.PackageSpace`.
        row: A package row.

    Returns:
        One sentence per unmet requirement ("permanent NATO exclusion needs an indefinite
        ceasefire"); empty if the package meets them all.
    """
    outcome = space.outcome
    chosen = space.describe(row)
    out = []
    for issue, option in chosen.items():
        for other, allowed in outcome.option(f"{issue}.{option}").requires:
            if chosen.get(other) not in allowed:
                words = " or ".join(outcome.label(f"{other}.{a}") for a in allowed)
                out.append(f"{outcome.label(f'{issue}.{option}')} needs {_article(words)}")
    return out


def _article(words: str) -> str:
    return ("an " if words[:1] in "aeiou" else "a ") + words


def _empty_round(table: Table) -> Round:
    """A round in no worlds: what the model applies while a person has not yet acted."""
    none = np.zeros(0, dtype=np.int64)
    empty = {s: np.zeros(0) for s in SIDES}
    return Round(
        "classroom",
        table.worlds[:0],
        np.zeros(0, dtype="<U13"),
        none,
        dict(empty),
        dict(empty),
        dict(empty),
        {s: np.zeros(0, dtype=bool) for s in SIDES},
    )


@dataclass
class Pending:
    """A round held open for people to act in.

    Attributes:
        table: The round's table (the model's worlds at the table today).
        day: The model's day of the round.
        stage: ``propose`` (the human mediator is to propose) or ``answer``.
        proposer: Who proposed (``united_states``, ``ukraine``, ``russia``), once proposed.
        package: ``(n,)`` the package row proposed, once proposed.
        surplus: Side -> ``(n,)`` its surplus of the package.
        pressure: Side -> ``(n,)`` the mediator's pressure on it.
        chance: Side -> ``(n,)`` its chance term today.
        accepted: Side -> ``(n,)`` the answers given so far (model sides at once, people when
            they answer).
        waiting: Seats (sides) whose person has still to answer.
    """

    table: Table
    day: int
    stage: str = "propose"
    proposer: str = ""
    package: np.ndarray | None = None
    surplus: dict[str, np.ndarray] = field(default_factory=dict)
    pressure: dict[str, np.ndarray] = field(default_factory=dict)
    chance: dict[str, np.ndarray] = field(default_factory=dict)
    accepted: dict[str, np.ndarray] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)


class HumanTable:
    """A protocol whose seats people may hold; the model plays the seats nobody holds.

    Args:
        humans: Seats held by people (``mediator``, ``ukraine``, ``russia``).
        model_protocol: The protocol that plays the mediator's seat when nobody holds it.
    """

    name = "classroom"

    def __init__(self, humans: set[str] | None = None, model_protocol: Any | None = None) -> None:
        self.humans: set[str] = set(humans or ())
        self.model_protocol = model_protocol if model_protocol is not None else MediatedNash()
        self.pending: Pending | None = None
        self.day = 0

    # The protocol interface the model calls on negotiation days.
    def round(self, table: Table) -> Round:
        """One round: played by the model if no person holds a seat, else held open."""
        if not self.humans:
            return self.model_protocol.round(table)
        self.pending = Pending(table, self.day)
        if "mediator" not in self.humans:
            self._take(self.model_protocol.round(table))
        return _empty_round(table)

    def open(self, table: Table, day: int) -> None:
        """Hold a round open on a day that is not a negotiation day (the mediator's initiative)."""
        self.pending = Pending(table, day)

    def _take(self, record: Round) -> None:
        """Adopt a model-played proposal and its answers; people's sides wait for them."""
        p = self.pending
        assert p is not None
        p.stage, p.proposer = "answer", str(record.proposer[0]) if len(record.worlds) else ""
        p.package = record.package
        p.surplus, p.pressure, p.chance = record.surplus, record.pressure, record.chance
        p.accepted = {s: record.accepted[s].copy() for s in SIDES}
        p.waiting = {s for s in SIDES if s in self.humans}

    def propose(self, package: int, proposer: str = "united_states") -> Round | None:
        """Put ``package`` (a row of the package space) on the table in every world of the round.

        The mediator presses the side whose surplus is the smaller; a side's own
        counter-proposal carries no pressure and that side says yes to it. Model-played sides
        answer at once; people's sides are waited for.

        Returns:
            The finished round if nobody has to answer any more, else ``None``.

        Raises:
            ScenarioError: No round is open, or the package is not one that can be proposed.
        """
        p = self.pending
        if p is None:
            raise ScenarioError("no round is open: wait for a negotiation day or open talks")
        t = p.table
        n = len(t.worlds)
        rows = np.full(n, int(package), dtype=np.int64)
        feasible = t.feasible_packages()[np.arange(n), rows]
        if not feasible.all():
            needs = unmet_requirements(t.space, int(package))
            raise ScenarioError(
                "that package cannot be proposed: "
                + ("; ".join(needs) if needs else "choose options the mediator offers")
            )
        surplus = {s: t.value_of(s, rows) for s in SIDES}
        if proposer == "united_states":
            ua_obstacle = surplus["ukraine"] < surplus["russia"]
            pressure = {
                "ukraine": np.where(ua_obstacle, t.leverage.get("ukraine", 0.0), 0.0),
                "russia": np.where(~ua_obstacle, t.leverage.get("russia", 0.0), 0.0),
            }
        else:
            pressure = {s: np.zeros(n) for s in SIDES}
        chance = {s: t.chance(s) for s in SIDES}
        accepted = {s: preferences.accepts(surplus[s], pressure[s], chance[s]) for s in SIDES}
        waiting = {s for s in SIDES if s in self.humans and s != proposer}
        if proposer in SIDES:
            accepted[proposer] = np.ones(n, dtype=bool)
        p.stage, p.proposer, p.package = "answer", proposer, rows
        p.surplus, p.pressure, p.chance, p.accepted, p.waiting = (
            surplus,
            pressure,
            chance,
            accepted,
            waiting,
        )
        return self._finish_if_done()

    def answer(self, side: str, accept: bool) -> Round | None:
        """A person's answer for ``side`` to the package on the table (in every world).

        Returns:
            The finished round if nobody has to answer any more, else ``None``.

        Raises:
            ScenarioError: Nothing is on the table for that side to answer.
        """
        p = self.pending
        if p is None or p.stage != "answer" or side not in p.waiting:
            raise ScenarioError(f"there is no proposal for {ROLE_NAMES.get(side, side)} to answer")
        p.accepted[side] = np.full(len(p.table.worlds), bool(accept))
        p.waiting.discard(side)
        return self._finish_if_done()

    def counter(self, side: str, package: int) -> Round | None:
        """``side`` turns down the package on the table and proposes ``package`` instead.

        The round on the table ends with its no; the counter-proposal is the next round of the
        same day, which the other side answers.

        Returns:
            The first finished round (the one turned down); the counter-proposal is then open.
        """
        p = self.pending
        if p is None or p.stage != "answer" or side not in p.waiting:
            raise ScenarioError(f"there is no proposal for {ROLE_NAMES.get(side, side)} to answer")
        p.accepted[side] = np.zeros(len(p.table.worlds), dtype=bool)
        p.waiting.clear()
        first = self._record()
        self.pending = Pending(p.table, p.day)
        done = self.propose(package, proposer=side)
        if done is not None:
            # The other side answered at once (the model plays it): both rounds are finished.
            self._finished_counter = done
        return first

    def delegate(self) -> Round | None:
        """The model plays the open mediator's move (the person passes)."""
        p = self.pending
        if p is None or p.stage != "propose":
            raise ScenarioError("the mediator has nothing to propose now")
        self._take(self.model_protocol.round(p.table))
        return self._finish_if_done()

    def _finish_if_done(self) -> Round | None:
        p = self.pending
        if p is None or p.waiting:
            return None
        record = self._record()
        self.pending = None
        return record

    def _record(self) -> Round:
        p = self.pending
        assert p is not None and p.package is not None
        t = p.table
        contributions: dict[str, dict[str, np.ndarray]] = {}
        explained = np.zeros(0, dtype=np.int64)
        if t.explain is not None and np.any(t.explain):
            explained = np.flatnonzero(t.explain)
            contributions = {
                s: preferences.explain(
                    t.views[s].subset(explained),
                    t.space,
                    t.control_km2[explained],
                    t.lines_km2[explained],
                    p.package[explained],
                )
                for s in SIDES
            }
        return Round(
            self.name,
            t.worlds,
            np.full(len(t.worlds), p.proposer),
            p.package,
            p.surplus,
            p.pressure,
            p.chance,
            p.accepted,
            contributions,
            explained,
        )

    _finished_counter: Round | None = None

    def take_finished_counter(self) -> Round | None:
        """A counter-proposal that the model's side answered at once (then applied next)."""
        done, self._finished_counter = self._finished_counter, None
        return done


# ------------------------------------------------------------------------------- sessions
def free_model(model: CeasefireModel | None) -> None:
    """Drop mesa's class-level reference to ``model`` (``Agent._ids``), so it can be freed."""
    if model is not None:
        mesa.Agent._ids.pop(model, None)


class Session:
    """One classroom run: the model, who holds which seat, and the teacher's injects.

    Args:
        factory: Builds the model from keyword arguments (the app's ``ClassroomModel``).
        params: Keyword arguments of ``factory``.
        humans: Seats held by people in this browser (single-screen role play).
    """

    def __init__(self, factory: Any, params: dict[str, Any], humans: set[str] | None = None):
        self.factory = factory
        self.params = dict(params)
        self.lock = threading.RLock()
        self.teams: dict[str, str] = {}  # seat -> team name (team mode)
        self.code: str | None = None
        self.version = 0
        self.error: str | None = None
        self.local_humans: set[str] = set(humans or ())
        #: What each earlier run came to (the debrief's table), oldest first.
        self.runs: list[RunSummary] = []
        self.model: CeasefireModel = self._build()

    def _build(self) -> CeasefireModel:
        model = self.factory(**self.params)
        self.table = HumanTable(self.humans())
        model.protocol = self.table
        return model

    def humans(self) -> set[str]:
        """Seats people hold: those of this screen and those teams took."""
        return set(self.local_humans) | set(self.teams)

    def touch(self) -> None:
        """Mark a change every screen of the session should show."""
        self.version += 1

    # -------------------------------------------------------------- stepping
    @property
    def finished(self) -> bool:
        """The run reached its horizon (or stopped)."""
        m = self.model
        return (not m.running) or m.day >= m.days

    @property
    def pending(self) -> Pending | None:
        """The round held open for a person, if any."""
        return self.table.pending

    def advance(self, days: int) -> int:
        """Step up to ``days`` days; never past the horizon, never past a person's turn.

        Returns:
            The days stepped (0 at the horizon or while a person has to act).
        """
        stepped = 0
        with self.lock:
            while stepped < int(days) and not self.finished and self.table.pending is None:
                self.table.day = self.model.day + 1
                self.model.step()
                stepped += 1
            if stepped:
                self.touch()
        return stepped

    def run_to_end(self) -> int:
        """Step to the horizon (or to the next turn of a person)."""
        return self.advance(self.model.days)

    def reset(self, params: dict[str, Any] | None = None, humans: set[str] | None = None) -> None:
        """A fresh model with ``params``; the old one is freed."""
        with self.lock:
            if params is not None:
                self.params = dict(params)
            if humans is not None:
                self.local_humans = set(humans)
            old = self.model
            if old.day > 0:
                self.runs.append(run_summary(old))
            self.model = self._build()
            free_model(old)
            self.touch()

    def set_humans(self, humans: set[str]) -> None:
        """Change the seats this screen's people hold (the model takes the others)."""
        with self.lock:
            self.local_humans = set(humans)
            self._seat_change()

    def _seat_change(self) -> None:
        self.table.humans = self.humans()
        p = self.table.pending
        if p is not None and p.stage == "answer":
            for side in list(p.waiting):
                if side not in self.table.humans:
                    p.waiting.discard(side)
            self._apply(self.table._finish_if_done())
        elif p is not None and "mediator" not in self.table.humans:
            self._apply(self.table.delegate())
        self.touch()

    # ------------------------------------------------------------------ talks
    def open_talks(self) -> None:
        """The human mediator opens talks today (any day the worlds are at war).

        Raises:
            ScenarioError: A round is open already, every world is in a ceasefire, or the run
                is over.
        """
        with self.lock:
            if self.model.day == 0:
                # Day 0 is the calibrated start: talks open from day 1 (the day's chance draws).
                self.advance(1)
                if self.table.pending is not None:
                    return
            m = self.model
            if self.table.pending is not None:
                raise ScenarioError("a proposal is already on the table")
            if self.finished:
                raise ScenarioError("the run is over: press Reset to start again")
            worlds = np.flatnonzero(~m.in_ceasefire)
            if len(worlds) == 0:
                raise ScenarioError("no world is at war today: there is nothing to negotiate")
            ua, ru = m.side_views(worlds)
            available = np.broadcast_to(m.alliance.reassurance_available(), (m.worlds,))
            # As in the model's own rounds: the mediator's pressure is its standing threat,
            # already in the sides' views, so the table adds none.
            table = m.table(worlds, ua, ru, force_available=np.asarray(available)[worlds])
            self.table.open(table, m.day)
            self.touch()

    def _apply(self, record: Round | None) -> None:
        if record is not None:
            self.model.apply_round(record)
            follow = self.table.take_finished_counter()
            if follow is not None:
                self.model.apply_round(follow)

    def propose(self, choices: dict[str, str], proposer: str = "united_states") -> None:
        """Propose the package of ``choices`` (issue -> option name) in the open round."""
        with self.lock:
            if proposer == "united_states" and (
                self.table.pending is None or self.table.pending.stage != "propose"
            ):
                if self.table.pending is not None:
                    raise ScenarioError("a proposal is already on the table: wait for the answers")
                self.open_talks()
            row = package_row(self.model, choices)
            self._apply(self.table.propose(row, proposer))
            self.touch()

    def answer(self, side: str, accept: bool) -> None:
        """A person's answer for ``side``."""
        with self.lock:
            self._apply(self.table.answer(side, accept))
            self.touch()

    def counter(self, side: str, choices: dict[str, str]) -> None:
        """``side`` rejects the package on the table and proposes ``choices`` instead."""
        with self.lock:
            row = package_row(self.model, choices)
            self._apply(self.table.counter(side, row))
            self.touch()

    def delegate(self) -> None:
        """The model plays the mediator's open move."""
        with self.lock:
            self._apply(self.table.delegate())
            self.touch()

    # ---------------------------------------------------------------- injects
    def inject(self, kind: str) -> str:
        """The teacher's inject, from tomorrow: an aid pause, a summit or an offensive.

        Returns:
            What was done, in words (it also appears in the log when it applies).

        Raises:
            ScenarioError: Unknown inject.
        """
        if kind not in INJECTS:
            raise ScenarioError(f"unknown inject {kind!r}: choose one of {', '.join(INJECTS)}")
        with self.lock:
            m = self.model
            tomorrow = m.date + dt.timedelta(days=1)
            schedule = m.events_schedule
            events: list[EventConfig] = []
            if kind == "aid_pause":
                events.append(self._event(tomorrow, "US aid paused", {"mediator.aid_paused": 1.0}))
            elif kind == "aid_resume":
                events.append(self._event(tomorrow, "US aid resumed", {"mediator.aid_paused": 0.0}))
            elif kind == "summit":
                schedule.summit_dates.add(tomorrow)
            else:
                events.append(
                    self._event(
                        tomorrow,
                        f"Russian offensive: Ukraine's defence weaker for {OFFENSIVE_DAYS} days",
                        scale={"front.defender_advantage": OFFENSIVE_FACTOR},
                    )
                )
                events.append(
                    self._event(
                        tomorrow + dt.timedelta(days=OFFENSIVE_DAYS),
                        "The Russian offensive ends",
                        scale={"front.defender_advantage": 1.0 / OFFENSIVE_FACTOR},
                    )
                )
            schedule.pending = sorted([*schedule.pending, *events], key=lambda e: e.date)
            self.touch()
            return f"{INJECTS[kind]}: from {tomorrow.isoformat()}"

    @staticmethod
    def _event(
        date: dt.date,
        note: str,
        set_values: dict[str, float] | None = None,
        scale: dict[str, float] | None = None,
    ) -> EventConfig:
        return EventConfig(
            date=date,
            note=f"Teacher: {note}",
            set=set_values or {},
            scale=scale or {},
            assumption="injected in the classroom",
        )


# ---------------------------------------------------------------------------- team mode
class SessionRegistry:
    """The team sessions a server holds, by code (thread-safe)."""

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.lock = threading.Lock()

    def start(self, session: Session) -> str:
        """Register ``session`` under a new short code and return it."""
        with self.lock:
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if code not in self.sessions:
                    break
            session.code = code
            self.sessions[code] = session
            return code

    def get(self, code: str) -> Session:
        """The session of ``code`` (case and spaces ignored).

        Raises:
            ScenarioError: No such session.
        """
        key = code.strip().upper()
        with self.lock:
            session = self.sessions.get(key)
        if session is None:
            raise ScenarioError(
                f"no session with code {code.strip()!r}: check the code on the teacher's screen"
            )
        return session

    def join(self, code: str, seat: str, team: str) -> Session:
        """Team ``team`` takes ``seat`` in the session of ``code``.

        Raises:
            ScenarioError: No such session, an unknown seat, or the seat is taken.
        """
        session = self.get(code)
        if seat not in ROLES:
            raise ScenarioError(f"seat must be one of {', '.join(ROLES)}, got {seat!r}")
        with session.lock:
            holder = session.teams.get(seat)
            if holder is not None and holder != team:
                raise ScenarioError(
                    f"{ROLE_NAMES[seat]} is taken by team {holder!r}: choose another seat"
                )
            session.teams[seat] = team
            session._seat_change()
        return session

    def leave(self, code: str, seat: str) -> None:
        """The team of ``seat`` leaves; the model plays the seat again."""
        session = self.get(code)
        with session.lock:
            session.teams.pop(seat, None)
            session._seat_change()

    def end(self, code: str) -> None:
        """Close a session and free its model."""
        with self.lock:
            session = self.sessions.pop(code.strip().upper(), None)
        if session is not None:
            free_model(session.model)


REGISTRY = SessionRegistry()


# ------------------------------------------------------------------------ packages, words
def options_on_table(model: CeasefireModel) -> dict[str, list[tuple[str, str]]]:
    """Issue -> ``(option name, label)`` of the options the scenario puts on the table."""
    out: dict[str, list[tuple[str, str]]] = {}
    space = model.space
    for issue in space.outcome.names:
        names = {space.describe(int(r))[issue] for r in range(space.size)}
        out[issue] = [
            (o.name, o.label) for o in space.outcome.issue(issue).options if o.name in names
        ]
    return out


def package_row(model: CeasefireModel, choices: dict[str, str]) -> int:
    """The package-space row of ``choices`` (issue -> option name; missing issues: first option).

    Raises:
        ScenarioError: An option that is not on the table.
    """
    table = options_on_table(model)
    full = {}
    for issue, options in table.items():
        name = choices.get(issue, options[0][0])
        if name not in {o for o, _ in options}:
            raise ScenarioError(f"{issue}: {name!r} is not on the table")
        full[issue] = name
    return model.space.index_of(full)


def default_choices(model: CeasefireModel) -> dict[str, str]:
    """A package to start composing from: the last one proposed in world 0, else the first options."""
    for _, _, record in reversed(model.narrative.rounds):
        hits = np.flatnonzero(record.worlds == 0)
        if len(hits):
            return dict(model.space.describe(int(record.package[int(hits[0])])))
    return {issue: options[0][0] for issue, options in options_on_table(model).items()}


@dataclass(frozen=True)
class Reason:
    """One side's answer with its reasons, for one world.

    The numbers are the round's own (:class:`~ceasefire_sim.negotiation.protocols.Round`) and
    :func:`~ceasefire_sim.negotiation.preferences.explain`'s split of the surplus: the model's
    surplus already counts the mediator's standing threat (its ``pressure`` contribution), which
    is shown here as pressure, apart from the issues.

    Attributes:
        side: ``ukraine`` or ``russia``.
        accepted: Its answer (``None`` while a person has not answered).
        surplus: The round's surplus, deal minus fighting on, threat included (utility).
        threat: The part of ``surplus`` that is the mediator's standing threat (utility).
        table_pressure: Pressure the protocol added at the table (utility; 0 in the model's
            own protocol, whose pressure is the standing threat).
        chance: Its chance term today (utility).
        issues: ``(issue, option label, contribution)`` of the issues and the side's resolve,
            most against first; with ``threat`` they sum to ``surplus``.
    """

    side: str
    accepted: bool | None
    surplus: float
    threat: float
    table_pressure: float
    chance: float
    issues: tuple[tuple[str, str, float], ...]

    @property
    def deal_value(self) -> float:
        """The deal against fighting on before any US pressure (utility)."""
        return self.surplus - self.threat

    @property
    def pressure(self) -> float:
        """All US pressure on the side: the standing threat and any pressure at the table."""
        return self.threat + self.table_pressure

    @property
    def total(self) -> float:
        """``deal_value + pressure + chance``."""
        return self.deal_value + self.pressure + self.chance

    def words(self) -> str:
        """The answer and its reasons in plain sentences."""
        name = ROLE_NAMES[self.side]
        verdict = {True: "says yes", False: "says no", None: "has not answered yet"}[self.accepted]
        against = [f"{label} ({v:+.2f})" for _, label, v in self.issues if v < -0.005][:2]
        favour = [f"{label} ({v:+.2f})" for _, label, v in self.issues[::-1] if v > 0.005][:2]
        parts = [f"{name} {verdict}."]
        worth = "better" if self.deal_value >= 0 else "worse"
        parts.append(
            f"On the issues it finds the deal {worth} than fighting on ({self.deal_value:+.2f})."
        )
        if favour:
            parts.append("For the deal: " + ", ".join(favour) + ".")
        if against:
            parts.append("Against it: " + ", ".join(against) + ".")
        with_pressure = self.deal_value + self.pressure
        parts.append(
            f"US pressure adds {self.pressure:+.2f}, so the deal is worth {with_pressure:+.2f} "
            "against fighting on."
        )
        parts.append(
            f"Today's chance is {self.chance:+.2f}, so the total is {self.total:+.2f}. A side says "
            "yes only if the deal with pressure and the total are both at least 0."
        )
        return " ".join(parts)


def reasons(model: CeasefireModel, record: Round | Pending, world: int = 0) -> dict[str, Reason]:
    """Both sides' answers and reasons in ``world``, from a round record or an open round."""
    worlds = record.table.worlds if isinstance(record, Pending) else record.worlds
    hits = np.flatnonzero(worlds == world)
    if len(hits) == 0 or record.package is None:
        return {}
    k = int(hits[0])
    row = int(record.package[k])
    labels = {**model.space.labels(row), "resolve": "its own resolve"}
    if isinstance(record, Pending):
        t = record.table
        parts = {
            s: preferences.explain(
                t.views[s].subset(np.array([k])),
                t.space,
                t.control_km2[[k]],
                t.lines_km2[[k]],
                record.package[[k]],
            )
            for s in SIDES
        }
        at = 0
    else:
        explained = list(record.explained)
        if k not in explained:
            return {}
        parts, at = record.contributions, explained.index(k)
    out = {}
    for side in SIDES:
        threat = float(parts[side]["pressure"][at]) if "pressure" in parts[side] else 0.0
        issues = tuple(
            sorted(
                (
                    (i, labels.get(i, i), float(v[at]))
                    for i, v in parts[side].items()
                    if i != "pressure"
                ),
                key=lambda t: t[2],
            )
        )
        waiting = isinstance(record, Pending) and side in record.waiting
        out[side] = Reason(
            side,
            None if waiting else bool(record.accepted[side][k]),
            float(record.surplus[side][k]),
            threat,
            float(record.pressure[side][k]),
            float(record.chance[side][k]),
            issues,
        )
    return out


def durability(model: CeasefireModel, row: int, reasons_: dict[str, Reason]) -> tuple[float, float]:
    """A ceasefire on package ``row``'s expected days before breakdown, and its first day's hazard.

    The hazard is the model's own (:meth:`~ceasefire_sim.model.model.CeasefireModel.ceasefire_hazard`)
    in world 0, with the dissatisfaction of the unhappier side (its shortfall of the deal). The
    model's breakdown hazard falls with time (a Weibull baseline of shape ``k``,
    ``truce.hazard_shape``): with the first day's hazard ``c`` the cumulative hazard is ``c t**k``,
    so the expected days before a breakdown are ``Gamma(1 + 1/k) / c**(1/k)``.

    Returns:
        ``(expected days to breakdown, hazard on its first day)``.
    """
    dissatisfaction = max([0.0] + [-r.surplus for r in reasons_.values()])
    hazard = float(
        model.ceasefire_hazard(
            np.array([row], dtype=np.int64), np.array([dissatisfaction]), np.array([0])
        )[0]
    )
    if hazard <= 0:
        return float("inf"), hazard
    shape = float(np.asarray(model.params["truce.hazard_shape"]).reshape(-1)[0])
    return math.gamma(1.0 + 1.0 / shape) / hazard ** (1.0 / shape), hazard


@dataclass(frozen=True)
class Brief:
    """A side's private brief.

    Attributes:
        side: ``ukraine`` or ``russia``.
        values: ``(issue, [(option label, utility)])``: what each option is worth to it
            (salience x value, less red-line penalties), best first.
        red_lines: Labels of the options it refuses almost at any price.
        drift_km2_per_day: The front's drift it expects (km²/day Russia gains).
        cost_per_day: Its pain of a day of fighting (utility/day).
        horizon_days: Its planning horizon (days).
        value_per_10k_km2: Its utility of 10,000 km².
    """

    side: str
    values: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    red_lines: tuple[str, ...]
    drift_km2_per_day: float
    cost_per_day: float
    horizon_days: float
    value_per_10k_km2: float

    def fighting_on(self) -> str:
        """What fighting on is worth now, in words."""
        towards = "Russia" if self.drift_km2_per_day >= 0 else "Ukraine"
        days = self.horizon_days
        km2 = abs(self.drift_km2_per_day) * days
        gain = self.value_per_10k_km2 * km2 / 10_000
        if (self.side == "russia") == (towards == "Russia"):
            ground = f"you expect to gain about {km2:,.0f} km² (+{gain:.2f})"
        else:
            ground = f"you expect to lose about {km2:,.0f} km² (-{gain:.2f})"
        return (
            f"Fighting on for your {days:.0f}-day horizon: {ground}; the casualties cost you "
            f"{self.cost_per_day * days:.2f} ({self.cost_per_day:.4f} a day)."
        )


def brief(model: CeasefireModel, side: str, world: int = 0) -> Brief:
    """``side``'s private brief in ``world`` today."""
    ua, ru = model.side_views(np.array([world]))
    view = ua if side == "ukraine" else ru
    utility = np.atleast_2d(view.option_utility)[0]
    keys = model.space.outcome.option_keys
    table = options_on_table(model)
    values = []
    for issue, options in table.items():
        rows = [
            (label, float(utility[keys.index(f"{issue}.{name}")]))
            for name, label in options
            if f"{issue}.{name}" in keys
        ]
        values.append((issue, tuple(sorted(rows, key=lambda t: -t[1]))))
    red = tuple(model.space.outcome.label(k) for k in model.red_lines.get(side, []))

    def first(x: Any) -> float:
        return float(np.atleast_1d(x)[0])

    return Brief(
        side,
        tuple(values),
        red,
        first(view.drift_km2_per_day),
        first(view.cost_per_day),
        first(view.horizon_days),
        first(view.value_per_km2) * 10_000,
    )
