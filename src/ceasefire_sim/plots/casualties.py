"""Each side's casualties: distributions over worlds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ceasefire_sim.plots.dates import _dates, _horizon, _long_date, _start_date
from ceasefire_sim.plots.folders import (
    _as_results,
)
from ceasefire_sim.plots.style import (
    ACTOR_COLOURS,
    ACTOR_LABELS,
    _axes,
    _require,
    _styled,
)
from ceasefire_sim.results import Results


@_styled
def casualties(results: Results | str | Path, ax: Axes | None = None) -> Figure:
    """Distributions over worlds of each side's casualties by the horizon.

    Args:
        results: A run's results or its folder.
        ax: Axes to draw on (default: a new figure).

    Returns:
        The figure.
    """
    results = _as_results(results)
    o = results.outcomes
    sides = ("ukraine", "russia")
    _require(o, [f"casualties_{s}" for s in sides], "outcomes")
    fig, ax = _axes(ax)
    values = {s: o[f"casualties_{s}"].to_numpy(dtype=float) / 1000 for s in sides}
    everything = np.concatenate(list(values.values()))
    bins = np.histogram_bin_edges(everything, bins=40)
    for side in sides:
        x = values[side]
        median = float(np.median(x))
        ax.hist(
            x,
            bins=bins,
            weights=np.full(len(x), 1 / len(x)),
            histtype="stepfilled",
            color=ACTOR_COLOURS[side],
            alpha=0.55,
            edgecolor=ACTOR_COLOURS[side],
            label=f"{ACTOR_LABELS[side]} (median {median:,.0f} thousand)",
        )
        ax.axvline(median, color=ACTOR_COLOURS[side], linestyle="--", linewidth=1.5)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set_xlabel(f"casualties by day {_horizon(results)} (thousand persons)")
    ax.set_ylabel("share of worlds (%)")
    ax.set_title(
        f"Casualties per side by {_long_date(_dates(_start_date(results), [_horizon(results)])[0])}, "
        f"over {len(o):,} worlds (dashed: medians)"
    )
    ax.legend(loc="upper right")
    return fig
