"""The classroom app in headless Chromium: time to first chart and days per second in play.

Starts ``ceasefire-sim demo`` (1 world, the baseline), opens the page in Debian's Chromium,
measures the time from navigation to the first chart drawn, then presses Play (render interval
1, play interval 0: the page's defaults) and counts the days the page shows per second over
``--seconds``. Writes the key ``classroom`` into ``benchmarks/results.json`` (other keys kept).
Run it after ``benchmarks/run.py``, which rewrites that file (``make bench`` does).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.classroom_browser import ARGS, CHROMIUM, demo_command, free_port, stop  # noqa: E402


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
            browser.close()
    finally:
        stop(process)
        log.close()
    return {
        "time_to_first_chart_s": round(first_chart_s, 2),
        "play_days_per_s_1_world": round((day1 - day0) / (t1 - t0), 1),
        "play_seconds_measured": round(t1 - t0, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    args = parser.parse_args()
    figures = measure(args.seconds)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    results["classroom"] = figures
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for key, value in figures.items():
        print(f"classroom {key}: {value}")


if __name__ == "__main__":
    main()
