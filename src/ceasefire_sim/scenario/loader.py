"""Load a scenario: YAML (safe), ``extends``, ``--set`` overrides, validation, quote checks.

Every failure is a :class:`~ceasefire_sim.errors.ScenarioError` listing each problem as
``file:line: dotted.path: what is wrong (what is allowed)``. :func:`check_scenario` collects every
problem it can find (schema, dated events, quotes, and in strict mode values without evidence)
instead of stopping at the first; :func:`load_scenario` raises them all at once.

Quotes are checked whenever a seed folder is found: the ``seeds/`` folder next to or above the
file the quote is written in (else ``./seeds``), or the folder passed as ``seeds``. So
``ceasefire-sim run`` refuses a misquote just as ``ceasefire-sim validate`` does; only
``validate`` also fails when there is no seed folder to check against.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ceasefire_sim.errors import Problem, ScenarioError
from ceasefire_sim.scenario.params import Evidence, Param, check_range, num_bounds, range_text
from ceasefire_sim.scenario.provenance import SeedCorpus, check_quotes
from ceasefire_sim.scenario.schema import EventConfig, InitialProposal, Scenario
from ceasefire_sim.scenario.yamlio import apply_assignment, load_with_extends, parse_assignment

#: Name of the folder of seed articles that quotes must come from.
SEEDS_DIR = "seeds"

#: Where a value set by ``--set`` is said to come from.
OVERRIDE_FILE = "--set"

#: Keys of a numeric value's object form that choose its form (fixed or a distribution).
_CHOOSERS = frozenset({"value", "dist"})

_MAX_SHOWN = 80


def load_scenario(
    path: str | Path,
    overrides: Sequence[str] | dict[str, Any] | None = None,
    *,
    seeds: str | Path | None = None,
    allow_outside: bool = False,
) -> Scenario:
    """Read, compose and validate a scenario file.

    Args:
        path: The YAML file.
        overrides: ``dotted.path=value`` strings (as given to ``--set``) or a mapping of dotted
            path to value, applied after ``extends`` is resolved. A ``*`` segment applies to every
            key at that level (``allies.*.aid_share_gdp_pct=0.1``).
        seeds: Folder of seed articles to check quotes against. By default the ``seeds/`` folder
            next to or above the file each quote is written in, else ``./seeds``; quotes go
            unchecked when there is none.
        allow_outside: Let ``extends`` read files outside the scenario's folder tree and the
            bundled scenarios (``--allow-outside``).

    Returns:
        The validated :class:`Scenario`; ``scenario_file(s)``, ``scenario_lines(s)`` and
        ``scenario_document(s)`` give its origin.

    Raises:
        ScenarioError: With every problem found.
    """
    scenario, problems = check_scenario(path, overrides, seeds=seeds, allow_outside=allow_outside)
    if problems or scenario is None:
        raise ScenarioError(problems or [Problem(str(path), None, "", "invalid scenario")])
    return scenario


def resolve_posteriors(scenario: Scenario, lines: dict[str, Any], file: str) -> list[Problem]:
    """Point each ``dist: posterior`` value at its file, relative to the YAML file that gave it.

    Returns:
        A problem for each file that cannot be read or lacks the column named.
    """
    problems = []
    for dotted, param in numeric_paths(scenario).items():
        if param.dist != "posterior":
            continue
        where, line = locate(lines, dotted, file)
        param.with_base(Path(where).resolve().parent)
        try:
            low, high = param.support()
        except ValueError as exc:
            problems.append(Problem(file=where, line=line, path=dotted, message=str(exc)))
            continue
        bounds = _bounds_at(dotted)
        wrong = bounds and (check_range(low, bounds) or check_range(high, bounds))
        if wrong:
            message = (
                f"posterior column {param.column!r} has {wrong} (allowed: {range_text(bounds)})"
            )
            problems.append(Problem(file=where, line=line, path=dotted, message=message))
    return problems


def check_scenario(
    path: str | Path,
    overrides: Sequence[str] | dict[str, Any] | None = None,
    *,
    seeds: str | Path | None = None,
    strict: bool = False,
    require_seeds: bool = False,
    allow_outside: bool = False,
) -> tuple[Scenario | None, list[Problem]]:
    """Load a scenario and collect every problem with it rather than stopping at the first.

    A file that cannot be read or parsed as YAML, or a bad override, gives that one problem.
    Otherwise all schema problems are reported together with every quote not found in the seeds
    (quotes are checked even when the schema fails) and, with ``strict``, every numeric value
    written without a quote, source or assumption (only once the schema passes).

    Args:
        path: The YAML file.
        overrides: As for :func:`load_scenario`.
        seeds: As for :func:`load_scenario`.
        strict: Also report numeric values (and parameter-changing events) with no evidence.
        require_seeds: Report quotes that cannot be checked for want of a seed folder.
        allow_outside: As for :func:`load_scenario`.

    Returns:
        ``(scenario, problems)``: the scenario is ``None`` when it does not validate; it may be
        set while quote or strict problems are reported.
    """
    file = str(path)
    try:
        document, lines = compose(path, overrides, allow_outside=allow_outside)
    except ScenarioError as exc:
        return None, list(exc.problems)
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = validate_document(document, lines, file)
    except ScenarioError as exc:
        problems.extend(exc.problems)
    if scenario is not None:
        problems.extend(resolve_posteriors(scenario, lines, file))
    problems.extend(quote_problems(document, lines, file, seeds=seeds, require=require_seeds))
    if strict and scenario is not None:
        problems.extend(unsourced_problems(scenario))
    problems.sort(key=lambda p: (p.file, p.line if p.line is not None else -1))
    return scenario, problems


def compose(
    path: str | Path,
    overrides: Sequence[str] | dict[str, Any] | None = None,
    *,
    allow_outside: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The scenario document after ``extends`` and overrides, with where each value was set.

    Where a file in the ``extends`` chain gives a numeric value in another form than the file it
    extends (a distribution for a number, another distribution, or a new ``value``), its entry
    replaces the base's whole, evidence included, instead of merging key by key into an
    impossible mix of both forms. An entry that gives only ``quote``/``source``/``assumption``
    adds that evidence to the base's value.

    Args:
        path: The YAML file.
        overrides: As for :func:`load_scenario`.
        allow_outside: As for :func:`load_scenario`.

    Returns:
        ``(document, lines)``: plain data, and dotted path -> ``(file, line)``; values set by an
        override are at ``("--set", None)``.

    Raises:
        ScenarioError: The file chain cannot be read, or an override is malformed.
    """
    # Parse the overrides first: a malformed --set is reported without reading any file.
    assignments = list(_override_items(overrides))
    document, lines = load_with_extends(path, allow_outside=allow_outside)
    document.pop("extends", None)
    _replace_changed_forms(document, lines, "")
    for dotted, value in assignments:
        document = apply_assignment(document, dotted, value, source=f"--set {dotted}")
        for concrete in expand_path(document, dotted):
            for key in [k for k in lines if k.startswith(f"{concrete}.")]:
                del lines[key]
            lines[concrete] = (OVERRIDE_FILE, None)
    return document, lines


