"""Kaplan-Meier figures: time to the first ceasefire and how long it holds (ceasefire_sim.survival)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from ceasefire_sim.negotiation.space import BUILT_IN
from ceasefire_sim.plots.dates import _date_axis, _dates, _horizon, _start_date, mark_events
from ceasefire_sim.plots.folders import (
    _as_results,
)
from ceasefire_sim.plots.style import (
    CATEGORY_COLOURS,
    GUARANTEE_COLOURS,
    STATUS_COLOURS,
    _axes,
    _empty,
    _require,
    _styled,
)
from ceasefire_sim.results import Results
from ceasefire_sim.survival import kaplan_meier


def _step_to(table: pd.DataFrame, end: float) -> pd.DataFrame:
    """Extend a survival table flat to ``end`` so the curve reaches the horizon."""
    if table["time"].iloc[-1] < end:
        last = table.iloc[[-1]].assign(time=end, events=0, censored=0)
        table = pd.concat([table, last], ignore_index=True)
    return table


def _draw_survival(
    ax: Axes,
    x: Any,
    table: pd.DataFrame,
    colour: str,
    label: str,
    band_alpha: float,
    band_label: str | None = None,
) -> None:
    """A Kaplan-Meier step curve over its confidence band."""
    ax.fill_between(
        x,
        table["low"],
        table["high"],
        step="post",
        color=colour,
        alpha=band_alpha,
        linewidth=0,
        label=band_label,
    )
    ax.step(x, table["survival"], where="post", color=colour, linewidth=2, label=label)


@_styled
def time_to_ceasefire(results: Results | str | Path, ax: Axes | None = None) -> Figure:
    """Kaplan-Meier curve of the time to the first ceasefire, with a 95% Greenwood band.

    Worlds without a ceasefire are censored at the horizon.

    Args:
        results: A run's results or its folder.
        ax: Axes to draw on (default: a new figure).

    Returns:
        The figure.
    """
    results = _as_results(results)
    o = results.outcomes
    _require(o, ["first_ceasefire_day"], "outcomes")
    horizon = _horizon(results)
    first = o["first_ceasefire_day"].to_numpy(dtype=float)
    had = ~np.isnan(first)
    table = _step_to(kaplan_meier(np.where(had, first, horizon), had), horizon)
    start = _start_date(results)
    dates = _dates(start, table["time"].to_numpy())
    fig, ax = _axes(ax)
    colour = STATUS_COLOURS["war"]
    _draw_survival(
        ax,
        dates,
        table,
        colour,
        "worlds without a ceasefire yet (Kaplan-Meier)",
        band_alpha=0.25,
        band_label="95% confidence band (Greenwood, log-log)",
    )
    censored = int((~had).sum())
    if censored:
        ax.plot(
            [dates[-1]],
            [table["survival"].iloc[-1]],
            marker="|",
            markersize=14,
            markeredgewidth=2,
            color="black",
            linestyle="none",
            label=f"{censored:,} worlds censored at the horizon (day {horizon})",
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlim(dates[0], dates[-1])
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_ylabel("worlds without a ceasefire yet (%)")
    mark_events(ax, results)
    _date_axis(ax, start)
    ax.set_title(
        f"Time to the first ceasefire: {int(had.sum()):,} of {len(o):,} worlds reach one "
        f"within {horizon} days"
    )
    ax.legend(loc="lower left")
    return fig


@_styled
def ceasefire_duration(results: Results | str | Path, ax: Axes | None = None) -> Figure:
    """How long the first ceasefire lasts, by the security guarantees agreed (Kaplan-Meier).

    Ceasefires still holding at the horizon are censored there.

    Args:
        results: A run's results or its folder.
        ax: Axes to draw on (default: a new figure).

    Returns:
        The figure.
    """
    results = _as_results(results)
    o = results.outcomes
    _require(
        o,
        ["first_ceasefire_duration_days", "first_ceasefire_ended", "terms_guarantees"],
        "outcomes",
    )
    with_cf = o[o["first_ceasefire_duration_days"].notna()]
    fig, ax = _axes(ax)
    if with_cf.empty:
        _empty(ax, "no ceasefire in any world")
        ax.set_xlabel("days since the ceasefire began")
        ax.set_ylabel("ceasefires still holding (%)")
        return fig
    options = [
        g for g in BUILT_IN.by_issue["guarantees"] if (with_cf["terms_guarantees"] == g).any()
    ]
    others = sorted(set(with_cf["terms_guarantees"]) - set(BUILT_IN.by_issue["guarantees"]))
    longest = float(with_cf["first_ceasefire_duration_days"].max())
    for k, option in enumerate([*options, *others]):
        group = with_cf[with_cf["terms_guarantees"] == option]
        ended = group["first_ceasefire_ended"].to_numpy(dtype=bool)
        durations = group["first_ceasefire_duration_days"].to_numpy(dtype=float)
        table = kaplan_meier(durations, ended)
        colour = GUARANTEE_COLOURS.get(option, CATEGORY_COLOURS[k % len(CATEGORY_COLOURS)])
        words = (
            BUILT_IN.label(f"guarantees.{option}").removeprefix("guarantees.")
            if option
            else "terms not recorded"
        )
        _draw_survival(
            ax,
            table["time"],
            table,
            colour,
            f"{words} (n = {len(group):,}, {int(ended.sum()):,} ended)",
            band_alpha=0.15,
        )
        # Censoring ticks where ceasefires were still holding at the horizon.
        cens = durations[~ended]
        if len(cens):
            at = np.searchsorted(table["time"].to_numpy(), cens, side="right") - 1
            ax.plot(
                cens,
                table["survival"].to_numpy()[at],
                marker="|",
                markersize=8,
                color=colour,
                linestyle="none",
            )
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], marker="|", markersize=8, color="black", linestyle="none"))
    labels.append("still holding at the horizon (censored)")
    ax.legend(handles, labels, loc="upper right", title="security guarantees agreed")
    ax.set_xlim(0, max(longest, 1.0))
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel("days since the first ceasefire began")
    ax.set_ylabel("first ceasefires still holding (%)")
    ax.set_title(
        f"How long the first ceasefire holds, in the {len(with_cf):,} worlds that reach one"
    )
    return fig
