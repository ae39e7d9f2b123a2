"""House style: the palette (one colour per status and per actor), labels, and helpers every figure uses."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import matplotlib
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ceasefire_sim.errors import InputError
from ceasefire_sim.results import Results

# ------------------------------------------------------------------------ palette
#: Okabe-Ito colours by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: One colour per status of a world, the same in every figure.
STATUS_COLOURS: dict[str, str] = {
    "war": OKABE_ITO["vermillion"],
    "ceasefire": OKABE_ITO["sky_blue"],
    "collapsed": OKABE_ITO["reddish_purple"],
    "settled": OKABE_ITO["bluish_green"],
}
#: Legend words of the statuses.
STATUS_LABELS: dict[str, str] = {
    "war": "at war (no ceasefire yet)",
    "ceasefire": "fixed-term ceasefire holding",
    "collapsed": "ceasefire collapsed, war resumed",
    "settled": "indefinite ceasefire (settled)",
}
#: One colour per actor, the same in every figure.
ACTOR_COLOURS: dict[str, str] = {
    "ukraine": OKABE_ITO["blue"],
    "russia": OKABE_ITO["orange"],
    "united_states": OKABE_ITO["black"],
    "allies": OKABE_ITO["yellow"],
}
ACTOR_LABELS: dict[str, str] = {
    "ukraine": "Ukraine",
    "russia": "Russia",
    "united_states": "United States",
    "allies": "NATO allies",
}
#: What the model observes rather than an actor believes (realised drift, reference lines).
REALISED_COLOUR = "#555555"
#: Colours of the issues in the agreed-terms chart and of categories without a fixed colour.
CATEGORY_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["black"],
)
GUARANTEE_COLOURS: dict[str, str] = {
    "none": OKABE_ITO["vermillion"],
    "european_force": OKABE_ITO["blue"],
    "us_backed": OKABE_ITO["bluish_green"],
}
ISSUE_LABELS: dict[str, str] = {
    "truce": "truce",
    "territory": "territory",
    "nato": "NATO",
    "guarantees": "security guarantees",
    "sanctions": "sanctions",
    "aid_during_truce": "aid during the truce",
}
#: Ukraine's internationally recognised area incl. Crimea, when a scenario does not give it.
UKRAINE_AREA_KM2 = 603_550.0
FORMATS = ("png", "svg", "pdf")

#: House style, applied while a figure is built.
STYLE: dict[str, Any] = {
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "axes.prop_cycle": cycler(color=CATEGORY_COLOURS),
}
SAVE_DPI = 150

_P_CEASEFIRE = re.compile(r"^p_ceasefire_(\d+)$")
#: Units guessed from the end of a parameter's dotted path.
_UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_km2_per_month", "km²/month"),
    ("_km2_per_day", "km²/day"),
    ("_per_10k_km2", "per 10,000 km²"),
    ("_km2", "km²"),
    ("_bn_per_year", "US$ bn/year"),
    ("_bn", "US$ bn"),
    ("_pct_per_year", "% of GDP/year"),
    ("_pct", "%"),
    ("_per_day", "per day"),
    ("_days", "days"),
)


def _styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build the figure inside the house style."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


def _axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.get_figure(root=True), ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"the {what} lack the columns {', '.join(missing)}; re-run the scenario with this "
            "version of ceasefire-sim"
        )


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.grid(False)


def ukraine_area_km2(results: Results) -> float:
    """Ukraine's area from the scenario (``territory.ukraine_area_km2``), else 603,550 km²."""
    try:
        return float(results.scenario["territory"]["ukraine_area_km2"]["value"])
    except (KeyError, TypeError, ValueError):
        return UKRAINE_AREA_KM2


def metric_label(metric: str) -> tuple[str, str]:
    """Words and unit of a summary metric, from the registry (:mod:`ceasefire_sim.metrics`).

    ``p_ceasefire_365`` -> ``("P(ceasefire by day 365)", "share")``; a column that is no metric
    keeps its name, with a unit guessed from it.
    """
    from ceasefire_sim import metrics

    try:
        found = metrics.get(metric)
    except KeyError:
        found = None
    if found is not None:
        return found.label, found.unit
    if metric.startswith(("P(", "p_")):
        return metric, "share"
    return metric, _unit_of(metric)


def _unit_of(name: str) -> str:
    for suffix, unit in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    if name.endswith("_day"):
        return "days"
    return "persons" if "casualties" in name else ""


def parameter_label(path: str) -> str:
    """A swept parameter as an axis label: its dotted path and, when the name tells, its unit."""
    for suffix, unit in _UNIT_SUFFIXES:
        if path.endswith(suffix):
            return f"{path} ({unit})"
    return path


def _metric_axis_label(metric: str) -> str:
    words, unit = metric_label(metric)
    if unit == "share":
        return f"{words} (%)"
    return f"{words} ({unit})" if unit else words


def _fmt_number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