def _replace_changed_forms(node: Any, lines: dict[str, Any], prefix: str) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _replace_changed_forms(item, lines, f"{prefix}.{i}" if prefix else str(i))
        return
    if not isinstance(node, dict):
        return
    # Only a numeric value's object form has `value` or `dist` (other sections have `values`).
    if prefix and _CHOOSERS & set(node):
        owner = _file_of(lines, prefix)
        if any(_file_of(lines, f"{prefix}.{k}") == owner for k in _CHOOSERS & set(node)):
            for key in list(node):
                child = f"{prefix}.{key}"
                if _file_of(lines, child) != owner:
                    del node[key]
                    lines.pop(child, None)
        return
    for key, value in node.items():
        _replace_changed_forms(value, lines, f"{prefix}.{key}" if prefix else str(key))


def _file_of(lines: dict[str, Any], path: str) -> str | None:
    where = lines.get(path)
    return where[0] if isinstance(where, tuple) else None


def expand_path(document: Any, dotted: str) -> list[str]:
    """The concrete dotted paths a path with ``*`` segments names in ``document``."""
    found: list[str] = []

    def walk(node: Any, segments: list[str], done: list[str]) -> None:
        if not segments:
            found.append(".".join(done))
            return
        head, rest = segments[0], segments[1:]
        if head == "*" and isinstance(node, dict):
            for key, child in node.items():
                walk(child, rest, [*done, str(key)])
        elif isinstance(node, dict) and head in node:
            walk(node[head], rest, [*done, head])
        elif isinstance(node, list) and head.isdigit() and int(head) < len(node):
            walk(node[int(head)], rest, [*done, head])

    walk(document, dotted.split("."), [])
    return found


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
    """Validate a composed document against the schema (quotes are not checked here).

    Args:
        document: The YAML document as plain data.
        lines: Dotted path -> ``(file, line)`` (or a line number) where each value was set.
        file: The file named in errors when a path has no known line.

    Raises:
        ScenarioError: With one problem per validation error.
    """
    try:
        scenario = Scenario.validated(document)
    except ValidationError as exc:
        raise ScenarioError(
            [_problem(err, lines, file, document) for err in exc.errors()]
        ) from None
    problems = [*_check_dates(scenario, lines, file), *_check_physical(scenario, lines, file)]
    problems.extend(_check_events(scenario, lines, file))
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


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """The composed document a loaded scenario was validated from (``{}`` if built in code)."""
    return getattr(scenario, "__document__", {})


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


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _problem(err: Any, lines: dict[str, Any], file: str, document: Any = None) -> Problem:
    loc = _document_loc(err["loc"], document)
    dotted = ".".join(loc)
    where_file, line = locate(lines, dotted, file)
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        key = loc[-1] if loc else "?"
        allowed = f" (allowed: {', '.join(parent.model_fields)})" if parent is not None else ""
        close = difflib.get_close_matches(key, list(parent.model_fields), n=1) if parent else []
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = f"unknown key {key!r}{hint}{allowed}"
    elif kind == "missing":
        message = "required value missing"
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
        if "input" in err and not isinstance(err["input"], dict | list):
            message += f" (got {_shown(err['input'])})"
    return Problem(file=where_file, line=line, path=dotted, message=message)


