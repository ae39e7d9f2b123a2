"""No leaks: every simulate() and every app reset frees its model (not timed)."""

from __future__ import annotations

import gc
import os
import weakref

import mesa
import numpy as np
import pytest

from ceasefire_sim import simulate
from ceasefire_sim.model.lifetime import WorldAgent, release
from ceasefire_sim.model.model import CeasefireModel

#: Most the resident memory may grow over ten calls after the first (MB). Before models were
#: released each 20,000-world call kept about 28 MB, so ten calls grew it by about 250 MB. The
#: allocator's own growth after other tests (test_blocks' threads) reaches about 50 MB with no
#: model kept, so the bound sits between that and a leak.
GROWTH_BOUND_MB = 100


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _live_models() -> int:
    # type(), not isinstance(): isinstance() asks a dead weak proxy (some other test's) for its
    # class and raises ReferenceError.
    return sum(type(o) is CeasefireModel for o in gc.get_objects())


@pytest.mark.parametrize("workers", [1, 2])
def test_ten_simulate_calls_keep_no_model_and_bounded_memory(baseline, workers):
    """One model, and a run split into blocks (ceasefire_sim.model.blocks)."""
    simulate(baseline, worlds=20_000, seed=0, days=30, workers=workers)
    gc.collect()
    before_models, before_ids = _live_models(), len(mesa.Agent._ids)
    # Models other tests still hold keep their counters; none of these calls may add one.
    before_world_ids = len(WorldAgent._ids)
    before_mb = _rss_mb()
    for seed in range(1, 11):
        results = simulate(baseline, worlds=20_000, seed=seed, days=30, workers=workers)
        # No garbage collection in between: each model is freed when simulate returns.
        assert _live_models() == before_models
    # The last call's results are held on purpose: their outcome table (about 14 MB at 20,000
    # worlds with the limited-truce columns) is not growth.
    held = results.outcomes.memory_usage(deep=True).sum() / 2**20
    grown = _rss_mb() - before_mb - held
    assert len(mesa.Agent._ids) == before_ids
    assert len(WorldAgent._ids) == before_world_ids
    assert grown <= GROWTH_BOUND_MB, f"resident memory grew {grown:.0f} MB over 10 calls"
    # The results read off the model keep their own arrays.
    assert len(results.outcomes) == 20_000
    assert np.isfinite(results.outcomes["control_km2_final"]).all()


def test_a_dropped_model_is_collected(baseline):
    """A model nobody refers to (the app's reset drops the old one) is freed, agents and all."""
    gc.collect()
    before_world_ids = len(WorldAgent._ids)
    model = CeasefireModel(baseline, worlds=10, seed=1, days=5)
    model.run()
    ref = weakref.ref(model)
    agent = weakref.ref(model.ukraine)
    del model
    gc.collect()
    assert ref() is None and agent() is None
    assert len(WorldAgent._ids) == before_world_ids


def test_app_reset_frees_the_old_model():
    from ceasefire_sim.app import ClassroomModel

    model = ClassroomModel(worlds=1, seed=1)
    for _ in range(3):
        model.step()
    ref = weakref.ref(model)
    # What SolaraViz's reset does: a new instance of the model's class replaces the old one.
    model = model.__class__(worlds=1, seed=2)
    gc.collect()
    assert ref() is None
    assert model.day == 0


def test_agents_are_numbered_per_model_from_one(baseline):
    first = CeasefireModel(baseline, worlds=2, seed=1, days=1)
    second = CeasefireModel(baseline, worlds=2, seed=1, days=1)
    ids = [a.unique_id for a in first.agents]
    assert ids == list(range(1, len(ids) + 1))
    assert [a.unique_id for a in second.agents] == ids
    release(first)
    assert not first.__dict__
