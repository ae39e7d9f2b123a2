"""``benchmarks/run.py`` runs end to end and writes consistent files (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_run", BENCH)
    module = importlib.util.module_from_spec(spec)
    # Registered first: dataclasses look their module up while the class is being built.
    sys.modules.setdefault("bench_run", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # about 30-40 s: every figure is measured in fresh Python processes
def test_quick_benchmark_writes_consistent_results(tmp_path):
    bench = _bench()
    # A stale key in an old file must not survive: the files are written from scratch.
    (tmp_path / "results.json").write_text(json.dumps({"stale": 1}))
    result = bench.main(["--quick", "--out", str(tmp_path)])
    stored = json.loads((tmp_path / "results.json").read_text())
    assert "stale" not in stored
    assert stored["quick"] is True
    plan = bench.Plan.quick()
    assert stored["plan"]["days"] == plan.days
    cores = stored["cores"]
    assert cores["speedup"] == pytest.approx(
        cores["one_core"]["wall_s"]["median"] / cores["all_cores"]["wall_s"]["median"]
    )
    assert stored["cores_speedup"] == cores["speedup"]
    for table in (cores["one_core"], cores["all_cores"], stored["cpu_throughput"]):
        assert table["repeats"] == plan.repeats
        assert table["wall_s"]["min"] <= table["wall_s"]["median"] <= table["wall_s"]["max"]
        assert table["cpu_s"]["median"] > 0
    cpu = stored["cpu_throughput"]
    assert stored["world_days_per_cpu_s_100k"] == pytest.approx(
        plan.cpu_worlds * plan.days / cpu["cpu_s"]["median"]
    )
    assert cpu["reference"]["world_days_per_cpu_s"] > 0
    growth = stored["growth"]
    assert len(growth["rss_mb_after_each_call"]) == plan.growth_calls
    assert stored["memory_growth_mb_10_calls"] == pytest.approx(
        growth["rss_mb_after_each_call"][-1] - growth["rss_mb_after_each_call"][0]
    )
    assert stored["peak_rss_mb_1m"] == stored["rss"]["peak_rss_mb"] > 0
    assert stored["single_world"]["repeats"] == plan.single_world_repeats
    assert stored["single_world_ms"] > 0
    assert stored["dask_over_local"] is None  # not in the quick plan
    assert stored["machine"]["cores"] >= 1 and stored["machine"]["mesa"] == "3.3.1"
    assert set(stored["targets"]) == set(bench.TARGETS)
    assert stored["targets"]["dask_over_local"]["met"] is None
    markdown = (tmp_path / "RESULTS.md").read_text()
    assert markdown.startswith("# Benchmark results")
    assert stored["machine"]["cpu_model"] in markdown and "cores_speedup" in markdown
    assert result["cores_speedup"] == stored["cores_speedup"]


def test_targets_are_judged_in_the_right_direction():
    bench = _bench()
    assert bench._meets(1200.0, ">=", 1000.0) and not bench._meets(900.0, ">=", 1000.0)
    assert bench._meets(100.0, "<=", 150.0) and not bench._meets(151.0, "<=", 150.0)
    assert bench._meets(None, ">=", 1.7) is None


@pytest.mark.slow  # about 20 s: a local Dask cluster starts twice
def test_dask_over_local_alternates_the_two_executors():
    bench = _bench()
    plan = bench.Plan(days=10, repeats=1, sweep_samples=2, sweep_chunks=2)
    found = bench.dask_over_local(plan)
    assert "samples=2" in found["method"] and "2 chunks" in found["method"]
    local, dask = found["local_2_processes"], found["dask_local_2_workers"]
    assert local["repeats"] == dask["repeats"] == 1
    assert found["ratio"] == pytest.approx(dask["wall_s"]["median"] / local["wall_s"]["median"])
