"""Scope as a dimension of the outcome space, and each truce pausing only its own channels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.model.partial import eroded_share
from ceasefire_sim.negotiation.scopes import (
    CHANNELS,
    LIMITED,
    LIMITED_NAMES,
    SCOPES,
    expected_days_held,
    limited_surplus,
    limited_terms,
    scoped_outcome,
)
from ceasefire_sim.negotiation.space import BUILT_IN, PackageSpace

DAYS = 20


def test_every_precedent_kind_is_a_scope_beside_the_general_ceasefire():
    scoped = scoped_outcome(BUILT_IN)
    assert scoped.by_issue["scope"] == tuple(s.name for s in SCOPES)
    assert set(LIMITED_NAMES) == {
        "energy", "maritime", "nuclear", "humanitarian", "exchanges", "holiday"
    }  # fmt: skip


def test_a_limited_truce_carries_no_settlement_term():
    scoped = scoped_outcome(BUILT_IN)
    space = PackageSpace.full(scoped)
    limited = space.valid & ~space.has("scope.general")
    for key in (
        "territory.recognition",
        "territory.ukraine_withdraws",
        "territory.russia_withdraws",
        "nato.neutrality",
        "nato.moratorium",
        "sanctions.lifted",
        "guarantees.us_backed",
    ):
        assert not (limited & space.has(key)).any(), key
    # The general ceasefire keeps every package of the general space.
    general = space.valid & space.has("scope.general")
    assert general.sum() == PackageSpace.full(BUILT_IN).valid.sum()


def test_only_the_maritime_scope_is_linked_to_export_relief():
    terms = limited_terms(BUILT_IN)
    assert terms["maritime"] == (None, "sanctions.phased_relief")
    assert all(terms[s] == (None,) for s in LIMITED_NAMES if s != "maritime")


def test_expected_days_held_by_hand():
    # A constant hazard (k = 1) of 0.1/day over a 3-day term: int_0^3 e^(-0.1 s) ds.
    by_hand = (1 - np.exp(-0.3)) / 0.1
    assert np.isclose(expected_days_held(1.0, 0.1, 1.0, 3, 180), by_hand)
    assert np.isclose(
        limited_surplus(np.array([0.002]), np.array([by_hand]), 180.0)[0], 0.002 * by_hand
    )
    # The Weibull hazard of a general ceasefire: int_0^m exp(-c s^k) ds, m = min(term, H).
    c, k = 0.258 * 0.5 * 0.1, 0.374
    numeric, _ = integrate.quad(lambda s: np.exp(-c * s**k), 0, 180)
    assert np.isclose(expected_days_held(0.5 * 0.1, 0.258, k, np.inf, 180), numeric, rtol=1e-8)
    assert np.isclose(expected_days_held(0.0, 0.258, k, 30, 180), 30.0)


def _quiet(scenario):
    """No talks and no declarations: the truces of these tests are started by hand."""
    return scenario.model_copy(
        update={
            "talks": scenario.talks.model_copy(update={"enabled": False}),
            "partial_truces": scenario.partial_truces.model_copy(update={"enabled": False}),
        }
    )


def _run(scenario, start):
    """Control and channel shares of a 20-day run after ``start(model)`` on day 1."""
    model = CeasefireModel(
        _quiet(scenario),
        worlds=30,
        seed=4,
        days=DAYS,
        # No breakdown, and each side's worth of a truce stays what it is on its first day.
        overrides={"truce.base_hazard_per_day": 0.0, "partial_truces.worth_drift_sd": 0.0},
    )
    model.step()
    start(model)
    control, running = [], []
    for _ in range(DAYS - 1):
        model.step()
        control.append(model.control_km2.copy())
        running.append(model.channels.running.copy())
    return np.array(control), np.array(running), model


@pytest.mark.parametrize("scope", LIMITED_NAMES)
def test_a_limited_truce_pauses_only_its_own_channels_and_the_front_moves(baseline, scope):
    k = LIMITED_NAMES.index(scope)
    worlds = np.arange(30)
    none_control, none_running, _ = _run(baseline, lambda m: None)
    control, running, model = _run(
        baseline,
        lambda m: m.limited._start(
            worlds, k, np.full(30, 2), np.zeros(30, dtype=bool), unilateral=False
        ),
    )
    assert model.limited.in_force[:, k].all()
    # The front moves as it does with no truce at all (common random numbers), day by day.
    assert np.array_equal(control, none_control)
    assert np.abs(np.diff(control, axis=0)).max() > 0
    leak = model.params[f"partial_truces.scopes.{scope}.leak_share"]
    for j, c in enumerate(CHANNELS):
        if c.name in LIMITED[k].pauses:
            # The first day at the leak; then as much more as its attacker, started on a truce
            # it may lose by, is discontented with it (constant here: no drift).
            assert np.allclose(running[0, :, j], leak), c.name
            discontent = model.limited.discontent[c.attacker][:, k]
            assert np.allclose(running[1:, :, j], eroded_share(leak, discontent)), c.name
            assert (running[:, :, j] < 1).all()
        else:
            assert np.array_equal(running[:, :, j], none_running[:, :, j]), c.name
            assert (running[:, :, j] == 1).all()


def test_a_general_ceasefire_freezes_the_front_and_stops_every_channel(baseline):
    worlds = np.arange(30)
    general_row = 0  # a 30-day truce freezing the line
    control, running, model = _run(
        baseline, lambda m: m._start_ceasefire(worlds, np.full(30, general_row))
    )
    held = model.in_ceasefire
    assert held.all()
    assert np.array_equal(control[1:], control[:-1])
    assert (running[1:] == 0).all()
    assert (model.channels.drones_per_day == 0).all()


def test_a_unilateral_truce_stops_only_its_declarers_channels(baseline):
    k = LIMITED_NAMES.index("holiday")
    worlds = np.arange(30)
    _, running, model = _run(
        baseline,
        lambda m: m.limited._start(
            worlds, k, np.full(30, 2), np.zeros(30, dtype=bool), unilateral=True
        ),
    )
    strikes = [c.name for c in CHANNELS].index("strikes")
    # Russia declares it: its strikes stop (at the leak share) on the next day, and the truce
    # then ends because, with no holiday on these days, its declarer does not gain from it --
    # not by a clock.
    assert not model.limited.in_force[:, k].any()
    assert running[0, :, strikes].max() < 1
