import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import mesa
import numpy as np
import pandas as pd
import pytest

from ceasefire_sim import load_scenario, simulate
from ceasefire_sim.errors import SweepError
from ceasefire_sim.scenario.loader import numeric_paths
from ceasefire_sim.sweep import executors
from ceasefire_sim.sweep.executors import ExecutorChoice
from ceasefire_sim.sweep.metrics import metric_names
from ceasefire_sim.sweep.runner import (
    SweepResult,
    chunk_task,
    run_chunk,
    run_sweep,
)
from ceasefire_sim.sweep.spec import sweep_from_dict
from tests.conftest import BASELINE
from tests.test_sweep_spec import tiny_spec

CONTRACT_METRICS = [
    "p_ceasefire_30",
    "p_ceasefire_40",
    "km_median_first_ceasefire_day",
    "rmst_first_ceasefire_days",
    "median_first_ceasefire_day_given_ceasefire",
    "p_holding",
    "p_collapsed",
    "median_control_change_km2",
    "mean_casualties_per_day_russia",
    "mean_casualties_ukraine",
    "mean_casualties_russia",
    "p_range_40",
    # A limited truce of any scope, then of each scope, by day 30 and by the horizon.
    "p_partial_30",
    "p_partial_40",
    *[
        f"p_partial_{scope}_{day}"
        for scope in ("energy", "maritime", "nuclear", "humanitarian", "exchanges", "holiday")
        for day in (30, 40)
    ],
]


@pytest.fixture(scope="module")
def tiny():
    return sweep_from_dict(tiny_spec())


@pytest.fixture(scope="module")
def tiny_result(tiny):
    return run_sweep(tiny, workers=1)


def test_summary_follows_the_output_contract(tiny, tiny_result):
    summary = tiny_result.summary
    parameters = list(tiny.spec.parameters)
    assert metric_names(40) == CONTRACT_METRICS
    expected = ["point", *parameters]
    for name in CONTRACT_METRICS:
        expected += [name, f"{name}_low", f"{name}_high"]
    assert list(summary.columns) == [*expected, "worlds"]
    assert summary["point"].tolist() == [0, 1, 2, 3]
    assert (summary["worlds"] == 8).all()
    for name in CONTRACT_METRICS:
        ok = summary[name].notna()
        assert (summary.loc[ok, f"{name}_low"] <= summary.loc[ok, name] + 1e-12).all()
        assert (summary.loc[ok, name] <= summary.loc[ok, f"{name}_high"] + 1e-12).all()
    pd.testing.assert_frame_equal(summary[["point", *parameters]], tiny.points)


def test_summary_is_computed_from_the_worlds_of_each_point(tiny_result):
    worlds = tiny_result.worlds()
    assert len(worlds) == 32
    assert worlds.columns[0] == "point"
    assert worlds.groupby("point")["world"].apply(list).tolist() == [list(range(8))] * 4
    by_point = worlds.groupby("point")
    p30 = by_point["first_ceasefire_day"].apply(lambda d: float((d <= 30).mean()))
    np.testing.assert_array_equal(tiny_result.summary["p_ceasefire_30"], p30.to_numpy())
    holding = by_point["status"].apply(lambda s: float(s.isin(["ceasefire", "settled"]).mean()))
    np.testing.assert_array_equal(tiny_result.summary["p_holding"], holding.to_numpy())
    change = by_point["control_change_km2"].median()
    np.testing.assert_allclose(tiny_result.summary["median_control_change_km2"], change)


def test_each_world_gets_its_points_values(tiny, tiny_result):
    worlds = tiny_result.worlds()
    for path in tiny.spec.parameters:
        expected = tiny.points.set_index("point").loc[worlds["point"], path].to_numpy()
        np.testing.assert_array_equal(worlds[path].to_numpy(), expected)


def test_replicates_share_the_base_scenarios_uncertain_parameters(tiny, tiny_result, baseline):
    """Common random numbers across points: replicate j has world j's draws of a plain run."""
    worlds = tiny_result.worlds()
    plain = simulate(baseline, worlds=8, seed=tiny.spec.seed, days=1).outcomes
    sampled = [c for c in plain.columns if c.startswith(("belligerents.", "front.", "mediator."))]
    assert "belligerents.russia.cost_tolerance" in sampled
    for point, group in worlds.groupby("point"):
        np.testing.assert_array_equal(
            group[sampled].to_numpy(), plain[sampled].to_numpy(), err_msg=f"point {point}"
        )


