"""The HTML report: self-contained, with the summary, the provenance of the inputs and every
figure embedded; and the `report` command end to end."""

import html
import re
import subprocess
import sys

import pytest
from conftest import ROOT
from test_plots import write_compare_folder, write_sweep_folder

from ceasefire_sim.errors import InputError
from ceasefire_sim.plots import figure_specs
from ceasefire_sim.report import build_report, describe_value, provenance_rows, write_report

CLI = [sys.executable, "-m", "ceasefire_sim.cli"]
#: Any attribute that would make a browser fetch something.
REMOTE = re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def results(baseline_300):
    return baseline_300


def images(text):
    return re.findall(r"<img\s+src='([^']*)'", text)


def assert_self_contained(text):
    assert REMOTE.search(text) is None
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert "@import" not in text and "url(" not in text


# ------------------------------------------------------------ provenance
def test_provenance_of_a_scenario_from_another_version_is_walked_from_the_plain_data():
    # Not a valid scenario of this version: the rows come from a walk over the plain data.
    scenario = {
        "name": "test",
        "front": {
            "gain": {
                "value": 300.0,
                "dist": None,
                "quote": None,
                "source": "ISW",
                "assumption": None,
            },
            "noise": {
                "value": None,
                "dist": "uniform",
                "low": 1.0,
                "high": 2.0,
                "quote": None,
                "source": None,
                "assumption": "a guess",
            },
            "bare": {"value": 0.5, "dist": None, "quote": None, "source": None, "assumption": None},
        },
        "events": [
            {
                "date": "2025-06-24",
                "note": "summit",
                "set": {},
                "quote": "a summit",
                "source": None,
                "assumption": None,
            }
        ],
    }
    rows = {r.path: r for r in provenance_rows(scenario)}
    assert list(rows) == ["front.gain", "front.noise", "front.bare", "events[0]"]
    assert (rows["front.gain"].value, rows["front.gain"].kind) == ("300", "source")
    assert rows["front.gain"].text == "ISW"
    assert rows["front.noise"].value == "uniform(1, 2)"
    assert (rows["front.noise"].kind, rows["front.noise"].text) == ("assumption", "a guess")
    assert (rows["front.bare"].kind, rows["front.bare"].text) == ("none", "")
    assert rows["events[0]"].value == "date=2025-06-24; note=summit"
    assert rows["events[0]"].kind == "quote"


def test_provenance_of_the_baseline_covers_every_numeric_value(baseline):
    from ceasefire_sim.scenario.loader import numeric_paths

    rows = {r.path: r for r in provenance_rows(baseline.model_dump(mode="json"))}
    missing = set(numeric_paths(baseline)) - set(rows)
    assert not missing
    assert rows["territory.ukraine_area_km2"].value.replace(",", "") == "603550"
    assert rows["territory.ukraine_area_km2"].kind == "source"
    assert rows["territory.ukraine_area_km2"].text.startswith("Ukraine's internationally")
    gain = rows["front.initial_gain_km2_per_month"].value
    # The baseline draws it from the fitted posterior, with the file and column as provenance.
    assert gain.startswith("posterior(") and "front_2025-03-13.csv" in gain
    assert "column=front.initial_gain_km2_per_month" in gain
    assert rows["talks.initial_proposal"].kind == "quote"


@pytest.mark.parametrize(
    ("param", "text"),
    [
        ({"value": 112400.0, "dist": None}, "112,400"),
        ({"value": 0.052, "dist": None}, "0.052"),
        ({"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 4.0}, "triangular(1, 2, 4)"),
        (
            {"dist": "normal", "mean": 5.0, "sd": 1.0, "low": 0.0, "high": None},
            "normal(mean 5, sd 1) on [0, ?]",
        ),
        ({"dist": "choice", "values": [1.0, 2.0], "weights": [0.3, 0.7]}, "choice(1, 2; 0.3, 0.7)"),
    ],
)
def test_describe_value(param, text):
    assert describe_value(param) == text


# ------------------------------------------------------------ run report
def test_run_report_holds_summary_provenance_and_every_figure(results):
    text = build_report(results)
    assert_self_contained(text)
    sources = images(text)
    assert len(sources) == len(figure_specs(results)) == 9
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert text.count("<figcaption>") == 9
    assert f"<h1>{html.escape(results.manifest['scenario_name'])}</h1>" in text
    assert html.escape(results.manifest["scenario_description"]) in text
    summary = results.summary()
    table = text[text.index("<table class='summary'>") :]
    table = table[: table.index("</table>")]
    for metric in summary["metric"]:
        assert f"<td>{html.escape(metric)}</td>" in table
    p365 = summary.set_index("metric").loc["P(ceasefire by day 365)"]
    assert f"{100 * p365.estimate:.1f}%" in table
    assert f"{100 * p365.mc_low:.1f}-{100 * p365.mc_high:.1f}%" in table
    assert "90% over parameter draws" in table
    assert "<code>territory.ukraine_area_km2</code>" in text
    assert html.escape("Ukraine has tentatively agreed to a 30-day truce") in text


def test_report_command_writes_one_self_contained_file(run_dir, tmp_path):
    out = tmp_path / "r.html"
    done = subprocess.run(
        [*CLI, "report", str(run_dir), "-o", str(out)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == [out]
    text = out.read_text()
    assert_self_contained(text)
    assert len(images(text)) == 9 and all(s.startswith("data:") for s in images(text))
    assert "<table class='summary'>" in text


# ------------------------------------------------------- sweep, compare
def test_sweep_report_embeds_heatmaps_and_sensitivity(tmp_path):
    folder = write_sweep_folder(tmp_path / "sobol", method="sobol")
    path = write_report(folder, tmp_path / "out" / "sweep.html")
    text = path.read_text()
    assert_self_contained(text)
    ids = re.findall(r"<figure id='([^']*)'>", text)
    assert "heatmap_p_ceasefire_365" in ids and "sensitivity_p_ceasefire_365" in ids
    assert len(images(text)) == len(ids) == 12
    assert "mediator.leverage_on_russia" in text and "S1_conf" in text


def test_compare_report_embeds_the_forest_plot(tmp_path):
    text = build_report(write_compare_folder(tmp_path / "c"))
    assert_self_contained(text)
    assert re.findall(r"<figure id='([^']*)'>", text) == ["forest"]
    assert "<h1>European surge vs Baseline</h1>" in text
    assert "median_control_change_km2" in text and "variance_reduction" in text


def test_report_of_a_folder_that_is_not_results_says_so(tmp_path):
    with pytest.raises(InputError, match="not a results folder"):
        build_report(tmp_path)