def _document_loc(loc: tuple[Any, ...], document: Any) -> list[str]:
    """The keys of an error location, without the tags pydantic adds for its validators.

    A part that is a key (or index) of the document at that point is kept whatever its name,
    so a user's key that happens to read like a tag (``Param``) is not lost.
    """
    node = document
    out: list[str] = []
    for part in loc:
        if isinstance(node, dict) and str(part) in node:
            node = node[str(part)]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif _is_validator_tag(part):
            continue
        else:
            node = None  # a missing key: nothing below it in the document
        out.append(str(part))
    return out


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


# ------------------------------------------------------------------------- physical bounds
#: Earliest and latest start date: from Ukraine's independence to the end of the century. A
#: date near year 9999 would overflow the calendar once the horizon is added.
EARLIEST_START = dt.date(1991, 8, 24)
LATEST_START = dt.date(2100, 12, 31)

#: Areas that cannot exceed Ukraine's (``territory.ukraine_area_km2``), checked on the values
#: worlds draw: the largest draw of each against the smallest draw of the area.
_AREAS = (
    "territory.control_km2",
    "territory.four_oblasts_unheld_km2",
    "territory.line_2022_km2",
    "front.initial_gain_km2_per_month",
)

#: Physical ceilings of values the schema bounds only below (``*`` matches any key), checked on
#: the largest value a world can draw: far above anything this war has seen, low enough that a
#: mistyped exponent or a wide lognormal is an error rather than a billion casualties a day.
PHYSICAL_MAX: dict[str, tuple[float, str]] = {
    "belligerents.*.personnel": (1e7, "persons"),
    "belligerents.*.casualties_per_day": (1e5, "persons a day"),
    "belligerents.*.recruitment_per_day": (1e5, "persons a day"),
    "belligerents.*.materiel_bn": (1e5, "US$ bn"),
    "belligerents.*.gdp_bn": (1e6, "US$ bn a year"),
    "mediator.gdp_bn": (1e6, "US$ bn a year"),
    "allies.*.gdp_bn": (1e6, "US$ bn a year"),
    "mediator.aid_bn_per_year": (1e4, "US$ bn a year"),
    "territory.ukraine_area_km2": (1e6, "km²"),
    "front.noise_scale_km2": (1e5, "km²"),
    "allies.*.reassurance_troops": (1e7, "persons"),
}


