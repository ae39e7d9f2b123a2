from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire_sim import load_scenario, simulate

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "white_house_2025-03-13.yaml"


@pytest.fixture(scope="session")
def baseline():
    return load_scenario(BASELINE)


@pytest.fixture(scope="session")
def baseline_2000(baseline):
    """The baseline over 2000 worlds, seed 1 (the acceptance run)."""
    return simulate(baseline, worlds=2000, seed=1)


@pytest.fixture(scope="session")
def baseline_300(baseline):
    """The baseline over 300 worlds, seed 1: about a third reach a ceasefire within the year."""
    return simulate(baseline, worlds=300, seed=1)


@pytest.fixture(scope="module")
def run_dir(baseline_300, tmp_path_factory):
    """:func:`baseline_300` saved in a folder of each test module's own."""
    return baseline_300.save(tmp_path_factory.mktemp("run") / "baseline")
