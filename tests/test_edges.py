"""The edges of input, output and resources: one test per kind of failure found in version 1.

Each test drives the command line (``ceasefire_sim.cli.main``) or the public API, as a user would,
so the same file runs against any version. A traceback is a failure: ``main`` turns every input
error into a message and exit status 2, so any other exception escapes ``run_cli`` and fails the
test.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ceasefire_sim.api import simulate
from ceasefire_sim.cli import main
from ceasefire_sim.errors import InputError, ScenarioError
from ceasefire_sim.results import Results
from ceasefire_sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "white_house_2025-03-13.yaml"
SMOKE = ROOT / "scenarios" / "sweeps" / "smoke.yaml"


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """Run the CLI in this process: ``(exit status, stdout, stderr)``."""
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (0 if code is None else int(code)), captured.out, captured.err


def cli_process(*args: object, timeout: float = 60, memory_limit: int | None = None):
    """Run the CLI in a fresh process (for hangs and memory), with an optional address-space cap."""

    def limit() -> None:
        if memory_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    return subprocess.run(
        [sys.executable, "-m", "ceasefire_sim.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        cwd=ROOT,
    )


def variant(folder: Path, body: str, name: str = "variant.yaml") -> Path:
    """A scenario next to a copy of the baseline, extending it."""
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / BASELINE.name
    if not base.exists():
        base.write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    path = folder / name
    path.write_text(f"extends: {BASELINE.name}\nname: variant\n{body}", encoding="utf-8")
    return path


# 1 ------------------------------------------------------------------------------------------
def test_edge_results_folder_is_whole_and_checked(tmp_path, capsys):
    """A folder never holds one run's files under another's manifest, and load checks it."""
    out = tmp_path / "run"
    assert run_cli(capsys, "run", BASELINE, "-n", 30, "-d", 20, "-s", 1, "-o", out)[0] == 0
    other = tmp_path / "other"
    assert run_cli(capsys, "run", BASELINE, "-n", 40, "-d", 20, "-s", 2, "-o", other)[0] == 0
    # One run's outcomes under the other's manifest: refused by load and by report.
    (out / "outcomes.parquet").write_bytes((other / "outcomes.parquet").read_bytes())
    with pytest.raises(InputError, match=r"outcomes\.parquet"):
        Results.load(out)
    code, _, err = run_cli(capsys, "report", out)
    assert code == 2 and "outcomes.parquet" in err
    # A run with trajectories, then one without, into the same folder: no stale trajectories.
    with_traj = simulate(BASELINE, worlds=10, seed=1, days=10, keep_trajectories=True)
    with_traj.save(other)
    simulate(BASELINE, worlds=12, seed=2, days=10).save(other)
    loaded = Results.load(other)
    assert loaded.trajectories is None and len(loaded.outcomes) == 12


# 2 ------------------------------------------------------------------------------------------
def test_edge_sweep_chunks_are_checked_and_folder_locked(tmp_path):
    from ceasefire_sim.errors import SweepError
    from ceasefire_sim.sweep.runner import run_sweep
    from ceasefire_sim.sweep.spec import load_sweep
    from ceasefire_sim.sweep.storage import FolderStorage

    sweep = load_sweep(SMOKE)
    out = tmp_path / "sweep"
    clean = run_sweep(sweep, workers=1, out=out).summary
    # Scramble a chunk's data, keeping its schema and metadata: --resume must not keep it.
    chunk = out / "worlds" / "chunk-00001.parquet"
    table = pq.read_table(chunk)
    frame = table.to_pandas()
    frame["control_change_km2"] = frame["control_change_km2"] + 5000.0
    scrambled = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(
        table.schema.metadata
    )
    pq.write_table(scrambled, chunk)
    resumed = run_sweep(sweep, workers=1, out=out, resume=True)
    pd.testing.assert_frame_equal(resumed.summary, clean)
    assert 1 in resumed.computed_chunks
    # While one sweep holds the folder, a second is refused.
    holder = FolderStorage(out, sweep.hash, sweep.n_chunks)
    holder.open(resume=True)
    try:
        with pytest.raises(SweepError, match="another sweep"):
            run_sweep(sweep, workers=1, out=out, resume=True)
    finally:
        getattr(holder, "close", lambda: None)()


# 3 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("override", "words"),
    [
        (
            "belligerents.russia.casualties_per_day={dist: lognormal, mean_log: 10, sd_log: 2}",
            "casualties_per_day",
        ),
        ("territory.control_km2=700000", "control_km2"),
        ("start_date=9999-12-01", "start_date"),
    ],
)
def test_edge_values_that_break_the_model_are_refused(capsys, override, words):
    code, _, err = run_cli(capsys, "validate", BASELINE, "--set", override)
    assert code == 2 and words in err
    code, _, err = run_cli(capsys, "run", BASELINE, "-n", 5, "-d", 5, "--set", override)
    assert code == 2 and words in err


def test_edge_horizon_has_an_upper_bound(capsys):
    code, _, err = run_cli(capsys, "run", BASELINE, "-n", 1, "-d", 4000)
    assert code == 2 and "4000" in err


# 4 ------------------------------------------------------------------------------------------
def test_edge_memory_is_checked_before_allocating(tmp_path):
    # Capped at 3 GB of address space: a run that allocates first fails with MemoryError.
    done = cli_process("run", BASELINE, "-n", 1_000_000_000, memory_limit=3 * 2**30)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "memory" in done.stderr and "Traceback" not in done.stderr
    spec = tmp_path / "huge.yaml"
    spec.write_text(
        f"name: huge\nscenario: {BASELINE}\nmethod: random\nsamples: 10000000\n"
        "worlds: 10000000\ndays: 30\nparameters:\n  mediator.leverage_on_russia: {low: 0, high: 1}\n"
    )
    done = cli_process("sweep", spec, "--dry-run", memory_limit=3 * 2**30, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]


def test_edge_max_memory_option(capsys):
    code, _, err = run_cli(capsys, "run", BASELINE, "-n", 100_000, "--max-memory", "50M")
    assert code == 2 and "would need about" in err and "MB" in err


# 5 ------------------------------------------------------------------------------------------
def test_edge_unwritable_output_is_refused_before_computing(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    for out in ("/proc/ceasefire-results", a_file / "results", a_file):
        code, stdout, err = run_cli(capsys, "run", BASELINE, "-n", 5, "-d", 5, "-o", out)
        assert code == 2, (out, err)
        # Refused before the computation: no summary table was printed.
        assert "P(ceasefire" not in stdout
    assert a_file.read_text() == "not a folder"


# 6 ------------------------------------------------------------------------------------------
def test_edge_bad_arguments_and_damaged_files_give_messages(tmp_path, capsys):
    assert run_cli(capsys, "run", BASELINE, "-n", 5, "-d", 5, "-s", -1)[0] == 2
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(loop)
    for command in ("validate", "run"):
        assert run_cli(capsys, command, loop)[0] == 2
    out = tmp_path / "run"
    simulate(BASELINE, worlds=20, seed=1, days=10).save(out)
    truncated = tmp_path / "truncated"
    simulate(BASELINE, worlds=20, seed=1, days=10).save(truncated)
    data = (truncated / "daily.parquet").read_bytes()
    (truncated / "daily.parquet").write_bytes(data[: len(data) // 2])
    typed = tmp_path / "typed"
    simulate(BASELINE, worlds=20, seed=1, days=10).save(typed)
    manifest = json.loads((typed / "manifest.json").read_text())
    manifest["worlds"] = "many"
    (typed / "manifest.json").write_text(json.dumps(manifest))
    for folder in (truncated, typed):
        for command in ("plot", "report"):
            code, _, err = run_cli(capsys, command, folder)
            assert code == 2 and err.startswith("error:"), (command, folder, err)
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"name: s\nscenario: {BASELINE}\nmethod: random\nsamples: 4\nworlds: 5\ndays: 10\n"
        "parameters:\n  mediator.leverage_on_russia: {dist: lognormal, mean_log: 800, sd_log: 3}\n"
    )
    assert run_cli(capsys, "sweep", spec, "--dry-run")[0] == 2
    sweep_out = tmp_path / "sw"
    sweep_out.mkdir()
    (sweep_out / "worlds").write_text("a file")
    assert run_cli(capsys, "sweep", SMOKE, "-w", "1", "-q", "-o", sweep_out)[0] == 2


# 7 ------------------------------------------------------------------------------------------
def test_edge_scenario_files_mean_what_they_say(tmp_path, capsys):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    done = cli_process("validate", fifo, timeout=30)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    done = cli_process("list", tmp_path, timeout=30)
    assert done.returncode == 0
    # YAML 1.2 numbers.
    numbers = variant(tmp_path / "s", "belligerents:\n  russia:\n    personnel: 6.5e5\n")
    assert run_cli(capsys, "validate", numbers)[0] == 0
    assert load_scenario(numbers).belligerents["russia"].personnel.value == 650_000
    assert run_cli(capsys, "validate", BASELINE, "--set", "territory.control_km2=1.1e5")[0] == 0
    # true is not a horizon.
    code, _, err = run_cli(capsys, "validate", BASELINE, "--set", "horizon_days=true")
    assert code == 2 and "horizon_days" in err
    # An event before the start does not apply silently on day 1.
    early = variant(
        tmp_path / "s",
        "events:\n  - date: 2025-01-01\n    set: {mediator.aid_paused: 1}\n    assumption: test\n",
        "early.yaml",
    )
    code, _, err = run_cli(capsys, "validate", early)
    assert code == 2 and "early.yaml:" in err and "before" in err
    # What run refuses, validate refuses, with the file and line.
    calibrated = variant(tmp_path / "s", "front:\n  defender_advantage: 0.9\n", "calib.yaml")
    code, _, err = run_cli(capsys, "validate", calibrated)
    assert code == 2 and "calib.yaml:4" in err
    code, _, err = run_cli(capsys, "run", calibrated, "-n", 5, "-d", 5)
    assert code == 2 and "calib.yaml:4" in err
    # An event on a value read only at day 0 is refused at validate time ...
    day0 = variant(
        tmp_path / "s",
        "events:\n  - date: 2025-04-01\n    set: {territory.control_km2: 100000}\n"
        "    assumption: test\n",
        "day0.yaml",
    )
    code, _, err = run_cli(capsys, "validate", day0)
    assert code == 2 and "day0.yaml:" in err
    # ... and one on the allies' pledges takes effect.
    from ceasefire_sim.model.model import CeasefireModel

    pledges = variant(
        tmp_path / "s",
        "events:\n  - date: 2025-03-15\n    set: {allies.*.willingness: 0}\n    assumption: test\n",
        "pledges.yaml",
    )
    model = CeasefireModel(load_scenario(pledges), worlds=50, seed=1, days=5)
    before = np.asarray(model.alliance.pledged_troops).copy()
    model.run()
    assert before.max() > 0 and np.asarray(model.alliance.pledged_troops).max() == 0
    # Messages carry no placeholders, and a misspelt key gets a suggestion.
    code, _, err = run_cli(capsys, "validate", BASELINE, "--set", "truce.base_hazrd_per_day=0.1")
    assert code == 2 and "base_hazard_per_day" in err and "did you mean" in err
    assert "<input>" not in err and "<document>" not in err
    code, _, err = run_cli(capsys, "validate", tmp_path / "missing.yaml")
    assert code == 2 and "<document>" not in err


# 8 ------------------------------------------------------------------------------------------
def test_edge_api_checks_overrides_like_the_cli():
    with pytest.raises(ScenarioError, match="base_hazard_per_day"):
        simulate(BASELINE, worlds=10, days=5, overrides={"truce.base_hazard_per_day": -0.5})
    with pytest.raises(ScenarioError, match="casualties_per_day"):
        simulate(
            BASELINE, worlds=10, days=5, overrides={"belligerents.russia.casualties_per_day": 1e12}
        )
    by_api = simulate(
        BASELINE, worlds=40, seed=3, days=30, overrides={"allies.*.aid_share_gdp_pct": 0.2}
    )
    by_set = simulate(
        load_scenario(BASELINE, ["allies.*.aid_share_gdp_pct=0.2"]), worlds=40, seed=3, days=30
    )
    columns = ["first_ceasefire_day", "control_km2_final", "allied_aid_total_bn"]
    pd.testing.assert_frame_equal(by_api.outcomes[columns], by_set.outcomes[columns])


# 9 ------------------------------------------------------------------------------------------
def test_edge_extends_stays_in_the_scenario_tree_and_the_server_keeps_its_limits(tmp_path, capsys):
    private = tmp_path / "private.yaml"
    private.write_text("secret_token: hunter2\nname: x\n")
    inside = tmp_path / "project" / "scenarios"
    inside.mkdir(parents=True)
    reader = inside / "reader.yaml"
    reader.write_text("extends: ../../private.yaml\nname: reader\n")
    code, _, err = run_cli(capsys, "validate", reader)
    assert code == 2 and "secret_token" not in err and "hunter2" not in err
    assert "--allow-outside" in err

    from ceasefire_sim.app import ClassroomModel

    for request in ({"scenario": str(private)}, {"scenario": "/etc/hostname"}, {"worlds": 5000}):
        with pytest.raises(ScenarioError):
            ClassroomModel(**request)


# 10 -----------------------------------------------------------------------------------------
def test_edge_red_line_erosion_acts():
    """Red lines erode with pain: without erosion the penalty stays, with it deals come sooner.

    A mutation that removes the erosion (the penalty left at its day-0 value) makes the two runs
    below identical, under common random numbers, and fails this test.
    """
    from ceasefire_sim.model.model import CeasefireModel

    fast = "belligerents.*.preferences.red_line_erosion"
    runs = {}
    for erosion in (0.0, 5.0):
        scenario = load_scenario(BASELINE, [f"{fast}={erosion}"])
        model = CeasefireModel(scenario, worlds=400, seed=11, days=240, narrative_worlds=0)
        start = np.asarray(model.ukraine.red_line_penalty()).copy()
        model.run()
        runs[erosion] = (start, np.asarray(model.ukraine.red_line_penalty()), model)
    start, end, _ = runs[5.0]
    pained = np.asarray(runs[5.0][2].ukraine.pain) > 0
    assert pained.any() and np.all(end[pained] < start[pained])
    start0, end0, _ = runs[0.0]
    np.testing.assert_array_equal(np.broadcast_to(end0, start0.shape), start0)
    deals_eroding = np.isfinite(runs[5.0][2].first_ceasefire_day).mean()
    deals_fixed = np.isfinite(runs[0.0][2].first_ceasefire_day).mean()
    assert deals_eroding > deals_fixed
