"""Results of a run: per-world outcomes, daily summaries, the narrative, and headline numbers.

``Results.save(dir)`` writes ``outcomes.parquet``, ``daily.parquet``, ``events.parquet``,
``scenario.json`` and ``manifest.json``, each atomically (temporary file, then rename), and
``Results.load(dir)`` reads them back: everything a figure or report needs, without re-running.
A run that kept per-world trajectories also writes ``trajectories.parquet``, one row per day and
world (:meth:`Results.trajectories_frame`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from ceasefire_sim._version import __version__
from ceasefire_sim.model.recorder import QUANTILE_SUFFIXES, QUANTITIES

if TYPE_CHECKING:
    from ceasefire_sim.model.model import CeasefireModel

STATUS_NAMES = ("war", "ceasefire", "collapsed", "settled")
#: Columns of :meth:`Results.summary`.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "metric",
    "estimate",
    "mc_low",
    "mc_high",
    "param_low",
    "param_high",
    "n",
    "unit",
)
#: Folder, inside a run's folder, of the nested run that gives the parameter ranges.
PARAMETER_RUN = "parameter_draws"
FILES = ("outcomes.parquet", "daily.parquet", "events.parquet", "manifest.json")


@dataclass
class Results:
    """What a run produced.

    Attributes:
        outcomes: One row per world.
        daily: One row per day (0 = start), shares and quantiles across worlds.
        events: The narrative of the first few worlds.
        manifest: Scenario name and hash, seed, worlds, days, version, sampled parameters.
        scenario: The scenario as plain data (for provenance tables and reports).
        trajectories: Per-world daily ``(days + 1, N)`` arrays when kept (``control_km2``,
            ``status`` codes, cumulative ``casualties_russia`` and ``casualties_ukraine``).
    """

    outcomes: pd.DataFrame
    daily: pd.DataFrame
    events: pd.DataFrame
    manifest: dict[str, Any]
    scenario: dict[str, Any] = field(default_factory=dict)
    trajectories: dict[str, np.ndarray] | None = None

    @classmethod
    def from_model(cls, model: CeasefireModel) -> Results:
        """Collect the results of a finished (or partly run) model."""
        from ceasefire_sim.scenario.loader import scenario_file, scenario_hash

        return cls(
            outcomes=_outcomes(model),
            daily=_daily(model),
            events=_events(model),
            manifest={
                "scenario_name": model.scenario.name,
                "scenario_description": model.scenario.description,
                "scenario_file": scenario_file(model.scenario),
                "scenario_hash": scenario_hash(model.scenario),
                "seed": model.seed,
                "worlds": model.worlds,
                "days": model.day,
                "horizon_days": model.days,
                "start_date": model.start_date.isoformat(),
                "sampled_parameters": list(model.params.sampled),
                "version": __version__,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            scenario=model.scenario.model_dump(mode="json"),
            trajectories=model.recorder.trajectories,
        )

    # ------------------------------------------------------------------ summary
    def summary(
        self,
        confidence: float = 0.95,
        coverage: float = 0.90,
        parameter_run: Results | None = None,
    ) -> pd.DataFrame:
        """Headline numbers with their Monte Carlo interval and their parameter range.

        One row per metric of :data:`ceasefire_sim.metrics.METRICS` (see that module for the
        estimators). ``mc_low``/``mc_high`` bound the estimate's Monte Carlo error (design-based
        when the worlds share parameter draws); ``param_low``/``param_high`` are the central
        ``coverage`` range over parameter draws of the per-draw value, taken from a run with a
        nested design (``simulate(..., param_draws=D)``): ``parameter_run`` if given, else this
        run if it is nested, else NaN. ``estimate`` is ``inf`` for a Kaplan-Meier median not
        reached within the horizon.

        Args:
            confidence: Level of the Monte Carlo interval.
            coverage: Share of the parameter draws the parameter range covers.
            parameter_run: A nested run of the same scenario and horizon for the parameter
                range (what ``ceasefire-sim run`` does: this run's worlds are independent, so
                its Monte Carlo interval is as narrow as they allow).

        Returns:
            Columns ``metric`` (the label), ``estimate``, ``mc_low``, ``mc_high``,
            ``param_low``, ``param_high``, ``n`` (worlds the statistic is taken over), ``unit``.
        """
        from ceasefire_sim import metrics

        o = self.outcomes
        horizon = int(self.manifest.get("days", self.manifest.get("horizon_days", 365)))
        draws = _draws(o)
        nested = parameter_run if parameter_run is not None else self
        nested_draws = _draws(nested.outcomes)
        rows = []
        for metric in metrics.metrics_for(horizon):
            values = metric.values(o)
            est, low, high, n = metrics.estimate(metric, values, draws, confidence)
            p_low, p_high = (
                metrics.parameter_range(
                    metric, metric.values(nested.outcomes), nested_draws, coverage
                )
                if nested_draws is not None
                else (math.nan, math.nan)
            )
            rows.append((metric.label, est, low, high, p_low, p_high, n, metric.unit))
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))

    def design(self) -> str:
        """How the worlds were laid out, in words, for the captions of summary tables."""
        draws = self.manifest.get("param_draws")
        worlds = int(self.manifest.get("worlds", len(self.outcomes)))
        if not draws:
            return f"{worlds:,} worlds, each with its own parameter draw"
        return f"{int(draws)} parameter draws x {worlds // int(draws):,} worlds per draw"

    # ------------------------------------------------------------ trajectories
    def trajectories_frame(self) -> pd.DataFrame:
        """Per-world daily trajectories in long format, one row per day and world.

        Columns: ``day`` (0 = start), ``world``, ``control_km2`` (km² held by Russia at the end
        of the day), ``status`` (the strings of ``outcomes.status``: war, ceasefire, collapsed,
        settled), ``casualties_russia`` and ``casualties_ukraine`` (cumulative since day 0,
        persons). Rows are ordered by day, then world.

        Raises:
            ScenarioError: The run did not keep trajectories.
        """
        traj = self.trajectories
        if traj is None:
            from ceasefire_sim.errors import ScenarioError

            raise ScenarioError(
                "this run kept no trajectories; run it with --trajectories "
                "(keep_trajectories=True in Python)"
            )
        rows, worlds = traj["control_km2"].shape
        status = pd.Categorical.from_codes(
            traj["status"].reshape(-1).astype(np.int8), categories=list(STATUS_NAMES)
        )
        return pd.DataFrame(
            {
                "day": np.repeat(np.arange(rows, dtype=np.int16), worlds),
                "world": np.tile(np.arange(worlds, dtype=np.int32), rows),
                "control_km2": traj["control_km2"].reshape(-1),
                "status": status,
                "casualties_russia": traj["casualties_russia"].reshape(-1),
                "casualties_ukraine": traj["casualties_ukraine"].reshape(-1),
            }
        )

    def write_trajectories(self, path: str | Path) -> Path:
        """Write :meth:`trajectories_frame` to a parquet file, atomically.

        Returns:
            The path written.
        """
        target = Path(path)
        _atomic_parquet(self.trajectories_frame(), target)
        return target

    # --------------------------------------------------------------------- I/O
    def save(self, directory: str | Path) -> Path:
        """Write the results to a folder (created if needed), each file atomically."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        _atomic_parquet(self.outcomes, out / "outcomes.parquet")
        _atomic_parquet(self.daily, out / "daily.parquet")
        _atomic_parquet(self.events, out / "events.parquet")
        _atomic_text(json.dumps(self.scenario, indent=1), out / "scenario.json")
        if self.trajectories is not None:
            self.write_trajectories(out / "trajectories.parquet")
        _atomic_text(json.dumps(self.manifest, indent=2), out / "manifest.json")
        return out

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        """Read results written by :meth:`save`."""
        d = Path(directory)
        missing = [f for f in FILES if not (d / f).exists()]
        if missing:
            from ceasefire_sim.errors import InputError

            raise InputError(
                f"{d} is not a results folder: missing {', '.join(missing)}", file=str(d)
            )
        scenario = (
            json.loads((d / "scenario.json").read_text()) if (d / "scenario.json").exists() else {}
        )
        trajectories = None
        if (d / "trajectories.parquet").exists():
            trajectories = _trajectory_arrays(pd.read_parquet(d / "trajectories.parquet"))
        return cls(
            outcomes=pd.read_parquet(d / "outcomes.parquet"),
            daily=pd.read_parquet(d / "daily.parquet"),
            events=pd.read_parquet(d / "events.parquet"),
            manifest=json.loads((d / "manifest.json").read_text()),
            scenario=scenario,
            trajectories=trajectories,
        )


