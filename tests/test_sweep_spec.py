from pathlib import Path

import numpy as np
import pytest
import yaml

from ceasefire_sim.cli import main
from ceasefire_sim.errors import SweepError
from ceasefire_sim.scenario.schema import NATO_ALLIES
from ceasefire_sim.sweep.spec import load_sweep, sweep_from_dict
from tests.conftest import BASELINE, ROOT

SWEEPS = ROOT / "scenarios" / "sweeps"


def tiny_spec(**changes):
    """A spec small enough for tests: 4 points x 8 worlds x 40 days in 2 chunks."""
    spec = {
        "name": "tiny",
        "scenario": str(BASELINE),
        "method": "grid",
        "samples": 2,
        "worlds": 8,
        "days": 40,
        "seed": 5,
        "chunk_size": 16,
        "parameters": {
            "mediator.leverage_on_russia": {"low": 0.0, "high": 0.6},
            "mediator.aid_bn_per_year": {"values": [0, 44]},
        },
    }
    spec.update(changes)
    return spec


def write_spec(directory: Path, name: str = "spec.yaml", **changes) -> Path:
    path = Path(directory) / name
    path.write_text(yaml.safe_dump(tiny_spec(**changes), sort_keys=False))
    return path


# --- the shipped specs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "min_parameters"),
    [
        ("smoke", "grid", 2),
        ("sobol-small", "sobol", 4),
        ("research-pressure-aid", "grid", 2),
        ("sobol-10", "sobol", 10),
    ],
)
def test_shipped_specs_validate(name, method, min_parameters):
    sweep = load_sweep(SWEEPS / f"{name}.yaml")
    assert sweep.spec.method == method
    assert len(sweep.parameters) >= min_parameters
    assert sweep.n_chunks >= 2  # every shipped sweep exercises more than one chunk
    assert list(sweep.points.columns) == ["point", *sweep.spec.parameters]


def test_sobol_10_varies_exactly_ten_parameters():
    assert len(load_sweep(SWEEPS / "sobol-10.yaml").parameters) == 10


def test_smoke_layout():
    sweep = load_sweep(SWEEPS / "smoke.yaml")
    assert sweep.n_points == 9
    assert sweep.points_per_chunk == 3
    assert [list(sweep.chunk_points(c)) for c in range(sweep.n_chunks)] == [
        [0, 1, 2],
        [3, 4, 5],
        [6, 7, 8],
    ]


# --- what a valid spec becomes ------------------------------------------------------------------


def test_scenario_path_is_relative_to_the_spec_file(tmp_path):
    (tmp_path / "specs").mkdir()
    path = write_spec(tmp_path / "specs", scenario="../base.yaml")
    (tmp_path / "base.yaml").write_text(BASELINE.read_text())
    assert load_sweep(path).scenario.name == load_sweep(write_spec(tmp_path)).scenario.name


def test_last_chunk_may_hold_fewer_points():
    sweep = sweep_from_dict(tiny_spec(chunk_size=24))  # 3 points per chunk, 4 points
    assert sweep.points_per_chunk == 3
    assert [len(sweep.chunk_points(c)) for c in range(sweep.n_chunks)] == [3, 1]


def test_more_worlds_than_chunk_size_gives_one_point_per_chunk():
    sweep = sweep_from_dict(tiny_spec(chunk_size=5))
    assert sweep.points_per_chunk == 1 and sweep.n_chunks == 4


def test_wildcard_path_sets_every_ally():
    sweep = sweep_from_dict(
        tiny_spec(parameters={"allies.*.aid_share_gdp_pct": {"values": [0.0, 0.2]}})
    )
    targets = sweep.targets["allies.*.aid_share_gdp_pct"]
    assert sorted(targets) == sorted(f"allies.{a}.aid_share_gdp_pct" for a in NATO_ALLIES)


