"""The lever audit: grading rules on hand-made intervals, paired measures, settings, the command."""

from __future__ import annotations

import datetime as dt
import math
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ceasefire_sim.validation import BASELINE
from ceasefire_sim.validation.levers import (
    COLUMNS,
    LEVERS,
    METRICS,
    RULES,
    Lever,
    Measure,
    arm_scenario,
    day0,
    event,
    format_number,
    measure,
    run_arm,
    run_levers,
    scaled,
    select,
    verdict,
)

NAN = math.nan


def m(effect: float, low: float, high: float, level_low: float = NAN) -> Measure:
    return Measure(effect, low, high, high_low=level_low)


# ------------------------------------------------------------------ the rules
@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        (m(0.3, 0.1, 0.5), "pass"),
        (m(0.3, 0.0, 0.5), "fail"),  # touching 0 is not on the expected side
        (m(0.3, -0.1, 0.7), "fail"),
        (m(-0.3, -0.5, -0.1), "fail"),
        (m(NAN, NAN, NAN), "fail"),
        (m(0.0, 0.0, 0.0), "fail"),  # exactly no effect in every world
    ],
)
def test_plus(measured, expected):
    assert verdict("+", measured) == expected


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        (m(-0.3, -0.5, -0.1), "pass"),
        (m(-0.3, -0.5, 0.0), "fail"),
        (m(0.3, 0.1, 0.5), "fail"),
        (m(NAN, NAN, NAN), "fail"),
    ],
)
def test_minus(measured, expected):
    assert verdict("-", measured) == expected


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        (m(-0.1, -0.15, -0.05, level_low=0.2), "pass"),
        (m(-0.1, -0.15, -0.05, level_low=0.0), "fail"),  # the high arm's level may be 0
        (m(-0.1, -0.15, 0.01, level_low=0.2), "fail"),  # not surely negative
        (m(-0.1, -0.15, -0.05), "fail"),  # level unknown
    ],
)
def test_minus_and_still_positive(measured, expected):
    assert verdict("- and still > 0", measured) == expected


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        (m(0.0, -0.03, 0.04), "pass"),
        (m(0.0, -0.05, 0.05), "pass"),  # the bounds themselves are inside
        (m(0.01, -0.03, 0.06), "fail"),
        (m(-0.01, -0.07, 0.02), "fail"),
        (m(0.3, 0.2, 0.4), "fail"),
        (m(NAN, NAN, NAN), "fail"),
    ],
)
def test_abs_tolerance(measured, expected):
    assert verdict("abs <= 0.05", measured) == expected


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        (m(-0.2, -0.3, -0.1), "pass"),
        (m(0.0, -0.02, 0.02), "pass"),
        (m(0.01, -0.01, 0.03), "fail"),
        (m(0.5, 0.4, 0.6), "fail"),
        (m(NAN, NAN, NAN), "fail"),
    ],
)
def test_upper_bound(measured, expected):
    assert verdict("upper bound <= +0.02", measured) == expected


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        (m(0.1, 0.06, 0.14), "pass"),
        (m(0.1, 0.05, 0.14), "pass"),
        (m(0.06, 0.03, 0.09), "fail"),  # the estimate is above 0.05 but not surely
        (m(0.0, 0.0, 0.0), "fail"),
        (m(NAN, NAN, NAN), "fail"),
    ],
)
def test_at_least_when_available(measured, expected):
    assert verdict(">= 0.05 when available", measured) == expected


@pytest.mark.parametrize(
    "rule", ["+ both; the two within their intervals of each other", "+ both; agree"]
)
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (m(10, 8, 12), m(11, 9, 13), "pass"),
        (m(10, 8, 12), m(12, 11.5, 12.5), "fail"),  # 12 is in a's interval, 10 not in b's
        (m(10, 8, 12), m(14, 10, 18), "fail"),  # 10 is in b's, 14 not in a's
        (m(0, 0, 0), m(556, 549, 563), "fail"),  # absorbed at day 0, felt as an event
        (m(-1, -2, 0.5), m(-1, -2, 0.5), "fail"),  # they agree but neither is positive
        (m(10, 8, 12), None, "fail"),  # a pair needs its partner
        (m(10, 8, 12), m(NAN, NAN, NAN), "fail"),
    ],
)
def test_both_positive_and_agreeing(rule, a, b, expected):
    assert verdict(rule, a, b) == expected
    if b is not None:
        assert verdict(rule, b, a) == expected  # the pair's two rows get one verdict


