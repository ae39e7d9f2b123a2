"""ABC-SMC fit of the front and casualty parameters (pyabc), and its diagnostics.

The simulator (:mod:`.simulator`) runs each parameter set from January 2023 through the last
complete month before ``until`` and on for ``forecast_months``. The observed series is the mean
of the trackers available in each month, and the simulated one is observed the same way: each
month's gain plus the error of a mean of as many trackers as reported that month, normal with
s.d. ``s / sqrt(n)``, ``s`` the pooled spread of the trackers about their monthly mean before
``until`` (``Observations.tracker_error_sd``). The distance is the Euclidean norm of the
differences between simulated and observed summary statistics, each divided by its spread
over the prior (median absolute deviation of 400 prior draws, seeded).

The sampler is pyabc's single-core sampler seeded through numpy's global state, so a spec and
a seed give the same posterior bit for bit (``make calibrate-check``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ceasefire_sim.calibration.observations import Observations, load_observations
from ceasefire_sim.calibration.simulator import (
    STATISTICS,
    Calendar,
    simulate_months,
    statistics_of,
)
from ceasefire_sim.calibration.spec import (
    OFFENSIVE_COLUMN,
    WEIGHT_COLUMN,
    CalibrationError,
    CalibrationSpec,
)

#: The fitted parameter whose particles are regression-adjusted (:func:`casualty_level_adjustment`).
CASUALTY_LEVEL = "belligerents.russia.casualties_per_day"
#: Format of every number written to the posterior file (the file is compared byte for byte).
FLOAT_FORMAT = "%.10g"
#: Prior draws used to scale the statistics.
SCALE_DRAWS = 400
#: Posterior-predictive draws for the band.
PREDICTIVE_DRAWS = 1000


@dataclass
class Problem:
    """What the fit needs, derived from a spec and the observations before its cut."""

    spec: CalibrationSpec
    observations: Observations
    fixed: dict[str, float]
    calendar: Calendar
    n_fit: int
    observed: np.ndarray
    scale: np.ndarray
    observed_mask: np.ndarray
    cut_day: int
    error_sd: np.ndarray
    forecast_error_sd: float

    @property
    def names(self) -> list[str]:
        """The fitted scenario paths, in the spec's order."""
        return list(self.spec.prior)

    def simulate(self, theta: dict[str, float], rng: np.random.Generator) -> dict[str, Any]:
        """One world: its statistics over the fit months and its forecast months."""
        gains, casualties, offensive = simulate_months(
            theta, self.fixed, self.calendar, rng, cut_day=self.cut_day + 1
        )
        fit_gains = np.where(
            self.observed_mask,
            gains[: self.n_fit] + self.error_sd * rng.standard_normal(self.n_fit),
            np.nan,
        )
        fit_casualties = np.where(
            np.isnan(self.observations.casualties_per_day.to_numpy()),
            np.nan,
            casualties[: self.n_fit],
        )
        stats = statistics_of(fit_gains, fit_casualties, self.observations.months)
        return {
            "stats": stats,
            "forecast_gains": gains[self.n_fit :],
            "forecast_casualties": casualties[self.n_fit :],
            "offensive_at_cut": float(offensive[min(self.cut_day, len(offensive) - 1)]),
        }

    def distance(self, stats: np.ndarray) -> float:
        """Euclidean distance of simulated to observed statistics, each over its scale."""
        return float(np.sqrt(np.sum(np.square((stats - self.observed) / self.scale))))


def build_problem(spec: CalibrationSpec) -> Problem:
    """The observations before the spec's cut, the observed ranges and the statistics' scales."""
    observations = load_observations(pd.Timestamp(spec.until))
    n_fit = len(observations.months)
    months = pd.period_range(
        observations.months[0], observations.months[-1] + spec.forecast_months, freq="M"
    )
    fixed = spec.fixed_values()
    casualties = observations.casualties_per_day.to_numpy()
    try:
        tracker_sd = observations.tracker_error_sd()
    except ValueError as exc:
        raise CalibrationError(str(exc), str(spec.path or "")) from exc
    trackers = observations.trackers
    recent = trackers[-12:][trackers[-12:] > 0]
    problem = Problem(
        spec=spec,
        observations=observations,
        fixed=fixed,
        calendar=Calendar(months),
        n_fit=n_fit,
        observed=statistics_of(observations.gain_mean, casualties, observations.months),
        scale=np.ones(len(STATISTICS)),
        observed_mask=~np.isnan(observations.gain_mean),
        # The day before the cut: the phase a run starting on ``until`` begins in.
        cut_day=int((pd.Timestamp(spec.until) - months[0].start_time).days) - 1,
        error_sd=tracker_sd / np.sqrt(np.maximum(trackers, 1)),
        forecast_error_sd=tracker_sd / float(np.sqrt(recent.mean() if len(recent) else 1.0)),
    )
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0x5CA1E]))
    draws = np.array(
        [
            problem.simulate(
                {
                    name: prior.low + (prior.high - prior.low) * rng.random()
                    for name, prior in spec.prior.items()
                },
                rng,
            )["stats"]
            for _ in range(SCALE_DRAWS)
        ]
    )
    mad = np.median(np.abs(draws - np.median(draws, axis=0)), axis=0)
    problem.scale = np.where(mad > 0, mad, 1.0)
    return problem


