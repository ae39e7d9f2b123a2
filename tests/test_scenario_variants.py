"""The library of variants: each extends the baseline, says what it asks, runs, and does what it says."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from ceasefire_sim import CeasefireModel, load_scenario, simulate
from ceasefire_sim.negotiation.space import BUILT_IN
from ceasefire_sim.scenario.yamlio import load_yaml
from tests.conftest import BASELINE, ROOT

VARIANTS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if p != BASELINE)


def variant(name: str):
    return load_scenario(ROOT / "scenarios" / f"{name}.yaml")


def days_until(scenario, date: dt.date) -> int:
    return (date - scenario.start_date).days


def test_the_six_questions_are_in_the_library():
    names = {p.stem for p in VARIANTS}
    assert {
        "us_disengagement",
        "european_surge",
        "russian_strain",
        "aid_frozen_in_truce",
        "frozen_line_european_guarantees",
        "hague_summit_3_5pct",
    } <= names


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.stem)
def test_variant_extends_the_baseline_says_what_it_asks_and_runs(path):
    document, _ = load_yaml(path)
    assert document["extends"] == BASELINE.name
    assert "?" in document["description"]
    header = path.read_text().splitlines()
    assert header[0] == "# yaml-language-server: $schema=../docs/scenario.schema.json"
    assert header[1].startswith("# ") and "?" in " ".join(header[1:6])
    scenario = load_scenario(path)
    results = simulate(scenario, worlds=20, seed=1, days=5)
    assert len(results.outcomes) == 20
    assert results.manifest["days"] == 5


def test_us_disengagement_cuts_aid_and_walks_away():
    scenario = variant("us_disengagement")
    model = CeasefireModel(
        scenario, worlds=50, seed=1, days=days_until(scenario, dt.date(2025, 4, 1))
    )
    model.run()
    assert model.params["mediator.aid_bn_per_year"] == 0.0
    patience = model.params["mediator.patience_days"]
    assert np.all((patience >= 30) & (patience <= 60))
    assert [e.set for e in scenario.events if e.set][-1] == {"mediator.engaged": 0.0}


def test_european_surge_makes_a_reassurance_force_likelier():
    surge = CeasefireModel(variant("european_surge"), worlds=2000, seed=1, days=1)
    base = CeasefireModel(load_scenario(BASELINE), worlds=2000, seed=1, days=1)
    available = surge.alliance.reassurance_available().mean()
    assert available > 0.8 > base.alliance.reassurance_available().mean()
    assert surge.params["alliance.ramp_pct_per_year"] == 0.75
    assert surge.params["alliance.target_share_pct"] == 3.5


def test_russian_strain_cuts_defence_output_from_july():
    scenario = variant("russian_strain")
    july = days_until(scenario, dt.date(2025, 7, 1))
    model = CeasefireModel(scenario, worlds=10, seed=2, days=july)
    before = np.array(model.params["belligerents.russia.defence_share_pct"], copy=True)
    model.run()
    after = model.params["belligerents.russia.defence_share_pct"]
    np.testing.assert_allclose(after, 0.8 * before)
    assert (
        scenario.mediator.sanctions_pressure.value
        > load_scenario(BASELINE).mediator.sanctions_pressure.value
    )


def test_aid_frozen_in_truce_puts_only_frozen_aid_on_the_table():
    model = CeasefireModel(variant("aid_frozen_in_truce"), worlds=5, seed=1, days=1)
    X = model.space.matrix
    assert np.all(X[:, BUILT_IN.option_index["aid_during_truce.frozen"]] == 1)
    proposal = model.scenario.talks.initial_proposal
    assert proposal.package.aid_during_truce == "frozen" and proposal.accepted_by == []
    assert proposal.provenance[0] == "source"


def test_frozen_line_offers_only_a_freeze_with_a_european_force():
    model = CeasefireModel(variant("frozen_line_european_guarantees"), worlds=2000, seed=1, days=1)
    X = model.space.matrix
    assert np.all(X[:, BUILT_IN.option_index["territory.freeze"]] == 1)
    assert np.all(X[:, BUILT_IN.option_index["guarantees.european_force"]] == 1)
    assert model.space.size == np.prod(
        [len(o) for i, o in BUILT_IN.by_issue.items() if i not in ("territory", "guarantees")]
    )
    # the force is on the table in nearly every world (Monte Carlo error about 0.002)
    assert model.alliance.reassurance_available().mean() > 0.95


def test_hague_summit_sets_3_5pct_with_spain_at_2_1():
    scenario = variant("hague_summit_3_5pct")
    model = CeasefireModel(
        scenario, worlds=3, seed=1, days=days_until(scenario, dt.date(2025, 6, 25))
    )
    model.run()
    p = model.params
    assert p["alliance.target_share_pct"] == 3.5
    assert p["allies.spain.target_share_pct"] == 2.1
    assert p["allies.iceland.target_share_pct"] == 0.0
    others = {
        a: p[f"allies.{a}.target_share_pct"]
        for a in scenario.allies
        if a not in ("spain", "iceland")
    }
    assert set(others.values()) == {3.5}
    summit = next(e for e in scenario.events if e.set)
    assert summit.date == dt.date(2025, 6, 25) and "agenceurope.eu" in summit.source
