"""`ceasefire-sim schema`, `sources` and `list`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import jsonschema
import pytest

from ceasefire_sim.cli import main
from ceasefire_sim.cli.scenario import schema_text
from ceasefire_sim.scenario.loader import load_scenario, numeric_paths, scenario_lines
from ceasefire_sim.scenario.yamlio import load_yaml
from tests.conftest import BASELINE, ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SCHEMA_FILE = ROOT / "docs" / "scenario.schema.json"


def run_main(capsys, *args: object) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def as_json(document):
    """A YAML document as JSON would carry it (dates become strings, as editors see them)."""
    return json.loads(json.dumps(document, default=lambda v: v.isoformat()))


# ------------------------------------------------------------------------------------ schema
@pytest.fixture(scope="module")
def validator():
    schema = json.loads(schema_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_schema_prints_valid_json_schema(capsys):
    code, out, _ = run_main(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_committed_schema_is_the_generated_one():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "docs/scenario.schema.json is stale: run `ceasefire-sim schema --out "
        "docs/scenario.schema.json` and commit it"
    )


def test_schema_out_writes_the_file(tmp_path, capsys):
    target = tmp_path / "docs" / "scenario.schema.json"
    code, out, _ = run_main(capsys, "schema", "--out", target)
    assert code == 0 and str(target) in out
    assert target.read_text(encoding="utf-8") == schema_text()
    assert [p.name for p in target.parent.iterdir()] == ["scenario.schema.json"]  # no temp file


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_file_conforms_to_the_schema(validator, path):
    document, _ = load_yaml(path)
    assert list(validator.iter_errors(as_json(document))) == []
    assert path.read_text().startswith(
        "# yaml-language-server: $schema=../docs/scenario.schema.json"
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["front"].update(bogus=1), "'bogus' was unexpected"),
        (lambda d: d["front"].update(defender_advantage=1.2), "not valid under any"),
        (lambda d: d["front"].update(noise_df={"value": 3, "sorce": "x"}), "not valid under any"),
        (lambda d: d["mediator"].update(patience_days="long"), "not valid under any"),
        (lambda d: d["allies"]["spain"].pop("gdp_bn"), "'gdp_bn' is a required property"),
        (lambda d: d.pop("belligerents"), "'belligerents' is a required property"),
        (lambda d: d.update(start_date="13 March"), "is not a 'date'"),
    ],
)
def test_schema_flags_mistakes_in_a_complete_file(validator, change, words):
    document = as_json(load_yaml(BASELINE)[0])
    change(document)
    messages = [e.message for e in validator.iter_errors(document)]
    assert any(words in m for m in messages), messages


def test_schema_requires_nothing_of_a_variant_but_checks_its_types(validator):
    variant = {
        "extends": "white_house_2025-03-13.yaml",
        "allies": {"spain": {"target_share_pct": {"value": 2.1, "source": "x"}}},
        "front": {"noise_scale_km2": {"dist": "uniform", "low": 1, "high": 2}},
    }
    assert list(validator.iter_errors(variant)) == []
    variant["front"]["noise_scale_km2"] = -1
    variant["events"] = [{"note": "no date"}]  # a list replaces the base's whole: complete items
    messages = [e.message for e in validator.iter_errors(variant)]
    assert any("not valid under any" in m for m in messages)
    assert any("'date' is a required property" in m for m in messages)


def test_schema_shows_defaults_as_numbers():
    schema = json.loads(schema_text())
    front = schema["$defs"]["FrontConfig"]["properties"]
    assert front["defender_advantage"]["default"] == 0.52
    number, obj = front["defender_advantage"]["anyOf"]
    assert number == {"type": "number", "exclusiveMinimum": 0, "maximum": 0.95}
    assert obj == {"$ref": "#/$defs/Param"}


# ----------------------------------------------------------------------------------- sources
def sources_csv(capsys, *args) -> list[dict[str, str]]:
    code, out, err = run_main(capsys, "sources", "--format", "csv", *args)
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def test_sources_lists_every_value_of_the_baseline(capsys, baseline):
    rows = sources_csv(capsys, BASELINE)
    paths = [r["path"] for r in rows]
    assert len(paths) == len(set(paths))
    assert set(paths) == set(numeric_paths(baseline)) | {"talks.initial_proposal", "events.0"}
    lines = scenario_lines(baseline)
    for row in rows:
        if row["where"] == "default":
            assert row["path"] not in lines
            continue
        # every value written in the baseline carries evidence, shown with its file and line
        assert row["kind"] in ("quote", "source", "assumption") and row["evidence"], row
        file, line = lines[row["path"]]
        assert row["where"] == f"{file}:{line}"
    # ... and so does every default the baseline relies on
    assert all(row["kind"] != "none" for row in rows)
    by_path = {r["path"]: r for r in rows}
    assert by_path["belligerents.russia.casualties_per_day"]["value"] == (
        "posterior(file=../src/ceasefire_sim/data/posterior/front_2025-03-13.csv, "
        "column=belligerents.russia.casualties_per_day)"
    )
    assert by_path["talks.initial_proposal"]["kind"] == "quote"
    assert by_path["events.0"]["value"] == "2025-06-24: NATO summit in The Hague"
    default = by_path["belligerents.russia.permanent_loss_share"]
    assert (default["where"], default["kind"]) == ("default", "assumption")


def test_sources_of_a_variant_point_at_the_file_that_set_each_value(capsys):
    rows = {r["path"]: r for r in sources_csv(capsys, ROOT / "scenarios" / "us_disengagement.yaml")}
    assert "us_disengagement.yaml:" in rows["mediator.patience_days"]["where"]
    assert rows["mediator.patience_days"]["value"] == "uniform(low=30, high=60)"
    assert BASELINE.name in rows["mediator.aid_lag_days"]["where"]
    aid_cut = rows["events.0.set.mediator.aid_bn_per_year"]
    assert aid_cut["value"] == "= 0 from 2025-04-01" and aid_cut["kind"] == "assumption"


def test_sources_with_set_and_markdown_and_table(capsys):
    rows = {
        r["path"]: r for r in sources_csv(capsys, "--set", "mediator.aid_lag_days=30", BASELINE)
    }
    assert (rows["mediator.aid_lag_days"]["value"], rows["mediator.aid_lag_days"]["where"]) == (
        "30",
        "--set",
    )
    assert rows["mediator.aid_lag_days"]["kind"] == "none"

    code, out, _ = run_main(capsys, "sources", "--format", "markdown", BASELINE)
    lines = out.splitlines()
    assert code == 0 and lines[0] == "| path | value | kind | evidence | where |"
    assert len(lines) == 2 + len(numeric_paths(load_scenario(BASELINE))) + 2
    assert all(line.count(" | ") - line.count("\\| ") == 4 for line in lines[2:])

    code, out, _ = run_main(capsys, "sources", BASELINE)
    assert code == 0
    assert "White House meeting, 13 March 2025" in out and "casualties_per_day" in out


def test_sources_of_a_bad_scenario_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    code, _, err = run_main(capsys, "sources", bad)
    assert code == 2 and "bad.yaml:1: belligerents: required value missing" in err


# -------------------------------------------------------------------------------------- list
def test_list_shows_each_scenario_with_its_description(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = run_main(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(SCENARIOS)
    for path, line in zip(SCENARIOS, lines, strict=True):
        description = " ".join(load_yaml(path)[0]["description"].split())
        assert line.split()[0] == path.name
        assert line.endswith(description)


def test_list_falls_back_to_the_header_comment(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text(
        "# yaml-language-server: $schema=../docs/scenario.schema.json\n"
        "# What if the talks start a month later?\n#   (a second line)\n\nname: a\n"
    )
    (tmp_path / "b.yaml").write_text("name: b\n")
    (tmp_path / "c.yaml").write_text("name: [oops\n")
    (tmp_path / "notes.txt").write_text("not a scenario")
    code, out, _ = run_main(capsys, "list", tmp_path)
    assert code == 0
    a, b, c = out.splitlines()
    assert a == "a.yaml  What if the talks start a month later? (a second line)"
    assert b == "b.yaml  (no description or header comment)"
    assert c.startswith("c.yaml  (cannot read: invalid YAML")


def test_list_of_a_missing_folder_exits_2(tmp_path, capsys):
    code, _, err = run_main(capsys, "list", tmp_path / "nope")
    assert code == 2 and "scenario folder not found" in err


def test_dates_in_the_baseline_are_plain_dates():
    # the schema's "date" format relies on YAML dates being ISO dates
    document, _ = load_yaml(BASELINE)
    assert isinstance(document["start_date"], dt.date)
    assert as_json(document)["start_date"] == "2025-03-13"
