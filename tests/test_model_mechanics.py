"""Mechanisms of the model: inheritance of alliance values, summits, cool-down, walk-outs,
world keys (common random numbers across sweep points) and worlds with nothing to propose."""

import datetime as dt

import numpy as np
import pytest

from ceasefire_sim import CeasefireModel, ScenarioError, load_scenario, simulate
from tests.conftest import BASELINE


def test_alliance_override_reaches_allies_without_their_own_value(baseline):
    model = CeasefireModel(
        baseline, worlds=3, seed=0, overrides={"alliance.aid_share_gdp_pct": 0.5}
    )
    assert model.params["allies.germany.aid_share_gdp_pct"] == 0.5
    # Iceland gives its own target (0) and keeps it.
    model = CeasefireModel(baseline, worlds=3, seed=0, overrides={"alliance.target_share_pct": 3.5})
    assert model.params["allies.germany.target_share_pct"] == 3.5
    assert model.params["allies.iceland.target_share_pct"] == 0.0


def test_event_on_alliance_target_reaches_allies(baseline):
    document = baseline.model_dump(mode="json")
    document["events"] = [
        {"date": "2025-04-01", "set": {"alliance.target_share_pct": 3.5}, "assumption": "test"}
    ]
    from ceasefire_sim.scenario.loader import validate_document

    model = CeasefireModel(validate_document(document, {}), worlds=2, seed=0, days=60)
    model.run()
    germany = model.allies[list(a.name for a in model.allies).index("germany")]
    assert model.params["allies.germany.target_share_pct"] == 3.5
    assert np.all(germany.defence_share_pct > 2.12 + 0.375 * 40 / 365.25 * 0.9)


def test_an_explicit_ally_value_stops_inheriting(baseline):
    model = CeasefireModel(
        baseline, worlds=2, seed=0, overrides={"allies.spain.target_share_pct": 2.1}
    )
    model.params.set("alliance.target_share_pct", 3.5)
    assert model.params["allies.spain.target_share_pct"] == 2.1
    assert model.params["allies.france.target_share_pct"] == 3.5


def test_summits_are_negotiation_days():
    summit = dt.date(2025, 3, 13) + dt.timedelta(days=9)  # not on the weekly calendar (5, 12, ...)
    with_summit = load_scenario(BASELINE, [f"talks.summits=[{summit.isoformat()}]"])
    a = simulate(with_summit, worlds=1, seed=3, days=10)
    b = simulate(load_scenario(BASELINE), worlds=1, seed=3, days=10)
    assert 9 in set(a.events.loc[a.events["kind"] == "proposal", "day"])
    assert 9 not in set(b.events.loc[b.events["kind"] == "proposal", "day"])


def test_no_talks_during_the_cooldown(baseline):
    model = CeasefireModel(baseline, worlds=200, seed=1, days=365)
    model.run()
    ended = ~np.isnan(model.first_ceasefire_end_day)
    assert ended.any()
    events = simulate(baseline, worlds=200, seed=1, narrative_worlds=200).events
    for world, rows in events.groupby("world"):
        ends = rows.loc[rows["kind"].isin(["breakdown", "expiry"]), "day"].to_numpy()
        proposals = rows.loc[rows["kind"] == "proposal", "day"].to_numpy()
        for end in ends:
            assert not np.any((proposals > end) & (proposals < end + 30)), world


def test_walkout_is_narrated():
    scenario = load_scenario(BASELINE, ["mediator.patience_days=20", "mediator.threat_cost_days=0"])
    events = simulate(scenario, worlds=2, seed=0, days=40).events
    walkouts = events[events["kind"] == "walkout"]
    assert len(walkouts) == 2 and (walkouts["day"] == 21).all()
    assert not (events["kind"] == "proposal").loc[events["day"] > 21].any()


def test_world_keys_share_noise_and_parameter_draws(baseline):
    plain = CeasefireModel(baseline, worlds=4, seed=8, days=30)
    keyed = CeasefireModel(
        baseline, worlds=8, seed=8, days=30, world_keys=np.array([0, 1, 2, 3, 0, 1, 2, 3])
    )
    for path in ("front.initial_gain_km2_per_month", "belligerents.russia.casualties_per_day"):
        np.testing.assert_array_equal(np.tile(plain.params[path], 2), keyed.params[path])
    plain.run()
    keyed.run()
    np.testing.assert_array_equal(np.tile(plain.control_km2, 2), keyed.control_km2)
    np.testing.assert_array_equal(
        np.tile(plain.alliance.pledged_troops, 2), keyed.alliance.pledged_troops
    )


def test_world_keys_are_checked(baseline):
    with pytest.raises(ScenarioError, match="world_keys"):
        CeasefireModel(baseline, worlds=3, seed=0, world_keys=np.array([0, 1]))


def test_no_talks_where_nothing_can_be_proposed():
    # Only a European force is acceptable and no ally pledges troops: nothing can be proposed.
    scenario = load_scenario(
        BASELINE,
        [
            "talks.options_on_table={guarantees: [european_force]}",
            "allies.*.reassurance_troops=0",
            "talks.initial_proposal=null",
        ],
    )
    results = simulate(scenario, worlds=20, seed=0, days=60)
    assert results.outcomes["ceasefires"].sum() == 0
    assert not (results.events["kind"] == "proposal").any()


