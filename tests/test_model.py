import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire_sim import CeasefireModel, Results, load_scenario, simulate
from ceasefire_sim.model.agents import Ally, Belligerent, Mediator
from ceasefire_sim.validation import BASELINE, ROOT


def test_model_is_a_mesa_model_with_its_agents(baseline):
    model = CeasefireModel(baseline, worlds=50, seed=3)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) >= 34
    assert len(model.agents_by_type[Belligerent]) == 2
    assert len(model.agents_by_type[Mediator]) == 1
    assert len(model.agents_by_type[Ally]) == 31
    assert model.russia.personnel.shape == (50,)
    assert model.allies[0].defence_share_pct.shape == (50,)
    assert hasattr(model, "datacollector")


def test_ten_steps(baseline):
    model = CeasefireModel(baseline, worlds=20, seed=1)
    for _ in range(10):
        model.step()
    assert model.steps == 10
    assert model.day == 10
    assert len(model.datacollector.get_model_vars_dataframe()) == 11


def test_single_world_gives_a_readable_narrative(baseline):
    results = simulate(baseline, worlds=1, seed=2)
    events = results.events
    assert len(results.outcomes) == 1
    assert {"proposal", "accept", "reject"} <= set(events["kind"])
    first = events[events["kind"] == "proposal"].iloc[0]
    assert first["text"].startswith("The mediator proposes: 30-day truce")
    rejection = events[events["kind"] == "reject"].iloc[0]
    assert "surplus" in rejection["text"] and rejection["explanation"]
    assert (events["world"] == 0).all()


def test_day_zero_has_23_of_32_allies_at_2pct(baseline_2000):
    assert baseline_2000.daily["allies_at_2pct_mean"].iloc[0] == 23


def test_calibration_of_territorial_gains():
    """With talks off, the median world gains what the trackers saw in the year before the start.

    The trackers' mean monthly gains over Mar 2024 - Feb 2025 run from 292 (War Mapper) to 429
    km² (ISW); the median over 1,000 worlds has a Monte Carlo error of a few km².
    """
    front_only = load_scenario(BASELINE, {"talks.enabled": False})
    results = simulate(front_only, worlds=1000, seed=5, narrative_worlds=0)
    per_month = results.outcomes["control_change_km2"].median() / 12
    assert 292 <= per_month <= 429


def test_calibration_of_russian_casualties(baseline_2000):
    o = baseline_2000.outcomes
    per_day = (o["casualties_russia"] / o["days_at_war"]).mean()
    assert 1200 <= per_day <= 1600


def test_same_seed_same_outcomes(baseline):
    a = simulate(baseline, worlds=300, seed=9, days=120)
    b = simulate(baseline, worlds=300, seed=9, days=120)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)
    c = simulate(baseline, worlds=300, seed=10, days=120)
    assert not a.outcomes["control_km2_final"].equals(c.outcomes["control_km2_final"])


def test_common_random_numbers_across_scenarios(baseline):
    """A change that only touches the talks leaves the front's noise, world by world, unchanged.

    Leverage on Russia also reaches the front where its threat is carried out (sanctions cut
    Russia's production), so the comparison is over the worlds where neither arm had a deal or
    an executed threat.
    """
    from ceasefire_sim.scenario.loader import load_scenario
    from tests.conftest import BASELINE

    pressed = load_scenario(BASELINE, ["mediator.perception_sd=0.15"])
    a = simulate(baseline, worlds=400, seed=5, days=200)
    b = simulate(pressed, worlds=400, seed=5, days=200)
    at_war_in_both = (a.outcomes["ceasefires"] == 0) & (b.outcomes["ceasefires"] == 0)
    for o in (a.outcomes, b.outcomes):
        at_war_in_both &= (o["threats_executed_russia"] == 0) & (o["threats_executed_ukraine"] == 0)
    assert at_war_in_both.sum() > 30
    np.testing.assert_array_equal(
        a.outcomes["control_km2_final"][at_war_in_both],
        b.outcomes["control_km2_final"][at_war_in_both],
    )


def test_sampled_parameters_are_outcome_columns(baseline_2000):
    o = baseline_2000.outcomes
    col = "belligerents.russia.casualties_per_day"
    assert col in o.columns
    # The baseline draws it from the posterior file: every world's value is one of its rows.
    posterior = pd.read_csv(
        ROOT / "src" / "ceasefire_sim" / "data" / "posterior" / "front_2025-03-13.csv"
    )
    assert o[col].isin(posterior[col]).all()
    assert o[col].nunique() > 300


def test_outcome_and_daily_columns(baseline_2000):
    o, d = baseline_2000.outcomes, baseline_2000.daily
    for col in [
        "world",
        "status",
        "first_ceasefire_day",
        "ceasefires",
        "days_at_war",
        "control_km2_final",
        "control_change_km2",
        "casualties_ukraine",
        "casualties_russia",
        "allies_at_2pct_final",
        "terms_truce",
        "terms_territory",
        "terms_nato",
        "terms_guarantees",
        "terms_sanctions",
        "terms_aid_during_truce",
    ]:
        assert col in o.columns, col
    for col in [
        "day",
        "date",
        "share_war",
        "share_ceasefire",
        "share_collapsed",
        "share_settled",
        "control_km2_p05",
        "control_km2_p25",
        "control_km2_p50",
        "control_km2_p75",
        "control_km2_p95",
        "allies_at_2pct_mean",
    ]:
        assert col in d.columns, col
    assert len(o) == 2000 and len(d) == 366
    np.testing.assert_allclose(
        d[["share_war", "share_ceasefire", "share_collapsed", "share_settled"]].sum(axis=1), 1.0
    )


def test_statuses_are_consistent_with_ceasefire_days(baseline_2000):
    o = baseline_2000.outcomes
    never = o["first_ceasefire_day"].isna()
    assert (o.loc[never, "status"] == "war").all()
    assert (o.loc[~never, "status"] != "war").all()
    assert (o.loc[never, "terms_truce"] == "").all()
    assert (o.loc[o["status"] == "settled", "terms_truce"] == "indefinite").all()
    assert (o.loc[o["status"] == "collapsed", "breakdowns"] >= 1).all()
    assert (o["ceasefires"] >= o["breakdowns"]).all()
    assert ((o["days_at_war"] + o["ceasefire_days"]) == 365).all()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    worlds=st.integers(1, 40),
    gain=st.floats(50, 3000),
    noise=st.floats(0, 300),
)
def test_invariants_in_every_world(baseline, seed, worlds, gain, noise):
    overrides = {"front.initial_gain_km2_per_month": gain, "front.noise_scale_km2": noise}
    model = CeasefireModel(baseline, worlds=worlds, seed=seed, days=120, overrides=overrides)
    area = 603_550
    previous_ua = model.ukraine.casualties.copy()
    previous_ru = model.russia.casualties.copy()
    while model.running:
        model.step()
        assert np.all((model.control_km2 >= 0) & (model.control_km2 <= area))
        assert np.all(model.ukraine.casualties >= previous_ua) and np.all(
            model.russia.casualties >= previous_ru
        )
        previous_ua, previous_ru = model.ukraine.casualties.copy(), model.russia.casualties.copy()
        status = model.status()
        assert np.all((status == 0) == np.isnan(model.first_ceasefire_day))
        assert np.all(model.in_ceasefire == np.isin(status, [1, 3]))
        assert np.all(model.first_ceasefire_day[~np.isnan(model.first_ceasefire_day)] <= model.day)


def test_results_save_and_load_round_trip(tmp_path, baseline):
    results = simulate(baseline, worlds=50, seed=4, days=60)
    results.save(tmp_path / "r")
    loaded = Results.load(tmp_path / "r")
    pd.testing.assert_frame_equal(results.outcomes, loaded.outcomes)
    pd.testing.assert_frame_equal(results.daily, loaded.daily)
    pd.testing.assert_frame_equal(results.events, loaded.events)
    assert loaded.manifest["seed"] == 4 and loaded.manifest["worlds"] == 50
    assert not list((tmp_path / "r").glob("*.tmp"))


def test_summary_has_intervals(baseline_2000):
    s = baseline_2000.summary().set_index("metric")
    row = s.loc["P(ceasefire by day 90)"]
    assert row["mc_low"] <= row["estimate"] <= row["mc_high"]
    assert "median change of Russian-held area" in s.index
    # Independent worlds: no parameter range without a nested run.
    assert s["param_low"].isna().all()


def test_dated_event_changes_a_parameter(baseline):
    from ceasefire_sim.scenario.loader import load_scenario
    from tests.conftest import BASELINE

    paused = load_scenario(BASELINE)
    doc_event = {"date": "2025-04-01", "note": "aid pause", "set": {"mediator.aid_paused": 1}}
    from ceasefire_sim.scenario.loader import validate_document

    document = paused.model_dump(mode="json")
    document["events"] = [doc_event]
    scenario = validate_document(document, {})
    model = CeasefireModel(scenario, worlds=5, seed=0, days=40)
    model.run()
    assert model.params["mediator.aid_paused"] == 1.0
    assert np.all(model.mediator.aid_delivered_bn_per_year < 22 * 0.9)
    assert any(e.note == "aid pause" for e in model.events_schedule.applied)


def test_wilson_interval_contains_estimate():
    from ceasefire_sim.results import median_ci, wilson

    p, lo, hi = wilson(30, 100)
    assert lo < p < hi and p == pytest.approx(0.3)
    med, lo, hi = median_ci(np.arange(101.0))
    assert lo < med < hi and med == 50


def test_wilson_bounds_at_the_extremes():
    from ceasefire_sim.results import wilson

    p, lo, hi = wilson(0, 500)
    assert p == 0.0 and lo == 0.0 and hi > 0
    p, lo, hi = wilson(500, 500)
    assert p == 1.0 and hi == 1.0 and lo < 1


def test_saved_files_are_readable_by_others(tmp_path, baseline):
    import os
    import stat

    old = os.umask(0o022)
    try:
        simulate(baseline, worlds=5, seed=1, days=5).save(tmp_path / "r")
    finally:
        os.umask(old)
    mode = (tmp_path / "r" / "outcomes.parquet").stat().st_mode
    assert mode & stat.S_IROTH