@dataclass
class Fit:
    """A fitted posterior.

    Attributes:
        posterior: ``(P, K + 2)`` frame: one row per particle, the fitted paths, the phase at the
            cut (:data:`OFFENSIVE_COLUMN`) and the normalised weight.
        forecast_gains: ``(P, F)`` each particle's simulated gains of the months after the cut.
        forecast_casualties: ``(P, F)`` the same for casualties per day.
        forecast_months: ``(F,)`` those months.
        diagnostics: Effective sample size, epsilons, prior and posterior s.d., coverage.
    """

    posterior: pd.DataFrame
    forecast_gains: np.ndarray
    forecast_casualties: np.ndarray
    forecast_months: pd.PeriodIndex
    diagnostics: dict[str, Any]
    problem: Problem


def run_abc(spec: CalibrationSpec, out_dir: Path) -> Fit:
    """Fit the spec with pyabc's ABC-SMC on one core, seeded; the database goes in ``out_dir``.

    Args:
        spec: The calibration spec.
        out_dir: Output folder (created); receives ``abc.db``.

    Returns:
        The :class:`Fit`.
    """
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    out_dir.mkdir(parents=True, exist_ok=True)
    problem = build_problem(spec)
    names = problem.names
    keys = {name: f"p{i}" for i, name in enumerate(names)}
    bounds = {keys[name]: (p.low, p.high) for name, p in spec.prior.items()}

    class UniformBox(pyabc.Distribution):
        """The uniform prior, with its density computed directly (scipy's costs ms per call)."""

        def pdf(self, x: Any) -> float:
            density = 1.0
            for key, (low, high) in bounds.items():
                value = x[key]
                if not low <= value <= high:
                    return 0.0
                density /= high - low
            return density

    prior = UniformBox(
        **{key: pyabc.RV("uniform", low, high - low) for key, (low, high) in bounds.items()}
    )

    class OneModel(pyabc.RV):
        """pyabc's default prior over the one model, with its mass computed directly."""

        def pmf(self, x: Any, *args: Any, **kwargs: Any) -> float:
            return 1.0 if x == 0 else 0.0

    class Perturbation(pyabc.MultivariateNormalTransition):
        """pyabc's multivariate normal kernel, drawing as it does but without pandas.

        The same calls on numpy's global state in the same order (a particle by its weight,
        then the normal step), so the draws are those of pyabc's kernel; most of a fit's
        proposals fall outside the prior's box and are drawn again, so this is most of its
        time.
        """

        def rvs_single(self) -> Any:
            index = np.random.choice(self._range, p=self.w, replace=True)
            step = np.random.multivariate_normal(np.zeros(self.cov.shape[0]), self.cov)
            values = self._X_arr[index] + step
            return pyabc.Parameter(dict(zip(self.X.columns, values, strict=True)))

    def model(parameter: Any) -> dict[str, Any]:
        theta = {name: float(parameter[keys[name]]) for name in names}
        rng = np.random.default_rng(np.random.randint(0, 2**31 - 1))
        return problem.simulate(theta, rng)

    def distance(x: dict[str, Any], x0: dict[str, Any]) -> float:
        return problem.distance(np.asarray(x["stats"]))

    np.random.seed(spec.seed)
    db = out_dir / "abc.db"
    if db.exists():
        db.unlink()
    abc = pyabc.ABCSMC(
        model,
        prior,
        distance,
        population_size=spec.population,
        transitions=Perturbation(scaling=spec.kernel_scaling),
        model_prior=OneModel("randint", 0, 1),
        sampler=pyabc.sampler.SingleCoreSampler(),
    )
    abc.new(f"sqlite:///{db}", {"stats": problem.observed})
    history = abc.run(
        max_nr_populations=spec.generations, min_acceptance_rate=spec.min_acceptance_rate
    )
    frame, weights = history.get_distribution(m=0)
    stats_weights, sum_stats = history.get_weighted_sum_stats(t=history.max_t)
    # get_distribution and get_weighted_sum_stats list the particles in the same order.
    posterior = pd.DataFrame({name: frame[keys[name]].to_numpy() for name in names})
    posterior[OFFENSIVE_COLUMN] = [s["offensive_at_cut"] for s in sum_stats]
    posterior[WEIGHT_COLUMN] = np.asarray(weights) / np.sum(weights)
    if not np.allclose(np.asarray(stats_weights) / np.sum(stats_weights), posterior[WEIGHT_COLUMN]):
        raise RuntimeError("pyabc listed the particles and their statistics in different orders")
    forecast_gains = np.array([s["forecast_gains"] for s in sum_stats])
    forecast_casualties = np.array([s["forecast_casualties"] for s in sum_stats])
    stats = np.array([np.asarray(s["stats"]) for s in sum_stats])
    adjustment: dict[str, Any] = {}
    if spec.adjust_casualty_level and CASUALTY_LEVEL in names:
        factor, adjustment = casualty_level_adjustment(
            posterior[CASUALTY_LEVEL].to_numpy(),
            posterior[WEIGHT_COLUMN].to_numpy(),
            (stats - problem.observed) / problem.scale,
            spec.prior[CASUALTY_LEVEL].low,
            spec.prior[CASUALTY_LEVEL].high,
        )
        posterior[CASUALTY_LEVEL] = posterior[CASUALTY_LEVEL].to_numpy() * factor
        forecast_casualties = forecast_casualties * factor[:, None]
    forecast_months = problem.calendar.months[problem.n_fit :]
    populations = history.get_all_populations()
    diagnostics = {
        "spec": spec.name,
        "until": str(spec.until),
        "seed": spec.seed,
        "generations": int(history.max_t + 1),
        "epsilons": [float(e) for e in populations["epsilon"] if np.isfinite(e)],
        "simulations": int(history.total_nr_simulations),
        "effective_sample_size": float(
            pyabc.weighted_statistics.effective_sample_size(posterior[WEIGHT_COLUMN].to_numpy())
        ),
        "parameters": {
            name: {
                "prior_sd": spec.prior[name].sd,
                "posterior_mean": _weighted_mean(posterior[name], posterior[WEIGHT_COLUMN]),
                "posterior_sd": _weighted_sd(posterior[name], posterior[WEIGHT_COLUMN]),
            }
            for name in names
        },
        "casualty_level_adjustment": adjustment,
        "tracker_error_sd": float(problem.error_sd.max()),
        "statistics": {
            name: {"observed": float(ob), "scale": float(sc)}
            for name, ob, sc in zip(STATISTICS, problem.observed, problem.scale, strict=True)
        },
    }
    for name in names:
        entry = diagnostics["parameters"][name]
        entry["sd_ratio"] = entry["posterior_sd"] / entry["prior_sd"]
    return Fit(
        posterior, forecast_gains, forecast_casualties, forecast_months, diagnostics, problem
    )


