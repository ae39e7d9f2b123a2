"""Sensitivity indices of a sweep: Sobol' S1 and ST, or Morris mu*."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ceasefire_sim.errors import SweepError
from ceasefire_sim.plots.folders import (
    SweepFolder,
    _as_sweep,
)
from ceasefire_sim.plots.style import (
    _P_CEASEFIRE,
    OKABE_ITO,
    _axes,
    _styled,
    metric_label,
)


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
