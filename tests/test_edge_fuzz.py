"""Fuzzing: 1,000 mutated scenarios through ``validate`` and ``run -n 20 -d 30``, in this process.

Each mutant is the baseline's composed document with one to three random changes (a value
replaced by a number of any size or sign, text, a flag, null, a list, a distribution; a key
deleted, misspelt or added; a dated event with a random date and target), written as YAML next to
a copy of the seed articles. The contract: no traceback, no hang, and every file ``validate``
accepts, ``run`` runs.
"""

from __future__ import annotations

import contextlib
import io
import random
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest
import yaml

from ceasefire_sim.cli import main
from ceasefire_sim.scenario.loader import compose

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "white_house_2025-03-13.yaml"
MUTANTS = 1000
SECONDS_PER_CASE = 60


class HangError(Exception):
    """A command took longer than :data:`SECONDS_PER_CASE`."""


def _leaves(node: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        found = [prefix] if prefix else []
        for key, value in node.items():
            found += _leaves(value, (*prefix, key))
        return found
    if isinstance(node, list):
        found = [prefix]
        for i, value in enumerate(node):
            found += _leaves(value, (*prefix, i))
        return found
    return [prefix]


def _set(document: Any, path: tuple, value: Any) -> None:
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _delete(document: Any, path: tuple) -> None:
    node = document
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]


def _random_value(rng: random.Random) -> Any:
    kind = rng.randrange(12)
    if kind == 0:
        return rng.choice([0, -1, 1, 2, 0.5, -0.5, 1e-12])
    if kind == 1:
        return rng.choice([1e5, 1.2e5, 7e5, 1e9, 1e15, 1e16, 1e300, -1e300])
    if kind == 2:
        return rng.uniform(-10, 10) * 10 ** rng.randint(-3, 8)
    if kind == 3:
        return rng.choice([True, False, None])
    if kind == 4:
        return rng.choice(["", "text", "1e5", "nan", "inf", "2025-13-40", "none"])
    if kind == 5:
        return [rng.random() for _ in range(rng.randint(0, 3))]
    if kind == 6:
        return {
            "dist": "lognormal",
            "mean_log": rng.uniform(-5, 40),
            "sd_log": rng.uniform(0.01, 6),
        }
    if kind == 7:
        low = rng.uniform(-100, 1e6)
        return {"dist": "uniform", "low": low, "high": low + rng.uniform(-10, 1e6)}
    if kind == 8:
        return {"dist": "normal", "mean": rng.uniform(-1e3, 1e6), "sd": rng.uniform(-1, 1e5)}
    if kind == 9:
        return {"value": rng.uniform(-10, 1e6), "source": "fuzz"}
    if kind == 10:
        return {"dist": rng.choice(["beta", "triangular", "choice", "gamma"]), "a": 2}
    return rng.randint(-(10**6), 10**6)


def _random_event(rng: random.Random, paths: list[str]) -> dict[str, Any]:
    year = rng.choice([1900, 2024, 2025, 2025, 2025, 2026, 9999])
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    target = rng.choice([*paths, "allies.*.willingness", "allies.*.target_share_pct", "no.such"])
    verb = rng.choice(["set", "scale"])
    return {
        "date": date,
        verb: {target: _random_value(rng) if rng.random() < 0.2 else rng.uniform(0, 2)},
        "assumption": "fuzz",
    }


def mutate(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One to three random changes to a copy of the document."""
    import copy

    doc = copy.deepcopy(document)
    numeric = [
        ".".join(map(str, p))
        for p in _leaves(doc)
        if isinstance(_get(doc, p), int | float) and not isinstance(_get(doc, p), bool)
    ]
    for _ in range(rng.randint(1, 2)):
        leaves = _leaves(doc)
        path = rng.choice(leaves)
        action = rng.random()
        if action < 0.45 and numeric:
            # A plausible edit: a number scaled, zeroed or negated.
            target = tuple(int(k) if k.isdigit() else k for k in rng.choice(numeric).split("."))
            factor = rng.choice([0.0, -1.0, 0.1, 0.5, 0.9, 1.1, 2.0, 10.0, 1e3])
            try:
                _set(doc, target, _get(doc, target) * factor)
            except (KeyError, IndexError, TypeError):
                continue
        elif action < 0.65:
            _set(doc, path, _random_value(rng))
        elif action < 0.72 and len(path) > 1:
            _delete(doc, path)
        elif action < 0.8 and isinstance(path[-1], str):
            parent = _get(doc, path[:-1])
            misspelt = path[-1][:-1] + "x" if len(path[-1]) > 1 else "zz"
            parent[misspelt] = parent.pop(path[-1])
        else:
            doc.setdefault("events", [])
            if isinstance(doc["events"], list):
                doc["events"].append(_random_event(rng, numeric))
    return doc


def _get(document: Any, path: tuple) -> Any:
    node = document
    for key in path:
        node = node[key]
    return node


def _call(args: list[str]) -> int:
    """Run the CLI in this process; a traceback propagates, a hang raises :class:`HangError`."""

    def alarm(signum: int, frame: Any) -> None:
        raise HangError(" ".join(args))

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(SECONDS_PER_CASE)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                main(args)
            except SystemExit as exc:
                return 0 if exc.code is None else int(exc.code)
        return 0
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.slow
def test_edge_fuzz_validate_accepts_only_what_run_runs(tmp_path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    document, _ = compose(BASELINE)
    rng = random.Random(20250313)
    tracebacks: list[str] = []
    hangs: list[str] = []
    refused_by_run: list[str] = []
    accepted = 0
    for case in range(MUTANTS):
        mutant = mutate(document, rng)
        path = folder / f"mutant_{case:04d}.yaml"
        path.write_text(yaml.safe_dump(mutant, sort_keys=False, allow_unicode=True))
        try:
            code = _call(["validate", str(path)])
            if code not in (0, 2):
                tracebacks.append(f"{path.name}: validate exit {code}")
                continue
            if code == 0:
                accepted += 1
                run_code = _call(["run", str(path), "-n", "20", "-d", "30"])
                if run_code != 0:
                    refused_by_run.append(path.name)
        except HangError as exc:
            hangs.append(str(exc))
        except Exception as exc:  # a traceback: the finding this test exists for
            tracebacks.append(f"{path.name}: {type(exc).__name__}: {exc}")
    print(f"{MUTANTS} mutants: {accepted} accepted by validate")
    assert tracebacks == []
    assert hangs == []
    assert refused_by_run == []
    # The mutants exercise both sides of the contract.
    assert 100 < accepted < MUTANTS - 100
