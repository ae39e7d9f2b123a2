"""The history cases (scenarios/history/): only the documented state differs from the baseline.

A case may set: start_date, horizon_days, territory.*, force and economy levels, the war's costs
so far, the mediator's identity, aid and leverage, talks.options_on_table (and the initial
proposal on it: the baseline's Jeddah proposal of March 2025 did not exist before), events, and the
sides' stated positions on options (values with a dated source; red lines). Everything behavioural (the
front's constants, beliefs, tolerances, red-line penalties, the truce's hazards, ...) is the
baseline's.
"""

from __future__ import annotations

import csv
import fnmatch
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ceasefire_sim import load_scenario
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.plots.history import history_figure
from ceasefire_sim.scenario.loader import unsourced_problems
from ceasefire_sim.scenario.params import Param
from ceasefire_sim.scenario.yamlio import load_yaml
from ceasefire_sim.validation import Check
from ceasefire_sim.validation.history import (
    CASES,
    CASES_DIR,
    SECTION,
    failure_reasons,
    history_checks,
    history_criteria,
    history_csv,
    recommitment_starts,
    run_history,
)
from tests.conftest import BASELINE

CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))

#: The keys a case may set (fnmatch patterns on dotted paths; ``*`` matches one segment).
ALLOWED = (
    # metadata
    "extends",
    "name",
    "description",
    # dates
    "start_date",
    "horizon_days",
    # territory
    "territory.*",
    # force and economy levels
    "belligerents.*.personnel",
    "belligerents.*.materiel_bn",
    "belligerents.*.recruitment_per_day",
    "belligerents.*.casualties_per_day",
    "belligerents.*.gdp_bn",
    "belligerents.*.defence_share_pct",
    "belligerents.*.procurement_share",
    # accumulated costs
    "belligerents.*.casualties_before_start",
    # the sides' stated positions on options
    "belligerents.*.preferences.values.*.*",
    "belligerents.*.preferences.red_lines",
    # the mediator's identity, aid and leverage
    "mediator.name",
    "mediator.aid_bn_per_year",
    "mediator.aid_before_start_bn_per_year",
    "mediator.aid_paused",
    "mediator.leverage_on_ukraine",
    "mediator.leverage_on_russia",
    "mediator.sanctions_pressure",
    "mediator.engaged",
    "alliance.aid_share_gdp_pct",
    # what is on the table, and dated events
    "talks.options_on_table.*",
    # the baseline's proposal on the table (Jeddah, 11 Mar 2025) did not exist before 2025
    "talks.initial_proposal",
    # limited truces: which scopes were on the table, the campaigns' scale, the holidays
    "partial_truces.scopes.*.on_table",
    "partial_truces.channels.*.intensity",
    "partial_truces.holidays",
    "events",
)
_NUMBER_KEYS = frozenset(Param.model_fields)