# --- the front's reference state, talks off, events on stocks ----------------------------------
def test_the_baselines_reference_state_is_its_day_0_state():
    """front.reference documents the baseline's 13 March 2025 state: each value is the day-0 one."""
    from ceasefire_sim.model.agents import DAYS_PER_YEAR
    from ceasefire_sim.validation import BASELINE

    scenario = load_scenario(BASELINE)
    model = CeasefireModel(scenario, worlds=4000, seed=1)
    p = model.params
    for side in (model.ukraine, model.russia):
        ref = f"front.reference.{side.name}"
        assert np.all(side.personnel == p[f"{ref}_personnel"])
        assert np.all(side.materiel_bn == p[f"{ref}_materiel_bn"])
        inflow = model._materiel_inflow(side) * DAYS_PER_YEAR
        # Russia's defence share is a per-world uniform; the reference is its mean.
        assert inflow.mean() == pytest.approx(p[f"{ref}_materiel_inflow_bn_per_year"], rel=0.01)
    assert p["front.reference.us_aid_bn_per_year"] == p["mediator.aid_bn_per_year"]


def test_constants_do_not_follow_a_day_0_change():
    """Kappa and the attrition come from the reference, not from a variant's day-0 state."""
    from ceasefire_sim.validation import BASELINE

    base = CeasefireModel(load_scenario(BASELINE), worlds=50, seed=1)
    for change in (
        {"mediator.aid_bn_per_year": 0.0},
        {"belligerents.ukraine.materiel_bn": 30.0},
        {"belligerents.russia.defence_share_pct": 4.0},
    ):
        variant = CeasefireModel(load_scenario(BASELINE, change), worlds=50, seed=1)
        np.testing.assert_array_equal(variant.gain_scale_km2_per_day, base.gain_scale_km2_per_day)
        for side in ("ukraine", "russia"):
            np.testing.assert_array_equal(
                getattr(variant, side).materiel_loss_rate, getattr(base, side).materiel_loss_rate
            )
    # Changing the reference itself is a recalibration: kappa moves.
    moved = CeasefireModel(
        load_scenario(BASELINE, {"front.reference.ukraine_materiel_bn": 40.0}), worlds=50, seed=1
    )
    assert np.all(moved.gain_scale_km2_per_day < base.gain_scale_km2_per_day)


def test_talks_off_gives_no_proposal_and_no_ceasefire():
    from ceasefire_sim.validation import BASELINE

    off = simulate(load_scenario(BASELINE, {"talks.enabled": False}), worlds=200, seed=2, days=200)
    assert (off.outcomes["ceasefires"] == 0).all()
    assert (off.outcomes["status"] == "war").all()
    assert (off.events["kind"] != "proposal").all()
    on = simulate(load_scenario(BASELINE), worlds=200, seed=2, days=200)
    assert (on.outcomes["ceasefires"] > 0).any()


def test_talks_enabled_must_be_a_boolean(tmp_path):
    from ceasefire_sim.errors import ScenarioError
    from ceasefire_sim.validation import BASELINE

    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASELINE}\nname: bad\ntalks:\n  enabled: sometimes\n")
    with pytest.raises(ScenarioError, match=r"talks\.enabled"):
        load_scenario(bad)


def test_an_event_on_a_stock_scales_the_stock():
    import datetime as dt

    from ceasefire_sim.scenario.schema import EventConfig
    from ceasefire_sim.validation import BASELINE

    scenario = load_scenario(BASELINE, {"talks.enabled": False})
    event = EventConfig(
        date=scenario.start_date + dt.timedelta(days=1),
        scale={"belligerents.ukraine.materiel_bn": 0.5},
        assumption="a test",
    )
    halved = CeasefireModel(
        scenario.model_copy(update={"events": [event]}), worlds=10, seed=1, days=3
    )
    plain = CeasefireModel(scenario, worlds=10, seed=1, days=3)
    before = plain.ukraine.materiel_bn.copy()
    halved.step()
    plain.step()
    # The stock is halved before the day's fighting; losses and inflow then act on what is left.
    assert np.all(halved.ukraine.materiel_bn < 0.51 * plain.ukraine.materiel_bn + 0.5)
    assert np.all(halved.ukraine.materiel_bn > 0.45 * before)
    # Weaker, Ukraine loses ground faster than in the same worlds without the event.
    assert np.all(halved.p_now > plain.p_now)


def test_a_side_loses_at_most_the_personnel_it_has(baseline):
    model = CeasefireModel(baseline, worlds=3, seed=0, days=30)
    russia = model.russia
    russia.personnel = np.array([10.0, 500.0, 600_000.0])
    at_war = np.array([True, True, False])
    russia.fight(np.full(3, 1_400.0), at_war)
    # Forces that have nearly run out lose what they have, not a rate that the force ratio has
    # driven up; a world at peace loses nothing.
    assert np.array_equal(russia.casualties_today, [10.0, 500.0, 0.0])
