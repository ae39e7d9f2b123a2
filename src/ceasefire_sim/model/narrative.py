"""The narrative log of the first few worlds: proposals, answers with their reasons, truces.

Only the first ``K`` worlds are narrated (``K`` is small), so the loops here run over log entries,
never over the simulated worlds. Talks arrive as
:class:`~ceasefire_sim.negotiation.protocols.Round` records: the narrative keeps them
(:attr:`Narrative.rounds`, what the classroom app reads) and a :class:`TextRenderer` turns each
into the log's words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ceasefire_sim.model.model import CeasefireModel
    from ceasefire_sim.negotiation.protocols import Round
    from ceasefire_sim.scenario.schema import EventConfig

COLUMNS = ("day", "date", "world", "actor", "kind", "text", "explanation")
PROPOSERS = {"united_states": "The mediator", "ukraine": "Ukraine", "russia": "Russia"}


class TextRenderer:
    """Words for one world's part of a round record."""

    def proposal(self, proposer: str, package: dict[str, str]) -> str:
        """The proposal (``package``: issue -> option label)."""
        return f"{PROPOSERS.get(proposer, proposer)} proposes: {'; '.join(package.values())}."

    def answer(self, side: str, accepted: bool, net: float) -> str:
        """A side's answer; ``net``: its surplus of the package (package minus fighting on)."""
        verb = "accepts" if accepted else "rejects"
        return f"{side.capitalize()} {verb} (surplus {net:+.2f})."

    def explanation(self, contributions: list[tuple[str, float]]) -> str:
        """Per issue (label, contribution), smallest first."""
        return "; ".join(f"{label} {value:+.2f}" for label, value in contributions)


class Narrative:
    """Collects narrative rows and round records for worlds ``0 .. K-1``.

    Attributes:
        rounds: ``(day, date, record)`` of every round with a narrated world, the record cut to
            those worlds.
        renderer: Turns records into text (replace it to change the words, not the numbers).
    """

    def __init__(self, model: CeasefireModel, worlds: int, renderer: Any = None) -> None:
        self.model = model
        self.worlds = worlds
        self.rows: list[tuple[Any, ...]] = []
        self.rounds: list[tuple[int, str, Round]] = []
        self.renderer = renderer if renderer is not None else TextRenderer()

    def _add(self, world: int, actor: str, kind: str, text: str, explanation: str = "") -> None:
        m = self.model
        self.rows.append((m.day, m.date.isoformat(), int(world), actor, kind, text, explanation))

    def _narrated(self, worlds: np.ndarray) -> np.ndarray:
        return np.flatnonzero(np.asarray(worlds) < self.worlds)

    def limited_talks(
        self,
        worlds: np.ndarray,
        scope: Any,
        s_ua: np.ndarray,
        s_ru: np.ndarray,
        yes_ua: np.ndarray,
        yes_ru: np.ndarray,
        linked: np.ndarray,
    ) -> None:
        """A proposal of a limited truce and both answers, with each side's surplus."""
        for i in self._narrated(worlds):
            offer = scope.label + (" linked to export relief" if linked[i] else "")
            answers = "; ".join(
                self.renderer.answer(side, bool(yes), float(net))
                for side, yes, net in (
                    ("ukraine", yes_ua[i], s_ua[i]),
                    ("russia", yes_ru[i], s_ru[i]),
                )
            )
            self._add(
                worlds[i],
                "united_states",
                "limited_proposal",
                f"The mediator proposes a {offer}.",
                answers,
            )

    def limited_start(
        self, worlds: np.ndarray, scope: Any, unilateral: bool, linked: np.ndarray
    ) -> None:
        """A limited truce begins (agreed or declared by one side)."""
        for i in self._narrated(worlds):
            if unilateral:
                text = f"{scope.declarer.capitalize()} declares a unilateral {scope.label}."
            else:
                text = f"A {scope.label} is agreed" + (
                    " in exchange for export relief." if linked[i] else "."
                )
            actor = scope.declarer if unilateral else "both"
            self._add(
                worlds[i],
                actor,
                "limited_truce",
                text,
                f"pauses: {', '.join(scope.pauses) or 'no cost channel'}; the front keeps moving",
            )

    def limited_end(self, worlds: np.ndarray, scope: Any, how: str) -> None:
        """A limited truce ends: broken, expired without renewal, or subsumed by a general ceasefire."""
        words = {"subsumed": "is subsumed by the general ceasefire", "ends": "ends"}
        for i in self._narrated(worlds):
            self._add(worlds[i], "both", "limited_end", f"The {scope.label} {words.get(how, how)}.")

    def package_text(self, row: int) -> str:
        """Human description of a package."""
        return "; ".join(self.model.space.labels(int(row)).values())

    def event(self, event: EventConfig) -> None:
        """A dated intervention (logged in every narrated world)."""
        changes = [f"{k} = {v:g}" for k, v in event.set.items()] + [
            f"{k} x {v:g}" for k, v in event.scale.items()
        ]
        text = (event.note or "scheduled event") + (f" ({', '.join(changes)})" if changes else "")
        for w in range(self.worlds):
            self._add(w, "scenario", "event", text)

    def talks(self, record: Round) -> None:
        """A round: the proposal and both answers, with each side's surplus broken down by issue."""
        if len(record.explained) == 0:
            return
        record = record.explained_only()
        m = self.model
        self.rounds.append((m.day, m.date.isoformat(), record))
        render = self.renderer
        for k, world in enumerate(record.worlds):
            w, row = int(world), int(record.package[k])
            labels = m.space.labels(row)
            proposer = str(record.proposer[k])
            self._add(w, proposer, "proposal", render.proposal(proposer, labels))
            for side in ("ukraine", "russia"):
                contributions = sorted(
                    (
                        (labels.get(i, i), float(v[k]))
                        for i, v in record.contributions[side].items()
                    ),
                    key=lambda t: t[1],
                )
                yes = bool(record.accepted[side][k])
                self._add(
                    w,
                    side,
                    "accept" if yes else "reject",
                    render.answer(side, yes, float(record.surplus[side][k])),
                    render.explanation(contributions),
                )

    def ceasefire(self, worlds: np.ndarray, rows: np.ndarray) -> None:
        """A ceasefire begins."""
        for k in self._narrated(worlds):
            self._add(
                int(worlds[k]),
                "both",
                "ceasefire",
                f"Ceasefire agreed: {self.package_text(rows[k])}.",
            )

    def breakdown(self, worlds: np.ndarray, violations: np.ndarray) -> None:
        """A ceasefire breaks down."""
        for w in worlds[worlds < self.worlds]:
            self._add(
                int(w),
                "both",
                "breakdown",
                f"The ceasefire breaks down ({violations[w]:.0f} violations today); fighting resumes.",
            )

    def expiry(self, worlds: np.ndarray, convert: np.ndarray, extend: np.ndarray) -> None:
        """A fixed-term truce expires and is converted, extended or ends."""
        for w in worlds[worlds < self.worlds]:
            if convert[w]:
                self._add(
                    int(w),
                    "both",
                    "settlement",
                    "The truce expires and is converted into an indefinite ceasefire.",
                )
            elif extend[w]:
                self._add(
                    int(w), "both", "extension", "The truce expires and both sides extend it."
                )
            else:
                self._add(
                    int(w), "both", "expiry", "The truce expires without renewal; fighting resumes."
                )

    def walkout(self, worlds: np.ndarray) -> None:
        """The mediator walks away."""
        for w in worlds[worlds < self.worlds]:
            self._add(
                int(w), "united_states", "walkout", "The mediator walks away from fruitless talks."
            )
