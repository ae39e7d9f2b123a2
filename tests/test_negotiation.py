"""The negotiation's three parts on hand-made spaces: values worked out by hand, protocols by brute force."""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pytest

from ceasefire_sim import CeasefireModel
from ceasefire_sim.negotiation import preferences, protocols, solutions, space
from ceasefire_sim.negotiation.preferences import SideView
from ceasefire_sim.negotiation.protocols import AlternatingOffers, MediatedNash, Table
from ceasefire_sim.negotiation.space import Issue, LineRule, Option, OutcomeSpace, PackageSpace


@pytest.mark.parametrize("module", [space, preferences, solutions, protocols])
def test_the_worked_examples_in_the_docstrings_hold(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


# ----------------------------------------------------------- a 2-issue, 2-option space by hand
#: Truce: 10 days or the whole horizon (100 days); territory: freeze, or cede 10,000 km².
HAND = PackageSpace.full(
    OutcomeSpace(
        (
            Issue("truce", (Option("short", "short truce", days=10), Option("long", "no end"))),
            Issue(
                "territory",
                (
                    Option("freeze", "freeze", line=LineRule("keep")),
                    Option("cede", "cede", line=LineRule("km2", km2=110_000.0)),
                ),
            ),
        )
    )
)


def _hand_side() -> SideView:
    """Ukraine on the hand space: salience 0.4 / 0.6, a red line on ``cede`` of 0.3."""
    outcome = HAND.outcome
    base = preferences.option_values(
        outcome,
        {"truce": 0.4, "territory": 0.6},
        {"truce.short": 1.0, "truce.long": 0.5, "territory.freeze": 1.0, "territory.cede": 0.0},
    )
    penalty = preferences.red_line_penalty(0.3, 1.0, np.array([0.0]))
    return SideView(
        option_utility=preferences.option_utilities(base, outcome, ["territory.cede"], penalty, 1),
        war_issues=0.0,
        sign=-1.0,
        value_per_km2=1e-4,  # 1 per 10,000 km²
        drift_km2_per_day=np.array([0.0]),
        drift_var=np.array([0.0]),
        obs_var=0.0,
        cost_per_day=0.01,
        risk_aversion=0.0,
        horizon_days=100.0,
    )


def test_hand_made_surplus_explanation_and_answer():
    side, control = _hand_side(), np.array([100_000.0])
    lines = HAND.outcome.lines_km2(control, {}.get)
    assert lines.tolist() == [[100_000.0, 110_000.0]]
    # Option utilities: 0.4 x 1, 0.4 x 0.5, 0.6 x 1, 0.6 x 0 - 0.3 (the red line).
    np.testing.assert_allclose(side.option_utility, [[0.4, 0.2, 0.6, -0.3]])
    # Territory terms: -1 x 1e-4 x (line - control) + 0.01 per day of fighting saved
    # (10 days short, 100 days long): freeze 0.1 / 1.0, cede -1.0 + 0.1 / -1.0 + 1.0.
    terms = preferences.territory_terms(side, HAND, control, lines)
    np.testing.assert_allclose(terms[0], [[0.1, 1.0], [-0.9, 0.0]], atol=1e-15)
    # Rows in product order: (short, freeze), (short, cede), (long, freeze), (long, cede).
    by_hand = [0.4 + 0.6 + 0.1, 0.4 - 0.3 - 0.9, 0.2 + 0.6 + 1.0, 0.2 - 0.3 + 0.0]
    all_packages = preferences.surplus_of_all(side, HAND, control, lines)
    np.testing.assert_allclose(all_packages[0], by_hand, atol=1e-12)
    for row in range(4):
        one = preferences.surplus_at(side, HAND, control, lines, np.array([row]))
        assert one[0] == all_packages[0, row]
    parts = preferences.explain(side, HAND, control, lines, np.array([3]))
    assert parts["truce"][0] == pytest.approx(0.2)
    assert parts["territory"][0] == pytest.approx(-0.3)  # red line, land lost, days saved
    assert sum(v[0] for v in parts.values()) == pytest.approx(all_packages[0, 3])
    # (long, cede) is worth -0.1: refused without pressure, accepted with 0.15 of it.
    assert not preferences.accepts(all_packages[0, 3], 0.0, 0.0)
    assert preferences.accepts(all_packages[0, 3], 0.15, 0.0)
    # The red line erodes with pain: at pain 1 and erosion 1 it costs 0.3 / e.
    assert preferences.red_line_penalty(0.3, 1.0, np.array([1.0]))[0] == pytest.approx(0.3 / np.e)


def test_a_constraint_between_options_removes_packages():
    outcome = HAND.outcome.extended(
        {"territory": {"swap": {"line": "keep", "requires": {"truce": ["long"]}}}}
    )
    table = PackageSpace.full(outcome)
    valid = {tuple(table.describe(r).values()) for r in np.flatnonzero(table.valid)}
    assert ("short", "swap") not in valid and ("long", "swap") in valid
    assert len(valid) == table.size - 1


# ------------------------------------------------ alternating offers on a 2-issue, 3-option space
SMALL = PackageSpace.full(
    OutcomeSpace(
        (
            Issue("truce", tuple(Option(f"t{d}", f"{d} days", days=d) for d in (10, 60, 400))),
            Issue(
                "territory",
                (
                    Option("keep", "keep", line=LineRule("keep")),
                    Option("less", "less", line=LineRule("km2", km2=95_000.0)),
                    Option("more", "more", line=LineRule("km2", km2=105_000.0)),
                ),
            ),
        )
    )
)


def _views(rng: np.random.Generator, n: int) -> dict[str, SideView]:
    def side(sign: float) -> SideView:
        war = rng.uniform(0.6, 1.4, n)
        return SideView(
            option_utility=rng.uniform(0, 0.5, (n, 6)),
            war_issues=war,
            war_by_issue={"territory": war},
            sign=sign,
            value_per_km2=rng.uniform(0, 1e-4, n),
            drift_km2_per_day=rng.normal(0, 5, n),
            drift_var=rng.uniform(0, 1, n),
            obs_var=100.0,
            cost_per_day=rng.uniform(0, 2e-3, n),
            risk_aversion=0.1,
            horizon_days=180.0,
        )

    return {"ukraine": side(-1.0), "russia": side(1.0)}


def _table(views: dict[str, SideView], rounds_held: np.ndarray, feasible: np.ndarray) -> Table:
    n = len(rounds_held)
    control = np.full(n, 100_000.0)
    half = np.full(n, 0.5)  # logit(0.5) = 0: no chance term
    return Table(
        space=SMALL,
        worlds=np.arange(n),
        views=views,
        control_km2=control,
        lines_km2=SMALL.outcome.lines_km2(control, {}.get),
        uniforms={f"{k}_{s}": half for k in ("accept", "perceive") for s in ("ukraine", "russia")},
        logit_scale=0.0,
        feasible=feasible[None, :],
        feasible_row=np.zeros(n, dtype=np.int64),
        rounds_held=rounds_held,
        explain=np.arange(n) < 3,
    )


def test_alternating_offers_alternate_and_each_offer_is_the_proposers_best_acceptable_one():
    rng = np.random.default_rng(12)
    n, rounds = 60, 8
    views = _views(rng, n)
    feasible = np.ones(SMALL.size, dtype=bool)
    feasible[4] = False  # one package cannot be proposed
    agreed_round = np.full(n, -1)
    expected_round = np.full(n, -1)
    for r in range(rounds):
        # Pain grows: fighting on is worth 0.15 less to each side every round.
        for view in views.values():
            view.war_issues = view.war_issues - 0.15 * (r > 0)
            view.war_by_issue = {"territory": view.war_issues}
        table = _table(views, np.full(n, r), feasible)
        record = AlternatingOffers().round(table)
        assert list(record.proposer) == ["ukraine" if r % 2 == 0 else "russia"] * n
        control, lines = table.control_km2, table.lines_km2
        surplus = {
            side: preferences.surplus_of_all(views[side], SMALL, control, lines)
            for side in ("ukraine", "russia")
        }
        proposer, responder = ("ukraine", "russia") if r % 2 == 0 else ("russia", "ukraine")
        for w in range(n):
            # Brute force over the packages the responder strictly gains from.
            gains = [j for j in range(SMALL.size) if feasible[j] and surplus[responder][w, j] > 0]
            pool = gains or [j for j in range(SMALL.size) if feasible[j]]
            best = max(surplus[proposer][w, j] for j in pool)
            assert surplus[proposer][w, record.package[w]] == best
            assert record.package[w] in pool
            both = all(surplus[s][w, record.package[w]] >= 0 for s in surplus) and bool(gains)
            if both and expected_round[w] < 0:
                expected_round[w] = r
        for side in ("ukraine", "russia"):
            np.testing.assert_array_equal(
                record.surplus[side], surplus[side][np.arange(n), record.package]
            )
            assert not record.pressure[side].any()
        newly = record.agreed & (agreed_round < 0)
        agreed_round[newly] = r
        assert set(record.contributions["russia"]) == {"truce", "territory", "resolve", "pressure"}
        for side in ("ukraine", "russia"):
            total = sum(v for v in record.contributions[side].values())
            np.testing.assert_allclose(total, record.surplus[side][:3], atol=1e-12)
    np.testing.assert_array_equal(agreed_round, expected_round)
    # The case is not trivial: deals in Ukraine's and in Russia's rounds, and some later ones.
    assert {0, 1} <= set(agreed_round.tolist()) and (agreed_round >= 2).any()


def test_the_proposers_best_acceptable_offer_by_hand():
    own = np.array([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]])
    other = np.array([[-1.0, 0.5, 2.0], [0.0, -0.1, -1.0]])
    choice, acceptable = solutions.best_for_proposer(own, other)
    assert choice.tolist() == [1, 2] and acceptable.tolist() == [True, False]


