"""Figures: each checked for what it shows (labels, units, series, the numbers drawn), three
against stored baseline images, and the `plot` command end to end."""

import json
import subprocess
import sys
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from make_baseline_images import (
    BASELINE_DIR,
    BASELINE_FIGURES,
    render,
    synthetic_results,
)
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images

from ceasefire_sim import SweepError
from ceasefire_sim.cli import main
from ceasefire_sim.errors import InputError
from ceasefire_sim.negotiation.space import BUILT_IN
from ceasefire_sim.plots import (
    ACTOR_COLOURS,
    STATUS_COLOURS,
    STATUS_LABELS,
    agreed_terms,
    beliefs,
    casualties,
    ceasefire_duration,
    control_fan,
    figure_specs,
    folder_kind,
    forest_plot,
    kaplan_meier,
    save_figures,
    sobol_chart,
    status_over_time,
    sweep_heatmap,
    sweep_response,
    time_to_ceasefire,
)
from ceasefire_sim.results import STATUS_NAMES

CLI = [sys.executable, "-m", "ceasefire_sim.cli"]
#: RMS pixel difference allowed against a baseline. Redrawing on this machine gives 0; changing
#: only the right-hand axis of the fan chart gives about 12, a different seed over 20.
IMAGE_TOLERANCE = 2.0
METRICS = (
    "p_ceasefire_30",
    "p_ceasefire_90",
    "p_ceasefire_365",
    "median_first_ceasefire_day",
    "p_holding",
    "median_control_change_km2",
)


def run_cli(*args):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def results(baseline_300):
    return baseline_300


