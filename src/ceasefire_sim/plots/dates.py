"""One date axis for every time figure: dates below, days since the start above."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ceasefire_sim.results import Results


def _start_date(results: Results) -> np.datetime64:
    if "date" in results.daily.columns and len(results.daily):
        return np.datetime64(pd.Timestamp(results.daily["date"].iloc[0]).date(), "D")
    return np.datetime64(results.manifest.get("start_date", "2025-01-01"), "D")


def _horizon(results: Results) -> int:
    m = results.manifest
    return int(m.get("days", m.get("horizon_days", len(results.daily) - 1)))


def _dates(start: np.datetime64, days: np.ndarray) -> np.ndarray:
    offsets = np.rint(np.asarray(days, dtype=float)).astype("int64").astype("timedelta64[D]")
    return (start + offsets).astype("datetime64[ms]")


def _long_date(day: np.datetime64) -> str:
    stamp = pd.Timestamp(day)  # "13 Mar 2025"; strftime's %-d is not portable
    return f"{stamp.day} {stamp:%b %Y}"


def _date_axis(ax: Axes, start: np.datetime64) -> None:
    """Dates below, days since the start above: both are what a reader asks for."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("date")
    origin = mdates.date2num(pd.Timestamp(start).to_pydatetime())
    top = ax.secondary_xaxis("top", functions=(lambda x: x - origin, lambda d: d + origin))
    top.set_xlabel(f"days since {_long_date(start)}")


#: Longest event note written on a time axis (the rest is cut with an ellipsis).
EVENT_NOTE_LENGTH = 50


def scenario_events(results: Results) -> list[tuple[np.datetime64, str]]:
    """The scenario's dated events within the run: ``(date, note)``, in date order."""
    events = (results.scenario or {}).get("events") or []
    start = _start_date(results)
    end = start + np.timedelta64(_horizon(results), "D")
    found = []
    for event in events:
        try:
            day = np.datetime64(str(event["date"]), "D")
        except (KeyError, TypeError, ValueError):
            continue
        if start <= day <= end:
            note = str(event.get("note") or "event")
            if len(note) > EVENT_NOTE_LENGTH:
                note = note[: EVENT_NOTE_LENGTH - 1].rstrip() + "…"
            found.append((day, note))
    return sorted(found)


def mark_events(ax: Axes, results: Results) -> list[Line2D]:
    """Dotted vertical lines at the scenario's dated events, numbered, with a legend entry each.

    Returns:
        The legend handles of the events, in date order.
    """
    handles = []
    for k, (day, note) in enumerate(scenario_events(results), start=1):
        x = day.astype("datetime64[ms]")
        ax.axvline(x, color="#333333", linestyle=":", linewidth=1.2, zorder=4)
        ax.annotate(
            str(k),
            (x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -10),
            textcoords="offset points",
            fontsize=8,
            color="#333333",
        )
        (handle,) = ax.plot(
            [], [], color="#333333", linestyle=":", label=f"{k}: {note} ({_long_date(day)})"
        )
        handles.append(handle)
    return handles
