"""Run the validation suite and write the report: markdown tables and PNG figures.

:func:`run_validation` runs the sections into a :class:`Report`; :func:`write_report`
renders it to ``docs/validation.md`` with its figures in ``docs/validation/``. The markdown holds
no timestamps, so regenerating it from unchanged code gives an unchanged file.

Gating checks and yardsticks (:func:`gated`): a check *gates* the command (exit status 1 if it
fails) when it compares the code with something that must hold whatever the calibration: a
closed form (theory; the bare truce's duration implied by its hazard; the Sobol' estimator on the
Ishigami function) or an invariant (0 <= S1 <= ST <= 1). Calibration targets and the levers are
*yardsticks*: what the model should reproduce or how it should respond; they are reported and
counted (``levers: k/n pass``) but do not fail the command, so that a model change can be judged
by them without the report refusing to be written.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ceasefire_sim._version import __version__
from ceasefire_sim.results import _atomic_text, _atomic_write
from ceasefire_sim.scenario.loader import load_scenario, scenario_hash
from ceasefire_sim.validation import BASELINE, ROOT, Check, ValidationConfig

SECTIONS = ("theory", "calibration", "sensitivity", "levers", "bargaining", "history")
#: Sections whose every check gates (closed forms and invariants). In the calibration section
#: only the rows marked ``gating`` (a closed form) gate; no lever row does.
GATING_SECTIONS = ("theory", "sensitivity")


def gated(checks: list[Check]) -> list[Check]:
    """The checks with ``gating`` set by the rule of :data:`GATING_SECTIONS`."""
    return [replace(c, gating=True) if c.section in GATING_SECTIONS else c for c in checks]


@dataclass
class Report:
    """The outcome of a validation run.

    Attributes:
        config: Sizes and seed of the run.
        scenario_path: The scenario validated.
        theory: Theory checks.
        calibration: Calibration checks.
        sensitivity: The Sobol' estimator check and one row per output and parameter.
        levers: One row per row of the lever audit (yardsticks).
        bargaining: The checks of version 2's bargaining (yardsticks,
            :mod:`~ceasefire_sim.validation.bargaining`) and of the procedural parameters' total
            Sobol' index of P(ceasefire within 365 days).
        bargaining_data: The figures behind them.
        history: One row per case of ``scenarios/history/`` (yardsticks,
            :mod:`~ceasefire_sim.validation.history`).
        lever_audit: The lever audit's table (``None`` if it was not run).
        calibration_data: Per-world gains, trackers and truce durations (for the figures).
        sobol: The Sobol' analysis (parameters, indices, noise shares, sizes).
        seconds: Wall-clock seconds per section (reported on the console, not in the file).
    """

    config: ValidationConfig
    scenario_path: Path
    theory: list[Check]
    calibration: list[Check]
    sensitivity: list[Check]
    levers: list[Check] = field(default_factory=list)
    bargaining: list[Check] = field(default_factory=list)
    bargaining_data: dict[str, Any] = field(default_factory=dict)
    lever_audit: Any = None
    history: list[Check] = field(default_factory=list)
    calibration_data: dict[str, Any] = field(default_factory=dict)
    sobol: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def checks(self) -> list[Check]:
        """Every check, section by section."""
        return [
            *self.theory,
            *self.calibration,
            *self.sensitivity,
            *self.levers,
            *self.bargaining,
            *self.history,
        ]

    @property
    def gating(self) -> list[Check]:
        """The checks that gate the command (closed forms and invariants)."""
        return [c for c in self.checks if c.gating]

    @property
    def yardsticks(self) -> list[Check]:
        """The checks reported and counted but not gating (calibration targets, levers)."""
        return [c for c in self.checks if not c.gating]

    @property
    def failed(self) -> list[Check]:
        """The gating checks that failed."""
        return [c for c in self.gating if not c.passed]

    @property
    def passed(self) -> bool:
        """Whether every gating check passed (yardsticks do not count)."""
        return not self.failed

    def yardstick_counts(self) -> dict[str, tuple[int, int]]:
        """Section -> (yardsticks passed, yardsticks) for each section that has any."""
        counts: dict[str, tuple[int, int]] = {}
        for section in SECTIONS:
            rows = [c for c in self.yardsticks if c.section == section]
            if rows:
                counts[section] = (sum(c.passed for c in rows), len(rows))
        return counts


def run_validation(
    config: ValidationConfig | None = None,
    scenario_path: str | Path = BASELINE,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run the theory, calibration, sensitivity, lever, bargaining and history sections.

    Args:
        config: Sizes and seed (default: those of ``make validate``).
        scenario_path: The scenario to validate (the baseline by default; the calibration
            targets are those of the baseline's starting state).
        progress: Called with a short message as each section starts and ends.

    Raises:
        ScenarioError: If the scenario cannot be loaded or lacks a parameter the checks use.
    """
    from ceasefire_sim.validation.bargaining import run_bargaining
    from ceasefire_sim.validation.calibration import run_calibration
    from ceasefire_sim.validation.durability import run_durability
    from ceasefire_sim.validation.history import history_checks, run_history
    from ceasefire_sim.validation.levers import run_levers
    from ceasefire_sim.validation.sensitivity import run_sensitivity
    from ceasefire_sim.validation.theory import run_theory

    config = config or ValidationConfig()
    path = Path(scenario_path)
    load_scenario(path)  # fail early, with the loader's message, on a bad scenario
    say = progress or (lambda message: None)
    seconds: dict[str, float] = {}

    def timed(name: str, func: Callable[[], Any]) -> Any:
        say(f"{name}: running")
        start = time.perf_counter()
        out = func()
        seconds[name] = time.perf_counter() - start
        say(f"{name}: done in {seconds[name]:.0f} s")
        return out

    theory = timed("theory", lambda: run_theory(config, path))
    calibration, calibration_data = timed("calibration", lambda: run_calibration(config, path))
    sensitivity, sobol = timed("sensitivity", lambda: run_sensitivity(config, path))
    audit = timed(
        "levers",
        lambda: run_levers(path, config.lever_worlds, config.seed, days=config.days),
    )
    bargaining, bargaining_data = timed("bargaining", lambda: run_bargaining(config, path))
    bargaining.append(procedural_check(sensitivity))
    history = timed(
        "history", lambda: history_checks(run_history(config.history_worlds, config.seed))
    )
    durable, durability_data = timed("durability", lambda: run_durability(config, path))
    bargaining.extend(durable)
    bargaining_data["durability"] = durability_data
    return Report(
        config=config,
        scenario_path=path,
        theory=gated(theory),
        calibration=gated(calibration),
        sensitivity=gated(sensitivity),
        levers=lever_checks(audit),
        bargaining=bargaining,
        bargaining_data=bargaining_data,
        lever_audit=audit,
        history=history,
        calibration_data=calibration_data,
        sobol=sobol,
        seconds=seconds,
    )


