"""Dated interventions: set or scale parameters on a date (the Hague summit, an aid pause)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ceasefire_sim.scenario.schema import EventConfig

if TYPE_CHECKING:
    from ceasefire_sim.model.model import CeasefireModel


class EventSchedule:
    """The scenario's events in date order; each is applied once, on the first day at or after its date.

    Args:
        events: The scenario's events.
        start_date: Day 0.
        summits: Dates of summits, which are negotiation days in every world.
    """

    def __init__(
        self, events: list[EventConfig], start_date: dt.date, summits: Iterable[dt.date] = ()
    ) -> None:
        self.pending = sorted(events, key=lambda e: e.date)
        self.start_date = start_date
        self.applied: list[EventConfig] = []
        self.summit_dates: set[dt.date] = set(summits)

    def apply_due(self, model: CeasefireModel) -> list[EventConfig]:
        """Apply every event dated on or before the model's current date.

        Returns:
            The events applied today.
        """
        due = []
        while self.pending and self.pending[0].date <= model.date:
            event = self.pending.pop(0)
            for path, value in event.set.items():
                model.params.set(path, value)
            for path, factor in event.scale.items():
                model.params.scale(path, factor)
            self.applied.append(event)
            due.append(event)
            model.narrative.event(event)
        return due
