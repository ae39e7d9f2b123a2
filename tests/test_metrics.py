"""The metric registry, the survival statistics and the two kinds of interval."""

import dataclasses
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from ceasefire_sim import metrics
from ceasefire_sim.api import simulate
from ceasefire_sim.results import SUMMARY_COLUMNS, median_ci, wilson
from ceasefire_sim.survival import km_median, restricted_mean
from ceasefire_sim.sweep.sensitivity import sobol_convergence
from tests.conftest import BASELINE

matplotlib.use("Agg")


def _outcomes(first_day, status=None, change=None):
    n = len(first_day)
    return pd.DataFrame(
        {
            "first_ceasefire_day": np.asarray(first_day, dtype=float),
            "status": status if status is not None else ["war"] * n,
            "control_change_km2": change if change is not None else np.zeros(n),
            "casualties_ukraine": np.zeros(n),
            "casualties_russia": np.zeros(n),
            "days_at_war": np.full(n, 10.0),
        }
    )


# ------------------------------------------------------------- registry
def test_every_metric_is_declared_once_with_a_label_and_unit():
    names = metrics.metric_names(365)
    assert len(names) == len(set(names))
    assert names[:3] == ["p_ceasefire_30", "p_ceasefire_90", "p_ceasefire_365"]
    for metric in metrics.metrics_for(365):
        assert metric.kind in metrics.KINDS and metric.label and metric.unit
        assert "{day}" not in metric.label + metric.name
    conditional = [m for m in metrics.metrics_for(365) if m.conditional]
    assert [m.name for m in conditional] == ["median_first_ceasefire_day_given_ceasefire"]
    assert "among worlds with a ceasefire" in conditional[0].label


def test_a_horizon_adds_its_own_day_and_drops_later_ones():
    assert metrics.metric_names(120)[:3] == ["p_ceasefire_30", "p_ceasefire_90", "p_ceasefire_120"]
    assert metrics.get("rmst_first_ceasefire_days", 120).label.endswith("restricted to 120 days")
    assert metrics.get("p_ceasefire_45").label == "P(ceasefire by day 45)"
    with pytest.raises(KeyError):
        metrics.get("nonsense")
    assert metrics.label("nonsense") == "nonsense"


def test_a_label_changed_in_the_registry_shows_everywhere(monkeypatch, tmp_path):
    from ceasefire_sim.cli.sweep import comparison_table, sweep_summary_table
    from ceasefire_sim.plots import sweep_response
    from ceasefire_sim.sweep.compare import compare_scenarios
    from ceasefire_sim.sweep.runner import run_sweep
    from ceasefire_sim.sweep.spec import sweep_from_dict
    from tests.test_sweep_spec import tiny_spec

    new = "share of worlds at peace, relabelled"
    changed = tuple(
        dataclasses.replace(m, label=new) if m.name == "p_holding" else m for m in metrics.METRICS
    )
    monkeypatch.setattr(metrics, "METRICS", changed)

    run = simulate(BASELINE, worlds=40, seed=1, days=40)
    assert new in run.summary()["metric"].tolist()

    sweep = run_sweep(sweep_from_dict(tiny_spec()), workers=1, out=tmp_path / "sweep")
    wide = Console(width=200, record=True)
    wide.print(sweep_summary_table(sweep))
    assert new in wide.export_text()

    comparison = compare_scenarios(BASELINE, BASELINE, worlds=20, seed=1, days=40)
    assert new in comparison.table["label"].tolist()
    wide.print(comparison_table(comparison, 200))
    assert new in wide.export_text()

    figure = sweep_response(tmp_path / "sweep", outcome="p_holding")
    assert new in figure.axes[0].get_ylabel()


# ------------------------------------------------------------- survival
def test_kaplan_meier_median_and_restricted_mean_by_hand():
    # Times 2, 4, 6 observed, two censored at 10: S = 4/5, 3/5, 2/5 after days 2, 4, 6.
    time = np.array([2.0, 4.0, 6.0, 10.0, 10.0])
    observed = np.array([True, True, True, False, False])
    assert km_median(time, observed) == 6.0
    # Area: 2 * 1 + 2 * 0.8 + 2 * 0.6 + 4 * 0.4 = 6.4.
    assert restricted_mean(time, observed, 10) == pytest.approx(6.4)
    # Fewer than half with the event: the median is not reached.
    assert math.isinf(km_median(time, np.array([True, True, False, False, False])))


def test_restricted_mean_without_censoring_is_the_mean_of_the_capped_times():
    rng = np.random.default_rng(3)
    t = rng.integers(0, 400, 500).astype(float)
    assert restricted_mean(t, t <= 365, 365) == pytest.approx(np.minimum(t, 365).mean())


