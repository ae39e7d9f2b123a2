"""The acceptance checks of a fit (``make calibrate-check``) and of a backtest.

``python -m ceasefire_sim.calibration.acceptance DIAGNOSTICS.json`` (a fit: ESS, shrinkage,
predictive coverage) or ``... BACKTEST/summary.json`` (a backtest: coverage of the 90%
intervals, CRPS against climatology and persistence, per series) prints one line per check and
exits 1 if any fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

#: Least effective sample size of the final population.
MIN_ESS = 500.0
#: The gain scale and the regime parameters (the Markov-switching phases, their intensities
#: and the season) must shrink to this share of their prior s.d.
MAX_SD_RATIO = 0.8
SHRUNK = (
    "front.initial_gain_km2_per_month",
    "front.offensive_days",
    "front.consolidation_days",
    "front.consolidation_tempo",
    "front.phase_intensity_sd",
    "front.seasonal_amplitude",
)
#: The 90% posterior-predictive band must hold this share of the observed months.
COVERAGE = (0.80, 0.98)
#: A backtest's mean CRPS may exceed persistence's by at most this factor.
PERSISTENCE_FACTOR = 1.10


def checks(diagnostics: dict[str, Any]) -> list[tuple[str, bool]]:
    """``(text, passed)`` for each acceptance check of a fit's diagnostics."""
    out = []
    ess = diagnostics["effective_sample_size"]
    out.append((f"effective sample size {ess:.0f} (at least {MIN_ESS:.0f})", ess >= MIN_ESS))
    for name in SHRUNK:
        entry = diagnostics["parameters"].get(name)
        if entry is None:
            out.append((f"{name} is not fitted", False))
            continue
        ratio = entry["sd_ratio"]
        out.append(
            (
                f"{name}: posterior s.d. {ratio:.2f} x prior (at most {MAX_SD_RATIO})",
                ratio <= MAX_SD_RATIO,
            )
        )
    coverage = diagnostics["predictive"]["gain_coverage_90"]
    months = diagnostics["predictive"]["gain_months"]
    out.append(
        (
            f"90% posterior-predictive band holds {coverage:.0%} of {months} tracker months "
            f"({COVERAGE[0]:.0%}-{COVERAGE[1]:.0%})",
            COVERAGE[0] <= coverage <= COVERAGE[1],
        )
    )
    return out


def backtest_checks(summary: dict[str, Any]) -> list[tuple[str, bool]]:
    """``(text, passed)`` for each acceptance check of a backtest's ``summary.json``.

    For each series: its 90% intervals hold 80-98% of the forecast months; its mean CRPS is at
    most climatology's and at most :data:`PERSISTENCE_FACTOR` times persistence's.
    """
    out = []
    for series, s in summary.items():
        coverage = s["coverage_90"]
        out.append(
            (
                f"{series}: 90% intervals hold {coverage:.0%} of {s['months']} forecast months "
                f"({COVERAGE[0]:.0%}-{COVERAGE[1]:.0%})",
                COVERAGE[0] <= coverage <= COVERAGE[1],
            )
        )
        out.append(
            (
                f"{series}: mean CRPS {s['crps']:.4g}, climatology {s['crps_climatology']:.4g} "
                "(at most climatology)",
                s["crps"] <= s["crps_climatology"],
            )
        )
        ratio = s["crps"] / s["crps_persistence"]
        out.append(
            (
                f"{series}: mean CRPS {ratio:.2f} x persistence's {s['crps_persistence']:.4g} "
                f"(at most {PERSISTENCE_FACTOR:.2f})",
                ratio <= PERSISTENCE_FACTOR,
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the checks of a fit's diagnostics or a backtest's summary; 0 if all pass, else 1."""
    args = sys.argv[1:] if argv is None else argv
    document = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    results = checks(document) if "effective_sample_size" in document else backtest_checks(document)
    for text, passed in results:
        print(f"{'pass' if passed else 'FAIL'}  {text}")
    return 0 if all(passed for _, passed in results) else 1


if __name__ == "__main__":
    sys.exit(main())
