"""The sensitivity section: parameter ranges, the Saltelli layout, outcomes and the checks."""

import math

import numpy as np
import pandas as pd
import pytest

from ceasefire_sim import ScenarioError, load_scenario
from ceasefire_sim.sweep.samplers import SweepParameter, sample_points
from ceasefire_sim.validation import BASELINE, ValidationConfig, sensitivity
from ceasefire_sim.validation.sensitivity import (
    OUTPUTS,
    UNCERTAIN_PATHS,
    coherent,
    noise_share,
    point_outcomes,
    saltelli_roles,
    uncertain_parameters,
)


def test_ranges_come_from_the_scenario_or_fifty_percent(baseline):
    params = {p.path: p for p in uncertain_parameters(baseline)}
    assert list(params) == list(UNCERTAIN_PATHS) and len(params) == 11
    interval = params["talks.interval_days"]
    assert (interval.low, interval.high) == (3.0, 28.0) and "procedural" in interval.basis
    gain = params["front.initial_gain_km2_per_month"]
    # The baseline draws it from the posterior: its central 90%, inside the fit's prior.
    assert "5-95% of its posterior" in gain.basis and 0.0 < gain.low < gain.high < 800.0
    logit = params["talks.logit_scale"]
    assert (logit.low, logit.high) == pytest.approx((0.025, 0.075)) and "assumption" in logit.basis
    prior = params["belligerents.russia.belief.prior_mean_km2_per_day"]
    assert (prior.low, prior.high) == pytest.approx((7.5, 22.5))


def test_other_distributions_use_their_central_ninety_percent():
    scenario = load_scenario(
        BASELINE,
        {
            "mediator.leverage_on_russia": {
                "dist": "normal",
                "mean": 0.2,
                "sd": 0.05,
                "low": 0.0,
                "high": 1.0,
            }
        },
    )
    (param,) = uncertain_parameters(scenario, ("mediator.leverage_on_russia",))
    assert (param.low, param.high) == pytest.approx(
        (0.2 - 1.6449 * 0.05, 0.2 + 1.6449 * 0.05), abs=1e-4
    )


def test_bad_parameters_are_refused(baseline):
    with pytest.raises(ScenarioError, match="not in the scenario"):
        uncertain_parameters(baseline, ("front.no_such_thing",))
    # Ukraine's prior mean drift is 0: +-50% of it is no range at all.
    with pytest.raises(ScenarioError, match="is 0"):
        uncertain_parameters(baseline, ("belligerents.ukraine.belief.prior_mean_km2_per_day",))


def test_saltelli_roles_split_the_design_by_role():
    params = [SweepParameter(p, low=0.0, high=1.0) for p in ("a", "b", "c")]
    points = sample_points(params, "sobol", n=8, seed=1)
    roles = saltelli_roles(points, ["a", "b", "c"])
    assert len(roles) == 5 and all(len(r) == 8 for r in roles)
    a, ab_b, b = roles[0], roles[2], roles[4]
    np.testing.assert_array_equal(ab_b["b"], b["b"])
    np.testing.assert_array_equal(ab_b[["a", "c"]], a[["a", "c"]])
    with pytest.raises(ValueError, match="Saltelli order"):
        saltelli_roles(points.iloc[::-1].reset_index(drop=True), ["a", "b", "c"])


def _outcomes(first_day, status, change):
    return pd.DataFrame(
        {"first_ceasefire_day": first_day, "status": status, "control_change_km2": change}
    )


def test_point_outcomes_summarise_each_block():
    out = _outcomes(
        [10, np.nan, 120, 80, np.nan, np.nan],
        ["settled", "war", "collapsed", "ceasefire", "war", "war"],
        [100.0, 300.0, 200.0, 0.0, 50.0, 70.0],
    )
    y = point_outcomes(out, np.array([0, 0, 0, 1, 1, 1]))
    assert list(y) == list(OUTPUTS)
    assert y["p_ceasefire_365"] == pytest.approx([2 / 3, 1 / 3])
    assert y["p_ceasefire_90"] == pytest.approx([1 / 3, 1 / 3])
    assert y["p_holding"] == pytest.approx([1 / 3, 1 / 3])
    assert y["median_control_change_km2"] == pytest.approx([200.0, 50.0])


def test_noise_share_separates_noise_from_signal():
    rng = np.random.default_rng(0)
    block = np.repeat(np.arange(200), 20)
    status = np.where(rng.random(len(block)) < 0.3, "settled", "war")
    signal = np.repeat(rng.normal(0, 1000, 200), 20)
    out = _outcomes(np.full(len(block), np.nan), status, signal + rng.normal(0, 1, len(block)))
    share = noise_share(out, block)
    # Settlement is pure coin-flipping: all of its variance between points is noise.
    assert share["p_holding"] == pytest.approx(1.0, abs=0.25)
    # Control change is almost all signal.
    assert share["median_control_change_km2"] < 0.01
    assert math.isnan(share["p_ceasefire_90"])  # constant (no ceasefire by day 90): undefined


