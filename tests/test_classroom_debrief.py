"""The debrief in Chromium: the front by region, the runs, the CSV downloads, chart images, two
lever settings side by side and the story among many futures; and the same without a browser."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from ceasefire_sim.app import ClassroomModel
from ceasefire_sim.classroom import Session
from ceasefire_sim.debrief import (
    BEYOND,
    LOG_COLUMNS,
    REGIONS,
    RUN_COLUMNS,
    compare_settings,
    distribution_html,
    log_csv,
    region_control,
    run_to_horizon,
    runs_csv,
)
from tests.classroom_browser import TIMEOUT_MS, browser, button, no_error, open_page, server

__all__ = ["browser", "server"]

DAY0_KM2 = 112_400.0


def test_the_map_starts_at_the_sources_shares_and_sums_to_the_held_area():
    regions = region_control(DAY0_KM2, DAY0_KM2)
    assert sum(h for h, _ in regions.values()) == pytest.approx(DAY0_KM2)
    for name, _, share, _, _ in REGIONS:
        held, area = regions[name]
        assert held / area == pytest.approx(share, abs=0.01), name  # scaled by about 0.998
    for total in (90_000.0, 112_000.0, 113_500.0, 125_000.0, 200_000.0):
        regions = region_control(total, DAY0_KM2)
        assert sum(h for h, _ in regions.values()) == pytest.approx(total)
        assert all(0 <= h <= a for h, a in regions.values())


def test_gains_go_to_donetsk_first_and_past_the_four_oblasts_last():
    start = region_control(DAY0_KM2, DAY0_KM2)
    gained = region_control(DAY0_KM2 + 5_000, DAY0_KM2)
    assert gained["Donetsk"][0] - start["Donetsk"][0] == pytest.approx(5_000)
    assert gained["Zaporizhzhia"] == start["Zaporizhzhia"]
    big = region_control(DAY0_KM2 + 40_000, DAY0_KM2)
    for name in ("Donetsk", "Zaporizhzhia", "Kherson", "Luhansk"):
        assert big[name][0] == pytest.approx(big[name][1]), name  # all held
    assert big[BEYOND][0] > 0
    lost = region_control(DAY0_KM2 - 3_000, DAY0_KM2)
    assert start["Donetsk"][0] - lost["Donetsk"][0] == pytest.approx(3_000)


def test_runs_and_log_as_csv():
    session = Session(ClassroomModel, {"seed": 1})
    session.advance(40)
    log = list(csv.reader(io.StringIO(log_csv(session.model))))
    assert tuple(log[0]) == LOG_COLUMNS
    assert len(log) - 1 == len(session.model.narrative.rows) > 2
    assert {r[4] for r in log[1:]} >= {"proposal", "accept", "reject"}
    session.reset({"seed": 2, "us_pressure_on_russia": 3.0})
    session.run_to_end()
    session.reset()
    runs = list(csv.reader(io.StringIO(runs_csv(session.runs))))
    assert tuple(runs[0]) == RUN_COLUMNS and len(runs) == 3
    assert [r[4] for r in runs[1:]] == ["40", "365"]  # the day each run reached
    assert runs[2][1] == "US pressure on Russia ×3" and runs[2][3] == "2"


def test_two_settings_run_the_same_futures():
    params = {"seed": 3, "worlds": 20}
    same = compare_settings(ClassroomModel, params, dict(params), "A", "A again")
    assert np.array_equal(same.control_end_km2[:, 0], same.control_end_km2[:, 1])
    assert same.a.ever_ceasefire == same.b.ever_ceasefire
    other = compare_settings(
        ClassroomModel, params, {**params, "european_aid": 0.0}, "A", "no European aid"
    )
    assert np.array_equal(other.control_end_km2[:, 0], same.control_end_km2[:, 0])
    assert not np.array_equal(other.control_end_km2[:, 0], other.control_end_km2[:, 1])
    assert other.at_war.shape == (366, 2)


def test_the_story_is_placed_among_the_futures():
    values = np.array([100_000.0, 110_000.0, 120_000.0, 130_000.0])
    text = distribution_html(values, 125_000.0)
    assert "75% of the futures end lower" in text and 'class="story"' in text
    assert "place" not in distribution_html(values, None) and 'class="story"' not in (
        distribution_html(values, None)
    )


def test_a_run_to_the_horizon_reaches_it():
    model = run_to_horizon(ClassroomModel(seed=1))
    assert model.day == model.days == 365


@pytest.mark.browser
@pytest.mark.slow
def test_debrief_in_chromium(browser, server, tmp_path):
    context, page = open_page(browser, server)
    try:
        shares = page.eval_on_selector_all(
            ".front-map .region", "els => els.map(e => [e.dataset.region, +e.dataset.share])"
        )
        assert dict(shares)["Luhansk"] == pytest.approx(0.99, abs=0.01)
        assert dict(shares)["Crimea"] == pytest.approx(1.0, abs=0.01)
        before = dict(shares)["Donetsk"]
        button(page, "Run to the end").click()
        page.wait_for_function(
            "() => document.querySelector('.sim-day').textContent === '365'", timeout=TIMEOUT_MS
        )
        page.wait_for_function(
            f"() => +document.querySelector('.region[data-region=Donetsk]').dataset.share"
            f" !== {before}",
            timeout=TIMEOUT_MS,
        )
        assert "day 365" in page.inner_text(".front-map-box")
        # The decision log as CSV.
        with page.expect_download(timeout=TIMEOUT_MS) as info:
            page.get_by_text("Download the decision log (CSV)").click()
        path = tmp_path / "log.csv"
        info.value.save_as(path)
        rows = list(csv.reader(path.open()))
        assert tuple(rows[0]) == LOG_COLUMNS and len(rows) > 10
        # A chart as an image: vega-embed's menu offers PNG and SVG.
        page.locator(".chart-control details summary").first.click()
        assert page.locator(".chart-control .vega-actions a", has_text="PNG").count() == 1
        assert page.locator(".chart-control .vega-actions a", has_text="SVG").count() == 1
        # Two settings side by side, and the story (world 0, run to the end) among the futures.
        button(page, "Compare A and B").click()
        page.wait_for_selector(".comparison", timeout=TIMEOUT_MS)
        table = page.inner_text(".comparison")
        assert "A: the levers in force" in table and "US pressure on Russia ×3" in table
        assert page.locator(".comparison .setting-a").count() == 6
        words = page.inner_text(".distribution-words")
        assert "200 futures" in words and "of the futures end lower" in words
        assert page.locator(".distribution .story").count() == 1
        from axe_playwright_python.sync_playwright import Axe

        for theme in ("light", "dark"):
            if theme == "dark":
                page.get_by_text("Dark mode", exact=True).click()
                page.wait_for_selector(".theme-dark", timeout=TIMEOUT_MS)
                page.wait_for_timeout(500)
            found = Axe().run(page, options={"runOnly": ["color-contrast"]}).response
            assert found["violations"] == [], (theme, found["violations"][:1])
        # A second run: the debrief lists both.
        button(page, "Reset").click()
        page.wait_for_function(
            "() => document.querySelector('.sim-day').textContent === '0'", timeout=TIMEOUT_MS
        )
        page.wait_for_function(
            "() => document.querySelectorAll('.runs tr').length === 3", timeout=TIMEOUT_MS
        )
        assert "365" in page.locator(".runs tr").nth(1).inner_text()
        no_error(page)
    finally:
        context.close()
