"""``ceasefire-sim calibrate`` and ``ceasefire-sim backtest``: fit the front, and test its forecasts.

Exit status: 0 on success, 1 if ``--expect`` differs from the posterior written, 2 on bad input.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ceasefire_sim.errors import InputError

#: The shipped calibration spec (backtests refit it).
DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "scenarios" / "calibration" / "front.yaml"


def _date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InputError(f"{what} {value!r} is not a date (write YYYY-MM-DD)") from exc


def _sizes(spec, population: int | None, generations: int | None):
    updates = {}
    if population is not None:
        updates["population"] = population
    if generations is not None:
        updates["generations"] = generations
    return spec.model_copy(update=updates) if updates else spec


@click.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--until", default=None, help="Fit to months ending before this date (YYYY-MM-DD).")
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder: posterior.csv, forecast.csv, diagnostics.json, predictive.png, abc.db.",
)
@click.option(
    "--population", type=click.IntRange(10), default=None, help="Particles (default: the spec's)."
)
@click.option(
    "--generations", type=click.IntRange(1), default=None, help="Generations (default: the spec's)."
)
@click.option(
    "--expect",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Posterior file the result must equal byte for byte (exit 1 if not).",
)
def calibrate(
    spec: Path,
    until: str | None,
    out: Path,
    population: int | None,
    generations: int | None,
    expect: Path | None,
) -> None:
    """Fit the spec's parameters to the series before UNTIL with ABC-SMC (pyabc, one core)."""
    from ceasefire_sim.calibration.fit import run_abc, write_fit
    from ceasefire_sim.calibration.spec import load_spec

    loaded = _sizes(
        load_spec(spec, until=_date(until, "--until") if until else None), population, generations
    )
    fit = run_abc(loaded, out)
    written = write_fit(fit, out)
    d = fit.diagnostics
    click.echo(
        f"{d['generations']} generations, {d['simulations']} simulations, "
        f"effective sample size {d['effective_sample_size']:.0f}"
    )
    for name, entry in d["parameters"].items():
        click.echo(
            f"  {name}: mean {entry['posterior_mean']:.4g}, s.d. {entry['posterior_sd']:.3g} "
            f"({entry['sd_ratio']:.2f} x prior)"
        )
    p = d["predictive"]
    click.echo(
        f"90% posterior-predictive band holds {p['gain_coverage_90']:.0%} of {p['gain_months']} "
        f"tracker months and {p['casualty_coverage_90']:.0%} of {p['casualty_months']} casualty months"
    )
    click.echo("wrote " + ", ".join(str(w) for w in written))
    if expect is not None:
        same = expect.read_bytes() == written[0].read_bytes()
        click.echo(f"{written[0]} {'equals' if same else 'DIFFERS FROM'} {expect} byte for byte")
        if not same:
            raise click.exceptions.Exit(1)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--origins", required=True, help="Comma-separated forecast origins (YYYY-MM-DD).")
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder: backtest.csv, summary.json, backtest.png and one fit per origin.",
)
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_SPEC,
    show_default=True,
    help="Calibration spec refitted before each origin.",
)
@click.option(
    "--months", type=click.IntRange(6, 12), default=6, show_default=True, help="Months forecast."
)
@click.option(
    "--population", type=click.IntRange(10), default=None, help="Particles (default: the spec's)."
)
@click.option(
    "--generations", type=click.IntRange(1), default=None, help="Generations (default: the spec's)."
)
def backtest(
    scenario: Path,
    origins: str,
    out: Path,
    spec_path: Path,
    months: int,
    population: int | None,
    generations: int | None,
) -> None:
    """Refit before each origin and score the forecast months against the trackers."""
    from ceasefire_sim.calibration.backtest import run_backtest
    from ceasefire_sim.calibration.spec import load_spec

    dates = [_date(o, "origin") for o in origins.split(",") if o.strip()]
    if not dates:
        raise InputError("--origins needs at least one date")
    spec = _sizes(load_spec(spec_path), population, generations)
    spec = spec.model_copy(update={"scenario": str(scenario.resolve())})
    for origin in dates:
        if origin > spec.until:
            raise InputError(f"origin {origin} is after the start date {spec.until}")
    _, summary = run_backtest(
        spec, dates, out, horizon_months=months, progress=lambda m: click.echo(m, err=True)
    )
    for series, s in summary.items():
        click.echo(
            f"{series}: {s['months']} months, 90% intervals hold {s['coverage_90']:.0%}, "
            f"50% hold {s['coverage_50']:.0%}; mean CRPS {s['crps']:.4g} "
            f"(climatology {s['crps_climatology']:.4g}, persistence {s['crps_persistence']:.4g})"
        )
    click.echo(f"wrote {out / 'backtest.csv'}, {out / 'backtest.png'}")
