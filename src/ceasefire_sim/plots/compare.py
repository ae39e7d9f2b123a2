"""Paired comparisons: a forest plot of the differences B minus A."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ceasefire_sim.plots.folders import (
    read_comparison,
)
from ceasefire_sim.plots.style import (
    OKABE_ITO,
    STYLE,
    _styled,
    metric_label,
)


# ------------------------------------------------------- comparison figure
@_styled
def forest_plot(
    comparison: pd.DataFrame | str | Path,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Paired differences (B minus A) per metric with their 95% intervals.

    Metrics in different units get a panel each (shares in percentage points); with ``ax``
    given, the table must hold a single unit. Rows without a difference (a conditional metric,
    a median not reached) are left out.

    Args:
        comparison: ``comparison.parquet`` (``metric, diff, diff_low, diff_high``, optionally
            ``unit``), its folder, or the table.
        ax: Axes to draw on (default: a new figure).
        title: Figure title (default: a description of the comparison).

    Returns:
        The figure.
    """
    table = read_comparison(comparison).reset_index(drop=True)
    # A conditional metric or a median not reached has no difference: nothing to draw.
    table = table[np.isfinite(table["diff"].to_numpy(dtype=float))].reset_index(drop=True)
    units = (
        table["unit"].astype(str).tolist()
        if "unit" in table.columns
        else [metric_label(str(m))[1] for m in table["metric"]]
    )
    table = table.assign(_unit=units)
    groups = list(dict.fromkeys(units))
    if ax is not None and len(groups) > 1:
        raise ValueError(
            f"the comparison mixes units ({', '.join(groups)}); pass a table of one unit "
            "to draw on a given ax, or let forest_plot make its own figure"
        )
    if ax is None:
        heights = [max(1, (table["_unit"] == g).sum()) + 1.2 for g in groups]
        fig = Figure(figsize=(8.0, 1.0 + 0.45 * sum(heights)), layout="constrained")
        axes = fig.subplots(len(groups), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)
        axes_list = list(axes[:, 0])
    else:
        fig, axes_list = ax.get_figure(root=True), [ax]
    for group_ax, unit in zip(axes_list, groups, strict=True):
        rows = table[table["_unit"] == unit]
        scale = 100 if unit == "share" else 1
        diff = rows["diff"].to_numpy(dtype=float) * scale
        low = rows["diff_low"].to_numpy(dtype=float) * scale
        high = rows["diff_high"].to_numpy(dtype=float) * scale
        pos = np.arange(len(rows))
        excludes_zero = (low > 0) | (high < 0)
        colours = [OKABE_ITO["vermillion"] if e else OKABE_ITO["blue"] for e in excludes_zero]
        # hlines rather than errorbar: errorbar's caps take one colour, not one per row.
        group_ax.hlines(pos, low, high, colors=colours, linewidth=2)
        # Filled where the interval excludes zero: shape carries it, not only colour.
        group_ax.scatter(
            diff,
            pos,
            facecolors=[c if e else "white" for c, e in zip(colours, excludes_zero, strict=True)],
            edgecolors=colours,
            linewidths=1.5,
            zorder=3,
            s=36,
        )
        group_ax.axvline(0, color="black", linewidth=0.8)
        group_ax.set_yticks(pos, labels=[metric_label(str(m))[0] for m in rows["metric"]])
        group_ax.set_ylim(len(rows) - 0.5, -0.5)
        group_ax.grid(axis="y", visible=False)
        group_ax.xaxis.set_major_formatter(
            FuncFormatter(
                lambda x, _: (f"{x:,.0f}" if abs(x) >= 1000 else f"{x:g}").replace("-", "\u2212")
            )
        )
        shown = "percentage points" if unit == "share" else unit
        group_ax.set_xlabel(
            "paired difference B - A" + (f" ({shown})" if shown else "") + ", 95% interval"
        )
    title = (title or "Paired differences between the scenarios, B minus A") + (
        "\n(filled: the 95% interval excludes 0)"
    )
    if ax is None:
        fig.suptitle(title, fontsize=STYLE["axes.titlesize"])
    else:
        ax.set_title(title)
    return fig
