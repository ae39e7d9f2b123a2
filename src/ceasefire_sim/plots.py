"""Figures of runs, sweeps and comparisons, ready to publish or to project in a classroom.

Every function takes :class:`~ceasefire_sim.results.Results` (or the folder a run, sweep or
comparison was saved to), draws on ``ax`` when one is given, and returns the
:class:`~matplotlib.figure.Figure`. Figures are built without pyplot, so they work on a machine
without a display, are not shown twice in a notebook and are freed when dropped.

The palette is Okabe and Ito's (2008), safe for the common colour-vision deficiencies, with one
fixed colour per status of a world and per actor, so a colour means the same thing in every
figure. Time axes show dates (and days since the start on the top axis); every axis names its
unit.

:func:`save_figures` writes every figure that applies to a folder; :func:`figure_specs` lists
them with their captions (the report uses it); :func:`folder_kind` tells a run folder from a
sweep or a comparison by its manifest.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import matplotlib

# Choose a backend only when nobody else has: on a headless Linux box pick Agg; leave a
# notebook's inline backend (ipykernel sets MPLBACKEND) or a user's choice alone.
if (
    "matplotlib.pyplot" not in sys.modules
    and not os.environ.get("MPLBACKEND")
    and sys.platform.startswith("linux")
    and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
):
    matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, PercentFormatter, StrMethodFormatter
from scipy import stats

from ceasefire_sim.errors import InputError, SweepError
from ceasefire_sim.negotiation.space import BUILT_IN
from ceasefire_sim.results import STATUS_NAMES, Results, _atomic_write
from ceasefire_sim.survival import kaplan_meier

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


# ------------------------------------------------------------------ folders
FolderKind = Literal["run", "sweep", "compare"]


def folder_kind(directory: str | Path) -> FolderKind:
    """What a results folder holds, from its ``manifest.json``.

    A run's manifest has no ``kind`` (or ``"run"``); sweeps and comparisons name theirs.

    Raises:
        InputError: The folder has no readable manifest or an unknown kind.
    """
    manifest = read_manifest(Path(directory))
    kind = manifest.get("kind", "run")
    if kind not in ("run", "sweep", "compare"):
        raise InputError(
            f"{directory}/manifest.json has kind {kind!r}; expected run, sweep or compare",
            file=str(directory),
        )
    return kind


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The ``manifest.json`` of a results folder.

    Raises:
        InputError: The folder has no manifest or it is not a JSON object.
    """
    directory = Path(directory)
    path = directory / "manifest.json"
    if not path.is_file():
        raise InputError(
            f"{directory} is not a results folder: no manifest.json (give the folder written by "
            "`ceasefire-sim run --out`, `sweep` or `compare`)",
            file=str(directory),
        )
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}", file=str(path)) from exc
    if not isinstance(manifest, dict):
        raise InputError(f"{path} must hold a JSON object", file=str(path))
    return manifest


@dataclass
class SweepFolder:
    """A sweep folder read back (see the sweep output contract).

    Attributes:
        path: The folder.
        manifest: ``manifest.json``.
        summary: ``summary.parquet``: one row per point, parameters and metrics with intervals.
        sensitivity: ``sensitivity.parquet`` (Sobol or Morris), or ``None``.
    """

    path: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    sensitivity: pd.DataFrame | None = None

    @classmethod
    def load(cls, directory: str | Path) -> SweepFolder:
        """Read a sweep folder.

        Raises:
            SweepError: The folder is not a finished sweep.
        """
        d = Path(directory)
        manifest = read_manifest(d)
        if manifest.get("kind") != "sweep":
            raise SweepError(f"{d} is not a sweep folder (manifest kind is not 'sweep')", str(d))
        if not (d / "summary.parquet").is_file():
            raise SweepError(
                f"{d} has no summary.parquet: the sweep has not finished; resume it with "
                "`ceasefire-sim sweep ... --resume`",
                file=str(d),
            )
        sens = d / "sensitivity.parquet"
        return cls(
            path=d,
            manifest=manifest,
            summary=pd.read_parquet(d / "summary.parquet"),
            sensitivity=pd.read_parquet(sens) if sens.is_file() else None,
        )

    @property
    def parameters(self) -> list[str]:
        """Dotted paths of the swept parameters, in the order of the spec."""
        listed = [p["path"] for p in self.manifest.get("parameters", []) if "path" in p]
        return listed or [
            c for c in self.summary.columns if "." in c and not c.endswith(("_low", "_high"))
        ]

    @property
    def metrics(self) -> list[str]:
        """Summary metrics that come with an interval (``M``, ``M_low``, ``M_high``)."""
        cols = set(self.summary.columns)
        return [
            c
            for c in self.summary.columns
            if f"{c}_low" in cols and f"{c}_high" in cols and c not in self.parameters
        ]

    @property
    def default_metric(self) -> str:
        """P(ceasefire) at the latest day summarised, else the first metric."""
        days = [(int(m.group(1)), c) for c in self.metrics if (m := _P_CEASEFIRE.match(c))]
        if days:
            return max(days)[1]
        if not self.metrics:
            raise SweepError(f"{self.path}/summary.parquet has no metric columns", str(self.path))
        return self.metrics[0]


