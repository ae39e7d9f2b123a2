"""`ceasefire-sim demo` in headless Chromium: step, and the date, the log and the charts move.

Uses the shared server and Chromium of ``tests/classroom_browser.py``.
Set ``CEASEFIRE_SIM_DOCS_SCREENSHOT=1`` to also refresh ``docs/img/classroom.png``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.classroom_browser import TIMEOUT_MS, browser, server
from tests.conftest import ROOT

__all__ = ["browser", "server"]
pytestmark = pytest.mark.browser

START_DATE = dt.date(2025, 3, 13)  # the baseline's day 0
STEPS = 8  # past the first negotiation day (day 5), so the log has a proposal
DOCS_STEPS = 40
VIEWPORT = {"width": 1440, "height": 1400}


def test_demo_steps_in_headless_chromium(browser, server: str, tmp_path: Path) -> None:
    demo_url = server
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(demo_url, timeout=TIMEOUT_MS)
        page.wait_for_selector(".sim-date", timeout=TIMEOUT_MS)
        chart = ".chart-control svg.marks"
        page.wait_for_selector(chart, timeout=TIMEOUT_MS)
        date_before = page.inner_text(".sim-date")
        log_before = page.inner_text(".narrative-log")
        chart_before = page.inner_html(".chart-control")
        assert date_before == START_DATE.strftime("%A %d %B %Y")

        step = page.get_by_role("button", name="Step", exact=True)
        for day in range(1, STEPS + 1):
            step.click()
            # One click, one day: wait for the server's answer before the next click.
            page.wait_for_function(
                f"() => document.querySelector('.sim-day')?.textContent === '{day}'",
                timeout=TIMEOUT_MS,
            )

        expected = START_DATE + dt.timedelta(days=STEPS)
        assert page.inner_text(".sim-date") == expected.strftime("%A %d %B %Y")
        log_after = page.inner_text(".narrative-log")
        assert log_after != log_before
        assert "The mediator proposes" in log_after
        assert page.locator(".narrative-row").count() >= 3  # a proposal and two answers
        page.wait_for_function(
            "before => document.querySelector('.chart-control').innerHTML !== before",
            arg=chart_before,
            timeout=TIMEOUT_MS,
        )
        assert page.locator(".classroom-chart svg.marks").count() >= 3
        # Incremental: every chart was embedded once and has drawn the days 0 to STEPS, one
        # update at a time (a re-embedded chart would count 2).
        for name in ("control", "status", "beliefs"):
            page.wait_for_function(
                f"() => document.querySelector('.chart-{name}').dataset.days === '{STEPS + 1}'",
                timeout=TIMEOUT_MS,
            )
            assert page.get_attribute(f".chart-{name}", "data-embeds") == "1", name
        assert "Territory held by Russia:" in page.text_content(".chart-control svg.marks")
        assert "Russia" in page.inner_text(".decision-panel")

        external = [u for u in requested if not u.startswith((demo_url, "data:", "blob:"))]
        assert external == [], "the page must work offline"
        page.screenshot(path=str(tmp_path / "classroom.png"))
        assert (tmp_path / "classroom.png").stat().st_size > 10_000

        if os.environ.get("CEASEFIRE_SIM_DOCS_SCREENSHOT"):
            for day in range(STEPS + 1, DOCS_STEPS + 1):
                step.click()
                page.wait_for_function(
                    f"() => document.querySelector('.sim-day')?.textContent === '{day}'",
                    timeout=TIMEOUT_MS,
                )
            (ROOT / "docs" / "img").mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ROOT / "docs" / "img" / "classroom.png"))
    finally:
        context.close()
