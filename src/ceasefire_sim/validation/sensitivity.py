"""Sensitivity: Sobol' indices of the headline outcomes over the most uncertain parameters.

The Saltelli design of :func:`~ceasefire_sim.sweep.samplers.sample_points` is laid out as worlds
of one model run: point ``j`` gets its own block of ``k`` worlds, all with the point's parameter
values (``overrides={path: (N,) array}``), and each headline outcome is summarised per block
(a probability or a median over its ``k`` worlds). Parameters the sweep does not vary keep their
per-world distributions, so each point's outcome averages over them as well as over the noise.

That averaging leaves Monte Carlo noise in each point's outcome. The design's points are run
with common random numbers (:func:`run_sobol`), so the noise cancels in the contrasts the
estimators use and only adds to the total variance: it lowers every index in proportion and the
first-order indices sum to at most one minus the noise's share. That share is estimated by
splitting each block in two halves (:func:`noise_share`) and reported with the indices.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from ceasefire_sim import metrics
from ceasefire_sim.errors import ScenarioError
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.results import Results
from ceasefire_sim.scenario.loader import load_scenario, numeric_paths
from ceasefire_sim.scenario.schema import Scenario
from ceasefire_sim.sweep.samplers import SweepParameter, sample_points
from ceasefire_sim.sweep.sensitivity import (
    ISHIGAMI_INDICES,
    ishigami,
    sobol_convergence,
    sobol_indices,
)
from ceasefire_sim.validation import BASELINE, Check, ValidationConfig

SECTION = "sensitivity"

#: The ten most uncertain inputs of the baseline and the talks' interval. Seven are the widest
#: per-world distributions of the scenario (the Russian casualty rate and defence share are left
#: out: their sourced ranges are narrow, +-14% and +-12% around the middle); three are key
#: assumptions without a source: the answers' noise, the mediator's leverage on Russia and
#: Russia's optimism; the interval of the talks is procedural (:data:`PROCEDURAL_PATHS`).
UNCERTAIN_PATHS: tuple[str, ...] = (
    "front.initial_gain_km2_per_month",
    "belligerents.ukraine.casualties_per_day",
    "belligerents.ukraine.cost_tolerance",
    "belligerents.russia.cost_tolerance",
    "belligerents.ukraine.preferences.red_line_erosion",
    "belligerents.russia.preferences.red_line_erosion",
    "mediator.patience_days",
    "talks.logit_scale",
    "talks.interval_days",
    "mediator.leverage_on_russia",
    "belligerents.russia.belief.prior_mean_km2_per_day",
)

#: Procedural parameters (how the talks are run, not what the sides want): their total index
#: of P(ceasefire within 365 days) should be small (timing is structural, DESIGN principle 9).
PROCEDURAL_PATHS: tuple[str, ...] = ("talks.logit_scale", "talks.interval_days")

#: Ranges set explicitly rather than +-50% of the value: the talks' interval over the range the
#: lever audit uses (every 3 to every 28 days).
EXPLICIT_RANGES: dict[str, tuple[float, float, str]] = {
    "talks.interval_days": (3.0, 28.0, "procedural: talks every 3 to every 28 days"),
}

#: Relative half-width of the range of a fixed (assumed) value: +-50%.
ASSUMPTION_SPREAD = 0.5

#: The outcomes analysed, as names of the metric registry (:mod:`ceasefire_sim.metrics`), in
#: the order of the report; the first is the headline, P(ceasefire by day 365), whose indices
#: must converge whatever the sample it takes.
OUTPUTS: tuple[str, ...] = (
    "p_ceasefire_365",
    "p_ceasefire_90",
    "p_holding",
    "median_control_change_km2",
)
HEADLINE = OUTPUTS[0]


@dataclass(frozen=True)
class UncertainParameter:
    """A parameter of the sensitivity analysis and where its range comes from.

    Attributes:
        path: Dotted path in the scenario.
        low: Lower end of the uniform range sampled.
        high: Upper end.
        basis: Why this range (the scenario's distribution, or an assumption +-50%).
    """

    path: str
    low: float
    high: float
    basis: str

    def sweep_parameter(self) -> SweepParameter:
        """The parameter as a uniform sweep range."""
        return SweepParameter(self.path, low=self.low, high=self.high)


def uncertain_parameters(
    scenario: Scenario,
    paths: tuple[str, ...] = UNCERTAIN_PATHS,
    spread: float = ASSUMPTION_SPREAD,
) -> list[UncertainParameter]:
    """Ranges of the parameters: the scenario's own range where it has one, else +-``spread``.

    A uniform distribution gives its ``low``-``high``; another distribution its 5%-95%
    quantiles; a fixed value ``v`` the range ``v (1 - spread)`` to ``v (1 + spread)``.

    Raises:
        ScenarioError: If a path is not a numeric parameter of the scenario, or a fixed value
            is 0 (a relative range around it is empty).
    """
    params = numeric_paths(scenario)
    out = []
    for path in paths:
        if path not in params:
            raise ScenarioError(f"sensitivity parameter {path!r} is not in the scenario")
        p = params[path]
        if path in EXPLICIT_RANGES:
            low, high, basis = EXPLICIT_RANGES[path]
        elif p.dist == "uniform":
            low, high = float(p.low), float(p.high)  # type: ignore[arg-type]
            basis = f"scenario: uniform({_num(low)}, {_num(high)}) per world"
        elif p.dist is not None:
            low, high = (float(v) for v in p.ppf(np.array([0.05, 0.95])))
            basis = f"scenario: 5-95% of its {p.dist} distribution"
        else:
            value = float(p.value)  # type: ignore[arg-type]
            if value == 0:
                raise ScenarioError(
                    f"sensitivity parameter {path!r} is 0 in the scenario; a relative range "
                    "around it is empty: give it a distribution or leave it out"
                )
            low, high = sorted((value * (1 - spread), value * (1 + spread)))
            basis = f"assumption {_num(value)} +-{spread:.0%}"
        out.append(UncertainParameter(path, low, high, basis))
    return out


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def point_outcomes(outcomes: pd.DataFrame, block: np.ndarray) -> dict[str, np.ndarray]:
    """The outcomes of :data:`OUTPUTS` at each point, from its block of worlds.

    Args:
        outcomes: ``Results.outcomes`` of the run (at least ``first_ceasefire_day``, ``status``
            and ``control_change_km2``).
        block: ``(N,)`` point number of each world.

    Returns:
        Output name -> ``(P,)`` value per point (a share, or a median), in point order.
    """
    values = {name: metrics.get(name).values(outcomes) for name in OUTPUTS}
    frame = pd.DataFrame({"block": block, **values})
    grouped = frame.groupby("block", sort=True)
    out = {}
    for name in OUTPUTS:
        column = grouped[name]
        out[name] = (
            column.median() if metrics.get(name).kind == "median" else column.mean()
        ).to_numpy()
    return out


def noise_share(outcomes: pd.DataFrame, block: np.ndarray) -> dict[str, float]:
    """Share of each output's variance between points that is Monte Carlo noise within points.

    Each block is split into two halves and the output computed on each; for an estimator over
    ``k`` worlds, ``Var(half_1 - half_2) / 4`` estimates the noise variance of the full-block
    value. The share is that over the variance of the full-block values across points.
    """
    block = np.asarray(block)
    position = np.zeros(len(block), dtype=np.int64)
    for b in np.unique(block):
        idx = np.flatnonzero(block == b)
        position[idx] = np.arange(len(idx))
    sizes = np.bincount(block)
    half = position < sizes[block] // 2
    first = point_outcomes(outcomes[half].reset_index(drop=True), block[half])
    second = point_outcomes(outcomes[~half].reset_index(drop=True), block[~half])
    full = point_outcomes(outcomes, block)
    shares = {}
    for name in OUTPUTS:
        total = float(np.var(full[name]))
        noise = float(np.var(first[name] - second[name])) / 4.0
        shares[name] = noise / total if total > 0 else math.nan
    return shares


def saltelli_roles(points: pd.DataFrame, paths: list[str]) -> list[pd.DataFrame]:
    """Split a Saltelli sample into its ``D + 2`` roles: ``A``, ``AB_1`` ... ``AB_D``, ``B``.

    SALib orders the sample (first and total order) in groups of ``D + 2`` rows per base point:
    the row of ``A``, the rows of ``AB_i`` (``A`` with column ``i`` from ``B``), the row of ``B``.

    Raises:
        ValueError: If the sample is not in that order.
    """
    d = len(paths)
    values = points[paths].to_numpy(dtype=float)
    if len(values) % (d + 2):
        raise ValueError(f"a Saltelli sample of {d} parameters has N * {d + 2} rows")
    groups = values.reshape(-1, d + 2, d)
    a, b = groups[:, 0], groups[:, -1]
    for i in range(d):
        ab = groups[:, i + 1]
        others = np.delete(np.arange(d), i)
        if not (np.array_equal(ab[:, others], a[:, others]) and np.array_equal(ab[:, i], b[:, i])):
            raise ValueError("the sample is not in SALib's Saltelli order (A, AB_1..AB_D, B)")
    return [points.iloc[r :: d + 2].reset_index(drop=True) for r in range(d + 2)]


def run_sobol(
    config: ValidationConfig | None = None, scenario_path: str | Path = BASELINE
) -> dict[str, Any]:
    """Sample, simulate and analyse: Sobol' S1/ST of :data:`OUTPUTS`, grown to convergence.

    The Saltelli design is run as ``D + 2`` models, one per role of the design (``A``,
    ``AB_1`` ... ``AB_D``, ``B``; :func:`saltelli_roles`): world ``j * k + r`` of each is
    replicate ``r`` of base point ``j``, keyed (``world_keys``) so that it draws the random
    numbers of world ``j * k + r`` of a plain run with the seed. Replicate ``r`` of point ``j``
    then sees the same random numbers in every role (common random numbers): the contrasts
    between ``A``, ``AB_i`` and ``B`` on which the estimators rest are free of the worlds'
    noise, which only adds to the total variance.

    With ``config.sobol_converge``, the base sample starts at ``config.sobol_base`` and doubles
    until the convergence rule (:func:`~ceasefire_sim.sweep.sensitivity.sobol_convergence`)
    holds for every output, or until ``config.sobol_max_base`` once the headline output
    (:data:`HEADLINE`) meets it: the headline is never stopped by the budget. A Saltelli sample
    of base ``2N`` begins with that of base ``N``, so each doubling simulates only the new
    points. The model draws each day's noise as one block over its worlds, so the new points'
    worlds get noise of their own block; all roles of a base point still share theirs, which is
    what the estimators need.

    Returns:
        ``parameters`` (list of :class:`UncertainParameter`), ``indices`` (the table of
        :func:`~ceasefire_sim.sweep.sensitivity.sobol_indices`), ``outputs`` (per point, in
        sample order), ``noise_share`` (per output), ``points``, ``worlds``,
        ``horizon_days``, ``base`` (the base sample used), ``convergence`` (the rule's
        verdict at that base) and ``history`` (base -> worst half-width over tolerance, per
        output, at each size tried).
    """
    config = config or ValidationConfig()
    scenario = load_scenario(scenario_path)
    parameters = uncertain_parameters(scenario)
    sweep = [p.sweep_parameter() for p in parameters]
    paths = [p.path for p in parameters]
    k = config.sobol_worlds_per_point
    base, done = config.sobol_base, 0
    frames: list[pd.DataFrame] = []
    history: list[dict[str, Any]] = []
    horizon = 0
    while True:
        points = sample_points(sweep, "sobol", n=base, seed=config.seed)
        roles = saltelli_roles(points, paths)
        new, horizon = _simulate_roles(scenario, roles, paths, done, base, k, config)
        frames.append(new)
        done = base
        outcomes = pd.concat(frames, ignore_index=True).sort_values("point", kind="stable")
        outcomes = outcomes.reset_index(drop=True)
        block = outcomes["point"].to_numpy()
        outputs = point_outcomes(outcomes, block)
        with warnings.catch_warnings():
            # SALib warns when a bootstrap resample of a rare outcome is constant; the table's
            # confidence half-widths already show how uncertain such an index is.
            warnings.filterwarnings("ignore", "Constant values encountered", UserWarning)
            indices = sobol_indices(
                sweep, outputs, seed=config.seed, num_resamples=config.sobol_resamples
            )
        convergence = sobol_convergence(indices, base)
        history.append(
            {
                "base": base,
                "ratio": {
                    o: s["worst_half_width"] / s["tolerance"]
                    for o, s in convergence.outputs.items()
                },
            }
        )
        headline = convergence.outputs.get(HEADLINE, {"converged": True})
        if not config.sobol_converge or convergence.converged:
            break
        if base >= config.sobol_max_base and headline["converged"]:
            break
        base *= 2
    return {
        "parameters": parameters,
        "indices": indices,
        "outputs": outputs,
        "noise_share": noise_share(outcomes, block),
        "points": len(points),
        "worlds": len(block),
        "horizon_days": horizon,
        "base": base,
        "convergence": convergence,
        "history": history,
    }


def _simulate_roles(
    scenario: Scenario,
    roles: list[pd.DataFrame],
    paths: list[str],
    start: int,
    stop: int,
    k: int,
    config: ValidationConfig,
) -> tuple[pd.DataFrame, int]:
    """Outcomes of base points ``start..stop-1`` in every role, ``k`` worlds each.

    Returns:
        The outcomes with a ``point`` column (the number in the sample's order, base point
        ``j`` and role ``r`` -> ``j * (D + 2) + r``) and the horizon simulated.
    """
    replicate_of = np.repeat(np.arange(start, stop), k)
    keys = np.arange(start * k, stop * k, dtype=np.int64)
    frames, horizon = [], 0
    for r, role in enumerate(roles):
        overrides = {path: role[path].to_numpy(dtype=float)[replicate_of] for path in paths}
        model = CeasefireModel(
            scenario,
            worlds=len(replicate_of),
            seed=config.seed,
            days=config.days,
            overrides=overrides,
            narrative_worlds=0,
            world_keys=keys,
        )
        try:
            model.run()
            results = Results.from_model(model)
        finally:
            # Mesa 3.3.1 keeps every model in Agent._ids; a long loop would hold them all.
            mesa.Agent._ids.pop(model, None)
        horizon = int(results.manifest["days"])
        frame = results.outcomes[["first_ceasefire_day", "status", "control_change_km2"]].copy()
        frame["point"] = replicate_of * len(roles) + r
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), horizon


#: Absolute slack of the coherence check, below the report's two decimals: an inert parameter's
#: estimates scatter around 0 by a few thousandths even where the bootstrap half-width is ~0.
COHERENCE_SLACK = 0.005


def coherent(s1: float, s1_conf: float, st: float, st_conf: float) -> bool:
    """Whether ``0 <= S1 <= ST <= 1`` holds within the confidence half-widths.

    Each half-width is widened by :data:`COHERENCE_SLACK`.
    """
    values = (s1, s1_conf, st, st_conf)
    if not all(np.isfinite(v) for v in values):
        return False
    s1_conf, st_conf = s1_conf + COHERENCE_SLACK, st_conf + COHERENCE_SLACK
    return (
        s1 + s1_conf >= 0.0
        and s1 - s1_conf <= st + st_conf
        and st - st_conf <= 1.0
        and st + st_conf >= 0.0
    )


def check_estimator(base: int, dimensions: int, seed: int, resamples: int) -> Check:
    """The Sobol' pipeline at this sample size recovers the Ishigami function's indices.

    Ishigami's three inputs are padded with inert ones to the number of model parameters, so
    the design has the same size as the model's; every estimate must lie within three standard
    errors (``3 conf / 1.96``, at least 0.05) of the analytic value, inert inputs at 0.
    """
    names = [f"x{i + 1}" for i in range(max(dimensions, 3))]
    sweep = [SweepParameter(n, low=-math.pi, high=math.pi) for n in names]
    points = sample_points(sweep, "sobol", n=base, seed=seed)
    y = ishigami(points[names[:3]].to_numpy())
    table = sobol_indices(sweep, {"y": y}, seed=seed, num_resamples=resamples)
    worst = 0.0
    ok = True
    for kind in ("S1", "ST"):
        analytic = np.zeros(len(names))
        analytic[:3] = ISHIGAMI_INDICES[kind]
        estimate = table[kind].to_numpy()
        tolerance = np.maximum(3.0 * table[f"{kind}_conf"].to_numpy() / 1.96, 0.05)
        error = np.abs(estimate - analytic)
        ok &= bool(np.all(error <= tolerance))
        worst = max(worst, float(np.max(error)))
    s1 = table["S1"].to_numpy()[:3]
    st = table["ST"].to_numpy()[:3]
    return Check(
        SECTION,
        "Sobol' estimator at this sample size (Ishigami function)",
        f"S1 {', '.join(f'{v:.2f}' for v in s1)}; ST {', '.join(f'{v:.2f}' for v in st)}",
        "S1 0.31, 0.44, 0.00; ST 0.56, 0.44, 0.24",
        passed=ok,
        detail=(
            f"The same sampler and analyser with base sample {base} and {len(names)} inputs "
            f"(Ishigami's three plus {len(names) - 3} inert ones, analytic indices 0); largest "
            "error over all inputs and indices "
            f"{worst:.3f} (pass: every error within 3 standard errors of the bootstrap, at "
            "least 0.05)."
        ),
        data={"max_error": worst},
    )


def sensitivity_checks(sobol: dict[str, Any]) -> list[Check]:
    """One row per output and parameter: the indices, and whether they are coherent."""
    table: pd.DataFrame = sobol["indices"]
    bases = {p.path: p for p in sobol["parameters"]}
    checks = []
    for row in table.itertuples(index=False):
        param = bases[row.parameter]
        noise = sobol["noise_share"].get(row.output, math.nan)
        checks.append(
            Check(
                SECTION,
                f"{row.output}: {row.parameter}",
                f"S1 {row.S1:.2f} ± {row.S1_conf:.2f}; ST {row.ST:.2f} ± {row.ST_conf:.2f}",
                "0 ≤ S1 ≤ ST ≤ 1 within the intervals",
                passed=coherent(row.S1, row.S1_conf, row.ST, row.ST_conf),
                detail=(
                    f"range {_num(param.low)}-{_num(param.high)} ({param.basis}); "
                    f"noise share of the output {noise:.0%}" + (f"; {row.note}" if row.note else "")
                ),
                data={
                    "output": row.output,
                    "parameter": row.parameter,
                    "S1": row.S1,
                    "S1_conf": row.S1_conf,
                    "ST": row.ST,
                    "ST_conf": row.ST_conf,
                },
            )
        )
    return checks


def convergence_checks(sobol: dict[str, Any]) -> list[Check]:
    """One row per output: does the convergence rule hold at the base sample used?"""
    convergence = sobol["convergence"]
    checks = []
    for output, state in convergence.outputs.items():
        tried = ", ".join(
            f"{h['base']:,}: {h['ratio'][output]:.2f}"
            for h in sobol["history"]
            if output in h["ratio"]
        )
        headline = " (the headline: grown until it converges)" if output == HEADLINE else ""
        met = [h["base"] for h in sobol["history"] if h["ratio"].get(output, math.inf) <= 1]
        needed = min(met) if met else state["needed_base"]
        checks.append(
            Check(
                SECTION,
                f"Sobol' convergence: {metrics.label(output)}",
                f"largest ST half-width {state['worst_half_width']:.3f} "
                f"({state['worst_parameter']}) at base sample {convergence.base:,}",
                f"≤ {state['tolerance']:.3f} = max(0.05, 10% of the largest ST)",
                passed=bool(state["converged"]),
                detail=(
                    f"Base sample needed by the rule: {needed:,}{headline}. "
                    f"Largest half-width over the tolerance at each base sample tried: {tried}."
                ),
                data={
                    "convergence_output": output,
                    "base": convergence.base,
                    "needed_base": needed,
                    "worst_half_width": state["worst_half_width"],
                    "tolerance": state["tolerance"],
                },
            )
        )
    return checks


def run_sensitivity(
    config: ValidationConfig | None = None, scenario_path: str | Path = BASELINE
) -> tuple[list[Check], dict[str, Any]]:
    """The estimator check, the convergence rows and the Sobol' rows; the analysis itself."""
    config = config or ValidationConfig()
    sobol = run_sobol(config, scenario_path)
    estimator = check_estimator(
        sobol["base"], len(sobol["parameters"]), config.seed, config.sobol_resamples
    )
    return [estimator, *convergence_checks(sobol), *sensitivity_checks(sobol)], sobol
