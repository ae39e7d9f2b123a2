"""No value of the baseline cites a source or a figure dated after the start's cutoff.

The start date, 13 March 2025, is a forecast origin: every ``source:`` and every ``quote:`` of the
baseline is parsed for dates (``18 Mar 2025``, ``Jun 2025``, ``2025-03-18``, URL paths such as
``/2025/03/18/``) and for the dagger that marks figures from after the start; any of them after
12 March 2025 fails. Quotes from the seed article (``seeds/``) are the defined starting state and
allowed.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from ceasefire_sim.scenario.provenance import normalise_text
from tests.conftest import BASELINE

CUTOFF = dt.date(2025, 3, 12)
SEEDS = Path(__file__).parents[1] / "seeds"
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}\s+(\d{{4}})\b", re.I)
MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{4}})\b", re.I)
ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
URL_DATE = re.compile(r"/(\d{4})/(\d{1,2})(?:/(\d{1,2}))?(?=/|\b)")


def dates_in(text: str) -> list[dt.date]:
    """Every date the text names; a month without a day counts as its first day."""
    found: list[dt.date] = []
    for day, month, year in DAY_MONTH_YEAR.findall(text):
        found.append(dt.date(int(year), MONTHS[month[:3].lower()], int(day)))
    without_days = DAY_MONTH_YEAR.sub(" ", text)
    for month, year in MONTH_YEAR.findall(without_days):
        found.append(dt.date(int(year), MONTHS[month[:3].lower()], 1))
    for year, month, day in ISO.findall(text):
        found.append(dt.date(int(year), int(month), int(day)))
    for year, month, day in URL_DATE.findall(text):
        if 2000 <= int(year) <= 2100 and 1 <= int(month) <= 12:
            found.append(dt.date(int(year), int(month), int(day) if day else 1))
    return found


def _cited(node: object, path: str = "") -> list[tuple[str, str, str]]:
    """``(path, kind, text)`` of every ``source`` and ``quote`` in a scenario document."""
    out: list[tuple[str, str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if key in ("source", "quote") and isinstance(value, str):
                out.append((path, key, value))
            else:
                out.extend(_cited(value, where))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_cited(value, f"{path}[{i}]"))
    return out


def _seed_text() -> str:
    return normalise_text(" ".join(p.read_text() for p in SEEDS.glob("*.txt")))


@pytest.mark.parametrize(
    "text, latest",
    [
        ("Trump-Putin call of 18 March 2025", dt.date(2025, 3, 18)),
        ("CSIS via CNN, about 400k by Jun 2025", dt.date(2025, 6, 1)),
        ("kyivindependent.com/2025/03/18/story", dt.date(2025, 3, 18)),
        ("dataset to 2025-03-12", dt.date(2025, 3, 12)),
        ("Dec 2024 - Feb 2025", dt.date(2025, 2, 1)),
    ],
)
def test_dates_are_found(text, latest):
    assert max(dates_in(text)) == latest


def test_no_source_or_quote_of_the_baseline_is_dated_after_the_cutoff():
    document = yaml.safe_load(BASELINE.read_text())
    seed = _seed_text()
    cited = _cited(document)
    assert len(cited) > 100  # the walk finds the baseline's citations
    late = []
    for path, kind, text in cited:
        if kind == "quote" and normalise_text(text) in seed:
            continue
        if "†" in text or any(d > CUTOFF for d in dates_in(text)):
            late.append(f"{path}.{kind}: {text}")
    assert not late, "cited after 12 March 2025:\n" + "\n".join(late)
