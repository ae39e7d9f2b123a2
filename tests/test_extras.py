"""Every optional extra installs together with every other: the ``all`` extra names them all, and
``pip install -e ".[all]"`` succeeds in a fresh virtual environment (slow: a few minutes)."""

import re
import subprocess
import sys
import tomllib

import pytest
from conftest import ROOT


def extras():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def test_all_names_every_other_extra():
    table = extras()
    (requirement,) = table["all"]
    named = re.fullmatch(r"ceasefire-sim\[([a-z0-9_,-]+)\]", requirement.replace(" ", ""))
    assert named, requirement
    assert set(named.group(1).split(",")) == set(table) - {"all"}


@pytest.mark.slow
def test_all_extras_install_in_a_fresh_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[all]"],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    check = subprocess.run(
        [str(python), "-m", "pip", "check"], capture_output=True, text=True, timeout=300
    )
    assert check.returncode == 0, check.stdout + check.stderr
    imports = "import ceasefire_sim, prim, sklearn, xarray, distributed, solara, pytest"
    subprocess.run([str(python), "-c", imports], check=True, timeout=300)