def _as_results(source: Results | str | Path) -> Results:
    if isinstance(source, Results):
        return source
    return Results.load(source)


def _as_sweep(source: SweepFolder | str | Path) -> SweepFolder:
    if isinstance(source, SweepFolder):
        return source
    return SweepFolder.load(source)


def read_comparison(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """The table of paired differences of a comparison folder (or the table itself), checked.

    Raises:
        SweepError: No ``comparison.parquet``, or one without the difference columns.
    """
    if isinstance(source, pd.DataFrame):
        table = source
    else:
        path = Path(source)
        if path.is_dir():
            path = path / "comparison.parquet"
        if not path.is_file():
            raise SweepError(f"{path} not found: give a comparison folder or its table", str(path))
        table = pd.read_parquet(path)
    missing = [c for c in ("metric", "diff", "diff_low", "diff_high") if c not in table.columns]
    if missing:
        raise SweepError(f"the comparison table lacks the columns {', '.join(missing)}")
    return table


# ------------------------------------------------------------------ helpers
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


# -------------------------------------------------------------- statistics
def _step_to(table: pd.DataFrame, end: float) -> pd.DataFrame:
    """Extend a survival table flat to ``end`` so the curve reaches the horizon."""
    if table["time"].iloc[-1] < end:
        last = table.iloc[[-1]].assign(time=end, events=0, censored=0)
        table = pd.concat([table, last], ignore_index=True)
    return table


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
    _date_axis(ax, _start_date(results))
    ax.set_title(f"Status of the {len(results.outcomes):,} worlds, day by day")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), reverse=True)
    return fig


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


