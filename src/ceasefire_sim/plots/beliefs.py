"""Both sides' beliefs about the front's drift against the realised drift."""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ceasefire_sim.plots.dates import _date_axis, _start_date, mark_events
from ceasefire_sim.plots.folders import (
    _as_results,
)
from ceasefire_sim.plots.style import (
    ACTOR_COLOURS,
    REALISED_COLOUR,
    _axes,
    _require,
    _styled,
)
from ceasefire_sim.results import Results


@_styled
def beliefs(results: Results | str | Path, ax: Axes | None = None) -> Figure:
    """Both sides' beliefs about the front's drift against the realised drift.

    As fighting reveals the drift, optimistic beliefs converge on it and a bargaining range
    opens (Fearon 1995). Lines are medians across worlds; bands the 25th-75th percentiles.

    Args:
        results: A run's results or its folder.
        ax: Axes to draw on (default: a new figure).

    Returns:
        The figure.
    """
    results = _as_results(results)
    daily = results.daily
    series = {
        "ukraine": ("belief_ukraine_km2_per_day", ACTOR_COLOURS["ukraine"], "Ukraine's belief"),
        "russia": ("belief_russia_km2_per_day", ACTOR_COLOURS["russia"], "Russia's belief"),
        "realised": ("true_drift_km2_per_day", REALISED_COLOUR, "realised drift"),
    }
    _require(
        daily,
        ["date", *(f"{c}_{s}" for c, _, _ in series.values() for s in ("p25", "p50", "p75"))],
        "daily results",
    )
    fig, ax = _axes(ax)
    dates = daily["date"].to_numpy()
    for key, (column, colour, words) in series.items():
        ax.fill_between(
            dates,
            daily[f"{column}_p25"],
            daily[f"{column}_p75"],
            color=colour,
            alpha=0.2,
            linewidth=0,
        )
        ax.plot(
            dates,
            daily[f"{column}_p50"],
            color=colour,
            linewidth=2,
            linestyle="--" if key == "realised" else "-",
            label=words,
        )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("front drift (km²/day; above 0: Russian gains)")
    ax.set_xlim(dates[0], dates[-1])
    mark_events(ax, results)
    _date_axis(ax, _start_date(results))
    ax.set_title(
        "Beliefs about the front's drift and the realised drift\n"
        "(lines: medians across worlds; bands: 25th-75th percentiles)"
    )
    ax.legend(loc="lower right")
    return fig
