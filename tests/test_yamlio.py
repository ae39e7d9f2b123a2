"""Tests of safe YAML loading, extends chains and --set assignments."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire_sim.errors import ScenarioError
from ceasefire_sim.scenario.yamlio import (
    apply_assignment,
    deep_merge,
    load_with_extends,
    load_yaml,
    parse_assignment,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- load_yaml: documents and line numbers ------------------------------------------------------


def test_load_yaml_returns_document_and_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.yaml",
        "# a comment\n"
        "name: test\n"
        "belligerents:\n"
        "  russia:\n"
        "    force: 0.8\n"
        "  ukraine:\n"
        "    force: {value: 0.5, quote: x}\n"
        "events:\n"
        "  - date: 2025-03-13\n"
        "    what: talks\n"
        "  - date: 2025-04-01\n"
        "tags: [a, b]\n",
    )
    doc, lines = load_yaml(path)
    assert doc["belligerents"]["russia"]["force"] == 0.8
    assert doc["events"][0]["date"] == datetime.date(2025, 3, 13)
    assert lines["name"] == 2
    assert lines["belligerents"] == 3
    assert lines["belligerents.russia"] == 4
    assert lines["belligerents.russia.force"] == 5
    assert lines["belligerents.ukraine.force"] == 7
    assert lines["belligerents.ukraine.force.value"] == 7
    assert lines["events"] == 8
    assert lines["events.0"] == 9
    assert lines["events.0.date"] == 9
    assert lines["events.0.what"] == 10
    assert lines["events.1"] == 11
    assert lines["events.1.date"] == 11
    assert lines["tags.1"] == 12


def test_load_yaml_accepts_str_path_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffa: 1\n".encode())
    doc, lines = load_yaml(str(path))
    assert doc == {"a": 1}
    assert lines["a"] == 1


def test_quoted_numeric_key_is_a_string(tmp_path: Path) -> None:
    doc, _ = load_yaml(write(tmp_path / "k.yaml", '"2025": x\n'))
    assert doc == {"2025": "x"}


# --- load_yaml: refusals -------------------------------------------------------------------------


def assert_error(error: pytest.ExceptionInfo[ScenarioError], name: str, line: int | None) -> str:
    text = str(error.value)
    assert name in text
    if line is not None:
        assert f"{name}:{line}:" in text
    return text


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as error:
        load_yaml(tmp_path / "nope.yaml")
    assert "not found" in assert_error(error, "nope.yaml", None)


def test_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").mkdir()
    with pytest.raises(ScenarioError) as error:
        load_yaml(tmp_path / "d.yaml")
    assert "directory" in assert_error(error, "d.yaml", None)


def test_too_large(tmp_path: Path) -> None:
    path = write(tmp_path / "big.yaml", "a: " + "x" * 200 + "\n")
    with pytest.raises(ScenarioError) as error:
        load_yaml(path, max_bytes=100)
    assert "limit is 100 bytes" in assert_error(error, "big.yaml", None)
    assert load_yaml(path, max_bytes=1000)[0]["a"] == "x" * 200


def test_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(ScenarioError) as error:
        load_yaml(path)
    assert "UTF-8" in assert_error(error, "latin.yaml", 2)


@pytest.mark.parametrize(
    "text, line",
    [
        ("base: &b {x: 1}\nother: *b\n", 1),
        ("a: 1\nb: *nothing\n", 2),
        ("a: 1\nb: !!str &s text\n", 2),
    ],
)
def test_anchors_and_aliases_are_refused(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(ScenarioError) as error:
        load_yaml(write(tmp_path / "alias.yaml", text))
    assert "YAML anchors and aliases are not allowed" in assert_error(error, "alias.yaml", line)


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['lol0: &l0 "lol"']
    for i in range(1, 10):
        previous = ", ".join([f"*l{i - 1}"] * 10)
        lines.append(f"lol{i}: &l{i} [{previous}]")
    path = write(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")
    with pytest.raises(ScenarioError, match="anchors and aliases"):
        load_yaml(path)


def test_merge_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as error:
        load_yaml(write(tmp_path / "m.yaml", "a: 1\nb:\n  <<: {x: 1}\n"))
    assert "merge keys" in assert_error(error, "m.yaml", 3)


@pytest.mark.parametrize(
    "text, found",
    [
        ("", "empty document"),
        ("# only a comment\n", "empty document"),
        ("- a\n- b\n", "list"),
        ("just text\n", "str"),
        ("42\n", "int"),
    ],
)
def test_document_must_be_a_mapping(tmp_path: Path, text: str, found: str) -> None:
    with pytest.raises(ScenarioError) as error:
        load_yaml(write(tmp_path / "top.yaml", text))
    message = assert_error(error, "top.yaml", None)
    assert "must be a mapping" in message
    assert found in message


@pytest.mark.parametrize(
    "text, line",
    [
        ("a: 1\n  b: 2\n", 2),  # mapping value in a plain scalar
        ("a: 1\nb: [1, 2\nc: 3\n", 3),  # unclosed flow sequence
        ("a: 1\nb: 'open\n", 3),  # unterminated quote: reported at end of stream
        ("a:\n\t- 1\n", 2),  # tab indentation
        ("a: 1\n---\nb: 2\n", 2),  # two documents
        ("a: 1\nb: \x07\n", 2),  # control character
    ],
)
def test_syntax_errors_give_line_and_one_sentence(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(ScenarioError) as error:
        load_yaml(write(tmp_path / "syntax.yaml", text))
    message = assert_error(error, "syntax.yaml", line)
    assert "invalid YAML" in message
    assert "\n" not in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    "text, line",
    [
        ("a: 2025-13-01\n", 1),  # looks like a date, is not one
        ("a: 1\nb: !!int abc\n", 2),
        ("a: 1\nb: !!python/object:os.system {}\n", 2),
        ("a: !custom 3\n", 1),
    ],
)
def test_bad_scalars_and_tags_give_line(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(ScenarioError) as error:
        load_yaml(write(tmp_path / "value.yaml", text))
    assert_error(error, "value.yaml", line)


def test_duplicate_key_gives_line_and_path(tmp_path: Path) -> None:
    path = write(tmp_path / "dup.yaml", "a:\n  x: 1\n  y: 2\n  x: 3\n")
    with pytest.raises(ScenarioError) as error:
        load_yaml(path)
    message = assert_error(error, "dup.yaml", 4)
    assert "duplicate key 'x'" in message
    assert "a.x" in message
    assert "line 2" in message


def test_duplicate_key_quoted_and_plain(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as error:
        load_yaml(write(tmp_path / "dup.yaml", 'a: 1\n"a": 2\n'))
    assert "duplicate" in assert_error(error, "dup.yaml", 2)


@pytest.mark.parametrize(
    "text, line",
    [
        ("a: 1\n2: x\n", 2),
        ("a:\n  true: x\n", 2),
        ("a:\n  - null: x\n", 3 - 1),
        ("2025-03-13: x\n", 1),
        ("? [a, b]\n: x\n", 1),
    ],
)
def test_non_string_keys_are_refused(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(ScenarioError) as error:
        load_yaml(write(tmp_path / "keys.yaml", text))
    assert "keys must be strings" in assert_error(error, "keys.yaml", line)


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path / "deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ScenarioError, match=r"deep\.yaml.*nested too deeply"):
        load_yaml(path)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text())
def test_random_text_loads_or_raises_scenario_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "random.yaml", text)
    try:
        doc, lines = load_yaml(path)
    except ScenarioError as error:
        assert "random.yaml" in str(error)
    else:
        assert isinstance(doc, dict)
        assert "" in lines


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary())
def test_random_bytes_load_or_raise_scenario_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "random.yaml"
    path.write_bytes(data)
    try:
        doc, _ = load_yaml(path)
    except ScenarioError as error:
        assert "random.yaml" in str(error)
    else:
        assert isinstance(doc, dict)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("ab:-[]{},'\"&*!?|>#%@` \n\t\\0123456789.<=~")), max_size=60
    )
)
def test_yaml_like_text_loads_or_raises_scenario_error(tmp_path: Path, text: str) -> None:
    # Plain st.text() rarely forms YAML structure; this alphabet reaches the parser's corners.
    path = write(tmp_path / "random.yaml", text)
    try:
        load_yaml(path)
    except ScenarioError as error:
        assert "random.yaml" in str(error)


# --- deep_merge -------------------------------------------------------------------------------


def test_deep_merge_merges_mappings_and_replaces_the_rest() -> None:
    base = {"a": {"x": 1, "y": [1, 2], "z": {"k": 1}}, "b": 1, "c": {"d": 1}}
    override = {"a": {"y": [3], "z": {"m": 2}}, "b": None, "c": 5, "e": {"f": 1}}
    merged = deep_merge(base, override)
    assert merged == {
        "a": {"x": 1, "y": [3], "z": {"k": 1, "m": 2}},
        "b": None,
        "c": 5,
        "e": {"f": 1},
    }


def test_deep_merge_does_not_mutate_or_share() -> None:
    base = {"a": {"x": [1]}, "b": [1]}
    override = {"a": {"y": [2]}, "c": {"d": [3]}}
    merged = deep_merge(base, override)
    merged["a"]["x"].append(9)
    merged["a"]["y"].append(9)
    merged["c"]["d"].append(9)
    merged["b"].append(9)
    assert base == {"a": {"x": [1]}, "b": [1]}
    assert override == {"a": {"y": [2]}, "c": {"d": [3]}}


# --- load_with_extends ----------------------------------------------------------------------------


def test_extends_chain_merges_and_tracks_lines(tmp_path: Path) -> None:
    write(
        tmp_path / "base.yaml",
        "name: base\nbelligerents:\n  russia:\n    force: 0.8\n    morale: 0.5\nevents:\n"
        "  - a\n  - b\n  - c\n",
    )
    (tmp_path / "mid").mkdir()
    write(
        tmp_path / "mid" / "mid.yaml",
        "extends: ../base.yaml\nbelligerents:\n  russia:\n    morale: 0.6\n",
    )
    top = write(tmp_path / "mid" / "top.yaml", "extends: mid.yaml\nname: top\nevents:\n  - z\n")
    doc, lines = load_with_extends(top, allow_outside=True)
    assert doc == {
        "name": "top",
        "belligerents": {"russia": {"force": 0.8, "morale": 0.6}},
        "events": ["z"],
    }
    base, mid = str(tmp_path / "mid" / "../base.yaml"), str(tmp_path / "mid" / "mid.yaml")
    assert lines["name"] == (str(top), 2)
    assert lines["belligerents.russia.force"] == (base, 4)
    assert lines["belligerents.russia.morale"] == (mid, 4)
    assert lines["events"] == (str(top), 3)
    assert lines["events.0"] == (str(top), 4)
    # The base's list items were replaced, so their lines must not survive.
    assert "events.1" not in lines
    assert "events.2" not in lines
    assert "extends" not in lines
    assert "extends" not in doc


def test_without_extends_lines_carry_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "solo.yaml", "a:\n  b: 1\n")
    doc, lines = load_with_extends(path)
    assert doc == {"a": {"b": 1}}
    assert lines["a.b"] == (str(path), 2)


def test_scalar_replacing_mapping_drops_nested_lines(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", "a:\n  b: 1\n  c: 2\n")
    top = write(tmp_path / "top.yaml", "extends: base.yaml\na: 3\n")
    doc, lines = load_with_extends(top, allow_outside=True)
    assert doc == {"a": 3}
    assert lines["a"] == (str(top), 2)
    assert "a.b" not in lines


def test_extends_cycle_lists_chain(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "extends: b.yaml\nx: 1\n")
    write(tmp_path / "b.yaml", "x: 2\nextends: c.yaml\n")
    write(tmp_path / "c.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError) as error:
        load_with_extends(tmp_path / "a.yaml")
    message = assert_error(error, "c.yaml", 1)
    chain = message.split("circular 'extends': ", 1)[1].split(" -> ")
    assert [Path(name).name for name in chain] == ["a.yaml", "b.yaml", "c.yaml", "a.yaml"]


def test_extends_itself(tmp_path: Path) -> None:
    write(tmp_path / "self.yaml", "a: 1\nextends: self.yaml\n")
    with pytest.raises(ScenarioError) as error:
        load_with_extends(tmp_path / "self.yaml")
    assert "circular" in assert_error(error, "self.yaml", 2)


def test_extends_missing_file_gives_extends_line(tmp_path: Path) -> None:
    path = write(tmp_path / "top.yaml", "name: x\nextends: gone.yaml\n")
    with pytest.raises(ScenarioError) as error:
        load_with_extends(path)
    message = assert_error(error, "top.yaml", 2)
    assert "gone.yaml" in message
    assert "not found" in message


@pytest.mark.parametrize("value", ["3", "[a.yaml]", "''", "null"])
def test_extends_must_be_a_file_name(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "top.yaml", f"a: 1\nextends: {value}\n")
    with pytest.raises(ScenarioError) as error:
        load_with_extends(path)
    assert "must be a file name" in assert_error(error, "top.yaml", 2)


def test_error_in_extended_file_names_that_file(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", "a: 1\na: 2\n")
    top = write(tmp_path / "top.yaml", "extends: base.yaml\n")
    with pytest.raises(ScenarioError) as error:
        load_with_extends(top)
    assert "duplicate" in assert_error(error, "base.yaml", 2)


def test_extends_respects_max_bytes(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", "a: " + "x" * 500 + "\n")
    top = write(tmp_path / "top.yaml", "extends: base.yaml\n")
    with pytest.raises(ScenarioError) as error:
        load_with_extends(top, max_bytes=100)
    assert_error(error, "base.yaml", None)


# --- parse_assignment -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, path, value",
    [
        ("a=3", "a", 3),
        ("a.b=0.5", "a.b", 0.5),
        ("a.b.c=true", "a.b.c", True),
        ("x=null", "x", None),
        ("x=hello world", "x", "hello world"),
        ("x='a: b'", "x", "a: b"),
        ("x=[a, b]", "x", ["a", "b"]),
        ("x={value: 3, assumption: x}", "x", {"value": 3, "assumption": "x"}),
        ("allies.*.aid_share_gdp_pct=0.3", "allies.*.aid_share_gdp_pct", 0.3),
        ("events.0.date=2025-03-13", "events.0.date", datetime.date(2025, 3, 13)),
        (" a.b = 3", "a.b", 3),
        ("a=b=c", "a", "b=c"),
    ],
)
def test_parse_assignment(text: str, path: str, value: object) -> None:
    assert parse_assignment(text) == (path, value)


@pytest.mark.parametrize(
    "text",
    [
        "novalue",
        "=3",
        "a..b=3",
        ".a=3",
        "a.=3",
        "a b=3",
        "a=",
        "a=   ",
        "a=[1, 2",
        "a=x: y",
        "a=- x",
        "a=&x 3",
        "a=\x07",
    ],
)
def test_parse_assignment_errors_show_expected_form(text: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_assignment(text)
    message = str(error.value)
    assert "--set" in message
    if "=" in text and text.split("=", 1)[1].strip() and text[0] not in "=.":
        assert "path=" in message or "write" in message or "quote" in message


# --- apply_assignment -----------------------------------------------------------------------------


def test_apply_assignment_sets_nested_and_creates_mappings() -> None:
    doc = {"a": {"b": 1}, "n": None}
    out = apply_assignment(doc, "a.c.d", 5)
    assert out == {"a": {"b": 1, "c": {"d": 5}}, "n": None}
    assert doc == {"a": {"b": 1}, "n": None}
    assert apply_assignment(doc, "n.x", 1)["n"] == {"x": 1}
    assert apply_assignment(doc, "a.b", {"value": 2})["a"]["b"] == {"value": 2}


def test_apply_assignment_star_sets_every_key() -> None:
    doc = {"allies": {"us": {"aid_share_gdp_pct": 0.1}, "eu": {"other": 1}}}
    out = apply_assignment(doc, "allies.*.aid_share_gdp_pct", [0.3])
    assert out["allies"]["us"]["aid_share_gdp_pct"] == [0.3]
    assert out["allies"]["eu"] == {"other": 1, "aid_share_gdp_pct": [0.3]}
    # Each target gets its own copy of the value.
    out["allies"]["us"]["aid_share_gdp_pct"].append(1)
    assert out["allies"]["eu"]["aid_share_gdp_pct"] == [0.3]
    assert doc["allies"]["us"]["aid_share_gdp_pct"] == 0.1


def test_apply_assignment_star_as_last_segment() -> None:
    assert apply_assignment({"m": {"a": 1, "b": 2}}, "m.*", 0) == {"m": {"a": 0, "b": 0}}


def test_apply_assignment_star_in_list_items() -> None:
    doc = {"events": [{"w": {"a": 1, "b": 2}}]}
    assert apply_assignment(doc, "events.0.w.*", 9) == {"events": [{"w": {"a": 9, "b": 9}}]}


def test_apply_assignment_list_index() -> None:
    doc = {"events": [{"date": 1}, {"date": 2}]}
    assert apply_assignment(doc, "events.1.date", 3)["events"][1] == {"date": 3}
    assert apply_assignment(doc, "events.0", "x")["events"] == ["x", {"date": 2}]


@pytest.mark.parametrize(
    "doc, path, words",
    [
        ({"allies": {}}, "allies.*.x", "non-empty mapping"),
        ({}, "allies.*.x", "non-empty mapping"),
        ({"allies": [1, 2]}, "allies.*.x", "non-empty mapping"),
        ({"allies": 3}, "allies.*", "non-empty mapping"),
        ({"events": [1, 2]}, "events.2", "out of range"),
        ({"events": [1, 2]}, "events.x", "not a list index"),
        ({"events": [1, 2]}, "events.-1", "not a list index"),
        ({"a": 3}, "a.b", "inside 3, which is not a mapping"),
        ({"a": {"us": 1}}, "a.*.b", "at a.us: cannot set 'b'"),
        ({"a": [None]}, "a.0.b", "inside None"),
        ({}, "a..b", "dotted path"),
    ],
)
def test_apply_assignment_errors(doc: dict, path: str, words: str) -> None:
    with pytest.raises(ScenarioError) as error:
        apply_assignment(doc, path, 1, source="sweep.yaml")
    message = str(error.value)
    assert "sweep.yaml" in message
    assert path in message
    assert words in message


def test_apply_assignment_default_source() -> None:
    with pytest.raises(ScenarioError, match="--set"):
        apply_assignment({"a": 1}, "a.b", 2)


def test_parse_then_apply(tmp_path: Path) -> None:
    doc, _ = load_yaml(write(tmp_path / "s.yaml", "allies:\n  us: {aid: 1}\n  eu: {aid: 2}\n"))
    path, value = parse_assignment("allies.*.aid={value: 3, assumption: doubled}")
    out = apply_assignment(doc, path, value)
    assert out["allies"]["eu"]["aid"] == {"value": 3, "assumption": "doubled"}
