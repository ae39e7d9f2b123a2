"""Durability inside the choice: a side values a package by the share of its horizon it holds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ceasefire_sim.model import truce
from ceasefire_sim.negotiation import preferences
from ceasefire_sim.negotiation.preferences import SideView
from ceasefire_sim.negotiation.space import BUILT_IN, PackageSpace

SPACE = PackageSpace.full(BUILT_IN)
H0, SHAPE, HORIZON = 0.258, 0.374, 180.0


def _side(guarantee_ratio: float, breakdown_cost: float = 0.0) -> SideView:
    """A side that values every option alike, so only durability tells packages apart."""
    k = len(BUILT_IN.option_keys)
    outcome = BUILT_IN
    g_ratios = np.array([1.0, guarantee_ratio, guarantee_ratio])  # none, european_force, us_backed
    t_ratios = np.array([1.0, 0.85, 0.5])
    span = np.minimum(outcome.truce_days(), HORIZON)
    hold = truce.hold_share(g_ratios[:, None] * t_ratios[None, :], H0, SHAPE, span[None, :])
    return SideView(
        option_utility=np.full((1, k), 0.1),
        war_issues=0.0,
        sign=-1.0,
        value_per_km2=0.0,
        drift_km2_per_day=np.zeros(1),
        drift_var=np.zeros(1),
        obs_var=0.0,
        cost_per_day=0.0,
        risk_aversion=0.0,
        horizon_days=HORIZON,
        durability=hold[None],
        breakdown_cost=breakdown_cost,
    )


def _package(guarantees: str) -> np.ndarray:
    terms = {
        "truce": "indefinite",
        "territory": "freeze",
        "nato": "moratorium",
        "guarantees": guarantees,
        "sanctions": "maintained",
        "aid_during_truce": "continues",
    }
    return np.array([SPACE.index_of(terms)])


def _value(side: SideView, guarantees: str) -> float:
    lines = np.zeros((1, len(BUILT_IN.by_issue["territory"])))
    return float(preferences.surplus_at(side, SPACE, np.zeros(1), lines, _package(guarantees))[0])


@pytest.mark.parametrize("cost", [0.0, 0.1])
def test_a_guarantee_is_worth_more_the_more_it_cuts_the_hazard(cost: float) -> None:
    gains = []
    for ratio in (1.0, 0.8, 0.5, 0.35, 0.25, 0.1):
        side = _side(ratio, cost)
        gains.append(_value(side, "us_backed") - _value(side, "none"))
    # With the hazard ratio 1 the guarantee changes nothing; every cut adds to its worth.
    assert gains[0] == pytest.approx(0.0, abs=1e-12)
    assert all(b > a for a, b in itertools.pairwise(gains))
    assert gains[-1] > 0.05


def test_hold_share_matches_the_survival_integral() -> None:
    t = np.linspace(0.0, 180.0, 200_001)
    for ratio in (1.0, 0.35, 0.1):
        survival = np.exp(-ratio * H0 * t**SHAPE)
        expected = np.trapezoid(survival, t) / 180.0
        got = float(truce.hold_share(ratio, H0, SHAPE, 180.0))
        assert got == pytest.approx(expected, rel=1e-4)


def test_the_hazard_falls_with_time_on_a_weibull_base() -> None:
    days = np.array([1.0, 30.0, 180.0, 365.0])
    h = truce.breakdown_hazard(H0, 1.0, np.zeros(4), 2.0, days, SHAPE)
    assert np.all(np.diff(h) < 0)
    # A constant hazard when the shape is 1, as before.
    flat = truce.breakdown_hazard(0.07, 1.0, np.zeros(4), 2.0, days, 1.0)
    np.testing.assert_allclose(flat, 0.07)


def test_a_pause_shifts_power_to_the_side_that_rearms_faster() -> None:
    """Powell (2006): the shift in power while a truce holds counts in each side's valuation."""
    from ceasefire_sim.model.model import CeasefireModel
    from ceasefire_sim.scenario.loader import load_scenario
    from tests.conftest import BASELINE

    def shift(*overrides: str) -> np.ndarray:
        model = CeasefireModel(
            load_scenario(BASELINE, list(overrides)), worlds=20, seed=1, narrative_worlds=0
        )
        model.step()
        return model.pause_shift_km2(None, 180.0)

    base = shift()
    days = BUILT_IN.truce_days()
    indefinite = int(np.flatnonzero(np.isinf(days))[0])
    # An indefinite ceasefire leaves no fighting in the horizon to shift.
    assert np.all(base[:, indefinite] == 0.0)
    # D * (H - D): 90 days of pause then 90 of fighting against 30 then 150.
    np.testing.assert_allclose(base[:, 1] / base[:, 0], (90 * 90) / (30 * 150))
    # Ukraine, with aid, rearms faster than Russia in the baseline: a pause costs Russia ground;
    # a Russia spending 20% of GDP on defence gains from one.
    assert np.all(base[:, 0] < 0)
    assert np.all(shift("belligerents.russia.defence_share_pct=20")[:, 0] > 0)
