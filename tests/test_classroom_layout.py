"""Readable in Chromium: contrast (axe-core) in light and dark mode, projector and phone layouts."""

from __future__ import annotations

import pytest

from tests.classroom_browser import TIMEOUT_MS, browser, button, open_page, server

__all__ = ["browser", "server"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _contrast_violations(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": ["color-contrast"]})
    return result.response["violations"]


def test_contrast_in_light_and_dark_mode(browser, server):
    context, page = open_page(browser, server)
    try:
        for _ in range(8):  # a proposal, answers and the log on the page
            button(page, "Step").click()
            page.wait_for_timeout(100)
        page.wait_for_selector(".answer-russia", timeout=TIMEOUT_MS)
        light = _contrast_violations(page)
        assert light == [], [(n["html"], n["failureSummary"]) for v in light for n in v["nodes"]][
            :3
        ]
        page.get_by_text("Dark mode", exact=True).click()
        page.wait_for_selector(".theme-dark", timeout=TIMEOUT_MS)
        page.wait_for_timeout(500)
        dark = _contrast_violations(page)
        assert dark == [], [(n["html"], n["failureSummary"]) for v in dark for n in v["nodes"]][:3]
    finally:
        context.close()


def test_projector_layout_shows_front_table_and_answers_above_the_fold(browser, server):
    for width, height in ((1280, 720), (1920, 1080)):
        context, page = open_page(browser, server, width, height)
        try:
            for selector in (".front-chart", ".negotiation-table", ".decision-panel"):
                box = page.locator(selector).bounding_box()
                assert box is not None and box["width"] > 200, selector
                assert box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box)
                assert box["x"] + box["width"] <= width, (selector, box)
        finally:
            context.close()


def test_phone_layout_fits_and_the_sidebar_closes(browser, server):
    context, page = open_page(browser, server, 390, 844)
    try:
        page.wait_for_selector(".sb-default", timeout=TIMEOUT_MS)
        assert page.locator(".cf-sidebar").bounding_box() is None  # closed on a phone
        widest = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('.cf-root *')]"
            ".map(e => e.getBoundingClientRect().right))"
        )
        assert widest <= 390 + 0.5
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        button(page, "☰ Controls").click()
        page.wait_for_selector(".cf-sidebar", state="visible", timeout=TIMEOUT_MS)
        box = page.locator(".cf-sidebar").bounding_box()
        assert box is not None and 0 < box["width"] <= 390
        button(page, "Close").click()
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('.cf-sidebar')).display === 'none'",
            timeout=TIMEOUT_MS,
        )
        assert page.locator(".cf-sidebar").bounding_box() is None
    finally:
        context.close()