@_styled
def control_fan(results: Results | str | Path, ax: Axes | None = None) -> Figure:
    """Fan chart of the area held by Russia: median and 50%/90% bands across worlds.

    The right axis gives the same area as a share of Ukraine's internationally recognised
    territory (``territory.ukraine_area_km2``, 603,550 km² in the baseline).

    Args:
        results: A run's results or its folder.
        ax: Axes to draw on (default: a new figure).

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
    area = ukraine_area_km2(results)
    right = ax.secondary_yaxis(
        "right", functions=(lambda km2: 100 * km2 / area, lambda pct: pct * area / 100)
    )
    right.set_ylabel(f"share of Ukraine's {area:,.0f} km² (%)")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_ylabel("area held by Russia (km²)")
    ax.set_xlim(dates[0], dates[-1])
    _date_axis(ax, _start_date(results))
    ax.set_title("Territory held by Russia across worlds")
    ax.legend(loc="upper left")
    return fig


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


@_styled
def agreed_terms(results: Results | str | Path, ax: Axes | None = None) -> Figure:
    """For each issue, the share of each option among the worlds that reached a ceasefire.

    Args:
        results: A run's results or its folder.
        ax: Axes to draw on (default: a new figure).

    Returns:
        The figure.
    """
    results = _as_results(results)
    o = results.outcomes
    _require(o, [f"terms_{i}" for i in BUILT_IN.names], "outcomes")
    had = o["first_ceasefire_day"].notna() if "first_ceasefire_day" in o else o.index == o.index
    fig, ax = _axes(ax, figsize=(8.0, 6.0))
    y, ticks, tick_labels = 0, [], []
    worlds = 0
    for k, (issue, options) in enumerate(BUILT_IN.by_issue.items()):
        agreed = o.loc[had, f"terms_{issue}"]
        agreed = agreed[agreed != ""]
        worlds = max(worlds, len(agreed))
        extra = sorted(set(agreed) - set(options))
        listed = [*options, *extra]
        shares = np.array([(agreed == opt).mean() if len(agreed) else 0.0 for opt in listed])
        rows = y + np.arange(len(listed))
        bars = ax.barh(
            rows,
            shares,
            color=CATEGORY_COLOURS[k % len(CATEGORY_COLOURS)],
            label=ISSUE_LABELS.get(issue, issue),
            height=0.8,
        )
        ax.bar_label(bars, labels=[f"{100 * s:.0f}%" for s in shares], padding=3, fontsize=8)
        ticks.extend(rows)
        tick_labels.extend(
            BUILT_IN.label(f"{issue}.{opt}").removeprefix(f"{issue}.") for opt in listed
        )
        y += len(listed) + 1
    ax.set_yticks(ticks, labels=tick_labels, fontsize=8)
    ax.set_ylim(y - 1, -1)
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel("share of the worlds with a ceasefire that agreed to it (%)")
    ax.grid(axis="y", visible=False)
    ax.set_title(f"Terms agreed, by issue ({worlds:,} worlds with a ceasefire)")
    ax.legend(title="issue", loc="lower right")
    if worlds == 0:
        _empty(ax, "no ceasefire in any world")
    return fig


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
    _date_axis(ax, _start_date(results))
    ax.set_title(
        "Beliefs about the front's drift and the realised drift\n"
        "(lines: medians across worlds; bands: 25th-75th percentiles)"
    )
    ax.legend(loc="lower right")
    return fig


# ----------------------------------------------------------- sweep figures
def _cell_label(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return ""
    return f"{100 * value:.0f}" if unit == "share" else _fmt_number(value)


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
    mean over the others, and the title says so.

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
    grid = len(ux) * len(uy) <= len(table) and len(ux) <= 40 and len(uy) <= 40
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
        if len(ux) * len(uy) <= 144:
            norm = mesh.norm
            for i in range(len(uy)):
                for j in range(len(ux)):
                    shown = means[i, j] * (100 if unit == "share" else 1)
                    dark = np.isfinite(shown) and norm(shown) < 0.6
                    ax.text(
                        j,
                        i,
                        _cell_label(means[i, j], unit),
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if dark else "black",
                    )
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


@_styled
def sobol_chart(
    sweep: SweepFolder | str | Path | pd.DataFrame,
    output: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Sensitivity of one output to each parameter: Sobol S1 and ST (or Morris mu*), with CIs.

    Args:
        sweep: A sweep folder, a :class:`SweepFolder` or the ``sensitivity.parquet`` table.
        output: The output whose indices to show (default: P(ceasefire) at the latest day).
        ax: Axes to draw on (default: a new figure).

    Returns:
        The figure.

    Raises:
        SweepError: The sweep has no sensitivity table or none for ``output``.
    """
    if isinstance(sweep, pd.DataFrame):
        table = sweep
    else:
        folder = _as_sweep(sweep)
        if folder.sensitivity is None:
            raise SweepError(
                f"{folder.path} has no sensitivity.parquet: sensitivity indices come from "
                "sweeps with method sobol or morris"
            )
        table = folder.sensitivity
    outputs = list(dict.fromkeys(table["output"]))
    if output is None:
        days = [(int(m.group(1)), c) for c in outputs if (m := _P_CEASEFIRE.match(c))]
        output = max(days)[1] if days else outputs[0]
    rows = table[table["output"] == output]
    if rows.empty:
        raise SweepError(
            f"no sensitivity indices for output {output!r}; outputs: {', '.join(outputs)}"
        )
    sobol = "S1" in rows.columns and rows["S1"].notna().any()
    key = "ST" if sobol else "mu_star"
    if key not in rows.columns:
        raise SweepError("the sensitivity table has neither Sobol (S1, ST) nor Morris (mu_star)")
    rows = rows.sort_values(key, ascending=True, na_position="first")
    n = len(rows)
    fig, ax = _axes(ax, figsize=(8.0, max(3.0, 1.2 + 0.45 * n)))
    pos = np.arange(n)
    words = metric_label(output)[0]
    if sobol:
        h = 0.38
        ax.barh(
            pos - h / 2,
            rows["S1"],
            height=h,
            xerr=rows["S1_conf"],
            color=OKABE_ITO["sky_blue"],
            capsize=3,
            label="first-order index S1 (95% CI)",
        )
        ax.barh(
            pos + h / 2,
            rows["ST"],
            height=h,
            xerr=rows["ST_conf"],
            color=OKABE_ITO["blue"],
            capsize=3,
            label="total-order index ST (95% CI)",
        )
        ax.set_xlabel("Sobol index (share of the output's variance)")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(f"Sensitivity of {words} (Sobol)")
    else:
        _, unit = metric_label(output)
        ax.barh(
            pos,
            rows["mu_star"],
            xerr=rows.get("mu_star_conf"),
            color=OKABE_ITO["blue"],
            capsize=3,
            label="μ*: mean absolute elementary effect (95% CI)",
        )
        if "sigma" in rows.columns:
            ax.plot(
                rows["sigma"],
                pos,
                "D",
                color=OKABE_ITO["orange"],
                label="σ: spread of elementary effects (interactions)",
            )
        ax.set_xlabel(f"elementary effect on {words}" + (f" ({unit})" if unit else ""))
        ax.set_title(f"Sensitivity of {words} (Morris)")
    ax.set_yticks(pos, labels=rows["parameter"].tolist())
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return fig


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


