"""The classroom app in headless Chromium: time to first chart and days per second in play.

Starts ``ceasefire-sim demo`` (1 world, the baseline), opens the page in Debian's Chromium,
measures the time from navigation to the first chart drawn, then presses Play (render interval
1, play interval 0: the page's defaults) and counts the days the page shows per second over
``--seconds``, and again from day :data:`LATE_DAY` (the charts append new days, so a late day
should cost what an early one does; the front chart is embedded once). Writes the key ``classroom`` into ``benchmarks/results.json`` (other keys kept).
Run it after ``benchmarks/run.py``, which rewrites that file (``make bench`` does).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.classroom_browser import ARGS, CHROMIUM, demo_command, free_port, stop  # noqa: E402

#: Play is measured a second time from this day on, for ``LATE_SECONDS``.
LATE_DAY = 280
LATE_SECONDS = 2.0
#: Days per second in play that the classroom needs (a year in under 20 s).
TARGET_DAYS_PER_S = 20


def measure(seconds: float) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = open("/tmp/ceasefire-classroom-bench.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        demo_command(port), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the demo server did not start") from None
                time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            start = time.monotonic()
            page.goto(url, timeout=60_000)
            page.wait_for_selector(".chart-control svg.marks", timeout=60_000)
            first_chart_s = time.monotonic() - start
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_function("() => +document.querySelector('.sim-day').textContent >= 1")
            day0, t0 = int(page.inner_text(".sim-day")), time.monotonic()
            page.wait_for_timeout(seconds * 1000)
            day1, t1 = int(page.inner_text(".sim-day")), time.monotonic()
            # Late in the year: the charts append the new days, so play should not slow down.
            page.wait_for_function(
                f"() => +document.querySelector('.sim-day').textContent >= {LATE_DAY}",
                timeout=300_000,
            )
            day2, t2 = int(page.inner_text(".sim-day")), time.monotonic()
            page.wait_for_timeout(LATE_SECONDS * 1000)
            day3, t3 = int(page.inner_text(".sim-day")), time.monotonic()
            embeds = page.get_attribute(".chart-control", "data-embeds")
            browser.close()
    finally:
        stop(process)
        log.close()
    return {
        "time_to_first_chart_s": round(first_chart_s, 2),
        "play_days_per_s_1_world": round((day1 - day0) / (t1 - t0), 1),
        "play_seconds_measured": round(t1 - t0, 1),
        "play_days_per_s_1_world_late": round((day3 - day2) / (t3 - t2), 1),
        "late_from_day": day2,
        "front_chart_embeds": int(embeds or 0),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }


SECTION = "## The classroom app in Chromium"


def markdown(figures: dict[str, float]) -> str:
    """The section of ``RESULTS.md`` on the classroom app."""
    met = "yes" if figures["play_days_per_s_1_world"] >= TARGET_DAYS_PER_S else "**no**"
    return (
        f"{SECTION}\n\n"
        "`benchmarks/classroom.py`: `ceasefire-sim demo` (1 world, the baseline) in headless "
        "Chromium at 1280x720, Play at the page's defaults (render interval 1 day, play interval "
        f"0). Load average {figures['load_average_1min']} on the machine's cores at the end.\n\n"
        "| figure | value | target | met |\n|---|---:|---|---|\n"
        f"| time to first chart (s) | {figures['time_to_first_chart_s']} | - | - |\n"
        f"| days per second in play, first {figures['play_seconds_measured']} s | "
        f"{figures['play_days_per_s_1_world']} | >= {TARGET_DAYS_PER_S} | {met} |\n"
        f"| days per second in play from day {figures['late_from_day']} | "
        f"{figures['play_days_per_s_1_world_late']} | - | - |\n"
        f"| times the front chart was embedded in the year | {figures['front_chart_embeds']} "
        "| 1 | " + ("yes" if figures["front_chart_embeds"] == 1 else "**no**") + " |\n\n"
        "The charts append each update's new days (at most every 0.25 s while playing) to a chart "
        "embedded once, so a late day should cost what an early one does.\n"
    )


def write_section(path: Path, figures: dict[str, float]) -> None:
    """Put the classroom section into ``RESULTS.md`` (replacing an earlier one)."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    if SECTION in text:
        head, _, rest = text.partition(SECTION)
        tail = rest.split("\n## ", 1)
        text = head.rstrip("\n") + "\n\n" + (("## " + tail[1]) if len(tail) > 1 else "")
    path.write_text(text.rstrip("\n") + "\n\n" + markdown(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    args = parser.parse_args()
    figures = measure(args.seconds)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    results["classroom"] = figures
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    write_section(args.out.with_name("RESULTS.md"), figures)
    for key, value in figures.items():
        print(f"classroom {key}: {value}")
    met = "yes" if figures["play_days_per_s_1_world"] >= TARGET_DAYS_PER_S else "no"
    print(f"classroom play target >= {TARGET_DAYS_PER_S} days/s at 1 world: met {met}")


if __name__ == "__main__":
    main()