def test_time_to_ceasefire_metrics_over_all_worlds_and_among_those_with_one():
    # 3 of 10 worlds reach a ceasefire (days 10, 20, 30).
    o = _outcomes([10, 20, 30, *[np.nan] * 7])
    km = metrics.get("km_median_first_ceasefire_day", 365)
    assert math.isinf(metrics.point_estimate(km, km.values(o)))
    rmst = metrics.get("rmst_first_ceasefire_days", 365)
    assert metrics.point_estimate(rmst, rmst.values(o)) == pytest.approx((60 + 7 * 365) / 10)
    given = metrics.get("median_first_ceasefire_day_given_ceasefire", 365)
    est, low, high, n = metrics.estimate(given, given.values(o))
    assert (est, n) == (20.0, 3) and low <= est <= high
    p90 = metrics.get("p_ceasefire_90", 365)
    assert metrics.point_estimate(p90, p90.values(o)) == pytest.approx(0.3)


# ---------------------------------------------------------- intervals
def test_independent_worlds_get_wilson_and_order_statistic_like_intervals():
    rng = np.random.default_rng(0)
    o = _outcomes(rng.uniform(0, 730, 1000), change=rng.normal(0, 100, 1000))
    p = metrics.get("p_ceasefire_365", 365)
    est, low, high, n = metrics.estimate(p, p.values(o))
    assert n == 1000
    assert (est, low, high) == pytest.approx(wilson(int(p.values(o).sum()), 1000))
    med = metrics.get("median_control_change_km2", 365)
    _, low, high, _ = metrics.estimate(med, med.values(o))
    _, ref_low, ref_high = median_ci(med.values(o))
    # Woodruff's interval and the binomial order statistics pick neighbouring values.
    spacing = 100 * 2.5 / 1000 * 4  # about four order statistics apart near the median
    assert low == pytest.approx(ref_low, abs=spacing) and high == pytest.approx(
        ref_high, abs=spacing
    )


def test_design_variance_counts_clusters_not_worlds():
    y = np.repeat([0.0, 1.0] * 10, 50)  # 20 clusters of 50 identical worlds
    clusters = np.repeat(np.arange(20), 50)
    assert metrics.design_variance(y, None) == pytest.approx(y.var(ddof=1) / len(y))
    # Worlds of a cluster agree: the information is that of 20 worlds, not 1,000.
    assert metrics.design_variance(y, clusters) == pytest.approx(0.25 / 20 * 20 / 19)
    n_eff = metrics.effective_size(0.5, len(y), metrics.design_variance(y, clusters))
    assert n_eff == pytest.approx(19.0)


def test_parameter_range_removes_the_noise_of_each_draw():
    # 400 draws of p ~ U(0.2, 0.6), 40 worlds each: the noise of 40 Bernoulli trials (sd about
    # 0.08) would widen the raw range of per-draw shares well beyond the true 0.22-0.58.
    rng = np.random.default_rng(7)
    draws, worlds = 400, 40
    p = rng.uniform(0.2, 0.6, draws)
    values = (rng.random((draws, worlds)) < p[:, None]).astype(float).ravel()
    draw = np.repeat(np.arange(draws), worlds)
    metric = metrics.get("p_holding", 365)
    low, high = metrics.parameter_range(metric, values, draw)
    raw = np.quantile(values.reshape(draws, worlds).mean(axis=1), [0.05, 0.95])
    # The 5% and 95% quantiles of 400 draws have standard errors of about 0.01.
    assert low == pytest.approx(0.22, abs=0.035) and high == pytest.approx(0.58, abs=0.035)
    assert raw[0] < low - 0.02 and raw[1] > high + 0.02


def test_parameter_range_needs_draws():
    metric = metrics.get("p_holding", 365)
    assert all(math.isnan(v) for v in metrics.parameter_range(metric, np.ones(10), np.zeros(10)))


# --------------------------------------------------------- nested runs
def test_a_nested_run_shares_parameters_within_draws_but_not_noise():
    nested = simulate(BASELINE, worlds=40, seed=2, days=60, param_draws=10)
    plain = simulate(BASELINE, worlds=10, seed=2, days=60)
    o = nested.outcomes
    assert o["param_draw"].tolist() == np.repeat(np.arange(10), 4).tolist()
    assert nested.manifest["param_draws"] == 10
    for path in plain.manifest["sampled_parameters"]:
        by_draw = o.groupby("param_draw")[path]
        assert (by_draw.nunique() == 1).all(), path
        # Draw d takes the values world d of a plain run with the seed draws.
        np.testing.assert_allclose(by_draw.first().to_numpy(), plain.outcomes[path].to_numpy())
    # The worlds of a draw still differ: their daily noise is their own.
    assert (o.groupby("param_draw")["control_change_km2"].nunique() > 1).any()


