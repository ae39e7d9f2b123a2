"""``ceasefire-sim plot`` and ``ceasefire-sim report``: figures and reports from saved results.

Both read a folder written by ``run --out``, ``sweep`` or ``compare``; nothing is re-run.
"""

from __future__ import annotations

from pathlib import Path

import click

# Kept here rather than imported from plots so that `ceasefire-sim --help` does not load matplotlib.
FORMATS = ("png", "svg", "pdf")
RESULTS_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@click.command()
@click.argument("results_dir", type=RESULTS_DIR)
@click.option(
    "--out",
    "-o",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the figures here (default: RESULTS_DIR/figures).",
)
@click.option(
    "--format",
    "fmt",
    default="png",
    show_default=True,
    type=click.Choice(FORMATS),
    help="File format of the figures.",
)
def plot(results_dir: Path, out: Path | None, fmt: str) -> None:
    """Write every figure that applies to RESULTS_DIR (a run, sweep or comparison folder)."""
    from ceasefire_sim.plots import save_figures

    target = out if out is not None else results_dir / "figures"
    written = save_figures(results_dir, target, format=fmt)
    for path in written:
        click.echo(str(path))
    click.echo(f"{len(written)} figures written to {target}/")


@click.command()
@click.argument("results_dir", type=RESULTS_DIR)
@click.option(
    "--out",
    "-o",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write (default: RESULTS_DIR/report.html).",
)
def report(results_dir: Path, out: Path | None) -> None:
    """Write a self-contained HTML report of RESULTS_DIR: summary, provenance and figures."""
    from ceasefire_sim.report import write_report

    target = out if out is not None else results_dir / "report.html"
    write_report(results_dir, target)
    size_kb = target.stat().st_size / 1024
    click.echo(f"Report written to {target} ({size_kb:,.0f} KB, self-contained)")
