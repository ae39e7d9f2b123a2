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
    "discover": "ceasefire_sim.cli.discover:discover",
    "export": "ceasefire_sim.cli.export:export",
    "calibrate": "ceasefire_sim.cli.calibrate:calibrate",
    "backtest": "ceasefire_sim.cli.calibrate:backtest",
}


#: Subcommand -> its one-line help, so ``--help`` lists the commands without importing them
#: (a test checks each against the command's own docstring).
SUMMARIES: dict[str, str] = {
    "run": "Run SCENARIO over many worlds and print the headline numbers.",
    "validate": 'Check scenario FILEs: "ok", or every problem; exit status 2 if any file fails.',
    "schema": "Print the JSON Schema of scenario files, for editors' completion and checking.",
    "sources": "List every value of SCENARIO with its quote, source or assumption.",
    "list": "List the scenarios in FOLDER (default: the library shipped with the package).",
    "plot": "Write every figure that applies to RESULTS_DIR (a run, sweep or comparison folder).",
    "report": "Write a self-contained HTML report of RESULTS_DIR: summary, provenance and figures.",
    "sweep": "Run the sweep described by SPEC and write its points, worlds, summary and sensitivity.",
    "compare": "Compare scenario B with scenario A under common random numbers (B minus A).",
    "demo": "Serve the classroom app for SCENARIO (default: the baseline) in the browser.",
    "validation-report": "Run the theory, calibration, sensitivity and lever checks and write the report.",
    "levers": "Run the lever audit on SCENARIO and print each lever's effect, interval and verdict.",
    "discover": "Which uncertainties (and levers) make METRIC fail in the sweep in SWEEP_DIR, and regret.",
    "export": "Export the run or sweep in RESULTS_DIR, with codebook.csv naming every column's unit.",
    "calibrate": "Fit the spec's parameters to the series before UNTIL with ABC-SMC (pyabc, one core).",
    "backtest": "Refit before each origin and score the forecast months against the trackers.",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The subcommands, in the order of :data:`COMMANDS` (none is imported)."""
        return list(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, from :data:`SUMMARIES` (importing no command)."""
        rows = []
        for name in self.list_commands(ctx):
            summary = SUMMARIES.get(name)
            if summary is None:
                command = self._load(name)
                if command is None:
                    continue
                summary = command.get_short_help_str(limit=formatter.width)
            rows.append((name, summary))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

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
