"""Daily series per sweep point (``daily_series: true``)."""

import numpy as np
import pandas as pd
import pytest

from ceasefire_sim import simulate
from ceasefire_sim.errors import SweepError
from ceasefire_sim.model.model import STATUS_NAMES
from ceasefire_sim.scenario.loader import numeric_paths
from ceasefire_sim.sweep.export import from_xarray, to_xarray
from ceasefire_sim.sweep.runner import SweepResult, run_sweep
from ceasefire_sim.sweep.series import series_columns
from ceasefire_sim.sweep.spec import sweep_from_dict
from tests.test_sweep_spec import tiny_spec


@pytest.fixture(scope="module")
def base_aid(baseline):
    return numeric_paths(baseline)["mediator.aid_bn_per_year"].value


@pytest.fixture(scope="module")
def spec(base_aid):
    # Three points of 40 worlds, two points per chunk: the series of both chunks are joined.
    return tiny_spec(
        method="grid",
        worlds=40,
        chunk_size=80,
        daily_series=True,
        parameters={"mediator.aid_bn_per_year": {"values": [base_aid, 0.0, 10.0]}},
    )


@pytest.fixture(scope="module")
def result(spec, tmp_path_factory):
    return run_sweep(sweep_from_dict(spec), workers=1, out=tmp_path_factory.mktemp("s") / "out")


def test_series_has_a_row_per_point_and_day(result):
    series = result.series
    assert list(series.columns) == series_columns()
    assert len(series) == 3 * 41
    assert series["point"].tolist() == np.repeat([0, 1, 2], 41).tolist()
    shares = series[[f"share_{name}" for name in STATUS_NAMES]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)
    for q in ("control_km2", "casualties_russia"):
        assert (series[f"{q}_p05"] <= series[f"{q}_p50"]).all()
        assert (series[f"{q}_p50"] <= series[f"{q}_p95"]).all()


def test_a_point_at_the_base_values_has_the_plain_runs_daily_series(result, baseline, spec):
    plain = simulate(baseline, worlds=40, seed=spec["seed"], days=spec["days"]).daily
    point = result.series[result.series["point"] == 0].reset_index(drop=True)
    for name in STATUS_NAMES:
        np.testing.assert_array_equal(point[f"share_{name}"], plain[f"share_{name}"])
    for column in ("control_km2_p05", "control_km2_p50", "casualties_ukraine_p95"):
        # Trajectories are kept in float32: equal to about 7 significant digits.
        np.testing.assert_allclose(point[column], plain[column], rtol=1e-6)
    # ... and the other points differ (aid reaches the front with the pipeline's lag, so the
    # difference over 40 days is small, but it is there).
    other = result.series[result.series["point"] == 1].reset_index(drop=True)
    assert not np.array_equal(other["control_km2_p50"], point["control_km2_p50"])


def test_series_is_loaded_and_exported(result):
    loaded = SweepResult.load(result.out)
    pd.testing.assert_frame_equal(loaded.series, result.series)
    dataset = to_xarray(result)
    assert dataset["control_km2_p50"].dims == ("point", "day")
    assert dataset.sizes["day"] == 41
    np.testing.assert_array_equal(
        dataset["share_war"].sel(point=2).to_numpy(),
        result.series.loc[result.series["point"] == 2, "share_war"].to_numpy(),
    )
    _, summary, _ = from_xarray(dataset)
    pd.testing.assert_frame_equal(
        summary.reset_index(drop=True),
        result.summary.sort_values("point").reset_index(drop=True),
        check_dtype=False,
    )


def test_resume_recomputes_a_chunk_whose_series_is_lost(result, spec):
    (result.out / "series" / "chunk-00001.parquet").unlink()
    resumed = run_sweep(sweep_from_dict(spec), workers=1, out=result.out, resume=True)
    assert resumed.computed_chunks == [1]
    assert resumed.reused_chunks == [0]
    pd.testing.assert_frame_equal(resumed.series, result.series)


def test_daily_series_is_opt_in_and_keeps_old_hashes(spec):
    without = {k: v for k, v in spec.items() if k != "daily_series"}
    assert sweep_from_dict(without).hash == sweep_from_dict({**without, "daily_series": False}).hash
    assert sweep_from_dict(without).hash != sweep_from_dict(spec).hash
    assert run_sweep(sweep_from_dict(without), workers=1).series is None


def test_a_chunk_too_large_for_daily_series_is_refused(spec):
    with pytest.raises(SweepError) as info:
        sweep_from_dict({**spec, "worlds": 400_000, "chunk_size": 400_000, "days": 365})
    assert any(p.path == "chunk_size" and "daily_series" in p.message for p in info.value.problems)
