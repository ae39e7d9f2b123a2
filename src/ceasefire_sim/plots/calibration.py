"""Figures of the calibration: the posterior-predictive band and the backtests' forecast fans.

Both are drawn on a plain :class:`matplotlib.figure.Figure` (no pyplot) and written as PNG files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from ceasefire_sim.calibration.fit import Fit

TRACKER_STYLE = {"color": "0.25", "marker": "o", "markersize": 3, "linestyle": "none"}


def _month_x(months: pd.PeriodIndex) -> np.ndarray:
    return months.to_timestamp(how="start").to_numpy() + np.timedelta64(14, "D")


def _trackers(
    ax: Any, months: pd.PeriodIndex, low: np.ndarray, high: np.ndarray, mean: np.ndarray
) -> None:
    x = _month_x(months)
    seen = ~np.isnan(mean)
    ax.vlines(x[seen], low[seen], high[seen], color="0.25", linewidth=1.2, label="trackers' range")
    ax.plot(x[seen], mean[seen], **TRACKER_STYLE, label="trackers' mean")


def predictive_figure(fit: Fit, predictive: dict[str, np.ndarray], path: Path) -> Path:
    """Monthly gains and casualties: 50% and 90% posterior-predictive bands and the trackers.

    Args:
        fit: The fit.
        predictive: ``{"gains": (draws, M), "casualties": (draws, M)}``.
        path: PNG file to write.
    """
    observations = fit.problem.observations
    months = observations.months
    x = _month_x(months)
    fig = Figure(figsize=(8, 6), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    for ax, key, ylabel in (
        (axes[0], "gains", "Russian gain, km²/month"),
        (axes[1], "casualties", "Russian casualties per day"),
    ):
        q = np.quantile(predictive[key], [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        ax.fill_between(x, q[0], q[4], color="tab:blue", alpha=0.2, label="90% predictive")
        ax.fill_between(x, q[1], q[3], color="tab:blue", alpha=0.35, label="50% predictive")
        ax.plot(x, q[2], color="tab:blue", linewidth=1, label="median")
        if key == "gains":
            _trackers(
                ax, months, observations.gain_low, observations.gain_high, observations.gain_mean
            )
        else:
            ax.plot(
                x,
                observations.casualties_per_day.to_numpy(),
                **TRACKER_STYLE,
                label="General Staff",
            )
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=7, loc="upper left")
    coverage = fit.diagnostics.get("predictive", {}).get("gain_coverage_90")
    title = f"Posterior predictive, fit to months before {fit.problem.spec.until}"
    if coverage is not None:
        title += f" (90% band holds {coverage:.0%} of the tracker months)"
    axes[0].set_title(title, fontsize=9)
    fig.savefig(path, dpi=110)
    return path


def backtest_figure(
    fans: list[dict[str, Any]],
    months: pd.PeriodIndex,
    low: np.ndarray,
    high: np.ndarray,
    mean: np.ndarray,
    path: Path,
) -> Path:
    """The forecast fans of each origin (5-95% and 25-75%) against the trackers' monthly gains.

    Args:
        fans: One dict per origin: ``origin`` (date text), ``months`` (PeriodIndex of the
            forecast months) and ``quantiles`` (``(5, F)`` at 5, 25, 50, 75, 95%).
        months: The months of the tracker series.
        low: ``(M,)`` smallest tracker figure per month (km²).
        high: ``(M,)`` largest (km²).
        mean: ``(M,)`` mean of the available trackers (km²).
        path: PNG file to write.
    """
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.subplots()
    _trackers(ax, months, low, high, mean)
    colours = colormaps["tab10"]
    for i, fan in enumerate(fans):
        x = _month_x(fan["months"])
        q = fan["quantiles"]
        colour = colours(i % 10)
        ax.fill_between(x, q[0], q[4], color=colour, alpha=0.15)
        ax.fill_between(x, q[1], q[3], color=colour, alpha=0.3)
        ax.plot(x, q[2], color=colour, linewidth=1.2, label=f"origin {fan['origin']}")
    ax.set_ylabel("Russian gain, km²/month")
    ax.set_title(
        "Backtests: forecast fans (50% and 90%) from each origin, fitted before it", fontsize=9
    )
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    fig.savefig(path, dpi=110)
    return path
