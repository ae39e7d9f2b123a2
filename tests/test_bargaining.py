"""Version 2's bargaining: persistent types, costs since 2022, consistent terms, the range.

Hand-checked pieces (the answer rule, the fixed-term terms, pain on day 0), the bound that skips
the range's search, and behaviour: no deal without a range whatever the interval of the talks.
"""

from __future__ import annotations

import numpy as np
import pytest

from ceasefire_sim import CeasefireModel, simulate
from ceasefire_sim.negotiation import preferences
from ceasefire_sim.negotiation.space import PackageSpace
from ceasefire_sim.scenario.loader import load_scenario
from tests.conftest import BASELINE


def test_a_side_never_accepts_a_package_worth_less_than_fighting_on():
    # Noise can only make a side hesitate: a loss is refused whatever the draw.
    assert not preferences.accepts(-0.01, 0.0, 5.0)
    assert not preferences.accepts(0.01, 0.0, -0.02)
    assert preferences.accepts(0.01, 0.0, -0.005)
    assert preferences.accepts(0.0, 0.0, 0.0)
    # The mediator's pressure counts in the surplus.
    assert preferences.accepts(-0.1, 0.15, 0.0)


def test_settlement_terms_need_an_indefinite_ceasefire():
    space = PackageSpace.full()
    truce = space.issue_choice("truce")
    indefinite = space.outcome.by_issue["truce"].index("indefinite")
    for key in (
        "territory.recognition",
        "territory.ukraine_withdraws",
        "territory.russia_withdraws",
        "nato.moratorium",
        "nato.neutrality",
        "sanctions.lifted",
    ):
        assert np.all(truce[space.valid & space.has(key)] == indefinite), key
    # A truce can carry a freeze, guarantees, phased relief and the rules on aid.
    for key in ("territory.freeze", "guarantees.us_backed", "sanctions.phased_relief"):
        assert np.any(space.valid & space.has(key) & (truce != indefinite)), key
    assert preferences.forced_options(space)[0] == ("nato.path_open",)


def test_fixed_term_terms_by_hand():
    space = PackageSpace.full()
    outcome = space.outcome
    utility = np.zeros((1, len(outcome.option_keys)))
    utility[0, outcome.option_index["territory.freeze"]] = -0.6  # a red line
    costs = {"nato.path_open": 0.3}
    terms = preferences.fixed_term_terms(space, utility, costs, 180.0).array()
    freeze = outcome.by_issue["territory"].index("freeze")
    # 30 days of 180: the truce takes back 5/6 of the freeze's utility and of the forced cost.
    assert terms[0, freeze, 0] == pytest.approx(-(1 - 30 / 180) * (-0.6 - 0.3))
    assert terms[0, freeze, 1] == pytest.approx(-(1 - 90 / 180) * (-0.6 - 0.3))
    assert terms[0, freeze, 2] == 0.0  # an indefinite ceasefire holds its terms in full


def test_pain_counts_the_casualties_since_2022_on_day_0(baseline):
    model = CeasefireModel(baseline, worlds=50, seed=3, days=1)
    p = model.params
    expected = (
        p["belligerents.russia.casualties_before_start"] / p["belligerents.russia.cost_tolerance"]
    )
    np.testing.assert_allclose(model.russia.pain, expected)
    assert np.all(model.russia.pain > 0.2)


def test_resolve_is_a_type_of_the_world_not_a_draw_per_round(baseline):
    model = CeasefireModel(baseline, worlds=200, seed=3, days=40)
    first = model.resolve("russia").copy()
    model.run()
    np.testing.assert_array_equal(model.resolve("russia"), first)
    scaled = CeasefireModel(
        baseline,
        worlds=200,
        seed=3,
        days=1,
        overrides={"belligerents.russia.preferences.resolve_scale": 0.1},
    )
    np.testing.assert_allclose(scaled.resolve("russia"), 2 * first)
    assert np.std(first) == pytest.approx(0.05 * np.pi / np.sqrt(3), rel=0.15)


def test_the_bound_never_hides_a_range(baseline):
    model = CeasefireModel(baseline, worlds=300, seed=5, days=30)
    model.run()
    # Worlds at war all day (a ceasefire that ended today was still on when the range was read).
    worlds = np.flatnonzero(~model.in_ceasefire & (model.last_ceasefire_end_day < model.day))
    ua, ru = model.side_views(worlds)
    control, lines = model.control_km2[worlds], model.deal_lines_km2(worlds)
    s_ua = preferences.surplus_of_all(ua, model.space, control, lines)
    s_ru = preferences.surplus_of_all(ru, model.space, control, lines)
    feasible = model.feasible_packages(worlds)
    both = (s_ua > 0) & (s_ru > 0) & feasible
    terms_ua = preferences.territory_terms(ua, model.space, control, lines)
    terms_ru = preferences.territory_terms(ru, model.space, control, lines)
    bound = preferences.joint_surplus_bound(ua, ru, model.space, terms_ua, terms_ru)
    joint = np.where(both, s_ua + s_ru, -np.inf).max(axis=1)
    assert np.all(bound >= joint - 1e-12)
    # The model's range is exactly where some feasible package leaves both a positive surplus.
    np.testing.assert_array_equal(model.has_range[worlds], both.any(axis=1))
    assert 0 < both.any(axis=1).sum() < len(worlds)


@pytest.fixture(scope="module")
def by_interval():
    scenario = load_scenario(BASELINE)
    return {
        iv: simulate(scenario, worlds=400, seed=2, days=180, overrides={"talks.interval_days": iv})
        for iv in (1, 28)
    }


def test_no_range_no_deal_whatever_the_interval(by_interval):
    for results in by_interval.values():
        o = results.outcomes
        never = o["first_range_day"].isna()
        assert never.sum() > 100
        assert o.loc[never, "first_ceasefire_day"].isna().all()
        deals = o["first_ceasefire_day"].notna()
        assert (o.loc[deals, "first_ceasefire_day"] >= o.loc[deals, "first_range_day"]).all()
        share = results.daily["share_range"].to_numpy()
        assert share[0] == 0.0 and np.all((share >= 0) & (share <= 1)) and share[1:].max() > 0


def test_meeting_daily_does_not_multiply_the_chances(by_interval):
    # Within a range, meeting every day rather than every 28 only brings deals forward.
    daily, monthly = (by_interval[iv].outcomes["first_ceasefire_day"] for iv in (1, 28))
    p1, p28 = daily.notna().mean(), monthly.notna().mean()
    assert abs(p1 - p28) <= 0.08, (p1, p28)
    # Paired over the worlds with a deal in both (the daily arm also catches ranges that open
    # late, or after the mediator re-engages, which monthly talks miss within the horizon).
    both = daily.notna() & monthly.notna()
    assert both.sum() > 20
    assert np.mean(daily[both] <= monthly[both]) >= 0.75
    assert np.median(daily[both]) < np.median(monthly[both])