def test_every_expectation_of_the_table_has_a_rule_and_unknown_ones_are_refused():
    assert {r.expected for r in LEVERS} <= set(RULES)
    assert {r.metric for r in LEVERS} <= set(METRICS)
    with pytest.raises(KeyError, match="no grading rule"):
        verdict("++", m(1, 0.5, 1.5))


def test_every_row_of_the_table_is_there():
    """Rows are only added: the table's twelve levers, split where it measures two things."""
    names = [r.lever for r in LEVERS]
    assert len(LEVERS) >= 17
    for lever in (
        "mediator.leverage_on_russia",
        "guarantee hazard ratio (European force)",
        "guarantee hazard ratio (US-backed)",
        "European reassurance force",
        "allies' aid pledges, event on day 30",
        "NATO neutrality on the table",
        "belligerents.russia.cost_tolerance",
        "talks.interval_days",
    ):
        assert lever in names
    pairs = pd.Series([r.pair for r in LEVERS if r.pair]).value_counts()
    assert set(pairs) == {2} and len(pairs) == 3


# ---------------------------------------------------------------- measuring
def _outcomes(first_day, deal_terms=None):
    n = len(first_day)
    terms = deal_terms if deal_terms is not None else [""] * n
    return pd.DataFrame(
        {
            "first_ceasefire_day": first_day,
            "terms_nato": ["neutrality" if t else "" for t in terms],
            "terms_sanctions": terms,
            "terms_guarantees": ["none" if t else "" for t in terms],
        }
    )


def test_a_mean_metric_is_the_mean_difference_with_its_paired_normal_interval():
    rng = np.random.default_rng(0)
    n = 4000
    low_day = np.where(rng.random(n) < 0.3, 100.0, np.nan)
    high_day = np.where(rng.random(n) < 0.1, 50.0, low_day)  # only adds ceasefires
    got = measure(METRICS["p_ceasefire_365"], _outcomes(low_day), _outcomes(high_day), 365)
    diff = (~np.isnan(high_day)).astype(float) - (~np.isnan(low_day))
    half = 1.959964 * diff.std(ddof=1) / math.sqrt(n)
    assert got.effect == pytest.approx(diff.mean())
    assert (got.ci_low, got.ci_high) == pytest.approx((diff.mean() - half, diff.mean() + half))
    assert got.high == pytest.approx(np.mean(~np.isnan(high_day)))


def test_a_share_of_deals_is_paired_by_bootstrap_over_worlds():
    rng = np.random.default_rng(1)
    n = 3000
    deal = rng.random(n) < 0.5
    lifted_low = deal & (rng.random(n) < 0.2)
    lifted_high = deal & (lifted_low | (rng.random(n) < 0.3))
    low = _outcomes(
        np.where(deal, 10.0, np.nan),
        np.where(lifted_low, "lifted", np.where(deal, "maintained", "")),
    )
    high = _outcomes(
        np.where(deal, 10.0, np.nan),
        np.where(lifted_high, "lifted", np.where(deal, "maintained", "")),
    )
    got = measure(METRICS["share_neutrality_lifted"], low, high, 365)
    truth = lifted_high[deal].mean() - lifted_low[deal].mean()
    assert got.effect == pytest.approx(truth)
    assert got.ci_low < truth < got.ci_high
    # Paired: the interval is that of the per-deal difference, narrower than independent arms'.
    unpaired = 1.96 * math.sqrt((lifted_high[deal].var() + lifted_low[deal].var()) / deal.sum())
    assert got.ci_high - got.ci_low < 2 * unpaired * 0.9
    level = measure(METRICS["share_neutrality_lifted"], low, high, 365, level=True)
    assert level.effect == pytest.approx(lifted_high[deal].mean())


def test_a_share_with_no_deal_is_not_measured():
    empty = _outcomes(np.full(50, np.nan))
    got = measure(METRICS["share_neutrality_lifted"], empty, empty, 365)
    assert math.isnan(got.effect) and verdict("upper bound <= +0.02", got) == "fail"


# ----------------------------------------------------------------- settings
def test_a_day_one_event_and_a_day_zero_setting_are_different_runs():
    """The same cut of US aid, set before day 0 or as an event of the scenario on day 1."""
    off = (day0("talks.enabled", False),)
    cut = (*off, day0("mediator.aid_bn_per_year", 0.0))
    dated = (*off, event(1, "mediator.aid_bn_per_year", value=0.0))
    base, _ = arm_scenario(BASELINE, off, 200, 1)
    at_day0, _ = arm_scenario(BASELINE, cut, 200, 1)
    as_event, _ = arm_scenario(BASELINE, dated, 200, 1)
    assert at_day0.mediator.aid_bn_per_year.value == 0.0 and at_day0.events == base.events
    assert as_event.mediator.aid_bn_per_year.value == base.mediator.aid_bn_per_year.value > 0
    added = as_event.events[len(base.events) :]
    assert [(e.date, e.set) for e in added] == [
        (base.start_date + dt.timedelta(days=1), {"mediator.aid_bn_per_year": 0.0})
    ]
    # The event takes effect: less aid is delivered than without it.
    args = dict(worlds=200, seed=1, days=60)
    without = run_arm(BASELINE, off, **args)["us_aid_total_bn"]
    assert (run_arm(BASELINE, dated, **args)["us_aid_total_bn"] < without).all()
    assert (run_arm(BASELINE, cut, **args)["us_aid_total_bn"] < without).all()


