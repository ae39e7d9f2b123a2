"""`ceasefire-sim validate`: ok per file, every problem with file:line, quotes, --strict, --set."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ceasefire_sim import ScenarioError, load_scenario
from ceasefire_sim.cli import main
from ceasefire_sim.scenario.loader import check_scenario, scenario_lines
from tests.conftest import BASELINE, ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
QUOTE = "Ukraine has tentatively agreed to a 30-day truce"
#: A problem as printed: file:line: dotted.path: message
PROBLEM_RE = re.compile(r"^\s*(?:error: )?(?P<file>[^:]+):(?P<line>\d+): (?P<path>[\w.*-]+): .+$")


def cli(*args: object, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ceasefire_sim.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def run_main(capsys, *args: object) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the baseline in tmp/scenarios with the seed articles in tmp/seeds."""
    (tmp_path / "scenarios").mkdir()
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copy(BASELINE, tmp_path / "scenarios" / BASELINE.name)
    return tmp_path


# ------------------------------------------------------------------------ acceptance lines
def test_every_scenario_validates_ok_and_there_are_at_least_seven():
    assert len(SCENARIOS) >= 7
    result = cli("validate", *SCENARIOS)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in SCENARIOS:
        assert f"{path}: ok" in result.stdout
    assert result.stdout.count(": ok") == len(SCENARIOS)


def test_unknown_key_in_a_copy_exits_2_with_the_key_and_its_line(project: Path):
    copy = project / "scenarios" / "copy.yaml"
    text = BASELINE.read_text().replace(
        "  aid_lag_days:", "  aid_lag_dayz: {value: 3, assumption: typo}\n  aid_lag_days:", 1
    )
    copy.write_text(text)
    result = cli("validate", copy)
    assert result.returncode == 2
    line = line_of(text, "aid_lag_dayz")
    assert f"copy.yaml:{line}: mediator.aid_lag_dayz: unknown key 'aid_lag_dayz'" in result.stderr
    assert "allowed:" in result.stderr and "aid_lag_days" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_changed_quote_exits_2_naming_the_quote_and_the_closest_passage(project: Path):
    copy = project / "scenarios" / "copy.yaml"
    text = BASELINE.read_text().replace(QUOTE, "Ukraine has gladly agreed to a 90-day truce")
    copy.write_text(text)
    result = cli("validate", copy)
    assert result.returncode == 2
    assert "quote" in result.stderr
    first = line_of(text, "gladly")
    assert f"copy.yaml:{first}: belligerents.ukraine.preferences.values.truce.days_30.quote" in (
        result.stderr
    )
    # the closest passage, with the seed file and its line
    assert "000_167f27ddf17ea457.txt:3" in result.stderr and QUOTE in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# ---------------------------------------------------------------------------- collection
def test_validate_reports_every_problem_not_only_the_first(project: Path, capsys):
    text = (
        BASELINE.read_text()
        .replace("noise_df: {value: 3.0,", "noise_df: {value: 3.0, sourc: x,", 1)
        .replace("    personnel: {value: 600000,", "    personnel: {value: lots,", 1)
        .replace("base_hazard_per_day: {value: 0.258,", "base_hazard_per_day: {value: 7.5,", 1)
        .replace(QUOTE, "Ukraine has gladly agreed to a 90-day truce", 1)
    )
    copy = project / "scenarios" / "many.yaml"
    copy.write_text(text)
    code, _, err = run_main(capsys, "validate", copy)
    assert code == 2
    problems = [line for line in err.splitlines() if PROBLEM_RE.match(line)]
    expected = {
        "front.noise_df.sourc": line_of(text, "sourc: x"),
        "belligerents.russia.personnel.value": line_of(text, "value: lots"),
        "truce.base_hazard_per_day": line_of(text, "value: 7.5"),
        "belligerents.ukraine.preferences.values.truce.days_30.quote": line_of(text, "gladly"),
    }
    found = {PROBLEM_RE.match(p)["path"]: int(PROBLEM_RE.match(p)["line"]) for p in problems}
    assert found == expected
    assert "must be <= 1" in err  # what is allowed


def test_good_and_bad_files_together(project: Path, capsys):
    bad = project / "scenarios" / "bad.yaml"
    bad.write_text("name: x\nhorizon_days: many\n")
    good = project / "scenarios" / BASELINE.name
    code, out, err = run_main(capsys, "validate", good, bad)
    assert code == 2
    assert f"{good}: ok" in out
    assert "bad.yaml:2: horizon_days:" in err
    assert "bad.yaml:1: belligerents: required value missing" in err


