"""Backtests: refit before each origin, forecast the months after it, score against the trackers.

For each origin ``D`` the spec is refitted on the months ending before ``D`` (the same as
``ceasefire-sim calibrate SPEC --until D``) and the particles' simulated months after ``D`` are
the forecast (the parameters and the phase at ``D`` drawn jointly from the posterior); a
forecast of gains adds the error of the trackers' mean (their disagreement before ``D``, for
as many trackers as reported a month in the year before it). Each
forecast month with an observation is scored: PIT, whether the observation lies in the central
50% and 90% intervals, and CRPS (``scoringrules``) of the forecast and of two references fitted
on the same months before ``D``: climatology (the empirical distribution of all earlier months)
and persistence (the empirical distribution of the last three months). Observed gains are the
mean of the trackers available in the month (liveuamap's redraw months excluded); observed
casualties the General Staff's count per day. No month after February 2025 is ever scored.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scoringrules

from ceasefire_sim.calibration.fit import resample, run_abc, write_fit
from ceasefire_sim.calibration.observations import START_DATE, load_observations
from ceasefire_sim.calibration.spec import WEIGHT_COLUMN, CalibrationSpec

COLUMNS = (
    "origin",
    "month",
    "series",
    "lead_months",
    "observed",
    "pit",
    "in50",
    "in90",
    "crps",
    "crps_climatology",
    "crps_persistence",
)
#: Months of history persistence uses.
PERSISTENCE_MONTHS = 3


def score_month(
    observed: float, forecast: np.ndarray, climatology: np.ndarray, persistence: np.ndarray
) -> dict[str, float]:
    """PIT, 50% and 90% interval hits and CRPS of one month.

    Args:
        observed: The observation.
        forecast: ``(K,)`` equally weighted forecast draws.
        climatology: ``(C,)`` earlier months.
        persistence: ``(3,)`` the last three months.
    """
    q05, q25, q75, q95 = np.quantile(forecast, [0.05, 0.25, 0.75, 0.95])
    return {
        "pit": float(np.mean(forecast < observed) + 0.5 * np.mean(forecast == observed)),
        "in50": bool(q25 <= observed <= q75),
        "in90": bool(q05 <= observed <= q95),
        "crps": float(scoringrules.crps_ensemble(observed, forecast)),
        "crps_climatology": float(scoringrules.crps_ensemble(observed, climatology)),
        "crps_persistence": float(scoringrules.crps_ensemble(observed, persistence)),
    }


def run_backtest(
    spec: CalibrationSpec,
    origins: list[dt.date],
    out_dir: Path,
    horizon_months: int = 6,
    progress: Any = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Refit before each origin and score the forecasts of the following months.

    Args:
        spec: The calibration spec (its ``until`` is replaced by each origin).
        origins: Forecast origins, each on or before the start date.
        out_dir: Folder: ``backtest.csv``, ``summary.json``, ``backtest.png`` and one
            calibration folder per origin (``calibration_YYYY-MM-DD``).
        horizon_months: Months forecast after each origin (6-12; cut at February 2025).
        progress: Called with a line of text per origin, or ``None``.

    Returns:
        ``(table, summary)``: one row per origin, month and series; coverage and mean CRPS.
    """
    from ceasefire_sim.plots.calibration import backtest_figure

    out_dir.mkdir(parents=True, exist_ok=True)
    everything = load_observations(START_DATE)
    series_all = {
        "gain_km2": pd.Series(everything.gain_mean, index=everything.months),
        "casualties_per_day": everything.casualties_per_day,
    }
    rows: list[dict[str, Any]] = []
    fans: list[dict[str, Any]] = []
    for origin in origins:
        fit_spec = spec.model_copy(update={"until": origin, "forecast_months": horizon_months})
        fit = run_abc(fit_spec, out_dir / f"calibration_{origin}")
        write_fit(fit, out_dir / f"calibration_{origin}")
        before = fit.problem.observations
        rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0xBAC7]))
        draws = resample(fit.posterior[WEIGHT_COLUMN].to_numpy(), len(fit.posterior), rng)
        # The forecast of the trackers' mean: each particle's gains plus the error of a mean of
        # as many trackers as reported a month in the year before the origin.
        gains = fit.forecast_gains[draws]
        forecasts = {
            "gain_km2": gains + fit.problem.forecast_error_sd * rng.standard_normal(gains.shape),
            "casualties_per_day": fit.forecast_casualties[draws],
        }
        history = {
            "gain_km2": pd.Series(before.gain_mean, index=before.months).dropna(),
            "casualties_per_day": before.casualties_per_day.dropna(),
        }
        scored_months = [m for m in fit.forecast_months if m <= everything.months[-1]]
        fans.append(
            {
                "origin": str(origin),
                "months": pd.PeriodIndex(scored_months, freq="M"),
                "quantiles": np.quantile(
                    forecasts["gain_km2"][:, : len(scored_months)],
                    [0.05, 0.25, 0.5, 0.75, 0.95],
                    axis=0,
                ),
            }
        )
        for series, forecast in forecasts.items():
            climatology = history[series].to_numpy()
            persistence = climatology[-PERSISTENCE_MONTHS:]
            for lead, month in enumerate(scored_months):
                observed = series_all[series].get(month, np.nan)
                if not np.isfinite(observed):
                    continue
                rows.append(
                    {
                        "origin": str(origin),
                        "month": str(month),
                        "series": series,
                        "lead_months": lead + 1,
                        "observed": float(observed),
                        **score_month(float(observed), forecast[:, lead], climatology, persistence),
                    }
                )
        if progress is not None:
            progress(
                f"origin {origin}: fitted on {int(before.gain_mean.size)} months, "
                f"ESS {fit.diagnostics['effective_sample_size']:.0f}"
            )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    summary = summarise(table)
    table.to_csv(out_dir / "backtest.csv", index=False, float_format="%.6g", lineterminator="\n")
    command = (
        f"ceasefire-sim backtest SCENARIO --spec {_shown(spec.path)} "
        f"--origins {','.join(str(o) for o in origins)} "
        f"--months {horizon_months} --population {spec.population} "
        f"--generations {spec.generations}"
    )
    (out_dir / "backtest.md").write_text(markdown(table, summary, command), encoding="utf-8")
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    backtest_figure(
        fans,
        everything.months,
        everything.gain_low,
        everything.gain_high,
        everything.gain_mean,
        out_dir / "backtest.png",
    )
    return table, summary


