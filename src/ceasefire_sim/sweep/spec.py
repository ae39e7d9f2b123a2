"""Sweep specifications: a YAML file saying what varies, how points are drawn, and how many worlds.

A spec names a base scenario and the parameters to vary (dotted paths, as in ``--set``; a ``*``
segment matches every key at that level)::

    name: smoke
    scenario: ../white_house_2025-03-13.yaml   # relative to this file
    method: grid                               # grid | random | lhs | sobol | morris
    samples: 3                                 # levels per range (grid), points, or Sobol' N
    worlds: 200                                # worlds per point
    days: 180                                  # horizon (default: the scenario's)
    seed: 1
    chunk_size: 600                            # worlds per model run (whole points)
    parameters:
      mediator.leverage_on_russia: {low: 0.0, high: 0.6}
      mediator.aid_bn_per_year: {values: [0, 22, 44]}
      mediator.patience_days: {dist: triangular, low: 90, mode: 180, high: 365}
    set:                                       # fixed changes to the base scenario
      talks.logit_scale: 0.1

:func:`load_sweep` validates the file with pydantic (``extra="forbid"``), loads the base scenario,
checks that every parameter path names a numeric value of it, draws the points and checks that
every sampled value is one the scenario schema allows. Every problem is reported at once as a
:class:`~ceasefire_sim.errors.SweepError`, each as ``file:line: dotted.path: message``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator

from ceasefire_sim._version import __version__
from ceasefire_sim.errors import InputError, Problem, SweepError
from ceasefire_sim.model.store import ALLY_DEFAULTED
from ceasefire_sim.scenario.loader import (
    load_scenario,
    locate,
    numeric_paths,
    scenario_hash,
    validate_document,
)
from ceasefire_sim.scenario.schema import NATO_ALLIES, Scenario
from ceasefire_sim.scenario.yamlio import apply_assignment, load_yaml, parse_assignment
from ceasefire_sim.sweep.samplers import (
    METHODS,
    POINT_COLUMN,
    SweepParameter,
    points_from_design,
    sample_design,
)

#: Changes whenever the way points and worlds are laid out into chunks, or seeded, changes, so
#: that ``--resume`` never mixes chunks computed under two layouts. 2: every chunk runs with the
#: sweep's seed and keys its worlds by replicate number (common random numbers across points).
LAYOUT_VERSION = 2

PositiveInt = Annotated[int, Strict(), Field(ge=1)]


class ParameterSpec(BaseModel):
    """How one parameter varies: ``values``, ``low``/``high`` (uniform), or a distribution.

    Distributions are written as in scenarios: ``{dist: normal, mean: m, sd: s}``,
    ``{dist: lognormal, mean_log: m, sd_log: s}``, ``{dist: triangular, low: l, mode: m, high: h}``,
    ``{dist: beta, a: a, b: b}`` (optionally ``low``/``high`` to rescale), and
    ``{dist: uniform, low: l, high: h}`` (the same as plain ``low``/``high``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: list[float] | None = Field(None, description="Discrete values.")
    low: float | None = Field(None, description="Lower end of a range or distribution.")
    high: float | None = Field(None, description="Upper end of a range or distribution.")
    dist: Literal["uniform", "normal", "lognormal", "triangular", "beta"] | None = Field(
        None, description="Distribution sampled by inverse CDF."
    )
    mode: float | None = Field(None, description="triangular mode.")
    mean: float | None = Field(None, description="normal mean.")
    sd: float | None = Field(None, description="normal standard deviation.")
    mean_log: float | None = Field(None, description="lognormal: mean of log(x).")
    sd_log: float | None = Field(None, description="lognormal: sd of log(x).")
    a: float | None = Field(None, description="beta shape a.")
    b: float | None = Field(None, description="beta shape b.")
    note: str | None = Field(None, description="Why this range (free text, kept in the manifest).")

    def to_parameter(self, path: str) -> SweepParameter:
        """The sampler's :class:`SweepParameter` for this specification.

        Raises:
            ValueError: An incomplete, ambiguous or out-of-range specification.
        """
        if self.dist is None or self.dist == "uniform":
            if self.dist == "uniform" and (self.values is not None or self._dist_keys()):
                raise ValueError(
                    f"sweep parameter {path!r}: a uniform distribution takes only 'low' and 'high'"
                )
            values = None if self.values is None else tuple(self.values)
            return SweepParameter(path, values=values, low=self.low, high=self.high)
        if self.values is not None:
            raise ValueError(
                f"sweep parameter {path!r}: give 'values' or 'dist', not both (got both)"
            )
        # The largest lognormal draw is about exp(mean_log + 8.2 sd_log); past exp(700) it overflows.
        if (
            self.dist == "lognormal"
            and self.mean_log is not None
            and self.sd_log is not None
            and abs(self.mean_log) + 8.3 * abs(self.sd_log) > 700
        ):
            raise ValueError(
                f"sweep parameter {path!r}: a lognormal with mean_log {self.mean_log:g} and "
                f"sd_log {self.sd_log:g} draws numbers beyond any float; narrow it"
            )
        spec: dict[str, Any] = {"dist": self.dist, **self._dist_keys()}
        for key in ("low", "high"):
            if getattr(self, key) is not None:
                spec[key] = getattr(self, key)
        return SweepParameter(path, dist=spec)

    def _dist_keys(self) -> dict[str, float]:
        keys = ("mode", "mean", "sd", "mean_log", "sd_log", "a", "b")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


class SweepSpec(BaseModel):
    """A sweep specification as written in its YAML file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Short name of the sweep.")
    description: str = Field("", description="What the sweep asks.")
    scenario: str = Field(
        min_length=1, description="Base scenario file, relative to the spec file."
    )
    method: str = Field(description="Sampling method: " + ", ".join(METHODS) + ".")
    samples: PositiveInt | None = Field(
        None,
        description=(
            "grid: levels per range or distribution; random/lhs: points; sobol: base sample "
            "N (a power of 2; N * (D + 2) points); morris: trajectories (r * (D + 1) points)."
        ),
    )
    worlds: Annotated[int, Strict(), Field(ge=1, le=10_000_000)] = Field(
        description="Worlds per point."
    )
    days: Annotated[int, Strict(), Field(ge=1, le=3650)] | None = Field(
        None, description="Horizon in days (default: the scenario's horizon_days)."
    )
    seed: Annotated[int, Strict(), Field(ge=0)] = Field(0, description="Seed of the sweep.")
    chunk_size: PositiveInt = Field(
        10_000, description="Worlds per model run; chunks hold whole points."
    )
    parameters: dict[str, ParameterSpec] = Field(
        default_factory=dict, description="Dotted path -> how it varies (uncertainties)."
    )
    levers: dict[str, ParameterSpec] = Field(
        default_factory=dict,
        description=(
            "Policy levers: dotted path -> the settings to compare (values, or a low/high range "
            "cut into lever_levels levels); every setting is run against every uncertainty point."
        ),
    )
    uncertainties: dict[str, ParameterSpec] = Field(
        default_factory=dict,
        description="Uncertainties: dotted path -> how it varies (drawn by the method).",
    )
    lever_levels: PositiveInt = Field(
        3, description="Levels of a lever given as a low/high range (ends included)."
    )
    set: dict[str, Any] = Field(
        default_factory=dict, description="Fixed changes to the base scenario (as --set)."
    )
    daily_series: bool = Field(
        False,
        description=(
            "Also keep, per point and day, the share of worlds in each status and quantiles of "
            "control and casualties (OUT/series.parquet); chunks then hold every world's daily "
            "trajectory, so keep chunk_size x (days + 1) under 10 million."
        ),
    )

    @field_validator("method")
    @classmethod
    def _known_method(cls, method: str) -> str:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
        return method

    def sections(self) -> dict[str, str]:
        """Dotted path -> the section that declares it (``levers``, ``uncertainties``, ...)."""
        found: dict[str, str] = {}
        for section in ("levers", "uncertainties", "parameters"):
            for path in getattr(self, section):
                found.setdefault(path, section)
        return found

    def role(self, path: str) -> str:
        """``"lever"`` for a lever, ``"uncertainty"`` for every other parameter (EMA's default)."""
        return "lever" if path in self.levers else "uncertainty"

    def all_parameters(self) -> dict[str, ParameterSpec]:
        """Every parameter in column order: the levers, then the uncertainties."""
        return {**self.levers, **self.parameters, **self.uncertainties}


@dataclass(frozen=True, eq=False)
class Sweep:
    """A validated sweep: the spec, its base scenario, parameters, points and chunk layout.

    Attributes:
        spec: The specification as written (plus ``--set`` changes in ``spec.set``).
        file: Where the spec came from (``"<input>"`` if built in code).
        scenario: The base scenario with ``spec.set`` applied.
        parameters: The swept parameters, in column order.
        targets: Spec path -> the concrete scenario paths it sets (``*`` expanded).
        design: The sampler's design matrix (needed by the Morris analysis).
        points: One row per point: ``point`` and one column per parameter path. With levers,
            the points are every lever setting (policy) crossed with every uncertainty point
            (scenario), policy-major.
    """

    spec: SweepSpec
    file: str
    scenario: Scenario
    parameters: tuple[SweepParameter, ...]
    targets: Mapping[str, tuple[str, ...]]
    design: np.ndarray = field(repr=False)
    points: pd.DataFrame = field(repr=False)

    @property
    def days(self) -> int:
        """Horizon in days."""
        return int(self.spec.days if self.spec.days is not None else self.scenario.horizon_days)

    @property
    def levers(self) -> list[str]:
        """Paths of the levers, in column order."""
        return [p.path for p in self.parameters if self.spec.role(p.path) == "lever"]

    @property
    def uncertainties(self) -> list[str]:
        """Paths of the uncertainties, in column order."""
        return [p.path for p in self.parameters if self.spec.role(p.path) == "uncertainty"]

    @property
    def worlds_per_point(self) -> int:
        """Worlds per point ``W``."""
        return int(self.spec.worlds)

    @property
    def n_points(self) -> int:
        """Number of points ``P``."""
        return len(self.points)

    @property
    def points_per_chunk(self) -> int:
        """Whole points per chunk: ``chunk_size // W``, at least one."""
        return max(1, self.spec.chunk_size // self.worlds_per_point)

    @property
    def n_chunks(self) -> int:
        """Number of chunks (model runs)."""
        return math.ceil(self.n_points / self.points_per_chunk)

    def chunk_points(self, chunk: int) -> range:
        """The points of a chunk."""
        start = chunk * self.points_per_chunk
        return range(start, min(start + self.points_per_chunk, self.n_points))

    @cached_property
    def hash(self) -> str:
        """SHA-256 of everything that determines the results (not the name or description)."""
        exclude = {"name", "description", "scenario"}
        # A spec without levers hashes as it did before levers existed (resume keeps working).
        if not self.spec.levers and not self.spec.uncertainties:
            exclude |= {"levers", "uncertainties", "lever_levels"}
        # Likewise a spec that keeps no daily series hashes as before the option existed.
        if not self.spec.daily_series:
            exclude |= {"daily_series"}
        content = {
            "spec": self.spec.model_dump(mode="json", exclude=exclude),
            "days": self.days,
            "scenario_hash": scenario_hash(self.scenario),
            "version": __version__,
            "layout": LAYOUT_VERSION,
        }
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def parameter_table(self) -> list[dict[str, Any]]:
        """Per parameter: ``path``, ``role``, ``low``, ``high``, ``values`` and ``dist`` (or None).

        ``role`` is ``"lever"`` or ``"uncertainty"`` (EMA Workbench's distinction).

        For a distribution, ``low`` and ``high`` are the smallest and largest sampled value.
        """
        table = []
        for p in self.parameters:
            column = self.points[p.path]
            values = list(p.values) if p.values is not None else None
            if p.kind == "range":
                low, high = float(p.low), float(p.high)  # type: ignore[arg-type]
            else:
                low, high = float(column.min()), float(column.max())
            table.append(
                {
                    "path": p.path,
                    "role": self.spec.role(p.path),
                    "low": low,
                    "high": high,
                    "values": values,
                    "dist": dict(p.dist) if p.dist is not None else None,
                }
            )
        return table


def load_sweep(path: str | Path, overrides: Sequence[str] | None = None) -> Sweep:
    """Read and validate a sweep spec file.

    Args:
        path: The YAML file, or the name of a spec of the library's ``sweeps/`` (``"smoke"``).
        overrides: ``dotted.path=value`` changes to the base scenario (as ``--set``), added to the
            spec's ``set`` (they win over it).

    Returns:
        The validated :class:`Sweep`.

    Raises:
        SweepError: With every problem found, each with its file, line and dotted path.
    """
    from ceasefire_sim.scenario.library import resolve_scenario, sweeps_dir

    path = resolve_scenario(path, sweeps_dir(), error=SweepError)
    file = str(path)
    try:
        document, lines = load_yaml(path)
    except InputError as exc:
        raise SweepError(exc.problems) from None
    return sweep_from_dict(
        document, base_dir=Path(path).parent, file=file, lines=lines, overrides=overrides
    )


def sweep_from_dict(
    document: Mapping[str, Any],
    *,
    base_dir: str | Path = ".",
    file: str = "<input>",
    lines: Mapping[str, int] | None = None,
    overrides: Sequence[str] | None = None,
) -> Sweep:
    """Validate a spec given as plain data (what :func:`load_sweep` does after reading YAML).

    Args:
        document: The spec as a mapping.
        base_dir: Folder the ``scenario`` path is relative to.
        file: Name of the spec in error messages.
        lines: Dotted path -> line of each value, for error messages.
        overrides: ``dotted.path=value`` changes to the base scenario.

    Raises:
        SweepError: With every problem found.
    """
    lines = dict(lines or {})
    document = dict(document)
    if overrides:
        changes = dict(document.get("set") or {})
        for text in overrides:
            try:
                key, value = parse_assignment(text)
            except InputError as exc:
                raise SweepError(exc.problems) from None
            changes[key] = value
        document["set"] = changes
    try:
        spec = SweepSpec.model_validate(document)
    except ValidationError as exc:
        raise SweepError([_problem(err, lines, file) for err in exc.errors()]) from None

    sections = spec.sections()

    def at(dotted: str, message: str) -> Problem:
        # Problems are raised against "parameters.<path>"; show the section that declares it.
        head, _, path = dotted.partition(".")
        if head == "parameters" and path in sections:
            dotted = f"{sections[path]}.{path}"
        return Problem(file, locate(lines, dotted, file)[1], dotted, message)

    structure = _check_sections(spec, at)
    if structure:
        raise SweepError(structure)

    scenario = _load_base(spec, Path(base_dir), at, set(lines))
    problems: list[Problem] = []
    parameters: list[SweepParameter] = []
    for path, entry in spec.all_parameters().items():
        if path in spec.levers and entry.dist is not None:
            problems.append(
                at(
                    f"parameters.{path}",
                    "a lever is a setting to choose, not a distribution: give 'values' or "
                    "'low'/'high' (cut into lever_levels levels), or declare it an uncertainty",
                )
            )
            continue
        try:
            parameters.append(entry.to_parameter(path))
        except ValueError as exc:
            message = str(exc).removeprefix(f"sweep parameter {path!r}: ")
            problems.append(at(f"parameters.{path}", message))
    targets, target_problems = _resolve_targets(scenario, list(spec.all_parameters()), at)
    problems += target_problems
    if problems:
        raise SweepError(problems)

    _check_size(spec, parameters, scenario, at)
    design, points = _sample(spec, parameters, at)
    problems = _check_sampled_values(scenario, parameters, points, at)
    if problems:
        raise SweepError(problems)
    return Sweep(
        spec=spec,
        file=file,
        scenario=scenario,
        parameters=tuple(parameters),
        targets=targets,
        design=design,
        points=points,
    )


# ------------------------------------------------------------------ checks
#: Most points a sweep may have (the design alone is then about 8 bytes x points x parameters).
MAX_POINTS = 10_000_000


def expected_points(spec: SweepSpec, parameters: Sequence[SweepParameter]) -> int:
    """How many points the design will have, computed before sampling it.

    With levers, every lever setting (a grid of ``lever_levels`` per range) is crossed with
    every uncertainty point, so the count is their product.
    """
    levers = [p for p in parameters if spec.role(p.path) == "lever"]
    if levers:
        settings = math.prod(
            len(p.values) if p.kind == "values" else spec.lever_levels  # type: ignore[arg-type]
            for p in levers
        )
        uncertainties = [p for p in parameters if spec.role(p.path) == "uncertainty"]
        return settings * (_expected_design_points(spec, uncertainties) if uncertainties else 1)
    return _expected_design_points(spec, parameters)


def _expected_design_points(spec: SweepSpec, parameters: Sequence[SweepParameter]) -> int:
    """Points of the design over ``parameters`` alone (no levers crossed in)."""
    n = spec.samples or 1
    d = len(parameters)
    if spec.method == "grid":
        return math.prod(len(p.values) if p.kind == "values" else n for p in parameters)  # type: ignore[arg-type]
    if spec.method == "sobol":
        return n * (d + 2)
    if spec.method == "morris":
        return n * (d + 1)
    return n


def _check_size(
    spec: SweepSpec, parameters: Sequence[SweepParameter], scenario: Scenario, at: Any
) -> None:
    """Refuse a sweep too large to lay out, or whose chunks would not fit in memory."""
    from ceasefire_sim.resources import ResourceError, check_memory, run_bytes

    points = expected_points(spec, parameters)
    if points > MAX_POINTS:
        raise SweepError(
            [at("samples", f"the design has {points:,} points; the limit is {MAX_POINTS:,}")]
        )
    worlds = max(1, spec.chunk_size // spec.worlds) * spec.worlds
    days = int(spec.days if spec.days is not None else scenario.horizon_days)
    if spec.daily_series:
        from ceasefire_sim.model.recorder import MAX_TRAJECTORY_CELLS

        if worlds * (days + 1) > MAX_TRAJECTORY_CELLS:
            fit = MAX_TRAJECTORY_CELLS // (days + 1)
            raise SweepError(
                [
                    at(
                        "chunk_size",
                        f"daily_series keeps every world's daily trajectory in a chunk, and "
                        f"{worlds:,} worlds x {days + 1:,} days is more than "
                        f"{MAX_TRAJECTORY_CELLS:,} world-days; lower chunk_size to at most "
                        f"{fit:,} (it must still hold one point's {spec.worlds:,} worlds)",
                    )
                ]
            )
    try:
        check_memory(run_bytes(worlds, days), what=f"one chunk of {worlds:,} worlds")
    except ResourceError as exc:
        raise SweepError([at("worlds", exc.problems[0].message)]) from None


def _check_sections(spec: SweepSpec, at: Any) -> list[Problem]:
    """At least one parameter; no path declared twice; sensitivity methods take no levers."""
    problems: list[Problem] = []
    if not spec.all_parameters():
        problems.append(
            at(
                "parameters",
                "required value missing: declare at least one parameter under "
                "'parameters', 'uncertainties' or 'levers'",
            )
        )
    seen: dict[str, str] = {}
    for section in ("levers", "uncertainties", "parameters"):
        for path in getattr(spec, section):
            if path in seen:
                problems.append(
                    at(
                        f"{section}.{path}",
                        f"{path!r} is already declared under {seen[path]!r}; a parameter is "
                        "either a lever or an uncertainty",
                    )
                )
            seen.setdefault(path, section)
    if spec.levers and spec.method in ("sobol", "morris"):
        problems.append(
            at(
                "method",
                f"the {spec.method} method takes no levers (its indices need its own design); "
                "declare the levers as uncertainties, or use grid, random or lhs",
            )
        )
    return problems


def _load_base(spec: SweepSpec, base_dir: Path, at: Any, located: set[str]) -> Scenario:
    scenario_path = base_dir / spec.scenario
    if not scenario_path.is_file():
        raise SweepError([at("scenario", f"base scenario not found: {scenario_path}")])
    try:
        return load_scenario(scenario_path, dict(spec.set))
    except InputError as exc:
        # The scenario's own problems name its file and lines; a problem with a ``set`` entry
        # written in the spec file is shown at that entry's line.
        raise SweepError([_relocate(p, spec, at, located) for p in exc.problems]) from None


def _relocate(problem: Problem, spec: SweepSpec, at: Any, located: set[str]) -> Problem:
    for key in spec.set:
        related = problem.path == key or key.startswith(f"{problem.path}.")
        if (related or problem.path.startswith(f"{key}.")) and f"set.{key}" in located:
            return at(f"set.{key}", problem.message)
    return problem


def _resolve_targets(
    scenario: Scenario, paths: list[str], at: Any
) -> tuple[dict[str, tuple[str, ...]], list[Problem]]:
    """Spec path -> concrete scenario paths, with a problem for each unknown path or overlap."""
    known = concrete_paths(scenario)
    explicit: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for path in paths:
        hits = expand_path(path, known)
        if not hits:
            problems.append(at(f"parameters.{path}", _unknown_path_message(path, known)))
            continue
        explicit[path] = hits
    owner: dict[str, str] = {}
    for path, hits in explicit.items():
        for hit in hits:
            if hit in owner:
                problems.append(
                    at(
                        f"parameters.{path}",
                        f"sets {hit!r}, which parameter {owner[hit]!r} already sets; "
                        "sweep each scenario value through one parameter only",
                    )
                )
                break
            owner[hit] = path
    # An ``alliance.*`` value needs no ally paths of its own: the model's parameter store passes
    # it on to every ally that gives no value of its own, for overrides and events as for ``--set``.
    targets = {path: tuple(hits) for path, hits in explicit.items()}
    return targets, problems


def concrete_paths(scenario: Scenario) -> list[str]:
    """Every numeric value a sweep can set: the scenario's, plus allies' defaulted fields."""
    known = [p for p in numeric_paths(scenario) if not p.startswith("events.")]
    present = set(known)
    for ally in NATO_ALLIES:
        for name in ALLY_DEFAULTED:
            path = f"allies.{ally}.{name}"
            if path not in present:
                known.append(path)
    return known


def expand_path(path: str, known: Sequence[str]) -> list[str]:
    """The concrete paths a (possibly ``*``-wildcarded) dotted path names, in scenario order."""
    parts = path.split(".")
    if "*" not in parts:
        return [path] if path in known else []
    return [
        k
        for k in known
        if len(k.split(".")) == len(parts)
        and all(a in ("*", b) for a, b in zip(parts, k.split("."), strict=True))
    ]


def _unknown_path_message(path: str, known: Sequence[str]) -> str:
    guess = difflib.get_close_matches(path, known, n=1, cutoff=0.6)
    hint = f"; did you mean {guess[0]!r}?" if guess else ""
    return (
        f"{path!r} is not a numeric parameter of the base scenario{hint} (use a dotted path such "
        "as mediator.leverage_on_russia or allies.*.aid_share_gdp_pct; `ceasefire-sim schema` "
        "lists them)"
    )


def _sample(
    spec: SweepSpec, parameters: list[SweepParameter], at: Any
) -> tuple[np.ndarray, pd.DataFrame]:
    levers = [p for p in parameters if spec.role(p.path) == "lever"]
    if not levers:
        return _sample_uncertainties(spec, parameters, at)
    uncertainties = [p for p in parameters if spec.role(p.path) == "uncertainty"]
    _, policies = design_points(levers, "grid", spec.lever_levels, spec.seed)
    if uncertainties:
        _, scenarios = _sample_uncertainties(spec, uncertainties, at)
    else:
        scenarios = pd.DataFrame({POINT_COLUMN: [0]})
    return cross_points(policies, scenarios, [p.path for p in parameters])


def cross_points(
    policies: pd.DataFrame, scenarios: pd.DataFrame, columns: Sequence[str]
) -> tuple[np.ndarray, pd.DataFrame]:
    """Every lever setting (policy) against every uncertainty point (scenario), policy-major.

    Args:
        policies: ``(L, 1 + levers)``: ``point`` and one column per lever.
        scenarios: ``(S, 1 + uncertainties)``: ``point`` and one column per uncertainty.
        columns: Parameter columns of the result, in order.

    Returns:
        ``(design, points)``: the ``(L S, D)`` values and the points, ``point`` = ``l S + s``.
    """
    left = policies.drop(columns=POINT_COLUMN).reset_index(drop=True)
    right = scenarios.drop(columns=POINT_COLUMN).reset_index(drop=True)
    crossed = left.merge(right, how="cross")
    crossed = crossed[list(columns)]
    crossed.insert(0, POINT_COLUMN, np.arange(len(crossed), dtype=np.int64))
    design = crossed[list(columns)].to_numpy(dtype=float)
    return design, crossed


def _sample_uncertainties(
    spec: SweepSpec, parameters: list[SweepParameter], at: Any
) -> tuple[np.ndarray, pd.DataFrame]:
    samples = spec.samples
    if samples is None:
        if spec.method == "grid" and all(p.kind == "values" for p in parameters):
            samples = 1  # a grid of discrete values needs no level count
        else:
            raise SweepError(
                [
                    at(
                        "samples",
                        f"required value missing: the {spec.method} method needs 'samples' "
                        "(levels per range for grid, points for random/lhs, N for sobol, "
                        "trajectories for morris)",
                    )
                ]
            )
    try:
        return design_points(parameters, spec.method, samples, spec.seed)
    except ValueError as exc:
        raise SweepError([at("samples", str(exc))]) from None


def design_points(
    parameters: Sequence[SweepParameter], method: str, samples: int, seed: int
) -> tuple[np.ndarray, pd.DataFrame]:
    """The design matrix and the points of a sweep (how :func:`sweep_from_dict` samples).

    Args:
        parameters: The swept parameters.
        method: One of :data:`~ceasefire_sim.sweep.samplers.METHODS`.
        samples: The method's size argument (the spec's ``samples``).
        seed: The sweep's seed.

    Returns:
        ``(design, points)``: the design in the SALib problem's space (what the Morris analysis
        needs) and one row per point with the values the model receives.

    Raises:
        ValueError: For a bad method, size or parameter.
    """
    design = sample_design(parameters, method, samples, seed)
    return design, points_from_design(parameters, design)


def _check_sampled_values(
    scenario: Scenario, parameters: list[SweepParameter], points: pd.DataFrame, at: Any
) -> list[Problem]:
    """Check each parameter's extreme values against the scenario schema's allowed range."""
    document = scenario.model_dump(mode="json", exclude_none=True)
    problems = []
    for p in parameters:
        column = points[p.path]
        if p.kind == "range":
            extremes = [("'low'", p.low), ("'high'", p.high)]
        elif p.kind == "values":
            extremes = [("the smallest value", min(p.values)), ("the largest value", max(p.values))]  # type: ignore[arg-type]
        else:
            extremes = [
                ("the lowest sampled value", column.min()),
                ("the highest sampled value", column.max()),
            ]
        for label, value in extremes:
            try:
                validate_document(apply_assignment(document, p.path, float(value)), {})
            except InputError as exc:
                reason = "; ".join(_GOT.sub("", q.message) for q in exc.problems)
                problems.append(
                    at(
                        f"parameters.{p.path}",
                        f"{label} {float(value):g} is outside what the scenario allows ({reason})",
                    )
                )
                break
    return problems


_GOT = re.compile(r" \(got [^)]*\)$")


def _problem(err: Mapping[str, Any], lines: Mapping[str, Any], file: str) -> Problem:
    loc = [str(p) for p in err["loc"]]
    dotted = ".".join(loc)
    line = locate(dict(lines), dotted, file)[1]
    kind = err["type"]
    if kind == "extra_forbidden":
        sections = ("parameters", "levers", "uncertainties")
        parent = ParameterSpec if len(loc) == 3 and loc[0] in sections else SweepSpec
        message = f"unknown key {loc[-1]!r} (allowed: {', '.join(parent.model_fields)})"
    elif kind == "missing":
        message = "required value missing"
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
        shown = err.get("input")
        if not isinstance(shown, dict | list) and repr(shown) not in message:
            message += f" (got {shown!r})"
    return Problem(file=file, line=line, path=dotted, message=message)
