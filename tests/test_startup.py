"""Start-up: importing the package and ``ceasefire-sim --help`` import no model code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ceasefire_sim
from ceasefire_sim.cli import COMMANDS, SUMMARIES, LazyGroup

#: Imported by the model, never by ``import ceasefire_sim`` or ``--help``.
HEAVY = ("mesa", "numba", "scipy", "pandas", "matplotlib", "pydantic", "ceasefire_sim.model")

_PRINT_HEAVY = (
    "import json, sys; "
    f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))"
)


def _loaded_after(code: str) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", f"{code}\n{_PRINT_HEAVY}"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_importing_the_package_loads_no_model_code():
    assert _loaded_after("import ceasefire_sim") == []


def test_help_loads_no_model_code():
    code = (
        "import contextlib, io\n"
        "from ceasefire_sim.cli import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    cli.main(['--help'], prog_name='ceasefire-sim', standalone_mode=False)\n"
        "assert 'validation-report' in out.getvalue()"
    )
    assert _loaded_after(code) == []


def test_a_public_name_loads_its_module_on_first_use():
    loaded = _loaded_after("import ceasefire_sim\nceasefire_sim.simulate")
    assert "ceasefire_sim.model" in loaded and "mesa" in loaded


@pytest.mark.parametrize("name", sorted(set(ceasefire_sim.__all__) - {"__version__"}))
def test_every_public_name_resolves(name):
    assert getattr(ceasefire_sim, name) is not None
    assert name in dir(ceasefire_sim)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'simulat'"):
        ceasefire_sim.simulat  # noqa: B018


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_lists_each_command_with_its_own_summary(name):
    command = LazyGroup._load(name)
    assert command is not None
    assert SUMMARIES.get(name) == command.get_short_help_str(limit=300)