# ----------------------------------------------------------- synthetic folders
def write_sweep_folder(directory: Path, method: str = "grid", seed: int = 3) -> Path:
    """A sweep folder exactly as the sweep output contract lays it out.

    ``grid``: two parameters on a 4 x 5 grid. ``sobol``/``morris``/``lhs``: three parameters at
    40 sampled points (with a sensitivity table for sobol and morris).
    """
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True)
    if method == "grid":
        params = [
            {"path": "mediator.leverage_on_russia", "low": 0.0, "high": 0.6, "values": None},
            {"path": "mediator.aid_bn_per_year", "low": 0.0, "high": 44.0, "values": None},
        ]
        a, b = np.meshgrid(np.linspace(0, 0.6, 4), np.linspace(0, 44, 5), indexing="ij")
        columns = {params[0]["path"]: a.ravel(), params[1]["path"]: b.ravel()}
    else:
        params = [
            {"path": "mediator.leverage_on_russia", "low": 0.0, "high": 0.6, "values": None},
            {"path": "mediator.aid_bn_per_year", "low": 0.0, "high": 44.0, "values": None},
            {"path": "truce.base_hazard_per_day", "low": 0.02, "high": 0.1, "values": None},
        ]
        columns = {p["path"]: rng.uniform(p["low"], p["high"], 40) for p in params}
    points = len(next(iter(columns.values())))
    worlds = 200
    table = pd.DataFrame({"point": np.arange(points), **columns})
    table[["point", *columns]].to_parquet(directory / "points.parquet", index=False)
    lev = table["mediator.leverage_on_russia"] / 0.6
    aid = table["mediator.aid_bn_per_year"] / 44
    base = 0.1 + 0.5 * lev + 0.2 * aid * lev
    values = {
        "p_ceasefire_30": 0.1 * base,
        "p_ceasefire_90": 0.4 * base,
        "p_ceasefire_365": base,
        "median_first_ceasefire_day": 300 - 150 * lev,
        "p_holding": 0.5 * base,
        "median_control_change_km2": 4000 - 2000 * aid,
    }
    summary = table.copy()
    for metric, v in values.items():
        half = 0.05 if metric.startswith("p_") else 25.0
        summary[metric] = v
        summary[f"{metric}_low"] = v - half
        summary[f"{metric}_high"] = v + half
    summary["worlds"] = worlds
    summary.to_parquet(directory / "summary.parquet", index=False)
    (directory / "worlds").mkdir()
    per_world = pd.DataFrame(
        {
            "point": np.repeat(np.arange(points), 2),
            "world": np.arange(2 * points),
            "status": "war",
            "first_ceasefire_day": np.nan,
        }
    )
    per_world.to_parquet(directory / "worlds" / "chunk-00000.parquet", index=False)
    if method in ("sobol", "morris"):
        rows = []
        for output in METRICS:
            for k, p in enumerate(params):
                s1 = [0.55, 0.1, 0.0][k]
                if method == "sobol":
                    rows.append(
                        {
                            "output": output,
                            "parameter": p["path"],
                            "S1": s1,
                            "S1_conf": 0.05,
                            "ST": s1 + 0.08,
                            "ST_conf": 0.04,
                            "note": "",
                        }
                    )
                else:
                    rows.append(
                        {
                            "output": output,
                            "parameter": p["path"],
                            "mu": s1,
                            "mu_star": s1 + 0.02,
                            "mu_star_conf": 0.01,
                            "sigma": 0.03,
                            "note": "",
                        }
                    )
        pd.DataFrame(rows).to_parquet(directory / "sensitivity.parquet", index=False)
    manifest = {
        "kind": "sweep",
        "spec": {"scenario": "scenarios/white_house_2025-03-13.yaml", "method": method},
        "method": method,
        "parameters": params,
        "outputs": list(METRICS),
        "points": points,
        "worlds_per_point": worlds,
        "days": 365,
        "seed": seed,
        "chunks": 1,
        "version": "0.1.0",
        "scenario_hash": "0" * 64,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def write_compare_folder(directory: Path) -> Path:
    """A comparison folder as `ceasefire-sim compare` writes it (without the runs a/ and b/)."""
    directory.mkdir(parents=True)
    pd.DataFrame(
        {
            "metric": ["p_ceasefire_365", "p_holding", "median_control_change_km2"],
            "a": [0.30, 0.15, 2900.0],
            "b": [0.42, 0.12, 2050.0],
            "diff": [0.12, -0.03, -850.0],
            "diff_low": [0.08, -0.07, -1100.0],
            "diff_high": [0.16, 0.01, -600.0],
            "independent_low": [0.04, -0.10, -1300.0],
            "independent_high": [0.20, 0.04, -400.0],
            "variance_reduction": [2.5, 1.8, 3.0],
        }
    ).to_parquet(directory / "comparison.parquet", index=False)
    manifest = {
        "kind": "compare",
        "a": {"name": "Baseline", "file": "scenarios/a.yaml"},
        "b": {"name": "European surge", "file": "scenarios/b.yaml"},
        "worlds": 500,
        "seed": 1,
        "days": 365,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


# --------------------------------------------------------------- helpers
def legend_texts(ax):
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def labelled_lines(ax):
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def envelope(collection):
    """Per x, the lowest and highest y of a fill_between polygon."""
    vertices = collection.get_paths()[0].vertices
    frame = pd.DataFrame(vertices, columns=["x", "y"]).groupby("x")["y"]
    return frame.min(), frame.max()


def is_date_axis(ax):
    return isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)


# --------------------------------------------------------------- statistics
def test_kaplan_meier_matches_the_hand_computed_table():
    table = kaplan_meier(np.array([1, 2, 2, 3, 4]), np.array([1, 1, 0, 1, 0], dtype=bool))
    assert table["time"].tolist() == [0, 1, 2, 3, 4]
    assert table["at_risk"].tolist() == [5, 5, 4, 2, 1]
    np.testing.assert_allclose(table["survival"], [1, 0.8, 0.6, 0.3, 0.3])
    # Greenwood at t=2: 1/(5*4) + 1/(4*3); log-log band S^exp(+-z se), se = sqrt(gw)/|ln S|
    se = np.sqrt(1 / 20 + 1 / 12) / abs(np.log(0.6))
    np.testing.assert_allclose(table.loc[2, "low"], 0.6 ** np.exp(1.959964 * se), rtol=1e-5)
    np.testing.assert_allclose(table.loc[2, "high"], 0.6 ** np.exp(-1.959964 * se), rtol=1e-5)
    assert (table["low"] <= table["survival"]).all() and (table["survival"] <= table["high"]).all()


def test_kaplan_meier_without_censoring_is_one_minus_the_empirical_cdf():
    times = np.random.default_rng(0).integers(1, 50, 400).astype(float)
    table = kaplan_meier(times, np.ones(400, dtype=bool))
    for t, s in zip(table["time"], table["survival"], strict=True):
        assert s == pytest.approx((times > t).mean())


# ---------------------------------------------------------- run figures
def test_status_over_time_stacks_four_shares_that_sum_to_one(results):
    fig = status_over_time(results)
    ax = fig.axes[0]
    layers = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(layers) == 4
    statuses = [STATUS_LABELS[s] for s in reversed(STATUS_NAMES)]
    assert legend_texts(ax)[:4] == statuses
    # Then the scenario's dated events within the run (the baseline's NATO summit).
    assert legend_texts(ax)[4:] == ["1: NATO summit in The Hague (24 Jun 2025)"]
    assert [to_hex(c.get_facecolor()[0]) for c in layers] == [
        STATUS_COLOURS[s].lower() for s in STATUS_NAMES
    ]
    _, high = envelope(layers[-1])
    np.testing.assert_allclose(high.to_numpy(), 1.0, atol=1e-9)
    # The bottom layer is the share at war, day by day.
    _, war_top = envelope(layers[0])
    np.testing.assert_allclose(war_top.to_numpy(), results.daily["share_war"], atol=1e-9)
    assert ax.get_ylabel() == "share of worlds (%)"
    assert ax.get_xlabel() == "date" and is_date_axis(ax)


def test_time_to_ceasefire_is_a_survival_curve_censored_at_the_horizon(results):
    fig = time_to_ceasefire(results)
    ax = fig.axes[0]
    curve = next(line for line in ax.get_lines() if "Kaplan-Meier" in line.get_label())
    s = np.asarray(curve.get_ydata(), dtype=float)
    assert s[0] == 1.0
    assert np.all(np.diff(s) <= 0)
    # Every world without a ceasefire is censored at the horizon, so the curve ends at their share.
    assert s[-1] == pytest.approx(results.outcomes["first_ceasefire_day"].isna().mean())
    band = next(c for c in ax.collections if "Greenwood" in c.get_label())
    low, high = envelope(band)
    assert (low >= 0).all() and (high <= 1).all() and (high - low).max() > 0
    censored = int(results.outcomes["first_ceasefire_day"].isna().sum())
    assert f"{censored:,} worlds censored at the horizon (day 365)" in legend_texts(ax)
    assert ax.get_ylabel().endswith("(%)") and is_date_axis(ax)


def test_ceasefire_duration_has_one_curve_per_guarantees_option(results):
    fig = ceasefire_duration(results)
    ax = fig.axes[0]
    with_cf = results.outcomes[results.outcomes["first_ceasefire_day"].notna()]
    present = set(with_cf["terms_guarantees"])
    curves = labelled_lines(ax)
    assert len(curves) == len(present) >= 2
    for line in curves:
        s = np.asarray(line.get_ydata(), dtype=float)
        assert s[0] == 1.0 and np.all(np.diff(s) <= 0)
    texts = legend_texts(ax)
    for option in present:
        n = int((with_cf["terms_guarantees"] == option).sum())
        assert any(
            t.startswith(f"{BUILT_IN.label('guarantees.' + option)} (n = {n:,}") for t in texts
        )
    assert "censored" in texts[-1]
    assert ax.get_xlabel() == "days since the first ceasefire began"
    assert ax.get_ylabel().endswith("(%)")


def test_control_fan_draws_ordered_quantile_bands_in_km2_and_percent(results):
    fig = control_fan(results)
    ax = fig.axes[0]
    outer, inner = (c for c in ax.collections if isinstance(c, PolyCollection))
    (outer_low, outer_high), (inner_low, inner_high) = envelope(outer), envelope(inner)
    median = pd.Series(
        np.asarray(ax.get_lines()[0].get_ydata(), dtype=float),
        index=inner_low.index,
    )
    assert (outer_low <= inner_low + 1e-9).all()
    assert (inner_low <= median + 1e-9).all() and (median <= inner_high + 1e-9).all()
    assert (inner_high <= outer_high + 1e-9).all()
    assert (outer_high - outer_low).iloc[-1] > 0
    assert ax.get_ylabel() == "area held by Russia (km²)"
    (right,) = (a for a in ax.child_axes if a.get_ylabel())
    assert right.get_ylabel() == "share of Ukraine's 603,550 km² (%)"
    # The right axis is the left one as a share of Ukraine's area.
    fig.draw_without_rendering()
    y0, y1 = ax.get_ylim()
    r0, r1 = right.get_ylim()
    assert r0 == pytest.approx(100 * y0 / 603_550) and r1 == pytest.approx(100 * y1 / 603_550)
    assert legend_texts(ax)[3:] == [
        "observed before the start (liveuamap, to 16 Jan 2025)",
        "1: NATO summit in The Hague (24 Jun 2025)",
    ]
    assert len(legend_texts(ax)) == 5 and is_date_axis(ax)
    # The observed history ends before the start and joins the model's start within 1,000 km².
    observed = next(line for line in ax.get_lines() if line.get_label().startswith("observed"))
    days = mdates.date2num(observed.get_xdata())
    start = mdates.date2num(np.datetime64("2025-03-13"))
    assert days.max() < start and days.min() >= start - 366
    assert abs(observed.get_ydata()[-1] - results.daily["control_km2_p50"].iloc[0]) < 1000
    no_history = control_fan(results, history_days=0).axes[0]
    assert not any(t.startswith("observed") for t in legend_texts(no_history))


def test_control_fan_reads_ukraines_area_from_the_scenario():
    r = synthetic_results()
    r.scenario = {"territory": {"ukraine_area_km2": {"value": 500_000.0}}}
    ax = control_fan(r).axes[0]
    assert [a.get_ylabel() for a in ax.child_axes if a.get_ylabel()] == [
        "share of Ukraine's 500,000 km² (%)"
    ]


def test_casualties_shows_both_sides_distributions(results):
    fig = casualties(results)
    ax = fig.axes[0]
    texts = legend_texts(ax)
    assert [t.split(" (")[0] for t in texts] == ["Ukraine", "Russia"]
    for side, text in zip(("ukraine", "russia"), texts, strict=True):
        median = results.outcomes[f"casualties_{side}"].median() / 1000
        assert f"median {median:,.0f} thousand" in text
    histograms = [p for p in ax.patches]
    assert len(histograms) == 2
    assert [to_hex(p.get_facecolor()) for p in histograms] == [
        ACTOR_COLOURS["ukraine"].lower(),
        ACTOR_COLOURS["russia"].lower(),
    ]
    assert ax.get_xlabel() == "casualties by day 365 (thousand persons)"
    assert ax.get_ylabel() == "share of worlds (%)"


def test_agreed_terms_shares_sum_to_one_per_issue(results):
    fig = agreed_terms(results)
    ax = fig.axes[0]
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [b.get_label() for b in bars] == [
        "truce",
        "territory",
        "NATO",
        "security guarantees",
        "sanctions",
        "aid during the truce",
    ]
    with_cf = results.outcomes[results.outcomes["first_ceasefire_day"].notna()]
    for (issue, options), container in zip(BUILT_IN.by_issue.items(), bars, strict=True):
        widths = np.array([p.get_width() for p in container])
        assert len(widths) == len(options)
        assert widths.sum() == pytest.approx(1.0)
        expected = [(with_cf[f"terms_{issue}"] == o).mean() for o in options]
        np.testing.assert_allclose(widths, expected)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "freeze at the line of contact" in labels and "US-backed guarantee" in labels
    assert ax.get_xlabel().endswith("(%)")


def test_beliefs_show_both_sides_and_the_realised_drift(results):
    fig = beliefs(results)
    ax = fig.axes[0]
    lines = labelled_lines(ax)
    assert [line.get_label() for line in lines] == [
        "Ukraine's belief",
        "Russia's belief",
        "realised drift",
        "1: NATO summit in The Hague (24 Jun 2025)",
    ]
    assert [to_hex(line.get_color()) for line in lines[:2]] == [
        ACTOR_COLOURS["ukraine"].lower(),
        ACTOR_COLOURS["russia"].lower(),
    ]
    np.testing.assert_allclose(
        np.asarray(lines[1].get_ydata(), dtype=float),
        results.daily["belief_russia_km2_per_day_p50"],
    )
    assert "km²/day" in ax.get_ylabel() and is_date_axis(ax)


@pytest.mark.parametrize(
    "draw",
    [
        status_over_time,
        time_to_ceasefire,
        ceasefire_duration,
        control_fan,
        casualties,
        agreed_terms,
        beliefs,
    ],
)
def test_run_figures_draw_on_a_given_ax(results, draw):
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert draw(results, ax=right) is fig
    fig.draw_without_rendering()
    assert right.has_data() and not left.has_data()


def test_palette_gives_each_status_and_actor_its_own_colour():
    assert len(set(STATUS_COLOURS.values())) == 4
    assert len(set(ACTOR_COLOURS.values()) | set(STATUS_COLOURS.values())) == 8


@pytest.mark.parametrize("name", BASELINE_FIGURES)
def test_key_figures_match_their_baseline_images(name, tmp_path):
    drawn = render(name, synthetic_results(), tmp_path / f"{name}.png")
    failure = compare_images(
        str(BASELINE_DIR / f"{name}.png"), str(drawn), tol=IMAGE_TOLERANCE, in_decorator=True
    )
    assert failure is None, (
        f"{name} differs from its baseline (rms {failure['rms']:.1f}); if intended, rerun "
        "tests/make_baseline_images.py and review the images"
    )


def test_baseline_comparison_catches_a_changed_figure(tmp_path):
    drawn = render("control_fan", synthetic_results(seed=8), tmp_path / "control_fan.png")
    failure = compare_images(
        str(BASELINE_DIR / "control_fan.png"), str(drawn), tol=IMAGE_TOLERANCE, in_decorator=True
    )
    assert failure is not None and failure["rms"] > IMAGE_TOLERANCE


# ---------------------------------------------------------- folders, saving
def test_save_figures_writes_every_run_figure(results, tmp_path):
    written = save_figures(results, tmp_path / "figures")
    assert [p.name for p in written] == [
        "status_over_time.png",
        "time_to_ceasefire.png",
        "ceasefire_duration.png",
        "limited_truces.png",
        "control_fan.png",
        "casualties.png",
        "agreed_terms.png",
        "agreed_packages.png",
        "beliefs.png",
    ]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written)
    assert not list((tmp_path / "figures").glob(".*.tmp"))