def test_missing_file_and_yaml_error_are_problems_not_tracebacks(tmp_path: Path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    code, _, err = run_main(capsys, "validate", tmp_path / "nope.yaml", broken)
    assert code == 2
    assert "nope.yaml: file not found" in err
    assert "broken.yaml:2:" in err and "invalid YAML" in err


def test_circular_extends_is_an_error(tmp_path: Path, capsys):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    code, _, err = run_main(capsys, "validate", tmp_path / "a.yaml")
    assert code == 2 and "circular 'extends'" in err


# ---------------------------------------------------------------------------------- quotes
def test_load_scenario_and_run_refuse_a_misquote_too(project: Path, capsys):
    copy = project / "scenarios" / "copy.yaml"
    copy.write_text(BASELINE.read_text().replace(QUOTE, "Ukraine has gladly agreed", 1))
    with pytest.raises(ScenarioError, match="quote not found"):
        load_scenario(copy)
    code, _, err = run_main(capsys, "run", copy, "--worlds", 1, "--days", 1)
    assert code == 2 and "quote not found" in err


def test_quote_checking_normalises_typography(project: Path):
    copy = project / "scenarios" / "copy.yaml"
    typographic = "Ukraine  has TENTATIVELY agreed to a 30\u2013day truce"  # en dash, spaces, case
    copy.write_text(BASELINE.read_text().replace(QUOTE, typographic, 1))
    scenario, problems = check_scenario(copy)
    assert problems == [] and scenario is not None


def test_seeds_are_found_above_the_file_else_in_the_current_folder(tmp_path, monkeypatch, capsys):
    lonely = tmp_path / "deep" / "er"
    lonely.mkdir(parents=True)
    copy = lonely / "copy.yaml"
    copy.write_text(BASELINE.read_text().replace(QUOTE, "Ukraine has gladly agreed", 1))
    monkeypatch.chdir(tmp_path)
    # no seed folder anywhere: validate says the quotes cannot be checked, run does not check
    code, _, err = run_main(capsys, "validate", copy)
    assert code == 2 and "cannot check the quote: no seeds/ folder" in err
    assert "quote not found" not in err
    load_scenario(copy)
    # --seeds names the folder
    code, _, err = run_main(capsys, "validate", "--seeds", ROOT / "seeds", copy)
    assert code == 2 and "quote not found" in err and "cannot check" not in err
    # a seeds/ folder above the file is found ...
    shutil.copytree(ROOT / "seeds", tmp_path / "deep" / "seeds")
    _, problems = check_scenario(copy)
    assert [p.path for p in problems] == [
        "belligerents.ukraine.preferences.values.truce.days_30.quote"
    ]
    # ... and so is ./seeds
    shutil.rmtree(tmp_path / "deep" / "seeds")
    monkeypatch.chdir(ROOT)
    _, problems = check_scenario(copy)
    assert len(problems) == 1 and "quote not found" in problems[0].message


def test_a_quote_is_checked_against_the_seeds_of_the_file_it_is_written_in(project, tmp_path):
    """A variant elsewhere inherits the baseline's quotes; they are found in the baseline's seeds."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    variant = elsewhere / "variant.yaml"
    variant.write_text(f"extends: {project / 'scenarios' / BASELINE.name}\nname: v\n")
    scenario, problems = check_scenario(variant, require_seeds=True, allow_outside=True)
    assert problems == [] and scenario is not None


# ---------------------------------------------------------------------------------- strict
def write_variant(project: Path, body: str) -> Path:
    path = project / "scenarios" / "variant.yaml"
    path.write_text(f"extends: {BASELINE.name}\nname: variant\n{body}")
    return path


def test_strict_flags_numbers_without_evidence(project: Path, capsys):
    variant = write_variant(
        project,
        "front:\n  noise_scale_km2: 4\n"
        "events:\n  - date: 2025-05-01\n    set: {mediator.aid_paused: 1}\n",
    )
    code, out, _ = run_main(capsys, "validate", variant)
    assert code == 0 and "ok" in out
    code, _, err = run_main(capsys, "validate", "--strict", variant)
    assert code == 2
    assert "variant.yaml:4: front.noise_scale_km2: 4 has no quote, source or assumption" in err
    assert "variant.yaml:6: events.0: the event changes parameters but has no quote" in err
    assert err.count("has no quote") == 2


def test_strict_accepts_every_kind_of_evidence_and_overrides_need_it_too(project, capsys):
    variant = write_variant(
        project,
        "front:\n"
        "  noise_scale_km2: {value: 4, assumption: calmer front}\n"
        "  noise_df: {value: 4, source: somewhere}\n"
        f'  contest_exponent: {{value: 1, quote: "{QUOTE}"}}\n',
    )
    code, out, _ = run_main(capsys, "validate", "--strict", variant)
    assert code == 0, out
    code, _, err = run_main(capsys, "validate", "--strict", "--set", "front.noise_df=5", variant)
    assert code == 2 and "--set: front.noise_df: 5 has no quote" in err
    code, _, _ = run_main(
        capsys, "validate", "--strict", "--set", "front.noise_df={value: 5, assumption: x}", variant
    )
    assert code == 0


def test_every_scenario_passes_strict(capsys):
    code, _, err = run_main(capsys, "validate", "--strict", *SCENARIOS)
    assert code == 0, err


# ------------------------------------------------------------------------------ overrides
def test_set_applies_to_validate_with_star(capsys):
    code, _, err = run_main(capsys, "validate", "--set", "mediator.aid_bn_per_year=-1", BASELINE)
    assert code == 2 and "--set: mediator.aid_bn_per_year: value -1 must be >= 0" in err
    code, _, err = run_main(capsys, "validate", "--set", "allies.*.willingness=1.5", BASELINE)
    assert code == 2 and err.count("willingness: value 1.5 must be <= 1") == 31
    scenario = load_scenario(BASELINE, ["allies.*.willingness=0.9"])
    assert {a.willingness.value for a in scenario.allies.values()} == {0.9}
    assert scenario_lines(scenario)["allies.france.willingness"] == ("--set", None)


def test_variant_replaces_a_number_of_another_form_and_merges_evidence(project: Path):
    variant = write_variant(
        project,
        "front:\n"
        "  initial_gain_km2_per_month: {value: 300, assumption: one figure}\n"
        "  defender_advantage: {dist: uniform, low: 0.5, high: 0.54, assumption: a range}\n"
        "  noise_df: {source: a citation for the base's value}\n",
    )
    front = load_scenario(variant).front
    assert front.initial_gain_km2_per_month.value == 300
    assert front.initial_gain_km2_per_month.dist is None
    assert front.initial_gain_km2_per_month.provenance == ("assumption", "one figure")
    assert front.defender_advantage.dist == "uniform" and front.defender_advantage.value is None
    base_noise_df = load_scenario(BASELINE).front.noise_df
    assert front.noise_df.value == base_noise_df.value
    assert front.noise_df.source == "a citation for the base's value"
    assert front.noise_df.assumption == base_noise_df.assumption


# -------------------------------------------------------------------- cross-checks, events
@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        (
            "events:\n  - date: 2025-05-01\n    set: {mediator.aid_paused: 5}\n    source: x\n",
            "events.0.set",
            "mediator.aid_paused: 5 must be <= 1 (allowed: 0 to 1)",
        ),
        (
            "events:\n  - date: 2025-05-01\n    scale: {allies.*.willingness: 3}\n    source: x\n",
            "events.0.scale",
            "scaling allies.belgium.willingness by 3: 1.5 must be <= 1",
        ),
        (
            "events:\n  - date: 2025-05-01\n    set: {mediator.aid: 0}\n    source: x\n",
            "events.0.set",
            "'mediator.aid' is not a numeric parameter",
        ),
        (
            "talks:\n  options_on_table: {guarantees: [european_force]}\n",
            "talks.initial_proposal",
            "package.guarantees is 'none', which is not on the table",
        ),
        (
            "mediator:\n  excluded_options: [nato.path_open]\n"
            "talks:\n  options_on_table: {nato: [path_open]}\n",
            "talks",
            "no nato option is left to propose",
        ),
        (
            "front:\n  noise_scale_km2: {dist: normal, mean: 5, sd: 1}\n",
            "front.noise_scale_km2",
            "must be >= 0; truncate it with low and high",
        ),
    ],
)
def test_cross_references_and_event_values_are_checked(project, capsys, body, path, words):
    variant = write_variant(project, body)
    code, _, err = run_main(capsys, "validate", variant)
    assert code == 2
    problem = next(line for line in err.splitlines() if words in line)
    match = PROBLEM_RE.match(problem)
    assert match and match["path"] == path
    # the problem is shown where the offending value was written: the day-0 proposal that is no
    # longer on the table comes from the baseline, everything else from the variant
    expected_file = BASELINE.name if path == "talks.initial_proposal" else "variant.yaml"
    assert match["file"].endswith(expected_file)