def test_replicate_j_of_every_point_sees_world_j_of_a_plain_run(baseline):
    """Full common random numbers: parameter draws, pledges and daily noise, in any chunk."""
    base_aid = numeric_paths(baseline)["mediator.aid_bn_per_year"].value
    assert base_aid != 0.0
    # LHS over two values gives each value twice. Two points per chunk: the two points with
    # the same value sit in different chunks and at different places within their chunk.
    sweep = sweep_from_dict(
        tiny_spec(
            method="lhs",
            samples=4,
            chunk_size=16,
            parameters={"mediator.aid_bn_per_year": {"values": [base_aid, 0.0]}},
        )
    )
    assert sweep.points["mediator.aid_bn_per_year"].tolist() == [base_aid, 0.0, 0.0, base_aid]
    assert [list(sweep.chunk_points(c)) for c in range(sweep.n_chunks)] == [[0, 1], [2, 3]]
    worlds = run_sweep(sweep, workers=1).worlds()
    plain = simulate(baseline, worlds=8, seed=sweep.spec.seed, days=sweep.days).outcomes
    by_value = {}
    for point, aid in sweep.points.itertuples(index=False):
        group = worlds[worlds["point"] == point].drop(columns="point").reset_index(drop=True)
        by_value.setdefault(aid, []).append(group)
    for groups in by_value.values():
        pd.testing.assert_frame_equal(groups[0], groups[1], check_exact=True)
    # A point with the base scenario's values is the plain run, world for world.
    pd.testing.assert_frame_equal(
        by_value[base_aid][0][list(plain.columns)], plain, check_exact=True, check_dtype=False
    )
    # ... and the other value does reach the model.
    without_aid = by_value[0.0][0]
    # (On average: an executed aid cut can hold back a world's deliveries in the plain run too.)
    assert without_aid["us_aid_total_bn"].mean() < plain["us_aid_total_bn"].mean()


def test_results_do_not_depend_on_the_chunk_size(tiny, tiny_result):
    assert tiny.n_chunks == 2
    single = run_sweep(sweep_from_dict(tiny_spec(chunk_size=1000)), workers=1)
    assert single.manifest["chunks"] == 1
    pd.testing.assert_frame_equal(single.worlds(), tiny_result.worlds(), check_exact=True)
    pd.testing.assert_frame_equal(single.summary, tiny_result.summary, check_exact=True)


def test_sweeping_an_alliance_wide_value_means_what_set_means():
    """Allies without a value of their own follow a swept ``alliance.*`` value, as with --set."""
    sweep = sweep_from_dict(
        tiny_spec(
            chunk_size=32,
            parameters={
                "alliance.aid_share_gdp_pct": {"values": [0.0, 0.2]},
                "allies.france.aid_share_gdp_pct": {"values": [0.1, 0.3]},
            },
        )
    )
    assert sweep.targets["alliance.aid_share_gdp_pct"] == ("alliance.aid_share_gdp_pct",)
    worlds = run_sweep(sweep, workers=1).worlds()
    allied_aid = []
    for point, alliance, france in sweep.points.itertuples(index=False):
        changes = {
            "alliance.aid_share_gdp_pct": alliance,
            "allies.france.aid_share_gdp_pct": france,
        }
        plain = simulate(
            load_scenario(BASELINE, changes), worlds=8, seed=sweep.spec.seed, days=sweep.days
        ).outcomes
        group = worlds[worlds["point"] == point].reset_index(drop=True)
        pd.testing.assert_frame_equal(
            group[list(plain.columns)], plain, check_exact=True, check_dtype=False
        )
        allied_aid.append(float(group["allied_aid_total_bn"].sum()))
    assert len(set(allied_aid)) == 4  # both values reach the allies


def test_manifest_follows_the_output_contract(tiny, tiny_result):
    m = tiny_result.manifest
    assert m["kind"] == "sweep"
    assert m["status"] == "complete"
    assert m["method"] == "grid"
    assert m["spec"]["worlds"] == 8
    assert m["outputs"] == CONTRACT_METRICS
    assert (m["points"], m["worlds_per_point"], m["days"], m["seed"], m["chunks"]) == (
        4,
        8,
        40,
        5,
        2,
    )
    assert m["parameters"][0] == {
        "path": "mediator.leverage_on_russia",
        "role": "uncertainty",
        "low": 0.0,
        "high": 0.6,
        "values": None,
        "dist": None,
    }
    assert m["parameters"][1]["values"] == [0.0, 44.0]
    assert len(m["scenario_hash"]) == 64 and m["version"]
    json.dumps(m)  # plain data


