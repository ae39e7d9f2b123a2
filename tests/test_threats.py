"""Threats that can be carried out, and the durability checks over every deal of the baseline."""

from __future__ import annotations

import numpy as np
import pytest

from ceasefire_sim.api import simulate
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.scenario.loader import load_scenario
from ceasefire_sim.validation import durability
from tests.conftest import BASELINE

WORLDS, SEED = 2000, 1


@pytest.fixture(scope="module")
def baseline_model():
    model = CeasefireModel(load_scenario(BASELINE), worlds=WORLDS, seed=SEED, narrative_worlds=0)
    model.run()
    return model


def test_threats_are_carried_out_and_counted(baseline_model):
    executed = baseline_model.mediator.threats_executed
    assert executed["ukraine"].any() and executed["russia"].any()
    # Counts, never more than one a round.
    assert executed["ukraine"].max() <= baseline_model.proposals.max()


def test_outcome_columns_count_the_threats():
    o = simulate(BASELINE, worlds=300, seed=SEED, days=120, narrative_worlds=0).outcomes
    for side in ("ukraine", "russia"):
        column = o[f"threats_executed_{side}"]
        assert column.dtype.kind == "i" and (column >= 0).all()
    none = simulate(
        BASELINE,
        worlds=300,
        seed=SEED,
        days=120,
        narrative_worlds=0,
        overrides={"mediator.threat_credibility": 0.0},
    ).outcomes
    assert (none["threats_executed_ukraine"] + none["threats_executed_russia"] == 0).all()


def test_a_mediator_carries_out_a_threat_only_while_it_can_pay_for_it():
    """A threat costs ``threat_cost_days`` of patience: never more than the patience left."""
    runs = {
        cost: simulate(
            BASELINE,
            worlds=300,
            seed=SEED,
            days=200,
            narrative_worlds=0,
            overrides={"mediator.threat_cost_days": cost, "mediator.patience_days": 180.0},
        ).outcomes
        for cost in (0.0, 120.0, 181.0)
    }
    executed = {
        cost: int((o["threats_executed_ukraine"] + o["threats_executed_russia"]).sum())
        for cost, o in runs.items()
    }
    assert executed[0.0] > 0
    # Dearer threats are carried out less often; one dearer than all its patience never.
    assert executed[120.0] < executed[0.0]
    assert executed[181.0] == 0


def test_an_executed_aid_cut_moves_the_front():
    """Paired against a cut that holds nothing back: the worlds it hit lose ground."""
    worlds, mean, low, high = durability.aid_cut_effect(BASELINE, 1000, SEED, None)
    assert worlds > 50
    assert low > 0, (mean, low, high)


def test_a_cut_stops_us_deliveries_until_ukraine_says_yes():
    model = CeasefireModel(load_scenario(BASELINE), worlds=4, seed=0, narrative_worlds=0)
    model.step()
    before = model.mediator.aid_arriving_bn_per_year().copy()
    hit = np.array([True, False, False, False])
    model.mediator.execute(hit, np.zeros(4, dtype=bool))
    arriving = model.mediator.aid_arriving_bn_per_year()
    assert arriving[0] == 0.0 and np.all(arriving[1:] == before[1:])
    assert model.mediator.fruitless_days[0] == model.mediator.fruitless_days[1] + float(
        model.params["mediator.threat_cost_days"]
    )


def test_the_mediator_comes_back_after_walking_away():
    scenario = load_scenario(
        BASELINE,
        ["mediator.patience_days=20", "mediator.threat_cost_days=0", "mediator.reengage_days=30"],
    )
    events = simulate(scenario, worlds=2, seed=0, days=80).events
    walkouts = events[events["kind"] == "walkout"]
    assert (walkouts["day"] == 21).sum() == 2
    proposals = events[events["kind"] == "proposal"]
    assert not proposals["day"].between(22, 50).any()
    assert (proposals["day"] > 51).any()


def test_breakdown_hazard_falls_from_the_first_month_to_the_second_half_year(baseline_model):
    d, low, high, figures = durability.hazard_difference(baseline_model.deals())
    assert figures["late"][2] > 1000  # ceasefire-days observed in days 180-365
    assert low > 0, (d, low, high, figures)


def test_deals_rarely_leave_ukraine_neutral_and_unguaranteed(baseline_model):
    deals = baseline_model.deals()
    bare = (deals["terms_nato"] == "neutrality") & (deals["terms_guarantees"] == "none")
    assert len(deals) > 200
    assert (bare & deals["guarantee_on_table"]).sum() / len(deals) <= 0.10
    assert np.mean(baseline_model.ceasefires >= 3) <= 0.05


def test_graded_and_de_facto_territory_enter_deals(baseline_model):
    territory = baseline_model.deals()["terms_territory"]
    assert (territory == "donetsk_withdrawal").mean() >= 0.01
    assert (territory == "de_facto").mean() >= 0.01


def test_the_deal_log_matches_the_counters(baseline_model):
    deals = baseline_model.deals()
    assert len(deals) == baseline_model.ceasefires.sum()
    assert deals["ended"].sum() == baseline_model.breakdowns.sum()
    first = deals.groupby("world")["start_day"].min()
    np.testing.assert_array_equal(
        first.to_numpy(), baseline_model.first_ceasefire_day[first.index.to_numpy()]
    )