def _trajectory_arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The ``(days + 1, N)`` arrays of a :meth:`Results.trajectories_frame` (ordered by day, world)."""
    worlds = int(frame["world"].max()) + 1
    rows = len(frame) // worlds
    codes = {name: i for i, name in enumerate(STATUS_NAMES)}
    status = frame["status"].astype(str).map(codes).to_numpy(dtype=np.int8)
    return {
        "control_km2": frame["control_km2"].to_numpy(np.float32).reshape(rows, worlds),
        "status": status.reshape(rows, worlds),
        "casualties_russia": frame["casualties_russia"].to_numpy(np.float32).reshape(rows, worlds),
        "casualties_ukraine": frame["casualties_ukraine"]
        .to_numpy(np.float32)
        .reshape(rows, worlds),
    }


# ------------------------------------------------------------------- builders
def _draws(outcomes: pd.DataFrame) -> np.ndarray | None:
    """The parameter draw of each world of a nested run, else None."""
    return outcomes["param_draw"].to_numpy() if "param_draw" in outcomes.columns else None


def _outcomes(model: CeasefireModel) -> pd.DataFrame:
    m = model
    status = np.asarray(STATUS_NAMES, dtype=object)[m.status()]
    first_end = m.first_ceasefire_end_day
    duration = np.where(
        np.isnan(first_end), m.day - m.first_ceasefire_day, first_end - m.first_ceasefire_day
    )
    columns: dict[str, Any] = {
        "world": np.arange(m.worlds),
        "status": status,
        "first_ceasefire_day": m.first_ceasefire_day,
        "ceasefires": m.ceasefires,
        "breakdowns": m.breakdowns,
        "breakdown_day": m.first_breakdown_day,
        "first_ceasefire_duration_days": duration,
        "first_ceasefire_ended": ~np.isnan(first_end),
        "days_at_war": m.days_at_war,
        "ceasefire_days": m.ceasefire_days,
        "control_km2_final": m.control_km2,
        "control_change_km2": m.control_km2 - m.initial_control_km2,
        "casualties_ukraine": m.ukraine.casualties,
        "casualties_russia": m.russia.casualties,
        "allies_at_2pct_final": m.allies_at_2pct(),
        "us_aid_total_bn": m.mediator.aid_total_bn,
        "allied_aid_total_bn": m.allied_aid_total_bn,
        "violations": m.violations_total,
        "mediator_walked_away": m.mediator.walked_away,
        "belief_ukraine_km2_per_day": m.ukraine.belief_mean,
        "belief_russia_km2_per_day": m.russia.belief_mean,
        "true_drift_km2_per_day": np.broadcast_to(m.true_drift_km2_per_day, (m.worlds,)),
    }
    # terms_<issue>: the last ceasefire's terms; first_terms_<issue>: the first's ("" if none).
    by_issue = m.space.outcome.by_issue
    for prefix, package in (("terms", m.last_package), ("first_terms", m.first_package)):
        for c, issue in enumerate(by_issue):
            options = np.asarray([*by_issue[issue], ""], dtype=object)
            chosen = np.where(
                package >= 0, m.space.choices[np.maximum(package, 0), c], len(by_issue[issue])
            )
            columns[f"{prefix}_{issue}"] = options[chosen]
    for path in m.params.sampled:
        columns[path] = m.params.column(path)
    frame = pd.DataFrame(columns)
    for col in ("status", *(f"{k}_{i}" for k in ("terms", "first_terms") for i in by_issue)):
        frame[col] = frame[col].astype(str)
    return frame


def _daily(model: CeasefireModel) -> pd.DataFrame:
    r = model.recorder
    days = np.arange(model.day + 1)
    start = np.datetime64(model.start_date.isoformat())
    dates = (start + days.astype("timedelta64[D]")).astype("datetime64[ms]")
    columns: dict[str, Any] = {"day": days, "date": dates}
    for j, name in enumerate(STATUS_NAMES):
        columns[f"share_{name}"] = r.shares[: len(days), j]
    for q, name in enumerate(QUANTITIES):
        for k, suffix in enumerate(QUANTILE_SUFFIXES):
            columns[f"{name}_{suffix}"] = r.quantiles[q, : len(days), k]
    for name, values in r.means.items():
        columns[name] = values[: len(days)]
    return pd.DataFrame(columns)


def _events(model: CeasefireModel) -> pd.DataFrame:
    from ceasefire_sim.model.narrative import COLUMNS

    frame = pd.DataFrame(model.narrative.rows, columns=list(COLUMNS))
    return frame.astype(
        {
            "day": "int64",
            "world": "int64",
            "date": str,
            "actor": str,
            "kind": str,
            "text": str,
            "explanation": str,
        }
    )


# -------------------------------------------------------------- formatting
def format_value(value: float, unit: str) -> str:
    """A summary figure for people (see :func:`ceasefire_sim.metrics.format_value`)."""
    from ceasefire_sim.metrics import format_value as _format

    return _format(value, unit)


# -------------------------------------------------------------- intervals
def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """Proportion with its Wilson score interval."""
    if n == 0:
        return math.nan, math.nan, math.nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # Clamp: rounding can leave the bound a hair on the wrong side of 0 successes or n successes.
    return float(p), float(min(p, max(0.0, centre - half))), float(max(p, min(1.0, centre + half)))


def median_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Median with a distribution-free interval from binomial order statistics."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    lo = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))
    hi = int(stats.binom.isf((1 - confidence) / 2, n, 0.5))
    return float(np.median(x)), float(x[max(lo - 1, 0)]), float(x[min(hi, n - 1)])


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean with a normal-approximation interval."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    half = stats.norm.ppf(0.5 + confidence / 2) * (
        x.std(ddof=1) / math.sqrt(len(x)) if len(x) > 1 else 0.0
    )
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


# ---------------------------------------------------------------- atomic I/O
def _atomic_write(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        # mkstemp creates files readable by the owner only; results are meant to be shared.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    _atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def _atomic_text(text: str, path: Path) -> None:
    _atomic_write(path, lambda tmp: Path(tmp).write_text(text))
