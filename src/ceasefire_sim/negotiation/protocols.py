"""Protocols as objects: who proposes what, who answers, and the record of each round.

A protocol is given a :class:`Table` -- the package space, both sides' views, today's line, the
day's random numbers and what the mediator can bring to bear, over ``n`` worlds -- and returns a
:class:`Round`: who proposed which package, each side's surplus, pressure, chance term and answer,
and the per-issue contributions to the surplus. The model applies the round (a ceasefire where
both said yes); the narrative and the classroom app render rounds, never parse text.

- :class:`MediatedNash`: the mediator proposes the Nash bargaining package as it perceives the
  sides' surpluses (its own preference breaking near-ties), and presses the side in the way.
- :class:`AlternatingOffers`: Ukraine and Russia propose in turn, each its best package among
  those the other strictly gains from.
- :class:`RenewalAtExpiry`: when a fixed-term truce expires, the sides convert it into an
  indefinite ceasefire, extend it, or fight on.

Writing a protocol: a class with ``name`` and ``round(table) -> Round``; pass it as
``CeasefireModel(scenario, protocol=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol as TypingProtocol

import numpy as np
from scipy import special

from ceasefire_sim.negotiation import preferences, search, solutions
from ceasefire_sim.negotiation.preferences import SideView
from ceasefire_sim.negotiation.space import PackageSpace

FloatArray = np.ndarray
SIDES = ("ukraine", "russia")
#: Worlds whose ``(n, P)`` surplus matrices the alternating-offers protocol builds at once.
MATRIX_CHUNK = 2048


@dataclass(frozen=True)
class InitialOffer:
    """A proposal already on the table on the first round (e.g. the Jeddah 30-day truce).

    Attributes:
        package: Its row in the package space.
        accepted_by: Sides that have already accepted it.
    """

    package: int
    accepted_by: tuple[str, ...] = ()


@dataclass
class Table:
    """What a protocol sees in one round, over ``n`` worlds.

    Attributes:
        space: The package space.
        worlds: ``(n,)`` the model's world indices.
        views: Side -> its :class:`~ceasefire_sim.negotiation.preferences.SideView` in ``worlds``.
        control_km2: ``(n,)`` today's line (Russian-held area, km²).
        lines_km2: ``(n, R)`` the line under each territory option.
        uniforms: ``accept_<side>`` and ``perceive_<side>`` -> ``(n,)`` Uniform(0, 1) draws.
        logit_scale: Scale of the logistic noise of the answers (float or ``(n,)``).
        feasible: ``(V, P)`` boolean rows of packages that can be proposed.
        feasible_row: ``(n,)`` which row of ``feasible`` applies in each world.
        rounds_held: ``(n,)`` rounds held before this one in each world.
        leverage: Side -> the pressure (utility) the mediator brings on it if it is in the way
            (the model passes none: its mediator's standing threats are in the sides' views).
        perception_sd: ``(n,)`` sd of the mediator's error in perceiving each side's surplus.
        mediator_factor: Returns ``(1, P)`` or ``(n, P)`` the mediator's factor on the Nash product.
        initial: A proposal already on the table for the first round, if any.
        explain: ``(n,)`` worlds whose per-issue contributions the round should record.
        layout: The compiled search's layout of ``space`` (built if not given).
    """

    space: PackageSpace
    worlds: np.ndarray
    views: dict[str, SideView]
    control_km2: FloatArray
    lines_km2: FloatArray
    uniforms: dict[str, FloatArray]
    logit_scale: FloatArray | float
    feasible: np.ndarray
    feasible_row: np.ndarray
    rounds_held: np.ndarray
    leverage: dict[str, FloatArray | float] = field(default_factory=dict)
    perception_sd: FloatArray | float = 0.0
    mediator_factor: Callable[[], FloatArray] | None = None
    initial: InitialOffer | None = None
    explain: np.ndarray | None = None
    layout: search.SearchLayout | None = None

    def feasible_packages(self) -> np.ndarray:
        """``(n, P)`` the packages that can be proposed in each world."""
        return self.feasible[self.feasible_row]

    def value_of(self, side: str, rows: np.ndarray, terms: FloatArray | None = None) -> FloatArray:
        """``(n,)`` a side's surplus of one package per world (:func:`preferences.surplus_at`)."""
        return preferences.surplus_at(
            self.views[side], self.space, self.control_km2, self.lines_km2, rows, terms=terms
        )

    def chance(self, side: str) -> FloatArray:
        """``(n,)`` the logistic noise of a side's answer today."""
        return preferences.chance(self.uniforms[f"accept_{side}"], self.logit_scale)


