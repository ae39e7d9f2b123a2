"""``ceasefire-sim levers SCENARIO``: the lever audit, each row low vs high under common random numbers.

Exit status 0 whatever the verdicts (the audit is a yardstick, not a gate); 2 on bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ceasefire_sim.cli.options import SCENARIO

#: The printed table is laid out for this many columns at most.
TABLE_WIDTH = 100


@click.command()
@click.argument("scenario", type=SCENARIO)
@click.option(
    "--worlds",
    "-n",
    default=2000,
    show_default=True,
    type=click.IntRange(2),
    help="Worlds per arm.",
)
@click.option(
    "--seed", "-s", default=1, show_default=True, type=int, help="Seed of every arm (paired)."
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
    help="Write levers.csv here.",
)
@click.option(
    "--row",
    "rows",
    multiple=True,
    metavar="ROW",
    help="Only this row: its number or part of its lever's name (repeatable; default all).",
)
def levers(
    scenario: Path,
    worlds: int,
    seed: int,
    days: int | None,
    out: Path | None,
    rows: tuple[str, ...],
) -> None:
    """Run the lever audit on SCENARIO and print each lever's effect, interval and verdict."""
    from ceasefire_sim.validation.levers import LEVERS, run_levers, select

    try:
        chosen = select(LEVERS, rows)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--row") from None
    console = Console(width=TABLE_WIDTH)
    with console.status(f"Lever audit: {len(chosen)} rows, {worlds:,} worlds per arm ..."):
        audit = run_levers(scenario, worlds, seed, days=days, rows=chosen)
    print_levers(audit, console)
    if out is not None:
        written = audit.write_csv(Path(out) / "levers.csv")
        console.print(f"Written to {written}")


def print_levers(audit: Any, console: Console | None = None) -> None:
    """Print the audit's table (at most :data:`TABLE_WIDTH` columns wide)."""
    from ceasefire_sim.validation.levers import format_number

    console = console or Console(width=TABLE_WIDTH)
    table = Table(
        title=f"Lever audit: {audit.worlds:,} worlds per arm, {audit.days} days, seed {audit.seed}",
    )
    # Widths that add up to TABLE_WIDTH with the borders and padding (22 columns).
    table.add_column("#", justify="right", width=2)
    table.add_column("lever", width=21, overflow="fold")
    table.add_column("low -> high", width=11)
    table.add_column("metric", width=11)
    table.add_column("effect [95% CI]", justify="right", width=16, no_wrap=True)
    table.add_column("expected", width=10)
    table.add_column("verdict", width=7)
    for i, r in enumerate(audit.table.itertuples(), 1):
        cells = (
            str(i),
            r.lever,
            f"{r.low} -> {r.high}",
            r.short + (" (level, high)" if r.level else ""),
            f"{format_number(r.effect)}\n[{format_number(r.ci_low)}, {format_number(r.ci_high)}]",
            r.expected,
        )
        verdict = "[green]pass[/]" if r.verdict == "pass" else "[red]fail[/]"
        table.add_row(*(escape(c) for c in cells), verdict)
    console.print(table)
    console.print(f"levers: {audit.passed}/{len(audit.table)} pass ({audit.runs} runs)")
