"""The ``sweep`` and ``compare`` commands of ``ceasefire-sim``."""

from __future__ import annotations

import math
from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from ceasefire_sim.cli.options import scenario_options


@click.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: results/sweeps/<spec file name>).",
)
@click.option(
    "--workers",
    "-w",
    default=None,
    type=click.IntRange(1),
    help="Local processes (default: one per core; 1 runs in this process).",
)
@click.option("--scheduler", default=None, metavar="ADDRESS", help="Run on this Dask scheduler.")
@click.option(
    "--dask-local",
    default=None,
    type=click.IntRange(1),
    metavar="N",
    help="Start a local Dask cluster of N workers on 127.0.0.1.",
)
@click.option("--resume", is_flag=True, help="Continue the sweep in OUT, keeping finished chunks.")
@click.option("--dry-run", is_flag=True, help="Check the spec and print the plan; run nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@scenario_options
def sweep(
    spec: Path,
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    resume: bool,
    dry_run: bool,
    quiet: bool,
    overrides: tuple[str, ...],
) -> None:
    """Run the sweep described by SPEC and write its points, worlds, summary and sensitivity."""
    from ceasefire_sim.sweep.executors import ExecutorChoice
    from ceasefire_sim.sweep.progress import make_progress
    from ceasefire_sim.sweep.runner import run_sweep
    from ceasefire_sim.sweep.spec import load_sweep

    choice = ExecutorChoice(workers=workers, scheduler=scheduler, dask_local=dask_local)
    loaded = load_sweep(spec, overrides)
    console = Console()
    if dry_run:
        _print_plan(loaded, console)
        return
    out = out if out is not None else Path("results") / "sweeps" / spec.stem
    progress = make_progress(quiet)
    try:
        result = run_sweep(loaded, choice, out=out, resume=resume, progress=progress)
    except KeyboardInterrupt:
        progress.log(f"interrupted: finished chunks are in {out}/worlds/; add --resume to continue")
        raise
    if not quiet:
        _print_result(result, console)


def _print_plan(loaded: object, console: Console) -> None:
    from ceasefire_sim.sweep.spec import Sweep

    assert isinstance(loaded, Sweep)
    table = Table(title=f"sweep {loaded.spec.name!r} ({loaded.spec.method})")
    table.add_column("parameter", overflow="fold")
    table.add_column("low", justify="right")
    table.add_column("high", justify="right")
    table.add_column("values / distribution")
    for row in loaded.parameter_table():
        detail = row["values"] if row["values"] is not None else (row["dist"] or "uniform")
        table.add_row(row["path"], f"{row['low']:g}", f"{row['high']:g}", str(detail))
    console.print(table)
    console.print(
        f"{loaded.n_points:,} points x {loaded.worlds_per_point:,} worlds = "
        f"{loaded.n_points * loaded.worlds_per_point:,} worlds over {loaded.days} days, in "
        f"{loaded.n_chunks:,} chunks of up to {loaded.points_per_chunk:,} points; base scenario "
        f"{loaded.scenario.name!r}"
    )


def _print_result(result: object, console: Console) -> None:
    from ceasefire_sim.sweep.runner import SweepResult

    assert isinstance(result, SweepResult)
    m = result.manifest
    files = "points.parquet, worlds/, summary.parquet, manifest.json"
    if result.sensitivity is not None:
        files = files.replace("manifest.json", "sensitivity.parquet, manifest.json")
    console.print(
        f"Sweep {m['name']!r}: {m['points']:,} points x {m['worlds_per_point']:,} worlds; "
        f"{len(result.computed_chunks)} chunks computed, {len(result.reused_chunks)} reused."
    )
    console.print(f"Written to {result.out}/ ({files})")
    summary = result.summary
    table = Table(title="headline metrics across points")
    table.add_column("metric")
    for label in ("min", "median", "max"):
        table.add_column(label, justify="right")
    for name in m["outputs"]:
        column = summary[name]
        table.add_row(name, *(_fmt(name, v) for v in (column.min(), column.median(), column.max())))
    console.print(table)
    if result.sensitivity is not None:
        _print_sensitivity(result.sensitivity, m["method"], console)


#: Short column labels of the headline metrics in terminal tables.
_SHORT = {
    "median_first_ceasefire_day": "median day",
    "p_holding": "holding",
    "median_control_change_km2": "control change",
}


def _short(name: str) -> str:
    if name.startswith("p_ceasefire_"):
        return f"P(by {name.removeprefix('p_ceasefire_')})"
    return _SHORT.get(name, name)


def _print_sensitivity(frame: pd.DataFrame, method: str, console: Console) -> None:
    value = "ST" if method == "sobol" else "mu_star"
    title = (
        "total-order Sobol' indices (ST; S1, *_conf in sensitivity.parquet)"
        if method == "sobol"
        else "Morris mu* per unit of each parameter's range"
    )
    wide = frame.pivot(index="parameter", columns="output", values=value)
    wide = wide.reindex(index=frame["parameter"].unique(), columns=frame["output"].unique())
    table = Table(title=title)
    table.add_column("parameter", overflow="fold")
    for output in wide.columns:
        table.add_column(_short(str(output)), justify="right")
    for parameter, row in wide.iterrows():
        table.add_row(str(parameter), *("n/a" if math.isnan(v) else f"{v:.2f}" for v in row))
    console.print(table)


def _fmt(name: str, value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    if name.startswith("p_"):
        return f"{100 * value:.1f}%"
    if name.endswith("_km2"):
        return f"{value:,.0f} km²"
    if name.endswith("_day"):
        return f"{value:,.0f} days"
    return f"{value:,.0f}"


@click.command()
@click.argument("a", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("b", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--worlds",
    "-n",
    default=1000,
    show_default=True,
    type=click.IntRange(2),
    help="Worlds of each run.",
)
@click.option("--seed", "-s", default=0, show_default=True, type=int, help="The common seed.")
@click.option("--days", "-d", default=None, type=click.IntRange(1), help="Horizon (default: A's).")
@click.option(
    "--out",
    "-o",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Write comparison.parquet, manifest.json and both runs (a/, b/) here.",
)
@scenario_options
def compare(
    a: Path,
    b: Path,
    worlds: int,
    seed: int,
    days: int | None,
    out: Path | None,
    overrides: tuple[str, ...],
) -> None:
    """Compare scenario B with scenario A under common random numbers (B minus A)."""
    from ceasefire_sim.sweep.compare import compare_scenarios

    console = Console()
    with console.status(f"Simulating {worlds:,} worlds of each scenario, seed {seed} ..."):
        comparison = compare_scenarios(
            a, b, worlds=worlds, seed=seed, days=days, overrides=overrides
        )
    m = comparison.manifest
    table = Table(
        title=(
            f"B = {m['b']['name']} minus A = {m['a']['name']}\n"
            f"{worlds:,} paired worlds, {m['days']} days, seed {seed}"
        )
    )
    table.add_column("metric", overflow="fold")
    for header in ("A", "B", "B - A", "95% CI paired", "95% CI indep.", "VR"):
        table.add_column(header, justify="right")
    for row in comparison.table.itertuples():
        table.add_row(
            _label(row.metric),
            _fmt(row.metric, row.a),
            _fmt(row.metric, row.b),
            _fmt_diff(row.metric, row.diff, unit=True),
            _fmt_interval(row.metric, row.diff_low, row.diff_high),
            _fmt_interval(row.metric, row.independent_low, row.independent_high),
            _fmt_ratio(row.variance_reduction),
        )
    console.print(table)
    console.print(
        "CI indep.: the interval independent seeds would give. VR (variance reduction): how many "
        "times smaller the variance of B - A is under common random numbers; the paired "
        "interval is sqrt(VR) times narrower; 'exact': B - A is the same in every paired world, "
        "so the paired interval has no width. Shares in %, differences in percentage points."
    )
    if out is not None:
        comparison.save(out)
        console.print(f"Written to {out}/ (comparison.parquet, manifest.json, a/, b/)")


def _label(name: str) -> str:
    if name.startswith("p_ceasefire_"):
        return f"P(ceasefire by day {name.removeprefix('p_ceasefire_')})"
    labels = {
        "median_first_ceasefire_day": "median first ceasefire day",
        "p_holding": "P(holding at horizon)",
        "p_collapsed": "P(collapsed at horizon)",
        "median_control_change_km2": "median control change",
        "mean_casualties_ukraine": "mean casualties, Ukraine",
        "mean_casualties_russia": "mean casualties, Russia",
    }
    return labels.get(name, name)


def _fmt_diff(name: str, value: float, unit: bool = False) -> str:
    if value != value:
        return "n/a"
    if name.startswith("p_"):
        return f"{100 * value:+.1f}" + (" pp" if unit else "")
    if name.endswith("_km2"):
        return f"{value:+,.0f}" + (" km²" if unit else "")
    if name.endswith("_day"):
        return f"{value:+,.1f}" + (" days" if unit else "")
    return f"{value:+,.0f}"


def _fmt_interval(name: str, low: float, high: float) -> str:
    if low != low or high != high:
        return "n/a"
    return f"{_fmt_diff(name, low)} to {_fmt_diff(name, high)}"


def _fmt_ratio(value: float) -> str:
    if value != value:
        return "n/a"
    if math.isinf(value):
        return "exact"
    return f"{value:,.1f}"
