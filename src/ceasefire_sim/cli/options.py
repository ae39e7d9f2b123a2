"""Options shared by the commands that take a scenario."""

from __future__ import annotations

import os
import sys
from pathlib import Path
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


class ScenarioFile(click.Path):
    """A scenario file given as a path, or by name from the package's scenario library.

    ``white_house_2025-03-13`` (or ``white_house_2025-03-13.yaml``) names a file of the library
    when no such file exists here; a path is taken as given.
    """

    name = "scenario"

    def __init__(self, sweeps: bool = False) -> None:
        super().__init__(dir_okay=False, path_type=Path)
        self.sweeps = sweeps

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The path of the file, looked up in the library when ``value`` is a bare name."""
        from ceasefire_sim.scenario.library import resolve_scenario, sweeps_dir

        if isinstance(value, Path) or value is None:
            return value
        return resolve_scenario(value, sweeps_dir() if self.sweeps else None)


#: A scenario argument: a path or the name of a scenario of the library.
SCENARIO = ScenarioFile()
#: A sweep spec argument: a path or the name of a spec in the library's ``sweeps/``.
SWEEP_SPEC = ScenarioFile(sweeps=True)


def allow_outside_option(func: Any) -> Any:
    """``--allow-outside``: let ``extends`` read files outside the scenario's folder tree."""
    return click.option(
        "--allow-outside",
        is_flag=True,
        help="Let 'extends' read files outside the scenario's folder tree and the bundled "
        "scenarios (refused by default).",
    )(func)


def max_memory_option(func: Any) -> Any:
    """``--max-memory SIZE``: the most memory a run may need (default: what is available)."""
    return click.option(
        "--max-memory",
        default=None,
        metavar="SIZE",
        help="Refuse to start a run estimated to need more memory than this (e.g. 8G, 500M; "
        "default: the memory available now).",
    )(func)
