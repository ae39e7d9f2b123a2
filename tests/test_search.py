"""The compiled package search chooses what ``nash_choice`` chooses over the surplus matrices."""

from __future__ import annotations

import numpy as np
import pytest

from ceasefire_sim.negotiation import preferences as talks
from ceasefire_sim.negotiation import search
from ceasefire_sim.negotiation.solutions import nash_choice
from ceasefire_sim.negotiation.space import (
    BUILT_IN,
    Issue,
    LineRule,
    Option,
    OutcomeSpace,
    PackageSpace,
)
from tests.test_fast_paths import _lines, _side

#: The built-in space with a fourth truce and a fifth territory option, added by data only.
EXTENDED = BUILT_IN.extended(
    {
        "truce": {"days_180": {"label": "180-day truce", "days": 180}},
        "territory": {"line_km2": {"label": "a fixed line", "line": "km2", "km2": 90_000.0}},
    }
)
#: A hand-made space of two issues with three options each.
SMALL = OutcomeSpace(
    (
        Issue("truce", tuple(Option(f"t{d}", f"{d} days", days=d) for d in (10, 60, 400))),
        Issue(
            "territory",
            (
                Option("keep", "keep", line=LineRule("keep")),
                Option("back", "back", line=LineRule("line_2022")),
                Option("fixed", "fixed", line=LineRule("km2", km2=100_000.0)),
            ),
        ),
    )
)
SPACES = {
    "full": PackageSpace.full(),
    "restricted": PackageSpace.restricted(
        {"territory": ["freeze", "russia_withdraws"], "truce": ["days_90", "indefinite"]}
    ),
    "extended": PackageSpace.full(EXTENDED),
    "extended_restricted": PackageSpace.restricted(
        {"truce": ["days_180", "days_30"], "territory": ["line_km2", "freeze"]}, EXTENDED
    ),
    "two_issues": PackageSpace.full(SMALL),
}


def _case(space: PackageSpace, n: int, seed: int, bonus_shape: str, offset: float = 0.0):
    """Both sides over ``n`` worlds, with the search's inputs and the matrices ``nash_choice`` takes."""
    rng = np.random.default_rng(seed)
    k = len(space.outcome.option_keys)
    a, b = _side(rng, n, -1.0, k), _side(rng, n, 1.0, k)
    control = rng.uniform(100_000, 120_000, n)
    lines = _lines(control, space)
    terms_a = talks.territory_terms(a, space, control, lines)
    terms_b = talks.territory_terms(b, space, control, lines)
    # Worlds from no agreeable package at all to many.
    shift_a = rng.normal(0, 1, n) + np.linspace(-4, 2, n) + offset
    shift_b = rng.normal(0, 1, n) + np.linspace(-4, 2, n) + offset
    seen_a = talks.surplus_of_all(a, space, control, lines, terms=terms_a) + shift_a[:, None]
    seen_b = talks.surplus_of_all(b, space, control, lines, terms=terms_b) + shift_b[:, None]
    table = rng.random((3, space.size)) < 0.7
    table[2] = False  # a variant where nothing can be proposed
    row = rng.integers(0, 3, n)
    bonus = {
        "none": np.zeros(space.size),
        "row": rng.normal(0, 0.5, space.size),
        "matrix": rng.normal(0, 0.5, (n, space.size)),
    }[bonus_shape]
    factor = np.exp(np.atleast_2d(bonus))
    inputs = (a, b, terms_a, terms_b, shift_a, shift_b, table, row, factor)
    return inputs, (seen_a, seen_b, table[row], bonus)


def _search(space: PackageSpace, inputs) -> tuple[np.ndarray, np.ndarray]:
    a, b, terms_a, terms_b, shift_a, shift_b, table, row, factor = inputs
    return search.choose(
        search.SearchLayout.of(space),
        a.option_utility,
        a.war_issues,
        terms_a,
        shift_a,
        b.option_utility,
        b.war_issues,
        terms_b,
        shift_b,
        table,
        row,
        factor,
    )


