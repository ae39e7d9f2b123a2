"""The classroom's game logic without a browser: seats, answers and their reasons, team sessions."""

from __future__ import annotations

import numpy as np
import pytest

from ceasefire_sim.app import ClassroomModel
from ceasefire_sim.classroom import (
    Session,
    SessionRegistry,
    brief,
    default_choices,
    durability,
    reasons,
    unmet_requirements,
)
from ceasefire_sim.errors import ScenarioError
from ceasefire_sim.negotiation import preferences

LASTING = {"truce": "indefinite", "territory": "freeze", "nato": "neutrality"}


def _session(humans: set[str]) -> Session:
    return Session(ClassroomModel, {"seed": 1}, humans)


def _last(session: Session):
    return session.model.narrative.rounds[-1][2]


def test_a_human_mediators_package_is_answered_with_the_models_reasons():
    session = _session({"mediator"})
    package = {**default_choices(session.model), **LASTING}
    session.propose(package)
    record = _last(session)
    assert session.model.space.describe(int(record.package[0])) == package
    found = reasons(session.model, record)
    for side, r in found.items():
        # The model's surplus counts the standing threat; the table adds no pressure of its own,
        # so the threat is not counted twice.
        assert r.table_pressure == 0.0
        assert r.threat == pytest.approx(
            float(np.atleast_1d(record.contributions[side]["pressure"])[0])
        )
        assert sum(v for *_, v in r.issues) + r.threat == pytest.approx(r.surplus, abs=1e-9)
        assert r.accepted == bool(preferences.accepts(r.surplus, r.table_pressure, r.chance))
        assert r.total == pytest.approx(r.surplus + r.chance)
        words = r.words()
        verdict = words.split(".")[0]
        assert verdict.endswith("says yes" if r.accepted else "says no")
        assert f"chance is {r.chance:+.2f}" in words and f"pressure adds {r.pressure:+.2f}" in words


def test_a_package_that_needs_a_lasting_deal_says_so():
    session = _session({"mediator"})
    package = {**default_choices(session.model), "truce": "days_30", "nato": "neutrality"}
    with pytest.raises(ScenarioError, match="permanent NATO exclusion needs an indefinite"):
        session.propose(package)
    row = session.model.space.index_of({**package, "truce": "indefinite"})
    assert unmet_requirements(session.model.space, row) == []


def test_ukraine_in_person_accepts_rejects_and_counter_proposes():
    session = _session({"ukraine"})
    while session.pending is None:
        assert session.advance(1) == 1
    assert session.pending.waiting == {"ukraine"}
    day = session.model.day
    assert session.advance(5) == 0  # the round waits for Ukraine
    assert session.model.day == day
    session.answer("ukraine", True)
    assert session.pending is None and bool(_last(session).accepted["ukraine"][0])
    while session.pending is None and not session.finished:
        session.advance(1)
    assert session.pending is not None, "seed 1 has a second round for Ukraine"
    session.answer("ukraine", False)
    assert not bool(_last(session).accepted["ukraine"][0])
    while session.pending is None:
        session.advance(1)
    rounds = len(session.model.narrative.rounds)
    session.counter("ukraine", {**default_choices(session.model), **LASTING})
    # The mediator's round ends with Ukraine's no; Russia (the model) answers the counter.
    assert len(session.model.narrative.rounds) == rounds + 2
    counter = _last(session)
    assert str(counter.proposer[0]) == "ukraine" and bool(counter.accepted["ukraine"][0])
    with pytest.raises(ScenarioError, match="no proposal for Ukraine"):
        session.answer("ukraine", True)


def test_guarantees_and_dissatisfaction_move_the_expected_durability():
    model = ClassroomModel(seed=1)
    space = model.space
    base = {**default_choices(model), **LASTING}
    bare = space.index_of({**base, "guarantees": "none"})
    backed = space.index_of({**base, "guarantees": "us_backed"})

    def days(row, shortfall):
        from ceasefire_sim.classroom import Reason

        r = Reason("russia", True, -shortfall, 0.0, 0.0, 0.0, ())
        return durability(model, row, {"russia": r})

    assert days(backed, 0.0)[0] > days(bare, 0.0)[0]
    assert days(bare, 0.5)[0] < days(bare, 0.0)[0]
    expected, hazard = days(bare, 0.0)
    # The Weibull baseline: expected days Gamma(1 + 1/k) / c**(1/k), c the first day's hazard.
    import math

    k = float(np.asarray(model.params["truce.hazard_shape"]).reshape(-1)[0])
    assert k < 1.0
    assert expected == pytest.approx(math.gamma(1 + 1 / k) / hazard ** (1 / k))
    assert expected > 1 / hazard  # a falling hazard: a ceasefire outlasts its first day's rate


def test_a_brief_is_the_sides_own_valuation():
    model = ClassroomModel(seed=1)
    ua, ru = brief(model, "ukraine"), brief(model, "russia")
    assert ua.values != ru.values
    for b in (ua, ru):
        for _, options in b.values:
            assert [u for _, u in options] == sorted((u for _, u in options), reverse=True)
        assert "horizon" in b.fighting_on()
    assert "gain" in ru.fighting_on() or "lose" in ru.fighting_on()


def test_team_sessions_join_by_code_one_team_a_seat():
    registry = SessionRegistry()
    session = _session(set())
    code = registry.start(session)
    assert len(code) == 4 and registry.get(f" {code.lower()} ") is session
    registry.join(code, "ukraine", "Kyiv")
    assert session.humans() == {"ukraine"}
    with pytest.raises(ScenarioError, match="taken by team 'Kyiv'"):
        registry.join(code, "ukraine", "Other")
    with pytest.raises(ScenarioError, match="no session with code"):
        registry.get("ZZZZ" if code != "ZZZZ" else "YYYY")
    while session.pending is None:
        session.advance(1)
    registry.leave(code, "ukraine")  # the model answers for the seat left
    assert session.pending is None and session.humans() == set()
    registry.end(code)
    with pytest.raises(ScenarioError):
        registry.get(code)