def physical_max(path: str) -> tuple[float, str] | None:
    """The physical ceiling of the value at a dotted path (``(max, unit)``), if it has one."""
    for pattern, bound in PHYSICAL_MAX.items():
        if path.count(".") == pattern.count(".") and fnmatch.fnmatchcase(path, pattern):
            return bound
    return None


def _check_dates(scenario: Scenario, lines: dict[str, Any], file: str) -> list[Problem]:
    problems = []
    if not EARLIEST_START <= scenario.start_date <= LATEST_START:
        where_file, line = locate(lines, "start_date", file)
        problems.append(
            Problem(
                where_file,
                line,
                "start_date",
                f"{scenario.start_date} is outside {EARLIEST_START} to {LATEST_START}",
            )
        )
    for i, event in enumerate(scenario.events):
        if event.date < scenario.start_date:
            where_file, line = locate(lines, f"events.{i}.date", file)
            problems.append(
                Problem(
                    where_file,
                    line,
                    f"events.{i}.date",
                    f"{event.date} is before start_date ({scenario.start_date}); an event "
                    "cannot change the past: date it on or after the start, or set the value "
                    "in the scenario itself",
                )
            )
        elif event.date > LATEST_START + dt.timedelta(days=3650):
            where_file, line = locate(lines, f"events.{i}.date", file)
            problems.append(
                Problem(where_file, line, f"events.{i}.date", f"{event.date} is implausibly late")
            )
    return problems


def _check_physical(scenario: Scenario, lines: dict[str, Any], file: str) -> list[Problem]:
    params = numeric_paths(scenario)
    problems = []
    area = _support(params["territory.ukraine_area_km2"])[0]
    for path in _AREAS:
        high = _support(params[path])[1]
        if high > area:
            where_file, line = locate(lines, path, file)
            problems.append(
                Problem(
                    where_file,
                    line,
                    path,
                    f"{'values up to ' if params[path].varies else ''}{high:,.0f} km² exceed "
                    f"Ukraine's area (territory.ukraine_area_km2 = {area:,.0f} km²)",
                )
            )
    for path, param in params.items():
        bound = physical_max(path)
        if bound is None:
            continue
        high = _support(param)[1]
        if high > bound[0]:
            where_file, line = locate(lines, path, file)
            drawn = f"draws up to {high:,.4g}" if param.varies else f"{high:,.4g}"
            problems.append(
                Problem(
                    where_file,
                    line,
                    path,
                    f"{drawn} {bound[1]} is beyond the physical limit of {bound[0]:,.0f}",
                )
            )
    return problems


def check_override(path: str, value: Any) -> str | None:
    """Why an override of the value at ``path`` (a number or an ``(N,)`` array) is refused.

    The same range and physical checks a scenario file gets, for values set in code
    (``simulate(overrides=...)``) and by sweeps.

    Returns:
        What is wrong, or ``None`` if the value is allowed.
    """
    import numpy as np

    try:
        values = np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        return f"{path}: expected a number or an array of numbers, got {_shown(value)}"
    if values.size == 0:
        return f"{path}: no values given"
    if not np.all(np.isfinite(values)):
        return f"{path}: every value must be a finite number"
    bounds = _bounds_at(path)
    for end in (float(values.min()), float(values.max())):
        wrong = check_range(end, bounds) if bounds is not None else check_range(end, (None,) * 3)
        if wrong:
            allowed = f" (allowed: {range_text(bounds)})" if bounds is not None else ""
            return f"{path}: {wrong}{allowed}"
        ceiling = physical_max(path)
        if ceiling is not None and end > ceiling[0]:
            return (
                f"{path}: {end:,.4g} {ceiling[1]} is beyond the physical limit of {ceiling[0]:,.0f}"
            )
    return None