# ---------------------------------------------------------- all the figures
@dataclass(frozen=True)
class FigureSpec:
    """One figure of a folder: file stem, caption, and how to draw it."""

    name: str
    caption: str
    draw: Callable[[], Figure]


def figure_specs(source: Results | SweepFolder | str | Path) -> list[FigureSpec]:
    """Every figure that applies to a run, a sweep or a comparison, with its caption.

    Args:
        source: Results, a :class:`SweepFolder`, or a results / sweep / comparison folder.

    Returns:
        The figures in reading order; nothing is drawn until ``spec.draw()`` is called.
    """
    if isinstance(source, Results):
        return _run_specs(source)
    if isinstance(source, SweepFolder):
        return _sweep_specs(source)
    kind = folder_kind(source)
    if kind == "run":
        return _run_specs(Results.load(source))
    if kind == "sweep":
        return _sweep_specs(SweepFolder.load(source))
    return _compare_specs(Path(source))


def _run_specs(r: Results) -> list[FigureSpec]:
    o = r.outcomes
    n, horizon = len(o), _horizon(r)
    start, end = _start_date(r), _dates(_start_date(r), [horizon])[0]
    span = f"from {_long_date(start)} to {_long_date(end)}"
    had = int(o["first_ceasefire_day"].notna().sum()) if "first_ceasefire_day" in o else 0
    area = ukraine_area_km2(r)
    specs = [
        FigureSpec(
            "status_over_time",
            f"Share of the {n:,} worlds at war, in a fixed-term ceasefire, back at war after a "
            f"collapsed ceasefire, or in an indefinite ceasefire (settled), each day {span}.",
            lambda: status_over_time(r),
        ),
        FigureSpec(
            "time_to_ceasefire",
            f"Kaplan-Meier estimate of the share of worlds without a ceasefire yet, with its 95% "
            f"confidence band (Greenwood's variance, log-log scale); the {n - had:,} worlds "
            f"without a ceasefire are censored at the horizon (day {horizon}).",
            lambda: time_to_ceasefire(r),
        ),
    ]
    if had:
        specs.append(
            FigureSpec(
                "ceasefire_duration",
                f"How long the first ceasefire held in the {had:,} worlds that reached one, by "
                "the security guarantees agreed (Kaplan-Meier with 95% bands); ceasefires "
                "still holding at the horizon are censored.",
                lambda: ceasefire_duration(r),
            )
        )
    specs += [
        FigureSpec(
            "control_fan",
            f"Area of Ukraine held by Russia {span}: median world and the bands holding 50% "
            f"and 90% of worlds, in km² (left) and as a share of Ukraine's {area:,.0f} km² "
            "(right).",
            lambda: control_fan(r),
        ),
        FigureSpec(
            "casualties",
            f"Distribution over the {n:,} worlds of each side's casualties by day {horizon}; "
            "dashed lines mark the medians.",
            lambda: casualties(r),
        ),
    ]
    if had:
        specs.append(
            FigureSpec(
                "agreed_terms",
                f"Terms of the last package agreed, issue by issue, in the {had:,} worlds that "
                "reached a ceasefire: the share of those worlds agreeing to each option.",
                lambda: agreed_terms(r),
            )
        )
    specs.append(
        FigureSpec(
            "beliefs",
            "Each side's belief about the front's daily drift (km²/day gained by Russia) "
            "against the realised drift: medians across worlds with 25th-75th percentile "
            "bands. Beliefs that converge on the realised drift open a bargaining range.",
            lambda: beliefs(r),
        )
    )
    return specs