# -------------------------------------------------------------------- markdown
def _mark(passed: bool) -> str:
    return "pass" if passed else "**FAIL**"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _kind(check: Check) -> str:
    return "gating" if check.gating else "yardstick"


def _check_table(checks: list[Check]) -> list[str]:
    lines = ["| # | check | model | reference | kind | result |", "|---|---|---|---|---|---|"]
    for i, c in enumerate(checks, 1):
        lines.append(
            f"| {i} | {_cell(c.name)} | {_cell(c.model)} | {_cell(c.reference)} | {_kind(c)} "
            f"| {_mark(c.passed)} |"
        )
    lines += ["", "How each value is obtained and what passes:", ""]
    lines += [f"{i}. **{c.name}.** {c.detail}" for i, c in enumerate(checks, 1)]
    return lines


def _drivers(rows: list[Check], top: int = 3) -> str:
    ranked = sorted(rows, key=lambda c: -_finite(c.data.get("ST")))
    parts = [
        f"`{c.data['parameter']}` (ST {c.data['ST']:.2f})"
        for c in ranked[:top]
        if _finite(c.data.get("ST")) > 0
    ]
    return ", ".join(parts) if parts else "no parameter (all indices zero or undefined)"


def _finite(x: Any) -> float:
    return float(x) if x is not None and np.isfinite(x) else -math.inf


def render_markdown(report: Report, figures: dict[str, str] | None = None) -> str:
    """The report as markdown.

    Args:
        report: The validation run.
        figures: Figure name -> path relative to the markdown file (links are added for the
            names ``theory``, ``gains``, ``truces`` and ``sensitivity`` when present).
    """
    figures = figures or {}
    cfg = report.config
    scenario = load_scenario(report.scenario_path)
    n_pass = sum(c.passed for c in report.checks)
    gating = report.gating
    yardsticks = "; ".join(
        f"{section} {k}/{n} pass" for section, (k, n) in report.yardstick_counts().items()
    )
    lines = [
        "# Validation report",
        "",
        "<!-- Generated by `make validate` (ceasefire-sim validation-report --out "
        "docs/validation.md). Do not edit by hand. -->",
        "",
        "Why should you believe this model? This report checks it four ways, regenerated from "
        "the code by `make validate`, so it is always true of the current version: its pieces "
        "reproduce results known in closed form (**theory**), the baseline reproduces the "
        "sourced figures dated on or before 12 March 2025 ([`docs/sources.md`](sources.md); "
        "**calibration**), the headline "
        "results "
        "are traced to the assumptions that drive them (**sensitivity**), each lever a "
        "user can pull moves the outcomes the way it should (**levers**), and deals follow "
        "from a bargaining range rather than from noise (**bargaining**, with the table from "
        "version 1 to version 2), and the same behaviour, set in the documented state of an "
        "earlier date, replicates this war's ceasefires before 2025 (**history**).",
        "",
        "Two kinds of check. A **gating** check compares the code with something that must hold "
        "whatever the calibration: a closed form (every theory check; the bare truce's duration "
        "implied by its hazard; the Sobol' estimator on the Ishigami function) or an invariant "
        "(0 <= S1 <= ST <= 1 for every index). `make validate` exits with status 1 if one fails. "
        "A **yardstick** says what the model should reproduce or how it should respond: the "
        "calibration targets, the levers, the bargaining checks and the history cases. "
        "Yardsticks are reported and counted, failing ones included, but never fail the "
        "command: they are what the next model change is judged "
        "by. The *kind* column of each table says which a row is.",
        "",
        f"- ceasefire-sim {__version__}; scenario `{_relative(report.scenario_path)}` "
        f"(*{scenario.name}*, hash `{scenario_hash(scenario)[:12]}`); seed {cfg.seed}.",
        f"- Sizes: calibration {cfg.calibration_worlds:,} worlds; each truce run "
        f"{cfg.truce_worlds:,} worlds; model-based theory checks {cfg.theory_worlds:,} worlds; "
        f"Sobol' base sample {int(report.sobol.get('base', cfg.sobol_base)):,} (grown from "
        f"{cfg.sobol_base:,} to convergence) x {cfg.sobol_worlds_per_point} worlds per point "
        f"({report.sobol.get('worlds', 0):,} worlds); lever audit {cfg.lever_worlds:,} "
        f"worlds per arm; each history case {cfg.history_worlds:,} worlds.",
        f"- **Result: {n_pass} of {len(report.checks)} checks pass.**",
        f"- **Gating: {sum(c.passed for c in gating)} of {len(gating)} pass.**"
        + (
            " Failing: " + "; ".join(f"{c.section}: {c.name}" for c in report.failed) + "."
            if report.failed
            else ""
        ),
        f"- **Yardsticks:** {yardsticks or 'none'}.",
        "",
        "## 1. Theory",
        "",
        "Each piece of the model against a result known in closed form. The references are "
        "computed independently of the model code (textbook formulas, explicit loops). Every "
        "check here is also an ordinary test of the suite (`tests/test_validation_theory.py`).",
        "",
        *_check_table(report.theory),
        "",
    ]
    if "theory" in figures:
        lines += [
            f"![Fearon's bargaining range and exponential survival]({figures['theory']})",
            "",
        ]
    lines += [
        "## 2. Calibration",
        "",
        "The baseline against every sourced target dated on or before 12 March 2025 "
        "([`docs/sources.md`](sources.md), and the seed article's "
        "account of the 30-day truce). Intervals are 95% Monte Carlo intervals of the model's "
        "value; a check passes when the model's estimate lies in the target range.",
        "",
        *_check_table(report.calibration),
        "",
        *_front_markdown(report),
    ]
    for name, alt in (
        ("gains", "Monthly Russian gains: model worlds vs trackers"),
        ("truces", "Survival of first ceasefires by terms"),
    ):
        if name in figures:
            lines += [f"![{alt}]({figures[name]})", ""]
    lines += _sensitivity_markdown(report, figures)
    lines += _levers_markdown(report)
    lines += _bargaining_markdown(report)
    lines += _history_markdown(report, figures)
    return "\n".join(lines).rstrip() + "\n"