def test_distribution_parameters_and_uniform_alias():
    sweep = sweep_from_dict(
        tiny_spec(
            method="lhs",
            samples=50,
            parameters={
                "mediator.patience_days": {
                    "dist": "triangular",
                    "low": 90,
                    "mode": 180,
                    "high": 365,
                },
                "mediator.leverage_on_russia": {"dist": "uniform", "low": 0.1, "high": 0.5},
            },
        )
    )
    patience = sweep.points["mediator.patience_days"]
    assert patience.between(90, 365).all()
    assert sweep.parameters[1].kind == "range"
    table = {row["path"]: row for row in sweep.parameter_table()}
    assert table["mediator.patience_days"]["dist"]["dist"] == "triangular"
    assert table["mediator.patience_days"]["low"] == pytest.approx(patience.min())
    assert table["mediator.leverage_on_russia"]["high"] == 0.5


def test_set_changes_the_base_scenario_and_the_hash(tmp_path):
    path = write_spec(tmp_path)
    plain = load_sweep(path)
    changed = load_sweep(path, ["talks.logit_scale=0.2"])
    assert changed.spec.set == {"talks.logit_scale": 0.2}
    assert changed.scenario.talks.logit_scale.value == 0.2
    assert plain.hash != changed.hash


def test_hash_ignores_name_but_not_what_changes_results():
    base = sweep_from_dict(tiny_spec())
    assert sweep_from_dict(tiny_spec(name="other", description="x")).hash == base.hash
    for change in ({"worlds": 9}, {"seed": 6}, {"days": 41}, {"chunk_size": 8}):
        assert sweep_from_dict(tiny_spec(**change)).hash != base.hash, change


def test_grid_of_values_needs_no_samples():
    spec = tiny_spec(parameters={"mediator.aid_bn_per_year": {"values": [0, 10, 20]}})
    del spec["samples"]
    assert sweep_from_dict(spec).n_points == 3


def test_points_are_deterministic_for_a_seed():
    a = sweep_from_dict(tiny_spec(method="lhs", samples=6))
    b = sweep_from_dict(tiny_spec(method="lhs", samples=6))
    c = sweep_from_dict(tiny_spec(method="lhs", samples=6, seed=6))
    np.testing.assert_array_equal(a.design, b.design)
    assert not np.array_equal(a.design, c.design)


# --- malformed specs ------------------------------------------------------------------------------


def problems_of(tmp_path, **changes):
    with pytest.raises(SweepError) as info:
        load_sweep(write_spec(tmp_path, **changes))
    return info.value.problems


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_unknown_parameter_path_names_the_line_and_suggests(tmp_path):
    path = write_spec(tmp_path, parameters={"mediator.leverage_on_rusia": {"low": 0, "high": 1}})
    with pytest.raises(SweepError) as info:
        load_sweep(path)
    (problem,) = info.value.problems
    assert problem.line == line_of(path, "leverage_on_rusia")
    assert problem.path == "parameters.mediator.leverage_on_rusia"
    assert "not a numeric parameter" in problem.message
    assert "did you mean 'mediator.leverage_on_russia'" in problem.message


def test_wildcard_matching_nothing_is_an_unknown_path(tmp_path):
    (problem,) = problems_of(tmp_path, parameters={"allies.*.no_such": {"low": 0, "high": 1}})
    assert "not a numeric parameter" in problem.message


def test_low_above_high(tmp_path):
    (problem,) = problems_of(
        tmp_path, parameters={"mediator.leverage_on_russia": {"low": 0.8, "high": 0.2}}
    )
    assert problem.path == "parameters.mediator.leverage_on_russia"
    assert "'low' (0.8) must be less than 'high' (0.2)" in problem.message


