"""The notebooks in examples/ run from top to bottom, so they never go stale.

Each runs in a fresh kernel of this very interpreter: a kernel spec written to a temporary
folder (first on ``JUPYTER_PATH``) points at ``sys.executable``, so neither a user's own
``python3`` kernel nor anything outside the repository and /tmp is used or changed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
KERNEL = "ceasefire-sim-tests"
CELL_TIMEOUT_S = 600


@pytest.fixture
def kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "ceasefire-sim tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return KERNEL


def test_both_notebooks_are_there() -> None:
    assert {p.name for p in NOTEBOOKS} >= {
        "classroom_30_day_truce.ipynb",
        "research_sobol.ipynb",
    }


def test_notebooks_are_stored_without_outputs() -> None:
    # Stored outputs would go stale; readers run the notebook (or the test suite does).
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        cells = [c for c in notebook.cells if c.cell_type == "code"]
        assert cells, path.name
        assert all(not c.outputs and c.execution_count is None for c in cells), path.name


@pytest.mark.slow  # a fresh kernel and a few hundred model runs: about 15 s each
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, kernel_name: str) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 2, f"{path.name} drew {len(figures)} figures"
