"""The package's import graph: arrows point down the layers only, and there are no cycles.

The layers (docs/design.md, "Layout"), bottom to top::

    base        errors, _version, _numba_cache, resources (memory estimates)
    space       the outcome space: the issues and options as data (model/packages.py in
                version 1, negotiation/space.py in version 2), which the scenario format
                checks option names against
    scenario    scenario/, data/ (the input side: schema, YAML, provenance, shipped data)
    model       model/, negotiation/ (the Mesa model and its array mechanics)
    results     results.py, metrics, survival, api.py (what a run returns, its statistics, and
                the one-call entry point)
    analysis    sweep/, plots, report.py, app.py, classroom.py, debrief.py, streamchart.py,
                validation/ (may use one another)
    cli         cli/ (the only package that imports click)

A module belongs to the layer of its longest listed prefix (``negotiation.space`` before
``negotiation``). A module may import from its own layer and the layers below. Every import counts, at module
level or inside a function (a lazy import is still an arrow), except those under
``if TYPE_CHECKING:``. The package's ``__init__`` is the public face: it names things from every
layer, imported lazily, and no module imports from it. The imports are read with ``ast``; nothing
is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = "ceasefire_sim"
SOURCE = ROOT / "src" / PACKAGE

#: Bottom to top: (layer, module prefixes under ceasefire_sim).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("errors", "_version", "_numba_cache", "resources")),
    ("space", ("model.packages", "negotiation.space")),
    ("scenario", ("scenario", "data")),
    ("model", ("model", "negotiation")),
    ("results", ("results", "metrics", "survival", "api")),
    (
        "analysis",
        (
            "sweep",
            "plots",
            "report",
            "app",
            "classroom",
            "debrief",
            "streamchart",
            "validation",
            "calibration",
        ),
    ),
    ("cli", ("cli",)),
]
#: The only layer that may import click.
CLICK_ONLY = "cli"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SOURCE.rglob("*.py"))}


def layer_of(module: str) -> int:
    relative = module.removeprefix(f"{PACKAGE}.")
    matches = [
        (len(prefix), rank)
        for rank, (_, prefixes) in enumerate(LAYERS)
        for prefix in prefixes
        if relative == prefix or relative.startswith(f"{prefix}.")
    ]
    if matches:
        return max(matches)[1]
    raise AssertionError(
        f"{module} is in no layer: add its folder or file to LAYERS in tests/test_layers.py"
    )


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skipped.update(id(n) for n in ast.walk(child))
    return skipped


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``module`` imports (anywhere but under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _type_checking_nodes(tree)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # "from pkg import sub" imports the module pkg.sub when there is one
            names = [
                f"{target}.{a.name}" if f"{target}.{a.name}" in known else target
                for a in node.names
            ]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(f"{PACKAGE}."):
                while name not in known and "." in name:
                    name = name.rsplit(".", 1)[0]
                if name != module:
                    found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def test_every_module_is_in_a_layer():
    for name in modules():
        if name != PACKAGE:
            layer_of(name)


def test_no_module_imports_from_a_higher_layer():
    upward = []
    for module, targets in import_graph().items():
        if module == PACKAGE:
            continue
        for target in targets:
            if target == PACKAGE:
                upward.append(f"{module} -> {target} (import from the defining module instead)")
            elif layer_of(target) > layer_of(module):
                upward.append(
                    f"{module} ({LAYERS[layer_of(module)][0]}) -> "
                    f"{target} ({LAYERS[layer_of(target)][0]})"
                )
    assert upward == []


def test_the_import_graph_has_no_cycles():
    graph = {m: t - {PACKAGE} for m, t in import_graph().items() if m != PACKAGE}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_only_the_cli_imports_click():
    offenders = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            imports_click = any(t == "click" or t.startswith("click.") for t in targets)
            if imports_click and (name == PACKAGE or LAYERS[layer_of(name)][0] != CLICK_ONLY):
                offenders.append(name)
    assert offenders == []


def test_the_checker_sees_an_upward_import_and_a_cycle(tmp_path, monkeypatch):
    # a made-up package with scenario -> model (upward) and model <-> model cycle
    root = tmp_path / "src" / PACKAGE
    (root / "scenario").mkdir(parents=True)
    (root / "model").mkdir()
    (root / "__init__.py").write_text("")
    (root / "scenario" / "__init__.py").write_text("")
    (root / "scenario" / "loader.py").write_text("def f():\n    from ..model import a\n")
    (root / "model" / "__init__.py").write_text("")
    (root / "model" / "a.py").write_text("from ceasefire_sim.model import b\n")
    (root / "model" / "b.py").write_text("from . import a\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "SOURCE", root)
    graph = import_graph()
    assert graph["ceasefire_sim.scenario.loader"] == {"ceasefire_sim.model.a"}
    assert graph["ceasefire_sim.model.b"] == {"ceasefire_sim.model.a"}
    try:
        test_no_module_imports_from_a_higher_layer()
    except AssertionError as exc:
        assert "ceasefire_sim.scenario.loader (scenario) -> ceasefire_sim.model.a" in str(exc)
    else:
        raise AssertionError("the upward import was not seen")
    try:
        test_the_import_graph_has_no_cycles()
    except AssertionError as exc:
        assert "ceasefire_sim.model.a" in str(exc) and "ceasefire_sim.model.b" in str(exc)
    else:
        raise AssertionError("the cycle was not seen")