def _history_markdown(report: Report, figures: dict[str, str]) -> list[str]:
    """Section 6: the war's own history before 2025, with the baseline's behaviour."""
    if not report.history:
        return []
    from ceasefire_sim.validation.history import failure_reasons

    passed = sum(c.passed for c in report.history)
    lines = [
        "## 6. History",
        "",
        "The strongest test a model of this war can pass is to replicate its history before "
        "2025 with the behavioural parameters it uses in 2025. Each case of "
        "[`scenarios/history/`](../scenarios/history/) extends the baseline and changes only "
        "the documented state of its date: start date and horizon, territory, forces and "
        "economies, the war's costs so far, who mediates and with what aid and leverage, what "
        "was on the table, the sides' stated positions and dated events "
        "(`tests/test_history_cases.py` checks the list). Everything behavioural is the "
        "baseline's. The bands come from the record (`src/ceasefire_sim/data/donbas_truces.csv` "
        f"and the sources in each case's header). Each case runs {report.config.history_worlds:,} "
        f"worlds (the recommitment case splits them between its dated starts), seed "
        f"{report.config.seed}; the rows are yardsticks. The table is also written to "
        "[`docs/validation/history.csv`](validation/history.csv).",
        "",
        f"**{passed} of {len(report.history)} cases pass.**",
        "",
        *_check_table(report.history),
        "",
    ]
    if "history" in figures:
        lines += [f"![History cases against their bands]({figures['history']})", ""]
    reasons = failure_reasons(report.history)
    if reasons:
        lines += [
            "### Why a case fails",
            "",
            "Each figure outside its band, and the mechanism the model lacks or the input that "
            "decides it:",
            "",
            *reasons,
            "",
        ]
    return lines


#: Checks of version 1 whose mechanism version 2 removed, and the check of what replaced it.
REPLACED_CHECKS: tuple[tuple[str, str, str], ...] = (
    (
        "levers: acceptance-noise scale (talks.logit_scale), P365",
        "bargaining: No bargaining range, no deal",
        "the per-round logistic shock no longer makes deals: a side never accepts a package "
        "worth less than fighting on; the lever row stays and now passes",
    ),
    (
        "levers: talks.interval_days, P365",
        "bargaining: P(general ceasefire within 365 days) at every talks interval; Ripe "
        "variant: P365 and median delay, 3 -> 28 days",
        "meeting more often no longer multiplies chances; it shortens the wait within a range",
    ),
)


