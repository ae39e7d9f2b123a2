"""Sampling designs for parameter sweeps: grid, random, Latin hypercube, Sobol' and Morris.

A sweep varies a few scenario values, each described by a :class:`SweepParameter`: a discrete
list of ``values``, a uniform range ``low``..``high``, or a probability distribution ``dist``.

Every method first draws a *design*: a float matrix with one row per point and one column per
parameter, in the space of the SALib problem dict returned by :func:`salib_problem`. In that
space a uniform range parameter takes its real values in ``[low, high]``, while a discrete or
distribution parameter takes a *unit coordinate* ``u`` in ``[0, 1]`` that is mapped to a value
afterwards:

* discrete ``values``: the value at index ``floor(u * len(values))`` (``u = 1`` gives the last);
* ``dist``: the inverse CDF (scipy.stats ``ppf``) of the distribution at ``u``.

Keeping non-uniform parameters in unit space is what lets SALib's samplers and analysers, which
only know uniform bounds, be used unchanged: the indices then describe the model as a function of
the unit coordinate, which is a monotone reparametrisation of the real value.

:func:`sample_design` returns the design (which
:func:`~ceasefire_sim.sweep.sensitivity.morris_indices` needs), :func:`points_from_design` maps
it to the values the model receives, and :func:`sample_points` does both. All functions are
pure and deterministic for a given seed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import morris as salib_morris
from SALib.sample import sobol as salib_sobol
from scipy import stats
from scipy.stats import qmc

METHODS: tuple[str, ...] = ("grid", "random", "lhs", "sobol", "morris")
"""Sampling methods accepted by :func:`sample_points` and :func:`sample_design`."""

MORRIS_NUM_LEVELS = 4
"""Grid levels of the Morris design; :func:`~ceasefire_sim.sweep.sensitivity.morris_indices`
must be called with the same number."""

MAX_POINTS = 10_000_000
"""Largest design :func:`sample_design` will build, so that a mistyped ``n`` or an oversized grid
fails with a message instead of exhausting memory."""

POINT_COLUMN = "point"
"""Name of the integer column numbering the points of a sample 0..P-1."""

DISTRIBUTIONS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "normal": (("mean", "sd"), ()),
    "lognormal": (("mean_log", "sd_log"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "beta": (("a", "b"), ("low", "high")),
}
"""Distribution names accepted in ``SweepParameter.dist``: (required keys, optional keys)."""

# Unbounded distributions map u = 0 or 1 to -inf/+inf; scrambled Sobol' and uniform draws hit
# those exactly with probability ~2**-53, so clip just inside rather than hand the model infinity.
_UNIT_EPS = float(np.finfo(float).eps)


def _is_real(x: object) -> bool:
    # bool is an Integral, but True as a bound is almost certainly a mistake in a spec.
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


@dataclass(frozen=True)
class SweepParameter:
    """One scenario value varied by a sweep.

    Give exactly one of ``values``, the pair ``low``/``high``, or ``dist``.

    Attributes:
        path: Dotted path of the value inside a scenario, e.g. ``"mediator.leverage_on_russia"``.
        values: Discrete values (numbers, strings or booleans), used as given by ``grid`` and
            chosen with equal probability by the other methods. A list is converted to a tuple.
        low: Lower end of a uniform range (with ``high``).
        high: Upper end of a uniform range (with ``low``); must exceed ``low``.
        dist: A distribution, sampled by inverse CDF: ``{"dist": "normal", "mean": m, "sd": s}``,
            ``{"dist": "lognormal", "mean_log": m, "sd_log": s}`` (parameters of the underlying
            normal), ``{"dist": "triangular", "low": l, "mode": m, "high": h}``, or
            ``{"dist": "beta", "a": a, "b": b}`` with optional ``"low"``/``"high"`` (default 0 and
            1) to rescale its support. The mapping is copied.

    Raises:
        ValueError: If the specification is incomplete, ambiguous or out of range; the message
            names the parameter path.
    """

    path: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    # A dict is unhashable; leaving it out of the hash keeps parameters usable as dict keys.
    dist: Mapping[str, Any] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        _check_path(self.path)
        given = [
            name
            for name, present in (
                ("values", self.values is not None),
                ("low/high", self.low is not None or self.high is not None),
                ("dist", self.dist is not None),
            )
            if present
        ]
        if len(given) != 1:
            raise ValueError(
                f"sweep parameter {self.path!r}: give exactly one of 'values', 'low' and 'high', "
                f"or 'dist' (got {', '.join(given) if given else 'none'})"
            )
        if self.values is not None:
            object.__setattr__(self, "values", _check_values(self.path, self.values))
        elif self.dist is not None:
            object.__setattr__(self, "dist", dict(_check_dist_spec(self.path, self.dist)))
        else:
            self._check_range()

    def _check_range(self) -> None:
        if self.low is None or self.high is None:
            missing = "high" if self.high is None else "low"
            raise ValueError(
                f"sweep parameter {self.path!r}: a range needs both 'low' and 'high'"
                f" ('{missing}' is missing)"
            )
        for name, bound in (("low", self.low), ("high", self.high)):
            if not _is_real(bound) or not math.isfinite(bound):
                raise ValueError(
                    f"sweep parameter {self.path!r}: '{name}' must be a finite number, "
                    f"got {bound!r}"
                )
        if not self.low < self.high:
            raise ValueError(
                f"sweep parameter {self.path!r}: 'low' ({self.low}) must be less than "
                f"'high' ({self.high})"
            )

    @property
    def kind(self) -> str:
        """``"values"``, ``"range"`` or ``"dist"``, whichever the parameter was given as."""
        if self.values is not None:
            return "values"
        if self.dist is not None:
            return "dist"
        return "range"


def _check_path(path: object) -> None:
    if not isinstance(path, str) or not path:
        raise ValueError(f"sweep parameter path must be a non-empty string, got {path!r}")
    if any(not part or part != part.strip() for part in path.split(".")):
        raise ValueError(
            f"sweep parameter path {path!r} must be dot-separated names without empty parts "
            "or surrounding spaces, e.g. 'mediator.leverage_on_russia'"
        )
    if path == POINT_COLUMN:
        raise ValueError(
            f"sweep parameter path {path!r} is reserved for the point number column of a sample"
        )


def _check_values(path: str, values: object) -> tuple[Any, ...]:
    if isinstance(values, np.ndarray):
        # Python scalars, so the sample columns and their reprs do not carry numpy types.
        values = values.tolist()
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
        raise ValueError(
            f"sweep parameter {path!r}: 'values' must be a list of values, got {values!r}"
        )
    values = tuple(values)
    if not values:
        raise ValueError(f"sweep parameter {path!r}: 'values' is empty")
    for v in values:
        if not isinstance(v, (str, bool, numbers.Real)):
            raise ValueError(
                f"sweep parameter {path!r}: 'values' may hold numbers, strings or booleans, "
                f"not {v!r}"
            )
        if isinstance(v, numbers.Real) and math.isnan(v):
            raise ValueError(f"sweep parameter {path!r}: 'values' contains NaN")
    # Repeats would silently weight a value more heavily under the non-grid methods.
    if len(set(values)) != len(values):
        raise ValueError(f"sweep parameter {path!r}: 'values' contains duplicates: {values!r}")
    return values


def _check_dist_spec(path: str, spec: object) -> Mapping[str, Any]:
    allowed = ", ".join(sorted(DISTRIBUTIONS))
    if not isinstance(spec, Mapping):
        raise ValueError(f"sweep parameter {path!r}: 'dist' must be a mapping, got {spec!r}")
    name = spec.get("dist")
    if name not in DISTRIBUTIONS:
        raise ValueError(
            f"sweep parameter {path!r}: unknown distribution {name!r}; 'dist' must be one of "
            f"{allowed}"
        )
    required, optional = DISTRIBUTIONS[name]
    missing = [k for k in required if k not in spec]
    if missing:
        raise ValueError(
            f"sweep parameter {path!r}: {name} distribution needs {', '.join(required)} "
            f"(missing {', '.join(missing)})"
        )
    unknown = sorted(set(spec) - {"dist", *required, *optional})
    if unknown:
        keys = ", ".join(("dist", *required, *optional))
        raise ValueError(
            f"sweep parameter {path!r}: unknown key(s) {', '.join(unknown)} for a {name} "
            f"distribution (allowed: {keys})"
        )
    for key in (*required, *optional):
        if key in spec and (not _is_real(spec[key]) or not math.isfinite(spec[key])):
            raise ValueError(
                f"sweep parameter {path!r}: {name} '{key}' must be a finite number, "
                f"got {spec[key]!r}"
            )
    problem = _dist_problem(name, spec)
    if problem:
        raise ValueError(f"sweep parameter {path!r}: {name} distribution: {problem}")
    return spec


def _dist_problem(name: str, spec: Mapping[str, Any]) -> str:
    """Return what is wrong with the numbers of a well-formed spec, or ``""``."""
    if name == "normal" and spec["sd"] <= 0:
        return f"'sd' must be positive, got {spec['sd']}"
    if name == "lognormal" and spec["sd_log"] <= 0:
        return f"'sd_log' must be positive, got {spec['sd_log']}"
    if name == "triangular":
        low, mode, high = spec["low"], spec["mode"], spec["high"]
        if not low < high:
            return f"'low' ({low}) must be less than 'high' ({high})"
        if not low <= mode <= high:
            return f"'mode' ({mode}) must lie between 'low' ({low}) and 'high' ({high})"
    if name == "beta":
        for key in ("a", "b"):
            if spec[key] <= 0:
                return f"'{key}' must be positive, got {spec[key]}"
        low, high = spec.get("low", 0.0), spec.get("high", 1.0)
        if not low < high:
            return f"'low' ({low}) must be less than 'high' ({high})"
    return ""


def _frozen_dist(spec: Mapping[str, Any]) -> Any:
    name = spec["dist"]
    if name == "normal":
        return stats.norm(loc=spec["mean"], scale=spec["sd"])
    if name == "lognormal":
        return stats.lognorm(s=spec["sd_log"], scale=math.exp(spec["mean_log"]))
    if name == "triangular":
        low, high = spec["low"], spec["high"]
        return stats.triang(c=(spec["mode"] - low) / (high - low), loc=low, scale=high - low)
    low, high = spec.get("low", 0.0), spec.get("high", 1.0)
    return stats.beta(spec["a"], spec["b"], loc=low, scale=high - low)


def _check_parameters(parameters: Sequence[SweepParameter]) -> list[SweepParameter]:
    params = list(parameters)
    if not params:
        raise ValueError("a sweep needs at least one parameter")
    for p in params:
        if not isinstance(p, SweepParameter):
            raise ValueError(f"expected SweepParameter objects, got {p!r}")
    paths = [p.path for p in params]
    repeated = sorted({path for path in paths if paths.count(path) > 1})
    if repeated:
        raise ValueError(f"sweep parameters repeat the path(s) {', '.join(repeated)}")
    return params


def salib_problem(parameters: Sequence[SweepParameter]) -> dict[str, Any]:
    """Return the SALib problem dict of a sweep.

    ``names`` are the parameter paths. A uniform range parameter has its real bounds
    ``[low, high]``; discrete ``values`` and ``dist`` parameters have bounds ``[0, 1]`` because
    they are sampled as unit coordinates and mapped afterwards (by index and by inverse CDF,
    see the module docstring). Sensitivity indices of those parameters are therefore with
    respect to the unit coordinate.

    Args:
        parameters: The swept parameters, in column order.

    Returns:
        ``{"num_vars": D, "names": [...], "bounds": [[lo, hi], ...]}``.

    Raises:
        ValueError: If there are no parameters or a path repeats.
    """
    params = _check_parameters(parameters)
    return {
        "num_vars": len(params),
        "names": [p.path for p in params],
        "bounds": [
            [float(p.low), float(p.high)] if p.kind == "range" else [0.0, 1.0] for p in params
        ],
    }


def _check_int(name: str, value: object, minimum: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_size(method: str, size: int) -> None:
    if size > MAX_POINTS:
        raise ValueError(
            f"the {method} design would have {size:,} points, more than the limit of "
            f"{MAX_POINTS:,}; use a smaller n or fewer levels"
        )


def _grid_levels(p: SweepParameter, n: int) -> np.ndarray:
    if p.kind == "values":
        # Bin centres, so that floor(u * len) recovers each index exactly.
        return (np.arange(len(p.values)) + 0.5) / len(p.values)
    if p.kind == "range":
        return np.linspace(p.low, p.high, n)
    # Centres of n equal-probability bins: the ends 0 and 1 would be infinite for a normal.
    return (np.arange(n) + 0.5) / n


def sample_design(
    parameters: Sequence[SweepParameter], method: str, n: int, seed: int
) -> np.ndarray:
    """Draw a design matrix in the space of :func:`salib_problem`.

    Args:
        parameters: The swept parameters; column ``j`` of the design belongs to
            ``parameters[j]``.
        method: One of :data:`METHODS`:

            * ``grid``: full factorial. Discrete ``values`` are all used; a range takes ``n``
              evenly spaced levels including both ends; a distribution takes the ``n`` quantiles
              at the centres of ``n`` equal-probability bins. P is the product of the level
              counts; the first parameter varies slowest. ``seed`` is not used.
            * ``random``: ``n`` independent uniform points of the unit cube.
            * ``lhs``: ``n`` points of a Latin hypercube (scipy ``qmc.LatinHypercube``).
            * ``sobol``: Saltelli's scheme for first- and total-order Sobol' indices (SALib,
              ``calc_second_order=False``): ``n * (D + 2)`` rows; ``n`` must be a power of 2.
            * ``morris``: ``n`` Morris trajectories on a 4-level grid (SALib): ``n * (D + 1)``
              rows. Discrete and distribution coordinates are moved from the levels
              0, 1/3, 2/3, 1 to the bin centres 1/8, 3/8, 5/8, 7/8 so the inverse CDF stays
              finite; each step still changes exactly one coordinate, in the same direction.

        n: Number of points (``random``, ``lhs``), base sample size (``sobol``), trajectories
            (``morris``), or levels per range or distribution (``grid``).
        seed: Seed of the random number generator.

    Returns:
        A float array of shape (P, D).

    Raises:
        ValueError: For an unknown method, a bad ``n`` or ``seed``, a design larger than
            :data:`MAX_POINTS`, or invalid parameters.
    """
    params = _check_parameters(parameters)
    if method not in METHODS:
        raise ValueError(f"unknown sampling method {method!r}; use one of {', '.join(METHODS)}")
    n = _check_int("n", n, 1)
    seed = _check_int("seed", seed, 0)
    d = len(params)
    problem = salib_problem(params)

    if method == "grid":
        levels = [_grid_levels(p, n) for p in params]
        _check_size(method, math.prod(len(lv) for lv in levels))
        mesh = np.meshgrid(*levels, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1).astype(float)

    if method == "sobol":
        if n & (n - 1):
            raise ValueError(
                f"the sobol method needs n to be a power of 2 (got {n}; nearest are "
                f"{2 ** (n.bit_length() - 1)} and {2 ** n.bit_length()})"
            )
        _check_size(method, n * (d + 2))
        return salib_sobol.sample(problem, n, calc_second_order=False, seed=seed)

    if method == "morris":
        _check_size(method, n * (d + 1))
        design = salib_morris.sample(problem, n, num_levels=MORRIS_NUM_LEVELS, seed=seed)
        for j, p in enumerate(params):
            if p.kind != "range":
                design[:, j] = (design[:, j] * (MORRIS_NUM_LEVELS - 1) + 0.5) / MORRIS_NUM_LEVELS
        return design

    _check_size(method, n)
    if method == "random":
        unit = np.random.default_rng(seed).random((n, d))
    else:
        unit = qmc.LatinHypercube(d, seed=seed).random(n)
    lows = np.array([b[0] for b in problem["bounds"]])
    highs = np.array([b[1] for b in problem["bounds"]])
    return lows + unit * (highs - lows)


def _map_column(p: SweepParameter, column: np.ndarray) -> Any:
    if p.kind == "range":
        return column
    if p.kind == "dist":
        return _frozen_dist(p.dist).ppf(np.clip(column, _UNIT_EPS, 1.0 - _UNIT_EPS))
    index = np.clip(np.floor(column * len(p.values)).astype(np.int64), 0, len(p.values) - 1)
    # Through a list so pandas infers int, float, bool or str rather than keeping object.
    return [p.values[i] for i in index]


def points_from_design(parameters: Sequence[SweepParameter], design: np.ndarray) -> pd.DataFrame:
    """Map a design matrix to the parameter values the model receives.

    Args:
        parameters: The swept parameters, in the column order of ``design``.
        design: A (P, D) array in the space of :func:`salib_problem`, e.g. from
            :func:`sample_design`.

    Returns:
        One row per point: an integer ``point`` column 0..P-1 followed by one column per
        parameter path.

    Raises:
        ValueError: If the design's shape does not match the parameters or it holds
            non-finite numbers.
    """
    params = _check_parameters(parameters)
    design = np.asarray(design, dtype=float)
    if design.ndim != 2 or design.shape[1] != len(params):
        raise ValueError(
            f"design must have shape (P, {len(params)}) for {len(params)} parameters, "
            f"got {design.shape}"
        )
    if not np.isfinite(design).all():
        raise ValueError("design contains NaN or infinite values")
    columns: dict[str, Any] = {POINT_COLUMN: np.arange(design.shape[0], dtype=np.int64)}
    for j, p in enumerate(params):
        columns[p.path] = _map_column(p, design[:, j])
    return pd.DataFrame(columns)


def sample_points(
    parameters: Sequence[SweepParameter], method: str, n: int, seed: int
) -> pd.DataFrame:
    """Sample the points of a sweep.

    Equivalent to ``points_from_design(parameters, sample_design(parameters, method, n, seed))``;
    see :func:`sample_design` for the methods and the meaning of ``n``.

    Args:
        parameters: The swept parameters.
        method: One of :data:`METHODS`.
        n: Size argument of the method.
        seed: Seed of the random number generator (the same seed gives the same points).

    Returns:
        One row per point: an integer ``point`` column 0..P-1 followed by one column per
        parameter path, holding the values to set in the scenario. For ``sobol`` and
        ``morris`` the row order is the one SALib's analysers expect.

    Raises:
        ValueError: For an unknown method, a bad ``n`` or ``seed``, or invalid parameters.
    """
    return points_from_design(parameters, sample_design(parameters, method, n, seed))
