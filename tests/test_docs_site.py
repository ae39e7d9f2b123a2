"""The documentation site: links rewritten for the site, and a strict build with no warnings."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

HOOKS = ROOT / "tools" / "docs_hooks.py"


def _hooks():
    pytest.importorskip("mkdocs")
    spec = importlib.util.spec_from_file_location("docs_hooks", HOOKS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_links_point_at_site_pages_or_name_the_file():
    hooks = _hooks()
    readme = (
        "[the model](docs/model.md#2-design-concepts) [format](scenarios/README.md) "
        "![shot](docs/img/classroom.png) [notebooks](examples/) [web](https://example.org) "
        "[missing](docs/nope.md)"
    )
    assert hooks.rewrite_links(readme, "index.md") == (
        "[the model](model.md#2-design-concepts) [format](scenario-format.md) "
        "![shot](img/classroom.png) notebooks (`examples`) [web](https://example.org) "
        "[missing](docs/nope.md)"
    )
    sweeps = "[the example specs](../scenarios/sweeps/README.md) [home](../README.md)"
    assert hooks.rewrite_links(sweeps, "sweeps.md") == (
        "the example specs (`scenarios/sweeps/README.md`) [home](index.md)"
    )
    fmt = "[`../docs/scenario.schema.json`](../docs/scenario.schema.json)"
    assert hooks.rewrite_links(fmt, "scenario-format.md") == (
        "[`../docs/scenario.schema.json`](scenario.schema.json)"
    )


def test_the_scenario_format_page_lists_every_setting_of_the_schema():
    from ceasefire_sim.scenario.doc import schema_rows

    text = _hooks().scenario_settings()
    for path, _, _ in schema_rows():
        assert f"| `{path}` |" in text


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="the docs extra")
def test_the_site_builds_with_no_warnings(tmp_path: Path):
    mkdocs = Path(sys.executable).with_name("mkdocs")
    run = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert run.returncode == 0, run.stderr
    assert "WARNING" not in run.stderr
    for page in ("index", "model", "scenario-format", "sources", "api", "validation"):
        html = tmp_path / "site" / ("index.html" if page == "index" else f"{page}/index.html")
        assert html.is_file(), page
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    assert "Run a scenario over" in api  # simulate's docstring, rendered