def _bargaining_markdown(report: Report) -> list[str]:
    """Section 5: the bargaining of version 2, and the table from version 1 to version 2."""
    if not report.bargaining:
        return []
    d = report.bargaining_data
    levels = d.get("p365_by_interval", {})
    ripe = d.get("ripe", {})
    audit = {}
    if report.lever_audit is not None:
        for r in report.lever_audit.table.itertuples(index=False):
            audit.setdefault(r.lever, r)

    def lever(name: str) -> str:
        r = audit.get(name)
        if r is None:
            return "-"
        return f"{r.effect:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}] ({r.verdict})"

    learning = d.get("learning", (math.nan, math.nan, math.nan))
    dur = d.get("durability", {})
    delay = ripe.get("delay", (math.nan,) * 5)
    p3, p28 = levels.get(3, math.nan), levels.get(28, math.nan)
    rows = [
        (
            "No package acceptable to both before day 250; deals from the per-round shock and "
            "pressure",
            "P365 0.02 with neither, 0.33 with both",
            f"first ceasefires on or after first_range_day: {d.get('share_after_range', math.nan):.1%}; "
            f"a range on day 1 in {d.get('share_range_day1', math.nan):.1%} of worlds",
        ),
        (
            "Meeting more often made a deal far more likely",
            "P365 0.46 (every 3 days) -> 0.17 (every 28)",
            f"P365 {p3:.3f} -> {p28:.3f}; lever row {lever('talks.interval_days')}",
        ),
        (
            "The noise scale decided the outcome",
            "P365 0.09 -> 0.93 with the noise scale",
            f"lever row {lever('acceptance-noise scale (talks.logit_scale)')}",
        ),
        (
            "Learning was inert",
            "giving both sides the true trend changed nothing",
            f"both priors at the trend: P365 {learning[0]:+.3f} "
            f"[{learning[1]:+.3f}, {learning[2]:+.3f}]",
        ),
        (
            "One red-line penalty equal to the whole salience budget",
            "penalty 1 on every red line, eroding about 20% a year",
            "a multiple (8) of the issue's salience, calibrated once on 13 March 2025; pain counts "
            "the war's costs since February 2022",
        ),
        (
            "Permanent concessions counted in full for a 30-day truce; pain started at zero",
            "-",
            "settlement terms require an indefinite ceasefire; a truce's terms count for the "
            "share of the horizon it holds; Russia's pain starts at 889,050 casualties",
        ),
        (
            "Cost tolerance and NATO neutrality as levers",
            "-",
            f"cost tolerance x0.4: {lever('belligerents.russia.cost_tolerance')}; neutrality off: "
            f"{lever('NATO neutrality on the table')}",
        ),
        (
            "Pressure on Russia produced deals better for Russia; threats were never carried out",
            "neutrality with sanctions lifted 8% -> 83% of deals",
            f"lever row {lever('mediator.leverage_on_russia')}; threats carried out in "
            f"{dur.get('threats', (math.nan, math.nan))[0]:.1%} (aid cut) and "
            f"{dur.get('threats', (math.nan, math.nan))[1]:.1%} (sanctions) of worlds; an "
            f"executed aid cut moves the front {dur.get('aid_cut', (0,) + (math.nan,) * 3)[1]:+,.0f} km²",
        ),
        (
            "The European reassurance force entered no deal; durability never entered a choice",
            "0% of deals whatever its lever",
            f"each side values a package by the share of its horizon it holds; lever row "
            f"{lever('European reassurance force')}",
        ),
        (
            "Neutrality with no guarantee; cycling through short ceasefires",
            "64% of deals; 23% of worlds with two or more ceasefires",
            f"{dur.get('bare_neutrality', math.nan):.1%} of general ceasefires while a guarantee "
            f"is on the table; {dur.get('three_or_more', math.nan):.1%} of worlds with three or "
            "more",
        ),
        (
            "Fortna's years-scale ratios on a days-scale base; violations had no effect",
            "constant hazard 0.07/day",
            "a Weibull baseline falling with time (shape 0.374); breakdown hazard days 0-30 vs "
            f"180-365: {dur.get('hazard', (math.nan,) * 3)[0]:+.4f}/day; violations above the "
            "base rate escalate",
        ),
        (
            "Ripe variant (scenarios/ripe_for_settlement.yaml)",
            "-",
            f"range by day 90 in {ripe.get('range_by_90', math.nan):.1%}; median delay "
            f"{delay[0]:.0f} -> {delay[1]:.0f} days (3 -> 28)",
        ),
    ]
    lines = [
        "## 5. Bargaining (version 2)",
        "",
        "Version 2 makes the timing of deals follow from a bargaining range (DESIGN principle 9): "
        "each side's resolve is a per-world type, the mediator's misreading too; pain counts the "
        "war's costs since February 2022; red lines are a multiple of their issue's salience; "
        "settlement terms belong to a lasting agreement; the mediator's threats are in the "
        "sides' valuations and are carried out when refused; each side values a package by the "
        "share of its horizon it holds under the hazard its terms imply; a side never accepts a "
        "package worth less than fighting on. The checks from the breakdown hazard on read "
        "every ceasefire agreed, not only each world's first "
        "(`validation/durability.py`). "
        f"Runs of {report.config.lever_worlds:,} worlds, seed {report.config.seed}, common "
        "random numbers; every row is a yardstick.",
        "",
        *_check_table(report.bargaining),
        "",
        "### Version 1 to version 2",
        "",
        "| audit finding on version 1 | version 1 | version 2 |",
        "|---|---|---|",
        *[f"| {_cell(a)} | {_cell(b)} | {_cell(c)} |" for a, b, c in rows],
        "",
        "Checks of version 1 whose mechanism was replaced (old -> new):",
        "",
        *[f"- {old} -> {new}: {why}." for old, new, why in REPLACED_CHECKS],
        "",
    ]
    return lines


