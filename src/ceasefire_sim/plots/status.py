"""The status of the worlds, day by day."""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ceasefire_sim.plots.dates import _date_axis, _start_date, mark_events
from ceasefire_sim.plots.folders import (
    _as_results,
)
from ceasefire_sim.plots.style import (
    STATUS_COLOURS,
    STATUS_LABELS,
    _axes,
    _require,
    _styled,
)
from ceasefire_sim.results import STATUS_NAMES, Results


# ------------------------------------------------------------- run figures
@_styled
def status_over_time(results: Results | str | Path, ax: Axes | None = None) -> Figure:
    """Stacked shares of worlds at war, in a ceasefire, collapsed and settled, day by day.

    Args:
        results: A run's results or its folder.
        ax: Axes to draw on (default: a new figure).

    Returns:
        The figure.
    """
    results = _as_results(results)
    daily = results.daily
    _require(daily, ["date", *(f"share_{s}" for s in STATUS_NAMES)], "daily results")
    fig, ax = _axes(ax)
    ax.stackplot(
        daily["date"].to_numpy(),
        *(daily[f"share_{s}"].to_numpy() for s in STATUS_NAMES),
        labels=[STATUS_LABELS[s] for s in STATUS_NAMES],
        colors=[STATUS_COLOURS[s] for s in STATUS_NAMES],
        alpha=0.9,
        linewidth=0,
    )
    ax.set_ylim(0, 1)
    ax.set_xlim(daily["date"].iloc[0], daily["date"].iloc[-1])
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_ylabel("share of worlds (%)")
    ax.grid(False)
    handles, labels = ax.get_legend_handles_labels()
    events = mark_events(ax, results)
    _date_axis(ax, _start_date(results))
    ax.set_title(f"Status of the {len(results.outcomes):,} worlds, day by day")
    # Statuses top to bottom as stacked, then the dated events.
    ax.legend(
        [*handles[::-1], *events],
        [*labels[::-1], *(h.get_label() for h in events)],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    return fig
