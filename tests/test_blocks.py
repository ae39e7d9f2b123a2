"""Every core in one run: a run split into blocks of worlds gives the same bits as one model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ceasefire_sim import ScenarioError, simulate
from ceasefire_sim.model import blocks as blocks_module
from ceasefire_sim.model.blocks import (
    MAX_BLOCK_WORLDS,
    MIN_BLOCK_WORLDS,
    BlockedRun,
    block_bounds,
    block_count,
    memory_blocks,
)
from ceasefire_sim.model.model import N_DRAWS, CeasefireModel
from ceasefire_sim.model.streams import uniform_columns
from ceasefire_sim.results import Results


def assert_same(a: Results, b: Results) -> None:
    for name in ("outcomes", "daily", "events"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    drop = {"created"}
    assert {k: v for k, v in a.manifest.items() if k not in drop} == {
        k: v for k, v in b.manifest.items() if k not in drop
    }
    if a.trajectories is not None or b.trajectories is not None:
        assert a.trajectories.keys() == b.trajectories.keys()
        for key in a.trajectories:
            np.testing.assert_array_equal(a.trajectories[key], b.trajectories[key])


def test_simulate_on_two_cores_gives_the_bits_of_one(baseline):
    one = simulate(baseline, worlds=2_500, seed=4, days=120, workers=1)
    two = simulate(baseline, worlds=2_500, seed=4, days=120, workers=2)
    assert_same(one, two)
    # The run is not trivial: some worlds reach a ceasefire, the narrative has events.
    assert (one.outcomes["ceasefires"] > 0).any() and len(one.events) > 0


def test_nested_design_and_trajectories_on_two_cores(baseline):
    kwargs = dict(worlds=2_000, seed=2, days=60, param_draws=10, keep_trajectories=True)
    assert_same(simulate(baseline, workers=1, **kwargs), simulate(baseline, workers=2, **kwargs))


@pytest.mark.parametrize("blocks", [3, 4])
def test_any_block_split_gives_the_same_bits(baseline, blocks):
    """Uneven blocks (of 666 and 667 worlds; 500 each), a per-world override, world keys."""
    worlds = 2_000
    keys = np.arange(worlds, dtype=np.int64) % 700 + 5
    override = {"talks.logit_scale": np.linspace(0.5, 2.0, worlds)}
    model = CeasefireModel(baseline, worlds, 7, days=45, overrides=override, world_keys=keys)
    model.run()
    run = BlockedRun(
        baseline, worlds, 7, blocks=blocks, days=45, overrides=override, world_keys=keys
    )
    run.run()
    assert_same(Results.from_model(model), Results.from_model(run.model))
    run.close()


def test_block_columns_are_the_whole_blocks_columns():
    for lo, hi in [(0, 50), (0, 1), (17, 18), (13, 41), (49, 50)]:
        whole, part = np.random.default_rng(11), np.random.default_rng(11)
        block = whole.random((N_DRAWS, 50))
        np.testing.assert_array_equal(uniform_columns(part, N_DRAWS, 50, lo, hi), block[:, lo:hi])
        # Both generators continue from the same place.
        np.testing.assert_array_equal(whole.random(4), part.random(4))


def test_block_count_and_bounds():
    assert block_count(10 * MIN_BLOCK_WORLDS, 1) == 1
    assert block_count(MIN_BLOCK_WORLDS, 4) == 1
    assert block_count(2 * MIN_BLOCK_WORLDS, 4) == 2
    assert block_count(10 * MIN_BLOCK_WORLDS, 3) == 3
    assert block_count(10 * MIN_BLOCK_WORLDS, None) >= 1
    # The narrated worlds stay in the first block.
    assert block_count(2_000, 2, narrative_worlds=1_500) == 1
    assert block_bounds(10, 3) == [(0, 3), (3, 6), (6, 10)]


def test_memory_blocks_bound_the_block_size():
    assert memory_blocks(10 * MIN_BLOCK_WORLDS, 2) == 2
    assert memory_blocks(MAX_BLOCK_WORLDS, 1) == 1
    assert memory_blocks(MAX_BLOCK_WORLDS + 1, 1) == 2
    assert memory_blocks(1_000_000, 2) == -(-1_000_000 // MAX_BLOCK_WORLDS)
    assert (
        max(b - a for a, b in block_bounds(1_000_000, memory_blocks(1_000_000, 2)))
        <= MAX_BLOCK_WORLDS
    )
    # The narrated worlds stay in the first block.
    assert memory_blocks(2 * MAX_BLOCK_WORLDS, 1, narrative_worlds=MAX_BLOCK_WORLDS + 5) == 1


def test_more_blocks_than_threads_give_the_bits_of_one_model(baseline, monkeypatch):
    """A run larger than a block, on one thread: blocks stepped in turn, the same bits."""
    model = CeasefireModel(baseline, 2_500, 3, days=40)
    model.run()
    monkeypatch.setattr(blocks_module, "MAX_BLOCK_WORLDS", 1_000)
    built: list[tuple[int, int]] = []

    class Spy(BlockedRun):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append((len(self.blocks), self._pool._max_workers))

    import ceasefire_sim.api

    monkeypatch.setattr(ceasefire_sim.api, "BlockedRun", Spy)
    one_thread = simulate(baseline, worlds=2_500, seed=3, days=40, workers=1)
    assert built == [(3, 1)]
    assert_same(Results.from_model(model), one_thread)
    run = BlockedRun(baseline, 2_500, 3, blocks=5, threads=2, days=40)
    assert len(run.blocks) == 5 and run._pool._max_workers == 2
    run.run()
    assert_same(Results.from_model(model), Results.from_model(run.model))
    run.close()


def test_blocks_let_go_of_their_days_draws_between_steps(baseline):
    """Between days a block holds no day's uniforms; the run keeps the bits of one model."""
    model = CeasefireModel(baseline, 2_400, 5, days=30)
    run = BlockedRun(baseline, 2_400, 5, blocks=2, days=30)
    for _ in range(30):
        model.step()
        run.step()
        for block in run.blocks:
            assert block.noise is None
            assert block.limited.uniforms.size == 0 and block.limited._shock_uniforms.size == 0
            assert block.limited._running is None
    # A model outside a run in blocks keeps its day (the classroom's tables read it).
    assert model.noise.shape == (N_DRAWS, 2_400) and model.limited.uniforms.shape[-1] == 2_400
    assert_same(Results.from_model(model), Results.from_model(run.model))
    run.close()


def test_workers_below_one_is_refused(baseline):
    with pytest.raises(ScenarioError, match="workers"):
        simulate(baseline, worlds=10, days=2, workers=0)


def test_key_count_must_cover_the_keys(baseline):
    with pytest.raises(ScenarioError, match="key_count"):
        CeasefireModel(baseline, 3, 1, days=1, world_keys=np.arange(3), key_count=2)
