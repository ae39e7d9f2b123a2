"""The ``sweep`` and ``compare`` commands of ``ceasefire-sim``."""

from __future__ import annotations

import math
from pathlib import Path

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ceasefire_sim.cli.options import SCENARIO, SWEEP_SPEC, make_console, scenario_options


@click.command()
@click.argument("spec", type=SWEEP_SPEC)
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
    from ceasefire_sim.resources import DISK_BYTES_PER_WORLD, check_disk

    loaded = load_sweep(spec, overrides)
    console = make_console()
    out = out if out is not None else Path("results") / "sweeps" / spec.stem
    # Checked before the plan is printed, so --dry-run refuses what a run would refuse.
    check_disk(out, DISK_BYTES_PER_WORLD * loaded.n_points * loaded.worlds_per_point)
    if dry_run:
        _print_plan(loaded, console)
        return
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
    table.add_column("role")
    table.add_column("low", justify="right")
    table.add_column("high", justify="right")
    table.add_column("values / distribution")
    for row in loaded.parameter_table():
        detail = row["values"] if row["values"] is not None else (row["dist"] or "uniform")
        table.add_row(row["path"], row["role"], f"{row['low']:g}", f"{row['high']:g}", str(detail))
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
    console.print(sweep_summary_table(result))
    if result.sensitivity is not None:
        _print_sensitivity(result.sensitivity, m["method"], console)
        convergence = m.get("sobol_convergence")
        if convergence:
            console.print(convergence["message"])


def sweep_summary_table(result: object) -> Table:
    """The headline metrics of a sweep across its points: min, median, max per metric."""
    from ceasefire_sim import metrics
    from ceasefire_sim.sweep.runner import SweepResult

    assert isinstance(result, SweepResult)
    m = result.manifest
    summary = result.summary
    table = Table(title="headline metrics across points")
    table.add_column("metric", overflow="fold")
    for label in ("min", "median", "max"):
        table.add_column(label, justify="right")
    for name in m["outputs"]:
        metric = metrics.get(name, int(m["days"]))
        column = (
            summary[name].replace(np.inf, np.nan) if metric.kind == "km_median" else summary[name]
        )
        values = (column.min(), column.median(), column.max())
        if metric.kind == "km_median" and np.isinf(summary[name]).any():
            # Points where the median is not reached sort above every finite one.
            ordered = np.sort(summary[name].to_numpy(dtype=float))
            values = (ordered[0], float(np.median(ordered)), ordered[-1])
        table.add_row(metric.label, *(metrics.format_value(v, metric.unit) for v in values))
    return table


#: Outputs per printed table of sensitivity indices.
SENSITIVITY_COLUMNS = 4


def _print_sensitivity(frame: pd.DataFrame, method: str, console: Console) -> None:
    from ceasefire_sim import metrics

    value = "ST" if method == "sobol" else "mu_star"
    title = (
        "total-order Sobol' indices (ST; S1, *_conf in sensitivity.parquet)"
        if method == "sobol"
        else "Morris mu* per unit of each parameter's range"
    )
    wide = frame.pivot(index="parameter", columns="output", values=value)
    wide = wide.reindex(index=frame["parameter"].unique(), columns=frame["output"].unique())
    # Outputs without indices (a median not reached at some point) have only n/a to show.
    wide = wide.loc[:, wide.notna().any()]
    # A few outputs per table keep each table within 80 columns.
    for start in range(0, len(wide.columns), SENSITIVITY_COLUMNS):
        part = wide.iloc[:, start : start + SENSITIVITY_COLUMNS]
        table = Table(title=title if start == 0 else None)
        table.add_column("parameter", overflow="fold")
        for output in part.columns:
            table.add_column(metrics.label(str(output)), justify="right", overflow="fold")
        for parameter, row in part.iterrows():
            table.add_row(str(parameter), *("n/a" if math.isnan(v) else f"{v:.2f}" for v in row))
        console.print(table)


