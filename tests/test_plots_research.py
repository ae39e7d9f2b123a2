"""Figures for a paper: the top packages agreed, intervals and empty cells in sweep heat maps,
the scenario's dated events on time axes; and the plots package stays without pyplot."""

import re

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from matplotlib.patches import Rectangle
from test_plots import legend_texts, write_sweep_folder

from ceasefire_sim import plots
from ceasefire_sim.plots import SweepFolder, agreed_packages, sweep_heatmap, top_packages
from ceasefire_sim.plots.dates import scenario_events


def test_top_packages_by_hand():
    outcomes = pd.DataFrame(
        {
            "terms_truce": ["indefinite", "indefinite", "days_30", "", "indefinite"],
            "terms_territory": ["freeze", "freeze", "freeze", "", "recognition"],
        }
    )
    table = top_packages(outcomes, top=1)
    assert table["worlds"].tolist() == [2, 2]
    assert table["package"].iloc[1] == "other packages (2)"
    np.testing.assert_allclose(table["share"], [0.5, 0.5])
    assert table["cumulative"].iloc[-1] == pytest.approx(1.0)


def test_agreed_packages_names_the_share_of_the_top_two(baseline_300):
    had = baseline_300.outcomes["first_ceasefire_day"].notna()
    table = top_packages(baseline_300.outcomes)
    fig = agreed_packages(baseline_300)
    title = fig.axes[0].get_title()
    lead = round(100 * table["share"].iloc[:2].sum())
    assert f"top two are {lead}% of deals" in title
    assert table["worlds"].sum() == int(had.sum())
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert table["package"].iloc[0].split(";")[0] in " ".join(texts)


def cells(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch() == "///"]


def test_heatmap_writes_intervals_and_marks_empty_cells(tmp_path):
    folder = SweepFolder.load(write_sweep_folder(tmp_path / "grid"))
    fig = sweep_heatmap(folder)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    # One point per cell: the value over its 95% Monte Carlo interval (written +-5 points).
    row = folder.summary.iloc[0]
    value, low, high = (
        100 * row[c] for c in ("p_ceasefire_365", "p_ceasefire_365_low", "p_ceasefire_365_high")
    )
    assert f"{value:.0f}\n{low:.0f}-{high:.0f}" in texts
    assert "95% Monte Carlo interval" in ax.get_title()
    assert cells(ax) == []
    # Drop two points: their cells are hatched and the legend says why.
    gap = SweepFolder(folder.path, folder.manifest, folder.summary.iloc[2:].reset_index(drop=True))
    ax = sweep_heatmap(gap).axes[0]
    assert len(cells(ax)) == 2
    assert legend_texts(ax) == ["no point, or no value, in this cell"]


def test_dated_events_are_marked_on_time_axes(tmp_path):
    from ceasefire_sim.api import simulate
    from ceasefire_sim.scenario.loader import load_scenario

    results = simulate(
        load_scenario(ROOT / "scenarios" / "us_disengagement.yaml"), worlds=20, seed=1, days=120
    )
    events = scenario_events(results)
    assert [str(d) for d, _ in events] == ["2025-04-01", "2025-06-24", "2025-07-01"]
    for draw in (plots.time_to_ceasefire, plots.control_fan, plots.beliefs, plots.status_over_time):
        ax = draw(results).axes[0]
        labels = [t for t in legend_texts(ax) if re.match(r"\d: ", t)]
        assert labels[0] == "1: The US cuts off military aid to Ukraine (1 Apr 2025)"
        assert len(labels) == 3
    # Events after the horizon are not drawn.
    short = simulate(
        load_scenario(ROOT / "scenarios" / "us_disengagement.yaml"), worlds=5, seed=1, days=30
    )
    assert len(scenario_events(short)) == 1


def test_plots_package_has_no_pyplot_and_short_modules():
    folder = ROOT / "src" / "ceasefire_sim"
    for path in folder.rglob("*.py"):
        assert "matplotlib.pyplot" not in path.read_text(), path
    for path in (folder / "plots").glob("*.py"):
        assert len(path.read_text().splitlines()) <= 600, path