def test_figures_that_need_a_ceasefire_are_left_out_without_one():
    r = synthetic_results()
    r.outcomes["first_ceasefire_day"] = np.nan
    names = [s.name for s in figure_specs(r)]
    assert "agreed_terms" not in names and "ceasefire_duration" not in names
    assert len(names) == 5


def test_folder_kind_reads_the_manifest(run_dir, tmp_path):
    assert folder_kind(run_dir) == "run"
    assert folder_kind(write_sweep_folder(tmp_path / "s")) == "sweep"
    assert folder_kind(write_compare_folder(tmp_path / "c")) == "compare"
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "manifest.json").write_text('{"kind": "banana"}')
    with pytest.raises(InputError, match="banana"):
        folder_kind(tmp_path / "odd")
    with pytest.raises(InputError, match=r"no manifest\.json"):
        folder_kind(tmp_path)


# ---------------------------------------------------------- sweep figures
def test_sweep_heatmap_of_a_grid_shows_one_cell_per_pair_of_levels(tmp_path):
    folder = write_sweep_folder(tmp_path / "grid")
    fig = sweep_heatmap(folder)
    ax, colorbar = fig.axes
    mesh = ax.collections[0]
    summary = pd.read_parquet(folder / "summary.parquet")
    expected = summary.pivot(
        index="mediator.aid_bn_per_year",
        columns="mediator.leverage_on_russia",
        values="p_ceasefire_365",
    )
    np.testing.assert_allclose(mesh.get_array().reshape(5, 4), 100 * expected.to_numpy())
    assert ax.get_xlabel() == "mediator.leverage_on_russia"
    assert ax.get_ylabel() == "mediator.aid_bn_per_year (US$ bn/year)"
    assert colorbar.get_ylabel() == "P(ceasefire by day 365) (%)"
    assert len(ax.texts) == 20