def _front_markdown(report: Report) -> list[str]:
    """The Front subsection: the model's cycle figures beside each tracker's (talks off)."""
    trackers = report.calibration_data.get("trackers")
    by_name = {c.name: c for c in report.calibration}
    sd = by_name.get("Front, talks off: s.d. of a world's twelve 30-day gains")
    ac = by_name.get("Front, talks off: lag-1 autocorrelation of a world's 30-day gains")
    level = by_name.get("Front, talks off: mean monthly gain over the first year")
    if not trackers or sd is None or ac is None or level is None:
        return []
    lines = [
        "### Front",
        "",
        "The front with talks off (`talks.enabled: false`) for a year, against the trackers' "
        "monthly series before the start (`src/ceasefire_sim/data/russian_gains_monthly.csv`): "
        "offensives and pauses persist for months and differ a lot in strength. s.d. and "
        "lag-1 autocorrelation (Pearson's r of consecutive months) of 2024's monthly gains; "
        "mean month of Mar 2024 - Feb 2025. The model's figures are medians over worlds of "
        "the same statistics of each world's twelve consecutive 30-day gains. The phase, "
        "intensity and season parameters of `front:` were chosen by a grid over their ranges "
        "(consolidation tempo 0.05-0.3, phase intensity s.d. 0.4-0.8, seasonal amplitude "
        "0.3-0.6, mean phase lengths 60-150 days) for the model's s.d., autocorrelation and "
        "level to fall inside the trackers' ranges, using no data after 12 March 2025.",
        "",
        "| series | s.d. of monthly gains, km² | lag-1 autocorrelation | mean month, km² |",
        "|---|---:|---:|---:|",
        f"| **model** (median of worlds) | {sd.data['median']:,.0f} | {ac.data['median']:.2f} | "
        f"{level.data['median']:,.0f} |",
    ]
    for name, t in trackers.items():
        r1 = t["autocorrelation"]
        r1_text = f"{r1:.2f}" if np.isfinite(r1) else "- (too few consecutive months)"
        lines.append(
            f"| {name} ({t['months']:.0f} months of 2024) | {t['sd_km2']:,.0f} | {r1_text} | "
            f"{t['mean_km2']:,.0f} |"
        )
    lines.append("")
    return lines


def _sensitivity_markdown(report: Report, figures: dict[str, str]) -> list[str]:
    from ceasefire_sim import metrics
    from ceasefire_sim.validation.sensitivity import OUTPUTS, _num

    sobol = report.sobol
    params = sobol.get("parameters", [])
    estimator = [
        c
        for c in report.sensitivity
        if c.data.get("output") is None and "convergence_output" not in c.data
    ]
    converging = [c for c in report.sensitivity if "convergence_output" in c.data]
    rows = [c for c in report.sensitivity if c.data.get("output") is not None]
    base = int(sobol.get("base", report.config.sobol_base))
    convergence = sobol.get("convergence")
    verdict = convergence.message() if convergence is not None else "Convergence not assessed."
    lines = [
        "## 3. Sensitivity",
        "",
        f"Sobol' first-order (S1) and total (ST) indices, with 95% bootstrap half-widths, of "
        f"the headline outcomes over the ten most uncertain parameters. **Base sample needed: "
        f"{base:,}.** The base sample starts at {report.config.sobol_base:,} and doubles until "
        "every total index's half-width is at most 0.05 or 10% of its output's largest total "
        "index, whichever is larger (the rule sweeps report too); the headline, "
        f"{metrics.label(OUTPUTS[0])}, is never stopped by a budget. {verdict} "
        f"The Saltelli design of {sobol.get('points', 0):,} points (base sample {base:,}) is run "
        f"with {report.config.sobol_worlds_per_point} worlds per point over "
        f"{sobol.get('horizon_days', 0)} days; each point's outcome is the probability or "
        "median over its worlds. The points of the design share their random numbers "
        "(common random numbers), so the noise of the worlds cancels in the contrasts the "
        "estimators use; it still counts in the total variance, so the first-order indices "
        "of an output sum to at most one minus its noise share. S1 is the share of an "
        "output's variance a parameter explains alone; ST adds its interactions.",
        "",
        "| parameter | range | basis |",
        "|---|---|---|",
        *[f"| `{p.path}` | {_num(p.low)}-{_num(p.high)} | {_cell(p.basis)} |" for p in params],
        "",
        "The ranges are the scenario's own per-world distributions where it has them; for "
        "fixed assumptions, +-50% of the value. The Russian casualty rate and defence share "
        "also vary per world in the baseline but are left out: their sourced ranges are narrow.",
        "",
    ]
    if estimator or converging:
        lines += [*_check_table([*estimator, *converging]), ""]
    for output in OUTPUTS:
        out_rows = [c for c in rows if c.data["output"] == output]
        if not out_rows:
            continue
        noise = sobol.get("noise_share", {}).get(output, math.nan)
        values = np.asarray(sobol.get("outputs", {}).get(output, []), dtype=float)
        spread = (
            f"{_num(float(np.nanmin(values)))} to {_num(float(np.nanmax(values)))} over the points"
            if len(values)
            else ""
        )
        lines += [
            f"### {metrics.label(output)}",
            "",
            f"Driven most by {_drivers(out_rows)}. Noise share of the variance between points "
            f"{noise:.0%}; the output ranges {spread}.",
            "",
            "| parameter | S1 | ST | reference | result |",
            "|---|---|---|---|---|",
        ]
        for c in out_rows:
            d = c.data
            lines.append(
                f"| `{d['parameter']}` | {d['S1']:.2f} ± {d['S1_conf']:.2f} | "
                f"{d['ST']:.2f} ± {d['ST_conf']:.2f} | {_cell(c.reference)} | {_mark(c.passed)} |"
            )
        lines.append("")
    if "sensitivity" in figures:
        lines += [f"![Sobol' indices of the headline outcomes]({figures['sensitivity']})", ""]
    return lines


def procedural_check(sensitivity: list[Check], limit: float = 0.15, width: float = 0.05) -> Check:
    """No procedural parameter has a total Sobol' index of P365 above ``limit``.

    Each procedural parameter's ST of P(ceasefire within 365 days) must be at most ``limit``
    and estimated to within ``width`` (95% half-width).
    """
    from ceasefire_sim.validation.sensitivity import PROCEDURAL_PATHS

    output = "p_ceasefire_365"
    rows = [
        c.data
        for c in sensitivity
        if c.data.get("output") == output and c.data.get("parameter") in PROCEDURAL_PATHS
    ]
    ok = len(rows) == len(PROCEDURAL_PATHS) and all(
        np.isfinite(d["ST"]) and d["ST"] <= limit and d["ST_conf"] <= width for d in rows
    )
    return Check(
        "bargaining",
        "Procedural parameters: total Sobol' index of P365",
        "; ".join(f"`{d['parameter']}` {d['ST']:.2f} ± {d['ST_conf']:.2f}" for d in rows),
        f"each at most {limit:.2f}, half-width at most {width:.2f}",
        ok,
        "from the Sensitivity section's Saltelli design",
        data={"rows": rows},
    )


