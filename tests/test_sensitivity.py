import math

import numpy as np
import pandas as pd
import pytest

from ceasefire_sim.sweep.samplers import (
    SweepParameter,
    points_from_design,
    salib_problem,
    sample_design,
    sample_points,
)
from ceasefire_sim.sweep.sensitivity import (
    ISHIGAMI_INDICES,
    MORRIS_COLUMNS,
    NOTE_CONSTANT,
    SOBOL_COLUMNS,
    ishigami,
    morris_indices,
    sobol_indices,
)

ISHIGAMI_PARAMETERS = [SweepParameter(f"x{i}", low=-math.pi, high=math.pi) for i in (1, 2, 3)]


def small_sobol_sample(n: int = 64) -> tuple[list[SweepParameter], pd.DataFrame]:
    params = [
        SweepParameter("a", low=0.0, high=1.0),
        SweepParameter("b", low=0.0, high=1.0),
        SweepParameter("c", values=("x", "y")),
    ]
    return params, sample_points(params, "sobol", n=n, seed=3)


# --- Ishigami ---------------------------------------------------------------------------------


def test_ishigami_values_and_analytic_indices():
    assert ishigami(np.zeros(3)) == pytest.approx(0.0)
    assert ishigami(np.array([math.pi / 2, math.pi / 2, 1.0])) == pytest.approx(8.1)
    assert ishigami(np.ones((4, 3))).shape == (4,)
    np.testing.assert_allclose(ISHIGAMI_INDICES["S1"], [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(ISHIGAMI_INDICES["ST"], [0.5576, 0.4424, 0.2437], atol=1e-4)
    with pytest.raises(ValueError, match="3 inputs"):
        ishigami(np.ones((4, 2)))


def test_sobol_indices_recover_ishigami_analytic_values():
    points = sample_points(ISHIGAMI_PARAMETERS, "sobol", n=2**13, seed=20240501)
    y = ishigami(points[["x1", "x2", "x3"]].to_numpy())
    table = sobol_indices(ISHIGAMI_PARAMETERS, {"y": y}, seed=7)

    assert list(table.columns) == list(SOBOL_COLUMNS)
    assert table["parameter"].tolist() == ["x1", "x2", "x3"]
    assert (table["note"] == "").all()
    for kind in ("S1", "ST"):
        estimate = table[kind].to_numpy()
        conf = table[f"{kind}_conf"].to_numpy()
        # *_conf is the half-width of SALib's 95% bootstrap interval, i.e. 1.96 standard errors,
        # so conf / 1.96 estimates the standard error and 3 of them make a ~99.7% band. The
        # 0.02 floor covers indices whose bootstrap spread is tiny (the estimator's own bias,
        # not its sampling noise, then dominates). Loosening this would hide real errors.
        tolerance = np.maximum(3.0 * conf / 1.96, 0.02)
        error = np.abs(estimate - np.array(ISHIGAMI_INDICES[kind]))
        assert (error <= tolerance).all(), (kind, estimate, conf)


# --- Sobol' table mechanics -------------------------------------------------------------------


def test_constant_output_gives_nan_and_note_without_affecting_others():
    params, points = small_sobol_sample()
    y = points["a"].to_numpy() + 0.1 * points["b"].to_numpy()
    table = sobol_indices(params, {"y": y, "flat": np.full(len(points), 3.0)})
    flat = table[table["output"] == "flat"]
    assert len(flat) == 3
    assert flat[["S1", "S1_conf", "ST", "ST_conf"]].isna().all().all()
    assert (flat["note"] == NOTE_CONSTANT).all()
    ordinary = table[table["output"] == "y"]
    assert ordinary[["S1", "ST"]].notna().all().all()
    assert (ordinary["note"] == "").all()
    # a dominates y; the discrete c has no effect at all.
    assert ordinary.set_index("parameter").loc["a", "ST"] > 0.8
    assert ordinary.set_index("parameter").loc["c", "ST"] == pytest.approx(0.0)


def test_missing_output_values_give_nan_and_note():
    params, points = small_sobol_sample()
    y = points["a"].to_numpy().copy()
    y[5] = np.nan
    table = sobol_indices(params, {"y": y})
    assert table["S1"].isna().all()
    assert table["note"].str.contains("missing").all()


def test_dataframe_outputs_are_ordered_by_point_and_inputs_ignored():
    params, points = small_sobol_sample()
    results = points.assign(y=points["a"] ** 2 + points["b"], flag=points["c"] == "x")
    from_mapping = sobol_indices(
        params, {"y": results["y"].to_numpy(), "flag": results["flag"].to_numpy()}, seed=1
    )
    shuffled = results.sample(frac=1.0, random_state=0)
    from_frame = sobol_indices(params, shuffled, seed=1)
    pd.testing.assert_frame_equal(from_frame, from_mapping)


def test_problem_dict_and_parameters_give_same_table_and_seed_is_deterministic():
    params, points = small_sobol_sample()
    outputs = {"y": points["a"].to_numpy() * points["b"].to_numpy()}
    by_params = sobol_indices(params, outputs, seed=5, num_resamples=200)
    by_problem = sobol_indices(salib_problem(params), outputs, seed=5, num_resamples=200)
    pd.testing.assert_frame_equal(by_params, by_problem)
    other_seed = sobol_indices(params, outputs, seed=6, num_resamples=200)
    assert not np.allclose(by_params["S1_conf"], other_seed["S1_conf"])


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"y": np.zeros(7)}, "N \\* 5 points"),
        ({}, "no outputs"),
        ({"y": np.zeros((5, 2))}, "1-D"),
        ({"y": ["a"] * 5}, "not numeric"),
        (pd.DataFrame({"point": [0, 1, 2, 3, 4], "s": list("abcde")}), "must be numeric"),
        (pd.DataFrame({"point": [0, 0, 1, 2, 3], "y": np.arange(5.0)}), "replicates"),
        (pd.DataFrame({"point": [0, 1, 2, 3, 5], "y": np.arange(5.0)}), "without gaps"),
    ],
)
def test_bad_outputs_raise(outputs, message):
    params = [SweepParameter(name, low=0.0, high=1.0) for name in ("a", "b", "c")]
    with pytest.raises(ValueError, match=message):
        sobol_indices(params, outputs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"conf_level": 1.0}, "conf_level"),
        ({"num_resamples": 0}, "num_resamples"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_analysis_arguments_raise(kwargs, message):
    params, points = small_sobol_sample()
    with pytest.raises(ValueError, match=message):
        sobol_indices(params, {"y": points["a"].to_numpy()}, **kwargs)


def test_inconsistent_problem_dict_raises():
    with pytest.raises(ValueError, match="inconsistent"):
        sobol_indices({"num_vars": 2, "names": ["a"], "bounds": [[0, 1]]}, {"y": np.zeros(3)})


# --- Morris -----------------------------------------------------------------------------------


def test_morris_indices_of_a_linear_model():
    params = [
        SweepParameter("a", low=0.0, high=2.0),
        SweepParameter("b", values=("x", "y", "z", "w")),
        SweepParameter("c", low=-1.0, high=1.0),
    ]
    design = sample_design(params, "morris", n=10, seed=8)
    points = points_from_design(params, design)
    y = 3.0 * points["a"].to_numpy() + points["b"].map({"x": 0, "y": 1, "z": 2, "w": 3}).to_numpy()
    table = morris_indices(params, design, {"y": y, "flat": np.ones(len(y))}).set_index(
        ["output", "parameter"]
    )
    assert list(table.reset_index().columns) == list(MORRIS_COLUMNS)
    # Effects are per unit of normalised range: 3 * (2 - 0) for a, 3 index steps * 1 for b.
    assert table.loc[("y", "a"), "mu_star"] == pytest.approx(6.0)
    assert table.loc[("y", "a"), "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc[("y", "b"), "mu_star"] == pytest.approx(3.0)
    assert table.loc[("y", "c"), "mu_star"] == pytest.approx(0.0)
    flat = table.loc["flat"]
    assert (flat["mu_star"] == 0.0).all()
    assert (flat["note"] == NOTE_CONSTANT).all()


def test_morris_rejects_a_design_that_is_not_in_trajectory_order():
    params = [SweepParameter("a", low=0.0, high=1.0), SweepParameter("b", values=(1, 2, 3))]
    design = sample_design(params, "morris", n=6, seed=0)
    y = points_from_design(params, design)["a"].to_numpy()
    shuffled = np.random.default_rng(0).permutation(design)
    with pytest.raises(ValueError, match="not a Morris design"):
        morris_indices(params, shuffled, {"y": y})
    with pytest.raises(ValueError, match="r \\* 3 points"):
        morris_indices(params, design, {"y": y[:-1]})


def test_seed_zero_gives_reproducible_intervals():
    from ceasefire_sim.sweep.samplers import SweepParameter, sample_points
    from ceasefire_sim.sweep.sensitivity import ishigami, sobol_indices

    params = [SweepParameter(f"x{i}", low=-np.pi, high=np.pi) for i in (1, 2, 3)]
    pts = sample_points(params, "sobol", 2**8, seed=3)
    y = ishigami(pts[["x1", "x2", "x3"]].to_numpy())
    a = sobol_indices(params, {"y": y}, seed=0, num_resamples=200)
    b = sobol_indices(params, {"y": y}, seed=0, num_resamples=200)
    pd.testing.assert_frame_equal(a, b)