def casualty_level_adjustment(
    level: np.ndarray,
    weights: np.ndarray,
    deviations: np.ndarray,
    low: float,
    high: float,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Regression adjustment of the casualty level (Beaumont, Zhang and Balding 2002).

    ABC accepts a particle whose statistics lie within the tolerance of the observed ones, so a
    parameter the statistics pin closely keeps the spread the tolerance leaves. The weighted
    least-squares line of the log casualty level on the particles' statistics (their deviations
    from the observed ones, each over its scale) says how the level moves with them; each
    particle's level is moved along it to the observed statistics,
    ``log c' = log c - (s - s_obs) b``. Only the casualty level is adjusted: a particle's
    casualties from the cut on are its level times a factor of its tempo
    (``calibration.simulator``), so its simulated months scale exactly with the adjusted level,
    which no other fitted parameter does. Adjusted levels are kept within the prior.

    Args:
        level: ``(P,)`` the particles' casualty levels (persons/day).
        weights: ``(P,)`` their normalised weights.
        deviations: ``(P, S)`` their statistics less the observed ones, over the scales.
        low: Lower bound of the prior (persons/day).
        high: Upper bound of the prior (persons/day).

    Returns:
        ``(factor, summary)``: ``(P,)`` adjusted over unadjusted level, and the weighted s.d.
        of the level before and after with the regression's R².
    """
    x = np.column_stack([np.ones(len(level)), deviations])
    y = np.log(level)
    root = np.sqrt(weights)
    coefficients, *_ = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)
    adjusted = np.clip(np.exp(y - deviations @ coefficients[1:]), low, high)
    w = weights / weights.sum()
    fitted = x @ coefficients
    r2 = 1.0 - float(w @ np.square(y - fitted)) / float(w @ np.square(y - w @ y))

    def sd(v: np.ndarray) -> float:
        return float(np.sqrt(w @ np.square(v - w @ v)))

    return adjusted / level, {
        "parameter": CASUALTY_LEVEL,
        "sd_before": sd(level),
        "sd_after": sd(adjusted),
        "r_squared": r2,
    }


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    return float(np.sum(values.to_numpy() * weights.to_numpy()) / np.sum(weights.to_numpy()))


def _weighted_sd(values: pd.Series, weights: pd.Series) -> float:
    mean = _weighted_mean(values, weights)
    w = weights.to_numpy() / np.sum(weights.to_numpy())
    return float(np.sqrt(np.sum(w * np.square(values.to_numpy() - mean))))


def resample(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Systematic resampling: ``(n,)`` row indices drawn in proportion to ``weights``."""
    cumulative = np.cumsum(np.asarray(weights, dtype=float))
    cumulative /= cumulative[-1]
    points = (rng.random() + np.arange(n)) / n
    return np.searchsorted(cumulative, points, side="right").clip(0, len(weights) - 1)


