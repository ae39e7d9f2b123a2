"""The sweep's own sampling/analysis path (spec parameters -> design_points -> sensitivity_table)
recovers the analytic indices of the Ishigami function."""

import math

import numpy as np
import pandas as pd
import pytest

from ceasefire_sim.sweep.runner import sensitivity_table
from ceasefire_sim.sweep.sensitivity import ISHIGAMI_INDICES, ishigami
from ceasefire_sim.sweep.spec import ParameterSpec, design_points


def sweep_parameters(entries):
    return [ParameterSpec(**entry).to_parameter(path) for path, entry in entries.items()]


def evaluate(points, function, names):
    """Stand-in for the model: one output value per point, as in a sweep summary."""
    return points.assign(y=function(points[names].to_numpy()))


def test_sweep_path_recovers_ishigami_indices():
    names = ["x1", "x2", "x3"]
    parameters = sweep_parameters({n: {"low": -math.pi, "high": math.pi} for n in names})
    design, points = design_points(parameters, "sobol", 2**13, seed=11)
    summary = evaluate(points, ishigami, names)
    table = sensitivity_table("sobol", parameters, design, summary, ["y"], seed=3)
    assert table["parameter"].tolist() == names
    for kind in ("S1", "ST"):
        estimate = table[kind].to_numpy()
        # *_conf is the half-width of SALib's 95% bootstrap interval (1.96 standard errors):
        # allow 3 standard errors, with a 0.02 floor for the estimator's small bias.
        tolerance = np.maximum(3.0 * table[f"{kind}_conf"].to_numpy() / 1.96, 0.02)
        error = np.abs(estimate - np.array(ISHIGAMI_INDICES[kind]))
        assert (error <= tolerance).all(), (kind, estimate)


def test_sweep_path_orders_outputs_by_point():
    """The summary may arrive in any order; the analysis must follow the point numbers."""
    names = ["x1", "x2", "x3"]
    parameters = sweep_parameters({n: {"low": -math.pi, "high": math.pi} for n in names})
    design, points = design_points(parameters, "sobol", 2**8, seed=1)
    summary = evaluate(points, ishigami, names)
    ordered = sensitivity_table("sobol", parameters, design, summary, ["y"], seed=0)
    shuffled = summary.sample(frac=1.0, random_state=4)
    pd.testing.assert_frame_equal(
        sensitivity_table("sobol", parameters, design, shuffled, ["y"], seed=0), ordered
    )


def test_sweep_path_morris_on_a_linear_function():
    parameters = sweep_parameters({"a": {"low": 0.0, "high": 2.0}, "b": {"values": [0, 1, 2, 3]}})
    design, points = design_points(parameters, "morris", 10, seed=2)
    summary = points.assign(y=3.0 * points["a"] + points["b"])
    table = sensitivity_table("morris", parameters, design, summary, ["y"], seed=0)
    by_parameter = table.set_index("parameter")
    # Effects per unit of the normalised range: 3 * 2 for a, three index steps of 1 for b.
    assert by_parameter.loc["a", "mu_star"] == pytest.approx(6.0)
    assert by_parameter.loc["b", "mu_star"] == pytest.approx(3.0)


def test_other_methods_have_no_sensitivity():
    parameters = sweep_parameters({"a": {"low": 0.0, "high": 1.0}})
    design, points = design_points(parameters, "lhs", 8, seed=0)
    assert sensitivity_table("lhs", parameters, design, points.assign(y=1.0), ["y"], 0) is None
