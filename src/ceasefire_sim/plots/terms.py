"""The terms agreed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
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


def top_packages(outcomes: pd.DataFrame, top: int = 8) -> pd.DataFrame:
    """The packages agreed most often (the last ceasefire's terms), with their shares.

    Args:
        outcomes: Per-world outcomes with ``terms_<issue>`` columns.
        top: Packages listed; the rest are summed in one ``other packages`` row.

    Returns:
        One row per package, most frequent first: ``package`` (``issue: option; ...``),
        ``worlds``, ``share`` of the worlds with a ceasefire and ``cumulative`` share.
    """
    columns = [f"terms_{i}" for i in BUILT_IN.names if f"terms_{i}" in outcomes.columns]
    agreed = outcomes[columns]
    agreed = agreed[(agreed != "").any(axis=1)]
    if agreed.empty:
        return pd.DataFrame(columns=["package", "worlds", "share", "cumulative"])

    def describe(row: pd.Series) -> str:
        parts = []
        for column, option in row.items():
            issue = str(column).removeprefix("terms_")
            if option:
                words = BUILT_IN.label(f"{issue}.{option}").removeprefix(f"{issue}.")
                parts.append(words)
        return "; ".join(parts)

    counts = agreed.value_counts(sort=True)
    rows = [
        {"package": describe(pd.Series(key, index=columns)), "worlds": int(n)}
        for key, n in counts.head(top).items()
    ]
    rest = int(counts.iloc[top:].sum())
    if rest:
        rows.append({"package": f"other packages ({len(counts) - top})", "worlds": rest})
    table = pd.DataFrame(rows)
    table["share"] = table["worlds"] / len(agreed)
    table["cumulative"] = table["share"].cumsum()
    return table


@_styled
def agreed_packages(results: Results | str | Path, ax: Axes | None = None, top: int = 8) -> Figure:
    """The packages agreed most often, as a table: each package's terms and its share of deals.

    Shows at a glance when a few packages are almost all deals.

    Args:
        results: A run's results or its folder.
        ax: Axes to draw on (default: a new figure).
        top: Packages listed before ``other packages``.

    Returns:
        The figure.
    """
    results = _as_results(results)
    table = top_packages(results.outcomes, top)
    fig, ax = _axes(ax, figsize=(10.0, 1.0 + 0.3 * max(len(table), 1) * 2))
    ax.axis("off")
    if table.empty:
        _empty(ax, "no ceasefire in any world")
        return fig
    wrapped = [textwrap.fill(p, 110) for p in table["package"]]
    lines = [w.count("\n") + 1 for w in wrapped]
    total = sum(lines) + 1.5
    # A table drawn as text on an empty axes: one row per package, share as a bar beside it.
    ax.set_xlim(0, 1)
    ax.set_ylim(total, 0)
    header = {
        0.0: "rank",
        0.05: "package agreed (the last ceasefire's terms)",
        0.74: "worlds",
        0.82: "share of deals",
        0.96: "cumul.",
    }
    for x, words in header.items():
        ax.text(x, 0.5, words, fontweight="bold", va="center", fontsize=8)
    ax.axhline(1.0, color="black", linewidth=0.8)
    y = 1.0
    for k, (row, text, height) in enumerate(zip(table.itertuples(), wrapped, lines, strict=True)):
        middle = y + (height + 0.5) / 2
        rank = "" if row.package.startswith("other") else str(k + 1)
        ax.text(0.0, middle, rank, va="center", fontsize=8)
        ax.text(0.05, middle, text, va="center", fontsize=7.5, linespacing=1.2)
        ax.text(0.79, middle, f"{row.worlds:,}", va="center", ha="right", fontsize=8)
        ax.barh(middle, 0.12 * row.share, left=0.82, height=0.6, color=CATEGORY_COLOURS[0])
        ax.text(
            0.82 + 0.12 * row.share + 0.005,
            middle,
            f"{100 * row.share:.1f}%",
            va="center",
            fontsize=7.5,
        )
        ax.text(1.0, middle, f"{100 * row.cumulative:.0f}%", va="center", ha="right", fontsize=8)
        y += height + 0.5
        ax.axhline(y, color="#dddddd", linewidth=0.6)
    deals = int(table["worlds"].sum())
    lead = table.iloc[: min(2, len(table))]["share"].sum()
    ax.set_title(
        f"Packages agreed in the {deals:,} worlds with a ceasefire: the top two are "
        f"{100 * lead:.0f}% of deals"
    )
    return fig
