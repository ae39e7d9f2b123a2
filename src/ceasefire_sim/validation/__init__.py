"""Validation of the model: theory checks, calibration against sourced data, and sensitivity.

``ceasefire-sim validation-report --out docs/validation.md`` (``make validate``) runs the four
sections and writes the report with its figures; it exits with status 1 if any *gating* check
fails (closed forms and invariants); calibration targets and levers are yardsticks, reported and
counted but never failing the command. Each section is a module of plain functions returning
:class:`Check` rows:

* :mod:`~ceasefire_sim.validation.theory`: the model's pieces reproduce known results;
* :mod:`~ceasefire_sim.validation.calibration`: the baseline against every sourced target
  (docs/sources.md);
* :mod:`~ceasefire_sim.validation.sensitivity`: Sobol' indices of the headline outcomes;
* :mod:`~ceasefire_sim.validation.levers`: the lever audit, each lever low vs high, graded;
* :mod:`~ceasefire_sim.validation.history`: the war's ceasefires before 2025 replicated with the
  baseline's behavioural parameters (``scenarios/history/``);
* :mod:`~ceasefire_sim.validation.report`: runs them and renders the markdown and figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The repository root (for the baseline scenario and the docs folder).
ROOT = Path(__file__).resolve().parents[3]
#: The baseline scenario every section validates (the clone's file, else the packaged copy).
BASELINE = ROOT / "scenarios" / "white_house_2025-03-13.yaml"
if not BASELINE.is_file():
    BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / BASELINE.name


@dataclass(frozen=True)
class Check:
    """One row of the report: what the model gives, what it should give, and whether it does.

    Attributes:
        section: ``"theory"``, ``"calibration"``, ``"sensitivity"`` or ``"levers"``.
        name: What is checked, in a few words.
        model: The model's value, formatted for the table (with its interval where it has one).
        reference: The reference value or target range, formatted.
        passed: Whether the model's value meets the reference.
        detail: How the value was obtained and what the pass criterion is.
        data: The numbers behind the row (for tests and figures).
        gating: Whether the row gates ``make validate`` (a closed form or an invariant: the
            command fails if it fails) or is a yardstick (a calibration target, a lever: reported
            and counted, never failing the command).
    """

    section: str
    name: str
    model: str
    reference: str
    passed: bool
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict, compare=False)
    gating: bool = False


@dataclass(frozen=True)
class ValidationConfig:
    """Sizes and seeds of a validation run.

    The defaults are those of ``make validate`` (a few minutes on two cores); :meth:`quick` gives
    sizes small enough for the test suite, at which some statistical checks may fail.

    Attributes:
        seed: Seed of every model run and sampler.
        calibration_worlds: Worlds of the baseline run compared with the sourced targets.
        truce_worlds: Worlds of each truce-durability run.
        theory_worlds: Worlds of the model-based theory checks.
        survival_worlds: Independent truces in the constant-hazard check.
        sobol_base: Saltelli base sample size to start from (a power of 2); points are
            ``base * (D + 2)``.
        sobol_max_base: Base sample beyond which growth stops for outputs other than the
            headline (the headline grows until it converges).
        sobol_converge: Grow the base sample until the convergence rule holds (False: one
            design of ``sobol_base``, for tests).
        sobol_worlds_per_point: Worlds simulated at each Sobol' point.
        sobol_resamples: Bootstrap resamples of the Sobol' confidence intervals.
        days: Horizon of the calibration, sensitivity and lever runs (None: the scenario's).
        lever_worlds: Worlds of each arm of the lever audit.
        history_worlds: Worlds of each history case (``scenarios/history/``).
    """

    seed: int = 1
    calibration_worlds: int = 4000
    truce_worlds: int = 4000
    theory_worlds: int = 200
    survival_worlds: int = 50_000
    sobol_base: int = 512
    sobol_max_base: int = 8192
    sobol_converge: bool = True
    sobol_worlds_per_point: int = 4
    sobol_resamples: int = 500
    days: int | None = None
    lever_worlds: int = 2000
    history_worlds: int = 4000

    @classmethod
    def quick(cls, seed: int = 1) -> ValidationConfig:
        """Small sizes for tests: every code path runs in seconds; estimates are rough."""
        return cls(
            seed=seed,
            calibration_worlds=300,
            truce_worlds=300,
            theory_worlds=40,
            survival_worlds=5000,
            sobol_base=8,
            sobol_converge=False,
            sobol_worlds_per_point=4,
            sobol_resamples=100,
            days=120,
            lever_worlds=200,
            history_worlds=200,
        )


__all__ = ["BASELINE", "ROOT", "Check", "ValidationConfig"]
