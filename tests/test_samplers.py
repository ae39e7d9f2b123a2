import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ceasefire_sim.sweep.samplers import (
    MAX_POINTS,
    METHODS,
    SweepParameter,
    points_from_design,
    salib_problem,
    sample_design,
    sample_points,
)

RANDOM_METHODS = ("random", "lhs", "sobol", "morris")


def mixed_parameters() -> list[SweepParameter]:
    return [
        SweepParameter("mediator.leverage_on_russia", low=0.0, high=2.0),
        SweepParameter("scenario.front", values=("static", "attrition", "breakthrough")),
        SweepParameter("belligerents.ukraine.resolve", dist={"dist": "normal", "mean": 0, "sd": 1}),
        SweepParameter(
            "belligerents.russia.force",
            dist={"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 4.0},
        ),
        SweepParameter(
            "mediator.trust", dist={"dist": "beta", "a": 2, "b": 5, "low": 1, "high": 3}
        ),
        SweepParameter("economy.cost", dist={"dist": "lognormal", "mean_log": 0.0, "sd_log": 0.5}),
    ]


# --- grid -------------------------------------------------------------------------------------


def test_grid_size_is_product_of_level_counts_and_point_numbers_rows():
    params = [
        SweepParameter("a", low=0.0, high=1.0),
        SweepParameter("b", values=(1, 2, 3, 4)),
        SweepParameter("c", low=-2.0, high=2.0),
    ]
    df = sample_points(params, "grid", n=3, seed=0)
    assert len(df) == 3 * 4 * 3
    assert list(df.columns) == ["point", "a", "b", "c"]
    assert df["point"].tolist() == list(range(36))
    assert df["point"].dtype == np.int64


def test_grid_contents_full_factorial_with_first_parameter_slowest():
    params = [
        SweepParameter("a", low=0.0, high=1.0),
        SweepParameter("b", values=("x", "y")),
    ]
    df = sample_points(params, "grid", n=3, seed=0)
    assert list(zip(df["a"], df["b"], strict=True)) == [
        (0.0, "x"),
        (0.0, "y"),
        (0.5, "x"),
        (0.5, "y"),
        (1.0, "x"),
        (1.0, "y"),
    ]


def test_grid_uses_values_as_given_and_ignores_n_for_them():
    params = [SweepParameter("a", values=(3, 1, 2)), SweepParameter("b", values=(True, False))]
    df = sample_points(params, "grid", n=7, seed=0)
    assert len(df) == 6
    assert df["a"].tolist() == [3, 3, 1, 1, 2, 2]
    assert df["b"].tolist() == [True, False] * 3
    assert df["a"].dtype == np.int64


def test_grid_distribution_levels_are_equal_probability_bin_centres():
    params = [SweepParameter("a", dist={"dist": "normal", "mean": 10.0, "sd": 2.0})]
    df = sample_points(params, "grid", n=4, seed=0)
    expected = stats.norm(10.0, 2.0).ppf([0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(df["a"], expected)


def test_grid_ignores_seed():
    params = mixed_parameters()
    pd.testing.assert_frame_equal(
        sample_points(params, "grid", 2, seed=1), sample_points(params, "grid", 2, seed=2)
    )


def test_oversized_design_is_refused_before_it_is_built():
    params = [SweepParameter(f"p{i}", low=0.0, high=1.0) for i in range(8)]
    assert MAX_POINTS < 10**8
    with pytest.raises(ValueError, match="more than the limit"):
        sample_points(params, "grid", n=10, seed=0)


# --- random methods ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [7, 50])
def test_lhs_has_one_point_in_each_of_n_equal_bins_per_dimension(n):
    params = [
        SweepParameter("a", low=0.0, high=1.0),
        SweepParameter("b", low=-5.0, high=20.0),
        SweepParameter("c", dist={"dist": "normal", "mean": 3.0, "sd": 0.5}),
    ]
    df = sample_points(params, "lhs", n=n, seed=11)
    assert len(df) == n
    unit = {
        "a": df["a"].to_numpy(),
        "b": (df["b"].to_numpy() + 5.0) / 25.0,
        # Through the CDF, a distribution parameter is stratified in probability.
        "c": stats.norm(3.0, 0.5).cdf(df["c"].to_numpy()),
    }
    for column, u in unit.items():
        bins = np.floor(u * n).astype(int)
        assert sorted(bins) == list(range(n)), column


def test_random_points_lie_in_their_ranges():
    params = [SweepParameter("a", low=2.0, high=3.0), SweepParameter("b", low=-1.0, high=0.0)]
    df = sample_points(params, "random", n=200, seed=5)
    assert len(df) == 200
    assert df["a"].between(2.0, 3.0).all()
    assert df["b"].between(-1.0, 0.0).all()


@pytest.mark.parametrize("method", RANDOM_METHODS)
def test_same_seed_gives_same_points_and_other_seed_other_points(method):
    params = mixed_parameters()
    first = sample_points(params, method, n=8, seed=42)
    again = sample_points(params, method, n=8, seed=42)
    other = sample_points(params, method, n=8, seed=43)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    assert not np.allclose(
        first["mediator.leverage_on_russia"], other["mediator.leverage_on_russia"]
    )


def test_sobol_sample_has_saltelli_shape_and_structure():
    params = [SweepParameter(f"x{i}", low=0.0, high=1.0) for i in range(3)]
    n, d = 16, 3
    design = sample_design(params, "sobol", n=n, seed=1)
    assert design.shape == (n * (d + 2), d)
    blocks = design.reshape(n, d + 2, d)
    a, b = blocks[:, 0], blocks[:, -1]
    for k in range(d):
        ab_k = blocks[:, 1 + k]
        # AB_k is A with column k taken from B.
        np.testing.assert_array_equal(np.delete(ab_k, k, axis=1), np.delete(a, k, axis=1))
        np.testing.assert_array_equal(ab_k[:, k], b[:, k])
    assert len(sample_points(params, "sobol", n=n, seed=1)) == n * (d + 2)


def test_morris_sample_has_trajectories_that_move_one_parameter_per_step():
    params = mixed_parameters()
    n, d = 5, len(params)
    design = sample_design(params, "morris", n=n, seed=3)
    assert design.shape == (n * (d + 1), d)
    steps = np.diff(design.reshape(n, d + 1, d), axis=1)
    assert (np.count_nonzero(steps, axis=2) == 1).all()
    # Non-range coordinates sit on bin centres, so the inverse CDF is finite everywhere.
    assert set(np.round(design[:, 1:].ravel(), 12)) <= {0.125, 0.375, 0.625, 0.875}
    df = points_from_design(params, design)
    assert np.isfinite(df.drop(columns=["point", "scenario.front"]).to_numpy()).all()


# --- discrete values and distributions --------------------------------------------------------


@pytest.mark.parametrize("method", RANDOM_METHODS)
def test_discrete_values_under_non_grid_methods_use_only_given_values(method):
    values = ("static", "attrition", "breakthrough")
    params = [SweepParameter("front", values=values), SweepParameter("x", low=0.0, high=1.0)]
    df = sample_points(params, method, n=64, seed=2)
    assert set(df["front"]) == set(values)


def test_discrete_values_are_stratified_by_lhs():
    params = [SweepParameter("front", values=("a", "b", "c"))]
    df = sample_points(params, "lhs", n=300, seed=4)
    assert df["front"].value_counts().to_dict() == {"a": 100, "b": 100, "c": 100}


def test_discrete_index_is_floor_of_u_times_length_with_one_mapping_to_last():
    params = [SweepParameter("v", values=(10, 20, 30, 40))]
    design = np.array([[0.0], [0.2499], [0.25], [0.74], [0.999], [1.0]])
    assert points_from_design(params, design)["v"].tolist() == [10, 10, 20, 30, 40, 40]


def test_distribution_mapping_is_inverse_cdf():
    params = [
        SweepParameter("n", dist={"dist": "normal", "mean": 5.0, "sd": 2.0}),
        SweepParameter("ln", dist={"dist": "lognormal", "mean_log": 1.0, "sd_log": 0.3}),
        SweepParameter("t", dist={"dist": "triangular", "low": 0.0, "mode": 1.0, "high": 2.0}),
        SweepParameter("b", dist={"dist": "beta", "a": 3.0, "b": 3.0, "low": 10.0, "high": 20.0}),
    ]
    df = points_from_design(params, np.full((1, 4), 0.5))
    assert df.loc[0, "n"] == pytest.approx(5.0)
    assert df.loc[0, "ln"] == pytest.approx(math.exp(1.0))
    assert df.loc[0, "t"] == pytest.approx(1.0)
    assert df.loc[0, "b"] == pytest.approx(15.0)
    quartile = points_from_design(params, np.full((1, 4), 0.25))
    assert quartile.loc[0, "n"] == pytest.approx(stats.norm(5.0, 2.0).ppf(0.25))


def test_unit_coordinates_zero_and_one_stay_finite_for_unbounded_distributions():
    params = [SweepParameter("n", dist={"dist": "normal", "mean": 0.0, "sd": 1.0})]
    df = points_from_design(params, np.array([[0.0], [1.0]]))
    assert np.isfinite(df["n"]).all()


def test_bounded_distributions_stay_in_their_support():
    df = sample_points(mixed_parameters(), "random", n=500, seed=9)
    assert df["belligerents.russia.force"].between(1.0, 4.0).all()
    assert df["mediator.trust"].between(1.0, 3.0).all()
    assert (df["economy.cost"] > 0).all()


def test_salib_problem_uses_real_bounds_for_ranges_and_unit_bounds_otherwise():
    problem = salib_problem(mixed_parameters())
    assert problem["num_vars"] == 6
    assert problem["names"][0] == "mediator.leverage_on_russia"
    assert problem["bounds"] == [[0.0, 2.0]] + [[0.0, 1.0]] * 5


def test_parameter_is_frozen_hashable_and_normalises_values_to_tuple():
    p = SweepParameter("a", values=[1, 2])
    assert p.values == (1, 2)
    assert p.kind == "values"
    assert SweepParameter("b", low=0, high=1).kind == "range"
    q = SweepParameter("c", dist={"dist": "normal", "mean": 0, "sd": 1})
    assert q.kind == "dist"
    assert len({p, q}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.path = "b"  # type: ignore[misc]


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of"),
        ({"values": (1,), "low": 0.0, "high": 1.0}, "exactly one of"),
        ({"low": 0.0, "high": 1.0, "dist": {"dist": "normal", "mean": 0, "sd": 1}}, "exactly one"),
        ({"low": 0.0}, "needs both 'low' and 'high'"),
        ({"low": 1.0, "high": 1.0}, "must be less than"),
        ({"low": 2.0, "high": 1.0}, "must be less than"),
        ({"low": 0.0, "high": math.inf}, "finite number"),
        ({"values": ()}, "empty"),
        ({"values": (1, 1)}, "duplicates"),
        ({"values": "abc"}, "list of values"),
        ({"values": (None,)}, "numbers, strings or booleans"),
        ({"dist": {"dist": "gamma"}}, "beta, lognormal, normal, triangular"),
        ({"dist": {"dist": "normal", "mean": 0}}, "missing sd"),
        ({"dist": {"dist": "normal", "mean": 0, "sd": 0}}, "'sd' must be positive"),
        ({"dist": {"dist": "normal", "mean": 0, "std": 1, "sd": 1}}, "unknown key"),
        ({"dist": {"dist": "lognormal", "mean_log": 0, "sd_log": -1}}, "'sd_log' must be"),
        ({"dist": {"dist": "triangular", "low": 0, "mode": 3, "high": 2}}, "'mode'"),
        ({"dist": {"dist": "triangular", "low": 2, "mode": 2, "high": 2}}, "less than"),
        ({"dist": {"dist": "beta", "a": 0, "b": 1}}, "'a' must be positive"),
        ({"dist": {"dist": "beta", "a": 1, "b": 1, "low": 5, "high": 1}}, "less than"),
        ({"dist": {"dist": "normal", "mean": "0", "sd": 1}}, "finite number"),
    ],
)
def test_invalid_parameter_raises_value_error_naming_it(kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        SweepParameter("mediator.leverage", **kwargs)
    assert "mediator.leverage" in str(info.value)


@pytest.mark.parametrize("path", ["", "a..b", ".a", "a.", "a. b", "point", 3])
def test_invalid_path_raises(path):
    with pytest.raises(ValueError, match="path"):
        SweepParameter(path, low=0.0, high=1.0)


def test_unknown_method_lists_allowed_ones():
    with pytest.raises(ValueError, match="unknown sampling method 'halton'") as info:
        sample_points(mixed_parameters(), "halton", n=4, seed=0)
    for method in METHODS:
        assert method in str(info.value)


@pytest.mark.parametrize("n", [3, 6, 100])
def test_sobol_needs_power_of_two(n):
    with pytest.raises(ValueError, match="power of 2"):
        sample_points(mixed_parameters(), "sobol", n=n, seed=0)


@pytest.mark.parametrize(
    ("parameters", "method", "n", "seed", "message"),
    [
        ("none", "random", 4, 0, "at least one parameter"),
        ("dup", "random", 4, 0, "repeat the path"),
        ("ok", "random", 0, 0, "n must be at least 1"),
        ("ok", "random", 2.5, 0, "n must be an integer"),
        ("ok", "lhs", 4, -1, "seed must be at least 0"),
        ("ok", "lhs", 4, True, "seed must be an integer"),
    ],
)
def test_bad_sampling_arguments_raise(parameters, method, n, seed, message):
    p = SweepParameter("a", low=0.0, high=1.0)
    parameters = {"none": [], "dup": [p, p], "ok": [p]}[parameters]
    with pytest.raises(ValueError, match=message):
        sample_points(parameters, method, n=n, seed=seed)


def test_design_of_wrong_shape_raises():
    with pytest.raises(ValueError, match="shape"):
        points_from_design([SweepParameter("a", low=0.0, high=1.0)], np.zeros((3, 2)))
