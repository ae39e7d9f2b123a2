import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ceasefire_sim.negotiation.solutions import nash_choice
from ceasefire_sim.negotiation.space import BUILT_IN, PackageSpace


def brute_force(sa, sb):
    best, best_score = None, -np.inf
    for j in range(len(sa)):
        if sa[j] > 0 and sb[j] > 0 and sa[j] * sb[j] > best_score:
            best, best_score = j, sa[j] * sb[j]
    if best is None:
        best = int(np.argmax(np.minimum(sa, sb)))
        return best, False
    return best, True


def test_full_space_has_every_combination():
    space = PackageSpace.full()
    assert space.size == np.prod([len(o) for o in BUILT_IN.by_issue.values()]) == 972
    assert space.matrix.shape == (972, len(BUILT_IN.option_keys))
    assert np.all(space.matrix.sum(axis=1) == len(BUILT_IN.names))
    assert len({tuple(r) for r in space.choices.tolist()}) == 972


def test_restricted_space_and_lookup():
    space = PackageSpace.restricted({"territory": ["freeze"], "guarantees": ["european_force"]})
    assert space.size == 648 // 4 // 3
    row = space.index_of(
        {
            "truce": "days_30",
            "territory": "freeze",
            "nato": "moratorium",
            "guarantees": "european_force",
            "sanctions": "lifted",
            "aid_during_truce": "frozen",
        }
    )
    assert space.describe(row)["nato"] == "moratorium"
    other = space.with_option(np.array([row]), "truce", "indefinite")[0]
    assert space.describe(other) == {**space.describe(row), "truce": "indefinite"}
    assert space.with_option(np.array([row]), "territory", "recognition")[0] == -1


def test_hand_made_nash_case():
    sa = np.array([[0.5, 0.2, 0.9, -0.1]])
    sb = np.array([[0.1, 0.4, 0.05, 0.9]])
    choice, agreeable = nash_choice(sa, sb)
    assert choice[0] == 1 and agreeable[0]  # 0.08 beats 0.05 and 0.045


def test_hand_made_no_agreement_picks_the_best_smaller_surplus():
    sa = np.array([[-0.5, 0.3, -0.05]])
    sb = np.array([[0.4, -0.2, 0.2]])
    choice, agreeable = nash_choice(sa, sb)
    assert choice[0] == 2 and not agreeable[0]


@settings(max_examples=80, deadline=None)
@given(
    hnp.arrays(float, (5, 12), elements=st.floats(-1, 1)),
    hnp.arrays(float, (5, 12), elements=st.floats(-1, 1)),
)
def test_nash_choice_equals_brute_force(sa, sb):
    choice, agreeable = nash_choice(sa, sb)
    for w in range(5):
        best, ok = brute_force(sa[w], sb[w])
        assert agreeable[w] == ok
        if ok:
            assert sa[w, choice[w]] * sb[w, choice[w]] == pytest.approx(sa[w, best] * sb[w, best])
        else:
            assert min(sa[w, choice[w]], sb[w, choice[w]]) == pytest.approx(
                min(sa[w, best], sb[w, best])
            )


def test_feasibility_mask_excludes_packages():
    sa = np.array([[0.5, 0.4]])
    sb = np.array([[0.5, 0.4]])
    choice, _ = nash_choice(sa, sb, feasible=np.array([False, True]))
    assert choice[0] == 1


def test_territory_lines():
    parameters = {
        "territory.four_oblasts_unheld_km2": 20_000.0,
        "territory.donetsk_unheld_km2": 8_000.0,
        "territory.line_2022_km2": 43_000.0,
    }
    lines = BUILT_IN.lines_km2(np.array([100_000.0]), parameters.get)
    assert lines.tolist() == [[100_000.0, 100_000.0, 120_000.0, 43_000.0, 108_000.0, 100_000.0]]


def test_option_keys_cover_every_issue_option():
    assert set(BUILT_IN.option_keys) == {
        f"{i}.{o}" for i, opts in BUILT_IN.by_issue.items() for o in opts
    }
    assert len(list(itertools.chain(*BUILT_IN.by_issue.values()))) == len(BUILT_IN.option_keys)
