"""``ceasefire-sim demo``: serve the classroom app (:mod:`ceasefire_sim.app`) with solara.

The server runs offline: solara's telemetry and its version check against PyPI are switched off,
and every asset the page needs ships with the installed packages.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import click

from ceasefire_sim.cli.options import SCENARIO

#: The solara page: one fresh :class:`~ceasefire_sim.app.ClassroomModel` per browser session.
APP = "ceasefire_sim.app:Page"
DEFAULT_PORT = 8765
#: Packages of the ``app`` extra the page imports.
APP_MODULES = ("solara", "ipyvue", "ipyvuetify", "altair", "networkx")


def server_environment(scenario: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the solara server: the scenario to open, no telemetry, no network.

    Args:
        scenario: The scenario file the page opens with.
        base: The environment to start from (default: this process's).
    """
    env = dict(os.environ if base is None else base)
    # Solara warns on every page load that a plain-http localhost cannot set a samesite=none
    # cookie; it falls back to lax, which is right here, so the warning would only alarm.
    quiet = "ignore:Cookies with samesite=none:UserWarning"
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), quiet]))
    env.update(
        {
            "CEASEFIRE_SIM_SCENARIO": str(scenario.resolve()),
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            # mesa's own SolaraViz trips solara's hook linter; the warning means nothing to a class.
            "SOLARA_CHECK_HOOKS": "off",
            "MPLBACKEND": "Agg",
        }
    )
    return env


def server_command(host: str, port: int) -> list[str]:
    """The command line that serves the page (``python -m solara run ...``)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--log-level",
        "warning",
    ]


def missing_app_modules() -> list[str]:
    """The packages of the ``app`` extra that are not installed."""
    return [m for m in APP_MODULES if importlib.util.find_spec(m) is None]


@click.command()
@click.argument(
    "scenario",
    required=False,
    type=SCENARIO,
)
@click.option(
    "--port",
    "-p",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to serve on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (127.0.0.1: this computer only).",
)
def demo(scenario: Path | None, port: int, host: str) -> None:
    """Serve the classroom app for SCENARIO (default: the baseline) in the browser.

    Open the address it prints, move the levers in the sidebar, press Reset to apply them, then
    Step or play.
    """
    from ceasefire_sim.scenario.loader import load_scenario

    missing = missing_app_modules()
    if missing:
        raise click.ClickException(
            f"the classroom app needs the 'app' extra ({', '.join(missing)} missing): "
            "run `make install` or `pip install -e '.[app]'`"
        )
    if scenario is None:
        # Imported only here: the app pulls in solara and mesa's visualisation (seconds).
        from ceasefire_sim.app import default_scenario

        scenario = default_scenario()
    load_scenario(scenario)  # bad input stops here with a message, not in the browser
    if host not in ("127.0.0.1", "localhost", "::1"):
        from ceasefire_sim.app import MAX_WORLDS

        click.echo(
            f"warning: listening on {host}: anyone who can reach this computer can open the app. "
            f"It runs at most {MAX_WORLDS:,} worlds and opens only the scenarios of its list.",
            err=True,
        )
    command = server_command(host, port)
    shown = "any free port" if port == 0 else f"http://{host}:{port}"
    click.echo(f"Serving the classroom app for {scenario} at {shown} (Ctrl-C to stop)")
    sys.stdout.flush()
    # Replace this process with the server, so a signal to it (Ctrl-C, terminate) reaches the
    # server directly and no orphan is left behind.
    os.execve(sys.executable, command, server_environment(scenario))
