"""Global sensitivity indices of sweep outputs (Sobol' and Morris), via SALib.

The inputs are the SALib problem dict of a sweep (or its list of
:class:`~ceasefire_sim.sweep.samplers.SweepParameter`) and the model outputs at the sample
points, in the order of the sample. Results are long tables, one row per (output, parameter), in
the column conventions of SALib and the EMA Workbench: ``S1``, ``S1_conf``, ``ST``, ``ST_conf``
for Sobol', ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma`` for Morris. ``*_conf`` is the
half-width of the bootstrap confidence interval at ``conf_level``.

An output whose indices are undefined (constant over the sample, or missing at some points) does
not stop the analysis of the others: its rows hold NaN, or zeros for Morris effects of a
constant, and the ``note`` column says why. ``note`` is ``""`` on ordinary rows.

:func:`ishigami` and :data:`ISHIGAMI_INDICES` are the standard test function and its analytic
indices, used to check the pipeline end to end.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol

from ceasefire_sim.sweep.samplers import (
    MORRIS_NUM_LEVELS,
    POINT_COLUMN,
    SweepParameter,
    salib_problem,
)

SOBOL_COLUMNS: tuple[str, ...] = ("output", "parameter", "S1", "S1_conf", "ST", "ST_conf", "note")
"""Columns of the table returned by :func:`sobol_indices`."""

MORRIS_COLUMNS: tuple[str, ...] = (
    "output",
    "parameter",
    "mu",
    "mu_star",
    "mu_star_conf",
    "sigma",
    "note",
)
"""Columns of the table returned by :func:`morris_indices`."""

NOTE_CONSTANT = "output constant over the sample"
"""``note`` of the rows of an output that takes a single value at every point."""


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Evaluate the Ishigami function, a standard sensitivity-analysis test case.

    ``f(x) = sin(x1) + a sin(x2)^2 + b x3^4 sin(x1)``, usually with each ``xi`` uniform on
    ``[-pi, pi]``. ``x3`` has no first-order effect but interacts with ``x1``.

    Args:
        x: Array whose last axis has length 3, e.g. a (P, 3) sample.
        a: Coefficient of the ``x2`` term.
        b: Coefficient of the ``x1``-``x3`` interaction.

    Returns:
        Array of shape ``x.shape[:-1]``.

    Raises:
        ValueError: If the last axis of ``x`` is not of length 3.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 0 or x.shape[-1] != 3:
        raise ValueError(f"ishigami needs 3 inputs on the last axis, got shape {x.shape}")
    x1, x2, x3 = x[..., 0], x[..., 1], x[..., 2]
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def _ishigami_analytic(a: float, b: float) -> Mapping[str, tuple[float, ...]]:
    # Partial variances for xi ~ U(-pi, pi), e.g. Sobol' & Levitan (1999).
    v1 = 0.5 * (1.0 + b * math.pi**4 / 5.0) ** 2
    v2 = a**2 / 8.0
    v13 = b**2 * math.pi**8 * (1.0 / 18.0 - 1.0 / 50.0)
    v = v1 + v2 + v13
    return MappingProxyType({"S1": (v1 / v, v2 / v, 0.0), "ST": ((v1 + v13) / v, v2 / v, v13 / v)})


ISHIGAMI_INDICES: Mapping[str, tuple[float, ...]] = _ishigami_analytic(7.0, 0.1)
"""Analytic indices of :func:`ishigami` with ``a=7``, ``b=0.1`` for ``x1, x2, x3``:
``S1`` ≈ (0.3139, 0.4424, 0.0) and ``ST`` ≈ (0.5576, 0.4424, 0.2437)."""


def _as_problem(parameters_or_problem: Sequence[SweepParameter] | Mapping[str, Any]) -> dict:
    if isinstance(parameters_or_problem, Mapping):
        problem = dict(parameters_or_problem)
        missing = [k for k in ("num_vars", "names", "bounds") if k not in problem]
        if missing:
            raise ValueError(f"SALib problem dict lacks {', '.join(missing)}")
        names = list(problem["names"])
        if not names or problem["num_vars"] != len(names) or len(problem["bounds"]) != len(names):
            raise ValueError(
                "SALib problem dict is inconsistent: num_vars must equal the (non-zero) number "
                "of names and of bounds"
            )
        if len(set(names)) != len(names):
            raise ValueError("SALib problem dict repeats a name")
        problem["names"] = names
        return problem
    return salib_problem(parameters_or_problem)


def _as_outputs(
    outputs: Mapping[str, np.ndarray] | pd.DataFrame, parameter_names: Sequence[str]
) -> list[tuple[str, np.ndarray]]:
    """Return ``(name, 1-D float array)`` per output, in sample order."""
    if isinstance(outputs, pd.DataFrame):
        frame = outputs
        if POINT_COLUMN in frame.columns:
            points = frame[POINT_COLUMN].to_numpy()
            if np.unique(points).size != points.size:
                raise ValueError(
                    f"outputs repeat some '{POINT_COLUMN}' values; aggregate replicates "
                    "(e.g. the mean over seeds) to one row per point first"
                )
            frame = frame.sort_values(POINT_COLUMN, kind="stable")
            # The sample design is order-sensitive: a dropped point misaligns every later row.
            if not np.array_equal(frame[POINT_COLUMN].to_numpy(), np.arange(len(frame))):
                raise ValueError(
                    f"outputs' '{POINT_COLUMN}' column must number the points 0..P-1 without "
                    "gaps; every point of the sample needs an output"
                )
        # A results table usually carries the inputs too; they are not outputs.
        skip = {POINT_COLUMN, *parameter_names}
        names = [c for c in frame.columns if c not in skip]
        non_numeric = [
            str(c)
            for c in names
            if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
        ]
        if non_numeric:
            raise ValueError(
                f"outputs must be numeric; select or encode the column(s) {', '.join(non_numeric)}"
            )
        pairs = [(str(c), frame[c].to_numpy(dtype=float, na_value=np.nan)) for c in names]
    elif isinstance(outputs, Mapping):
        pairs = []
        for name, values in outputs.items():
            try:
                y = np.asarray(values, dtype=float)
            except (TypeError, ValueError) as err:
                raise ValueError(f"output {name!r} is not numeric: {err}") from None
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
            if y.ndim != 1:
                raise ValueError(
                    f"output {name!r} must be one value per point (1-D), got shape {y.shape}"
                )
            pairs.append((str(name), y))
    else:
        raise ValueError(
            f"outputs must be a mapping of name to array or a DataFrame, got {type(outputs)!r}"
        )
    if not pairs:
        raise ValueError("no outputs to analyse")
    return pairs


def _salib_seed(seed: int) -> int:
    """The seed handed to SALib, shifted by one.

    SALib tests ``if seed:`` and would silently fall back to numpy's global generator for 0.
    """
    return int(seed) + 1


def _check_common(num_resamples: object, conf_level: object, seed: object) -> None:
    if not isinstance(num_resamples, numbers.Integral) or num_resamples < 1:
        raise ValueError(f"num_resamples must be a positive integer, got {num_resamples!r}")
    if not isinstance(conf_level, numbers.Real) or not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must lie strictly between 0 and 1, got {conf_level!r}")
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _undefined_note(y: np.ndarray) -> str:
    """Return why indices of ``y`` cannot be computed normally, or ``""``."""
    bad = int(np.count_nonzero(~np.isfinite(y)))
    if bad:
        return f"output missing (NaN or infinite) at {bad} of {y.size} sample points"
    if y.size and np.all(y == y[0]):
        return NOTE_CONSTANT
    return ""


def sobol_indices(
    parameters_or_problem: Sequence[SweepParameter] | Mapping[str, Any],
    outputs: Mapping[str, np.ndarray] | pd.DataFrame,
    *,
    seed: int = 0,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Compute first-order and total Sobol' indices of each output.

    Wraps ``SALib.analyze.sobol.analyze(..., calc_second_order=False)``; the outputs must come
    from a ``sobol`` sample (Saltelli's scheme, ``N * (D + 2)`` points) in sample order.

    Args:
        parameters_or_problem: The swept parameters, or their SALib problem dict.
        outputs: Output name -> one value per point in sample order; or a DataFrame with one
            numeric column per output, ordered by its ``point`` column if it has one. Columns
            named like a parameter and ``point`` are ignored, so a table of inputs and outputs
            joined together can be passed as is.
        seed: Seed of the bootstrap that estimates the confidence intervals.
        num_resamples: Number of bootstrap resamples.
        conf_level: Confidence level of the ``*_conf`` half-widths.

    Returns:
        Columns ``output``, ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``, ``note``;
        one row per output and parameter, in the given orders. An output that is constant or
        has missing values gets NaN indices and a ``note`` (see the module docstring).

    Raises:
        ValueError: If an output's length is not a multiple of ``D + 2``, outputs are not
            numeric, or the arguments are out of range.
    """
    _check_common(num_resamples, conf_level, seed)
    problem = _as_problem(parameters_or_problem)
    names = problem["names"]
    d = len(names)
    rows: list[dict[str, Any]] = []
    for output, y in _as_outputs(outputs, names):
        if y.size == 0 or y.size % (d + 2):
            raise ValueError(
                f"output {output!r} has {y.size} values, but a Sobol' sample of {d} parameters "
                f"has N * {d + 2} points; pass the outputs of the whole 'sobol' sample in order"
            )
        note = _undefined_note(y)
        if note:
            # SALib standardises Y by its standard deviation, which is 0 here: skip it.
            s1 = s1_conf = st = st_conf = np.full(d, np.nan)
        else:
            si = salib_sobol.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=int(num_resamples),
                conf_level=float(conf_level),
                print_to_console=False,
                seed=_salib_seed(seed),
            )
            s1, s1_conf, st, st_conf = (si[k] for k in ("S1", "S1_conf", "ST", "ST_conf"))
        for j, name in enumerate(names):
            rows.append(
                {
                    "output": output,
                    "parameter": name,
                    "S1": float(s1[j]),
                    "S1_conf": float(s1_conf[j]),
                    "ST": float(st[j]),
                    "ST_conf": float(st_conf[j]),
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=list(SOBOL_COLUMNS))


def _check_morris_design(design: np.ndarray, d: int, n_points: int) -> None:
    if design.ndim != 2 or design.shape != (n_points, d):
        raise ValueError(
            f"design must have shape ({n_points}, {d}) to match the outputs, got {design.shape}"
        )
    if not np.isfinite(design).all():
        raise ValueError("design contains NaN or infinite values")
    steps = np.diff(design.reshape(-1, d + 1, d), axis=1)
    # SALib infers the moved parameter from the design; a step moving 0 or 2+ columns would be
    # attributed silently to the wrong one, e.g. when mapped values are passed instead.
    if not np.all(np.count_nonzero(steps, axis=2) == 1):
        raise ValueError(
            "design is not a Morris design: each step of a trajectory must change exactly one "
            "parameter; pass the array from sample_design(..., 'morris', ...), not mapped values"
        )


def morris_indices(
    parameters_or_problem: Sequence[SweepParameter] | Mapping[str, Any],
    design: np.ndarray,
    outputs: Mapping[str, np.ndarray] | pd.DataFrame,
    *,
    seed: int = 0,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    num_levels: int = MORRIS_NUM_LEVELS,
) -> pd.DataFrame:
    """Compute Morris elementary-effect statistics of each output.

    Wraps ``SALib.analyze.morris.analyze`` (unscaled). Elementary effects are output changes per
    unit of the *normalised* parameter range (a step of 1 spans the whole range or unit
    interval), so ``mu_star`` is comparable across parameters of any kind.

    Args:
        parameters_or_problem: The swept parameters, or their SALib problem dict.
        design: The (P, D) design from :func:`~ceasefire_sim.sweep.samplers.sample_design` with
            method ``morris`` (not the mapped values, which may repeat for discrete parameters).
        outputs: Output values in design order, as for :func:`sobol_indices`.
        seed: Seed of the bootstrap that estimates ``mu_star_conf``.
        num_resamples: Number of bootstrap resamples.
        conf_level: Confidence level of ``mu_star_conf``.
        num_levels: Grid levels the design was drawn with.

    Returns:
        Columns ``output``, ``parameter``, ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``,
        ``note``. A constant output has zero effects (they are well defined) and a ``note``;
        an output with missing values has NaN statistics and a ``note``.

    Raises:
        ValueError: If the design is not a Morris design matching the outputs, outputs are not
            numeric, or the arguments are out of range.
    """
    _check_common(num_resamples, conf_level, seed)
    if not isinstance(num_levels, numbers.Integral) or num_levels < 2:
        raise ValueError(f"num_levels must be an integer of at least 2, got {num_levels!r}")
    problem = _as_problem(parameters_or_problem)
    names = problem["names"]
    d = len(names)
    design = np.asarray(design, dtype=float)
    rows: list[dict[str, Any]] = []
    for output, y in _as_outputs(outputs, names):
        if y.size == 0 or y.size % (d + 1):
            raise ValueError(
                f"output {output!r} has {y.size} values, but a Morris sample of {d} parameters "
                f"has r * {d + 1} points; pass the outputs of the whole 'morris' sample in order"
            )
        _check_morris_design(design, d, y.size)
        note = _undefined_note(y)
        if note and note != NOTE_CONSTANT:
            mu = mu_star = mu_star_conf = sigma = np.full(d, np.nan)
        else:
            si = salib_morris.analyze(
                problem,
                design,
                y,
                num_resamples=int(num_resamples),
                conf_level=float(conf_level),
                print_to_console=False,
                num_levels=int(num_levels),
                seed=_salib_seed(seed),
            )
            mu, mu_star, mu_star_conf, sigma = (
                np.ma.filled(np.ma.asarray(si[k], dtype=float), np.nan)
                for k in ("mu", "mu_star", "mu_star_conf", "sigma")
            )
        for j, name in enumerate(names):
            rows.append(
                {
                    "output": output,
                    "parameter": name,
                    "mu": float(mu[j]),
                    "mu_star": float(mu_star[j]),
                    "mu_star_conf": float(mu_star_conf[j]),
                    "sigma": float(sigma[j]),
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=list(MORRIS_COLUMNS))


# ------------------------------------------------------------ convergence
#: Absolute half-width every total index must reach (or :data:`CONVERGENCE_RELATIVE` of the
#: output's largest total index, whichever is larger).
CONVERGENCE_ABSOLUTE = 0.05
#: Half-width relative to the output's largest total index that also counts as converged.
CONVERGENCE_RELATIVE = 0.10


@dataclass(frozen=True)
class Convergence:
    """Whether Sobol' total indices are estimated precisely enough, per the one rule.

    The rule: every total index's bootstrap half-width (``ST_conf``) is at most
    ``max(0.05, 0.10 * largest ST of its output)``. The same rule serves ``make validate``
    (which grows the base sample until it holds) and sweeps (which report it).

    Attributes:
        base: The base sample size the indices came from.
        converged: Whether every output with defined indices meets the rule.
        outputs: Per output: ``tolerance``, ``worst_half_width``, ``worst_parameter``,
            ``converged`` and ``needed_base`` (the base sample the rule needs, extrapolated as
            half-widths shrink like ``1 / sqrt(base)``, rounded up to a power of 2).
    """

    base: int
    converged: bool
    outputs: dict[str, dict[str, Any]]

    def message(self) -> str:
        """One sentence for people: converged, or which index is short and what base is needed."""
        if self.converged:
            return (
                f"Sobol' indices converged at base sample {self.base:,}: every ST half-width "
                f"is within max({CONVERGENCE_ABSOLUTE}, {CONVERGENCE_RELATIVE:.0%} of the "
                "largest ST)."
            )
        short = [(o, s) for o, s in self.outputs.items() if not s["converged"]]
        needed = max(s["needed_base"] for _, s in short)
        short.sort(key=lambda item: -item[1]["worst_half_width"] / item[1]["tolerance"])
        worst = ", ".join(
            f"{o}: ST({s['worst_parameter']}) ± {s['worst_half_width']:.3f} > {s['tolerance']:.3f}"
            for o, s in short[:3]
        )
        more = f" and {len(short) - 3} more outputs" if len(short) > 3 else ""
        return (
            f"Sobol' indices NOT converged at base sample {self.base:,} ({worst}{more}); "
            f"about {needed:,} is needed (samples: {needed} in the spec)."
        )


def sobol_convergence(indices: pd.DataFrame, base: int) -> Convergence:
    """Apply the convergence rule to a table of :func:`sobol_indices`.

    Outputs whose indices are undefined (constant or missing; NaN rows) are left out.

    Args:
        indices: The table (``output``, ``parameter``, ``ST``, ``ST_conf``).
        base: Base sample size of the design.
    """
    outputs: dict[str, dict[str, Any]] = {}
    for output, rows in indices.groupby("output", sort=False):
        st = rows["ST"].to_numpy(dtype=float)
        conf = rows["ST_conf"].to_numpy(dtype=float)
        if not (np.isfinite(st).all() and np.isfinite(conf).all()):
            continue
        tolerance = max(CONVERGENCE_ABSOLUTE, CONVERGENCE_RELATIVE * float(st.max()))
        worst = int(np.argmax(conf))
        ratio = float(conf[worst]) / tolerance
        needed = base if ratio <= 1 else 2 ** math.ceil(math.log2(base * ratio**2))
        outputs[str(output)] = {
            "tolerance": tolerance,
            "worst_half_width": float(conf[worst]),
            "worst_parameter": str(rows["parameter"].iloc[worst]),
            "converged": ratio <= 1,
            "needed_base": int(needed),
        }
    return Convergence(
        base=int(base),
        converged=all(s["converged"] for s in outputs.values()),
        outputs=outputs,
    )