def test_coherence_of_indices():
    assert coherent(0.2, 0.05, 0.3, 0.05)
    assert coherent(-0.03, 0.05, 0.0, 0.0)
    assert not coherent(0.6, 0.05, 0.3, 0.05)  # S1 well above ST
    assert not coherent(-0.3, 0.05, 0.1, 0.05)  # S1 well below 0
    assert not coherent(float("nan"), 0.1, 0.2, 0.1)


def test_estimator_check_recovers_ishigami_at_the_report_s_size():
    check = sensitivity.check_estimator(base=256, dimensions=10, seed=1, resamples=200)
    assert check.passed, check
    assert check.data["max_error"] < 0.15


def test_sobol_run_with_common_random_numbers(tmp_path):
    config = ValidationConfig(
        seed=2,
        sobol_base=16,
        sobol_converge=False,
        sobol_worlds_per_point=4,
        sobol_resamples=50,
        days=100,
    )
    # A threat carried out costs the mediator `threat_cost_days` of its patience, so patience can
    # act before day 90 through threats; with that cost at 0 it cannot.
    scenario = tmp_path / "no_threat_cost.yaml"
    scenario.write_text(
        f"extends: {BASELINE}\n"
        "name: baseline, threats cost no patience\n"
        "mediator:\n"
        "  threat_cost_days: {value: 0, assumption: a threat costs the mediator no patience}\n"
    )
    sobol = sensitivity.run_sobol(config, scenario)
    table = sobol["indices"]
    assert sobol["points"] == 16 * 13 and sobol["worlds"] == 16 * 13 * 4
    assert len(table) == 4 * 11 and set(table["output"]) == set(OUTPUTS)
    assert sobol["base"] == 16 and sobol["convergence"].base == 16
    # The US then walks away after 90 days at the earliest, so its patience cannot change whether
    # a ceasefire comes within 90 days. With common random numbers the worlds of A and AB_i then
    # follow identical paths and the indices are exactly zero (noise would make them not).
    row = table[
        (table["output"] == "p_ceasefire_90") & (table["parameter"] == "mediator.patience_days")
    ]
    assert row["note"].iloc[0] == ""
    assert row["S1"].iloc[0] == 0.0 and row["ST"].iloc[0] == 0.0
    checks = sensitivity.sensitivity_checks(sobol)
    assert len(checks) == 44 and all(c.section == "sensitivity" for c in checks)
    for c in checks:
        d = c.data
        assert c.passed == coherent(d["S1"], d["S1_conf"], d["ST"], d["ST_conf"])


def _fake_rule(converged_from):
    """A convergence rule under which output ``o`` converges once the base reaches ``n[o]``."""
    from ceasefire_sim.sweep.sensitivity import Convergence

    def rule(indices, base):
        outputs = {
            o: {
                "tolerance": 0.05,
                "worst_half_width": 0.01 if base >= n else 0.1,
                "worst_parameter": "x",
                "converged": base >= n,
                "needed_base": max(base, n),
            }
            for o, n in converged_from.items()
        }
        return Convergence(base, all(s["converged"] for s in outputs.values()), outputs)

    return rule


def test_growing_the_sample_keeps_the_points_already_run(monkeypatch):
    sizes = dict(seed=3, sobol_worlds_per_point=2, sobol_resamples=20, days=60)
    rule = _fake_rule({o: 32 for o in OUTPUTS})
    monkeypatch.setattr(sensitivity, "sobol_convergence", rule)
    grown = sensitivity.run_sobol(ValidationConfig(sobol_base=8, sobol_max_base=1024, **sizes))
    assert [h["base"] for h in grown["history"]] == [8, 16, 32]
    assert grown["base"] == 32 and grown["points"] == 32 * 13 and grown["worlds"] == 32 * 13 * 2
    first = sensitivity.run_sobol(ValidationConfig(sobol_base=8, sobol_converge=False, **sizes))
    # The first 8 base points (13 roles each) are those of a direct run at base 8, not rerun.
    for name in OUTPUTS:
        np.testing.assert_array_equal(grown["outputs"][name][: 8 * 13], first["outputs"][name])


def test_the_headline_is_not_stopped_by_the_budget(monkeypatch):
    sizes = dict(seed=3, sobol_worlds_per_point=2, sobol_resamples=20, days=30)
    never = {o: 10**9 for o in OUTPUTS[1:]}
    monkeypatch.setattr(sensitivity, "sobol_convergence", _fake_rule({OUTPUTS[0]: 32, **never}))
    sobol = sensitivity.run_sobol(ValidationConfig(sobol_base=8, sobol_max_base=8, **sizes))
    # The others stop at the budget (8); the headline keeps the sample growing until 32.
    assert sobol["base"] == 32
    checks = sensitivity.convergence_checks(sobol)
    assert [c.passed for c in checks] == [True, False, False, False]
    assert "Base sample needed by the rule: 32" in checks[0].detail
