"""``ceasefire-sim validation-report --out docs/validation.md``: the validation suite (``make validate``).

Exit status: 0 if every gating check passes (closed forms, invariants), 1 if one fails, 2 on bad
input (no traceback). Yardsticks (calibration targets, levers) are printed as counts
(``levers: k/n pass``) and never change the status.
"""

from __future__ import annotations

from pathlib import Path

import click

from ceasefire_sim.validation import BASELINE, ValidationConfig


@click.command("validation-report")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("docs/validation.md"),
    show_default=True,
    help="Markdown file to write; figures go to a folder of the same name without .md.",
)
@click.option(
    "--scenario",
    type=click.Path(dir_okay=False, path_type=Path),
    default=BASELINE,
    show_default=True,
    help="Scenario to validate (the calibration targets are the baseline's).",
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option(
    "--quick",
    is_flag=True,
    help="Small sizes: runs in seconds, but the statistical checks are rough and may fail.",
)
def validation_report(out: Path, scenario: Path, seed: int, quick: bool) -> None:
    """Run the theory, calibration, sensitivity and lever checks and write the report."""
    from ceasefire_sim.validation.report import run_validation, write_report

    config = ValidationConfig.quick(seed) if quick else ValidationConfig(seed=seed)
    report = run_validation(
        config, scenario, progress=lambda message: click.echo(message, err=True)
    )
    written = write_report(report, out)
    for check in report.failed:
        click.echo(
            f"FAIL {check.section}: {check.name}: {check.model} (reference {check.reference})"
        )
    gating = report.gating
    click.echo(f"gating: {sum(c.passed for c in gating)} of {len(gating)} checks pass")
    for section, (k, n) in report.yardstick_counts().items():
        click.echo(f"{section}: {k}/{n} pass")
    click.echo(
        f"{sum(c.passed for c in report.checks)} of {len(report.checks)} checks pass; "
        f"wrote {written[-1]} and {len(written) - 1} figures and tables"
    )
    if not report.passed:
        raise click.exceptions.Exit(1)
