import json
import math

import numpy as np
import pandas as pd
import pytest

from ceasefire_sim import metrics
from ceasefire_sim.cli import main
from ceasefire_sim.errors import SweepError
from ceasefire_sim.sweep.compare import (
    COMPARISON_COLUMNS,
    compare_outcomes,
    compare_scenarios,
    comparison_metrics,
)
from tests.conftest import BASELINE, ROOT


def variant(tmp_path, name="US cuts aid", body="mediator:\n  aid_bn_per_year: 0\n"):
    path = tmp_path / "variant.yaml"
    path.write_text(f"name: {name}\nextends: {BASELINE}\n{body}")
    return path


def fake_outcomes(first_day, control_change, status=None, casualties=None):
    n = len(first_day)
    return pd.DataFrame(
        {
            "first_ceasefire_day": first_day,
            "status": status if status is not None else ["war"] * n,
            "control_change_km2": control_change,
            "casualties_ukraine": casualties if casualties is not None else np.zeros(n),
            "casualties_russia": np.zeros(n),
            "days_at_war": np.full(n, 100.0),
        }
    )


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    return compare_scenarios(
        BASELINE, variant(tmp_path_factory.mktemp("v")), worlds=600, seed=3, days=200
    )


def test_compare_reports_differences_with_intervals_and_variance_reduction(comparison):
    table = comparison.table
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    assert table["label"].tolist() == [metrics.get(m, 200).label for m in table["metric"]]
    assert table["metric"].tolist() == comparison_metrics(200)
    rows = table.set_index("metric")
    for metric in ("p_ceasefire_200", "p_holding", "median_control_change_km2"):
        row = rows.loc[metric]
        assert row["diff"] == pytest.approx(row["b"] - row["a"])
        assert row["diff_low"] <= row["diff"] <= row["diff_high"]
        assert row["independent_low"] <= row["diff"] <= row["independent_high"]
        # Common random numbers make the paired interval narrower than independent seeds'.
        assert row["variance_reduction"] > 1.0, metric
        paired = row["diff_high"] - row["diff_low"]
        independent = row["independent_high"] - row["independent_low"]
        assert paired < independent


def test_share_variance_reduction_is_the_ratio_of_variances(comparison):
    a = comparison.a.outcomes["status"].isin(["ceasefire", "settled"]).to_numpy(float)
    b = comparison.b.outcomes["status"].isin(["ceasefire", "settled"]).to_numpy(float)
    expected = (a.var(ddof=1) + b.var(ddof=1)) / (b - a).var(ddof=1)
    row = comparison.table.set_index("metric").loc["p_holding"]
    assert row["variance_reduction"] == pytest.approx(expected)
    half = 1.959964 * math.sqrt((b - a).var(ddof=1) / len(a))
    assert row["diff_high"] - row["diff"] == pytest.approx(half, rel=1e-5)


def test_both_runs_share_seed_and_worlds(comparison):
    assert comparison.a.manifest["seed"] == comparison.b.manifest["seed"] == 3
    assert len(comparison.a.outcomes) == len(comparison.b.outcomes) == 600
    # The uncertain parameters are drawn identically in both runs (common random numbers).
    column = "belligerents.russia.cost_tolerance"
    np.testing.assert_array_equal(comparison.a.outcomes[column], comparison.b.outcomes[column])


def test_identical_scenarios_differ_by_nothing():
    outcomes = fake_outcomes(np.array([10.0, np.nan, 50.0, 200.0]), np.array([1.0, 2.0, 3.0, 4.0]))
    table = compare_outcomes(outcomes, outcomes, days=365).set_index("metric")
    assert (table["diff"].dropna() == 0).all()
    # All variance removed where there is some; none to remove where the outcome is constant.
    assert math.isinf(table.loc["p_ceasefire_90", "variance_reduction"])
    assert math.isnan(table.loc["p_collapsed", "variance_reduction"])


def test_independent_outcomes_gain_nothing_from_pairing():
    rng = np.random.default_rng(0)
    n = 4000
    a = fake_outcomes(rng.uniform(0, 400, n), rng.normal(0, 1, n))
    b = fake_outcomes(rng.uniform(0, 400, n), rng.normal(0, 1, n))
    table = compare_outcomes(a, b, days=365, seed=1).set_index("metric")
    # For unrelated A and B the paired and independent variances estimate the same quantity;
    # with n = 4000 their ratio is within a few standard errors (about 0.03) of 1.
    assert table.loc["p_ceasefire_365", "variance_reduction"] == pytest.approx(1.0, abs=0.12)
    # The bootstrap ratio for a median is noisier (2000 resamples per variance).
    assert table.loc["median_control_change_km2", "variance_reduction"] == pytest.approx(
        1.0, abs=0.25
    )


def test_paired_median_difference_of_a_shift():
    rng = np.random.default_rng(1)
    base = rng.normal(0, 100, 2000)
    a = fake_outcomes(np.full(2000, np.nan), base)
    b = fake_outcomes(np.full(2000, np.nan), base + 25.0)
    row = compare_outcomes(a, b, days=365).set_index("metric").loc["median_control_change_km2"]
    assert row["diff"] == pytest.approx(25.0)
    assert row["diff_low"] == pytest.approx(25.0) and row["diff_high"] == pytest.approx(25.0)
    assert row["independent_high"] - row["independent_low"] > 5.0
    # Pairing removes all but rounding noise from the difference of medians.
    assert row["variance_reduction"] > 1e6


