"""The History figure of the validation report: each case's figures against their bands.

Drawn on a plain :class:`matplotlib.figure.Figure` (no pyplot).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ceasefire_sim.plots.style import OKABE_ITO

PASS_COLOUR = OKABE_ITO["bluish_green"]
FAIL_COLOUR = OKABE_ITO["vermillion"]
BAND_COLOUR = "0.85"
#: Ends of the axes for open bands and values beyond them.
SHARE_RANGE = (0.0, 1.0)
DAYS_RANGE = (1.0, 1000.0)


def _inside(value: float, low: float | None, high: float | None) -> bool:
    if not np.isfinite(value):
        return bool(np.isinf(value) and high is None and value > 0)
    return (low is None or value >= low) and (high is None or value <= high)


def history_figure(criteria: list[dict[str, Any]]) -> Figure | None:
    """Each case's figures (points) against their bands (grey), shares left and days right.

    Args:
        criteria: Rows with ``case``, ``label``, ``value``, ``low``, ``high`` (None: open) and
            ``unit`` (``share``: probabilities and ratios, 0-1; ``days``: durations, log scale),
            as :func:`ceasefire_sim.validation.history.history_criteria` gives them. A point in
            its band is green, outside it vermillion; a missing value (no ceasefire) is marked
            ``n/a`` and a duration beyond the horizon is drawn at the right edge.

    Returns:
        The figure, or None if there are no rows.
    """
    if not criteria:
        return None
    fig = Figure(figsize=(11, 0.42 * len(criteria) + 1.4), layout="constrained")
    share_ax, days_ax = fig.subplots(1, 2, sharey=True)
    labels = [f"{row['case']}: {row['label']}" for row in criteria]
    y = np.arange(len(criteria))
    for ax, unit, (lo_end, hi_end) in (
        (share_ax, "share", SHARE_RANGE),
        (days_ax, "days", DAYS_RANGE),
    ):
        for i, row in enumerate(criteria):
            if row["unit"] != unit:
                continue
            low = lo_end if row["low"] is None else row["low"]
            high = hi_end if row["high"] is None else row["high"]
            ax.barh(i, high - low, left=low, height=0.6, color=BAND_COLOUR, linewidth=0)
            value = float(row["value"])
            colour = PASS_COLOUR if _inside(value, row["low"], row["high"]) else FAIL_COLOUR
            if np.isnan(value):
                ax.text(lo_end if unit == "share" else 1.1, i, "n/a", va="center", fontsize=8)
                continue
            shown = float(np.clip(value, lo_end, hi_end))
            ax.plot(shown, i, "o", color=colour, markersize=7, zorder=3)
            if value > hi_end or np.isinf(value):
                ax.annotate(
                    "beyond", (shown, i), xytext=(-40, 6), textcoords="offset points", fontsize=7
                )
        ax.grid(axis="x", alpha=0.3)
    share_ax.set(xlim=SHARE_RANGE, xlabel="probability or ratio (band in grey)")
    days_ax.set(xscale="log", xlim=DAYS_RANGE, xlabel="days, log scale (band in grey)")
    share_ax.set_yticks(y, labels, fontsize=8)
    share_ax.invert_yaxis()
    fig.suptitle(
        "History: the model with the baseline's behaviour, each case in its documented state "
        "(green: in band)",
        fontsize=10,
    )
    return fig
