"""The one-call entry point: ``simulate(scenario, worlds, seed, days) -> Results``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.results import Results
from ceasefire_sim.scenario.loader import load_scenario
from ceasefire_sim.scenario.schema import Scenario


def simulate(
    scenario: Scenario | str | Path,
    worlds: int = 1000,
    seed: int | None = 0,
    days: int | None = None,
    *,
    overrides: dict[str, float | np.ndarray] | None = None,
    narrative_worlds: int = 3,
    keep_trajectories: bool = False,
    chunk_size: int = 65536,
) -> Results:
    """Run a scenario over ``worlds`` possible futures and collect the results.

    Args:
        scenario: A :class:`Scenario` or the path of a scenario file.
        worlds: Number of worlds ``N``.
        seed: Seed of the common random numbers.
        days: Horizon (default: the scenario's).
        overrides: Dotted path -> float or ``(N,)`` array replacing scenario values.
        narrative_worlds: Worlds narrated in ``Results.events``.
        keep_trajectories: Keep per-world daily control and status (small N).
        chunk_size: Worlds per chunk of the package search.

    Returns:
        The :class:`Results`.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    model = CeasefireModel(
        scenario,
        worlds=worlds,
        seed=seed,
        days=days,
        overrides=overrides,
        narrative_worlds=narrative_worlds,
        keep_trajectories=keep_trajectories,
        chunk_size=chunk_size,
    )
    model.run()
    return Results.from_model(model)