def test_a_conditional_median_is_never_differenced():
    # A: every world has a ceasefire on day 100; B: only the first tenth, on day 10. Among the
    # worlds with one, B's median is 90 days earlier, but over all worlds B is far later: the
    # conditional difference would mislead, so it is not given.
    n = 200
    a = fake_outcomes(np.full(n, 100.0), np.zeros(n))
    b = fake_outcomes(np.where(np.arange(n) < n // 10, 10.0, np.nan), np.zeros(n))
    table = compare_outcomes(a, b, days=365).set_index("metric")
    row = table.loc["median_first_ceasefire_day_given_ceasefire"]
    assert (row["a"], row["b"]) == (100.0, 10.0)
    assert all(math.isnan(row[c]) for c in ("diff", "diff_low", "diff_high", "variance_reduction"))
    assert row["note"].startswith("conditional on worlds with a ceasefire")
    # The Kaplan-Meier median over all worlds is not reached in B: no difference either.
    km = table.loc["km_median_first_ceasefire_day"]
    assert km["a"] == 100.0 and math.isinf(km["b"]) and math.isnan(km["diff"])
    # The restricted mean is defined for both and is differenced: B is 365 * 0.9 + 1 ... later.
    rmst = table.loc["rmst_first_ceasefire_days"]
    assert rmst["diff"] == pytest.approx((0.1 * 10 + 0.9 * 365) - 100)


def test_unpaired_inputs_are_refused():
    with pytest.raises(SweepError, match="same worlds"):
        compare_outcomes(fake_outcomes([1.0], [0.0]), fake_outcomes([1.0, 2.0], [0.0, 1.0]), 365)


def test_compare_cli_prints_and_saves_the_table(tmp_path, capsys):
    out = tmp_path / "cmp"
    with pytest.raises(SystemExit) as info:
        main(
            [
                "compare",
                str(BASELINE),
                str(variant(tmp_path)),
                "--worlds",
                "200",
                "--seed",
                "2",
                "--days",
                "120",
                "--out",
                str(out),
            ]
        )
    assert info.value.code == 0
    printed = capsys.readouterr().out
    assert max(len(line) for line in printed.splitlines()) <= 80
    printed = " ".join(printed.split())
    # Rich wraps the headers in a narrow terminal, so look for words rather than whole headers.
    for text in ("B - A", "paired", "VR", "variance reduction", "P(ceasefire", "conditional"):
        assert text in printed
    table = pd.read_parquet(out / "comparison.parquet")
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "compare"
    assert (manifest["worlds"], manifest["seed"], manifest["days"]) == (200, 2, 120)
    assert manifest["b"]["name"] == "US cuts aid"
    for side in ("a", "b"):
        assert (out / side / "outcomes.parquet").exists()


def test_compare_cli_bad_scenario_exits_2(tmp_path, capsys):
    bad = variant(tmp_path, body="mediator:\n  aid_bn_per_year: -5\n")
    with pytest.raises(SystemExit) as info:
        main(["compare", str(BASELINE), str(bad), "--worlds", "10"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "mediator.aid_bn_per_year" in err and "Traceback" not in err


@pytest.mark.skipif(
    not (ROOT / "scenarios" / "us_disengagement.yaml").exists(),
    reason="the US-disengagement variant is not in this tree",
)
def test_compare_baseline_with_us_disengagement():
    result = compare_scenarios(
        BASELINE, ROOT / "scenarios" / "us_disengagement.yaml", worlds=400, seed=1, days=180
    )
    table = result.table.set_index("metric")
    assert (
        table[["diff_low", "diff_high", "independent_low", "independent_high"]].notna().any().all()
    )
    assert (table["variance_reduction"].dropna() >= 0).all()
    assert (table["variance_reduction"] > 1).any()


def test_vr_reads_exact_where_pairing_removes_all_the_variance():
    from ceasefire_sim.cli.sweep import _fmt_ratio

    assert _fmt_ratio(math.inf) == "exact"
    assert _fmt_ratio(math.nan) == "n/a"
    assert _fmt_ratio(3.456) == "3.5"


def test_compare_with_itself_under_set_b():
    from ceasefire_sim.sweep.compare import compare_scenarios

    base = ROOT / "scenarios" / "white_house_2025-03-13.yaml"
    same = compare_scenarios(
        base, None, worlds=60, seed=2, days=60, overrides_b=["mediator.leverage_on_russia=0.2"]
    )
    # The baseline's own value: B is A, world for world, so every difference is exactly 0.
    finite = same.table[np.isfinite(same.table["diff"])]
    assert (finite["diff"] == 0).all()
    changed = compare_scenarios(
        base, None, worlds=60, seed=2, days=60, overrides_b=["mediator.leverage_on_russia=0.6"]
    )
    assert changed.manifest["overrides_b"] == ["mediator.leverage_on_russia=0.6"]
    assert changed.manifest["b"]["name"].endswith("with mediator.leverage_on_russia=0.6")
    assert (changed.b.outcomes["first_ceasefire_day"].notna().sum()) >= (
        changed.a.outcomes["first_ceasefire_day"].notna().sum()
    )
    assert not changed.a.outcomes.equals(changed.b.outcomes)


def test_compare_needs_b_or_set_b():
    from ceasefire_sim.errors import ScenarioError
    from ceasefire_sim.sweep.compare import compare_scenarios

    with pytest.raises(ScenarioError, match="--set-b"):
        compare_scenarios(ROOT / "scenarios" / "white_house_2025-03-13.yaml", None, worlds=10)
