"""Options shared by the commands that take a scenario."""

from __future__ import annotations

from typing import Any

import click


def scenario_options(func: Any) -> Any:
    """The options every command that takes a scenario shares: --set."""
    return click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="PATH=VALUE",
        help="Override a scenario value, e.g. --set mediator.aid_bn_per_year=0 (repeatable; * matches all allies).",
    )(func)