def lever_checks(audit: Any) -> list[Check]:
    """One yardstick row per row of the lever audit."""
    from ceasefire_sim.validation.levers import format_number

    return [
        Check(
            "levers",
            f"{r.lever}: {r.low} -> {r.high}, {r.metric}",
            f"{format_number(r.effect)} [{format_number(r.ci_low)}, {format_number(r.ci_high)}]",
            r.expected,
            r.verdict == "pass",
            data=r._asdict(),
        )
        for r in audit.table.itertuples(index=False)
    ]


def _levers_markdown(report: Report) -> list[str]:
    from ceasefire_sim.validation.levers import (
        CONFIDENCE,
        METRICS,
        RESAMPLES,
        RULE_TEXT,
        describe_arm,
        format_number,
    )

    audit = report.lever_audit
    if audit is None:
        return []
    k, n = audit.passed, len(audit.table)
    lines = [
        "## 4. Levers",
        "",
        "The lever audit (`ceasefire-sim levers SCENARIO`): for each row, the scenario is run at "
        f"the lever's low and high setting with the same seed ({audit.seed}) and the same "
        f"{audit.worlds:,} worlds over {audit.days} days, so world *i* of both runs shares every "
        "random number and the difference world by world is the lever's effect. The table and "
        "its expectations are fixed in the code (`validation/levers.py`, copied from the "
        "audit's specification, never computed); rows are only ever added. Every row is a "
        "yardstick: this is how the model at this commit responds, failing rows included, and "
        "what later model changes must turn to pass.",
        "",
        f"**levers: {k}/{n} pass.**",
        "",
        "| # | lever | low -> high | metric | effect [95% CI] | expected | kind | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, (c, r) in enumerate(zip(report.levers, audit.table.itertuples(), strict=True), 1):
        metric = r.metric + (" (level at the high setting)" if r.level else "")
        lines.append(
            f"| {i} | {_cell(r.lever)} | {_cell(r.low)} -> {_cell(r.high)} | {_cell(metric)} | "
            f"{format_number(r.effect)} [{format_number(r.ci_low)}, {format_number(r.ci_high)}] "
            f"| {_cell(r.expected)} | {_kind(c)} | {_mark(c.passed)} |"
        )
    lines += ["", "How each row sets its low and high setting:", ""]
    for i, row in enumerate(audit.rows, 1):
        common = f" Both: {describe_arm(row.common)}." if row.common else ""
        lines.append(
            f"{i}. Low: {describe_arm(row.low_set)}. High: {describe_arm(row.high_set)}.{common}"
        )
    lines += [
        "",
        "A value set *before day 0* is what `--set` does: the model derives its day-0 state "
        "(the front's gain scale, the materiel attrition) from it. An *event* is an entry of "
        "the scenario's own `events:` list, applied at the start of that day, after the day-0 "
        "state is set; the day-0 and day-1 rows of a lever therefore compare the two. "
        '"x f, per world" multiplies each world\'s own value (its draw, where the scenario '
        "gives a distribution). *Talks off* is `talks.enabled: false` (no negotiation day).",
        "",
        "The metrics, read from `Results.outcomes` (one row per world):",
        "",
    ]
    definitions = {
        "p_ceasefire_365": "share of worlds whose first general ceasefire starts within 365 "
        "days (the horizon if shorter); limited truces do not count (`first_ceasefire_day` is "
        "NaN in a world with limited truces only)",
        "accept_ukraine_energy": "of the mediator's proposals of an energy halt "
        "(`partial_offers_energy`), the share Ukraine accepted (`partial_accepted_ukraine_energy`)",
        "accept_russia_energy": "the same for Russia (`partial_accepted_russia_energy`)",
        "accept_ukraine_maritime": "of the proposals of a Black Sea arrangement, the share Ukraine "
        "accepted",
        "channel_costs_ukraine": "what the cost channels Ukraine is the target of (strikes, "
        "shipping) cost it over the run, casualty-equivalents (`channel_costs_ukraine`)",
        "channel_costs_russia": "what the refinery strikes cost Russia over the run, "
        "casualty-equivalents (`channel_costs_russia`)",
        "p_range_365": "share of worlds in which a bargaining range for a general ceasefire "
        "opened within 365 days (`first_range_day`)",
        "p_maritime_365": "share of worlds with a Black Sea shipping arrangement within 365 days "
        "(`first_partial_day_maritime`)",
        "share_neutrality_lifted": "among worlds with a deal, the share whose deal "
        "(`terms_nato`, `terms_sanctions`: the last ceasefire's terms) has NATO neutrality "
        "and sanctions lifted",
        "share_european_force": "among worlds with a deal, the share whose deal has the "
        "European reassurance force (`terms_guarantees`)",
        "duration_european_force": "the first ceasefires with the European force "
        "(`first_terms_guarantees`): the mean of the days each held, one still holding at the "
        "horizon counting its days to the horizon (censored there)",
        "duration_us_backed": "the same for first ceasefires with a US-backed guarantee",
        "allied_aid_bn": "allied military aid delivered over the run, US$ bn "
        "(`allied_aid_total_bn`), mean over worlds",
        "russian_gains_km2": "change of the area Russia holds from day 0 to the horizon, km² "
        "(`control_change_km2`), mean over worlds",
    }
    for key in dict.fromkeys(r.metric for r in audit.rows):
        metric = METRICS[key]
        lines.append(f"- *{metric.label}* ({metric.kind}): {definitions.get(key, metric.label)}.")
    lines += [
        "",
        "Intervals: for a *mean* metric, the mean of the per-world differences (high minus "
        "low) +- 1.96 standard errors of it; for a *ratio* metric (a share of deals, a mean "
        "over deals: the worlds with a deal may differ between the arms), a percentile "
        f"bootstrap that resamples worlds ({RESAMPLES:,} resamples, the same resample in both "
        "arms, so the pairing is kept), n/a if the ratio is undefined in over 10% of the "
        "resamples. An effect of exactly 0 [0, 0] means the lever changed no world at all.",
    ]
    lines += [
        "",
        f"How each expectation is graded (all intervals {CONFIDENCE:.0%}; a missing estimate or "
        "interval fails every rule: an effect that cannot be measured is not shown):",
        "",
        *[f"- `{key}`: {text}" for key, text in RULE_TEXT.items()],
        "",
        "Where the audit's specification names one row for two things, the table has one row "
        "per thing, each with its part of the expectation: the guarantee hazard ratio is one "
        "row per guarantee (European force; US-backed), the allies' pledges one row per metric "
        "(aid delivered: `+`; Russian gains: `-`), and each lever set at day 0 and as a day-1 "
        "event one row per way, graded as a pair. The acceptance-noise scale is "
        "`talks.logit_scale`; the allies' pledges are their military aid "
        "(`allies.*.aid_share_gdp_pct`); the European force is made unavailable or available "
        "through `alliance.reassurance_threshold_troops` (10^12 troops or 0).",
        "",
        *_limited_markdown(audit),
    ]
    return lines


def _limited_markdown(audit: Any) -> list[str]:
    """Limited scopes and the general ceasefire: the paired comparison and its mechanism."""
    from ceasefire_sim.validation.levers import format_number

    rows = {
        r.metric: r
        for r in audit.table.itertuples(index=False)
        if r.lever == "limited scopes on the table"
    }
    general = rows.get("P(general ceasefire within 365 days)")
    if general is None:
        return []
    with_scopes = general.high_level - general.effect
    lines = [
        "### Limited truces and the general ceasefire",
        "",
        f"P(general ceasefire within 365 days) with every limited scope on the table: "
        f"{format_number(with_scopes)}; with none (each `partial_truces.scopes.<scope>.on_table` "
        f"0): {format_number(general.high_level)}. Paired difference (none minus all, the same "
        f"{audit.worlds:,} worlds, seed {audit.seed}): {format_number(general.effect)} "
        f"[{format_number(general.ci_low)}, {format_number(general.ci_high)}] (95%).",
        "",
    ]
    ranged = rows.get("P(bargaining range for a general ceasefire within 365 days)")
    if general.effect > 0:
        mechanism = (
            "The sign is driven by **pressure relief**: a limited truce in force pauses cost "
            "channels whose cost is part of each side's cost of fighting on (the strikes, "
            "refinery and shipping costs enter the war payoff, `cost_per_day`), so while it "
            "holds a general ceasefire spares each side less and the bargaining range for one "
            "opens less often"
        )
    elif general.effect < 0:
        mechanism = (
            "Limited truces make the general ceasefire likelier here; the model has no "
            "confidence-building channel, so the sign comes from the timing of talks and the "
            "channels' costs, not from trust"
        )
    else:
        mechanism = "The scopes leave the general ceasefire unchanged"
    if ranged is not None:
        mechanism += (
            f" (the range itself: {format_number(ranged.effect)} "
            f"[{format_number(ranged.ci_low)}, {format_number(ranged.ci_high)}] without the "
            "scopes)"
        )
    lines += [
        mechanism + ". The literature is mixed on this (Clayton & Sticher 2021; PA-X): the "
        "model's answer follows from the channels' costs and values, which are assumptions "
        "(`partial_truces.channels`), not from a fitted relation.",
        "",
    ]
    return lines


# --------------------------------------------------------------------- figures
def _save(fig: Any, path: Path) -> None:
    # Figures are built on matplotlib.figure.Figure, never through pyplot: nothing to close.
    _atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))


