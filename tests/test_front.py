import numpy as np
import pytest
from scipy import stats

from ceasefire_sim.model import front


@pytest.mark.parametrize(("k", "expected"), [(1, 2 / 3), (2, 4 / 5), (4, 16 / 17)])
def test_contest_success_two_to_one(k, expected):
    p = front.contest_success(np.array([2.0]), np.array([1.0]), k)
    assert p[0] == pytest.approx(expected, rel=1e-12)


def test_contest_success_even_forces_is_one_half():
    assert front.contest_success(np.array([5.0]), np.array([5.0]), 3.0)[0] == pytest.approx(0.5)


def test_expected_drift_sign_follows_defender_advantage():
    drift = front.expected_drift(np.array([0.6, 0.5, 0.52]), 100.0, 0.52)
    assert drift[0] > 0 > drift[1]
    assert drift[2] == pytest.approx(0.0)


def test_student_t_noise_has_the_t_distribution():
    u = np.random.default_rng(3).random(20_000)
    x = front.student_t_noise(u, 3.0, 5.0)
    # KS against the scaled t: with n=20,000 a correct sampler gives p > 0.001 except by rare chance.
    assert stats.kstest(x / 5.0, stats.t(df=3).cdf).pvalue > 1e-3


def test_student_t_noise_is_monotone_in_the_uniform():
    u = np.linspace(0.01, 0.99, 50)
    assert np.all(np.diff(front.student_t_noise(u, 4.0, 2.0)) > 0)


def test_casualties_equal_base_rate_at_initial_ratio_and_rise_against_stronger_enemy():
    own, enemy = np.array([1.0, 1.0]), np.array([2.0, 4.0])
    cas = front.daily_casualties(1000.0, own, enemy, initial_ratio=2.0, elasticity=0.5)
    assert cas[0] == pytest.approx(1000.0)
    assert cas[1] == pytest.approx(1000.0 * np.sqrt(2.0))


def test_combat_power_is_cobb_douglas():
    power = front.combat_power(np.array([400.0]), np.array([100.0]), 0.5)
    assert power[0] == pytest.approx(200.0)


@pytest.mark.parametrize("df", [1.5, 3.0, 10.0, 200.0])
def test_tabulated_t_quantile_agrees_with_scipy(df):
    from scipy import special

    u = np.concatenate(
        [np.random.default_rng(5).random(200_000), [1e-15, 1e-9, 0.5, 1 - 1e-9, 1 - 1e-15]]
    )
    exact = special.stdtrit(df, u)
    approx = front.t_quantile(u, df)
    assert np.all(np.abs(approx - exact) <= 1e-5 * np.maximum(1.0, np.abs(exact)))


def test_per_world_degrees_of_freedom_use_the_exact_quantile():
    u = np.array([0.1, 0.9])
    x = front.student_t_noise(u, np.array([3.0, 5.0]), 2.0)
    assert x == pytest.approx(2.0 * stats.t.ppf(u, [3.0, 5.0]))


def test_noise_for_no_fighting_worlds_is_empty():
    assert front.student_t_noise(np.array([]), np.array([]), 5.0).shape == (0,)
    assert front.student_t_noise(np.array([]), 3.0, 5.0).shape == (0,)


def test_log_forms_equal_the_power_forms():
    rng = np.random.default_rng(3)
    personnel = rng.uniform(1e5, 8e5, 1000)
    materiel = rng.uniform(5.0, 300.0, 1000)
    weight = rng.uniform(0.2, 0.8, 1000)
    log_ru = front.log_combat_power(personnel, materiel, weight)
    log_ua = front.log_combat_power(personnel[::-1], materiel[::-1], weight)
    power_ru, power_ua = np.exp(log_ru), np.exp(log_ua)
    np.testing.assert_array_equal(front.combat_power(personnel, materiel, weight), power_ru)
    np.testing.assert_allclose(
        front.contest_success_from_logs(log_ru, log_ua, 1.7),
        front.contest_success(power_ru, power_ua, 1.7),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        front.daily_casualties_from_logs(1200.0, log_ua, log_ru, np.log(1.3), 0.6),
        front.daily_casualties(1200.0, power_ua, power_ru, 1.3, 0.6),
        rtol=1e-12,
    )


# --- phases, seasons and tempo -----------------------------------------------------------------
def test_phase_levels_have_mean_one_over_the_chain():
    from ceasefire_sim.model import front

    offensive, consolidation = front.phase_levels(90.0, 60.0, 0.1)
    share = 90 / 150
    assert share * offensive + (1 - share) * consolidation == pytest.approx(1.0)
    assert consolidation == pytest.approx(0.1 * offensive)


def test_switch_phase_gives_the_mean_lengths():
    from ceasefire_sim.model import front

    rng = np.random.default_rng(3)
    n, days = 2000, 3000
    offensive = np.zeros(n, dtype=bool)
    switches, offensive_days = 0, 0
    for _ in range(days):
        offensive, switched = front.switch_phase(offensive, rng.random(n), 90.0, 60.0)
        switches += switched.sum()
        offensive_days += offensive.sum()
    share = offensive_days / (n * days)
    # Stationary share 0.6; phases of mean 90 and 60 days give 2 switches per 150 days.
    assert share == pytest.approx(0.6, abs=0.01)
    assert switches / (n * days) == pytest.approx(2 / 150, rel=0.02)