@dataclass
class Round:
    """The record of one round in ``n`` worlds (arrays ``(n,)`` unless noted).

    Attributes:
        protocol: The protocol's name.
        worlds: The model's world indices.
        proposer: Who proposed, per world (``united_states``, ``ukraine`` or ``russia``).
        package: The package row proposed.
        surplus: Side -> its true surplus of the package (package minus fighting on).
        pressure: Side -> the mediator's pressure on it (utility; 0 if none).
        chance: Side -> the logistic noise of its answer.
        accepted: Side -> its answer (:func:`preferences.accepts`: ``surplus + pressure >= 0``
            and ``surplus + pressure + chance >= 0``, or an earlier yes).
        contributions: Side -> issue -> ``(k,)`` the issue's part of the surplus, in the worlds
            ``worlds[explained]``; they sum to ``surplus`` there.
        explained: ``(k,)`` positions (in this record) of the worlds with contributions.
    """

    protocol: str
    worlds: np.ndarray
    proposer: np.ndarray
    package: np.ndarray
    surplus: dict[str, FloatArray]
    pressure: dict[str, FloatArray]
    chance: dict[str, FloatArray]
    accepted: dict[str, np.ndarray]
    contributions: dict[str, dict[str, FloatArray]] = field(default_factory=dict)
    explained: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def agreed(self) -> np.ndarray:
        """``(n,)`` whether both sides said yes (a ceasefire starts)."""
        return self.accepted["ukraine"] & self.accepted["russia"]

    def explained_only(self) -> Round:
        """The record restricted to the worlds with contributions (what the narrative keeps)."""
        k = self.explained

        def cut(d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {s: np.asarray(v)[k] for s, v in d.items()}

        return Round(
            self.protocol,
            self.worlds[k],
            self.proposer[k],
            self.package[k],
            cut(self.surplus),
            cut(self.pressure),
            cut(self.chance),
            cut(self.accepted),
            self.contributions,
            np.arange(len(k)),
        )


@dataclass
class Renewal:
    """The record of truces expiring in ``n`` worlds (arrays ``(n,)``).

    Attributes:
        worlds: The model's world indices.
        package: The package of the expiring truce.
        converted: Both agreed to turn it into an indefinite ceasefire.
        new_package: The package in force afterwards (the indefinite one where converted).
        extended: Both agreed to extend it for another term (where not converted).
    """

    worlds: np.ndarray
    package: np.ndarray
    converted: np.ndarray
    new_package: np.ndarray
    extended: np.ndarray

    @property
    def ended(self) -> np.ndarray:
        """Fighting resumes."""
        return ~self.converted & ~self.extended


class Protocol(TypingProtocol):
    """What a model needs of a negotiation protocol."""

    name: str

    def round(self, table: Table) -> Round:
        """One round of talks in the table's worlds."""
        ...


def _explain(
    table: Table, package: np.ndarray
) -> tuple[dict[str, dict[str, FloatArray]], np.ndarray]:
    """Per-issue contributions of ``package`` in the worlds ``table.explain`` names."""
    if table.explain is None:
        return {}, np.zeros(0, dtype=np.int64)
    k = np.flatnonzero(table.explain)
    if len(k) == 0:
        return {}, k
    contributions = {
        side: preferences.explain(
            table.views[side].subset(k),
            table.space,
            table.control_km2[k],
            table.lines_km2[k],
            package[k],
        )
        for side in SIDES
    }
    return contributions, k


class MediatedNash:
    """The mediator proposes the Nash bargaining package, as it perceives the sides' surpluses.

    It sees each side's surplus of every package plus a perception error
    (``perception_sd * z``), and picks the feasible package maximising the product of the two
    perceived surpluses times its own preference factor; where no package leaves both a positive
    perceived surplus, the one with the largest smaller surplus (:func:`solutions.nash_choice`,
    searched in compiled code by :func:`search.choose`). It presses the side whose perceived
    surplus is the smaller (``leverage``). On the first round a scenario's initial proposal
    replaces its choice, and sides that already accepted it say yes.
    """

    name = "mediated_nash"

    def round(self, table: Table) -> Round:
        """One round: the mediator's proposal and both answers."""
        space, ua, ru = table.space, table.views["ukraine"], table.views["russia"]
        control, lines = table.control_km2, table.lines_km2
        terms_ua = preferences.territory_terms(ua, space, control, lines)
        terms_ru = preferences.territory_terms(ru, space, control, lines)
        n = len(table.worlds)
        sd = np.broadcast_to(table.perception_sd, (n,))
        shift_ua = sd * special.ndtri(table.uniforms["perceive_ukraine"])
        shift_ru = sd * special.ndtri(table.uniforms["perceive_russia"])
        layout = table.layout or search.SearchLayout.of(space)
        factor = table.mediator_factor() if table.mediator_factor else np.ones((1, space.size))
        choice, _ = search.choose(
            layout,
            ua.option_utility,
            ua.war_issues,
            terms_ua,
            shift_ua,
            ru.option_utility,
            ru.war_issues,
            terms_ru,
            shift_ru,
            table.feasible,
            table.feasible_row,
            factor,
            ua.durability,
            ru.durability,
            ua.breakdown_cost,
            ru.breakdown_cost,
        )
        first_time = table.rounds_held == 0
        if table.initial is not None:
            choice = np.where(first_time, table.initial.package, choice)
        # The true surplus of the package on the table; what the mediator sees of it is that plus
        # the perception error (the same bits as the searched values).
        s_ua = table.value_of("ukraine", choice, terms_ua)
        s_ru = table.value_of("russia", choice, terms_ru)
        ua_obstacle = s_ua + shift_ua < s_ru + shift_ru
        pressure = {
            "ukraine": np.where(ua_obstacle, table.leverage.get("ukraine", 0.0), 0.0),
            "russia": np.where(~ua_obstacle, table.leverage.get("russia", 0.0), 0.0),
        }
        surplus = {"ukraine": s_ua, "russia": s_ru}
        noise = {side: table.chance(side) for side in SIDES}
        accepted = {
            side: preferences.accepts(surplus[side], pressure[side], noise[side]) for side in SIDES
        }
        if table.initial is not None:
            for side in table.initial.accepted_by:
                accepted[side] = accepted[side] | first_time
        contributions, explained = _explain(table, choice)
        return Round(
            self.name,
            table.worlds,
            np.full(n, "united_states"),
            choice,
            surplus,
            pressure,
            noise,
            accepted,
            contributions,
            explained,
        )


class AlternatingOffers:
    """Ukraine and Russia propose in turn; the mediator only keeps the table.

    In a world's round ``r`` (0, 1, 2, ... counting that world's rounds), Ukraine proposes if
    ``r`` is even and Russia if it is odd. The proposer offers its best feasible package among
    those the responder strictly gains from (:func:`solutions.best_for_proposer`; if there is
    none, its own best, which the responder refuses). Both answer without pressure: each accepts
    if its surplus plus the logistic chance term is at least 0. An initial proposal of the
    scenario is not used.
    """

    name = "alternating_offers"

    def round(self, table: Table) -> Round:
        """One round: the proposer's offer and both answers."""
        n = len(table.worlds)
        ukraine_proposes = table.rounds_held % 2 == 0
        choice = np.empty(n, dtype=np.int64)
        feasible = table.feasible_packages()
        for start in range(0, n, MATRIX_CHUNK):
            rows = slice(start, start + MATRIX_CHUNK)
            control, lines = table.control_km2[rows], table.lines_km2[rows]
            s_ua = preferences.surplus_of_all(
                table.views["ukraine"].subset(rows), table.space, control, lines
            )
            s_ru = preferences.surplus_of_all(
                table.views["russia"].subset(rows), table.space, control, lines
            )
            by_ua = ukraine_proposes[rows, None]
            choice[rows], _ = solutions.best_for_proposer(
                np.where(by_ua, s_ua, s_ru), np.where(by_ua, s_ru, s_ua), feasible[rows]
            )
        surplus = {side: table.value_of(side, choice) for side in SIDES}
        pressure = {side: np.zeros(n) for side in SIDES}
        noise = {side: table.chance(side) for side in SIDES}
        accepted = {side: preferences.accepts(surplus[side], 0.0, noise[side]) for side in SIDES}
        contributions, explained = _explain(table, choice)
        return Round(
            self.name,
            table.worlds,
            np.where(ukraine_proposes, "ukraine", "russia"),
            choice,
            surplus,
            pressure,
            noise,
            accepted,
            contributions,
            explained,
        )


class RenewalAtExpiry:
    """When a fixed-term truce expires: convert it, extend it, or fight on.

    Both sides are asked first whether to turn the truce into an indefinite ceasefire on the
    same other terms (the first truce option without an end; none if the space has no such
    option), then whether to extend it for another term; each answer is the quantal response
    without pressure, with the day's chance term of the side.
    """

    name = "renewal_at_expiry"

    def renew(self, table: Table, package: np.ndarray) -> Renewal:
        """The answers in the table's worlds, whose truces (``package``) expire today."""
        space = table.space
        endless = [o.name for o in space.outcome.issue("truce").options if o.days is None]
        n = len(table.worlds)
        if endless:
            indefinite = space.with_option(package, "truce", endless[0])
        else:
            indefinite = np.full(n, -1, dtype=np.int64)
        convertible = np.maximum(indefinite, 0)
        noise = {side: table.chance(side) for side in SIDES}
        convert = indefinite >= 0
        extend = np.ones(n, dtype=bool)
        for side in SIDES:
            convert = convert & preferences.accepts(
                table.value_of(side, convertible), 0.0, noise[side]
            )
        for side in SIDES:
            extend = extend & preferences.accepts(table.value_of(side, package), 0.0, noise[side])
        extend = ~convert & extend
        return Renewal(
            table.worlds, package, convert, np.where(convert, indefinite, package), extend
        )
