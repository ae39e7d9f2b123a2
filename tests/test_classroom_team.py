"""Team mode in Chromium: the teacher starts a session, two teams join with its code."""

from __future__ import annotations

import pytest

from tests.classroom_browser import TIMEOUT_MS, browser, button, choose, no_error, open_page, server

__all__ = ["browser", "server"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _join(browser, server, code, seat, team):
    context, page = open_page(browser, server)
    page.get_by_label("Session code").fill(code)
    choose(page, "Seat", seat)
    page.get_by_label("Team name").fill(team)
    button(page, "Join").click()
    page.wait_for_selector(".team-banner", timeout=TIMEOUT_MS)
    return context, page


def test_two_teams_play_one_session(browser, server):
    teacher_context, teacher = open_page(browser, server)
    contexts = [teacher_context]
    try:
        button(teacher, "Start a team session").click()
        teacher.wait_for_selector(".team-code", timeout=TIMEOUT_MS)
        code = teacher.inner_text(".team-code").strip()
        assert len(code) == 4
        mediator_context, mediator = _join(browser, server, code, "mediator", "Doves")
        ukraine_context, ukraine = _join(browser, server, code, "ukraine", "Kyiv")
        contexts += [mediator_context, ukraine_context]

        # Each team sees its own brief, not the other's.
        ukraine.wait_for_selector(".brief-ukraine", timeout=TIMEOUT_MS)
        assert ukraine.locator(".brief-russia").count() == 0
        assert mediator.locator(".brief-ukraine, .brief-russia").count() == 0
        assert "you are Ukraine" in ukraine.inner_text(".team-banner")

        # The mediator's proposal reaches Ukraine; Russia is played by the model.
        button(mediator, "Propose this package").click()
        button(ukraine, "Accept (Ukraine)").wait_for(timeout=TIMEOUT_MS)
        assert "On the table" in ukraine.inner_text(".negotiation-table")
        assert "Waiting for: Ukraine" in mediator.inner_text(".negotiation-table")
        button(ukraine, "Accept (Ukraine)").click()
        for page in (mediator, ukraine, teacher):
            page.wait_for_function(
                "() => document.querySelector('.narrative-log').innerText.includes('Ukraine accepts')",
                timeout=TIMEOUT_MS,
            )
            russia = page.locator(".answer-russia").inner_text()
            assert "surplus" in russia and ("says yes" in russia or "says no" in russia)
            no_error(page)
    finally:
        for context in contexts:
            context.close()
