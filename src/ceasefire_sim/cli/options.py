"""Options shared by the commands that take a scenario."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from rich.console import Console


def scenario_options(func: Any) -> Any:
    """The options every command that takes a scenario shares: --set."""
    return click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="PATH=VALUE",
        help="Override a scenario value, e.g. --set mediator.aid_bn_per_year=0 (repeatable; * matches all allies).",
    )(func)


#: Width of tables written to a pipe or file.
PIPE_WIDTH = 80


def make_console() -> Console:
    """A console for the commands' tables: the terminal's width, or 80 columns when piped.

    Rich takes its width from ``COLUMNS`` when set; without it, output that is not a terminal
    (a pipe, a file, a CI log) is laid out for 80 columns.
    """
    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        return Console(width=PIPE_WIDTH)
    return Console()
