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


@pytest.mark.slow  # about 10-20 s: it starts fresh Python processes for the chunk-size scan
def test_quick_benchmark_writes_consistent_results(tmp_path):
    bench = _bench()
    result = bench.main(["--quick", "--out", str(tmp_path)])
    stored = json.loads((tmp_path / "results.json").read_text())
    assert stored["quick"] is True
    plan = bench.Plan.quick()
    assert set(stored["throughput_world_days_per_s"]) == {str(n) for n in plan.sizes}
    assert [r["chunk_size"] for r in stored["chunk_scan"]] == list(plan.chunk_sizes)
    best = max(stored["chunk_scan"], key=lambda r: r["world_days_per_s"])
    assert stored["best_chunk_size"] == best["chunk_size"]
    assert stored["peak_rss_mb_100k"] == best["peak_rss_mb"] > 0
    rates = stored["throughput_world_days_per_s"]
    assert stored["ratio_vs_batch_run"] == pytest.approx(
        max(rates.values()) / stored["batch_run"]["world_days_per_s"]
    )
    assert stored["batch_run"]["runs"] == plan.batch_runs
    assert stored["single_world_ms"] > 0
    assert stored["machine"]["cores"] >= 1 and stored["machine"]["mesa"] == "3.3.1"
    assert set(stored["targets"]) == set(bench.TARGETS)
    assert stored["targets"]["sweep_speedup_2_workers"]["met"] is None
    markdown = (tmp_path / "RESULTS.md").read_text()
    assert markdown.startswith("# Benchmark results")
    assert "batch_run" in markdown and stored["machine"]["cpu_model"] in markdown
    assert result["ratio_vs_batch_run"] == stored["ratio_vs_batch_run"]


def test_targets_are_judged_in_the_right_direction():
    bench = _bench()
    assert bench._meets(1200.0, ">=", 1000.0) and not bench._meets(900.0, ">=", 1000.0)
    assert bench._meets(100.0, "<=", 150.0) and not bench._meets(151.0, "<=", 150.0)
    assert bench._meets(None, ">=", 1.7) is None


@pytest.mark.slow  # a few seconds: a fresh Python process runs a small sweep four times
def test_sweep_speedup_is_measured_in_a_fresh_process():
    bench = _bench()
    plan = bench.Plan(days=10, sweep_repeats=1, sweep_samples=2, sweep_chunks=2)
    sweep = bench.sweep_speedup_in_fresh_process(plan)
    assert "fallback_reason" not in sweep
    assert "samples=2" in sweep["method"] and "2 chunks" in sweep["method"]
    assert sweep["speedup"] == pytest.approx(sweep["wall_s_1_worker"] / sweep["wall_s_2_workers"])
    assert len(sweep["wall_s_all"]["1"]) == len(sweep["wall_s_all"]["2"]) == 1
