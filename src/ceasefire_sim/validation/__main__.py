"""``python -m ceasefire_sim.validation --out docs/validation.md``: the validation suite.

Exit status: 0 if every check passes, 1 if any fails, 2 on bad input (no traceback).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ceasefire_sim.errors import InputError
from ceasefire_sim.validation import BASELINE, ValidationConfig


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
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
def validate(out: Path, scenario: Path, seed: int, quick: bool) -> int:
    """Run the theory, calibration and sensitivity checks and write the report."""
    from ceasefire_sim.validation.report import run_validation, write_report

    config = ValidationConfig.quick(seed) if quick else ValidationConfig(seed=seed)
    report = run_validation(
        config, scenario, progress=lambda message: click.echo(message, err=True)
    )
    written = write_report(report, out)
    for check in report.checks:
        if not check.passed:
            click.echo(
                f"FAIL {check.section}: {check.name}: {check.model} (reference {check.reference})"
            )
    click.echo(
        f"{sum(c.passed for c in report.checks)} of {len(report.checks)} checks pass; "
        f"wrote {written[-1]} and {len(written) - 1} figures"
    )
    return 0 if report.passed else 1


def main(argv: list[str] | None = None) -> int:
    """Run the command and return its exit status; bad input gives ``error: ...`` and 2."""
    try:
        code = validate.main(
            args=argv, prog_name="python -m ceasefire_sim.validation", standalone_mode=False
        )
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