def test_sweep_heatmap_bins_sampled_points_and_names_the_averaged_parameter(tmp_path):
    folder = write_sweep_folder(tmp_path / "lhs", method="lhs")
    fig = sweep_heatmap(folder, outcome="median_control_change_km2", bins=4)
    ax, colorbar = fig.axes
    values = ax.collections[0].get_array()
    assert values.size == 16
    summary = pd.read_parquet(folder / "summary.parquet")
    lo, hi = summary["median_control_change_km2"].agg(["min", "max"])
    assert lo - 1e-9 <= np.nanmin(values) and np.nanmax(values) <= hi + 1e-9
    assert colorbar.get_ylabel() == "median change of Russian-held area (km²)"
    assert "mean over truce.base_hazard_per_day" in ax.get_title()


def test_sweep_heatmap_needs_two_parameters(tmp_path):
    folder = write_sweep_folder(tmp_path / "grid")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["parameters"] = manifest["parameters"][:1]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SweepError, match="two swept parameters"):
        sweep_heatmap(folder)
    fig = sweep_response(folder)
    assert fig.axes[0].get_ylabel() == "P(ceasefire by day 365) (%)"
    with pytest.raises(SweepError, match="not in"):
        sweep_heatmap(folder, x="mediator.leverage_on_russia", y="nonsense")