def test_summary_has_both_intervals_from_a_nested_run():
    plain = simulate(BASELINE, worlds=200, seed=1, days=120)
    nested = simulate(BASELINE, worlds=200, seed=1, days=120, param_draws=20)
    summary = plain.summary(parameter_run=nested)
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    rows = summary.set_index("metric")
    shares = rows[rows["unit"] == "share"]
    assert (shares["mc_low"] <= shares["estimate"]).all()
    assert (shares["estimate"] <= shares["mc_high"]).all()
    assert shares["param_low"].notna().all() and (shares["param_low"] <= shares["param_high"]).all()
    # A nested run on its own gives both, its Monte Carlo interval computed by draws.
    own = nested.summary().set_index("metric")
    assert own["param_low"].notna().any()
    assert plain.summary()["param_low"].isna().all()


def test_a_nested_design_needs_two_worlds_per_draw():
    from ceasefire_sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="lower the draws"):
        simulate(BASELINE, worlds=10, seed=1, days=5, param_draws=8)


# --------------------------------------------------------- formatting
def test_values_and_intervals_for_people():
    assert metrics.format_value(math.inf, "days") == "not reached"
    assert metrics.format_value(0.325, "share") == "32.5%"
    assert metrics.format_interval(0.306, 0.347, "share") == "30.6-34.7%"
    assert metrics.format_interval(166, math.inf, "days") == "166 to not reached"
    assert metrics.format_interval(-300, -100, "km²") == "-300 to -100"
    assert metrics.format_interval(math.nan, 1, "days") == "n/a"


# ------------------------------------------------------- Sobol' rule
def test_sobol_convergence_rule():
    table = pd.DataFrame(
        {
            "output": ["y"] * 3 + ["z"] * 2 + ["flat"] * 1,
            "parameter": ["a", "b", "c", "a", "b", "a"],
            "ST": [0.9, 0.3, 0.0, 0.2, 0.1, math.nan],
            "ST_conf": [0.08, 0.09, 0.01, 0.04, 0.05, math.nan],
        }
    )
    verdict = sobol_convergence(table, base=256)
    # y: tolerance max(0.05, 0.09) = 0.09, worst 0.09 -> converged; z: 0.05, worst 0.05.
    assert verdict.converged and set(verdict.outputs) == {"y", "z"}
    assert verdict.outputs["y"]["tolerance"] == pytest.approx(0.09)
    short = sobol_convergence(table.assign(ST_conf=table["ST_conf"] * 2), base=256)
    assert not short.converged
    # Half-widths twice the tolerance need four times the base sample.
    assert short.outputs["z"]["needed_base"] == 1024
    assert "NOT converged" in short.message() and "samples: 1024" in short.message()


def test_run_writes_the_nested_run_and_the_report_shows_both_intervals(tmp_path):
    from click.testing import CliRunner

    from ceasefire_sim.cli import cli
    from ceasefire_sim.report import build_report

    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli, ["run", str(BASELINE), "-n", "80", "-s", "1", "-d", "60", "-D", "8", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "8 parameter draws x 10 worlds per draw" in " ".join(result.output.split())
    assert (out / "parameter_draws" / "outcomes.parquet").exists()
    text = build_report(out)
    table = text[text.index("<table class='summary'>") :]
    table = table[: table.index("</table>")]
    assert "90% over parameter draws" in table
    assert "8 parameter draws x 10 worlds per draw" in text
    # Without a nested run, the parameter range is not estimated and the caption says so.
    bare = CliRunner().invoke(cli, ["run", str(BASELINE), "-n", "20", "-d", "10", "-D", "0"])
    assert bare.exit_code == 0 and "needs --param-draws" in " ".join(bare.output.split())


def test_a_sobol_sweep_records_the_convergence_rule(tmp_path):
    from ceasefire_sim.sweep.runner import run_sweep
    from ceasefire_sim.sweep.spec import sweep_from_dict
    from tests.test_sweep_spec import tiny_spec

    spec = tiny_spec(
        method="sobol",
        samples=4,
        parameters={
            "mediator.leverage_on_russia": {"low": 0.0, "high": 0.6},
            "talks.logit_scale": {"low": 0.02, "high": 0.1},
        },
    )
    result = run_sweep(sweep_from_dict(spec), workers=1)
    verdict = result.manifest["sobol_convergence"]
    # Four base points cannot pin down any index to within 0.05.
    assert verdict["base"] == 4 and verdict["converged"] is False
    assert "samples:" in verdict["message"]
    assert all(s["needed_base"] > 4 for s in verdict["outputs"].values())


def test_survival_at_reads_the_kaplan_meier_step():
    from ceasefire_sim.survival import survival_at

    # Five worlds: events at 2 and 4, censored at 3, 5 and 10: S = 1, 1, 4/5, 4/5, 4/5 * 2/3.
    time = np.array([2.0, 3.0, 4.0, 5.0, 10.0])
    observed = np.array([True, False, True, False, False])
    np.testing.assert_allclose(
        survival_at(time, observed, np.array([0, 1, 2, 3, 4])), [1, 1, 0.8, 0.8, 0.8 * 2 / 3]
    )
