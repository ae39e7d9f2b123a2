import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import BASELINE, ROOT

CLI = [sys.executable, "-m", "ceasefire_sim.cli"]


def run_cli(*args, cwd=ROOT):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_run_writes_the_four_files_and_is_reproducible(tmp_path):
    a = run_cli("run", BASELINE, "--worlds", 2000, "--seed", 1, "--out", tmp_path / "a")
    assert a.returncode == 0, a.stderr
    # Piped, the table is laid out for 80 columns, so labels wrap: look for words.
    assert "P(ceasefire by day" in a.stdout and "(Kaplan-Meier)" in a.stdout
    assert "95% MC" in a.stdout and "90% param" in a.stdout and "not reached" in a.stdout
    assert max(len(line) for line in a.stdout.splitlines()) <= 80
    for name in ("outcomes.parquet", "daily.parquet", "events.parquet", "manifest.json"):
        assert (tmp_path / "a" / name).exists()
    outcomes = pd.read_parquet(tmp_path / "a" / "outcomes.parquet")
    assert len(outcomes) == 2000
    b = run_cli("run", BASELINE, "--worlds", 2000, "--seed", 1, "--out", tmp_path / "b")
    assert b.returncode == 0
    pd.testing.assert_frame_equal(outcomes, pd.read_parquet(tmp_path / "b" / "outcomes.parquet"))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("horizon_days: 365", "horizon_days: 365\nbogus_key: 1", "bogus_key"),
        (
            "    personnel: {value: 600000,",
            "    personnel: {value: lots,",
            "belligerents.russia.personnel",
        ),
        (
            "base_hazard_per_day: {value: 0.258,",
            "base_hazard_per_day: {value: 7.5,",
            "truce.base_hazard_per_day",
        ),
    ],
)
def test_malformed_scenario_exits_2_with_the_path(tmp_path, old, new, expected):
    text = BASELINE.read_text()
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1))
    result = run_cli("run", bad, "--worlds", 10)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "bad.yaml:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_override_with_set(tmp_path):
    result = run_cli(
        "run",
        BASELINE,
        "--worlds",
        20,
        "--days",
        30,
        "--set",
        "mediator.aid_bn_per_year=0",
        "--out",
        tmp_path / "r",
    )
    assert result.returncode == 0, result.stderr
    bad = run_cli("run", BASELINE, "--worlds", 20, "--set", "mediator.no_such=1")
    assert bad.returncode == 2 and "no_such" in bad.stderr and "Traceback" not in bad.stderr


def test_missing_file_exits_2():
    result = run_cli("run", "does/not/exist.yaml")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_ctx_exit_code_is_passed_through(monkeypatch):
    import click

    from ceasefire_sim import cli as cli_module

    @click.command()
    @click.pass_context
    def failing(ctx):
        ctx.exit(3)

    monkeypatch.setitem(cli_module.COMMANDS, "failing", "tests.test_cli:_unused")
    monkeypatch.setattr(
        cli_module.LazyGroup,
        "_load",
        staticmethod(lambda name: failing if name == "failing" else None),
    )
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["failing"])
    assert exit_info.value.code == 3


def test_run_writes_trajectories_in_long_format(tmp_path):
    out = tmp_path / "t"
    result = run_cli("run", BASELINE, "-n", 200, "--days", 30, "--trajectories", "-o", out)
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(out / "trajectories.parquet")
    assert list(frame.columns) == [
        "day",
        "world",
        "control_km2",
        "status",
        "casualties_russia",
        "casualties_ukraine",
    ]
    assert len(frame) == 200 * 31
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    last = frame[frame["day"] == 30].set_index("world")
    assert set(frame["status"].astype(str)) <= {"war", "ceasefire", "collapsed", "settled"}
    assert (last["status"].astype(str) == outcomes.set_index("world")["status"]).all()
    np.testing.assert_allclose(
        last["control_km2"], outcomes.set_index("world")["control_km2_final"], rtol=1e-6
    )
    np.testing.assert_allclose(
        last["casualties_russia"], outcomes.set_index("world")["casualties_russia"], rtol=1e-6
    )
    assert (frame.loc[frame["day"] == 0, "casualties_ukraine"] == 0).all()


def test_run_refuses_trajectories_beyond_the_limit(tmp_path):
    result = run_cli("run", BASELINE, "-n", 30_000, "--trajectories", "-o", tmp_path / "x")
    assert result.returncode == 2
    assert "27,322 worlds" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()
    result = run_cli("run", BASELINE, "-n", 10, "--trajectories")
    assert result.returncode == 2 and "--out" in result.stderr
