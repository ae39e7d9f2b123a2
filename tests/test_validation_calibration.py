"""The calibration section: its estimators on known inputs, and its checks on small runs."""

import math

import numpy as np
import pytest

from ceasefire_sim import load_scenario, simulate
from ceasefire_sim.validation import BASELINE, ValidationConfig, calibration
from ceasefire_sim.validation.calibration import (
    DAYS_PER_MONTH,
    DurationEstimate,
    geometric_duration,
    hazard_ratio,
    monthly_gains,
)


# --- estimators ---------------------------------------------------------------------------
def test_geometric_duration_counts_breakdowns_and_days_at_risk():
    d = np.array([1, 2, 5, 30, 40, 12])
    ended = np.array([True, True, True, True, False, False])
    est = geometric_duration(d, ended, censor_after_days=29)
    # The 30-day end cannot be told from an expiry: censored at 29 days, like the holdouts.
    assert est.breakdowns == 3
    assert est.days_at_risk == 1 + 2 + 5 + 29 + 29 + 12
    assert est.mean_days == pytest.approx(78 / 3)
    assert est.ci_low < est.mean_days < est.ci_high
    assert est.ceasefires == 6


def test_geometric_duration_without_breakdowns_is_undefined():
    est = geometric_duration(np.array([10.0, 20.0]), np.array([False, False]))
    assert math.isnan(est.mean_days) and est.breakdowns == 0


def test_geometric_duration_recovers_a_known_daily_probability():
    rng = np.random.default_rng(4)
    p, n = 0.07, 20_000
    d = rng.geometric(p, n).astype(float)
    est = geometric_duration(d, np.ones(n, dtype=bool), censor_after_days=29)
    # Standard error of the MLE of p: p sqrt(1 - p) / sqrt(breakdowns); 4 of them.
    se = p * math.sqrt(1 - p) / math.sqrt(est.breakdowns)
    assert est.daily_probability == pytest.approx(p, abs=4 * se)
    assert est.ci_low < 1 / p < est.ci_high
    assert est.hazard_per_day == pytest.approx(-math.log1p(-est.daily_probability))


def test_hazard_ratio_of_two_arms():
    control = DurationEstimate(400, 4000.0, 0.1, 10.0, 9.0, 11.0, 500)
    treated = DurationEstimate(100, 4000.0, 0.025, 40.0, 33.0, 50.0, 500)
    ratio, low, high = hazard_ratio(treated, control)
    assert ratio == pytest.approx(math.log1p(-0.025) / math.log1p(-0.1))
    se = math.sqrt(1 / 100 + 1 / 400)
    assert high / ratio == pytest.approx(math.exp(1.959964 * se), rel=1e-5)
    assert low < ratio < high
    none = DurationEstimate(0, 100.0, math.nan, math.nan, math.nan, math.nan, 5)
    assert all(math.isnan(x) for x in hazard_ratio(none, control))


def test_monthly_gains_skip_windows_with_a_ceasefire():
    days = 90
    control = np.zeros((days + 1, 2))
    control[:, 0] = 100_000 + 10.0 * np.arange(days + 1)
    control[:, 1] = 100_000 + 5.0 * np.minimum(np.arange(days + 1), 40)
    status = np.zeros((days + 1, 2), dtype=int)
    status[41:, 1] = 3  # world 1 settles on day 41
    per_world, per_window = monthly_gains(control, status, days=days)
    assert per_world == pytest.approx([10 * DAYS_PER_MONTH, 5 * 40 / 90 * DAYS_PER_MONTH])
    # World 0's three windows and world 1's first (the only one it fought throughout).
    assert sorted(per_window) == pytest.approx(
        sorted([10 * DAYS_PER_MONTH] * 3 + [5 * DAYS_PER_MONTH])
    )


# --- checks -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def quick_calibration():
    return calibration.run_calibration(ValidationConfig.quick(seed=3))


def test_every_target_of_facts_md_has_a_row(quick_calibration):
    checks, figure_data = quick_calibration
    names = [c.name for c in checks]
    for topic in (
        "Russian gains, first 90 days",
        "spread between worlds",
        "Russian casualties",
        "Ukrainian casualties per day at war (uncertain target)",
        "Allies at 2%",
        "Jeddah 30-day truce",
        "Bare truce: the base hazard alone gives the duration it implies",
        "Bare truce: mean duration of truces the sides agree to",
        "hazard ratio, US-backed guarantee vs none",
        "hazard ratio, European force vs none",
    ):
        assert any(topic in n for n in names), topic
    assert all(c.section == "calibration" and c.model and c.reference for c in checks)
    assert set(figure_data["durations"]) == {"bare", "none", "us_backed", "european_force"}


def test_pass_flags_follow_the_targets(quick_calibration):
    checks, _ = quick_calibration
    by_name = {c.name: c for c in checks}
    gains = by_name["Russian gains, first 90 days: median of worlds"]
    assert gains.passed == (130 <= gains.data["median"] <= 430)
    russian = by_name["Russian casualties per day at war"]
    assert russian.passed == (1200 <= russian.data["mean"] <= 1600)
    spread = by_name["Russian gains: spread between worlds covers the trackers"]
    low, high = spread.data["spread"]
    assert spread.passed == bool(low <= 133 and high >= 427)


def test_casualties_and_gains_are_near_their_sources(quick_calibration):
    checks, _ = quick_calibration
    by_name = {c.name: c for c in checks}
    # Even at 300 worlds these sit well inside their targets.
    assert by_name["Russian casualties per day at war"].passed
    assert by_name["Russian gains, first 90 days: median of worlds"].passed
    assert by_name["Allies at 2% of GDP on day 0"].passed


def test_hazard_parameters_give_the_implied_duration_when_dissatisfaction_is_off():
    checks, _ = calibration.check_bare_truce(BASELINE, worlds=2000, seed=2, days=120)
    forced = checks[0].data["estimate"]
    # 1 / (1 - exp(-h0)) days with the baseline's h0; 4 standard errors of the mean.
    h0 = load_scenario(BASELINE).truce.base_hazard_per_day.mean_value()
    expected = 1 / -math.expm1(-h0)
    se = expected / math.sqrt(forced.breakdowns)
    assert forced.mean_days == pytest.approx(expected, abs=4 * se)
    assert checks[0].passed
    # Forcing a truce across Russia's red lines makes it collapse at once.
    assert checks[0].data["with_dissatisfaction"].mean_days < 3


def test_allies_check_fails_when_an_ally_drops_below_two_percent(tmp_path):
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        f"extends: {BASELINE}\nallies:\n  poland: {{gdp_bn: 860, defence_share_pct: 1.5}}\n"
    )
    run = simulate(variant, worlds=20, seed=1, days=1)
    check = calibration.check_allies(variant, worlds=20, seed=1, results=run)
    assert not check.passed
    assert check.data["min"] == check.data["max"] == 22


def test_jeddah_check_fails_when_russia_also_accepts_the_30_day_truce(baseline):
    run = simulate(baseline, worlds=50, seed=1, days=10)
    assert calibration.check_jeddah_truce(BASELINE, run).passed
    both = {"talks.initial_proposal.accepted_by": ["ukraine", "russia"]}
    run = simulate(load_scenario(BASELINE, both), worlds=50, seed=1, days=10)
    check = calibration.check_jeddah_truce(BASELINE, run)
    assert check.data["share"] == 1.0 and not check.passed