def test_sobol_chart_shows_s1_and_st_with_intervals(tmp_path):
    folder = write_sweep_folder(tmp_path / "sobol", method="sobol")
    fig = sobol_chart(folder)
    ax = fig.axes[0]
    s1, st = (c for c in ax.containers if isinstance(c, BarContainer))
    assert len(s1) == len(st) == 3
    assert legend_texts(ax) == ["first-order index S1 (95% CI)", "total-order index ST (95% CI)"]
    # Parameters sorted by ST, the most influential at the top.
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "mediator.leverage_on_russia"
    widths = [p.get_width() for p in st]
    assert widths == sorted(widths)
    for container in (s1, st):
        assert container.errorbar is not None
        segments = container.errorbar.lines[2][0].get_segments()
        assert len(segments) == 3
    assert "Sobol index" in ax.get_xlabel()
    with pytest.raises(SweepError, match="no sensitivity indices"):
        sobol_chart(folder, output="nonsense")


def test_sobol_chart_of_a_morris_sweep_shows_mu_star(tmp_path):
    folder = write_sweep_folder(tmp_path / "morris", method="morris")
    ax = sobol_chart(folder, output="p_holding").axes[0]
    assert len(ax.containers[0]) == 3
    texts = legend_texts(ax)
    assert len(texts) == 2
    assert any(t.startswith("μ*") for t in texts) and any(t.startswith("σ") for t in texts)


