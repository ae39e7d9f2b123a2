"""`ceasefire-sim demo` in headless Chromium: step, and the date, the log and the charts move.

Uses Debian's ``chromium`` package (no browser download) through Playwright's ``executable_path``.
Set ``CEASEFIRE_SIM_DOCS_SCREENSHOT=1`` to also refresh ``docs/img/classroom.png``.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_DATE = dt.date(2025, 3, 13)  # the baseline's day 0
STEPS = 8  # past the first negotiation day (day 5), so the log has a proposal
DOCS_STEPS = 40
VIEWPORT = {"width": 1440, "height": 1400}
SERVER_START_S = 120.0
UI_TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("ceasefire-sim")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "ceasefire_sim.cli"]
    return [*base, "demo", "--port", str(port), "--host", "127.0.0.1"]


def wait_until_served(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"demo exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"demo did not serve {url} within {SERVER_START_S:.0f} s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    """Terminate the server and anything it started (its own session), then make sure."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


@pytest.fixture
def demo_url(tmp_path: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is absent: install Debian's chromium package (apt-get install chromium)"
        )
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            demo_command(port),
            cwd=tmp_path,  # a fresh working directory: the app must not rely on the caller's
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_until_served(url, process, log)
            yield url
        finally:
            stop(process)
    assert process.poll() is not None


def test_demo_steps_in_headless_chromium(demo_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        try:
            page = context.new_page()
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(demo_url, timeout=UI_TIMEOUT_MS)
            page.wait_for_selector(".sim-date", timeout=UI_TIMEOUT_MS)
            chart = ".chart-control svg.marks"
            page.wait_for_selector(chart, timeout=UI_TIMEOUT_MS)
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
                    timeout=UI_TIMEOUT_MS,
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
                timeout=UI_TIMEOUT_MS,
            )
            assert page.locator(".classroom-chart svg.marks").count() >= 3
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
                        timeout=UI_TIMEOUT_MS,
                    )
                (ROOT / "docs" / "img").mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ROOT / "docs" / "img" / "classroom.png"))
        finally:
            context.close()
