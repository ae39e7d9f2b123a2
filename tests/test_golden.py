"""The guard against silent changes: the baseline at a fixed seed and N matches its golden summary.

An optimisation must not change results. If a change of results is intended, regenerate the file
with ``.venv/bin/python tests/golden/make_golden.py`` and give the reason in the commit message.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
REL_TOL = 1e-9
#: Figures that are exactly zero in the golden run are compared with this absolute tolerance.
ABS_TOL = 1e-9


def _make_golden():
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN_DIR / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_baseline_matches_its_golden_summary():
    stored = json.loads((GOLDEN_DIR / "baseline_summary.json").read_text())
    now = _make_golden().compute()
    assert (now["worlds"], now["seed"], now["days"]) == (
        stored["worlds"],
        stored["seed"],
        stored["days"],
    )
    expected, actual = stored["figures"], now["figures"]
    changed = [
        f"  {key}: golden {expected.get(key)!r}, now {actual.get(key)!r}"
        for key in sorted(set(expected) | set(actual))
        if key not in expected
        or key not in actual
        or not math.isclose(expected[key], actual[key], rel_tol=REL_TOL, abs_tol=ABS_TOL)
    ]
    assert not changed, (
        f"the baseline's results changed ({len(changed)} of {len(expected)} golden figures):\n"
        + "\n".join(changed[:40])
        + "\nIf this change is intended, regenerate the golden file with "
        "`.venv/bin/python tests/golden/make_golden.py` and give the reason in the commit message."
    )


def test_golden_figures_see_a_changed_result():
    """The comparison is sharp enough to notice one world's outcome moving."""
    golden = _make_golden()
    from ceasefire_sim import load_scenario, simulate

    results = simulate(load_scenario(golden.SCENARIO), worlds=20, seed=3, days=40)
    before = golden.golden_figures(results)
    results.outcomes.loc[7, "control_change_km2"] += 1.0
    after = golden.golden_figures(results)
    moved = {k for k in before if before[k] != after[k]}
    assert {
        "outcomes/sum/control_change_km2",
        "outcomes/world_weighted_sum/control_change_km2",
    } <= moved
