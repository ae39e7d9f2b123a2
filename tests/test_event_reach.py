"""Every value a dated event may set is read by the model after day 0 (or events refuse it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ceasefire_sim.model import store
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.model.store import ALLY_DEFAULTED
from ceasefire_sim.scenario.loader import day0_reason, load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "white_house_2025-03-13.yaml"


def test_every_value_an_event_may_set_is_read_after_day_0(monkeypatch):
    read_late: set[str] = set()
    day = {"now": 0}

    def tracking(method):
        def wrapper(self, path, *args):
            if day["now"] > 0:
                read_late.add(path)
            return method(self, path, *args)

        return wrapper

    for name in ("__getitem__", "column", "get"):
        monkeypatch.setattr(store.ParamStore, name, tracking(getattr(store.ParamStore, name)))
    model = CeasefireModel(load_scenario(BASELINE), worlds=200, seed=0, days=120)
    while model.running:
        day["now"] = model.day + 1
        # As an event would: a write that every cache of a parameter must notice.
        model.params.version += 1
        model.step()
    inherited = {f"alliance.{field}" for field in ALLY_DEFAULTED}  # copied to every ally
    unread = [
        path
        for path in model.params.paths()
        if path not in read_late and path not in inherited and day0_reason(path) is None
    ]
    assert unread == []


def test_an_event_on_the_allies_pledges_changes_the_reassurance_force(tmp_path):
    scenario = load_scenario(
        BASELINE,
        {
            "events": [
                {
                    "date": "2025-03-20",
                    "set": {"allies.*.willingness": 1.0, "allies.*.reassurance_troops": 5000},
                    "assumption": "every ally pledges",
                }
            ]
        },
    )
    model = CeasefireModel(scenario, worlds=100, seed=2, days=10)
    before = np.asarray(model.alliance.reassurance_available()).copy()
    model.run()
    after = np.asarray(model.alliance.reassurance_available())
    assert not before.all() and after.all()


@pytest.mark.parametrize("path", ["territory.control_km2", "front.reference.russia_personnel"])
def test_an_event_on_day_0_state_is_refused(path):
    from ceasefire_sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="day-0 state"):
        load_scenario(
            BASELINE,
            {"events": [{"date": "2025-04-01", "set": {path: 1000}, "assumption": "x"}]},
        )
