"""The narrative log of the first few worlds: proposals, answers with their reasons, truces.

Only the first ``K`` worlds are narrated (``K`` is small), so the loops here run over log entries,
never over the simulated worlds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ceasefire_sim.model import talks
from ceasefire_sim.model.packages import ISSUES, OPTION_LABELS

if TYPE_CHECKING:
    from ceasefire_sim.model.model import CeasefireModel
    from ceasefire_sim.scenario.schema import EventConfig

COLUMNS = ("day", "date", "world", "actor", "kind", "text", "explanation")


class Narrative:
    """Collects narrative rows for worlds ``0 .. K-1``."""

    def __init__(self, model: CeasefireModel, worlds: int) -> None:
        self.model = model
        self.worlds = worlds
        self.rows: list[tuple[Any, ...]] = []

    def _add(self, world: int, actor: str, kind: str, text: str, explanation: str = "") -> None:
        m = self.model
        self.rows.append((m.day, m.date.isoformat(), int(world), actor, kind, text, explanation))

    def _narrated(self, worlds: np.ndarray) -> np.ndarray:
        return np.flatnonzero(np.asarray(worlds) < self.worlds)

    def package_text(self, row: int) -> str:
        """Human description of a package."""
        terms = self.model.space.describe(int(row))
        return "; ".join(OPTION_LABELS[f"{i}.{o}"] for i, o in terms.items())

    def event(self, event: EventConfig) -> None:
        """A dated intervention (logged in every narrated world)."""
        changes = [f"{k} = {v:g}" for k, v in event.set.items()] + [
            f"{k} x {v:g}" for k, v in event.scale.items()
        ]
        text = (event.note or "scheduled event") + (f" ({', '.join(changes)})" if changes else "")
        for w in range(self.worlds):
            self._add(w, "scenario", "event", text)

    def talks(
        self,
        worlds: np.ndarray,
        rows: np.ndarray,
        surplus_ua: np.ndarray,
        surplus_ru: np.ndarray,
        yes_ua: np.ndarray,
        yes_ru: np.ndarray,
        ua: talks.SideView,
        ru: talks.SideView,
    ) -> None:
        """A proposal and both answers, with each side's surplus broken down by issue."""
        local = self._narrated(worlds)
        if len(local) == 0:
            return
        m = self.model
        lines = m.deal_lines_km2(worlds[local])
        control = m.control_km2[worlds[local]]
        parts = {}
        for name, side, agent in (("Ukraine", ua, m.ukraine), ("Russia", ru, m.russia)):
            war_values = {i: _take(v, worlds[local]) for i, v in agent.war_values().items()}
            parts[name] = talks.explain(
                side.subset(local), m.space, control, lines, rows[local], war_values
            )
        for j, k in enumerate(local):
            w = int(worlds[k])
            self._add(
                w,
                "united_states",
                "proposal",
                f"The mediator proposes: {self.package_text(rows[k])}.",
            )
            for name, surplus, yes in (
                ("Ukraine", surplus_ua, yes_ua),
                ("Russia", surplus_ru, yes_ru),
            ):
                contributions = sorted(
                    ((issue, float(v[j])) for issue, v in parts[name].items()), key=lambda t: t[1]
                )
                explanation = "; ".join(
                    f"{_issue_label(i, rows[k], m)} {v:+.2f}" for i, v in contributions
                )
                verb = "accepts" if yes[k] else "rejects"
                self._add(
                    w,
                    name.lower(),
                    "accept" if yes[k] else "reject",
                    f"{name} {verb} (surplus {surplus[k]:+.2f}).",
                    explanation,
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


def _issue_label(issue: str, row: int, model: CeasefireModel) -> str:
    option = model.space.describe(int(row))[issue]
    return OPTION_LABELS[f"{issue}.{option}"] if issue in ISSUES else issue


def _take(value: Any, rows: np.ndarray) -> Any:
    return value[rows] if np.ndim(value) > 0 else value