def test_a_scaled_setting_multiplies_each_worlds_own_draw():
    args = dict(worlds=300, seed=2, days=5)
    base = run_arm(BASELINE, (), **args)
    low = run_arm(BASELINE, (scaled("belligerents.russia.cost_tolerance", 0.4),), **args)
    path = "belligerents.russia.cost_tolerance"
    np.testing.assert_allclose(low[path], 0.4 * base[path])
    assert base[path].nunique() > 1  # a per-world draw, not one number


def test_settings_need_one_value_and_events_a_day():
    with pytest.raises(ValueError, match="exactly one"):
        event(3, "mediator.aid_bn_per_year")
    with pytest.raises(ValueError, match="day 1 or later"):
        event(0, "mediator.aid_bn_per_year", value=0.0)


def test_select_rows_by_number_or_name():
    assert select(LEVERS, []) == LEVERS
    assert select(LEVERS, ["1"]) == (LEVERS[0],)
    assert all("interval" in r.lever for r in select(LEVERS, ["interval"]))
    day0_row = next(
        i for i, r in enumerate(LEVERS, 1) if r.lever.startswith("Ukraine's materiel, set")
    )
    assert [r.pair for r in select(LEVERS, [str(day0_row)])] == ["materiel", "materiel"]
    with pytest.raises(ValueError, match="matches no lever row"):
        select(LEVERS, ["no such lever"])


def test_a_new_row_is_a_few_lines():
    row = Lever(
        "mediator.sanctions_pressure", "0.2", "0.8", "p_ceasefire_365", "+",
        (day0("mediator.sanctions_pressure", 0.2),), (day0("mediator.sanctions_pressure", 0.8),),
    )  # fmt: skip
    audit = run_levers(BASELINE, 200, 1, days=60, rows=(row,))
    assert list(audit.table["lever"]) == ["mediator.sanctions_pressure"]
    assert audit.table["verdict"].iloc[0] in {"pass", "fail"}


# ------------------------------------------------------------------ command
def test_the_command_writes_levers_csv_and_prints_the_table(tmp_path):
    out = tmp_path / "audit"
    proc = subprocess.run(
        [sys.executable, "-m", "ceasefire_sim.cli", "levers", str(BASELINE), "-n", "200",
         "-d", "60", "-o", str(out), "--row", "interval", "--row", "US aid"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "levers.csv", keep_default_na=False)
    assert tuple(table.columns) == COLUMNS
    assert len(table) == 3  # the interval row and the two rows of the US aid pair
    assert set(table["verdict"]) <= {"pass", "fail"}
    assert list(table["expected"]) == [
        r.expected for r in LEVERS if "interval" in r.lever or "US aid" in r.lever
    ]
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert any(line.startswith("levers: ") and "/3 pass" in line for line in lines)


# ------------------------------------------------------- the committed report
def _committed_lever_rows() -> list[str]:
    from ceasefire_sim.validation import ROOT

    text = (ROOT / "docs" / "validation.md").read_text()
    section = text.split("## 4. Levers", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if re.match(r"\| \d+ \|", line)]


def test_the_committed_report_has_every_row_with_its_expectation():
    rows = _committed_lever_rows()
    assert len(rows) == len(LEVERS)
    for line, row in zip(rows, LEVERS, strict=True):
        assert line.split(" | ")[1] == row.lever
        assert f"| {row.expected} | yardstick |" in line


@pytest.mark.slow
def test_the_committed_lever_table_is_that_of_the_model_at_this_commit():
    """``make validate`` must be rerun when a change moves any lever's effect."""
    audit = run_levers(BASELINE)  # the sizes of make validate: 2,000 worlds, seed 1
    for line, r in zip(_committed_lever_rows(), audit.table.itertuples(), strict=True):
        cell = f"{format_number(r.effect)} [{format_number(r.ci_low)}, {format_number(r.ci_high)}]"
        assert f"| {cell} |" in line
        assert line.endswith("| pass |") == (r.verdict == "pass")
