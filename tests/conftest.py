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
