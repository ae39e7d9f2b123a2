"""Run the validation suite and write the report: markdown tables and PNG figures.

:func:`run_validation` runs the three sections into a :class:`Report`; :func:`write_report`
renders it to ``docs/validation.md`` with its figures in ``docs/validation/``. The markdown holds
no timestamps, so regenerating it from unchanged code gives an unchanged file.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ceasefire_sim._version import __version__
from ceasefire_sim.results import _atomic_text, _atomic_write
from ceasefire_sim.scenario.loader import load_scenario, scenario_hash
from ceasefire_sim.validation import BASELINE, ROOT, Check, ValidationConfig

SECTIONS = ("theory", "calibration", "sensitivity")


@dataclass
class Report:
    """The outcome of a validation run.

    Attributes:
        config: Sizes and seed of the run.
        scenario_path: The scenario validated.
        theory: Theory checks.
        calibration: Calibration checks.
        sensitivity: The Sobol' estimator check and one row per output and parameter.
        calibration_data: Per-world gains, trackers and truce durations (for the figures).
        sobol: The Sobol' analysis (parameters, indices, noise shares, sizes).
        seconds: Wall-clock seconds per section (reported on the console, not in the file).
    """

    config: ValidationConfig
    scenario_path: Path
    theory: list[Check]
    calibration: list[Check]
    sensitivity: list[Check]
    calibration_data: dict[str, Any] = field(default_factory=dict)
    sobol: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def checks(self) -> list[Check]:
        """Every check, section by section."""
        return [*self.theory, *self.calibration, *self.sensitivity]

    @property
    def failed(self) -> list[Check]:
        """The checks that failed."""
        return [c for c in self.checks if not c.passed]

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return not self.failed


def run_validation(
    config: ValidationConfig | None = None,
    scenario_path: str | Path = BASELINE,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run the theory, calibration and sensitivity sections.

    Args:
        config: Sizes and seed (default: those of ``make validate``).
        scenario_path: The scenario to validate (the baseline by default; the calibration
            targets are those of the baseline's starting state).
        progress: Called with a short message as each section starts and ends.

    Raises:
        ScenarioError: If the scenario cannot be loaded or lacks a parameter the checks use.
    """
    from ceasefire_sim.validation.calibration import run_calibration
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
    return Report(
        config=config,
        scenario_path=path,
        theory=theory,
        calibration=calibration,
        sensitivity=sensitivity,
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


def _check_table(checks: list[Check]) -> list[str]:
    lines = ["| # | check | model | reference | result |", "|---|---|---|---|---|"]
    for i, c in enumerate(checks, 1):
        lines.append(
            f"| {i} | {_cell(c.name)} | {_cell(c.model)} | {_cell(c.reference)} | {_mark(c.passed)} |"
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
    lines = [
        "# Validation report",
        "",
        "<!-- Generated by `make validate` (ceasefire-sim validation-report --out "
        "docs/validation.md). Do not edit by hand. -->",
        "",
        "Why should you believe this model? This report checks it three ways, regenerated from "
        "the code by `make validate`, so it is always true of the current version: its pieces "
        "reproduce results known in closed form (**theory**), the baseline reproduces the "
        "sourced figures dated on or before 12 March 2025 (**calibration**), and the headline results "
        "are traced to the assumptions that drive them (**sensitivity**).",
        "",
        f"- ceasefire-sim {__version__}; scenario `{_relative(report.scenario_path)}` "
        f"(*{scenario.name}*, hash `{scenario_hash(scenario)[:12]}`); seed {cfg.seed}.",
        f"- Sizes: calibration {cfg.calibration_worlds:,} worlds; each truce run "
        f"{cfg.truce_worlds:,} worlds; model-based theory checks {cfg.theory_worlds:,} worlds; "
        f"Sobol' base sample {cfg.sobol_base} x {cfg.sobol_worlds_per_point} worlds per point "
        f"({report.sobol.get('worlds', 0):,} worlds).",
        f"- **Result: {n_pass} of {len(report.checks)} checks pass.**"
        + (
            " Failing: " + "; ".join(f"{c.section}: {c.name}" for c in report.failed) + "."
            if report.failed
            else ""
        ),
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
        "The baseline against every sourced target dated on or before 12 March 2025 (and the seed article's "
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
    return "\n".join(lines).rstrip() + "\n"


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
    from ceasefire_sim.validation.sensitivity import OUTPUTS, _num

    sobol = report.sobol
    params = sobol.get("parameters", [])
    estimator = [c for c in report.sensitivity if c.data.get("output") is None]
    rows = [c for c in report.sensitivity if c.data.get("output") is not None]
    lines = [
        "## 3. Sensitivity",
        "",
        f"Sobol' first-order (S1) and total (ST) indices, with 95% bootstrap half-widths, of "
        f"the headline outcomes over the ten most uncertain parameters. A Saltelli design of "
        f"{sobol.get('points', 0):,} points (base sample {report.config.sobol_base}) is run "
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
    if estimator:
        lines += [*_check_table(estimator), ""]
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
            f"### {output}",
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


# --------------------------------------------------------------------- figures
def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    _atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)


def write_figures(report: Report, directory: Path) -> dict[str, Path]:
    """Draw the report's figures as PNG files in ``directory``.

    Returns:
        Figure name -> file written.
    """
    import matplotlib

    matplotlib.use("Agg")
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, draw in (
        ("theory", _theory_figure),
        ("gains", _gains_figure),
        ("truces", _truce_figure),
        ("sensitivity", _sensitivity_figure),
    ):
        fig = draw(report)
        if fig is not None:
            path = directory / f"{name}.png"
            _save(fig, path)
            written[name] = path
    return written


def _theory_figure(report: Report) -> Any:
    import matplotlib.pyplot as plt

    from ceasefire_sim.validation.theory import fearon_bargaining_range, fearon_nash_split

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
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
    import matplotlib.pyplot as plt

    data = report.calibration_data
    if "per_window_gains" not in data:
        return None
    fig, ax = plt.subplots(figsize=(7, 3.6))
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
    at_risk = np.array([(durations >= t).sum() for t in range(1, days + 1)], dtype=float)
    events = np.array([((durations == t) & ended).sum() for t in range(1, days + 1)])
    with np.errstate(invalid="ignore", divide="ignore"):
        hazard = np.where(at_risk > 0, events / at_risk, 0.0)
    return np.cumprod(1 - hazard)


def _truce_figure(report: Report) -> Any:
    import matplotlib.pyplot as plt

    durations = report.calibration_data.get("durations", {})
    if not durations:
        return None
    fig, ax = plt.subplots(figsize=(7, 3.6))
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
    import matplotlib.pyplot as plt

    from ceasefire_sim.validation.sensitivity import OUTPUTS

    table = report.sobol.get("indices")
    if table is None or len(table) == 0:
        return None
    fig, axes = plt.subplots(1, len(OUTPUTS), figsize=(13, 4.2), sharey=True)
    for ax, output in zip(np.atleast_1d(axes), OUTPUTS, strict=True):
        rows = table[table["output"] == output]
        y = np.arange(len(rows))
        ax.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="S1", color="tab:blue")
        ax.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="ST", color="tab:orange")
        ax.set_yticks(y, [_short(p) for p in rows["parameter"]])
        ax.axvline(0, color="0.5", lw=0.8)
        ax.set(title=output, xlim=(-0.2, 1.0))
        ax.invert_yaxis()
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def _short(path: str) -> str:
    return path.removeprefix("belligerents.").replace("preferences.", "").replace("belief.", "")


def write_report(report: Report, out: str | Path) -> list[Path]:
    """Write the markdown and its figures (in a folder named like the file, without ``.md``).

    Returns:
        The files written, the markdown last.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    figures = write_figures(report, out.with_suffix(""))
    links = {name: f"{out.stem}/{path.name}" for name, path in figures.items()}
    _atomic_text(render_markdown(report, links), out)
    return [*figures.values(), out]
