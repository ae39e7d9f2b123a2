"""Every figure that applies to a run, a sweep or a comparison, with its caption, and save_figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from ceasefire_sim.plots.beliefs import beliefs
from ceasefire_sim.plots.casualties import casualties
from ceasefire_sim.plots.compare import forest_plot
from ceasefire_sim.plots.dates import _dates, _horizon, _long_date, _start_date
from ceasefire_sim.plots.folders import (
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
    FORMATS,
    SAVE_DPI,
    metric_label,
    ukraine_area_km2,
)
from ceasefire_sim.plots.survival_curves import (
    ceasefire_duration,
    time_to_ceasefire,
)
from ceasefire_sim.plots.sweeps import sweep_heatmap, sweep_response
from ceasefire_sim.plots.terms import agreed_packages, agreed_terms
from ceasefire_sim.plots.territory import control_fan
from ceasefire_sim.results import Results, _atomic_write


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
    if "share_partial_energy" in r.daily:
        specs.append(
            FigureSpec(
                "limited_truces",
                f"Share of the {n:,} worlds with a limited truce of each scope in force, each "
                f"day {span}; a world may hold several at once, and the front keeps moving "
                "under all of them.",
                lambda: limited_truces(r),
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
                "agreed_packages",
                f"The packages agreed most often in the {had:,} worlds that reached a ceasefire "
                "(the last ceasefire's terms), each with its share of those worlds and the "
                "cumulative share.",
                lambda: agreed_packages(r),
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
