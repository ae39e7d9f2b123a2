"""The ``ceasefire-sim`` command.

Every command that reads a user's file turns bad input into a message and exit status 2, never a
traceback. Subcommands live in their own modules and are imported only when used, so
``ceasefire-sim --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ceasefire_sim.errors import InputError

#: Subcommand -> "module:attribute" of its click command.
COMMANDS: dict[str, str] = {
    "run": "ceasefire_sim.cli:run",
    "validate": "ceasefire_sim.scenario.commands:validate",
    "schema": "ceasefire_sim.scenario.commands:schema",
    "sources": "ceasefire_sim.scenario.commands:sources",
    "list": "ceasefire_sim.scenario.commands:list_scenarios",
    "plot": "ceasefire_sim.figures_cli:plot",
    "report": "ceasefire_sim.figures_cli:report",
    "sweep": "ceasefire_sim.sweep.cli:sweep",
    "compare": "ceasefire_sim.sweep.cli:compare",
    "demo": "ceasefire_sim.app_cli:demo",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The subcommands whose modules are installed."""
        return [name for name in COMMANDS if self._load(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return a subcommand."""
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("ceasefire_sim"):
                return None
            raise
        return getattr(module, attr, None)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ceasefire-sim")
def cli() -> None:
    """Simulate ceasefire negotiations in the Russia-Ukraine war over many possible worlds."""


def scenario_options(func: Any) -> Any:
    """The options every command that takes a scenario shares: --set."""
    return click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="PATH=VALUE",
        help="Override a scenario value, e.g. --set mediator.aid_bn_per_year=0 (repeatable; * matches all allies).",
    )(func)


@cli.command()
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
@scenario_options
def run(
    scenario: Path,
    worlds: int,
    seed: int,
    days: int | None,
    out: Path | None,
    figures: bool,
    overrides: tuple[str, ...],
) -> None:
    """Run SCENARIO over many worlds and print the headline numbers."""
    from ceasefire_sim.api import simulate
    from ceasefire_sim.scenario.loader import load_scenario

    loaded = load_scenario(scenario, overrides)
    console = Console()
    with console.status(f"Simulating {worlds:,} worlds of {loaded.name} ..."):
        results = simulate(loaded, worlds=worlds, seed=seed, days=days)
    print_summary(results, console)
    if out is not None:
        results.save(out)
        console.print(
            f"Results written to {out}/ (outcomes.parquet, daily.parquet, events.parquet, manifest.json)"
        )
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


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning input errors into a message and exit status 2."""
    try:
        status = cli.main(args=argv, prog_name="ceasefire-sim", standalone_mode=False)
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code == 2 else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    # With standalone_mode=False click returns the code a command passed to ctx.exit().
    sys.exit(status if isinstance(status, int) else 0)


if __name__ == "__main__":
    main()
