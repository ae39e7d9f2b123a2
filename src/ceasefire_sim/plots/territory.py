"""The territory Russia holds: a fan chart across worlds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from ceasefire_sim.plots.dates import _date_axis, _horizon, _long_date, _start_date, mark_events
from ceasefire_sim.plots.folders import (
    _as_results,
)
from ceasefire_sim.plots.style import (
    ACTOR_COLOURS,
    REALISED_COLOUR,
    _axes,
    _require,
    _styled,
    ukraine_area_km2,
)
from ceasefire_sim.results import Results


@_styled
def control_fan(
    results: Results | str | Path, ax: Axes | None = None, history_days: int | None = None
) -> Figure:
    """Fan chart of the area held by Russia: median and 50%/90% bands across worlds.

    The right axis gives the same area as a share of Ukraine's internationally recognised
    territory (``territory.ukraine_area_km2``, 603,550 km² in the baseline).

    Args:
        results: A run's results or its folder.
        ax: Axes to draw on (default: a new figure).
        history_days: Days before the start to show the observed area (liveuamap's daily
            series shipped in :mod:`ceasefire_sim.data`); default: as many as the run has, at
            most 365; 0 shows none.

    Returns:
        The figure.
    """
    results = _as_results(results)
    daily = results.daily
    q = [f"control_km2_{s}" for s in ("p05", "p25", "p50", "p75", "p95")]
    _require(daily, ["date", *q], "daily results")
    fig, ax = _axes(ax)
    dates = daily["date"].to_numpy()
    colour = ACTOR_COLOURS["russia"]
    ax.fill_between(
        dates,
        daily[q[0]],
        daily[q[4]],
        color=colour,
        alpha=0.2,
        linewidth=0,
        label="90% of worlds (5th-95th percentile)",
    )
    ax.fill_between(
        dates,
        daily[q[1]],
        daily[q[3]],
        color=colour,
        alpha=0.45,
        linewidth=0,
        label="50% of worlds (25th-75th percentile)",
    )
    ax.plot(dates, daily[q[2]], color=colour, linewidth=2, label="median world")
    start = _start_date(results)
    first = dates[0]
    if history_days is None:
        history_days = min(_horizon(results), 365)
    if history_days > 0:
        observed = _observed_before(start, history_days)
        if len(observed):
            ax.plot(
                observed.index.to_numpy(),
                observed.to_numpy(),
                color=REALISED_COLOUR,
                linewidth=1.5,
                label=f"observed before the start (liveuamap, to {_long_date(observed.index[-1])})",
            )
            ax.axvline(first, color="black", linewidth=0.8)
            first = observed.index[0].to_datetime64()
    mark_events(ax, results)
    area = ukraine_area_km2(results)
    right = ax.secondary_yaxis(
        "right", functions=(lambda km2: 100 * km2 / area, lambda pct: pct * area / 100)
    )
    right.set_ylabel(f"share of Ukraine's {area:,.0f} km² (%)")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_ylabel("area held by Russia (km²)")
    ax.set_xlim(first, dates[-1])
    _date_axis(ax, start)
    ax.set_title("Territory held by Russia across worlds")
    ax.legend(loc="upper left")
    return fig


def _observed_before(start: np.datetime64, days: int) -> pd.Series:
    """Liveuamap's daily area held by Russia (km²) in the ``days`` days before ``start``."""
    from ceasefire_sim.data import liveuamap_area_daily

    series = liveuamap_area_daily()
    begin = pd.Timestamp(start) - pd.Timedelta(days=days)
    return series[(series.index >= begin) & (series.index < pd.Timestamp(start))]