def _figure(
    rows: int = 1, columns: int = 1, figsize: tuple[float, float] = (7, 3.6), **kw: Any
) -> Any:
    """A figure and its axes, without pyplot (as ``plt.subplots``)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, columns, **kw)


def write_figures(report: Report, directory: Path) -> dict[str, Path]:
    """Draw the report's figures as PNG files in ``directory``.

    Returns:
        Figure name -> file written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, draw in (
        ("theory", _theory_figure),
        ("gains", _gains_figure),
        ("truces", _truce_figure),
        ("sensitivity", _sensitivity_figure),
        ("history", _history_figure),
    ):
        fig = draw(report)
        if fig is not None:
            path = directory / f"{name}.png"
            _save(fig, path)
            written[name] = path
    return written


def _history_figure(report: Report) -> Any:
    from ceasefire_sim.plots.history import history_figure
    from ceasefire_sim.validation.history import history_criteria

    return history_figure(history_criteria(report.history))


def _theory_figure(report: Report) -> Any:
    from ceasefire_sim.validation.theory import fearon_bargaining_range, fearon_nash_split

    fig, (left, right) = _figure(1, 2, figsize=(10, 3.6))
    p, ca, cb = 0.6, 0.1, 0.2
    x = np.linspace(0, 1, 501)
    ua, ub = x - (p - ca), (1 - x) - (1 - p - cb)
    low, high = fearon_bargaining_range(p, ca, cb)
    left.plot(x, ua, label="A's surplus x - (p - c_A)")
    left.plot(x, ub, label="B's surplus (1 - x) - (1 - p - c_B)")
    left.plot(x, np.where((ua > 0) & (ub > 0), ua * ub * 10, np.nan), label="Nash product x 10")
    left.axvspan(low, high, color="0.9", label="bargaining range")
    left.axvline(fearon_nash_split(p, ca, cb), color="k", ls=":", label="Nash split 0.65")
    left.axhline(0, color="0.5", lw=0.8)
    left.set(xlabel="A's share x", title="Fearon: p = 0.6, c_A = 0.1, c_B = 0.2", ylim=(-0.6, 0.6))
    left.legend(fontsize=7, loc="lower left")
    survival = next(
        (c.data for c in report.theory if "survival" in c.data and "expected" in c.data), None
    )
    if survival is not None:
        t = np.arange(1, len(survival["survival"]) + 1)
        right.plot(t, survival["expected"], "k-", label="exp(-h t)")
        right.plot(t, survival["survival"], "o", ms=3, label="truce.breaks_down")
        right.set(xlabel="days", ylabel="share holding", title="Constant hazard h = 1/14 per day")
        right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _gains_figure(report: Report) -> Any:
    data = report.calibration_data
    if "per_window_gains" not in data:
        return None
    fig, ax = _figure()
    ax.hist(data["per_window_gains"], bins=60, color="tab:blue", alpha=0.7, density=True)
    means = [t["mean_km2"] for t in data["trackers"].values()]
    ax.axvspan(
        min(means),
        max(means),
        color="0.9",
        zorder=0,
        label=f"trackers' mean month {min(means):.0f}-{max(means):.0f}",
    )
    for i, (tracker, values) in enumerate(data["tracker_months"].items()):
        ax.plot(
            values, [0] * len(values), "v", ms=9, color=f"C{i + 1}", label=tracker, clip_on=False
        )
    ax.axvline(float(np.median(data["per_world_gains"])), color="k", ls="--", label="model median")
    ax.set_xlim(*np.quantile(data["per_window_gains"], [0.001, 0.999]))
    ax.set(
        xlabel="Russian gain, km²/month (12 consecutive 30-day windows, talks off)",
        ylabel="density",
        title="Monthly gains: model worlds vs the trackers' months, Mar 2024 - Feb 2025",
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _kaplan_meier(durations: np.ndarray, ended: np.ndarray, days: int) -> np.ndarray:
    """Kaplan-Meier survival on days 1..days (the estimator of ceasefire_sim.survival)."""
    from ceasefire_sim.survival import survival_at

    return survival_at(np.minimum(durations, days), ended, np.arange(1, days + 1))


def _truce_figure(report: Report) -> Any:
    durations = report.calibration_data.get("durations", {})
    if not durations:
        return None
    fig, ax = _figure()
    labels = {
        "bare": "30-day truce, no guarantees",
        "none": "indefinite, no guarantees",
        "us_backed": "indefinite, US-backed guarantee",
        "european_force": "indefinite, European force",
    }
    days = 90
    for name, (d, ended) in durations.items():
        if len(d) == 0:
            continue
        horizon = 29 if name == "bare" else days
        curve = _kaplan_meier(d, ended & (d <= horizon), horizon)
        ax.step(np.arange(1, horizon + 1), curve, where="post", label=f"{labels[name]} ({len(d)})")
    t = np.arange(0, days + 1)
    ax.plot(t, np.exp(-t / 14), "k:", label="mean two weeks, exp(-t/14)")
    ax.set(
        xlabel="days since the ceasefire started",
        ylabel="share holding",
        title="First ceasefires the sides agreed to (Kaplan-Meier)",
        ylim=(0, 1.02),
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _sensitivity_figure(report: Report) -> Any:
    from ceasefire_sim import metrics
    from ceasefire_sim.validation.sensitivity import OUTPUTS

    table = report.sobol.get("indices")
    if table is None or len(table) == 0:
        return None
    fig, axes = _figure(1, len(OUTPUTS), figsize=(16, 4.2), sharey=True)
    for ax, output in zip(np.atleast_1d(axes), OUTPUTS, strict=True):
        rows = table[table["output"] == output]
        y = np.arange(len(rows))
        ax.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="S1", color="tab:blue")
        ax.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="ST", color="tab:orange")
        ax.set_yticks(y, [_short(p) for p in rows["parameter"]])
        ax.axvline(0, color="0.5", lw=0.8)
        ax.set(title=metrics.label(output), xlim=(-0.2, 1.0))
        ax.invert_yaxis()
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def _short(path: str) -> str:
    return path.removeprefix("belligerents.").replace("preferences.", "").replace("belief.", "")


def write_report(report: Report, out: str | Path) -> list[Path]:
    """Write the markdown, its figures and the history table (``history.csv``).

    The figures and the table go in a folder named like the file, without ``.md``.

    Returns:
        The files written, the markdown last.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    figures = write_figures(report, out.with_suffix(""))
    links = {name: f"{out.stem}/{path.name}" for name, path in figures.items()}
    tables = []
    if report.history:
        from ceasefire_sim.validation.history import history_csv

        table = out.with_suffix("") / "history.csv"
        table.parent.mkdir(parents=True, exist_ok=True)
        _atomic_text(history_csv(report.history), table)
        tables.append(table)
    _atomic_text(render_markdown(report, links), out)
    return [*figures.values(), *tables, out]
