"""The validation report: rendering, the command's exit status, and the committed report."""

import re
from pathlib import Path

import pandas as pd
import pytest

from ceasefire_sim.cli import main as cli_main
from ceasefire_sim.validation import BASELINE, ROOT, Check, ValidationConfig
from ceasefire_sim.validation.levers import LEVERS, LeverAudit
from ceasefire_sim.validation.report import Report, gated, lever_checks, render_markdown
from ceasefire_sim.validation.sensitivity import OUTPUTS, UncertainParameter

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _audit(first_passes: bool) -> LeverAudit:
    rows = LEVERS[:2]
    table = pd.DataFrame(
        {
            "lever": [r.lever for r in rows],
            "low": [r.low for r in rows],
            "high": [r.high for r in rows],
            "metric": ["P(general ceasefire within 365 days)", "share of deals"],
            "effect": [0.7, 0.47],
            "ci_low": [0.68, 0.43],
            "ci_high": [0.72, 0.52],
            "expected": [r.expected for r in rows],
            "verdict": ["pass" if first_passes else "fail", "fail"],
            "short": ["p", "s"],
            "level": [False, False],
            "high_level": [0.9, 0.8],
        }
    )
    return LeverAudit(table, worlds=200, seed=1, days=120, runs=3, rows=rows)


def _report(calibration_passes: bool, theory_passes: bool = True) -> Report:
    sobol_rows = [
        Check(
            "sensitivity",
            f"{output}: talks.logit_scale",
            "S1 0.30 ± 0.10; ST 0.40 ± 0.10",
            "0 ≤ S1 ≤ ST ≤ 1 within the intervals",
            True,
            data={
                "output": output,
                "parameter": "talks.logit_scale",
                "S1": 0.3,
                "S1_conf": 0.1,
                "ST": 0.4,
                "ST_conf": 0.1,
            },
        )
        for output in OUTPUTS
    ]
    audit = _audit(calibration_passes)
    return Report(
        config=ValidationConfig.quick(),
        scenario_path=BASELINE,
        theory=gated(
            [Check("theory", "Contest success", "0.666667 | exact", "2/3", theory_passes, "how")]
        ),
        calibration=gated(
            [Check("calibration", "Allies at 2%", "22 of 32", "23 of 32", calibration_passes)]
        ),
        sensitivity=gated(
            [Check("sensitivity", "Sobol' estimator", "S1 ...", "S1 ...", True), *sobol_rows]
        ),
        levers=lever_checks(audit),
        lever_audit=audit,
        sobol={
            "parameters": [UncertainParameter("talks.logit_scale", 0.025, 0.075, "assumption")],
            "indices": pd.DataFrame(),
            "outputs": {o: [0.0, 0.5] for o in OUTPUTS},
            "noise_share": {o: 0.1 for o in OUTPUTS},
            "points": 96,
            "worlds": 384,
            "horizon_days": 120,
            "base": 8,
        },
    )


def test_markdown_has_the_four_sections_with_model_reference_and_result():
    text = render_markdown(_report(False), {"theory": "validation/theory.png"})
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## 1. Theory",
        "## 2. Calibration",
        "## 3. Sensitivity",
        "## 4. Levers",
    ]
    assert "| 1 | Allies at 2% | 22 of 32 | 23 of 32 | yardstick | **FAIL** |" in text
    # A pipe in a value is escaped so it cannot break the table.
    assert "| 1 | Contest success | 0.666667 \\| exact | 2/3 | gating | pass |" in text
    # A failing yardstick is counted, not a gating failure.
    assert "Result: 6 of 9 checks pass.**" in text
    assert "**Gating: 6 of 6 pass.**\n" in text
    assert "**Yardsticks:** calibration 0/1 pass; levers 0/2 pass." in text
    assert "**levers: 0/2 pass.**" in text
    assert (
        "| 1 | mediator.leverage_on_russia | 0 -> 0.8 | P(general ceasefire within 365 days) "
        "| 0.700 [0.680, 0.720] | + | yardstick | **FAIL** |"
    ) in text
    assert "- `upper bound <= +0.02`: pass iff" in text
    failing_theory = render_markdown(_report(True, theory_passes=False))
    assert "**Gating: 5 of 6 pass.** Failing: theory: Contest success." in failing_theory
    assert "![Fearon's bargaining range and exponential survival](validation/theory.png)" in text
    assert "| `talks.logit_scale` | 0.30 ± 0.10 | 0.40 ± 0.10 |" in text
    assert "Driven most by `talks.logit_scale` (ST 0.40)" in text
    assert render_markdown(_report(True)).count("**FAIL**") == 1  # the second lever row


