"""Property tests: whatever the loader is fed, it returns a scenario or raises a ScenarioError.

Random YAML documents, random mutations of the baseline (a key deleted, a number turned into a
string, a negative, a huge or a non-finite number, a key added, a mapping replaced by a list, ...)
and random ``--set`` overrides go through the whole loader (composition, schema, events, quotes,
strict checks). Every failure must be a ScenarioError whose problems each carry a message;
nothing else may ever escape.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire_sim import ScenarioError, load_scenario
from ceasefire_sim.cli import main
from ceasefire_sim.scenario.loader import check_scenario, evidence_rows
from ceasefire_sim.scenario.yamlio import DEFAULT_MAX_BYTES, load_yaml
from tests.conftest import BASELINE

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: Fewer examples where each one parses the 300-line baseline (about 0.1 s with PyYAML).
BASELINE_SETTINGS = settings(SETTINGS, max_examples=50)
BASE_DOC, _ = load_yaml(BASELINE)
_counter = itertools.count()

#: Keys that reach deep into the schema, so random documents are not all rejected at the top.
KEYS = [
    "name", "description", "start_date", "horizon_days", "territory", "front", "belligerents",
    "ukraine", "russia", "mediator", "alliance", "allies", "talks", "truce", "events", "value",
    "dist", "low", "high", "mean", "sd", "values", "weights", "quote", "source", "assumption",
    "set", "scale", "date", "extends", "control_km2", "preferences", "salience", "red_lines",
    "options_on_table", "initial_proposal", "package", "accepted_by", "france", "spain",
    "willingness", "gdp_bn", "defence_share_pct", "uniform", "normal", "choice", "x",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(KEYS),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    ),
    max_leaves=30,
)


def assert_loads_or_scenario_error(
    path: Path, overrides: Any = None, *, also_load: bool = False
) -> None:
    """The loader never raises anything but a ScenarioError, and every problem has a message.

    ``check_scenario`` is what ``validate`` and ``load_scenario`` share: it catches only
    ScenarioError, so anything else raised inside the loader fails the test. ``also_load`` also
    goes through ``load_scenario`` (it parses the file a second time, so only for small files).
    """
    scenario, problems = check_scenario(path, overrides, strict=True, require_seeds=True)
    assert all(p.message.strip() and str(p).startswith(p.file) for p in problems)
    if scenario is not None:
        # a scenario that validates can be listed with its evidence without raising anything
        assert evidence_rows(scenario)
    if also_load:
        try:
            load_scenario(path, overrides)
        except ScenarioError as error:
            assert error.problems and all(p.message.strip() for p in error.problems)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


def write(workdir: Path, text: str | bytes) -> Path:
    path = workdir / f"doc{next(_counter)}.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@SETTINGS
@given(document=st.dictionaries(st.sampled_from(KEYS), documents, max_size=8))
def test_random_yaml_documents(workdir, document):
    assert_loads_or_scenario_error(
        write(workdir, yaml.safe_dump(document, allow_unicode=True)), also_load=True
    )


@SETTINGS
@given(text=st.text(max_size=300))
def test_random_text(workdir, text):
    assert_loads_or_scenario_error(write(workdir, text), also_load=True)


# ---------------------------------------------------------------- mutations of the baseline
def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, value in items:
        found.append((*prefix, key))
        found.extend(_paths(value, (*prefix, key)))
    return found


BASE_PATHS = _paths(BASE_DOC)

MUTATIONS = st.sampled_from(
    [
        "delete",
        "string",
        "negative",
        "huge",
        "large",
        "huge_int",
        "inf",
        "nan",
        "zero",
        "bool",
        "null",
        "list",
        "empty_mapping",
        "add_key",
        "random",
    ]
)


def mutate(document: dict, path: tuple, how: str, extra: Any) -> dict:
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    old = parent[key]
    if how == "delete":
        del parent[key]
        return document
    replacement = {
        "string": "lots",
        "negative": -abs(old) - 1
        if isinstance(old, int | float) and not isinstance(old, bool)
        else -1,
        "huge": 1e308,
        "large": 1e15,
        "huge_int": 10**40,
        "inf": float("inf"),
        "nan": float("nan"),
        "zero": 0,
        "bool": True,
        "null": None,
        "list": list(old.values()) if isinstance(old, dict) else [old],
        "empty_mapping": {},
        "random": extra,
    }.get(how)
    if how == "add_key":
        if isinstance(old, dict):
            old["surplus_key"] = extra
        else:
            parent[key] = {"value": old, "surplus_key": extra}
        return document
    parent[key] = replacement
    return document


@BASELINE_SETTINGS
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(BASE_PATHS), MUTATIONS, documents), min_size=1, max_size=3
    )
)
def test_random_mutations_of_the_baseline(workdir, mutations):
    import copy

    document = copy.deepcopy(BASE_DOC)
    for path, how, extra in mutations:
        try:
            mutate(document, path, how, extra)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    assert_loads_or_scenario_error(write(workdir, yaml.safe_dump(document, allow_unicode=True)))


@BASELINE_SETTINGS
@given(
    path=st.one_of(
        st.sampled_from([".".join(map(str, p)) for p in BASE_PATHS]),
        st.text(min_size=1, max_size=30),
        st.sampled_from(["allies.*.willingness", "allies.*", "*", "events.7.date", "a..b"]),
    ),
    value=documents,
)
def test_random_overrides(path, value):
    assert_loads_or_scenario_error(BASELINE, {path: value})


@SETTINGS
@given(text=st.text(max_size=60))
def test_random_set_strings(text):
    assert_loads_or_scenario_error(BASELINE, [text])


# ------------------------------------------------------------------ size limit and aliases
def test_a_file_over_the_size_limit_is_refused(tmp_path, capsys):
    big = tmp_path / "big.yaml"
    big.write_text("name: big\ndescription: " + "x" * DEFAULT_MAX_BYTES + "\n")
    with pytest.raises(ScenarioError, match="limit"):
        load_scenario(big)
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(big)])
    assert exit_info.value.code == 2
    assert f"the limit is {DEFAULT_MAX_BYTES} bytes" in capsys.readouterr().err


def test_yaml_aliases_are_refused_before_they_blow_up(tmp_path, capsys):
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("name: bomb\n" + "\n".join(levels) + "\n")
    with pytest.raises(ScenarioError, match="anchors and aliases are not allowed"):
        load_scenario(bomb)
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(bomb)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "bomb.yaml:2:" in err and "Traceback" not in err
