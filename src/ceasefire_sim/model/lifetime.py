"""How long a model lives: its memory is returned when the caller is done with it.

Mesa 3.3.1 numbers each model's agents from ``mesa.Agent._ids``, a ``defaultdict`` keyed by
model that is never emptied: every model ever built stays alive through it (six
100,000-world ``simulate()`` calls grew a process from 499 to 773 MB). The model's agents
derive from :class:`WorldAgent`, whose counters are held by weak reference instead, so a model
is freed once nothing else refers to it. Its agents and recorder refer back to it, so without
:func:`release` it would still wait for Python's cyclic garbage collector, whose passes do not
follow memory use (a few large numpy arrays barely count towards them).
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import mesa


class WeakCounters(weakref.WeakKeyDictionary):
    """Per-model agent counters (``itertools.count(1)``), forgotten with their model."""

    def __getitem__(self, model: Any) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


class WorldAgent(mesa.Agent):
    """A Mesa agent whose model's id counter does not keep the model alive.

    Agents are numbered 1, 2, ... per model, as by ``mesa.Agent``.
    """

    _ids = WeakCounters()


def release(model: mesa.Model) -> None:
    """Drop a finished model's state so that its arrays are freed now.

    Breaks the model's reference cycles (model -> agents -> model, model -> recorder -> model)
    by emptying its attributes; the model must not be used afterwards. Whatever was read off it
    before (a :class:`~ceasefire_sim.results.Results`) keeps its own arrays.
    """
    mesa.Agent._ids.pop(model, None)
    for agent in list(getattr(model, "_agents", {})):
        agent.__dict__.clear()
    model.__dict__.clear()
