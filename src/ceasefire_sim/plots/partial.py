"""Limited truces, day by day: the share of worlds with each scope in force."""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ceasefire_sim.negotiation.scopes import LIMITED
from ceasefire_sim.plots.dates import _date_axis, _start_date, mark_events
from ceasefire_sim.plots.folders import _as_results
from ceasefire_sim.plots.style import _axes, _require, _styled
from ceasefire_sim.results import Results

#: One colour per limited scope (colour-blind safe, Okabe-Ito), in scope order.
SCOPE_COLOURS = ("#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")


@_styled
def limited_truces(results: Results | str | Path, ax: Axes | None = None) -> Figure:
    """Share of worlds with a limited truce of each scope in force, day by day (lines).

    Scopes can hold at once in one world, so the lines are not stacked; the general ceasefire's
    share is ``share_ceasefire + share_settled`` of :func:`~ceasefire_sim.plots.status_over_time`.

    Args:
        results: A run's results or its folder.
        ax: Axes to draw on (default: a new figure).

    Returns:
        The figure.
    """
    results = _as_results(results)
    daily = results.daily
    columns = [f"share_partial_{s.name}" for s in LIMITED]
    _require(daily, ["date", *columns], "daily results")
    fig, ax = _axes(ax)
    dates = daily["date"].to_numpy()
    for scope, column, colour in zip(LIMITED, columns, SCOPE_COLOURS, strict=True):
        ax.plot(dates, daily[column].to_numpy(), color=colour, label=scope.label, linewidth=1.6)
    ax.set_ylim(0, 1)
    ax.set_xlim(daily["date"].iloc[0], daily["date"].iloc[-1])
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_ylabel("share of worlds with it in force (%)")
    handles, labels = ax.get_legend_handles_labels()
    events = mark_events(ax, results)
    _date_axis(ax, _start_date(results))
    ax.set_title(f"Limited truces in force in the {len(results.outcomes):,} worlds, day by day")
    ax.legend(
        [*handles, *events],
        [*labels, *(h.get_label() for h in events)],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    return fig
