"""Every render interval the slider offers runs to the horizon: in-process, and in Chromium."""

from __future__ import annotations

import pytest

from ceasefire_sim.app import RENDER_INTERVALS, ClassroomModel
from ceasefire_sim.classroom import Session
from tests.classroom_browser import (
    TIMEOUT_MS,
    browser,
    button,
    no_error,
    open_page,
    server,
    set_slider,
    wait_day,
)

__all__ = ["browser", "server"]

#: Besides the slider's stops, intervals that divide the year unevenly or exceed it.
OTHER_INTERVALS = (4, 29, 365, 400)


@pytest.mark.parametrize("interval", sorted({*RENDER_INTERVALS, *OTHER_INTERVALS}))
def test_every_render_interval_stops_exactly_at_the_horizon(interval):
    session = Session(ClassroomModel, {"seed": 1})
    steps = 0
    while session.advance(interval):
        steps += 1
    assert session.model.day == session.model.days == 365
    assert steps == -(-365 // interval)  # the last step is the rest of the year
    assert session.finished and session.advance(interval) == 0
    assert session.model.recorder.shares[365].sum() == pytest.approx(1.0)


def test_reset_frees_the_model():
    import gc
    import weakref

    session = Session(ClassroomModel, {"seed": 1})
    old = weakref.ref(session.model)
    session.reset()
    gc.collect()
    assert old() is None
    assert session.advance(1) == 1  # the new model runs


@pytest.mark.browser
@pytest.mark.slow
def test_play_to_the_horizon_at_every_render_interval_in_chromium(browser, server):
    context, page = open_page(browser, server)
    try:
        slider = page.get_by_role("slider").first
        assert int(float(slider.get_attribute("aria-valuemax"))) == len(RENDER_INTERVALS) - 1
        for index, value in enumerate(RENDER_INTERVALS):
            button(page, "Reset").click()
            wait_day(page, 0)
            set_slider(page, 0, index)
            unit = "day" if value == 1 else "days"
            page.get_by_text(f"Render interval: {value} {unit} per step").wait_for()
            button(page, "Step").click()
            wait_day(page, value)
            button(page, "Play").click()
            wait_day(page, 365)
            button(page, "Play").wait_for(timeout=TIMEOUT_MS)  # play stopped by itself
            no_error(page)
            button(page, "Step").click()  # at the horizon: nothing happens, no error
            page.wait_for_timeout(300)
            assert page.inner_text(".sim-day") == "365", value
            assert "the end of the run" in page.inner_text(".date-banner")
            no_error(page)
        button(page, "Reset").click()
        wait_day(page, 0)
        button(page, "Run to the end").click()
        wait_day(page, 365)
        assert "the end of the run" in page.inner_text(".date-banner")
        no_error(page)
    finally:
        context.close()