def test_executors_give_identical_results(tiny, tiny_result, tmp_path):
    """Inline, a local process pool, any concurrent.futures executor and Dask agree exactly."""
    pool = run_sweep(tiny, ExecutorChoice(workers=2), out=tmp_path / "pool")
    with ThreadPoolExecutor(2) as threads:
        threaded = run_sweep(tiny, threads)
    dask = run_sweep(tiny, ExecutorChoice(dask_local=2))
    for other in (pool, threaded, dask):
        pd.testing.assert_frame_equal(other.summary, tiny_result.summary, check_exact=True)
        pd.testing.assert_frame_equal(other.worlds(), tiny_result.worlds(), check_exact=True)
    on_disk = pd.read_parquet(tmp_path / "pool" / "summary.parquet")
    pd.testing.assert_frame_equal(on_disk, tiny_result.summary, check_exact=True)


def test_local_dask_workers_leave_the_chunks_alone():
    """--dask-local workers run without Dask's profiler and with slow health and memory checks."""
    import dask
    import distributed

    with executors.open_executor(ExecutorChoice(dask_local=1)) as (pool, description):
        assert description == "a local Dask cluster of 1 workers"
        assert pool.submit(abs, -3).result() == 3
        client = distributed.get_client()
        names = list(executors.LOCAL_WORKER_CONFIG)
        seen = client.run(lambda: [dask.config.get(name) for name in names])
    assert seen and all(
        values == list(executors.LOCAL_WORKER_CONFIG.values()) for values in seen.values()
    )
    # The caller's own configuration is left as it was.
    assert dask.config.get("distributed.worker.profile.enabled") is True


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_forked_and_spawned_workers_give_identical_results(tiny, tiny_result, method, monkeypatch):
    monkeypatch.setattr(executors, "start_method", lambda: method)
    pool = run_sweep(tiny, ExecutorChoice(workers=2))
    pd.testing.assert_frame_equal(pool.worlds(), tiny_result.worlds(), check_exact=True)


def test_forked_workers_start_before_any_other_thread(monkeypatch):
    monkeypatch.setattr(executors, "start_method", lambda: "fork")
    with executors.open_executor(ExecutorChoice(workers=2)) as (pool, description):
        assert description == "2 local processes"
        assert len(pool._processes) == 2  # forked on opening, not at the first chunk
        assert pool.submit(abs, -3).result() == 3


def test_workers_are_spawned_while_another_thread_runs():
    if not sys.platform.startswith("linux"):
        assert executors.start_method() == "spawn"
        return
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert executors.start_method() == "spawn"
    finally:
        release.set()
        other.join()
    if threading.active_count() == 1:
        assert executors.start_method() == "fork"


def test_run_chunk_releases_the_model_from_mesa(tiny):
    """Mesa 3.3.1's Agent._ids holds every model; a worker must not accumulate them."""
    task = chunk_task(tiny, 0)
    run_chunk(task)
    before = len(mesa.Agent._ids)
    for _ in range(3):
        run_chunk(task)
    assert len(mesa.Agent._ids) == before


def test_run_chunk_is_deterministic_and_point_major(tiny):
    task = chunk_task(tiny, 1)
    assert task.points.tolist() == [2, 3]
    assert task.seed == tiny.spec.seed  # every chunk runs with the sweep's seed
    assert task.world_keys().tolist() == list(range(8)) * 2
    first, second = run_chunk(task), run_chunk(task)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert first["point"].tolist() == [2] * 8 + [3] * 8


def test_a_scenario_error_in_a_chunk_becomes_a_sweep_error():
    # With no defender's advantage to beat, the front cannot be calibrated: the model refuses.
    sweep = sweep_from_dict(
        tiny_spec(parameters={"front.defender_advantage": {"values": [0.5, 0.9]}}, chunk_size=8)
    )
    with pytest.raises(SweepError, match=r"defender_advantage.*\(in chunk 1\)"):
        run_sweep(sweep, workers=1)


