"""The calibration: observations cut before a date, the simulator, the posterior kind, the CLI."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from ceasefire_sim import data
from ceasefire_sim.calibration.observations import load_observations
from ceasefire_sim.calibration.simulator import Calendar, simulate_months
from ceasefire_sim.cli import main
from ceasefire_sim.errors import ScenarioError
from ceasefire_sim.scenario.loader import load_scenario
from tests.conftest import BASELINE, ROOT

SPEC = ROOT / "scenarios" / "calibration" / "front.yaml"


def run_main(capsys, *args: object) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_observations_stop_before_the_cut():
    obs = load_observations("2024-07-01")
    assert str(obs.months[0]) == "2023-01" and str(obs.months[-1]) == "2024-06"
    assert obs.gains.shape == (18, 5)
    # liveuamap's redraw months are dropped (+319 km² on 2023-11-20, -212/+241 late Jul 2024)
    assert np.isnan(obs.gains.loc[pd.Period("2023-11", "M"), "liveuamap_km2"])
    full = load_observations()
    assert np.isnan(full.gains.loc[pd.Period("2024-07", "M"), "liveuamap_km2"])
    assert str(full.months[-1]) == "2025-02"
    with pytest.raises(ValueError, match="after the start date"):
        load_observations("2025-03-14")


def _poisoned(monkeypatch, cut: pd.Timestamp) -> list[pd.Timestamp]:
    """Make every figure dated on or after ``cut`` absurd, and record the latest date returned."""
    seen: list[pd.Timestamp] = []
    gains, area, casualties = (
        data.russian_gains_monthly,
        data.liveuamap_area_daily,
        data.russian_casualties_daily,
    )

    def gains_poisoned() -> pd.DataFrame:
        frame = gains()
        late = [m.end_time.normalize() >= cut for m in frame.index]
        frame.loc[late] = 1e7
        return frame

    def daily(loader):
        def poisoned() -> pd.Series:
            series = loader().copy()
            series[series.index >= cut] = -1e7
            seen.append(series.index.max())
            return series

        return poisoned

    monkeypatch.setattr(data, "russian_gains_monthly", gains_poisoned)
    monkeypatch.setattr(data, "liveuamap_area_daily", daily(area))
    monkeypatch.setattr(data, "russian_casualties_daily", daily(casualties))
    return seen


def test_calibrate_until_reads_nothing_dated_on_or_after_the_cut(tmp_path, capsys, monkeypatch):
    args = ("calibrate", SPEC, "--until", "2024-04-01", "--population", 20, "--generations", 1)
    code, _, _ = run_main(capsys, *args, "-o", tmp_path / "clean")
    assert code == 0
    seen = _poisoned(monkeypatch, pd.Timestamp("2024-04-01"))
    code, _, _ = run_main(capsys, *args, "-o", tmp_path / "poisoned")
    assert code == 0
    # the loaders were used, and what they gave after the cut changed nothing
    assert seen
    for name in ("posterior.csv", "forecast.csv"):
        assert (tmp_path / "clean" / name).read_bytes() == (
            tmp_path / "poisoned" / name
        ).read_bytes()
    stats = json.loads((tmp_path / "poisoned" / "diagnostics.json").read_text())["statistics"]
    assert all(abs(s["observed"]) < 1e6 for s in stats.values())


def test_calibrate_writes_the_posterior_and_is_reproducible(tmp_path, capsys):
    args = ("calibrate", SPEC, "--until", "2025-01-01", "--population", 20, "--generations", 2)
    code, out, _ = run_main(capsys, *args, "-o", tmp_path / "a")
    assert code == 0 and "effective sample size" in out
    posterior = pd.read_csv(tmp_path / "a" / "posterior.csv")
    assert len(posterior) == 20
    assert set(posterior["front.initial_offensive_probability"]) <= {0.0, 1.0}
    assert posterior["weight"].sum() == pytest.approx(1.0)
    diagnostics = json.loads((tmp_path / "a" / "diagnostics.json").read_text())
    assert diagnostics["until"] == "2025-01-01"
    assert (tmp_path / "a" / "predictive.png").stat().st_size > 0
    code, out, _ = run_main(
        capsys, *args, "-o", tmp_path / "b", "--expect", tmp_path / "a" / "posterior.csv"
    )
    assert code == 0 and "equals" in out
    # another seed gives another posterior, and --expect says so with status 1
    other = tmp_path / "other.yaml"
    other.write_text(
        SPEC.read_text()
        .replace("seed: 1", "seed: 2")
        .replace("../white_house", str(ROOT / "scenarios" / "white_house"))
    )
    code, out, _ = run_main(
        capsys,
        "calibrate",
        other,
        "--until",
        "2025-01-01",
        "--population",
        20,
        "--generations",
        2,
        "-o",
        tmp_path / "c",
        "--expect",
        tmp_path / "a" / "posterior.csv",
    )
    assert code == 1 and "DIFFERS" in out


def test_calibrate_refuses_bad_input(tmp_path, capsys):
    code, _, err = run_main(capsys, "calibrate", SPEC, "--until", "2025-04-01", "-o", tmp_path)
    assert code == 2 and "start date" in err and "Traceback" not in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPEC.read_text().replace("front.offensive_days:", "front.defender_advantage:"))
    code, _, err = run_main(capsys, "calibrate", bad, "-o", tmp_path / "o")
    assert code == 2 and "cannot fit front.defender_advantage" in err


def test_backtest_writes_the_table_and_the_figure(tmp_path, capsys):
    code, out, _ = run_main(
        capsys,
        "backtest",
        BASELINE,
        "--origins",
        "2024-10-01",
        "--population",
        20,
        "--generations",
        1,
        "-o",
        tmp_path,
    )
    assert code == 0 and "gain_km2" in out
    table = pd.read_csv(tmp_path / "backtest.csv")
    for column in (
        "origin",
        "month",
        "observed",
        "pit",
        "in50",
        "in90",
        "crps",
        "crps_climatology",
        "crps_persistence",
    ):
        assert column in table.columns
    gains = table[table["series"] == "gain_km2"]
    # Oct 2024 - Feb 2025: five months, all with trackers; never a month after Feb 2025
    assert list(gains["month"]) == ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]
    assert gains["observed"].iloc[1] == pytest.approx((725 + 702.1 + 730 + 715.2) / 4, abs=1.0)
    assert table["pit"].between(0, 1).all() and (table["crps"] >= 0).all()
    assert (tmp_path / "backtest.png").stat().st_size > 0
    assert "| 2024-10-01 | 2024-11 | 718 |" in (tmp_path / "backtest.md").read_text()


def test_simulator_matches_the_model_with_the_force_ratio_held():
    """The month-by-month simulator against the model, talks off, forces held at the reference."""
    from ceasefire_sim.api import simulate

    theta = {
        "front.initial_gain_km2_per_month": 360.0,
        "front.offensive_days": 90.0,
        "front.consolidation_days": 60.0,
        "front.consolidation_tempo": 0.1,
        "front.phase_intensity_sd": 0.6,
        "front.seasonal_amplitude": 0.0,
        "front.noise_scale_km2": 5.0,
        "front.casualty_tempo_share": 0.3,
        "belligerents.russia.casualties_per_day": 1400.0,
    }
    held = {
        "belligerents.russia.permanent_loss_share": 0.0,
        "belligerents.ukraine.permanent_loss_share": 0.0,
        "belligerents.russia.recruitment_per_day": 0.0,
        "belligerents.ukraine.recruitment_per_day": 0.0,
        "belligerents.russia.defence_share_pct": 7.15,
    }
    n = 1500
    scenario = load_scenario(
        BASELINE,
        {"talks.enabled": False, **theta, **held, "front.initial_offensive_probability": 0.6},
    )
    run = simulate(scenario, worlds=n, seed=5, days=365, narrative_worlds=0, keep_trajectories=True)
    control = run.trajectories["control_km2"].astype(float)
    model_gain = (control[365] - control[0]) / 365
    model_casualties = run.trajectories["casualties_russia"][365].astype(float) / 365
    calendar = Calendar(pd.period_range("2025-03", "2026-02", freq="M"))
    rng = np.random.default_rng(3)
    fixed = {"front.noise_df": 3.0, "front.seasonal_peak_day_of_year": 290.0}
    sim_gain, sim_casualties = np.empty(n), np.empty(n)
    for i in range(n):
        gains, casualties, _ = simulate_months(theta, fixed, calendar, rng)
        sim_gain[i] = gains.sum() / calendar.n_days
        sim_casualties[i] = (casualties * calendar.days_in_month).sum() / calendar.n_days
    for model_x, sim_x in ((model_gain, sim_gain), (model_casualties, sim_casualties)):
        se_mean = np.hypot(model_x.std(), sim_x.std()) / np.sqrt(n)
        assert abs(model_x.mean() - sim_x.mean()) < 4 * se_mean
        se_sd = np.hypot(model_x.std(), sim_x.std()) / np.sqrt(2 * n)
        assert abs(model_x.std() - sim_x.std()) < 4 * se_sd


def _write_posterior(folder, rows: int = 200) -> None:
    rng = np.random.default_rng(0)
    a = rng.uniform(60, 120, rows)
    frame = pd.DataFrame(
        {"front.offensive_days": a, "front.consolidation_days": a / 2, "weight": np.ones(rows)}
    )
    frame.loc[: rows // 2 - 1, "weight"] = 0.0  # the first half is never drawn
    frame.to_csv(folder / "post.csv", index=False)


def test_posterior_values_are_drawn_jointly_relative_to_the_scenario(tmp_path):
    from ceasefire_sim.api import simulate

    folder = tmp_path / "s"
    folder.mkdir()
    _write_posterior(tmp_path)
    scenario_file = folder / "x.yaml"
    scenario_file.write_text(
        f"extends: {BASELINE}\n"
        "front:\n"
        "  offensive_days: {dist: posterior, file: ../post.csv, column: front.offensive_days,"
        " source: test}\n"
        "  consolidation_days: {dist: posterior, file: ../post.csv,"
        " column: front.consolidation_days, source: test}\n"
    )
    outcomes = simulate(load_scenario(scenario_file), worlds=300, seed=1, days=1).outcomes
    offensive = outcomes["front.offensive_days"].to_numpy()
    # one row per world for both columns: the correlation of the draws is kept
    np.testing.assert_allclose(outcomes["front.consolidation_days"].to_numpy(), offensive / 2)
    frame = pd.read_csv(tmp_path / "post.csv")
    allowed = set(frame.loc[frame["weight"] > 0, "front.offensive_days"])
    assert set(offensive) <= allowed and len(set(offensive)) > 50


def test_posterior_value_with_a_missing_file_or_column_is_an_error(tmp_path):
    _write_posterior(tmp_path)
    scenario_file = tmp_path / "x.yaml"
    for file, column, words in (
        ("nope.csv", "front.offensive_days", "not found"),
        ("post.csv", "front.bogus", "no column 'front.bogus'"),
    ):
        scenario_file.write_text(
            f"extends: {BASELINE}\nfront:\n  offensive_days: {{dist: posterior, file: {file},"
            f" column: {column}, source: test}}\n"
        )
        with pytest.raises(ScenarioError, match=words):
            load_scenario(scenario_file)


def test_spec_until_cannot_pass_the_start_date():
    from ceasefire_sim.calibration.spec import CalibrationError, load_spec

    assert load_spec(SPEC).until == dt.date(2025, 3, 13)
    with pytest.raises(CalibrationError, match="start date"):
        load_spec(SPEC, until=dt.date(2025, 6, 1))


def test_posterior_column_outside_the_allowed_range_is_an_error(tmp_path):
    pd.DataFrame({"share": [0.2, 1.4]}).to_csv(tmp_path / "post.csv", index=False)
    scenario_file = tmp_path / "x.yaml"
    scenario_file.write_text(
        f"extends: {BASELINE}\nfront:\n  consolidation_tempo: {{dist: posterior, file: post.csv,"
        " column: share, source: test}\n"
    )
    with pytest.raises(ScenarioError, match="must be <= 1"):
        load_scenario(scenario_file)


def test_tracker_error_is_the_pooled_spread_of_the_trackers_before_the_cut():
    obs = load_observations("2024-04-01")
    several = obs.gains[obs.trackers >= 2]
    # by hand: Feb 2023 (ISW 234, War Mapper 85), Aug 2023 (-35, -125), Jan-Mar 2024
    pooled = np.sqrt(
        sum((row.count() - 1) * row.var(ddof=1) for _, row in several.iterrows())
        / sum(row.count() - 1 for _, row in several.iterrows())
    )
    assert obs.tracker_error_sd() == pytest.approx(pooled)
    assert 20 < obs.tracker_error_sd() < 150
    with pytest.raises(ValueError, match="two trackers"):
        load_observations("2023-02-01").tracker_error_sd()


def test_regime_statistics_tell_short_phases_from_long_ones():
    """Long phases make neighbouring months alike: fewer runs, longer high runs, smoother months."""
    from ceasefire_sim.calibration.simulator import STATISTICS, statistics_of

    months = pd.period_range("2023-01", "2025-02", freq="M")
    calendar = Calendar(months)
    fixed = {"front.noise_df": 3.0, "front.seasonal_peak_day_of_year": 290.0}
    base = {
        "front.initial_gain_km2_per_month": 400.0,
        "front.consolidation_tempo": 0.1,
        "front.phase_intensity_sd": 0.5,
        "front.seasonal_amplitude": 0.0,
        "front.noise_scale_km2": 3.0,
        "front.casualty_tempo_share": 0.3,
        "belligerents.russia.casualties_per_day": 1400.0,
    }
    rng = np.random.default_rng(11)

    def mean_statistics(days: float) -> dict[str, float]:
        theta = {**base, "front.offensive_days": days, "front.consolidation_days": days}
        stats = [
            statistics_of(*simulate_months(theta, fixed, calendar, rng)[:2], months)
            for _ in range(300)
        ]
        return dict(zip(STATISTICS, np.mean(stats, axis=0), strict=True))

    short, long = mean_statistics(20.0), mean_statistics(200.0)
    assert long["residual_runs"] < short["residual_runs"] - 0.1
    assert long["residual_lag1"] > short["residual_lag1"] + 0.2
    assert long["longest_high_run"] > short["longest_high_run"]


def test_casualty_level_is_the_level_at_the_cut():
    """With a casualty trend the fitted level is the rate at the cut, the rate a run goes on at."""
    months = pd.period_range("2023-01", "2025-02", freq="M")
    calendar = Calendar(months)
    fixed = {"front.noise_df": 3.0, "front.seasonal_peak_day_of_year": 290.0}
    theta = {
        "front.initial_gain_km2_per_month": 400.0,
        "front.offensive_days": 90.0,
        "front.consolidation_days": 60.0,
        "front.consolidation_tempo": 0.1,
        "front.phase_intensity_sd": 0.5,
        "front.seasonal_amplitude": 0.0,
        "front.noise_scale_km2": 3.0,
        "front.casualty_tempo_share": 0.0,
        "belligerents.russia.casualties_per_day": 1500.0,
        "casualty_trend_per_year": 0.4,
    }
    cut = calendar.n_days - 30
    _, casualties, _ = simulate_months(
        theta, fixed, calendar, np.random.default_rng(0), cut_day=cut
    )
    # no tempo share: the rate is the trend line, 1,500 from the cut on, 1,500 x (1 - 0.4 t) t
    # years before it
    assert casualties[-1] == pytest.approx(1500.0, rel=1e-9)
    january = months.get_loc(pd.Period("2024-01", "M"))
    first = calendar.month_starts[january]
    years_before = (cut - np.arange(first, first + 31)) / 365.25
    assert casualties[january] == pytest.approx(1500 * (1 - 0.4 * years_before.mean()), rel=1e-9)


def test_backtest_acceptance_checks_coverage_and_both_references(tmp_path, capsys):
    from ceasefire_sim.calibration.acceptance import backtest_checks
    from ceasefire_sim.calibration.acceptance import main as acceptance

    good = {"months": 20, "coverage_90": 0.9, "crps": 100.0, "crps_climatology": 150.0}
    summary = {"gain_km2": {**good, "crps_persistence": 95.0}}
    assert all(passed for _, passed in backtest_checks(summary))
    for change in (
        {"coverage_90": 1.0},  # too wide
        {"coverage_90": 0.7},  # too narrow
        {"crps_climatology": 99.0},  # worse than climatology
        {"crps_persistence": 90.0},  # more than 10% worse than persistence
    ):
        bad = {"gain_km2": {**good, "crps_persistence": 95.0, **change}}
        assert not all(passed for _, passed in backtest_checks(bad)), change
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({"casualties_per_day": {**good, "crps_persistence": 80.0}}))
    assert acceptance([str(path)]) == 1
    assert "FAIL  casualties_per_day: mean CRPS 1.25 x persistence" in capsys.readouterr().out


def test_fit_acceptance_checks_the_gain_scale_and_every_regime_parameter():
    from ceasefire_sim.calibration.acceptance import checks

    shrunk = (
        "front.initial_gain_km2_per_month",
        "front.offensive_days",
        "front.consolidation_days",
        "front.consolidation_tempo",
        "front.phase_intensity_sd",
        "front.seasonal_amplitude",
    )
    diagnostics = {
        "effective_sample_size": 600.0,
        "parameters": {name: {"sd_ratio": 0.7} for name in shrunk},
        "predictive": {"gain_coverage_90": 0.9, "gain_months": 24},
    }
    assert all(passed for _, passed in checks(diagnostics))
    for name in shrunk:
        unshrunk = {**diagnostics["parameters"], name: {"sd_ratio": 0.85}}
        failed = [
            text for text, passed in checks({**diagnostics, "parameters": unshrunk}) if not passed
        ]
        assert failed == [f"{name}: posterior s.d. 0.85 x prior (at most 0.8)"]
        missing = {k: v for k, v in diagnostics["parameters"].items() if k != name}
        failed = [
            text for text, passed in checks({**diagnostics, "parameters": missing}) if not passed
        ]
        assert failed == [f"{name} is not fitted"]
    for change in ({"effective_sample_size": 499.0},):
        assert not all(passed for _, passed in checks({**diagnostics, **change}))
    for coverage in (0.75, 1.0):
        predictive = {"gain_coverage_90": coverage, "gain_months": 24}
        assert not all(passed for _, passed in checks({**diagnostics, "predictive": predictive}))


def test_casualty_level_adjustment_removes_the_spread_the_tolerance_leaves():
    from ceasefire_sim.calibration.fit import casualty_level_adjustment

    rng = np.random.default_rng(4)
    n = 2000
    deviations = rng.uniform(-1, 1, (n, 3))
    # The level moves with the first statistic (what the tolerance lets through) and carries
    # its own spread of 2% that no statistic explains.
    truth = np.log(1400.0)
    level = np.exp(truth + 0.2 * deviations[:, 0] + 0.02 * rng.standard_normal(n))
    weights = np.full(n, 1.0 / n)
    factor, summary = casualty_level_adjustment(level, weights, deviations, 600.0, 2200.0)
    adjusted = level * factor
    assert summary["sd_before"] == pytest.approx(np.std(level), rel=1e-6)
    # Adjusted: the 2% spread about the level at the observed statistics, not the 12% before.
    assert np.std(np.log(adjusted)) == pytest.approx(0.02, rel=0.1)
    assert np.mean(np.log(adjusted)) == pytest.approx(truth, abs=0.005)
    assert summary["r_squared"] > 0.9
    # Kept within the prior.
    high, _ = casualty_level_adjustment(level * 1.5, weights, deviations, 600.0, 2200.0)
    assert np.max(level * 1.5 * high) <= 2200.0 * (1 + 1e-12)