def _shown(path: Path | None) -> str:
    """A spec's path as a command line would give it: relative to the working folder if inside."""
    if path is None:
        return "SPEC"
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def summarise(table: pd.DataFrame) -> dict[str, Any]:
    """Coverage of the 50% and 90% intervals and mean CRPS by series."""
    out: dict[str, Any] = {}
    for series, rows in table.groupby("series", sort=False):
        crps = float(rows["crps"].mean())
        out[str(series)] = {
            "months": len(rows),
            "coverage_50": float(rows["in50"].mean()),
            "coverage_90": float(rows["in90"].mean()),
            "crps": crps,
            "crps_climatology": float(rows["crps_climatology"].mean()),
            "crps_persistence": float(rows["crps_persistence"].mean()),
            "crps_over_persistence": crps / float(rows["crps_persistence"].mean()),
        }
    return out


def markdown(table: pd.DataFrame, summary: dict[str, Any], command: str) -> str:
    """The backtest as a Markdown section: the command, the summary and the gains table."""
    names = {"gain_km2": "Monthly gain (km²)", "casualties_per_day": "Casualties per day"}
    lines = [
        f"Generated by `{command}` (not by `make validate`); origins "
        + ", ".join(sorted(table["origin"].unique()))
        + ". Each origin's fit reads only the months ending before it; the months scored end by "
        "February 2025.",
        "",
        "| series | months | 90% intervals hold | 50% hold | mean CRPS | climatology | persistence |",
        "|---|---|---|---|---|---|---|",
    ]
    for series, s in summary.items():
        lines.append(
            f"| {names.get(series, series)} | {s['months']} | {s['coverage_90']:.0%} | "
            f"{s['coverage_50']:.0%} | {s['crps']:.4g} | {s['crps_climatology']:.4g} | "
            f"{s['crps_persistence']:.4g} |"
        )
    lines += [
        "",
        "| origin | month | observed km² | PIT | in 50% | in 90% | CRPS | climatology | persistence |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in table[table["series"] == "gain_km2"].itertuples():
        lines.append(
            f"| {row.origin} | {row.month} | {row.observed:.0f} | {row.pit:.2f} | "
            f"{'yes' if row.in50 else 'no'} | {'yes' if row.in90 else 'no'} | {row.crps:.0f} | "
            f"{row.crps_climatology:.0f} | {row.crps_persistence:.0f} |"
        )
    return "\n".join(lines) + "\n"