def test_sobol_sweep_writes_sensitivity_for_each_parameter(tmp_path):
    parameters = {
        "mediator.leverage_on_russia": {"low": 0.0, "high": 0.6},
        "mediator.leverage_on_ukraine": {"low": 0.0, "high": 0.6},
        "mediator.aid_bn_per_year": {"low": 0.0, "high": 44.0},
        "truce.base_hazard_per_day": {"low": 0.035, "high": 0.14},
    }
    sweep = sweep_from_dict(
        tiny_spec(
            method="sobol", samples=4, worlds=4, days=30, chunk_size=48, parameters=parameters
        )
    )
    result = run_sweep(sweep, workers=1, out=tmp_path / "sobol")
    table = pd.read_parquet(tmp_path / "sobol" / "sensitivity.parquet")
    assert list(table.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf", "note"]
    assert len(table) == len(metric_names(30)) * 4
    for _, rows in table.groupby("output"):
        assert rows["parameter"].tolist() == list(parameters)
    ordinary = table[table["note"] == ""]
    assert not ordinary.empty
    assert ordinary[["S1", "ST", "S1_conf", "ST_conf"]].notna().all().all()
    pd.testing.assert_frame_equal(result.sensitivity, table)
    loaded = SweepResult.load(tmp_path / "sobol")
    pd.testing.assert_frame_equal(loaded.summary, result.summary)


def test_a_parameter_that_changes_no_world_has_sobol_indices_of_exactly_zero():
    """With common random numbers, Monte Carlo noise does not pose as a parameter's effect."""
    # The US walks away only after patience_days of fruitless talks, at least 60 > 30 days.
    parameters = {
        "mediator.patience_days": {"low": 60, "high": 365},
        "front.initial_gain_km2_per_month": {"low": 200, "high": 600},
    }
    sweep = sweep_from_dict(
        tiny_spec(method="sobol", samples=4, days=30, chunk_size=48, parameters=parameters)
    )
    assert sweep.n_chunks > 1
    table = run_sweep(sweep, workers=1).sensitivity.set_index(["output", "parameter"])
    control = table.loc["median_control_change_km2"]
    assert control.loc["mediator.patience_days", "note"] == ""
    assert control.loc["mediator.patience_days", ["S1", "ST"]].tolist() == [0.0, 0.0]
    assert control.loc["front.initial_gain_km2_per_month", "ST"] > 0.5


def test_morris_sweep_writes_mu_star(tmp_path):
    sweep = sweep_from_dict(
        tiny_spec(method="morris", samples=2, worlds=4, days=30, chunk_size=100)
    )
    result = run_sweep(sweep, workers=1)
    assert {"mu_star", "mu_star_conf", "sigma", "note"} <= set(result.sensitivity.columns)
    assert len(result.sensitivity) == len(metric_names(30)) * 2


def test_grid_sweep_has_no_sensitivity_file(tmp_path, tiny):
    run_sweep(tiny, workers=1, out=tmp_path / "grid")
    assert not (tmp_path / "grid" / "sensitivity.parquet").exists()
    assert sorted(p.name for p in (tmp_path / "grid").iterdir()) == [
        ".lock",
        "manifest.json",
        "points.parquet",
        "summary.parquet",
        "worlds",
    ]


def test_a_running_dask_scheduler_gives_identical_results(tiny, tiny_result):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        result = run_sweep(tiny, ExecutorChoice(scheduler=cluster.scheduler_address))
    pd.testing.assert_frame_equal(result.summary, tiny_result.summary, check_exact=True)


def test_an_unreachable_scheduler_is_a_sweep_error(tiny, monkeypatch):
    from ceasefire_sim.sweep import executors

    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", "1s")
    with pytest.raises(
        SweepError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"
    ):
        run_sweep(tiny, ExecutorChoice(scheduler="tcp://127.0.0.1:9"))


class DyingPool(ThreadPoolExecutor):
    """Fails every task the way a process pool does when a worker is killed."""

    def submit(self, fn, /, *args, **kwargs):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        future = Future()
        future.set_exception(BrokenProcessPool("a worker died"))
        return future


def test_a_dead_worker_is_a_sweep_error_that_suggests_resume(tiny, tmp_path):
    with DyingPool() as pool, pytest.raises(SweepError, match="rerun with --resume"):
        run_sweep(tiny, pool, out=tmp_path / "out")


def test_run_sweep_takes_an_executor_or_workers_not_both(tiny):
    with ThreadPoolExecutor(1) as pool, pytest.raises(SweepError, match="not both"):
        run_sweep(tiny, pool, workers=2)
