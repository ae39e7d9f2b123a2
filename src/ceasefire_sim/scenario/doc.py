"""The parameter reference of ``docs/model.md``, generated from the schema and the baseline.

``python -m ceasefire_sim.scenario.doc`` rewrites the part of ``docs/model.md`` between the
``<!-- parameters:start -->`` and ``<!-- parameters:end -->`` markers; a test checks that the
committed file is up to date, so the reference cannot drift from the code.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ceasefire_sim.negotiation.space import BUILT_IN
from ceasefire_sim.scenario.params import Param
from ceasefire_sim.scenario.schema import Scenario

START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "scenarios" / "white_house_2025-03-13.yaml"
MODEL_MD = ROOT / "docs" / "model.md"

#: Placeholders for the keys of dict-valued fields.
KEY_NAMES = {
    "belligerents": "<side>",
    "allies": "<ally>",
    "salience": "<issue>",
    "values": "<issue>.<option>",
    "preferences": "<issue>.<option>",
    "hazard_ratio_guarantees": "<guarantees option>",
    "hazard_ratio_type": "<truce option>",
    "options_on_table": "<issue>",
    "set": "<dotted.path>",
    "scale": "<dotted.path>",
}


def _unwrap(annotation: Any) -> Any:
    """The model class or Param inside Optional/Annotated wrappers."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else annotation
    return annotation


def schema_rows(model: type[BaseModel] = Scenario, prefix: str = "") -> list[tuple[str, str, str]]:
    """``(dotted name, kind, description)`` of every field of the scenario format, recursively."""
    rows: list[tuple[str, str, str]] = []
    for name, field in model.model_fields.items():
        if name in ("quote", "source", "assumption"):
            continue
        path = f"{prefix}{name}"
        annotation = _unwrap(field.annotation)
        description = field.description or ""
        if typing.get_origin(annotation) is dict:
            key = KEY_NAMES.get(name, "<key>")
            value_type = _unwrap(typing.get_args(annotation)[1])
            if typing.get_origin(value_type) is dict:
                value_type = _unwrap(typing.get_args(value_type)[1])
            if (
                isinstance(value_type, type)
                and issubclass(value_type, BaseModel)
                and value_type is not Param
            ):
                rows.extend(schema_rows(value_type, f"{path}.{key}."))
            else:
                rows.append((f"{path}.{key}", _kind(value_type), description))
        elif (
            isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
            and annotation is not Param
        ):
            rows.extend(schema_rows(annotation, f"{path}."))
        elif typing.get_origin(annotation) is list and _is_model(typing.get_args(annotation)[0]):
            rows.extend(schema_rows(typing.get_args(annotation)[0], f"{path}.<i>."))
        else:
            rows.append((path, _kind(annotation), description))
    return rows


def _is_model(annotation: Any) -> bool:
    return (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and annotation is not Param
    )


def _kind(annotation: Any) -> str:
    if annotation is Param:
        return "number"
    if typing.get_origin(annotation) is list:
        return "list"
    return getattr(annotation, "__name__", str(annotation)).replace("datetime.", "")


def _fmt(value: float) -> str:
    return f"{value:,.6g}"


def param_text(param: Param) -> str:
    """A parameter's value or distribution, compactly."""
    if param.dist is None:
        return _fmt(param.value)  # type: ignore[arg-type]
    fields = ("low", "mode", "high", "mean", "sd", "mean_log", "sd_log", "a", "b")
    args = ", ".join(
        f"{k}={_fmt(getattr(param, k))}" for k in fields if getattr(param, k) is not None
    )
    if param.values is not None:
        args = f"values={param.values}"
    return f"{param.dist}({args})"


def provenance_text(param: Param) -> str:
    """``kind: text`` of a parameter's evidence, or ``assumption (schema default)``."""
    found = param.provenance
    if found is None:
        return "assumption (no source given)"
    kind, text = found
    return f"{kind}: {text}"


def reference_markdown(baseline: Scenario) -> str:
    """The generated part of docs/model.md: the schema reference and the baseline's values."""
    from ceasefire_sim.scenario.loader import numeric_paths

    lines = [
        "### Every setting of the scenario format",
        "",
        "| setting | type | meaning (unit) |",
        "|---|---|---|",
    ]
    for path, kind, description in schema_rows():
        lines.append(f"| `{path}` | {kind} | {description} |")
    lines += [
        "",
        "Issues and options (`<issue>`, `<option>`): "
        + "; ".join(
            f"`{i}`: " + ", ".join(f"`{o}`" for o in opts) for i, opts in BUILT_IN.by_issue.items()
        )
        + ".",
        "",
        "### The baseline's values and where they come from",
        "",
        f"`{BASELINE.relative_to(ROOT)}`; allies are listed in the file (GDP and spending: [`docs/sources.md`](sources.md)).",
        "",
        "| setting | value in the baseline | evidence |",
        "|---|---|---|",
    ]
    for path, param in numeric_paths(baseline).items():
        if path.startswith("allies."):
            continue
        evidence = provenance_text(param).replace("|", "/")
        lines.append(f"| `{path}` | {param_text(param)} | {evidence} |")
    return "\n".join(lines)


def update_model_md(path: Path = MODEL_MD) -> bool:
    """Rewrite the generated part of docs/model.md; returns whether it changed."""
    from ceasefire_sim.scenario.loader import load_scenario

    text = path.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{reference_markdown(load_scenario(BASELINE))}\n{END}{tail}"
    if new != text:
        path.write_text(new)
        return True
    return False


if __name__ == "__main__":
    changed = update_model_md()
    print("docs/model.md updated" if changed else "docs/model.md already up to date")
    sys.exit(0)
