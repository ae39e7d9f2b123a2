"""Play a role in Chromium: the mediator proposes and reads both answers; Ukraine accepts and rejects."""

from __future__ import annotations

import re

import pytest

from tests.classroom_browser import TIMEOUT_MS, browser, button, choose, no_error, open_page, server

__all__ = ["browser", "server"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]
NUMBER = re.compile(r"[+-]\d+\.\d\d")


def _answer_has_reasons(text: str) -> None:
    for word in ("surplus", "pressure", "chance", "total"):
        assert word in text
    assert re.search(r"(Ukraine|Russia) says (yes|no)\.", text)
    assert len(NUMBER.findall(text)) >= 8  # six issues, surplus, pressure, chance, total


def _step_until_asked(page, side: str) -> None:
    accept = button(page, f"Accept ({side})")
    for _ in range(40):
        if accept.count():
            return
        button(page, "Step").click()
        page.wait_for_timeout(150)
    accept.wait_for(timeout=TIMEOUT_MS)


def test_mediator_proposes_and_sees_both_answers_with_reasons(browser, server):
    context, page = open_page(browser, server)
    try:
        choose(page, "Your role", "You are the mediator")
        choose(page, "Truce", "indefinite ceasefire")  # exclusion needs a lasting deal
        choose(page, "NATO", "permanent NATO exclusion")
        button(page, "Propose this package").click()
        page.wait_for_selector(".answer-russia", timeout=TIMEOUT_MS)
        panel = page.locator(".decision-panel")
        for side in ("ukraine", "russia"):
            _answer_has_reasons(panel.locator(f".answer-{side}").inner_text())
        text = panel.inner_text()
        assert "permanent NATO exclusion" in text
        assert "Expected durability" in text
        assert "The mediator proposes" in page.inner_text(".narrative-log")
        no_error(page)
    finally:
        context.close()


def test_ukraine_accepts_then_rejects(browser, server):
    context, page = open_page(browser, server)
    try:
        choose(page, "Your role", "You are Ukraine")
        page.wait_for_selector(".brief-ukraine", timeout=TIMEOUT_MS)
        brief = page.inner_text(".brief-ukraine")
        assert "red lines" in brief and "Fighting on" in brief
        assert page.locator(".brief-russia").count() == 0
        _step_until_asked(page, "Ukraine")
        button(page, "Accept (Ukraine)").click()
        page.wait_for_function(
            "() => document.querySelector('.narrative-log').innerText.includes('Ukraine accepts')",
            timeout=TIMEOUT_MS,
        )
        _answer_has_reasons(page.locator(".answer-ukraine").inner_text())
        _step_until_asked(page, "Ukraine")
        button(page, "Reject (Ukraine)").click()
        page.wait_for_function(
            "() => document.querySelector('.narrative-log').innerText.includes('Ukraine rejects')",
            timeout=TIMEOUT_MS,
        )
        assert "says no" in page.locator(".answer-ukraine").inner_text()
        no_error(page)
    finally:
        context.close()
