"""Exports of a sweep: EMA's (experiments, outcomes) and xarray round-trip it; CSV and Stata
files come with a codebook naming every column's unit; the export command end to end."""

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT

from ceasefire_sim import metrics
from ceasefire_sim.cli import main
from ceasefire_sim.sweep.export import (
    STATA_NAME_LENGTH,
    codebook,
    export_tables,
    from_ema,
    from_xarray,
    short_names,
    to_ema,
    to_xarray,
)
from ceasefire_sim.sweep.runner import SweepResult, run_sweep


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    spec = {
        "name": "export",
        "scenario": str(ROOT / "scenarios" / "white_house_2025-03-13.yaml"),
        "method": "random",
        "samples": 3,
        "worlds": 16,
        "days": 45,
        "seed": 2,
        "levers": {"alliance.aid_share_gdp_pct": {"values": [0.04, 0.16]}},
        "uncertainties": {
            "belligerents.russia.belief.prior_mean_km2_per_day": {"low": 0, "high": 25},
            "belligerents.ukraine.belief.prior_mean_km2_per_day": {"low": -5, "high": 10},
        },
    }
    path = tmp / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    run_sweep(path, workers=1, out=tmp / "out")
    return SweepResult.load(tmp / "out")


def parameters(result):
    return [p["path"] for p in result.manifest["parameters"]]


def test_ema_round_trip(sweep):
    experiments, outcomes = to_ema(sweep)
    assert list(experiments.columns[-3:]) == ["scenario", "policy", "model"]
    assert experiments["policy"].nunique() == 2 and experiments["scenario"].nunique() == 3
    # Each policy meets each scenario once.
    assert len(experiments.groupby(["policy", "scenario"])) == len(experiments)
    assert set(outcomes) >= {"p_ceasefire_45", "p_ceasefire_45_low", "worlds"}
    points, summary = from_ema(experiments, outcomes, parameters(sweep))
    pd.testing.assert_frame_equal(points, sweep.points.reset_index(drop=True))
    pd.testing.assert_frame_equal(summary, sweep.summary.reset_index(drop=True))


def test_xarray_round_trip(sweep, tmp_path):
    ds = to_xarray(sweep)
    assert ds.sizes == {"point": 6}
    assert ds["alliance.aid_share_gdp_pct"].attrs["role"] == "lever"
    assert ds["p_ceasefire_30"].attrs["unit"] == "share"
    assert (
        ds["mean_casualties_russia"].attrs["label"] == metrics.get("mean_casualties_russia").label
    )
    points, summary, manifest = from_xarray(ds)
    pd.testing.assert_frame_equal(points, sweep.points.reset_index(drop=True))
    pd.testing.assert_frame_equal(summary, sweep.summary.reset_index(drop=True))
    assert manifest == sweep.manifest
    # Through a netCDF file too.
    import xarray as xr

    ds.to_netcdf(tmp_path / "s.nc")
    with xr.open_dataset(tmp_path / "s.nc") as back:
        _, summary2, _ = from_xarray(back.load())
    pd.testing.assert_frame_equal(summary2, sweep.summary.reset_index(drop=True), check_dtype=False)


def test_short_names_are_safe_and_unique():
    columns = [
        "belligerents.russia.belief.prior_mean_km2_per_day",
        "belligerents.ukraine.belief.prior_mean_km2_per_day",
        "median_first_ceasefire_day_given_ceasefire_low",
        "median_first_ceasefire_day_given_ceasefire_high",
        "allies.*.willingness",
        "a" * 40,
        "a" * 41,
    ]
    names = short_names(columns)
    assert len(set(n.lower() for n in names.values())) == len(columns)
    for name in names.values():
        assert len(name) <= STATA_NAME_LENGTH
        assert name[0].isalpha() or name[0] == "_"
        assert all(c.isalnum() or c == "_" for c in name)
    assert names[columns[0]].startswith("rus") and names[columns[1]].startswith("ukr")


def test_codebook_units_from_the_registry(sweep):
    book = codebook(sweep.summary, "summary", 45).set_index("column")
    assert set(book.index) == set(sweep.summary.columns)
    for metric in metrics.metrics_for(45):
        assert book.loc[metric.name, "unit"] == metric.unit
        assert book.loc[metric.name, "label"] == metric.label
        assert book.loc[f"{metric.name}_low", "unit"] == metric.unit
    assert book.loc["belligerents.russia.belief.prior_mean_km2_per_day", "unit"] == "km²/day"


def test_export_tables_csv_and_stata(sweep, tmp_path):
    written = export_tables(sweep.out, tmp_path)
    assert {p.name for p in written} == {
        "summary.csv",
        "summary.dta",
        "worlds.csv",
        "worlds.dta",
        "codebook.csv",
    }
    csv = pd.read_csv(tmp_path / "summary.csv")
    np.testing.assert_allclose(csv["p_ceasefire_45"], sweep.summary["p_ceasefire_45"].to_numpy())
    book = pd.read_csv(tmp_path / "codebook.csv")
    dta = pd.read_stata(tmp_path / "summary.dta")
    names = book[book["table"] == "summary"]["name"].tolist()
    assert list(dta.columns) == names
    np.testing.assert_allclose(dta["p_ceasefire_45"], sweep.summary["p_ceasefire_45"].to_numpy())
    worlds = pd.read_stata(tmp_path / "worlds.dta")
    assert len(worlds) == 6 * 16
    with pd.io.stata.StataReader(tmp_path / "summary.dta") as reader:
        labels = reader.variable_labels()
    assert labels["p_ceasefire_45"] == "P(ceasefire by day 45)"


def test_export_command(sweep, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["export", str(sweep.out), "--to", "netcdf", "--to", "csv", "--out", str(tmp_path)])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "summary.nc" in out and "codebook.csv" in out


def test_every_outcome_column_of_a_run_has_a_label(baseline_300, tmp_path):
    book = codebook(baseline_300.outcomes, "outcomes", 365)
    unlabelled = book[book["label"] == book["column"]]["column"].tolist()
    assert unlabelled == []
    written = export_tables(baseline_300, tmp_path, ["stata"])
    assert (tmp_path / "outcomes.dta") in written
    back = pd.read_stata(tmp_path / "outcomes.dta")
    assert len(back) == len(baseline_300.outcomes)