def test_only_gating_checks_decide_the_result():
    assert _report(False).passed and _report(True).passed
    assert not _report(True, theory_passes=False).passed
    report = _report(False)
    assert {c.section for c in report.gating} == {"theory", "sensitivity"}
    assert {c.section for c in report.yardsticks} == {"calibration", "levers"}
    assert report.yardstick_counts() == {"calibration": (0, 1), "levers": (0, 2)}


def _result_line(text: str) -> tuple[int, int]:
    match = re.search(r"Result: (\d+) of (\d+) checks pass", text)
    assert match, "no result line"
    return int(match[1]), int(match[2])


def main(argv):
    """``ceasefire-sim validation-report ARGV``; returns its exit status."""
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["validation-report", *argv])
    return exit_info.value.code


def _gating_line(text: str) -> tuple[int, int]:
    match = re.search(r"Gating: (\d+) of (\d+) pass", text)
    assert match, "no gating line"
    return int(match[1]), int(match[2])


def _rows(text: str) -> tuple[int, int]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return sum(r.endswith("| pass |") for r in rows), sum(r.endswith("| **FAIL** |") for r in rows)


@pytest.mark.slow  # about 60 s on two cores: every lever row's arms run
def test_quick_run_writes_report_and_figures_and_exits_by_the_result(tmp_path, capsys):
    out = tmp_path / "docs" / "validation.md"
    code = main(["--quick", "--seed", "2", "--out", str(out)])
    text = out.read_text()
    passed, total = _result_line(text)
    assert _rows(text) == (passed, total - passed)
    gating_passed, gating_total = _gating_line(text)
    assert code == (0 if gating_passed == gating_total else 1)
    printed = capsys.readouterr().out
    assert f"{passed} of {total} checks pass" in printed
    assert f"gating: {gating_passed} of {gating_total} checks pass" in printed
    assert re.search(rf"^levers: \d+/{len(LEVERS)} pass$", printed, re.MULTILINE)
    assert printed.count("FAIL ") == gating_total - gating_passed
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 5
    for link in links:
        assert link.startswith("validation/")
        assert (out.parent / link).read_bytes()[:8] == PNG_MAGIC
    assert re.search(r"^history: \d/5 pass$", printed, re.MULTILINE)
    history = (out.parent / "validation" / "history.csv").read_text().splitlines()
    assert history[0] == "case,band,model,verdict" and len(history) == 6


def test_bad_scenario_gives_an_error_and_status_2(tmp_path, capsys):
    code = main(
        ["--quick", "--scenario", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "v.md")]
    )
    assert code == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "v.md").exists()


@pytest.mark.parametrize(
    "section",
    ["## 1. Theory", "## 2. Calibration", "## 3. Sensitivity", "## 4. Levers", "## 6. History"],
)
def test_committed_report_has_each_section(section):
    assert section in (ROOT / "docs" / "validation.md").read_text()


def test_committed_report_is_consistent_and_its_figures_exist():
    path = ROOT / "docs" / "validation.md"
    text = path.read_text()
    passed, total = _result_line(text)
    assert _rows(text) == (passed, total - passed)
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (path.parent / Path(link)).read_bytes()[:8] == PNG_MAGIC