@click.command()
@click.argument("a", type=SCENARIO)
@click.argument("b", type=SCENARIO, required=False)
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
@click.option(
    "--set-b",
    "overrides_b",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change B only; without B, compare A with itself under this change (repeatable).",
)
@scenario_options
def compare(
    a: Path,
    b: Path | None,
    worlds: int,
    seed: int,
    days: int | None,
    out: Path | None,
    overrides_b: tuple[str, ...],
    overrides: tuple[str, ...],
) -> None:
    """Compare scenario B with scenario A under common random numbers (B minus A).

    Without B, B is A with the --set-b changes.
    """
    from ceasefire_sim.sweep.compare import compare_scenarios

    console = make_console()
    with console.status(f"Simulating {worlds:,} worlds of each scenario, seed {seed} ..."):
        comparison = compare_scenarios(
            a, b, worlds=worlds, seed=seed, days=days, overrides=overrides, overrides_b=overrides_b
        )
    console.print(comparison_table(comparison, console.width))
    console.print(
        "* A conditional statistic is shown for A and B but never differenced: the worlds it "
        "is taken over differ between A and B. Not reached: a median beyond the horizon has no "
        "difference. "
        + (
            "CI indep.: the interval independent seeds would give. "
            if console.width >= WIDE
            else "The interval independent seeds would give is in comparison.parquet (--out). "
        )
        + "Days, km² and persons as in the metric; "
        "VR (variance reduction): how many "
        "times smaller the variance of B - A is under common random numbers; the paired "
        "interval is sqrt(VR) times narrower; 'exact': B - A is the same in every paired world, "
        "so the paired interval has no width. Shares in %, differences in percentage points."
    )
    if out is not None:
        comparison.save(out)
        console.print(f"Written to {out}/ (comparison.parquet, manifest.json, a/, b/)")


#: Narrower consoles leave out the independent-seed interval (it is in comparison.parquet).
WIDE = 110


def comparison_table(comparison: object, width: int = WIDE) -> Table:
    """The table of a paired comparison: A, B, B - A and its intervals per metric.

    Args:
        comparison: The :class:`~ceasefire_sim.sweep.compare.Comparison`.
        width: Console width (columns); below :data:`WIDE` the interval independent seeds would
            give is left out, so the table fits 80 columns.
    """
    from ceasefire_sim.sweep.compare import Comparison

    assert isinstance(comparison, Comparison)
    m = comparison.manifest
    table = Table(
        title=(
            f"B = {m['b']['name']} minus A = {m['a']['name']}\n"
            f"{m['worlds']:,} paired worlds, {m['days']} days, seed {m['seed']}"
        )
    )
    wide = width >= WIDE
    table.add_column("metric", overflow="fold", min_width=16)
    headers = ("A", "B", "B - A", "95% CI paired", "95% CI indep.", "VR")
    for header in headers if wide else tuple(h for h in headers if h != "95% CI indep."):
        # Caps keep 80 columns: 'not reached' wraps to two lines rather than pushing VR out.
        cap = None if wide else {"A": 8, "B": 8, "B - A": 9, "VR": 5}.get(header, 13)
        table.add_column(header, justify="right", overflow="fold", max_width=cap)
    for row in comparison.table.itertuples():
        if row.note:
            # A conditional metric, or a median not reached: no difference, the reason below.
            reason = "conditional*" if row.note.startswith("conditional") else "not reached"
            cells = [Text("not shown", style="italic"), Text(reason, style="italic"), "", ""]
        else:
            cells = [
                _fmt_diff(row.unit, row.diff),
                _fmt_interval(row.unit, row.diff_low, row.diff_high),
                _fmt_interval(row.unit, row.independent_low, row.independent_high),
                _fmt_ratio(row.variance_reduction),
            ]
        if not wide:
            del cells[2]
        table.add_row(row.label, _fmt_bare(row.a, row.unit), _fmt_bare(row.b, row.unit), *cells)
    return table


def _fmt_bare(value: float, unit: str) -> str:
    """A value in its unit without the unit's name (shares keep their %)."""
    from ceasefire_sim.metrics import format_value

    if unit == "share" or value != value or math.isinf(value):
        return format_value(value, unit)
    return f"{value:,.0f}"


def _fmt_diff(unit: str, value: float) -> str:
    """A difference B - A: shares in percentage points, days with one decimal."""
    if value != value:
        return "n/a"
    if unit == "share":
        return f"{100 * value:+.1f} pp"
    if unit == "days":
        return f"{value:+,.1f}"
    return f"{value:+,.0f}"


def _fmt_interval(unit: str, low: float, high: float) -> str:
    if low != low or high != high:
        return "n/a"
    return (
        f"{_fmt_diff(unit, low).removesuffix(' pp')}, {_fmt_diff(unit, high).removesuffix(' pp')}"
    )


def _fmt_ratio(value: float) -> str:
    if value != value:
        return "n/a"
    if math.isinf(value):
        return "exact"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
