"""Per-world uncertainty: each distribution's draws land in `outcomes` with the right mean and spread."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ceasefire_sim import ScenarioError, load_scenario, simulate
from tests.conftest import BASELINE

WORLDS = 4000
SEED = 7
#: Tolerance in Monte Carlo standard errors: a correct sampler fails a check about once in 16,000.
Z = 4.0

#: path -> (scenario entry, the same distribution in scipy)
CASES = {
    "front.noise_scale_km2": (
        {"dist": "uniform", "low": 2, "high": 8},
        stats.uniform(loc=2, scale=6),
    ),
    "belligerents.ukraine.belief.prior_mean_km2_per_day": (
        {"dist": "normal", "mean": 1, "sd": 2},
        stats.norm(loc=1, scale=2),
    ),
    "belligerents.russia.casualties_per_day": (
        {"dist": "normal", "mean": 1400, "sd": 300, "low": 1000, "high": 1600},
        stats.truncnorm((1000 - 1400) / 300, (1600 - 1400) / 300, loc=1400, scale=300),
    ),
    "mediator.patience_days": (
        {"dist": "lognormal", "mean_log": 5, "sd_log": 0.5},
        stats.lognorm(s=0.5, scale=math.exp(5)),
    ),
    "alliance.ramp_pct_per_year": (
        {"dist": "triangular", "low": 0.1, "mode": 0.3, "high": 1.0},
        stats.triang(c=0.2 / 0.9, loc=0.1, scale=0.9),
    ),
    "mediator.sanctions_pressure": ({"dist": "beta", "a": 2, "b": 5}, stats.beta(2, 5)),
    "truce.base_hazard_per_day": (
        {"dist": "beta", "a": 2, "b": 3, "low": 0.03, "high": 0.1},
        stats.beta(2, 3, loc=0.03, scale=0.07),
    ),
    "talks.interval_days": (
        {"dist": "choice", "values": [3, 7, 14], "weights": [0.25, 0.5, 0.25]},
        stats.rv_discrete(values=([3, 7, 14], [0.25, 0.5, 0.25])),
    ),
}


@pytest.fixture(scope="module")
def sampled():
    overrides = {path: {**entry, "assumption": "test"} for path, (entry, _) in CASES.items()}
    scenario = load_scenario(BASELINE, overrides)
    return simulate(scenario, worlds=WORLDS, seed=SEED, days=1)


@pytest.mark.parametrize("path", list(CASES))
def test_per_world_values_match_the_distribution(sampled, path):
    _, reference = CASES[path]
    draws = sampled.outcomes[path].to_numpy()
    assert draws.shape == (WORLDS,)
    low, high = reference.support()
    assert np.all((draws >= low) & (draws <= high))

    mean, var = float(reference.mean()), float(reference.var())
    mu4 = (float(reference.stats(moments="k")) + 3.0) * var**2  # fourth central moment
    se_mean = math.sqrt(var / WORLDS)
    se_var = math.sqrt((mu4 - var**2) / WORLDS)  # standard error of the sample variance
    assert abs(draws.mean() - mean) < Z * se_mean, (draws.mean(), mean, se_mean)
    assert abs(draws.var(ddof=1) - var) < Z * se_var, (draws.var(ddof=1), var, se_var)


def test_choice_frequencies_match_the_weights(sampled):
    draws = sampled.outcomes["talks.interval_days"].to_numpy()
    assert set(np.unique(draws)) == {3.0, 7.0, 14.0}
    for value, weight in ((3, 0.25), (7, 0.5), (14, 0.25)):
        share = np.mean(draws == value)
        assert abs(share - weight) < Z * math.sqrt(weight * (1 - weight) / WORLDS)


def test_sampled_parameters_are_the_ones_in_outcomes_and_the_manifest(sampled, baseline):
    baseline_sampled = set(
        simulate(baseline, worlds=5, seed=1, days=1).manifest["sampled_parameters"]
    )
    assert set(CASES) <= set(sampled.manifest["sampled_parameters"])
    assert set(sampled.manifest["sampled_parameters"]) == baseline_sampled | set(CASES)
    for path in sampled.manifest["sampled_parameters"]:
        assert path in sampled.outcomes.columns
    # a fixed value is not a column
    assert "front.defender_advantage" not in sampled.outcomes.columns


def test_baseline_gives_the_facts_ranges_as_distributions(baseline):
    outcomes = simulate(baseline, worlds=500, seed=3, days=1).outcomes
    # The front's values and the Russian casualty level are drawn from the fitted posterior
    # (tests/test_model.py); the rest are the sourced ranges.
    ranges = {
        "belligerents.ukraine.casualties_per_day": (300, 800),
        "belligerents.russia.defence_share_pct": (6.3, 8.0),
    }
    for path, (low, high) in ranges.items():
        draws = outcomes[path]
        assert draws.between(low, high).all()
        # a uniform over [low, high]: 500 draws spread over most of it
        assert draws.max() - draws.min() > 0.9 * (high - low)


def test_draws_are_reproducible_and_each_value_has_its_own_stream(baseline):
    path = "front.initial_gain_km2_per_month"
    first = simulate(baseline, worlds=200, seed=11, days=1).outcomes[path]
    again = simulate(baseline, worlds=200, seed=11, days=1).outcomes[path]
    other_seed = simulate(baseline, worlds=200, seed=12, days=1).outcomes[path]
    assert first.equals(again)
    assert not first.equals(other_seed)
    # adding uncertainty to another value leaves this value's draws unchanged
    more = load_scenario(
        BASELINE, {"front.noise_df": {"dist": "uniform", "low": 2, "high": 5, "assumption": "x"}}
    )
    with_more = simulate(more, worlds=200, seed=11, days=1).outcomes
    assert with_more[path].equals(first)
    assert "front.noise_df" in with_more.columns


@pytest.mark.parametrize(
    ("path", "entry", "words"),
    [
        ("front.noise_df", {"dist": "beta", "a": 2}, "dist beta needs b"),
        ("front.noise_df", {"dist": "gamma", "k": 2}, "Input should be 'uniform'"),
        (
            "front.noise_df",
            {"dist": "uniform", "low": 5, "high": 2},
            "low (5.0) must be below high",
        ),
        (
            "front.noise_df",
            {"dist": "triangular", "low": 2, "mode": 9, "high": 5},
            "low <= mode <= high",
        ),
        (
            "talks.interval_days",
            {"dist": "choice", "values": [3, 7], "weights": [0.5, 0.6]},
            "weights must sum to 1",
        ),
        ("front.noise_df", {"value": 3, "dist": "uniform", "low": 2, "high": 5}, "not both"),
        ("front.noise_df", {"dist": "uniform", "low": 2, "high": 5, "mean": 3}, "mean not used"),
        (
            "mediator.sanctions_pressure",
            {"dist": "lognormal", "mean_log": -2, "sd_log": 0.3},
            "a lognormal's draws reach",
        ),
        (
            "mediator.sanctions_pressure",
            {"dist": "normal", "mean": 0.5, "sd": 0.1},
            "truncate it with low and high",
        ),
        ("front.noise_df", {"dist": "normal", "mean": 3, "sd": 0}, "greater than 0"),
    ],
)
def test_malformed_distributions_say_what_to_change(path, entry, words):
    with pytest.raises(ScenarioError) as error:
        load_scenario(BASELINE, {path: entry})
    assert words in str(error.value)
    assert path in str(error.value)


def test_a_lognormal_fits_a_strictly_positive_value():
    scenario = load_scenario(
        BASELINE,
        {"belligerents.russia.cost_tolerance": {"dist": "lognormal", "mean_log": 14, "sd_log": 1}},
    )
    param = scenario.belligerents["russia"].cost_tolerance
    assert param.describe() == "lognormal(mean_log=14, sd_log=1)"
