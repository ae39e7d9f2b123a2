"""``ceasefire-sim run``: many worlds of one scenario, and the summary table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ceasefire_sim.cli.options import scenario_options


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--worlds",
    "-n",
    default=1000,
    show_default=True,
    type=click.IntRange(1),
    help="Number of worlds.",
)
@click.option(
    "--seed",
    "-s",
    default=0,
    show_default=True,
    type=int,
    help="Seed of the common random numbers.",
)
@click.option(
    "--days",
    "-d",
    default=None,
    type=click.IntRange(1),
    help="Horizon in days (default: the scenario's).",
)
@click.option(
    "--out",
    "-o",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Write results here.",
)
@click.option(
    "--figures/--no-figures", default=False, help="Also write the figures into OUT/figures."
)
@click.option(
    "--trajectories/--no-trajectories",
    default=False,
    help=(
        "Also write OUT/trajectories.parquet: every world's day (day, world, control_km2, status, "
        "casualties_russia, casualties_ukraine); at most 10,000,000 world-days (27,322 worlds "
        "at 365 days)."
    ),
)
@scenario_options
def run(
    scenario: Path,
    worlds: int,
    seed: int,
    days: int | None,
    out: Path | None,
    figures: bool,
    trajectories: bool,
    overrides: tuple[str, ...],
) -> None:
    """Run SCENARIO over many worlds and print the headline numbers."""
    from ceasefire_sim.api import simulate
    from ceasefire_sim.model.recorder import trajectory_size_problem
    from ceasefire_sim.scenario.loader import load_scenario

    loaded = load_scenario(scenario, overrides)
    if trajectories:
        if out is None:
            raise click.UsageError("--trajectories writes OUT/trajectories.parquet: give --out")
        problem = trajectory_size_problem(
            worlds, (days if days is not None else loaded.horizon_days) + 1
        )
        if problem is not None:
            raise click.UsageError(f"--trajectories: {problem}")
    console = Console()
    with console.status(f"Simulating {worlds:,} worlds of {loaded.name} ..."):
        results = simulate(
            loaded, worlds=worlds, seed=seed, days=days, keep_trajectories=trajectories
        )
    print_summary(results, console)
    if out is not None:
        results.save(out)
        written = "outcomes.parquet, daily.parquet, events.parquet, manifest.json"
        if trajectories:
            written += ", trajectories.parquet"
        console.print(f"Results written to {out}/ ({written})")
        if figures:
            from ceasefire_sim.plots import save_figures

            written = save_figures(results, out / "figures")
            console.print(f"{len(written)} figures written to {out / 'figures'}/")


def print_summary(results: Any, console: Console | None = None) -> None:
    """Print the summary of a run as a table with confidence intervals."""
    console = console or Console()
    m = results.manifest
    table = Table(
        title=f"{m['scenario_name']}: {m['worlds']:,} worlds, {m['days']} days, seed {m['seed']}"
    )
    table.add_column("metric")
    table.add_column("estimate", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("n", justify="right")
    for row in results.summary().itertuples():
        table.add_row(
            row.metric,
            _fmt(row.estimate, row.unit),
            f"{_fmt(row.ci_low, row.unit)} - {_fmt(row.ci_high, row.unit)}",
            f"{row.n:,}",
        )
    console.print(table)


def _fmt(value: float, unit: str) -> str:
    from ceasefire_sim.results import format_value

    return format_value(value, unit)
