"""The calibration specification: which parameters are fitted, their priors, the sampler.

A spec is a YAML file::

    name: Front and casualties, Jan 2023 - Feb 2025
    scenario: ../white_house_2025-03-13.yaml   # fixed values (noise_df, seasonal peak, ...)
    until: 2025-03-13                           # fit to months ending before this date
    seed: 1
    population: 1500
    generations: 10
    kernel_scaling: 2.0     # wider perturbation kernel: more even weights (effective sample size)
    forecast_months: 6
    adjust_casualty_level: true   # regression adjustment of the casualty level (default false)
    prior:
      front.initial_gain_km2_per_month: {low: 0, high: 800, unit: km²/month}
      ...

Priors are uniform on ``[low, high]``. Paths are relative to the spec's folder.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ceasefire_sim.errors import InputError
from ceasefire_sim.scenario.params import Param

#: Scenario paths the simulator can fit (``calibration.simulator.simulate_months``).
FITTABLE = (
    "front.initial_gain_km2_per_month",
    "front.offensive_days",
    "front.consolidation_days",
    "front.consolidation_tempo",
    "front.phase_intensity_sd",
    "front.seasonal_amplitude",
    "front.noise_scale_km2",
    "front.casualty_tempo_share",
    "belligerents.russia.casualties_per_day",
    "gain_trend_per_year",
    "casualty_trend_per_year",
)
#: Fitted values that are not scenario values (nuisance parameters of the fit window).
NUISANCE = ("gain_trend_per_year", "casualty_trend_per_year")
#: Fixed scenario values the simulator reads besides the fittable ones.
FIXED = ("front.noise_df", "front.seasonal_peak_day_of_year")
#: The posterior column giving each draw's phase on the last day of the fit window (0 or 1): the
#: per-world ``front.initial_offensive_probability`` of a run starting the day after.
OFFENSIVE_COLUMN = "front.initial_offensive_probability"
#: The posterior's weight column.
WEIGHT_COLUMN = "weight"


class CalibrationError(InputError):
    """A calibration spec or argument is invalid."""


class Prior(BaseModel):
    """A uniform prior."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float
    high: float
    unit: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    @property
    def sd(self) -> float:
        """s.d. of the uniform prior."""
        return (self.high - self.low) / 12**0.5


class CalibrationSpec(BaseModel):
    """A calibration: priors, data cut and sampler settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    scenario: str = Field(description="Scenario giving the fixed values, relative to the spec.")
    until: dt.date = Field(dt.date(2025, 3, 13), description="Fit to months ending before this.")
    seed: int = Field(1, ge=0)
    population: int = Field(1000, ge=10)
    generations: int = Field(8, ge=1)
    min_acceptance_rate: float = Field(0.02, gt=0, lt=1)
    kernel_scaling: float = Field(
        2.0, gt=0, description="Factor on the bandwidth of pyabc's multivariate normal kernel."
    )
    forecast_months: int = Field(6, ge=0, le=24)
    adjust_casualty_level: bool = Field(
        False,
        description=(
            "Regression-adjust the particles' Russian casualty level to the observed statistics "
            "(calibration.fit.casualty_level_adjustment)."
        ),
    )
    prior: dict[str, Prior]
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _known(self) -> CalibrationSpec:
        unknown = sorted(set(self.prior) - set(FITTABLE))
        if unknown:
            raise ValueError(f"cannot fit {', '.join(unknown)} (fittable: {', '.join(FITTABLE)})")
        if self.until > dt.date(2025, 3, 13):
            raise ValueError("until must be on or before 2025-03-13, the start date")
        return self

    def scenario_path(self) -> Path:
        """The scenario file, resolved against the spec's folder."""
        base = self.path.parent if self.path is not None else Path.cwd()
        return (base / self.scenario).resolve()

    def fixed_values(self) -> dict[str, float]:
        """The scenario's values of the fixed paths and of the fittable paths not fitted here.

        Means of distributions. A path the spec fits is not read: the baseline draws it from
        the posterior this spec writes.
        """
        from ceasefire_sim.scenario.loader import load_scenario, numeric_paths

        scenario = load_scenario(self.scenario_path())
        params: dict[str, Param] = numeric_paths(scenario)
        out: dict[str, float] = {}
        for path in (*FITTABLE, *FIXED):
            if path in NUISANCE or path in self.prior:
                continue
            param = params[path]
            out[path] = float(param.mean_value())
        return out


def load_spec(path: str | Path, until: dt.date | None = None) -> CalibrationSpec:
    """Read a spec; ``until`` replaces its cut (it may only move earlier than the start date).

    Raises:
        CalibrationError: the file is missing or invalid (with what to change).
    """
    path = Path(path)
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalibrationError(
            f"cannot read the calibration spec: {exc.strerror}", str(path)
        ) from exc
    except yaml.YAMLError as exc:
        raise CalibrationError(f"not valid YAML: {exc}", str(path)) from exc
    if not isinstance(document, dict):
        raise CalibrationError(
            "a calibration spec is a mapping (name, scenario, prior, ...)", str(path)
        )
    if until is not None:
        document = {**document, "until": until}
    try:
        spec = CalibrationSpec.model_validate({**document, "path": path})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CalibrationError(f"{where}: {first['msg']}", str(path)) from exc
    if not spec.scenario_path().is_file():
        raise CalibrationError(
            f"scenario {spec.scenario!r} not found (give a path relative to the spec's folder)",
            str(path),
        )
    return spec
