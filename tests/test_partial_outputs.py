"""Limited truces in the outputs: columns, daily shares, narrative and summary rows."""

from __future__ import annotations

import numpy as np

from ceasefire_sim.negotiation.scopes import LIMITED_NAMES


def test_the_limited_truce_columns_exist_and_agree(baseline_300):
    o = baseline_300.outcomes
    for column in ("first_partial_truce_day", "first_partial_truce_scope", "partial_truces"):
        assert column in o
    for scope in LIMITED_NAMES:
        assert f"partial_days_{scope}" in o
    first = o["first_partial_truce_day"].to_numpy(dtype=float)
    count = o["partial_truces"].to_numpy()
    assert o["first_partial_truce_day"].dtype == float
    assert np.array_equal(np.isnan(first), count == 0)
    assert (o.loc[count == 0, "first_partial_truce_scope"] == "").all()
    assert set(o.loc[count > 0, "first_partial_truce_scope"]) <= set(LIMITED_NAMES)
    # The first truce's scope is the one whose first day is the first.
    for scope in LIMITED_NAMES:
        rows = (o["first_partial_truce_scope"] == scope).to_numpy()
        assert np.array_equal(o.loc[rows, f"first_partial_day_{scope}"], first[rows])


def test_worlds_with_only_limited_truces_have_no_first_ceasefire_day(baseline_300):
    o = baseline_300.outcomes
    only_limited = (o["partial_truces"] > 0) & (o["ceasefires"] == 0)
    assert only_limited.any()
    assert o.loc[only_limited, "first_ceasefire_day"].isna().all()


def test_daily_shares_per_scope_match_the_days_in_force(baseline_300):
    d, o = baseline_300.daily, baseline_300.outcomes
    for scope in LIMITED_NAMES:
        share = d[f"share_partial_{scope}"].to_numpy()
        assert ((share >= 0) & (share <= 1)).all()
        # Days in force are counted on each day a truce holds from the day after it began.
        assert np.isclose(share[:-1].sum() * len(o), o[f"partial_days_{scope}"].sum())


def test_the_narrative_tells_limited_truces(baseline_300):
    kinds = set(baseline_300.events["kind"])
    assert {"limited_proposal", "limited_truce"} <= kinds


def test_summary_has_limited_truce_rows_by_scope(baseline_300):
    summary = baseline_300.summary()
    labels = set(summary["metric"])
    for day in (30, 90, 365):
        assert f"P(limited truce by day {day})" in labels
        assert f"P(halt to strikes on energy infrastructure by day {day})" in labels
        assert f"P(holiday truce by day {day})" in labels
    row = summary.set_index("metric").loc["P(limited truce by day 365)"]
    o = baseline_300.outcomes
    assert np.isclose(row["estimate"], np.mean(o["first_partial_truce_day"] <= 365))
