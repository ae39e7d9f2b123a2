"""Load a scenario: YAML (safe), ``extends``, ``--set`` overrides, validation with line numbers.

Every failure is a :class:`~ceasefire_sim.errors.ScenarioError` listing each problem as
``file:line: dotted.path: what is wrong (what is allowed)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ceasefire_sim.errors import Problem, ScenarioError
from ceasefire_sim.scenario.params import Evidence, Param
from ceasefire_sim.scenario.schema import Scenario
from ceasefire_sim.scenario.yamlio import apply_assignment, load_with_extends, parse_assignment


def load_scenario(
    path: str | Path,
    overrides: Sequence[str] | dict[str, Any] | None = None,
) -> Scenario:
    """Read, compose and validate a scenario file.

    Args:
        path: The YAML file.
        overrides: ``dotted.path=value`` strings (as given to ``--set``) or a mapping of dotted
            path to value, applied after ``extends`` is resolved. A ``*`` segment applies to every
            key at that level (``allies.*.aid_share_gdp_pct=0.1``).

    Returns:
        The validated :class:`Scenario`; ``scenario_file(s)``, ``scenario_lines(s)`` and
        ``scenario_document(s)`` give its origin.

    Raises:
        ScenarioError: With every problem found.
    """
    path = Path(path)
    document, lines = load_with_extends(path)
    document.pop("extends", None)
    for dotted, value in _override_items(overrides):
        document = apply_assignment(document, dotted, value, source=f"--set {dotted}")
        lines[dotted] = ("--set", None)  # type: ignore[assignment]
    return validate_document(document, lines, str(path))


def _override_items(overrides: Sequence[str] | dict[str, Any] | None) -> Iterator[tuple[str, Any]]:
    if not overrides:
        return
    if isinstance(overrides, dict):
        yield from overrides.items()
        return
    for text in overrides:
        yield parse_assignment(text)


def validate_document(
    document: dict[str, Any], lines: dict[str, Any], file: str = "<input>"
) -> Scenario:
    """Validate a composed document against the schema.

    Args:
        document: The YAML document as plain data.
        lines: Dotted path -> ``(file, line)`` (or a line number) where each value was set.
        file: The file named in errors when a path has no known line.

    Raises:
        ScenarioError: With one problem per validation error.
    """
    try:
        scenario = Scenario.model_validate(document)
    except ValidationError as exc:
        raise ScenarioError([_problem(err, lines, file) for err in exc.errors()]) from None
    problems = _check_event_paths(scenario, lines, file)
    if problems:
        raise ScenarioError(problems)
    object.__setattr__(scenario, "__source_file__", file)
    object.__setattr__(scenario, "__source_lines__", lines)
    object.__setattr__(scenario, "__document__", document)
    return scenario


def scenario_file(scenario: Scenario) -> str:
    """The file a scenario was loaded from (``"<input>"`` if built in code)."""
    return getattr(scenario, "__source_file__", "<input>")


def scenario_lines(scenario: Scenario) -> dict[str, Any]:
    """Dotted path -> ``(file, line)`` of each value of a loaded scenario."""
    return getattr(scenario, "__source_lines__", {})


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's validated content (stable across formatting and key order)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def locate(lines: dict[str, Any], dotted: str, default_file: str) -> tuple[str, int | None]:
    """The file and line of a dotted path, falling back to its nearest parent with a known line."""
    parts = dotted.split(".") if dotted else []
    while True:
        key = ".".join(parts)
        if key in lines:
            where = lines[key]
            if isinstance(where, tuple):
                return where[0], where[1]
            return default_file, where
        if not parts:
            return default_file, None
        parts.pop()


def _problem(err: Any, lines: dict[str, Any], file: str) -> Problem:
    loc = [str(p) for p in err["loc"] if not _is_validator_tag(p)]
    dotted = ".".join(loc)
    where_file, line = locate(lines, dotted, file)
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        allowed = f" (allowed: {', '.join(parent.model_fields)})" if parent is not None else ""
        message = f"unknown key {loc[-1]!r}{allowed}"
    elif kind == "missing":
        message = "required value missing"
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
        if "input" in err and not isinstance(err["input"], dict | list):
            message += f" (got {err['input']!r})"
    return Problem(file=where_file, line=line, path=dotted, message=message)


def _is_validator_tag(part: Any) -> bool:
    text = str(part)
    return text.startswith(("function-", "constrained-")) or text in {"Param", "float", "int"}


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    """The pydantic model class at a location in the scenario (for listing allowed keys)."""
    model: Any = Scenario
    i = 0
    while i < len(loc):
        field = (
            model.model_fields.get(loc[i])
            if isinstance(model, type) and issubclass(model, BaseModel)
            else None
        )
        if field is None:
            return None
        model = _inner_model(field.annotation)
        i += 1
        # dict-valued fields: skip the key segment
        if getattr(model, "__origin__", None) is dict or (model is dict):
            i += 1
            model = _inner_model(getattr(field.annotation, "__args__", (None, None))[-1])
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ())
    if getattr(annotation, "__origin__", None) is dict:
        return annotation
    for a in (annotation, *args):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return annotation


def iter_values(scenario: Scenario) -> Iterator[tuple[str, Any]]:
    """Every leaf value of a scenario with its dotted path (Params, evidence-bearing objects, ...)."""
    yield from _walk(scenario, "")


def _walk(node: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Param):
        yield prefix, node
        return
    if isinstance(node, BaseModel):
        if isinstance(node, Evidence) and prefix:
            yield prefix, node
        for name in type(node).model_fields:
            if isinstance(node, Evidence) and name in ("quote", "source", "assumption"):
                continue
            yield from _walk(getattr(node, name), f"{prefix}.{name}" if prefix else name)
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{prefix}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{prefix}.{i}")
    else:
        yield prefix, node


def numeric_paths(scenario: Scenario) -> dict[str, Param]:
    """Dotted path -> Param of every numeric value (the paths events and sweeps may set)."""
    return {
        p: v
        for p, v in iter_values(scenario)
        if isinstance(v, Param) and not p.startswith("events.")
    }


def _check_event_paths(scenario: Scenario, lines: dict[str, Any], file: str) -> list[Problem]:
    known = numeric_paths(scenario)
    problems = []
    for i, event in enumerate(scenario.events):
        for verb in ("set", "scale"):
            for target in getattr(event, verb):
                if not _matches_known(target, known):
                    where_file, line = locate(lines, f"events.{i}.{verb}.{target}", file)
                    problems.append(
                        Problem(
                            where_file,
                            line,
                            f"events.{i}.{verb}",
                            f"{target!r} is not a numeric parameter of the scenario "
                            "(use a dotted path such as mediator.aid_bn_per_year or allies.*.target_share_pct)",
                        )
                    )
    return problems


def _matches_known(target: str, known: dict[str, Param]) -> bool:
    if target in known:
        return True
    parts = target.split(".")
    if "*" in parts:
        import fnmatch

        return any(
            fnmatch.fnmatchcase(k, target) and k.count(".") == target.count(".") for k in known
        )
    # optional ally fields that fall back to the alliance default
    return (
        len(parts) == 3
        and parts[0] == "allies"
        and parts[2] in ("target_share_pct", "ramp_pct_per_year", "aid_share_gdp_pct")
    )
