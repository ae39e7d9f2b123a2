"""The compiled package search chooses what ``nash_choice`` chooses over the surplus matrices."""

from __future__ import annotations

import numpy as np
import pytest

from ceasefire_sim.model import packages, search, talks
from ceasefire_sim.model.packages import PackageSpace, nash_choice
from tests.test_fast_paths import _side

SPACES = {
    "full": PackageSpace.full(),
    "restricted": PackageSpace.restricted(
        {"territory": ["freeze", "russia_withdraws"], "truce": ["days_90", "indefinite"]}
    ),
}


def _case(space: PackageSpace, n: int, seed: int, bonus_shape: str, offset: float = 0.0):
    """Both sides over ``n`` worlds, with the search's inputs and the matrices ``nash_choice`` takes."""
    rng = np.random.default_rng(seed)
    a, b = _side(rng, n, -1.0), _side(rng, n, 1.0)
    control = rng.uniform(100_000, 120_000, n)
    lines = packages.territory_line_km2(control, 23_000.0, 43_000.0)
    terms_a = talks.territory_terms(a, control, lines)
    terms_b = talks.territory_terms(b, control, lines)
    # Worlds from no agreeable package at all to many.
    shift_a = rng.normal(0, 1, n) + np.linspace(-4, 2, n) + offset
    shift_b = rng.normal(0, 1, n) + np.linspace(-4, 2, n) + offset
    seen_a = talks.surplus_of_all(a, space, terms_a) + shift_a[:, None]
    seen_b = talks.surplus_of_all(b, space, terms_b) + shift_b[:, None]
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


def test_search_layout_refuses_a_space_in_another_order():
    reordered = PackageSpace(tuple(reversed(PackageSpace.full().options)))
    with pytest.raises(ValueError, match="six issues"):
        search.SearchLayout.of(reordered)
