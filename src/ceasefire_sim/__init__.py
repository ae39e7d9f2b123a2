"""ceasefire-sim: an agent-based model of ceasefire negotiations in the Russia-Ukraine war.

The public API::

    from ceasefire_sim import load_scenario, simulate
    results = simulate(load_scenario("white_house_2025-03-13"), worlds=2000, seed=1)
    results.summary()

A scenario is a path or the name of a scenario of the library shipped with the package
(``ceasefire-sim list``). Sweeps: ``run_sweep(load_sweep("smoke"), out="sweep-out")``.

Importing the package is cheap: the model (mesa, numba, scipy, pandas) is imported the first
time one of these names is used (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ceasefire_sim import _numba_cache
from ceasefire_sim._version import __version__
from ceasefire_sim.errors import ScenarioError, SweepError

if TYPE_CHECKING:
    from ceasefire_sim.api import load_scenario, simulate
    from ceasefire_sim.model.model import CeasefireModel
    from ceasefire_sim.results import Results
    from ceasefire_sim.sweep.runner import run_sweep
    from ceasefire_sim.sweep.spec import load_sweep

# Before any numba kernel is defined: a read-only install caches elsewhere or runs uncached.
_numba_cache.configure()

#: Public name -> the module that defines it, imported on first use.
_LAZY: dict[str, str] = {
    "CeasefireModel": "ceasefire_sim.model.model",
    "Results": "ceasefire_sim.results",
    "load_scenario": "ceasefire_sim.api",
    "load_sweep": "ceasefire_sim.sweep.spec",
    "simulate": "ceasefire_sim.api",
    "run_sweep": "ceasefire_sim.sweep.runner",
}

__all__ = [
    "CeasefireModel",
    "Results",
    "ScenarioError",
    "SweepError",
    "__version__",
    "load_scenario",
    "load_sweep",
    "run_sweep",
    "simulate",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ceasefire_sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