def test_sobol_chart_explains_a_sweep_without_indices(tmp_path):
    with pytest.raises(SweepError, match=r"no sensitivity\.parquet"):
        sobol_chart(write_sweep_folder(tmp_path / "grid"))


# ---------------------------------------------------------- comparison
def test_forest_plot_has_one_row_per_metric_and_a_panel_per_unit(tmp_path):
    fig = forest_plot(write_compare_folder(tmp_path / "c"))
    shares, area = fig.axes
    assert [t.get_text() for t in shares.get_yticklabels()] == [
        "P(ceasefire by day 365)",
        "P(ceasefire holding at horizon)",
    ]
    intervals, points = shares.collections
    np.testing.assert_allclose(points.get_offsets()[:, 0], [12.0, -3.0])
    ends = [segment[:, 0] for segment in intervals.get_segments()]
    np.testing.assert_allclose(ends, [[8.0, 16.0], [-7.0, 1.0]])
    # Filled marker only where the interval excludes zero.
    filled = [to_hex(c) != "#ffffff" for c in points.get_facecolors()]
    assert filled == [True, False]
    fig.draw_without_rendering()
    assert "percentage points" in shares.get_xlabel()
    assert "(km²)" in area.get_xlabel()
    (spec,) = figure_specs(tmp_path / "c")
    assert "B: European surge; A: Baseline" in spec.draw().get_suptitle()
    with pytest.raises(ValueError, match="mixes units"):
        forest_plot(tmp_path / "c", ax=Figure().add_subplot())


