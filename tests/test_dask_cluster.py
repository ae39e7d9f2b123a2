"""A sweep on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes.

Everything listens on 127.0.0.1 only (no network); about 20 s on 2 busy cores. The workers are started as a cluster's are,
with Dask's default ``MALLOC_TRIM_THRESHOLD_=65536``, so the test also sees them raise their
malloc thresholds (``ceasefire_sim.sweep.executors.tune_malloc``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ceasefire_sim.cli import main
from tests.conftest import ROOT

pytest.importorskip("distributed")

SPEC = ROOT / "scenarios" / "sweeps" / "smoke.yaml"
DASK = Path(sys.executable).with_name("dask")
#: How long the scheduler and workers may take to start (they import the model), seconds.
START_TIMEOUT_S = 120


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    return env


@pytest.fixture
def cluster(tmp_path):
    """``(address, scheduler_file)`` of a scheduler with two single-threaded workers."""
    scheduler_file = tmp_path / "scheduler.json"
    log = tmp_path / "dask.log"
    common = ["--no-dashboard"]
    processes = []
    with open(log, "w") as out:
        try:
            processes.append(
                subprocess.Popen(
                    [
                        str(DASK),
                        "scheduler",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        "0",
                        *common,
                        "--scheduler-file",
                        str(scheduler_file),
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=_environment(),
                )
            )
            deadline = time.monotonic() + START_TIMEOUT_S
            while not scheduler_file.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert scheduler_file.exists(), log.read_text()
            for name in ("w0", "w1"):
                processes.append(
                    subprocess.Popen(
                        [
                            str(DASK),
                            "worker",
                            "--scheduler-file",
                            str(scheduler_file),
                            "--host",
                            "127.0.0.1",
                            "--nthreads",
                            "1",
                            "--name",
                            name,
                            *common,
                            "--local-directory",
                            str(tmp_path / name),
                        ],
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        env=_environment(),
                    )
                )
            address = _wait_for_workers(scheduler_file, 2, deadline, log)
            yield address, scheduler_file
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in reversed(processes):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def _wait_for_workers(scheduler_file: Path, count: int, deadline: float, log: Path) -> str:
    from distributed import Client

    address = json.loads(scheduler_file.read_text())["address"]
    with Client(address, timeout="30s") as client:
        while len(client.scheduler_info(n_workers=-1)["workers"]) < count:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    return address


def test_a_sweep_on_a_dask_cluster_equals_local_processes(cluster, tmp_path):
    from distributed import Client

    address, _ = cluster
    assert address.startswith("tcp://127.0.0.1:")
    on_dask, local = tmp_path / "dask", tmp_path / "local"
    with pytest.raises(SystemExit) as done:
        main(["sweep", str(SPEC), "--scheduler", address, "-o", str(on_dask), "--quiet"])
    assert done.value.code in (0, None)
    with pytest.raises(SystemExit) as done:
        main(["sweep", str(SPEC), "--workers", "2", "-o", str(local), "--quiet"])
    assert done.value.code in (0, None)

    for name in ("summary.parquet", "points.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(on_dask / name), pd.read_parquet(local / name), check_exact=True
        )
    chunks = sorted(p.name for p in (local / "worlds").glob("*.parquet"))
    assert chunks == sorted(p.name for p in (on_dask / "worlds").glob("*.parquet"))
    assert len(chunks) == 3
    for chunk in chunks:
        pd.testing.assert_frame_equal(
            pd.read_parquet(on_dask / "worlds" / chunk),
            pd.read_parquet(local / "worlds" / chunk),
            check_exact=True,
        )
    manifest = json.loads((on_dask / "manifest.json").read_text())
    assert manifest["executor"] == f"the Dask cluster at {address}"

    # Both workers ran chunks with Dask's malloc variable set, and raised the thresholds.
    from ceasefire_sim.sweep import executors

    with Client(address, timeout="30s") as client:
        seen = client.run(
            lambda: (os.environ.get("MALLOC_TRIM_THRESHOLD_"), executors.tune_malloc())
        )
    assert len(seen) == 2
    assert all(value == ("65536", True) for value in seen.values()), seen
