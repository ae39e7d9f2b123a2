"""Sweep figures: heat maps and response curves of a summary metric over the swept parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from scipy import stats

from ceasefire_sim.errors import SweepError
from ceasefire_sim.plots.folders import (
    SweepFolder,
    _as_sweep,
)
from ceasefire_sim.plots.style import (
    CATEGORY_COLOURS,
    _axes,
    _fmt_number,
    _metric_axis_label,
    _styled,
    metric_label,
    parameter_label,
)


# ----------------------------------------------------------- sweep figures
def _cell_label(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return ""
    return f"{100 * value:.0f}" if unit == "share" else _fmt_number(value)


def _cell_intervals(
    table: pd.DataFrame, x: str, y: str, outcome: str, ux: np.ndarray, uy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, str]:
    """Per cell: the 95% Monte Carlo interval of its one point, or the range over its points."""
    low_col, high_col = f"{outcome}_low", f"{outcome}_high"
    per_cell = table.groupby([y, x])[outcome].size()
    if per_cell.max() == 1 and low_col in table.columns and high_col in table.columns:
        grouped = table.groupby([y, x])
        lows = grouped[low_col].first().unstack(x).reindex(index=uy, columns=ux).to_numpy()
        highs = grouped[high_col].first().unstack(x).reindex(index=uy, columns=ux).to_numpy()
        return lows, highs, "95% Monte Carlo interval"
    grouped = table.groupby([y, x])[outcome]
    lows = grouped.min().unstack(x).reindex(index=uy, columns=ux).to_numpy()
    highs = grouped.max().unstack(x).reindex(index=uy, columns=ux).to_numpy()
    return lows, highs, "range over the cell's points"


def _mark_empty(ax: Axes, empty: np.ndarray, x_edges: np.ndarray, y_edges: np.ndarray) -> None:
    """Hatch the cells without a point (or without a value), and say so in the legend."""
    marked = False
    for i, j in zip(*np.nonzero(empty), strict=True):
        ax.add_patch(
            Rectangle(
                (x_edges[j], y_edges[i]),
                x_edges[j + 1] - x_edges[j],
                y_edges[i + 1] - y_edges[i],
                facecolor="white",
                edgecolor="#999999",
                hatch="///",
                linewidth=0,
                label=None if marked else "no point, or no value, in this cell",
            )
        )
        marked = True
    if marked:
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), fontsize=8)


@_styled
def sweep_heatmap(
    sweep: SweepFolder | str | Path,
    outcome: str | None = None,
    x: str | None = None,
    y: str | None = None,
    ax: Axes | None = None,
    bins: int | None = None,
) -> Figure:
    """Heatmap of a summary metric over two swept parameters.

    A grid sweep shows one cell per pair of levels; sampled designs (random, LHS, Sobol) are
    binned into ``bins`` x ``bins`` cells. Where more than two parameters vary, each cell is the
    mean over the others, and the title says so. A grid of up to 7 x 7 cells writes each
    cell's interval under its value: the 95% Monte Carlo interval of a cell's one point, or
    the range over its points. Cells without a point or a value are hatched.

    Args:
        sweep: A sweep folder (or :class:`SweepFolder`).
        outcome: Metric of ``summary.parquet`` (default: P(ceasefire) at the latest day).
        x: Parameter on the x axis (default: the first swept parameter).
        y: Parameter on the y axis (default: the second).
        ax: Axes to draw on (default: a new figure).
        bins: Cells per axis for sampled designs (default: about four points per cell, 3 to
            12 cells per axis).

    Returns:
        The figure.

    Raises:
        SweepError: Fewer than two parameters, or an unknown metric or parameter.
    """
    sweep = _as_sweep(sweep)
    params = sweep.parameters
    if len(params) < 2 and (x is None or y is None):
        raise SweepError(
            f"a heatmap needs two swept parameters; {sweep.path} varies only {', '.join(params)}"
        )
    x = x or params[0]
    y = y or next(p for p in params if p != x)
    outcome = outcome or sweep.default_metric
    table = sweep.summary
    for name, what in ((x, "parameter"), (y, "parameter"), (outcome, "metric")):
        if name not in table.columns:
            raise SweepError(f"{what} {name!r} is not in {sweep.path}/summary.parquet")
    words, unit = metric_label(outcome)
    xs, ys, values = (table[c].to_numpy(dtype=float) for c in (x, y, outcome))
    ux, uy = np.unique(xs), np.unique(ys)
    # Levels on a grid (a grid method, discrete values such as levers', or a full crossing);
    # a grid with points missing still has its cells, marked empty.
    declared = {p.get("path"): p for p in sweep.manifest.get("parameters", [])}
    discrete = all(declared.get(c, {}).get("values") is not None for c in (x, y))
    on_grid = sweep.manifest.get("method") == "grid" or discrete
    grid = (on_grid or len(ux) * len(uy) <= len(table)) and len(ux) <= 40 and len(uy) <= 40
    fig, ax = _axes(ax, figsize=(7.0, 5.5))
    if grid:
        means = (
            table.groupby([y, x])[outcome].mean().unstack(x).reindex(index=uy, columns=ux)
        ).to_numpy()
        mesh = ax.pcolormesh(
            np.arange(len(ux) + 1) - 0.5,
            np.arange(len(uy) + 1) - 0.5,
            means * (100 if unit == "share" else 1),
            cmap="viridis",
            shading="flat",
        )
        ax.set_xticks(range(len(ux)), labels=[f"{v:g}" for v in ux])
        ax.set_yticks(range(len(uy)), labels=[f"{v:g}" for v in uy])
        counts = table.groupby([y, x])[outcome].size().unstack(x).reindex(index=uy, columns=ux)
        lows, highs, note = _cell_intervals(table, x, y, outcome, ux, uy)
        if len(ux) * len(uy) <= 144:
            norm = mesh.norm
            for i in range(len(uy)):
                for j in range(len(ux)):
                    shown = means[i, j] * (100 if unit == "share" else 1)
                    dark = np.isfinite(shown) and norm(shown) < 0.6
                    text = _cell_label(means[i, j], unit)
                    if text and len(ux) * len(uy) <= 49 and np.isfinite(lows[i, j]):
                        text += (
                            f"\n{_cell_label(lows[i, j], unit)}-{_cell_label(highs[i, j], unit)}"
                        )
                    ax.text(
                        j,
                        i,
                        text,
                        ha="center",
                        va="center",
                        fontsize=8 if "\n" not in text else 7,
                        color="white" if dark else "black",
                    )
        empty = ~np.isfinite(means) | (counts.fillna(0).to_numpy() == 0)
        _mark_empty(ax, empty, np.arange(len(ux) + 1) - 0.5, np.arange(len(uy) + 1) - 0.5)
    else:
        if bins is None:
            bins = int(np.clip(np.sqrt(len(table) / 4), 3, 12))
        result = stats.binned_statistic_2d(xs, ys, values, statistic="mean", bins=bins)
        means = result.statistic.T
        mesh = ax.pcolormesh(
            result.x_edge,
            result.y_edge,
            means * (100 if unit == "share" else 1),
            cmap="viridis",
            shading="flat",
        )
        note = ""
        _mark_empty(ax, ~np.isfinite(means), result.x_edge, result.y_edge)
    ax.grid(False)
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel(parameter_label(y))
    fig.colorbar(mesh, ax=ax, label=_metric_axis_label(outcome))
    others = [p for p in params if p not in (x, y)]
    title = f"{words} over {len(table):,} sweep points"
    if sweep.manifest.get("worlds_per_point"):
        title += f" ({sweep.manifest['worlds_per_point']:,} worlds each)"
    if len(others) == 1:
        title += f"\n(each cell: mean over {others[0]})"
    elif others:
        title += f"\n(each cell: mean over the {len(others)} other swept parameters)"
    if note:
        title += f"\n(small numbers: {note})"
    ax.set_title(title)
    return fig


@_styled
def sweep_response(
    sweep: SweepFolder | str | Path,
    outcome: str | None = None,
    parameter: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A summary metric against one swept parameter, with its 95% intervals.

    Args:
        sweep: A sweep folder (or :class:`SweepFolder`).
        outcome: Metric of ``summary.parquet`` (default: P(ceasefire) at the latest day).
        parameter: Parameter on the x axis (default: the first swept parameter).
        ax: Axes to draw on (default: a new figure).

    Returns:
        The figure.
    """
    sweep = _as_sweep(sweep)
    parameter = parameter or sweep.parameters[0]
    outcome = outcome or sweep.default_metric
    table = sweep.summary.sort_values(parameter)
    for name in (parameter, outcome, f"{outcome}_low", f"{outcome}_high"):
        if name not in table.columns:
            raise SweepError(f"{name!r} is not in {sweep.path}/summary.parquet")
    _, unit = metric_label(outcome)
    scale = 100 if unit == "share" else 1
    fig, ax = _axes(ax)
    est = table[outcome].to_numpy(dtype=float) * scale
    low = table[f"{outcome}_low"].to_numpy(dtype=float) * scale
    high = table[f"{outcome}_high"].to_numpy(dtype=float) * scale
    ax.errorbar(
        table[parameter],
        est,
        yerr=[est - low, high - est],
        fmt="o-",
        color=CATEGORY_COLOURS[0],
        capsize=3,
        label="estimate with 95% interval",
    )
    ax.set_xlabel(parameter_label(parameter))
    ax.set_ylabel(_metric_axis_label(outcome))
    ax.set_title(f"{metric_label(outcome)[0]} against {parameter}")
    ax.legend(loc="best")
    return fig