@pytest.mark.parametrize("space_name", SPACES)
@pytest.mark.parametrize("bonus_shape", ["none", "row", "matrix"])
@pytest.mark.parametrize("n", [1, 7, 129, 600])
def test_search_chooses_as_nash_choice(space_name, bonus_shape, n):
    space = SPACES[space_name]
    inputs, (seen_a, seen_b, feasible, bonus) = _case(space, n, seed=n, bonus_shape=bonus_shape)
    choice, agreeable = _search(space, inputs)
    expected_choice, expected_agreeable = nash_choice(seen_a, seen_b, feasible, bonus)
    np.testing.assert_array_equal(agreeable, expected_agreeable)
    np.testing.assert_array_equal(choice, expected_choice)
    assert choice.dtype.kind == "i" and choice.shape == (n,)
    if n == 600:
        # The cases cover agreeable worlds, fallback worlds and worlds with nothing feasible.
        assert 0.1 < agreeable.mean() < 0.9
        assert not agreeable[inputs[7] == 2].any()


def test_search_picks_the_largest_nash_product_by_brute_force():
    space = SPACES["full"]
    inputs, (seen_a, seen_b, feasible, bonus) = _case(space, 200, seed=5, bonus_shape="row")
    choice, agreeable = _search(space, inputs)
    for i in np.flatnonzero(agreeable):
        ok = (seen_a[i] > 0) & (seen_b[i] > 0) & feasible[i]
        score = np.where(ok, np.log(np.where(ok, seen_a[i] * seen_b[i], 1.0)) + bonus, -np.inf)
        assert score[choice[i]] == pytest.approx(score.max(), rel=1e-12)
        assert ok[choice[i]]
    for i in np.flatnonzero(~agreeable & feasible.any(axis=1)):
        smaller = np.where(feasible[i], np.minimum(seen_a[i], seen_b[i]), -np.inf)
        assert smaller[choice[i]] == smaller.max()


def test_an_outcome_space_starts_with_truce_and_territory():
    with pytest.raises(ValueError, match="starts with the issues truce and territory"):
        OutcomeSpace(tuple(reversed(BUILT_IN.issues)))


def test_the_layout_follows_the_space_not_fixed_sizes():
    layout = search.SearchLayout.of(SPACES["extended"])
    assert layout.counts.tolist() == [4, 7, 3, 3, 3, 2]
    assert search.SearchLayout.of(SPACES["two_issues"]).counts.tolist() == [3, 3]


@pytest.mark.parametrize("bonus_shape", ["row", "matrix"])
def test_search_of_some_rows_in_place_is_the_search_of_their_copies(bonus_shape):
    """``rows``: the worlds read their inputs' rows in place, as if those rows were copied."""
    space = SPACES["full"]
    a, b, terms_a, terms_b, shift_a, shift_b, table, row, factor = _case(
        space, 300, 9, bonus_shape
    )[0]
    rng = np.random.default_rng(3)
    some = np.sort(rng.choice(300, 120, replace=False))
    hold_a, hold_b = rng.uniform(0.2, 1.0, (2, 300, 3, 3))
    layout = search.SearchLayout.of(space)
    bonus = factor[some] if bonus_shape == "matrix" else factor
    copied = search.choose(
        layout,
        a.option_utility[some],
        a.war_issues[some],
        terms_a[some],
        shift_a[some],
        b.option_utility[some],
        b.war_issues[some],
        terms_b[some],
        shift_b[some],
        table,
        row[some],
        bonus,
        hold_a[some],
        hold_b[some],
        0.3,
        np.full(len(some), 0.2),
    )
    in_place = search.choose(
        layout,
        a.option_utility,
        a.war_issues,
        terms_a,
        shift_a,
        b.option_utility,
        b.war_issues,
        terms_b,
        shift_b,
        table,
        row[some],
        bonus,
        hold_a,
        hold_b,
        0.3,
        0.2,
        rows=some,
    )
    np.testing.assert_array_equal(in_place[0], copied[0])
    np.testing.assert_array_equal(in_place[1], copied[1])
