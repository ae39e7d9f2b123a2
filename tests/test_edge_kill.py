"""``run --out DIR`` killed with SIGKILL at 20 seeded random moments: DIR is as it was or complete."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ceasefire_sim.errors import InputError
from ceasefire_sim.results import Results

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "white_house_2025-03-13.yaml"
KILLS = 20


def _run(out: Path, seed: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "ceasefire_sim.cli", "run", str(BASELINE)),
            *("-n", "3000", "-d", "40", "-s", str(seed), "-o", str(out)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_edge_sigkill_leaves_the_old_folder_or_the_new_one(tmp_path):
    out = tmp_path / "results"
    first = _run(out, seed=100)
    started = time.monotonic()
    assert first.wait(timeout=300) == 0
    duration = time.monotonic() - started
    rng = random.Random(7)
    outcomes = {"old": 0, "new": 0}
    for kill in range(KILLS):
        before = Results.load(out)
        seed = 200 + kill
        process = _run(out, seed)
        # Moments over the whole run, saving included (the save is the last fifth or so).
        time.sleep(rng.uniform(0.2, 1.6) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        after = Results.load(out)  # never a mix: the files match the manifest
        if after.manifest["seed"] == seed:
            outcomes["new"] += 1
            assert len(after.outcomes) == 3000 and after.manifest["days"] == 40
        else:
            outcomes["old"] += 1
            assert after.manifest == before.manifest
            assert after.outcomes.equals(before.outcomes)
    print(outcomes)
    # A file that does not match the manifest is refused.
    daily = out / "daily.parquet"
    data = bytearray(daily.read_bytes())
    data[len(data) // 2] ^= 0xFF
    daily.write_bytes(bytes(data))
    with pytest.raises(InputError, match="daily"):
        Results.load(out)