# ---------------------------------------------------------------------------- dated events
#: Values the model reads only to build its day-0 state (stocks, priors, the front's calibration):
#: a dated event could not change them, so an event that names one is refused.
DAY0_STATE: dict[str, str] = {
    "territory.control_km2": "the front moves it; change front.* or the forces instead",
    "belligerents.*.belief.prior_mean_km2_per_day": "beliefs then learn from the front",
    "belligerents.*.belief.prior_sd_km2_per_day": "beliefs then learn from the front",
    "front.initial_gain_km2_per_month": "it calibrates the day-0 front; change the forces",
    "allies.*.defence_share_pct": "spending then moves toward target_share_pct; change that",
    "mediator.gdp_bn": "it sets the day-0 US spending",
    "mediator.aid_before_start_bn_per_year": (
        "it is the aid delivered before day 0; change mediator.aid_bn_per_year"
    ),
    "front.reference.*": "the reference state calibrates the front once; change the forces",
}


def day0_reason(path: str) -> str | None:
    """Why an event cannot change the value at ``path`` (``None`` if it can)."""
    for pattern, reason in DAY0_STATE.items():
        if path.count(".") == pattern.count(".") and fnmatch.fnmatchcase(path, pattern):
            return reason
    return None


# ---------------------------------------------------------------------------- dated events
#: Ally fields that may be left out (the alliance-wide value applies) yet set by an event.
_ALLY_DEFAULTED = ("target_share_pct", "ramp_pct_per_year", "aid_share_gdp_pct")


def _check_events(scenario: Scenario, lines: dict[str, Any], file: str) -> list[Problem]:
    """Every event target must be a numeric parameter, and the value it gets must be allowed."""
    known = numeric_paths(scenario)
    problems = []
    for i, event in enumerate(scenario.events):
        for verb in ("set", "scale"):
            for target, number in getattr(event, verb).items():
                where_file, line = locate(lines, f"events.{i}.{verb}.{target}", file)
                targets = _event_targets(target, known, scenario)
                if not targets:
                    message = (
                        f"{target!r} is not a numeric parameter of the scenario (use a dotted "
                        "path such as mediator.aid_bn_per_year or allies.*.target_share_pct)"
                    )
                elif any(day0_reason(t) for t in targets):
                    path = next(t for t in targets if day0_reason(t))
                    message = (
                        f"{target}: {path} is day-0 state, read once when the model starts, so "
                        f"an event cannot change it ({day0_reason(path)})"
                    )
                else:
                    message = _event_value_problem(verb, target, number, targets)
                if message:
                    problems.append(Problem(where_file, line, f"events.{i}.{verb}", message))
    return problems


def _event_targets(target: str, known: dict[str, Param], scenario: Scenario) -> dict[str, Param]:
    """The parameters an event target names (with ``*`` expanded), by path."""
    parts = target.split(".")
    candidates = dict(known)
    # Ally fields left out fall back to the alliance-wide value, which an event may override.
    for ally, config in scenario.allies.items():
        for field in _ALLY_DEFAULTED:
            if getattr(config, field) is None:
                candidates[f"allies.{ally}.{field}"] = getattr(scenario.alliance, field)
    if "*" not in parts:
        return {target: candidates[target]} if target in candidates else {}
    return {
        path: param
        for path, param in candidates.items()
        if path.count(".") == target.count(".") and fnmatch.fnmatchcase(path, target)
    }


def _support(param: Param) -> tuple[float, float]:
    """A value's lowest and highest possible values, or NaNs where they cannot be read.

    A ``posterior`` value whose file or column is wrong has no support; the checks that compare
    the support with a limit then pass over it, and :func:`resolve_posteriors` reports the file.
    """
    try:
        return param.support()
    except ValueError:
        return float("nan"), float("nan")


def _event_value_problem(
    verb: str, target: str, number: float, targets: dict[str, Param]
) -> str | None:
    ceiling = physical_max(target)
    if ceiling is not None:
        for path, param in targets.items():
            high = number if verb == "set" else _support(param)[1] * number
            if high > ceiling[0]:
                return (
                    f"{path}: {high:,.4g} {ceiling[1]} is beyond the physical limit of "
                    f"{ceiling[0]:,.0f}"
                )
    bounds = _bounds_at(target)
    if bounds is None:
        return None
    allowed = f" (allowed: {range_text(bounds)})"
    if verb == "set":
        wrong = check_range(number, bounds)
        return f"{target}: {wrong}{allowed}" if wrong else None
    if check_range(number, (None, None, None)):
        return f"scale factor of {target}: {number} is not a finite number"
    for path, param in targets.items():
        for end in _support(param):
            wrong = check_range(end * number, bounds) if abs(end) != float("inf") else None
            if wrong:
                return f"scaling {path} by {number:g}: {wrong}{allowed}"
    return None