# ---------------------------------------------------------------------- protocols in the model
def _runs(baseline, protocol, worlds=60, days=90):
    model = CeasefireModel(baseline, worlds=worlds, seed=3, days=days, protocol=protocol)
    model.run()
    return model


def test_the_default_protocol_is_the_mediated_nash_one(baseline):
    a = _runs(baseline, None)
    b = _runs(baseline, MediatedNash())
    assert isinstance(a.protocol, MediatedNash)
    np.testing.assert_array_equal(a.first_ceasefire_day, b.first_ceasefire_day)
    np.testing.assert_array_equal(a.last_package, b.last_package)
    proposers = {str(p) for _, _, r in a.narrative.rounds for p in r.proposer}
    assert proposers == {"united_states"}


def test_alternating_offers_in_the_model_alternate_world_by_world(baseline):
    model = _runs(baseline, AlternatingOffers())
    by_world: dict[int, list[str]] = {}
    for _, _, record in model.narrative.rounds:
        for w, proposer in zip(record.worlds, record.proposer, strict=True):
            by_world.setdefault(int(w), []).append(str(proposer))
    assert by_world
    for sequence in by_world.values():
        expected = list(itertools.islice(itertools.cycle(["ukraine", "russia"]), len(sequence)))
        assert sequence == expected
    proposals = [r for r in model.narrative.rows if r[4] == "proposal"]
    assert proposals[0][5].startswith("Ukraine proposes: ")
