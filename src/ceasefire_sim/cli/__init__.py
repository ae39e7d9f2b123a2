"""The ``ceasefire-sim`` command: the only package that imports click.

Every command that reads a user's file turns bad input into a message and exit status 2, never a
traceback. Subcommands live in their own modules and are imported only when used, so
``ceasefire-sim --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import click

from ceasefire_sim.errors import InputError

#: Subcommand -> "module:attribute" of its click command.
COMMANDS: dict[str, str] = {
    "run": "ceasefire_sim.cli.run:run",
    "validate": "ceasefire_sim.cli.scenario:validate",
    "schema": "ceasefire_sim.cli.scenario:schema",
    "sources": "ceasefire_sim.cli.scenario:sources",
    "list": "ceasefire_sim.cli.scenario:list_scenarios",
    "plot": "ceasefire_sim.cli.figures:plot",
    "report": "ceasefire_sim.cli.figures:report",
    "sweep": "ceasefire_sim.cli.sweep:sweep",
    "compare": "ceasefire_sim.cli.sweep:compare",
    "demo": "ceasefire_sim.cli.demo:demo",
    "validation-report": "ceasefire_sim.cli.validation:validation_report",
    "levers": "ceasefire_sim.cli.levers:levers",
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
