"""Inputs of the lever audit: ``talks.enabled: false`` and the first ceasefire's terms."""

from __future__ import annotations

import numpy as np

from ceasefire_sim import load_scenario, simulate
from ceasefire_sim.validation import BASELINE


def test_talks_off_means_no_proposal_and_no_ceasefire() -> None:
    on = simulate(load_scenario(BASELINE), worlds=200, seed=3, days=60)
    off = simulate(load_scenario(BASELINE, {"talks.enabled": False}), worlds=200, seed=3, days=60)
    assert on.outcomes["first_ceasefire_day"].notna().any()  # the comparison can fail
    assert off.outcomes["first_ceasefire_day"].isna().all()
    assert (off.outcomes["days_at_war"] == 60).all()
    # The front still moves with the same noise as with talks on until a first ceasefire or a
    # threat carried out (an aid cut or sanctions move the front too).
    o = on.outcomes
    never = (
        o["first_ceasefire_day"].isna()
        & (o["threats_executed_ukraine"] == 0)
        & (o["threats_executed_russia"] == 0)
    ).to_numpy()
    assert never.sum() > 50
    np.testing.assert_array_equal(
        off.outcomes["control_km2_final"].to_numpy()[never],
        on.outcomes["control_km2_final"].to_numpy()[never],
    )


def test_first_terms_are_those_of_the_first_ceasefire() -> None:
    o = simulate(load_scenario(BASELINE), worlds=300, seed=1, days=200).outcomes
    had = o["first_ceasefire_day"].notna()
    assert (o.loc[~had, "first_terms_guarantees"] == "").all()
    assert (o.loc[had, "first_terms_guarantees"] != "").all()
    # With one ceasefire the first is the last (an expiring truce may turn indefinite).
    one = o["ceasefires"] == 1
    for issue in ("territory", "nato", "guarantees", "sanctions"):
        assert (o.loc[one, f"first_terms_{issue}"] == o.loc[one, f"terms_{issue}"]).all()