def _is_number(node: Any) -> bool:
    """A number written with its evidence or as a distribution (a leaf, not a section)."""
    return (
        isinstance(node, dict) and ("value" in node or "dist" in node) and set(node) <= _NUMBER_KEYS
    )


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted path -> leaf value of a scenario document (numbers with evidence and lists whole)."""
    if isinstance(node, dict) and not _is_number(node):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: node}


def _value(leaf: Any) -> Any:
    return leaf.get("value", leaf) if _is_number(leaf) else leaf


def _allowed(path: str) -> bool:
    return any(
        path.count(".") == pattern.count(".") and fnmatch.fnmatchcase(path, pattern)
        for pattern in ALLOWED
    )


def test_every_case_of_the_validation_has_its_file():
    assert sorted(name for name, _ in CASES.values()) == [p.name for p in CASE_FILES]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_a_case_sets_only_the_documented_state(path: Path):
    case, _ = load_yaml(path)
    base, _ = load_yaml(BASELINE)
    assert case.get("extends") == "../white_house_2025-03-13.yaml"
    flat_case, flat_base = flatten(case), flatten(base)
    outside = sorted(p for p in flat_case if not _allowed(p))
    assert not outside, f"{path.name} sets keys outside the documented state: {outside}"
    changed = [
        p for p in flat_case if p not in flat_base or _value(flat_case[p]) != _value(flat_base[p])
    ]
    assert changed, f"{path.name} changes nothing"
    assert all(_allowed(p) for p in changed)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_a_sides_option_value_carries_a_dated_source(path: Path):
    flat, _ = load_yaml(path)
    values = {p: v for p, v in flatten(flat).items() if ".preferences.values." in p}
    for p, leaf in values.items():
        assert _is_number(leaf) and (leaf.get("source") or leaf.get("quote")), (
            f"{path.name}: {p} states a side's position: give the dated source"
        )


def test_the_flattening_sees_a_behavioural_key():
    document = {
        "front": {"defender_advantage": {"value": 0.6, "assumption": "x"}},
        "belligerents": {"russia": {"belief": {"prior_mean_km2_per_day": 3.0}}},
        "territory": {"control_km2": 1.0},
    }
    flat = flatten(document)
    assert set(flat) == {
        "front.defender_advantage",
        "belligerents.russia.belief.prior_mean_km2_per_day",
        "territory.control_km2",
    }
    assert [p for p in flat if not _allowed(p)] == [
        "front.defender_advantage",
        "belligerents.russia.belief.prior_mean_km2_per_day",
    ]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_a_case_starts_before_the_baseline_and_runs(path: Path):
    scenario = load_scenario(path)
    assert unsourced_problems(scenario) == []  # what validate --strict adds
    assert scenario.start_date.year < 2025
    model = CeasefireModel(scenario, worlds=20, seed=1, days=15, narrative_worlds=0)
    model.run()
    assert np.all(np.isfinite(model.control_km2))


def test_us_aid_before_the_start_fills_the_pipeline_and_is_what_a_shortfall_is_measured_against():
    scenario = load_scenario(BASELINE)

    def day_one(before: float) -> CeasefireModel:
        model = CeasefireModel(
            scenario,
            worlds=4,
            seed=1,
            days=1,
            overrides={"mediator.aid_before_start_bn_per_year": before},
        )
        model.run()
        return model

    low, high = day_one(0.0), day_one(22.0)
    assert np.all(low.mediator.aid_delivered_bn_per_year < high.mediator.aid_delivered_bn_per_year)
    # With 22 committed and none before the start, there is no shortfall to compensate.
    assert np.all(low.us_aid_baseline_bn_per_year == 0.0)
    assert np.all(
        low.allied_aid_delivered_bn_per_year <= high.allied_aid_delivered_bn_per_year + 1e-12
    )


def test_the_recommitment_starts_are_the_dated_truces_after_minsk_ii():
    starts = recommitment_starts()
    assert len(starts) == 14
    assert starts[0].isoformat() == "2015-09-01" and starts[-1].isoformat() == "2020-07-27"


def test_the_history_run_gives_a_row_per_case_with_figures_in_range():
    results = run_history(worlds=140, seed=3)
    assert [r.case for r in results] == list(CASES)
    for r in results:
        assert r.verdict in ("pass", "fail")
        for key, value in r.figures.items():
            if key.startswith("p_") or key in ("both_expect_gains",):
                assert 0.0 <= value <= 1.0 or np.isnan(value), (r.case, key, value)
    checks = history_checks(results)
    assert {c.section for c in checks} == {SECTION}
    rows = list(csv.reader(io.StringIO(history_csv(checks))))
    assert rows[0] == ["case", "band", "model", "verdict"]
    assert [row[0] for row in rows[1:]] == list(CASES)
    assert {row[3] for row in rows[1:]} <= {"pass", "fail"}
    criteria = history_criteria(checks)
    assert len(criteria) == 12
    assert history_figure(criteria) is not None
    # Every failing figure is explained, and no passing one is.
    reasons = failure_reasons(checks)
    failing = [
        row
        for row in criteria
        if not (
            np.isfinite(row["value"])
            and (row["low"] is None or row["value"] >= row["low"])
            and (row["high"] is None or row["value"] <= row["high"])
        )
    ]
    assert len(reasons) == len(failing)
    assert all("Outside its band" not in line for line in reasons)


def test_a_failing_figure_is_explained_and_a_passing_case_is_not():
    check = Check(
        SECTION,
        "Minsk I",
        "m",
        "b",
        False,
        data={"p_agree_14": 0.9, "median_collapse_days": 10.0},
    )
    lines = failure_reasons([check])
    assert len(lines) == 1 and "median time to collapse" in lines[0]
    good = Check(
        SECTION, "Minsk I", "m", "b", True, data={"p_agree_14": 0.9, "median_collapse_days": 100.0}
    )
    assert failure_reasons([good]) == []