def test_phase_intensity_is_lognormal_with_mean_one():
    from ceasefire_sim.model import front

    u = (np.arange(200_000) + 0.5) / 200_000
    draws = front.phase_intensity(u, 0.6)
    assert draws.mean() == pytest.approx(1.0, abs=0.01)
    assert np.log(draws).std() == pytest.approx(0.6, abs=0.01)


def test_seasonal_factor_peaks_on_its_day_and_averages_one():
    from ceasefire_sim.model import front

    days = np.arange(1, 366)
    season = np.array([front.seasonal_factor(d, 0.5, 290) for d in days])
    assert days[season.argmax()] == 290
    assert season.mean() == pytest.approx(1.0, abs=0.01)
    assert season.min() == pytest.approx(0.5, abs=0.01)


def test_tempo_casualty_factor():
    from ceasefire_sim.model import front

    assert front.tempo_casualty_factor(np.array([1.0]), 0.3)[0] == pytest.approx(1.0)
    assert front.tempo_casualty_factor(np.array([3.0]), 0.3)[0] == pytest.approx(1.6)
    assert front.tempo_casualty_factor(np.array([0.0]), 0.0)[0] == pytest.approx(1.0)


# --- casualties follow the phase and the season, not the phase's random intensity --------------

_SIM_THETA = {
    "front.initial_gain_km2_per_month": 360.0,
    "front.offensive_days": 60.0,
    "front.consolidation_days": 45.0,
    "front.consolidation_tempo": 0.2,
    "front.seasonal_amplitude": 0.0,
    "front.noise_scale_km2": 0.0,
    "front.casualty_tempo_share": 0.5,
    "belligerents.russia.casualties_per_day": 1000.0,
}
_SIM_FIXED = {"front.noise_df": 3.0, "front.seasonal_peak_day_of_year": 290.0}


def _simulate_days(intensity_sd: float, seed: int = 4):
    import pandas as pd

    from ceasefire_sim.calibration.simulator import Calendar, simulate_days

    calendar = Calendar(pd.period_range("2024-01", "2025-12", freq="M"))
    theta = {**_SIM_THETA, "front.phase_intensity_sd": intensity_sd}
    return simulate_days(theta, _SIM_FIXED, calendar, np.random.default_rng(seed))


def test_simulated_casualties_do_not_depend_on_the_phase_intensity():
    gains_flat, casualties_flat, offensive_flat = _simulate_days(0.0)
    gains_wild, casualties_wild, offensive_wild = _simulate_days(1.2)
    # The same draws: the same phases; the intensities move the gains only.
    np.testing.assert_array_equal(offensive_flat, offensive_wild)
    assert np.abs(gains_wild - gains_flat).max() > 1.0
    np.testing.assert_allclose(casualties_wild, casualties_flat, rtol=1e-12)


def test_simulated_casualties_follow_the_phase():
    _, casualties, offensive = _simulate_days(1.2)
    assert offensive.any() and (~offensive).any()
    level_o, level_c = front.phase_levels(60.0, 45.0, 0.2)
    # With no season, each phase has one casualty rate, higher in an offensive.
    np.testing.assert_allclose(casualties[offensive], 1000.0 * (0.5 + 0.5 * level_o))
    np.testing.assert_allclose(casualties[~offensive], 1000.0 * (0.5 + 0.5 * level_c))
    assert casualties[offensive].min() > casualties[~offensive].max()


def _day_one(intensity_sd: float):
    from ceasefire_sim import CeasefireModel, load_scenario
    from tests.conftest import BASELINE

    overrides = {
        "talks.enabled": False,
        "front.phase_intensity_sd": intensity_sd,
        "front.seasonal_amplitude": 0.0,
        "front.casualty_tempo_share": 0.5,
        "front.offensive_days": 60.0,
        "front.consolidation_days": 45.0,
        "front.consolidation_tempo": 0.2,
        "front.initial_offensive_probability": 0.5,
    }
    model = CeasefireModel(load_scenario(BASELINE, overrides), worlds=200, seed=2, days=1)
    model.run()
    return model


def test_model_casualties_do_not_depend_on_the_phase_intensity():
    flat, wild = _day_one(0.0), _day_one(1.2)
    np.testing.assert_array_equal(flat.offensive, wild.offensive)
    assert np.abs(wild.tempo - flat.tempo).max() > 0.1
    np.testing.assert_allclose(wild.russia.casualties_today, flat.russia.casualties_today)
    np.testing.assert_allclose(wild.ukraine.casualties_today, flat.ukraine.casualties_today)


def test_model_casualties_follow_the_phase():
    model = _day_one(1.2)
    offensive = model.offensive
    assert offensive.any() and (~offensive).any()
    level_o, level_c = front.phase_levels(60.0, 45.0, 0.2)
    factor = np.where(offensive, 0.5 + 0.5 * level_o, 0.5 + 0.5 * level_c)
    # Day 1: the forces are day 0's, so the rate is the base rate times the phase's factor.
    base = np.asarray(model.params["belligerents.russia.casualties_per_day"]) * np.ones(200)
    np.testing.assert_allclose(model.russia.casualties_today, base * factor)
