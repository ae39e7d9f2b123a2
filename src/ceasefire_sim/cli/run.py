"""``ceasefire-sim run``: many worlds of one scenario, and the summary table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ceasefire_sim.cli.options import (
    SCENARIO,
    allow_outside_option,
    make_console,
    max_memory_option,
    scenario_options,
)

#: Default parameter draws of the nested run behind the parameter range.
PARAM_DRAWS = 40


@click.command()
@click.argument("scenario", type=SCENARIO)
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
    type=click.IntRange(0),
    help="Seed of the common random numbers (a whole number >= 0).",
)
@click.option(
    "--days",
    "-d",
    default=None,
    type=click.IntRange(1, 3650),
    help="Horizon in days, 1 to 3650 (default: the scenario's).",
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
@click.option(
    "--param-draws",
    "-D",
    default=PARAM_DRAWS,
    show_default=True,
    type=click.IntRange(0),
    help="Parameter draws of the second, nested run that gives the parameter range "
    "(D draws x N/D worlds each); 0: no parameter range.",
)
@click.option(
    "--workers",
    "-w",
    default=None,
    type=click.IntRange(1),
    help="Cores to run on (default: all this process may use); the results do not depend on it.",
)
@scenario_options
@allow_outside_option
@max_memory_option
def run(
    scenario: Path,
    worlds: int,
    seed: int,
    days: int | None,
    out: Path | None,
    figures: bool,
    trajectories: bool,
    param_draws: int,
    workers: int | None,
    overrides: tuple[str, ...],
    allow_outside: bool,
    max_memory: str | None,
) -> None:
    """Run SCENARIO over many worlds and print the headline numbers.

    Two runs: N independent worlds give the estimates and their Monte Carlo intervals; a nested
    run of D parameter draws x N/D worlds per draw (same seed) gives the range due to parameter
    uncertainty.
    """
    from ceasefire_sim.api import simulate
    from ceasefire_sim.model.recorder import trajectory_size_problem
    from ceasefire_sim.resources import check_memory, parse_size, run_bytes
    from ceasefire_sim.results import PARAMETER_RUN, check_output_folder
    from ceasefire_sim.scenario.loader import load_scenario

    limit = parse_size(max_memory) if max_memory is not None else None
    loaded = load_scenario(scenario, overrides, allow_outside=allow_outside)
    horizon = days if days is not None else loaded.horizon_days
    if trajectories:
        if out is None:
            raise click.UsageError("--trajectories writes OUT/trajectories.parquet: give --out")
        problem = trajectory_size_problem(worlds, horizon + 1)
        if problem is not None:
            raise click.UsageError(f"--trajectories: {problem}")
    # Everything that could refuse the run is checked before the computation starts.
    check_memory(
        run_bytes(worlds, horizon, trajectories), limit, f"{worlds:,} worlds over {horizon} days"
    )
    if out is not None:
        check_output_folder(out)
    console = make_console()
    draws = min(param_draws, worlds // 2)
    with console.status(f"Simulating {worlds:,} worlds of {loaded.name} ..."):
        results = simulate(
            loaded,
            worlds=worlds,
            seed=seed,
            days=days,
            keep_trajectories=trajectories,
            max_memory_bytes=limit,
            workers=workers,
        )
        nested = (
            simulate(
                loaded,
                worlds=worlds,
                seed=seed,
                days=days,
                param_draws=draws,
                max_memory_bytes=limit,
                workers=workers,
            )
            if draws >= 2
            else None
        )
    print_summary(results, console, nested)
    if out is not None:
        # The nested run is written inside the same temporary folder, so the two land together.
        results.save(out, nested={PARAMETER_RUN: nested} if nested is not None else None)
        written = "outcomes.parquet, daily.parquet, events.parquet, manifest.json"
        if trajectories:
            written += ", trajectories.parquet"
        console.print(f"Results written to {out}/ ({written})")
        if figures:
            from ceasefire_sim.plots import save_figures

            written = save_figures(results, out / "figures")
            console.print(f"{len(written)} figures written to {out / 'figures'}/")


def print_summary(
    results: Any, console: Console | None = None, parameter_run: Any | None = None
) -> None:
    """Print the summary of a run: estimates, Monte Carlo intervals and parameter ranges.

    Args:
        results: The run (its worlds give the estimates and Monte Carlo intervals).
        console: Where to print (default: a console 80 columns wide unless on a terminal).
        parameter_run: The nested run that gives the parameter ranges (or ``results`` itself
            if nested).
    """
    from ceasefire_sim.metrics import format_interval, format_value

    console = console or make_console()
    m = results.manifest
    nested = parameter_run if parameter_run is not None else results
    summary = results.summary(parameter_run=parameter_run)
    table = Table(
        title=f"{m['scenario_name']}: {m['worlds']:,} worlds, {m['days']} days, seed {m['seed']}",
        caption=(
            "MC: 95% Monte Carlo interval of the estimate over "
            f"{results.design()}. Param: 90% range over parameter draws of the per-draw value "
            + (
                f"(nested run: {nested.design()}, Monte Carlo noise removed)."
                if "param_draws" in nested.manifest
                else "(not estimated: needs --param-draws)."
            )
        ),
        caption_justify="left",
        # Rules under the header only, no side borders: the metric's words keep their width
        # in 80 columns (a label such as "P(prisoner-exchange arrangement" is not cut).
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("metric", overflow="fold")
    for name in ("estimate", "95% MC", "90% param", "n"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in summary.itertuples():
        table.add_row(
            row.metric,
            format_value(row.estimate, row.unit),
            format_interval(row.mc_low, row.mc_high, row.unit),
            format_interval(row.param_low, row.param_high, row.unit),
            f"{row.n:,}",
        )
    console.print(table)
