import numpy as np
import pytest
from scipy import stats

from ceasefire_sim.model import truce


def test_constant_hazard_gives_exponential_survival():
    rng = np.random.default_rng(42)
    n, h = 100_000, 1 / 14
    alive = np.ones(n, dtype=bool)
    survival = []
    for _ in range(60):
        alive &= ~truce.breaks_down(np.full(n, h), rng.random(n))
        survival.append(alive.mean())
    survival = np.array(survival)
    expected = np.exp(-h * np.arange(1, 61))
    # binomial standard error of each survival share; 4.5 se bounds all 60 days jointly.
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(survival - expected) < 4.5 * se)


def test_mean_duration_of_a_bare_truce_is_about_two_weeks():
    rng = np.random.default_rng(7)
    n, h = 50_000, 1 / 14
    days = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    for _ in range(400):
        days += alive
        alive &= ~truce.breaks_down(np.full(n, h), rng.random(n))
    # mean of a geometric with p = 1 - exp(-h): 1/p = 14.5 days; se = sqrt(1-p)/p/sqrt(n) = 0.06.
    p = 1 - np.exp(-h)
    assert days.mean() == pytest.approx(1 / p, abs=4 * np.sqrt(1 - p) / p / np.sqrt(n))


def test_hazard_form():
    h = truce.breakdown_hazard(0.1, np.array([1.0, 0.5, 0.5]), np.array([0.0, 0.0, 1.0]), 2.0)
    assert h == pytest.approx([0.1, 0.05, 0.05 * np.exp(2.0)])


def test_violations_match_poisson_quantiles():
    u = np.random.default_rng(1).random(5_000)
    for rate in (0.3, 4.0, 110.0):
        assert np.array_equal(truce.violations(rate, u), stats.poisson.ppf(u, rate))
    assert np.all(truce.violations(0.0, u) == 0)
