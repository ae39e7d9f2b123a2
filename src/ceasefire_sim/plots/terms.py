"""The terms agreed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ceasefire_sim.negotiation.space import BUILT_IN
from ceasefire_sim.plots.folders import (
    _as_results,
)
from ceasefire_sim.plots.style import (
    CATEGORY_COLOURS,
    ISSUE_LABELS,
    _axes,
    _empty,
    _require,
    _styled,
)
from ceasefire_sim.results import Results


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
