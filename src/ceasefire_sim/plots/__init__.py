"""Figures of runs, sweeps and comparisons, ready to publish or to project in a classroom.

Every function takes :class:`~ceasefire_sim.results.Results` (or the folder a run, sweep or
comparison was saved to), draws on ``ax`` when one is given, and returns the
:class:`~matplotlib.figure.Figure`. Figures are built on :class:`~matplotlib.figure.Figure`
directly, never through pyplot, so they work on a machine without a display, are not shown
twice in a notebook and are freed when dropped.

One module per subject: :mod:`.status`, :mod:`.survival_curves` (Kaplan-Meier, from
:mod:`ceasefire_sim.survival`), :mod:`.territory`, :mod:`.casualties`, :mod:`.terms`,
:mod:`.beliefs`, :mod:`.sweeps`, :mod:`.sensitivity`, :mod:`.compare`; the house style in
:mod:`.style`, the one date axis (with the scenario's dated events) in :mod:`.dates`, the
folders read back in :mod:`.folders`, and :mod:`.figures` lists every figure that applies.

The palette is Okabe and Ito's (2008), safe for the common colour-vision deficiencies, with one
fixed colour per status of a world and per actor, so a colour means the same thing in every
figure. Time axes show dates (and days since the start on the top axis); every axis names its
unit.

:func:`save_figures` writes every figure that applies to a folder; :func:`figure_specs` lists
them with their captions (the report uses it); :func:`folder_kind` tells a run folder from a
sweep or a comparison by its manifest.
"""

from __future__ import annotations

from ceasefire_sim.plots.beliefs import beliefs
from ceasefire_sim.plots.casualties import casualties
from ceasefire_sim.plots.compare import forest_plot
from ceasefire_sim.plots.figures import FigureSpec, figure_specs, save_figures
from ceasefire_sim.plots.folders import (
    FolderKind,
    SweepFolder,
    comparison_names,
    folder_kind,
    read_comparison,
    read_manifest,
)
from ceasefire_sim.plots.partial import limited_truces
from ceasefire_sim.plots.sensitivity import sobol_chart
from ceasefire_sim.plots.status import status_over_time
from ceasefire_sim.plots.style import (
    ACTOR_COLOURS,
    ACTOR_LABELS,
    CATEGORY_COLOURS,
    FORMATS,
    GUARANTEE_COLOURS,
    ISSUE_LABELS,
    OKABE_ITO,
    REALISED_COLOUR,
    SAVE_DPI,
    STATUS_COLOURS,
    STATUS_LABELS,
    STYLE,
    UKRAINE_AREA_KM2,
    metric_label,
    parameter_label,
    ukraine_area_km2,
)
from ceasefire_sim.plots.survival_curves import ceasefire_duration, time_to_ceasefire
from ceasefire_sim.plots.sweeps import sweep_heatmap, sweep_response
from ceasefire_sim.plots.terms import agreed_packages, agreed_terms, top_packages
from ceasefire_sim.plots.territory import control_fan
from ceasefire_sim.survival import kaplan_meier

__all__ = [
    "ACTOR_COLOURS",
    "ACTOR_LABELS",
    "CATEGORY_COLOURS",
    "FORMATS",
    "GUARANTEE_COLOURS",
    "ISSUE_LABELS",
    "OKABE_ITO",
    "REALISED_COLOUR",
    "SAVE_DPI",
    "STATUS_COLOURS",
    "STATUS_LABELS",
    "STYLE",
    "UKRAINE_AREA_KM2",
    "FigureSpec",
    "FolderKind",
    "SweepFolder",
    "agreed_packages",
    "agreed_terms",
    "beliefs",
    "casualties",
    "ceasefire_duration",
    "comparison_names",
    "control_fan",
    "figure_specs",
    "folder_kind",
    "forest_plot",
    "kaplan_meier",
    "limited_truces",
    "metric_label",
    "parameter_label",
    "read_comparison",
    "read_manifest",
    "save_figures",
    "sobol_chart",
    "status_over_time",
    "sweep_heatmap",
    "sweep_response",
    "time_to_ceasefire",
    "top_packages",
    "ukraine_area_km2",
]