def _bounds_at(path: str) -> tuple[float | None, float | None, float | None] | None:
    """The allowed range of the numeric field at a dotted path (``*`` matches any key)."""
    node: Any = Scenario
    metadata: list[Any] = []
    for segment in path.split("."):
        model = _model_in(node)
        if model is not None and model is not Param:
            field = model.model_fields.get(segment)
            if field is None:
                return None
            node, metadata = field.annotation, list(field.metadata)
        elif get_origin(_unwrap_optional(node)) is dict:
            node, metadata = get_args(_unwrap_optional(node))[1], []
        else:
            return None
    for candidate in (node, *get_args(node)):
        bounds = num_bounds(candidate)
        if bounds is not None:
            return bounds
    for meta in metadata:
        bounds = getattr(getattr(meta, "func", None), "bounds", None)
        if bounds is not None:
            return bounds
    return None


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) is Union or type(annotation).__name__ == "UnionType":
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _model_in(annotation: Any) -> type[BaseModel] | None:
    inner = _unwrap_optional(annotation)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return inner
    return None


# ------------------------------------------------------------------------------- evidence
def find_seeds(start: str | Path) -> Path | None:
    """The ``seeds/`` folder in ``start`` or its nearest ancestor, else ``./seeds``, else None."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / SEEDS_DIR).is_dir():
            return folder / SEEDS_DIR
    cwd = Path.cwd() / SEEDS_DIR
    return cwd if cwd.is_dir() else None


_CORPORA: dict[tuple[str, tuple[tuple[str, int, int], ...]], SeedCorpus] = {}


def seed_corpus(folder: str | Path) -> SeedCorpus:
    """The seed articles in ``folder``, cached until a file in it changes.

    Raises:
        ScenarioError: The folder does not exist or a seed file is not UTF-8.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ScenarioError(
            f"seed folder not found: {root} (give the folder of the seed articles)", file=str(root)
        )
    signature = tuple(
        (str(f), f.stat().st_mtime_ns, f.stat().st_size)
        for f in sorted(root.rglob("*"))
        if f.is_file()
    )
    key = (str(root.resolve()), signature)
    if key not in _CORPORA:
        if len(_CORPORA) > 16:
            _CORPORA.clear()
        _CORPORA[key] = SeedCorpus.from_dir(root)
    return _CORPORA[key]


