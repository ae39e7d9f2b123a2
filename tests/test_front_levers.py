"""Day-0 levers of the front: a change on day 0 and the same change as a day-1 event.

The front's constants come from the reference state (``front.reference``), so a change of US aid,
of Ukraine's materiel or of Russia's defence budget moves the front whether it is made on day 0
or by an event on day 1. Paired comparisons with common random numbers (2,000 worlds, seed 1,
talks off): B - A of each world's Russian gain at 365 days, with a normal interval of the mean.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from ceasefire_sim import load_scenario, simulate
from ceasefire_sim.scenario.schema import EventConfig
from ceasefire_sim.validation import BASELINE

WORLDS = 2000
SEED = 1
Z = 1.959964

#: lever -> (path, day-0 value of A or None for the baseline's, how B changes it, by how much)
LEVERS = {
    "US aid 22 -> 0": ("mediator.aid_bn_per_year", None, "set", 0.0),
    "Ukraine's materiel x 0.5": ("belligerents.ukraine.materiel_bn", None, "scale", 0.5),
    "Russia's defence share 4% -> 7%": ("belligerents.russia.defence_share_pct", 4.0, "set", 7.0),
}


def _gain(scenario) -> np.ndarray:
    run = simulate(scenario, worlds=WORLDS, seed=SEED, days=365, narrative_worlds=0)
    return run.outcomes["control_change_km2"].to_numpy()


def paired_effect(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``b - a`` per world and its 95% normal interval."""
    d = b - a
    mean = float(d.mean())
    half = Z * float(d.std(ddof=1)) / np.sqrt(len(d))
    return mean, mean - half, mean + half


def lever_effects(path: str, base: float | None, verb: str, value: float) -> dict[str, tuple]:
    """The day-0 and day-1 effects of one lever on Russian gains at 365 days (km²)."""
    off = {"talks.enabled": False}
    if base is not None:
        off[path] = base
    a = load_scenario(BASELINE, off)
    start = a.start_date
    if verb == "set":
        day0 = load_scenario(BASELINE, {**off, path: value})
    else:
        day0 = load_scenario(BASELINE, {**off, path: _scaled(a, path, value)})
    event = EventConfig(
        date=start + dt.timedelta(days=1),
        note=f"{path} {verb} {value}",
        assumption="a lever of the audit",
        **{verb: {path: value}},
    )
    day1 = a.model_copy(update={"events": [*a.events, event]})
    gain_a = _gain(a)
    return {
        "day 0": paired_effect(gain_a, _gain(day0)),
        "day 1": paired_effect(gain_a, _gain(day1)),
    }


def _scaled(scenario, path: str, factor: float) -> float:
    node = scenario
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node.mean_value() * factor


@pytest.mark.parametrize("lever", list(LEVERS))
def test_a_day_0_lever_moves_the_front_as_the_same_day_1_event(lever):
    effects = lever_effects(*LEVERS[lever])
    (m0, lo0, hi0), (m1, lo1, hi1) = effects["day 0"], effects["day 1"]
    # Both raise Russia's gains: less aid, less materiel, more Russian spending.
    assert lo0 > 0 and lo1 > 0, effects
    # A meaningful effect, not a rounding: at least 100 km² in a year.
    assert m0 > 100 and m1 > 100, effects
    # The two effects agree within their intervals.
    assert lo0 <= hi1 and lo1 <= hi0, effects
