"""Low violence and the agreement: an open-ended agreement can lapse and stay in force, violated.

The recommitment case of ``scenarios/history/`` (a war of position at the frozen line, an open-ended
recommitment on the table) agrees ceasefires in most worlds within weeks, so a small run shows
every path: truces that lapse and stay in force, lapses that become breakdowns, breakdowns while
calm.
"""

from __future__ import annotations

import numpy as np
import pytest

from ceasefire_sim import load_scenario
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.validation.history import CASES_DIR

CASE = CASES_DIR / "donbas_recommitments_2015-2020.yaml"


@pytest.fixture(scope="module")
def run() -> dict[str, np.ndarray]:
    """Step the case 180 days over 400 worlds and keep each day's state of the ceasefires."""
    model = CeasefireModel(load_scenario(CASE), worlds=400, seed=5, narrative_worlds=0)
    lapsed_violations = []
    calm_violations = []
    lapsed_seen = np.zeros(model.worlds, dtype=bool)
    while model.running:
        lapsed_before = model.in_ceasefire & ~model.calm
        calm_before = model.in_ceasefire & model.calm
        total = model.violations_total.copy()
        model.step()
        today = model.violations_total - total
        # Worlds that were lapsed (or calm) yesterday and are still in the same state today.
        still_lapsed = lapsed_before & model.in_ceasefire & ~model.calm
        still_calm = calm_before & model.in_ceasefire & model.calm
        lapsed_violations.append(today[still_lapsed])
        calm_violations.append(today[still_calm])
        lapsed_seen |= model.in_ceasefire & ~model.calm
    return {
        "model": model,
        "lapsed_violations": np.concatenate(lapsed_violations),
        "calm_violations": np.concatenate(calm_violations),
        "lapsed_seen": lapsed_seen,
    }


def test_a_lapsed_agreement_stays_in_force_violated_at_the_lapsed_rate(run):
    model = run["model"]
    lapsed, calm = run["lapsed_violations"], run["calm_violations"]
    assert run["lapsed_seen"].sum() >= 20
    base = float(model.params["truce.violations_per_day"])
    rate = float(model.params["truce.lapsed_violations_per_day"])
    # Poisson(rate * (1 + d)) with d >= 0 small: the mean is at least the rate, within 4 se.
    se = np.sqrt(rate * 1.5 / len(lapsed))
    assert lapsed.mean() > rate - 4 * se
    assert lapsed.mean() < 1.5 * rate
    assert calm.mean() < 2 * base < rate


def test_only_open_ended_agreements_lapse_and_the_calm_ends_first(run):
    model = run["model"]
    lapsed_now = model.in_ceasefire & ~model.calm
    assert np.all(np.isinf(model.truce_end_day[lapsed_now]))
    start, calm_end, end = (
        model.first_ceasefire_day,
        model.first_calm_end_day,
        model.first_ceasefire_end_day,
    )
    # Low violence ends no later than the agreement, and only where there was a ceasefire.
    assert np.all(np.isnan(calm_end[np.isnan(start)]))
    both = ~np.isnan(calm_end) & ~np.isnan(end)
    assert np.all(calm_end[both] <= end[both])
    assert np.all(~np.isnan(calm_end[~np.isnan(end)]))
    # A world still calm in its first ceasefire has neither ended.
    first_calm = model.in_ceasefire & model.calm & (model.ceasefires == 1)
    assert np.all(np.isnan(calm_end[first_calm]))
    assert model.lapses.sum() >= run["lapsed_seen"].sum()


def test_low_violence_ends_sooner_than_the_agreement(run):
    model = run["model"]
    agreed = ~np.isnan(model.first_ceasefire_day)
    horizon = model.day
    calm_days = (
        np.where(np.isnan(model.first_calm_end_day), horizon, model.first_calm_end_day)
        - model.first_ceasefire_day
    )
    agreement_days = (
        np.where(np.isnan(model.first_ceasefire_end_day), horizon, model.first_ceasefire_end_day)
        - model.first_ceasefire_day
    )
    assert np.median(calm_days[agreed]) < np.median(agreement_days[agreed])