def find_quotes(document: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(dotted path of the entry, quote text)`` of every ``quote:`` in a document."""
    if isinstance(document, dict):
        quote = document.get("quote")
        if isinstance(quote, str):
            yield prefix, quote
        for key, value in document.items():
            yield from find_quotes(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            yield from find_quotes(value, f"{prefix}.{i}" if prefix else str(i))


def quote_problems(
    document: dict[str, Any],
    lines: dict[str, Any],
    file: str,
    *,
    seeds: str | Path | None = None,
    require: bool = False,
) -> list[Problem]:
    """Every quote of a composed document that is not in the seed articles.

    Each quote is checked against ``seeds`` if given, else the ``seeds/`` folder next to or above
    the file it is written in (a quote given by ``--set`` uses the scenario file's), else
    ``./seeds``.

    Args:
        document: The composed document.
        lines: Where each value was set (as from :func:`compose`).
        file: The scenario file.
        seeds: The seed folder, or ``None`` to look for one.
        require: Report a quote that cannot be checked because no seed folder is found.

    Returns:
        One problem per quote not found (naming the closest passage), per unreadable seed folder
        and, with ``require``, per quote left unchecked.
    """
    problems: list[Problem] = []
    for path, text in find_quotes(document):
        quote_path = f"{path}.quote"
        quote_file, line = locate(lines, quote_path, file)
        if seeds is not None:
            folder: Path | None = Path(seeds)
        else:
            written_in = file if quote_file == OVERRIDE_FILE else quote_file
            folder = find_seeds(Path(written_in).parent)
        if folder is None:
            if require:
                problems.append(
                    Problem(
                        quote_file,
                        line,
                        quote_path,
                        f"cannot check the quote: no {SEEDS_DIR}/ folder next to or above "
                        f"{quote_file} or in the current folder (pass --seeds DIR)",
                    )
                )
            continue
        try:
            corpus = seed_corpus(folder)
        except ScenarioError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
            continue
        problems.extend(check_quotes([(text, quote_file, line, quote_path)], corpus))
    return problems


def _written(lines: dict[str, Any], path: str) -> bool:
    return path in lines


def unsourced_problems(scenario: Scenario) -> list[Problem]:
    """Numeric values written in the scenario (or by ``--set``) with no quote, source or assumption.

    Values left to the model's defaults are not reported (``ceasefire-sim sources`` lists them as
    defaults); nor are non-numeric settings, which cannot carry evidence. A dated event that
    changes parameters must carry evidence itself.
    """
    lines, file = scenario_lines(scenario), scenario_file(scenario)
    problems = []
    for path, param in numeric_paths(scenario).items():
        if param.provenance is None and _written(lines, path):
            where_file, line = locate(lines, path, file)
            problems.append(
                Problem(
                    where_file,
                    line,
                    path,
                    f"{param.describe()} has no quote, source or assumption "
                    f"(write {{value: {param.describe() if param.dist is None else '...'}, "
                    'source: "..."}, or add quote: or assumption: to it)',
                )
            )
    for i, event in enumerate(scenario.events):
        if (event.set or event.scale) and event.provenance is None:
            where_file, line = locate(lines, f"events.{i}", file)
            problems.append(
                Problem(
                    where_file,
                    line,
                    f"events.{i}",
                    "the event changes parameters but has no quote, source or assumption "
                    "(add one to the event)",
                )
            )
    return problems


@dataclass(frozen=True)
class EvidenceRow:
    """One value of a scenario with its evidence (a row of ``ceasefire-sim sources``).

    Attributes:
        path: Dotted path (``belligerents.russia.casualties_per_day``).
        value: The value, distribution or event as text.
        kind: ``quote``, ``source``, ``assumption`` or ``none``.
        evidence: The quote, citation or reason (``""`` for none).
        file: Where the value was set: a scenario file, ``--set``, or ``default`` (the model's).
        line: Line in that file, if known.
    """

    path: str
    value: str
    kind: str
    evidence: str
    file: str
    line: int | None

    @property
    def where(self) -> str:
        """``file:line``, or just the file."""
        return self.file if self.line is None else f"{self.file}:{self.line}"


def evidence_rows(scenario: Scenario) -> list[EvidenceRow]:
    """Every numeric value of a scenario, the day-0 proposal and each dated event, with evidence.

    Values not written in any scenario file are marked as coming from ``default`` (with the
    assumption the model gives for them, if any).
    """
    lines, file = scenario_lines(scenario), scenario_file(scenario)
    rows: list[EvidenceRow] = []

    def add(path: str, value: str, evidence: Evidence) -> None:
        kind, text = evidence.provenance or ("none", "")
        if _written(lines, path):
            where_file, line = locate(lines, path, file)
        else:
            where_file, line = "default", None
        rows.append(EvidenceRow(path, value, kind, " ".join(text.split()), where_file, line))

    for path, node in iter_values(scenario):
        if path.startswith("events."):
            continue
        if isinstance(node, Param):
            add(path, node.describe(), node)
        elif isinstance(node, InitialProposal):
            terms = ", ".join(f"{i}: {o}" for i, o in node.package.as_dict().items())
            accepted = ", ".join(node.accepted_by) or "nobody"
            add(path, f"{terms}; accepted by {accepted}", node)
    for i, event in enumerate(scenario.events):
        add(f"events.{i}", _event_text(event), event)
        for verb, sign in (("set", "="), ("scale", "x")):
            for target, number in getattr(event, verb).items():
                add(f"events.{i}.{verb}.{target}", f"{sign} {number:g} from {event.date}", event)
    return rows


def _event_text(event: EventConfig) -> str:
    return f"{event.date}: {event.note}" if event.note else str(event.date)
