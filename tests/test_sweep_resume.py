import json
import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ceasefire_sim.errors import SweepError
from ceasefire_sim.sweep.runner import run_sweep
from ceasefire_sim.sweep.spec import load_sweep, sweep_from_dict
from ceasefire_sim.sweep.storage import METADATA_KEY, FolderStorage, chunk_name
from tests.conftest import ROOT
from tests.test_sweep_spec import tiny_spec, write_spec

CLI = [sys.executable, "-m", "ceasefire_sim.cli"]


def chunk_files(out):
    return sorted((out / "worlds").glob("chunk-*.parquet"))


def test_sigkill_then_resume_recomputes_only_missing_chunks(tmp_path):
    # 8 chunks of one point each, long enough that the kill lands part-way.
    spec = write_spec(
        tmp_path,
        method="lhs",
        samples=8,
        worlds=25,
        days=90,
        chunk_size=25,
    )
    out = tmp_path / "killed"
    command = [*CLI, "sweep", str(spec), "--out", str(out), "--workers", "1"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not chunk_files(out):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "no chunk was written in 120 s"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    survivors = {path.name: path.stat().st_mtime_ns for path in chunk_files(out)}
    assert 1 <= len(survivors) < 8, "the kill should land part-way through the sweep"
    assert not (out / "summary.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"

    resumed = subprocess.run(
        [*command, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {len(survivors)} of 8 chunks already on disk" in resumed.stderr
    computed = int(re.search(r"computing (\d+) of 8 chunks", resumed.stderr).group(1))
    assert computed == 8 - len(survivors)
    # The chunks that survived were not rewritten.
    for path in chunk_files(out):
        if path.name in survivors:
            assert path.stat().st_mtime_ns == survivors[path.name], path.name
    assert len(chunk_files(out)) == 8

    uninterrupted = run_sweep(load_sweep(spec), workers=1, out=tmp_path / "whole")
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "summary.parquet"), uninterrupted.summary, check_exact=True
    )
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


@pytest.fixture()
def finished(tmp_path):
    sweep = sweep_from_dict(tiny_spec())
    out = tmp_path / "out"
    result = run_sweep(sweep, workers=1, out=out)
    return sweep, out, result


def test_resuming_a_finished_sweep_computes_nothing(finished):
    sweep, out, first = finished
    mtimes = [p.stat().st_mtime_ns for p in chunk_files(out)]
    again = run_sweep(sweep, workers=1, out=out, resume=True)
    assert again.computed_chunks == [] and again.reused_chunks == [0, 1]
    assert [p.stat().st_mtime_ns for p in chunk_files(out)] == mtimes
    pd.testing.assert_frame_equal(again.summary, first.summary, check_exact=True)


def test_a_deleted_chunk_is_recomputed_identically(finished):
    sweep, out, first = finished
    (out / "worlds" / chunk_name(1)).unlink()
    (out / "worlds" / f".{chunk_name(1)}.x7.tmp").write_text("half-written")
    again = run_sweep(sweep, workers=1, out=out, resume=True)
    assert again.computed_chunks == [1]
    assert not list((out / "worlds").glob(".*.tmp"))
    pd.testing.assert_frame_equal(again.summary, first.summary, check_exact=True)


def test_existing_sweep_is_not_overwritten_without_resume(finished):
    sweep, out, _ = finished
    with pytest.raises(SweepError, match="already holds this sweep; pass --resume"):
        run_sweep(sweep, workers=1, out=out)


def test_resume_refuses_a_different_sweep(finished):
    _, out, _ = finished
    other = sweep_from_dict(tiny_spec(seed=99))
    with pytest.raises(SweepError, match="holds a different sweep"):
        run_sweep(other, workers=1, out=out, resume=True)


def test_resume_refuses_a_chunk_of_another_sweep(finished, tmp_path):
    sweep, out, _ = finished
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").unlink()  # e.g. copied over from elsewhere
    table = pq.read_table(out / "worlds" / chunk_name(0))
    tag = json.loads(table.schema.metadata[METADATA_KEY])
    assert tag == {"spec_hash": sweep.hash, "chunk": 0, "worlds": 16}
    tag["spec_hash"] = "0" * 64
    pq.write_table(
        table.replace_schema_metadata({METADATA_KEY: json.dumps(tag).encode()}),
        out / "worlds" / chunk_name(0),
    )
    with pytest.raises(SweepError, match="belongs to a different sweep"):
        run_sweep(sweep, workers=1, out=out, resume=True)
    assert manifest["spec_hash"] == sweep.hash


def test_folder_of_a_single_run_is_refused(tmp_path, baseline):
    from ceasefire_sim import simulate

    simulate(baseline, worlds=5, seed=0, days=2).save(tmp_path / "run")
    storage = FolderStorage(tmp_path / "run", "h", 1)
    with pytest.raises(SweepError, match="not a sweep"):
        storage.open(resume=True)


def test_cli_without_resume_on_existing_sweep_exits_2(finished, capsys):
    from ceasefire_sim.cli import main

    _, out, _ = finished
    spec = write_spec(out.parent)  # the same sweep as the fixture's
    with pytest.raises(SystemExit) as info:
        main(["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "pass --resume" in err and "Traceback" not in err
