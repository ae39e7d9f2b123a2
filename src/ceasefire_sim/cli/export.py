"""The ``export`` command: a run or sweep as CSV, Stata/R files with a codebook, or netCDF."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("results_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--to",
    "formats",
    multiple=True,
    type=click.Choice(["csv", "stata", "netcdf"]),
    default=("csv", "stata"),
    show_default=True,
    help="Formats (repeatable): csv, stata (.dta, read by R's haven), netcdf (sweeps, xarray).",
)
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into.",
)
def export(results_dir: Path, formats: tuple[str, ...], out: Path) -> None:
    """Export the run or sweep in RESULTS_DIR, with codebook.csv naming every column's unit."""
    from ceasefire_sim.sweep.export import export_tables, to_xarray

    tables = [f for f in formats if f in ("csv", "stata")]
    written = export_tables(results_dir, out, tables) if tables else []
    if "netcdf" in formats:
        from ceasefire_sim.errors import SweepError
        from ceasefire_sim.plots import folder_kind

        if folder_kind(results_dir) != "sweep":
            raise SweepError("netcdf export takes a sweep folder; use csv or stata for a run")
        path = Path(out) / "summary.nc"
        path.parent.mkdir(parents=True, exist_ok=True)
        to_xarray(results_dir).to_netcdf(path)
        written.append(path)
    for path in written:
        click.echo(str(path))