# ---------------------------------------------------------- CLI
def test_plot_command_writes_the_run_figures(run_dir):
    done = run_cli("plot", run_dir)
    assert done.returncode == 0, done.stderr
    files = sorted((run_dir / "figures").glob("*.png"))
    assert len(files) >= 8
    assert "9 figures written" in done.stdout


def run_main(*args):
    """The CLI in this process (faster than a subprocess): its exit status."""
    with pytest.raises(SystemExit) as stopped:
        main([str(a) for a in args])
    return stopped.value.code


def test_plot_command_on_a_sweep_writes_heatmaps_and_sensitivity_charts(tmp_path, capsys):
    folder = write_sweep_folder(tmp_path / "sobol", method="sobol")
    assert run_main("plot", folder, "--out", tmp_path / "figs", "--format", "svg") == 0
    names = {p.name for p in (tmp_path / "figs").iterdir()}
    assert {f"heatmap_{m}.svg" for m in METRICS} <= names
    assert {f"sensitivity_{m}.svg" for m in METRICS} <= names
    assert "12 figures written" in capsys.readouterr().out


def test_plot_command_rejects_a_folder_that_is_not_results(tmp_path, capsys):
    assert run_main("plot", tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "manifest.json" in err
    assert "Traceback" not in err


def test_sweep_figures_leave_out_outputs_without_indices(tmp_path):
    folder = write_sweep_folder(tmp_path / "sobol", method="sobol")
    sens = pd.read_parquet(folder / "sensitivity.parquet")
    constant = sens["output"] == "p_ceasefire_30"
    sens.loc[constant, ["S1", "S1_conf", "ST", "ST_conf"]] = np.nan
    sens.loc[constant, "note"] = "output constant over the sample"
    sens.to_parquet(folder / "sensitivity.parquet", index=False)
    names = [s.name for s in figure_specs(folder)]
    assert names == [f"heatmap_{m}" for m in METRICS] + [
        f"sensitivity_{m}" for m in METRICS if m != "p_ceasefire_30"
    ]