def posterior_predictive(fit: Fit, draws: int = PREDICTIVE_DRAWS) -> dict[str, np.ndarray]:
    """Monthly gains and casualties of fresh simulations from posterior draws (seeded).

    Returns:
        ``{"gains": (draws, M), "casualties": (draws, M)}`` over the fit months.
    """
    problem = fit.problem
    rng = np.random.default_rng(np.random.SeedSequence([problem.spec.seed, 0x9FED]))
    rows = resample(fit.posterior[WEIGHT_COLUMN].to_numpy(), draws, rng)
    calendar = Calendar(problem.observations.months)
    gains = np.empty((draws, problem.n_fit))
    casualties = np.empty((draws, problem.n_fit))
    for i, row in enumerate(rows):
        theta = {name: float(fit.posterior[name].iloc[row]) for name in problem.names}
        gains[i], casualties[i], _ = simulate_months(
            theta, problem.fixed, calendar, rng, cut_day=problem.cut_day + 1
        )
        gains[i] += problem.error_sd * rng.standard_normal(problem.n_fit)
    return {"gains": gains, "casualties": casualties}


def predictive_coverage(fit: Fit, predictive: dict[str, np.ndarray]) -> dict[str, Any]:
    """Share of observed months (mean of trackers) inside the 90% posterior-predictive band."""
    observed = fit.problem.observations.gain_mean
    low, high = np.quantile(predictive["gains"], [0.05, 0.95], axis=0)
    seen = ~np.isnan(observed)
    inside = (observed >= low) & (observed <= high)
    cas = fit.problem.observations.casualties_per_day.to_numpy()
    c_low, c_high = np.quantile(predictive["casualties"], [0.05, 0.95], axis=0)
    c_seen = ~np.isnan(cas)
    return {
        "gain_months": int(seen.sum()),
        "gain_coverage_90": float(inside[seen].mean()),
        "casualty_months": int(c_seen.sum()),
        "casualty_coverage_90": float(((cas >= c_low) & (cas <= c_high))[c_seen].mean()),
    }


def write_fit(fit: Fit, out_dir: Path) -> list[Path]:
    """Write ``posterior.csv``, ``forecast.csv``, ``diagnostics.json`` and ``predictive.png``."""
    from ceasefire_sim.plots.calibration import predictive_figure

    out_dir.mkdir(parents=True, exist_ok=True)
    predictive = posterior_predictive(fit)
    fit.diagnostics["predictive"] = predictive_coverage(fit, predictive)
    written = [out_dir / "posterior.csv"]
    fit.posterior.to_csv(written[0], index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    forecast = pd.DataFrame(
        {
            "particle": np.repeat(np.arange(len(fit.posterior)), len(fit.forecast_months)),
            "month": np.tile(fit.forecast_months.astype(str), len(fit.posterior)),
            "gain_km2": fit.forecast_gains.reshape(-1),
            "casualties_per_day": fit.forecast_casualties.reshape(-1),
        }
    )
    written.append(out_dir / "forecast.csv")
    forecast.to_csv(written[-1], index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    written.append(out_dir / "diagnostics.json")
    written[-1].write_text(json.dumps(fit.diagnostics, indent=2) + "\n", encoding="utf-8")
    written.append(predictive_figure(fit, predictive, out_dir / "predictive.png"))
    return written
