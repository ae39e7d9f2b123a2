"""Every setting of the scenario format is documented in docs/model.md.

The schema is walked recursively from ``Scenario`` (by a walk of its own, apart from the one that
generates the document's reference; only the unwrapping of Optional/Annotated is shared); each
field's dotted name must appear in the document. Keys of dict-valued fields may be written as any
``<placeholder>`` (``<side>``, ``<ally>``, ``<issue>.<option>``), as ``*`` or as a real key; items
of a list of sections (the events) as ``<i>``, ``*``, ``[]``, an index, or nothing
(``events.date``).
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from ceasefire_sim.scenario.doc import _unwrap
from ceasefire_sim.scenario.params import Evidence, Param
from ceasefire_sim.scenario.schema import Scenario

MODEL_MD = Path(__file__).resolve().parents[1] / "docs" / "model.md"
EVIDENCE_FIELDS = ("quote", "source", "assumption")

#: How each dict-valued field's keys are named in messages (any placeholder is accepted).
KEY_LABELS = {
    "belligerents": "<side>",
    "allies": "<ally>",
    "salience": "<issue>",
    "values": "<issue>",
    "preferences": "<issue>",
    "hazard_ratio_guarantees": "<option>",
    "hazard_ratio_type": "<option>",
}
KEY, ITEM = object(), object()


def _is_section(annotation: typing.Any) -> bool:
    return (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and annotation is not Param
    )


def _walk(annotation: typing.Any, segments: list) -> list[list]:
    """Dotted names (as segment lists) of the settings under a field."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if _is_section(annotation):
        names = []
        for name, field in annotation.model_fields.items():
            if issubclass(annotation, Evidence) and name in EVIDENCE_FIELDS:
                continue
            names += _walk(field.annotation, [*segments, name])
        return names
    if origin is dict:
        value = _unwrap(typing.get_args(annotation)[1])
        if value is Param or _is_section(value) or typing.get_origin(value) is dict:
            nested = isinstance(segments[-1], tuple)  # issue -> option
            label = "<option>" if nested else KEY_LABELS.get(segments[-1], "<key>")
            return _walk(value, [*segments, (KEY, label)])
    if origin is list:
        item = _unwrap(typing.get_args(annotation)[0])
        if _is_section(item):
            return _walk(item, [*segments, (ITEM, "<i>")])
    return [segments]


def schema_names() -> list[list]:
    """Every setting of the scenario format as a list of segments."""
    return _walk(Scenario, [])


def display(segments: list) -> str:
    return ".".join(s[1] if isinstance(s, tuple) else s for s in segments)


def pattern(segments: list) -> re.Pattern[str]:
    placeholder = r"(?:<[^<>`|\n]+>|\*|[A-Za-z0-9_]+)"
    parts = []
    for i, s in enumerate(segments):
        if isinstance(s, tuple) and s[0] is ITEM:
            parts.append(r"(?:\.(?:<[^<>`|\n]+>|\*|\d+)|\[\d*\])?")
            continue
        dot = r"\." if i else ""
        parts.append(dot + (placeholder if isinstance(s, tuple) else re.escape(s)))
    return re.compile(r"(?<![A-Za-z0-9_.<])" + "".join(parts) + r"(?![A-Za-z0-9_])")


def undocumented(text: str) -> list[str]:
    return [display(s) for s in schema_names() if not pattern(s).search(text)]


def test_walk_finds_the_settings_of_every_kind():
    names = {display(s) for s in schema_names()}
    assert {
        "name",
        "horizon_days",
        "front.noise_df",
        "belligerents.<side>.belief.prior_mean_km2_per_day",
        "belligerents.<side>.preferences.values.<issue>.<option>",
        "belligerents.<side>.preferences.red_lines",
        "allies.<ally>.gdp_bn",
        "mediator.preferences.<issue>.<option>",
        "truce.hazard_ratio_guarantees.<option>",
        "talks.options_on_table",
        "talks.initial_proposal.package.truce",
        "talks.initial_proposal.accepted_by",
        "events.<i>.date",
        "events.<i>.set",
    } <= names
    # Sections and evidence are not settings of their own.
    assert "front" not in names and "talks.initial_proposal.quote" not in names


def test_matching_accepts_placeholders_and_rejects_near_misses():
    def documented(name_segments: list, text: str) -> bool:
        return bool(pattern(name_segments).search(text))

    side = ["belligerents", (KEY, "<side>"), "belief", "prior_mean_km2_per_day"]
    assert documented(side, "| `belligerents.<side>.belief.prior_mean_km2_per_day` | x |")
    assert documented(side, "set `belligerents.<belligerent>.belief.prior_mean_km2_per_day`")
    assert documented(side, "`belligerents.*.belief.prior_mean_km2_per_day`")
    assert not documented(side, "`belligerents.<side>.belief.prior_mean`")
    assert not documented(side, "`belligerents.<side>.prior_mean_km2_per_day`")
    assert not documented(["talks", "first_day"], "`talks.first_day_x`")
    assert not documented(["first_day"], "`talks.first_day`")
    event = ["events", (ITEM, "<i>"), "date"]
    for text in ("`events.<i>.date`", "`events[].date`", "`events.date`", "`events.0.date`"):
        assert documented(event, text), text


def test_every_schema_parameter_is_documented_in_model_md():
    missing = undocumented(MODEL_MD.read_text(encoding="utf-8"))
    assert not missing, (
        f"{len(missing)} settings of the scenario format are not named in docs/model.md "
        "(write each dotted name; dict keys may be <placeholders>):\n  " + "\n  ".join(missing)
    )
