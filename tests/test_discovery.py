"""Scenario discovery (PRIM, CART) and regret: a planted box is recovered from synthetic data;
the regret table on a hand-made policy x scenario table; `discover` on a small lever sweep."""

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT

from ceasefire_sim.cli import main
from ceasefire_sim.errors import SweepError
from ceasefire_sim.sweep.discovery import cart_boxes, discover, measure, prim_boxes, regret_table
from ceasefire_sim.sweep.runner import run_sweep
from ceasefire_sim.sweep.spec import load_sweep


def planted(n=2000, seed=4):
    """Four uniform inputs; cases of interest inside a < 0.3 and c > 0.6 (90%) and 3% outside."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(n, 4)), columns=["a", "b", "c", "d"])
    inside = (x["a"] < 0.3) & (x["c"] > 0.6)
    cases = np.where(inside, rng.uniform(size=n) < 0.9, rng.uniform(size=n) < 0.03)
    return x, cases.astype(bool), inside.to_numpy()


@pytest.mark.parametrize("finder", [prim_boxes, cart_boxes])
def test_planted_box_is_recovered(finder):
    x, cases, inside = planted()
    box = finder(x, cases)[0]
    assert set(box.limits) == {"a", "c"}
    # The planted edges within 0.05 (a few per cent of 2,000 points lie near each edge).
    assert box.limits["a"][1] == pytest.approx(0.3, abs=0.05)
    assert box.limits["c"][0] == pytest.approx(0.6, abs=0.05)
    # The planted box's own density is 0.9 and its coverage 0.9 * 0.12 / (0.9 * 0.12 + 0.03 * 0.88)
    # = 0.80; a recovered box must come close to both.
    assert box.density > 0.8
    assert box.coverage > 0.7
    assert box.mass == pytest.approx(inside.mean(), abs=0.03)


def test_measure_counts_by_hand():
    x = pd.DataFrame({"a": [0.1, 0.2, 0.5, 0.9]})
    box = measure({"a": (0.0, 0.3)}, x, np.array([True, False, True, False]), "PRIM")
    assert (box.coverage, box.density, box.mass) == (0.5, 0.5, 0.5)


def test_no_cases_no_boxes():
    x, _, _ = planted(200)
    assert prim_boxes(x, np.zeros(200, bool)) == []
    assert cart_boxes(x, np.zeros(200, bool)) == []


def test_regret_by_hand():
    # Two policies (lever L) x three scenarios (uncertainty U); higher is better.
    points = pd.DataFrame({"L": [0, 0, 0, 1, 1, 1], "U": [1, 2, 3, 1, 2, 3]})
    values = np.array([0.5, 0.2, 0.9, 0.4, 0.4, 0.4])
    table = regret_table(points, values, ["L"], ["U"], threshold=0.3)
    by = table.set_index("L")
    # Regrets: policy 0: 0, 0.2, 0; policy 1: 0.1, 0, 0.5.
    assert by.loc[0, "max_regret"] == pytest.approx(0.2)
    assert by.loc[1, "max_regret"] == pytest.approx(0.5)
    assert by.loc[0, "mean_regret"] == pytest.approx(0.2 / 3)
    assert by.loc[0, "share_failing"] == pytest.approx(1 / 3)
    assert by.loc[1, "worst"] == pytest.approx(0.4)
    assert table["L"].tolist() == [0, 1]  # least maximum regret first


def test_regret_needs_levers():
    with pytest.raises(SweepError, match="levers"):
        regret_table(pd.DataFrame({"U": [1]}), np.array([1.0]), [], ["U"])


def lever_spec(tmp_path, **changes):
    spec = {
        "name": "levers",
        "scenario": str(ROOT / "scenarios" / "white_house_2025-03-13.yaml"),
        "method": "lhs",
        "samples": 4,
        "worlds": 20,
        "days": 60,
        "seed": 1,
        "chunk_size": 400,
        "levers": {"mediator.leverage_on_russia": {"values": [0.0, 0.5]}},
        "uncertainties": {
            "truce.base_hazard_per_day": {"low": 0.02, "high": 0.09},
            "talks.interval_days": {"low": 3, "high": 28},
        },
        **changes,
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_levers_cross_every_scenario(tmp_path):
    sweep = load_sweep(lever_spec(tmp_path))
    assert sweep.levers == ["mediator.leverage_on_russia"]
    assert sweep.uncertainties == ["truce.base_hazard_per_day", "talks.interval_days"]
    points = sweep.points
    assert len(points) == 8
    # Policy-major: each lever setting sees the same four uncertainty points.
    first, second = points.iloc[:4], points.iloc[4:]
    assert set(first["mediator.leverage_on_russia"]) == {0.0}
    assert set(second["mediator.leverage_on_russia"]) == {0.5}
    for column in sweep.uncertainties:
        np.testing.assert_array_equal(first[column].to_numpy(), second[column].to_numpy())
    roles = {p["path"]: p["role"] for p in sweep.parameter_table()}
    assert roles["mediator.leverage_on_russia"] == "lever"
    assert roles["talks.interval_days"] == "uncertainty"


def test_lever_spec_errors(tmp_path):
    with pytest.raises(SweepError) as info:
        load_sweep(lever_spec(tmp_path, method="sobol"))
    assert any(p.path == "method" and "takes no levers" in p.message for p in info.value.problems)
    spec = lever_spec(
        tmp_path,
        parameters={"mediator.leverage_on_russia": {"values": [0.1]}},
    )
    with pytest.raises(SweepError) as info:
        load_sweep(spec)
    assert any("either a lever or an uncertainty" in p.message for p in info.value.problems)
    spec = lever_spec(
        tmp_path, levers={"mediator.leverage_on_russia": {"dist": "beta", "a": 2, "b": 2}}
    )
    with pytest.raises(SweepError) as info:
        load_sweep(spec)
    problem = info.value.problems[0]
    assert problem.path == "levers.mediator.leverage_on_russia"
    assert "not a distribution" in problem.message


def test_old_spec_hash_unchanged_by_levers(tmp_path):
    # A spec without levers hashes without the new keys, so old sweep folders still resume.
    sweep = load_sweep(ROOT / "scenarios" / "sweeps" / "smoke.yaml")
    dumped = sweep.spec.model_dump(mode="json")
    assert dumped["levers"] == {} and "levers" not in str(sweep.hash)


@pytest.fixture(scope="module")
def lever_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("levers")
    return run_sweep(lever_spec(tmp), workers=1, out=tmp / "out")


def test_discover_on_a_sweep(lever_sweep):
    found = discover(lever_sweep.out, "p_ceasefire_60", 0.5)
    values = lever_sweep.summary["p_ceasefire_60"].to_numpy()
    assert found.cases == int((values < 0.5).sum())
    assert found.points == 8
    assert found.regret is not None and len(found.regret) == 2
    assert found.regret["max_regret"].min() >= 0


def test_discover_command(lever_sweep, capsys):
    # The median point's value as threshold: some points are cases, some are not.
    values = np.sort(lever_sweep.summary["p_ceasefire_60"].to_numpy())
    threshold = float(values[len(values) // 2])
    assert values[0] < threshold
    args = ["--metric", "p_ceasefire_60", "--threshold", str(threshold)]
    with pytest.raises(SystemExit) as exit_info:
        main(["discover", str(lever_sweep.out), *args])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "coverage" in out and "density" in out
    assert "regret" in out


def test_discover_unknown_metric(lever_sweep, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["discover", str(lever_sweep.out), "--metric", "p_peace", "--threshold", "0.5"])
    assert exit_info.value.code == 2
    assert "unknown metric" in capsys.readouterr().err


def test_point_count_counts_every_lever_setting(tmp_path):
    from ceasefire_sim.sweep.spec import expected_points

    levers = {
        "mediator.leverage_on_russia": {"low": 0.0, "high": 0.8},
        "mediator.leverage_on_ukraine": {"values": [0.0, 0.3]},
    }
    sweep = load_sweep(lever_spec(tmp_path, levers=levers, lever_levels=3))
    # 3 levels x 2 values of the levers, crossed with 4 uncertainty points.
    assert len(sweep.points) == 24
    assert expected_points(sweep.spec, sweep.parameters) == 24


def test_size_check_sees_the_lever_multiplier(tmp_path, monkeypatch):
    from ceasefire_sim.sweep import spec as spec_module

    # 4 uncertainty points alone are under the limit; x 2 lever settings they are not.
    monkeypatch.setattr(spec_module, "MAX_POINTS", 5)
    with pytest.raises(SweepError) as info:
        load_sweep(lever_spec(tmp_path))
    assert any("8 points" in p.message for p in info.value.problems)
