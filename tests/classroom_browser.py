"""Shared set-up of the classroom app's browser tests: one server per test module, Chromium.

Uses Debian's ``chromium`` package (no browser download) through Playwright's
``executable_path``. A test module imports the fixtures ``server`` and ``browser`` (and lists
them in ``__all__`` so that linters keep the import).
"""

from __future__ import annotations

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

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 60_000
SERVER_START_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_command(port: int) -> list[str]:
    """``ceasefire-sim demo`` on ``port`` of this computer only."""
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is absent: install Debian's chromium package (apt-get install chromium)"
        )
    tmp = tmp_path_factory.mktemp("classroom")
    port = free_port()
    log = tmp / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            demo_command(port),
            cwd=tmp,  # a fresh working directory: the app must not rely on the caller's
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
    assert process.poll() is not None  # the server ended with the module


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser, url: str, width: int = 1280, height: int = 720):
    """A new context and page on the app, with its first chart drawn."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(url, timeout=TIMEOUT_MS)
    page.wait_for_selector(".chart-control svg.marks", timeout=TIMEOUT_MS)
    return context, page


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def day(page) -> int:
    return int(page.inner_text(".sim-day"))


def wait_day(page, expected: int) -> None:
    page.wait_for_function(
        f"() => document.querySelector('.sim-day')?.textContent === '{expected}'",
        timeout=TIMEOUT_MS,
    )


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the vuetify select labelled ``label``."""
    page.locator(".v-select", has=page.get_by_text(label, exact=True)).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def no_error(page) -> None:
    text = page.inner_text("body")
    assert "Traceback" not in text and "The run stopped" not in text


def set_slider(page, index: int, value: int) -> None:
    """Move the ``index``-th slider of the page to ``value`` with the keyboard."""
    slider = page.get_by_role("slider").nth(index)
    slider.focus()
    for _ in range(60):
        now = int(float(slider.get_attribute("aria-valuenow")))
        if now == value:
            return
        slider.press("ArrowRight" if now < value else "ArrowLeft")
    raise AssertionError(f"slider {index} did not reach {value}")
