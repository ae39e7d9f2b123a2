"""The ``discover`` command: scenario discovery (PRIM, CART) and regret on a finished sweep."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ceasefire_sim.cli.options import make_console


@click.command()
@click.argument("sweep_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--metric", "-m", required=True, help="Summary metric, e.g. p_ceasefire_365.")
@click.option("--threshold", "-t", required=True, type=float, help="Threshold of the metric.")
@click.option(
    "--direction",
    type=click.Choice(["below", "above"]),
    default="below",
    show_default=True,
    help="Cases of interest: points whose metric is below (or above) the threshold.",
)
@click.option("--boxes", default=2, show_default=True, type=click.IntRange(1), help="PRIM boxes.")
@click.option(
    "--min-coverage",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Least coverage of a chosen PRIM box.",
)
@click.option(
    "--uncertainties-only", is_flag=True, help="Boxes restrict uncertainties, never levers."
)
def discover(
    sweep_dir: Path,
    metric: str,
    threshold: float,
    direction: str,
    boxes: int,
    min_coverage: float,
    uncertainties_only: bool,
) -> None:
    """Which uncertainties (and levers) make METRIC fail in the sweep in SWEEP_DIR, and regret."""
    from ceasefire_sim.sweep.discovery import discover as run_discovery

    found = run_discovery(
        sweep_dir,
        metric,
        threshold,
        direction=direction,  # type: ignore[arg-type]
        boxes=boxes,
        min_coverage=min_coverage,
        include_levers=not uncertainties_only,
    )
    console = make_console()
    print_discovery(found, console)


def _format(value: float, unit: str) -> str:
    from ceasefire_sim.metrics import format_value

    return format_value(value, unit)


def _format_regret(value: float, unit: str) -> str:
    # A regret is a difference: shares in percentage points.
    if unit == "share":
        return f"{100 * value:.1f} pp"
    return _format(value, unit)


def print_discovery(found: object, console: Console) -> None:
    """Print the cases, PRIM's and CART's boxes and the regret table."""
    from ceasefire_sim import metrics
    from ceasefire_sim.sweep.discovery import Discovery

    assert isinstance(found, Discovery)
    metric = metrics.get(found.metric)
    shown = _format(found.threshold, metric.unit)
    console.print(
        f"Cases of interest: {found.cases:,} of {found.points:,} points with {metric.label} "
        f"{found.direction} {shown}."
    )
    if not found.cases or found.cases == found.points:
        console.print("No boxes: every point, or none, is a case of interest; move the threshold.")
    for method, boxes in (("PRIM", found.prim), ("CART", found.cart[:3])):
        if not found.cases or found.cases == found.points:
            break
        if not boxes:
            console.print(f"{method}: no box.")
        for k, box in enumerate(boxes, start=1):
            console.print(
                f"{method} box {k}: coverage {box.coverage:.0%}, density {box.density:.0%}, "
                f"mass {box.mass:.0%}"
            )
            table = Table()
            table.add_column("input", overflow="fold")
            table.add_column("low", justify="right")
            table.add_column("high", justify="right")
            for name, (low, high) in box.limits.items():
                table.add_row(name, f"{low:.4g}", f"{high:.4g}")
            console.print(table)
    if found.regret is None:
        console.print("No regret table: the sweep declares no levers.")
        return
    regret = found.regret
    levers = [c for c in regret.columns if "." in c]
    table = Table(
        title=(
            f"regret of each lever setting over {int(regret['scenarios'].iloc[0]):,} uncertainty "
            f"points ({metric.label}; least maximum regret first)"
        )
    )
    for lever in levers:
        table.add_column(lever, justify="right", overflow="fold")
    for header in ("mean", "worst", "mean regret", "max regret", "failing"):
        table.add_column(header, justify="right")
    for row in regret.itertuples(index=False):
        values = row._asdict()
        cells = [f"{v:g}" for v in list(row)[: len(levers)]]
        cells += [
            _format(values["mean"], metric.unit),
            _format(values["worst"], metric.unit),
            _format_regret(values["mean_regret"], metric.unit),
            _format_regret(values["max_regret"], metric.unit),
            f"{values['share_failing']:.0%}" if "share_failing" in values else "",
        ]
        table.add_row(*cells)
    console.print(table)
