"""The one-call entry point: ``simulate(scenario, worlds, seed, days) -> Results``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ceasefire_sim.errors import Problem, ScenarioError
from ceasefire_sim.model.blocks import BlockedRun, block_count, memory_blocks, trim_heap
from ceasefire_sim.model.lifetime import release
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.results import Results
from ceasefire_sim.scenario import loader
from ceasefire_sim.scenario.library import resolve_scenario
from ceasefire_sim.scenario.schema import Scenario


def load_scenario(
    path: str | Path,
    overrides: Sequence[str] | dict[str, Any] | None = None,
    *,
    seeds: str | Path | None = None,
) -> Scenario:
    """Read, compose and validate a scenario given by path or by name in the library.

    ``load_scenario("white_house_2025-03-13")`` reads the baseline shipped with the package from
    any folder; a path is read as given. Otherwise as
    :func:`ceasefire_sim.scenario.loader.load_scenario`.

    Args:
        path: The YAML file, or the name of a scenario of the library (``ceasefire-sim list``).
        overrides: ``dotted.path=value`` strings or a mapping of dotted path to value.
        seeds: Folder of seed articles to check quotes against (default: the ``seeds/`` folder
            next to or above the scenario file).

    Returns:
        The validated :class:`Scenario`.

    Raises:
        ScenarioError: With every problem found, or naming the library's scenarios when a bare
            name is not one of them.
    """
    return loader.load_scenario(resolve_scenario(path), overrides, seeds=seeds)


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
    param_draws: int | None = None,
    max_memory_bytes: int | None = None,
    workers: int | None = None,
) -> Results:
    """Run a scenario over ``worlds`` possible futures and collect the results.

    Args:
        scenario: A :class:`Scenario`, the path of a scenario file or the name of a scenario of
            the library.
        worlds: Number of worlds ``N``.
        seed: Seed of the common random numbers.
        days: Horizon (default: the scenario's).
        overrides: Dotted path -> float or ``(N,)`` array replacing scenario values.
        narrative_worlds: Worlds narrated in ``Results.events``.
        keep_trajectories: Keep per-world daily control and status (small N).
        chunk_size: Worlds per chunk of the package search.
        param_draws: A nested design: ``D`` draws of the uncertain (per-world) parameters, each
            shared by a block of about ``N / D`` consecutive worlds whose daily noise differs
            (``Results.outcomes["param_draw"]`` numbers the draws). ``Results.summary()`` then
            gives the spread due to parameter uncertainty besides the Monte Carlo interval.
            ``None``: every world draws its own parameters.
        max_memory_bytes: Refuse a run estimated to need more memory (default: the memory
            available now); checked before anything is allocated.
        workers: Cores to run on: the worlds are split into that many blocks of consecutive
            worlds, stepped in threads (:mod:`ceasefire_sim.model.blocks`; at least 1,000
            worlds a block). ``None``: every core this process may use; ``1``: one thread (one
            model up to 131,072 worlds; a larger run is stepped in blocks of at most that many
            worlds on any number of threads, to bound its memory).
            The results are the same bits whatever the number.

    Returns:
        The :class:`Results`.

    Raises:
        ScenarioError: The scenario, an override (checked as ``--set`` is: path, range and
            physical limit), the seed or the horizon is invalid.
        ResourceError: The run would not fit in memory.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    draw_of_world = None
    if param_draws is not None:
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        draw_of_world = parameter_draws(worlds, param_draws)
        overrides = {**shared_draws(scenario, seed, draw_of_world), **(overrides or {})}
    if workers is not None and int(workers) < 1:
        raise ScenarioError(f"workers must be at least 1, got {workers}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    arguments: dict[str, Any] = {
        "days": days,
        "overrides": overrides,
        "narrative_worlds": narrative_worlds,
        "keep_trajectories": keep_trajectories,
        "chunk_size": chunk_size,
        "max_memory_bytes": max_memory_bytes,
    }
    threads = block_count(worlds, workers, narrative_worlds)
    # A large run is split into blocks of at most MAX_BLOCK_WORLDS worlds whatever the threads,
    # so that a day's temporaries are those of the blocks being stepped, not of all N worlds.
    blocks = memory_blocks(worlds, threads, narrative_worlds)
    if blocks > 1:
        run = BlockedRun(scenario, worlds, seed, blocks=blocks, threads=threads, **arguments)
        try:
            run.run()
            results = Results.from_blocked_run(run)
        finally:
            run.close()
    else:
        model = CeasefireModel(scenario, worlds=worlds, seed=seed, **arguments)
        model.run()
        results = Results.from_model(model)
        # Free the model's arrays now (ceasefire_sim.model.lifetime): repeated calls do not grow.
        release(model)
    # A day's temporaries leave free memory in the allocator's arenas (one per thread): hand it
    # back, so that after a call the process holds what its results hold.
    trim_heap()
    if draw_of_world is not None:
        results.outcomes["param_draw"] = draw_of_world
        results.manifest["param_draws"] = int(param_draws or 0)
    return results


def parameter_draws(worlds: int, draws: int) -> np.ndarray:
    """The ``(N,)`` parameter draw of each world: ``draws`` blocks of consecutive worlds.

    Raises:
        ScenarioError: If there are not at least 2 draws of at least 2 worlds each.
    """
    if draws < 2 or worlds < 2 * draws:
        raise ScenarioError(
            f"a nested design needs at least 2 parameter draws of at least 2 worlds each; got "
            f"{draws} draws for {worlds} worlds: lower the draws or raise the worlds"
        )
    return np.arange(worlds, dtype=np.int64) * draws // worlds


def shared_draws(
    scenario: Scenario, seed: int | None, draw_of_world: np.ndarray
) -> dict[str, np.ndarray]:
    """Per-world overrides that give every world of a draw the same uncertain parameters.

    Draw ``d`` takes the values world ``d`` of a plain run with the same seed would draw.
    """
    from ceasefire_sim.model.store import ParamStore

    store = ParamStore(scenario, int(draw_of_world.max()) + 1, 0 if seed is None else seed)
    return {path: store.column(path)[draw_of_world].copy() for path in store.sampled}


#: Worlds whose day-0 state ``validate`` builds (seed 0), so that a file ``validate`` accepts is
#: not refused by ``run`` when the model sets itself up.
PREFLIGHT_WORLDS = 1000


def day0_problems(scenario: Scenario, worlds: int = PREFLIGHT_WORLDS) -> list[Problem]:
    """The problems the model finds when it builds its day-0 state (the front's calibration).

    ``ceasefire-sim validate`` calls this, so every refusal ``run`` can make for a scenario is
    also made at validate time, with the file and line of the value to change.

    Returns:
        The problems (empty when the model starts).
    """
    from ceasefire_sim.resources import ResourceError

    try:
        model = CeasefireModel(scenario, worlds=worlds, seed=0, narrative_worlds=0)
    except ResourceError:
        return []
    except ScenarioError as exc:
        return list(exc.problems)
    release(model)
    return []
