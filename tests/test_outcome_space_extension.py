"""An option is added by data only: a fourth truce option and a fifth territory option.

The scenario's ``outcome_space`` section adds the options, each side's ``preferences.values`` gives
them values that make them both sides' best, the truce option has its hazard ratio; nothing else
changes. The schema, the model, the compiled search and the results then carry them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ceasefire_sim import CeasefireModel, ScenarioError
from ceasefire_sim.scenario.loader import load_scenario
from tests.conftest import BASELINE

#: The new options, as a scenario writes them (YAML in a file; a mapping of overrides here).
ADDED = {
    "outcome_space": {
        "truce": {"days_180": {"label": "180-day truce", "days": 180}},
        "territory": {
            "demilitarised_zone": {
                "label": "demilitarised zone along the line",
                "line": "keep",
                "hazard_ratio": 0.9,
            }
        },
    },
    # As durable as an indefinite ceasefire (0.5), so the sides' values of it decide.
    "truce.hazard_ratio_type.days_180": 0.5,
}
VALUES = {
    f"belligerents.{side}.preferences.values.{key}": 1.0
    for side in ("ukraine", "russia")
    for key in ("truce.days_180", "territory.demilitarised_zone")
}


def _extended(**more):
    return load_scenario(BASELINE, {**ADDED, **VALUES, **more})


def test_the_new_options_are_on_the_table():
    scenario = _extended()
    model = CeasefireModel(scenario, worlds=2, seed=1, days=1)
    outcome = model.space.outcome
    assert outcome.by_issue["truce"][-1] == "days_180" and len(outcome.by_issue["truce"]) == 4
    assert len(outcome.by_issue["territory"]) == 7
    assert model.space.size == 4 * 7 * 3 * 3 * 3 * 2
    assert outcome.label("territory.demilitarised_zone") == "demilitarised zone along the line"
    assert model.deal_lines_km2().shape == (2, 7)
    assert model.params["outcome_space.territory.demilitarised_zone.hazard_ratio"] == 0.9


def test_new_options_that_both_sides_value_most_are_agreed():
    # Settlement terms (neutrality, a moratorium, sanctions lifted) belong to a lasting agreement,
    # and a red line a truce carries costs in proportion to how long it holds. With only the terms
    # a fixed-term truce can carry on the table and no red line on the NATO status quo, the two
    # sides' best options make the deal.
    table = {
        "talks.options_on_table": {"nato": ["path_open"], "sanctions": ["maintained"]},
        "belligerents.russia.preferences.red_lines": ["territory.freeze"],
    }
    model = CeasefireModel(_extended(**table), worlds=500, seed=1, days=60)
    model.run()
    deals = model.ever_ceasefire
    assert deals.sum() >= 50
    terms = [model.space.describe(int(r)) for r in model.last_package[deals]]
    truce = np.mean([t["truce"] == "days_180" for t in terms])
    territory = np.mean([t["territory"] == "demilitarised_zone" for t in terms])
    assert truce >= 0.9 and territory >= 0.9, (truce, territory, deals.sum())


def test_an_option_without_values_is_an_error_naming_it():
    with pytest.raises(ScenarioError, match=r"no value for option truce\.days_180"):
        load_scenario(BASELINE, ADDED)


def test_validate_exits_2_naming_the_option_without_values(tmp_path):
    scenario = tmp_path / "added.yaml"
    scenario.write_text(
        f"extends: {BASELINE}\n"
        "outcome_space:\n"
        "  sanctions:\n"
        "    snapback: {label: sanctions relief with snapback}\n"
    )
    done = subprocess.run(
        [str(Path(sys.executable).with_name("ceasefire-sim")), "validate", str(scenario)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "sanctions.snapback" in done.stdout + done.stderr


def test_a_new_territory_option_needs_its_line():
    bad = {"outcome_space": {"territory": {"somewhere": {"label": "somewhere"}}}}
    with pytest.raises(ScenarioError, match="give its line"):
        load_scenario(BASELINE, bad)