def _sweep_specs(s: SweepFolder) -> list[FigureSpec]:
    params = s.parameters
    points = len(s.summary)
    specs: list[FigureSpec] = []
    for metric in s.metrics:
        words = metric_label(metric)[0]
        if len(params) >= 2:
            others = params[2:]
            note = f" Each cell is the mean over {', '.join(others)}." if others else ""
            specs.append(
                FigureSpec(
                    f"heatmap_{metric}",
                    f"{words} over {params[0]} and {params[1]} ({points:,} sweep points, "
                    f"{s.manifest.get('worlds_per_point', '?')} worlds each).{note}",
                    lambda metric=metric: sweep_heatmap(s, outcome=metric),
                )
            )
        elif params:
            specs.append(
                FigureSpec(
                    f"response_{metric}",
                    f"{words} against {params[0]}, with 95% intervals ({points:,} sweep points).",
                    lambda metric=metric: sweep_response(s, outcome=metric),
                )
            )
    if s.sensitivity is not None and not s.sensitivity.empty:
        sens = s.sensitivity
        sobol = "S1" in sens.columns and sens["S1"].notna().any()
        key = "ST" if sobol else "mu_star"
        for output in dict.fromkeys(sens["output"]):
            rows = sens[sens["output"] == output]
            # An output constant over the sample has NaN indices: nothing to draw.
            if key not in rows.columns or rows[key].isna().all():
                continue
            what = (
                "first-order (S1) and total-order (ST) Sobol indices with 95% confidence intervals"
                if sobol
                else "Morris μ* (mean absolute elementary effect) with 95% intervals and σ"
            )
            specs.append(
                FigureSpec(
                    f"sensitivity_{output}",
                    f"Sensitivity of {metric_label(str(output))[0]} to each swept parameter: {what}.",
                    lambda output=output: sobol_chart(s, output=output),
                )
            )
    return specs


def comparison_names(manifest: dict[str, Any]) -> tuple[str, str]:
    """Names of scenarios A and B of a comparison manifest (``"A"``, ``"B"`` when not given)."""
    names = []
    for key in ("a", "b"):
        entry = manifest.get(key)
        name = entry.get("name") if isinstance(entry, dict) else entry
        names.append(str(name) if name else key.upper())
    return names[0], names[1]


def _compare_specs(directory: Path) -> list[FigureSpec]:
    table = read_comparison(directory)
    a, b = comparison_names(read_manifest(directory))
    title = f"Paired differences, B minus A\nB: {b}; A: {a}"
    return [
        FigureSpec(
            "forest",
            f"Paired differences B - A ({b} minus {a}, world by world on common random "
            "numbers) of "
            f"{len(table)} metrics with 95% intervals; filled where the interval excludes zero.",
            lambda: forest_plot(table, title=title),
        )
    ]


def save_figures(
    results_or_dir: Results | SweepFolder | str | Path,
    out_dir: str | Path,
    format: str = "png",
    dpi: int = SAVE_DPI,
) -> list[Path]:
    """Write every figure that applies to ``out_dir`` (created if needed), each atomically.

    Args:
        results_or_dir: Results, or a run / sweep / comparison folder.
        out_dir: Where to write ``<figure>.<format>``.
        format: ``png``, ``svg`` or ``pdf``.
        dpi: Resolution of raster output.

    Returns:
        The files written, in reading order.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in figure_specs(results_or_dir):
        fig = spec.draw()
        path = out / f"{spec.name}.{format}"
        _atomic_write(
            path,
            lambda tmp, fig=fig: fig.savefig(
                tmp, format=format, dpi=dpi, metadata=_metadata(format)
            ),
        )
        written.append(path)
    return written


def _metadata(format: str) -> dict[str, Any] | None:
    # Without a fixed date, every PDF/SVG differs from the last and versioned figures churn.
    if format == "pdf":
        return {"CreationDate": None}
    if format == "svg":
        return {"Date": None}
    return None
