"""Every theory check of the validation report, as an ordinary test (at small sizes)."""

import numpy as np
import pytest

from ceasefire_sim.validation import BASELINE, ValidationConfig, theory


# --- references ---------------------------------------------------------------------------
def test_fearon_textbook_values():
    low, high = theory.fearon_bargaining_range(0.6, 0.1, 0.2)
    assert (low, high) == pytest.approx((0.5, 0.8))
    assert theory.fearon_nash_split(0.6, 0.1, 0.2) == pytest.approx(0.65)
    # Equal costs split the range evenly around p.
    assert theory.fearon_bargaining_range(0.3, 0.05, 0.05) == pytest.approx((0.25, 0.35))
    assert theory.fearon_nash_split(0.3, 0.05, 0.05) == pytest.approx(0.3)


def test_tullock_textbook_values():
    assert theory.tullock_win_probability(2.0, 1.0) == pytest.approx(2 / 3)
    assert theory.tullock_win_probability(2.0, 4.0) == pytest.approx(16 / 17)
    assert theory.tullock_win_probability(1.0, 3.0) == pytest.approx(0.5)


def test_brute_force_nash_on_hand_made_cases():
    # Products 0.08, 0.05 and 0.045 among the mutually acceptable packages.
    assert theory.brute_force_nash(
        np.array([0.5, 0.2, 0.9, -0.1]), np.array([0.1, 0.4, 0.05, 0.9])
    ) == (1, True)
    # None acceptable to both: the largest smaller surplus.
    assert theory.brute_force_nash(np.array([-0.5, 0.3, -0.05]), np.array([0.4, -0.2, 0.2])) == (
        2,
        False,
    )


def test_first_negotiation_day():
    assert theory.first_negotiation_day(5, 7) == 5
    assert theory.first_negotiation_day(1, 7) == 1
    # Day 0 is never stepped, so talks "from day 0" first happen a full interval later.
    assert theory.first_negotiation_day(0, 7) == 7
    assert theory.first_negotiation_day(5.5, 7) == -1


# --- the checks ---------------------------------------------------------------------------
def test_conjugate_normal_learning():
    check = theory.check_conjugate_learning(days=200, seed=3)
    assert check.passed, check
    assert check.data["max_relative_error"] < 1e-9
    assert check.data["mean"] == pytest.approx(check.data["reference_mean"])


def test_learning_inside_the_model_is_conjugate():
    check = theory.check_learning_in_model(BASELINE, worlds=30, days=60, seed=2)
    assert check.passed, check


def test_mediator_choice_is_the_nash_bargaining_solution():
    check = theory.check_nash_choice(BASELINE, worlds=30, seed=2)
    assert check.passed, check
    assert check.data["matches"] == check.data["worlds"] == 60
    # Both branches of the rule are exercised: Nash products and the fallback.
    agreeable = check.data["agreeable"]
    assert sum(agreeable.values()) > 0
    assert sum(30 - n for n in agreeable.values()) > 0


def test_fearon_range_and_nash_split_from_the_models_rule():
    range_check, split_check = theory.check_fearon()
    assert range_check.passed and split_check.passed
    assert split_check.data["model_split"] == pytest.approx(0.65, abs=1e-4)
    assert range_check.data["model_low"] == pytest.approx(0.5, abs=2e-4)
    assert range_check.data["model_high"] == pytest.approx(0.8, abs=2e-4)


def test_fearon_check_holds_the_issue_s_numbers():
    # Other inputs move the range away from [0.5, 0.8]: the check must then fail.
    assert not any(c.passed for c in theory.check_fearon(0.7, 0.1, 0.2))


def test_contest_success_at_two_to_one():
    checks = theory.check_contest_success()
    assert [c.passed for c in checks] == [True, True, True]
    assert [c.data["value"] for c in checks] == pytest.approx([2 / 3, 4 / 5, 16 / 17], abs=1e-12)


def test_constant_hazard_gives_exponential_survival():
    check = theory.check_exponential_survival(hazard_per_day=1 / 14, worlds=20_000, seed=5)
    assert check.passed, check
    assert check.data["max_z"] < check.data["z_crit"]


def test_deterministic_limit_agrees_on_the_first_negotiation_day():
    check = theory.check_deterministic_first_day(BASELINE, worlds=30, seed=2)
    assert check.passed, check
    assert check.data["first_day"] == 5
    assert check.data["started"] == check.data["acceptable_exists"] == 30


def test_run_theory_covers_every_check():
    checks = theory.run_theory(ValidationConfig.quick())
    names = " / ".join(c.name for c in checks)
    for topic in (
        "Conjugate",
        "Nash bargaining",
        "Fearon's bargaining range",
        "Nash split",
        "Contest success",
        "exponential survival",
        "Deterministic limit",
    ):
        assert topic in names
    assert all(c.section == "theory" for c in checks)
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