def test_unknown_method(tmp_path):
    (problem,) = problems_of(tmp_path, method="halton")
    assert problem.path == "method"
    assert "unknown method 'halton'" in problem.message
    assert "grid, random, lhs, sobol, morris" in problem.message


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"colour": "red"}, "colour", "unknown key 'colour'"),
        ({"worlds": "ten"}, "worlds", "valid integer"),
        ({"worlds": 0}, "worlds", "greater than or equal to 1"),
        ({"seed": -1}, "seed", "greater than or equal to 0"),
        ({"parameters": {}}, "parameters", "at least one parameter"),
        (
            {"parameters": {"mediator.aid_bn_per_year": {"low": 0, "hgh": 1}}},
            "parameters.mediator.aid_bn_per_year.hgh",
            "unknown key 'hgh'",
        ),
        ({"method": "sobol", "samples": 6}, "samples", "power of 2"),
        ({"method": "lhs", "samples": None}, "samples", "needs 'samples'"),
        ({"scenario": "nowhere.yaml"}, "scenario", "base scenario not found"),
        (
            {"parameters": {"front.defender_advantage": {"low": 0.5, "high": 1.5}}},
            "parameters.front.defender_advantage",
            "'high' 1.5 is outside what the scenario allows",
        ),
        (
            {"parameters": {"mediator.patience_days": {"dist": "normal", "mean": 50, "sd": 100}}},
            "parameters.mediator.patience_days",
            "lowest sampled value",
        ),
        (
            {"parameters": {"mediator.aid_bn_per_year": {"values": [1], "low": 0, "high": 2}}},
            "parameters.mediator.aid_bn_per_year",
            "exactly one of",
        ),
        (
            {
                "parameters": {
                    "allies.*.willingness": {"values": [0, 1]},
                    "allies.france.willingness": {"values": [0, 1]},
                }
            },
            "parameters.allies.france.willingness",
            "already sets",
        ),
    ],
)
def test_malformed_spec_problems(tmp_path, changes, path, message):
    changes = {k: v for k, v in changes.items()}
    spec = tiny_spec(**changes)
    spec = {k: v for k, v in spec.items() if v is not None}
    target = tmp_path / "spec.yaml"
    target.write_text(yaml.safe_dump(spec, sort_keys=False))
    with pytest.raises(SweepError) as info:
        load_sweep(target)
    matching = [p for p in info.value.problems if p.path == path]
    assert matching, info.value.problems
    assert message in matching[0].message
    assert matching[0].file == str(target)
    assert matching[0].line is not None or path == "samples"


def test_every_problem_is_reported_at_once(tmp_path):
    problems = problems_of(tmp_path, method="halton", worlds=0, colour="red")
    assert {p.path for p in problems} == {"method", "worlds", "colour"}


def test_invalid_yaml_is_a_sweep_error(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("name: x\n  bad: [\n")
    with pytest.raises(SweepError, match="invalid YAML"):
        load_sweep(path)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"parameters": {"mediator.leverage_on_rusia": {"low": 0, "high": 1}}},
            "is not a numeric parameter",
        ),
        (
            {"parameters": {"mediator.leverage_on_russia": {"low": 1, "high": 0}}},
            "must be less than 'high'",
        ),
        ({"method": "halton"}, "unknown method 'halton'"),
    ],
)
def test_cli_exits_2_with_a_clear_message(tmp_path, capsys, changes, expected):
    path = write_spec(tmp_path, **changes)
    with pytest.raises(SystemExit) as info:
        main(["sweep", str(path), "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}:")
    assert expected in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_refuses_two_executors(tmp_path, capsys):
    path = write_spec(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["sweep", str(path), "--workers", "2", "--dask-local", "2"])
    assert info.value.code == 2
    assert "at most one of --workers, --scheduler, --dask-local" in capsys.readouterr().err


def test_cli_dry_run_prints_the_plan(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["sweep", str(write_spec(tmp_path)), "--dry-run", "--out", str(tmp_path / "o")])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "4 points x 8 worlds = 32 worlds over 40 days, in 2 chunks" in out
    assert not (tmp_path / "o").exists()


def test_problems_with_set_entries_point_at_the_spec(tmp_path):
    path = write_spec(tmp_path, set={"mediator.aid_bn_per_year": -3})
    with pytest.raises(SweepError) as info:
        load_sweep(path, ["talks.first_day=-1"])
    by_path = {p.path: p for p in info.value.problems}
    entry = by_path["set.mediator.aid_bn_per_year"]
    assert (entry.file, entry.line) == (str(path), line_of(path, "mediator.aid_bn_per_year: -3"))
    assert "must be >= 0" in entry.message
    assert by_path["talks.first_day"].file.startswith("--set")
