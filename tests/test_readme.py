"""The README's Python example runs, runs again, and leaves nothing behind."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def readme_python() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert blocks, "README.md has no Python example"
    return blocks[0]


@pytest.mark.slow  # two runs of the example (10,000 worlds, a small sweep, the lever audit): 2 min
def test_the_python_example_runs_twice_and_leaves_no_files(tmp_path):
    code = f"import matplotlib\nmatplotlib.use('Agg')\n{readme_python()}"
    for _ in range(2):
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []
