"""ceasefire-sim: an agent-based model of ceasefire negotiations in the Russia-Ukraine war.

The public API::

    from ceasefire_sim import load_scenario, simulate
    results = simulate(load_scenario("scenarios/white_house_2025-03-13.yaml"), worlds=2000, seed=1)
    results.summary()

Sweeps: ``run_sweep(load_sweep("scenarios/sweeps/smoke.yaml"), out="sweep-out")``.
"""

from typing import Any

from ceasefire_sim._version import __version__
from ceasefire_sim.api import simulate
from ceasefire_sim.errors import ScenarioError, SweepError
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.results import Results
from ceasefire_sim.scenario.loader import load_scenario

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
    # The sweep machinery (SALib, executors) is imported only when asked for.
    if name in ("run_sweep", "load_sweep"):
        from ceasefire_sim.sweep import runner, spec

        return runner.run_sweep if name == "run_sweep" else spec.load_sweep
    raise AttributeError(f"module 'ceasefire_sim' has no attribute {name!r}")
