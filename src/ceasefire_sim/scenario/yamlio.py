"""Safe YAML loading with line numbers, and the primitives scenarios are composed from.

* :func:`load_yaml` reads one file with ``yaml.safe_load`` semantics and returns, next to the
  document, the 1-based line of every value by dotted path (``"belligerents.russia.force"``,
  list items as ``"events.0.date"``), so later checks can point at the offending line.
  It refuses what a scenario never needs and an attacker might use: anchors and aliases (which
  make billion-laughs bombs possible), merge keys, oversized files, duplicate and non-string
  keys.
* :func:`load_with_extends` follows a top-level ``extends: base.yaml`` chain and
  :func:`deep_merge` s the files, remembering which file set each value last.
* :func:`parse_assignment` and :func:`apply_assignment` implement ``--set dotted.path=value``
  overrides, including ``*`` over every key of a mapping.

Every failure is a :class:`~ceasefire_sim.errors.ScenarioError` naming the file (and the line
where there is one); no YAML traceback reaches the user.
"""

from __future__ import annotations

import copy
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ceasefire_sim.errors import Problem, ScenarioError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "apply_assignment",
    "deep_merge",
    "load_with_extends",
    "load_yaml",
    "parse_assignment",
]

DEFAULT_MAX_BYTES = 1_000_000
"""Largest scenario file :func:`load_yaml` reads; real scenarios are a few kilobytes."""

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# SafeLoader resolves a bare "=" key to this tag and constructs it as the string "=".
_VALUE_TAG = "tag:yaml.org,2002:value"

_PATH_RE = re.compile(r"[^.\s=]+(?:\.[^.\s=]+)*")


class _RefusedError(yaml.MarkedYAMLError):
    """Valid YAML we refuse to read; rendered with its own message, not as a syntax error."""


class _Loader(yaml.SafeLoader):
    """``SafeLoader`` that refuses anchors/aliases and reports bad scalars with their line."""

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        # Refuse at composition time, before any node is shared, so that a billion-laughs
        # document is rejected at its first anchor rather than expanded by our line walk.
        event = self.peek_event()
        if self.check_event(AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _RefusedError(
                problem="YAML anchors and aliases are not allowed; write the values out in full "
                "or use 'extends'",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (yaml.YAMLError, RecursionError):
            raise
        except Exception as exc:
            # SafeConstructor lets Python's own errors escape for values that match a resolver
            # pattern but are out of range (``2025-13-01``, ``0b_``, ``!!int abc``).
            tag = node.tag.rsplit(":", 1)[-1]
            value = node.value if isinstance(node, ScalarNode) else "..."
            raise yaml.constructor.ConstructorError(
                problem=f"cannot read {value!r} as a {tag} ({exc})",
                problem_mark=node.start_mark,
            ) from None


# YAML 1.2 reads ``1e5`` and ``1.2e5`` as numbers; PyYAML's YAML 1.1 rules read them as text
# (its float needs a dot and a signed exponent). A scenario means the number.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def _problem(file: str, line: int | None, path: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(file=file, line=line, path=path, message=message)])


def _join(prefix: str, key: object) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _read_text(path: Path, file: str, max_bytes: int) -> str:
    """Read ``path`` as UTF-8 text, refusing missing, unreadable, oversized and non-UTF-8 files."""
    try:
        if path.is_dir():
            raise _problem(file, None, "", "is a directory, not a YAML file")
        # Opened without blocking and checked on the open descriptor: a FIFO or a device named
        # *.yaml would otherwise block the read forever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _problem(
                    file, None, "", "is not a regular file (a FIFO, socket or device); give a file"
                )
            if info.st_size > max_bytes:
                raise _problem(
                    file, None, "", f"file is {info.st_size} bytes; the limit is {max_bytes} bytes"
                )
            # Read one byte past the limit: the size can change between stat and read.
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise _problem(file, None, "", "file not found") from None
    except OSError as exc:
        raise _problem(file, None, "", f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise _problem(file, None, "", f"file is larger than the limit of {max_bytes} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _problem(
            file,
            line,
            "",
            f"file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)",
        ) from None
    return text.removeprefix("\ufeff")


def _yaml_error(exc: yaml.YAMLError, text: str, file: str) -> ScenarioError:
    """Turn a PyYAML exception into a one-sentence :class:`ScenarioError` with a line."""
    if isinstance(exc, _RefusedError):
        mark = exc.problem_mark
        return _problem(file, mark.line + 1 if mark else None, "", str(exc.problem))
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        char = exc.character
        code = ord(char) if isinstance(char, str) else int(char)
        return _problem(
            file, line, "", f"invalid YAML: control character U+{code:04X} is not allowed"
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        # PyYAML splits some messages across context and problem ("expected a single document
        # in the stream", "but found another document"); drop the dangling conjunction.
        problem = (exc.problem or exc.context or "cannot parse").strip().removeprefix("but ")
        where = f" at column {mark.column + 1}" if exc.problem_mark else ""
        message = f"invalid YAML{where}: {problem}"
        if exc.context and exc.problem and exc.context_mark:
            message += f" ({exc.context.strip()}, line {exc.context_mark.line + 1})"
        return _problem(file, line, "", message)
    return _problem(file, None, "", f"invalid YAML: {exc}")


def _index_lines(node: Node, prefix: str, lines: dict[str, int], file: str) -> None:
    """Record the line of every value under ``node`` and refuse bad or duplicate keys."""
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            path = _join(prefix, index)
            lines[path] = item.start_mark.line + 1
            _index_lines(item, path, lines, file)
    elif isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                raise _problem(
                    file, line, prefix, "YAML merge keys (<<) are not allowed; use 'extends'"
                )
            if not isinstance(key_node, ScalarNode) or key_node.tag not in (_STR_TAG, _VALUE_TAG):
                shown = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                raise _problem(
                    file,
                    line,
                    prefix,
                    f"mapping keys must be strings, found {shown!r}; quote it if it is a name",
                )
            key = key_node.value
            path = _join(prefix, key)
            if key in seen:
                raise _problem(
                    file, line, path, f"duplicate key {key!r} (first set on line {seen[key]})"
                )
            seen[key] = line
            # The key's line, not the value's: a nested mapping's value starts on the next line,
            # and the key is what a user looks for.
            lines[path] = line
            _index_lines(value_node, path, lines, file)


def load_yaml(
    path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[Any, dict[str, int]]:
    """Load one YAML file safely, with the line of every value.

    Args:
        path: The file to read.
        max_bytes: Refuse files larger than this.

    Returns:
        ``(document, lines)``: the document as plain dicts, lists and scalars (``yaml.safe_load``
        semantics, so ``2025-03-13`` is a ``datetime.date``), and a mapping from dotted path
        (``"belligerents.russia.force"``, ``"events.0.date"``) to the 1-based line where that
        value's key (or list item) is. The whole document is the path ``""``.

    Raises:
        ScenarioError: The file is missing, unreadable, too large or not UTF-8; it is not valid
            YAML; it uses anchors, aliases or merge keys; a mapping has a duplicate or non-string
            key; or the document is not a mapping.
    """
    file = str(path)
    text = _read_text(Path(path), file, max_bytes)
    loader: _Loader | None = None
    lines: dict[str, int] = {}
    try:
        # The reader checks for control characters as it is built, so build it inside the try.
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is not None:
            lines[""] = node.start_mark.line + 1
            _index_lines(node, "", lines, file)
            document = loader.construct_document(node)
        else:
            document = None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from None
    except RecursionError:
        raise _problem(file, None, "", "the document is nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(document, dict):
        found = "an empty document" if document is None else f"a {type(document).__name__}"
        raise _problem(
            file,
            lines.get(""),
            "",
            f"the document must be a mapping of keys to values, found {found}",
        )
    return document, lines


def deep_merge(base: dict, override: dict) -> dict:
    """Merge ``override`` on top of ``base`` without changing either.

    Mappings merge key by key, recursively. Anything else in ``override`` (a list, a scalar,
    ``None``) replaces the value in ``base`` whole: lists are not concatenated, and ``None`` sets
    the value to ``None`` rather than deleting the key.

    Args:
        base: The mapping merged onto.
        override: The mapping whose values win.

    Returns:
        A new mapping sharing no mutable values with either input.
    """
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Yield the dotted path of every value inside ``value`` (not ``prefix`` itself)."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        path = _join(prefix, key)
        yield path
        yield from _paths(item, path)


def load_with_extends(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_outside: bool = False,
    _stack: list[tuple[Path, str]] | None = None,
    _roots: tuple[Path, ...] | None = None,
) -> tuple[dict, dict[str, tuple[str, int]]]:
    """Load a scenario file, following a top-level ``extends: other.yaml`` chain.

    The extended file (relative to this file's folder) is loaded first, recursively, and this
    file's document (without ``extends``) is :func:`deep_merge` d on top of it.

    Args:
        path: The file to read.
        max_bytes: Refuse any file in the chain larger than this.
        allow_outside: Let ``extends`` name a file outside the first file's folder tree and the
            bundled scenarios (:data:`ceasefire_sim.scenario.library.LIBRARY`). Without it such a file is refused unread, so an
            error message never shows the keys of some other YAML file.
        _stack: Files being loaded further up the chain (internal; detects cycles).
        _roots: Folders the chain may read from (internal).

    Returns:
        ``(document, lines)``: the merged document and, for each dotted path in it, the
        ``(file, line)`` where its value was last set. A value inherited whole from a base
        file keeps the base file's line; a list replaced by an override has only the
        override's lines.

    Raises:
        ScenarioError: Any error of :func:`load_yaml` in any file of the chain; an ``extends``
            value that is not a file name; a missing extended file (at the ``extends`` line);
            or a cycle of ``extends`` (listing the chain).
    """
    file = str(path)
    document, own_lines = load_yaml(path, max_bytes=max_bytes)
    resolved = _resolve(Path(path), file)
    stack = [*(_stack or []), (resolved, file)]
    roots = _roots if _roots is not None else (resolved.parent, *_library_roots())
    if "extends" not in document:
        return document, {p: (file, line) for p, line in own_lines.items()}

    extends = document.pop("extends")
    extends_line = own_lines.get("extends")
    if not isinstance(extends, str) or not extends.strip():
        raise _problem(
            file, extends_line, "extends", f"'extends' must be a file name, found {extends!r}"
        )
    base_path = Path(path).parent / extends
    base_resolved = _resolve(base_path, file, extends_line)
    if not allow_outside and not any(base_resolved.is_relative_to(root) for root in roots):
        raise _problem(
            file,
            extends_line,
            "extends",
            f"{extends!r} lies outside the scenario's folder ({roots[0]}) and the bundled "
            "scenarios; copy the file there, or pass --allow-outside to read it anyway",
        )
    if not base_path.is_file():
        raise _problem(file, extends_line, "extends", f"extended file not found: {base_path}")
    if any(seen == base_resolved for seen, _ in stack):
        chain = " -> ".join([name for _, name in stack] + [str(base_path)])
        raise _problem(file, extends_line, "extends", f"circular 'extends': {chain}")
    base_doc, base_lines = load_with_extends(
        base_path, max_bytes=max_bytes, allow_outside=allow_outside, _stack=stack, _roots=roots
    )

    merged = deep_merge(base_doc, document)
    # Keep a base line only where the base value survived the merge: an override that replaced
    # a list or a scalar leaves the base's paths under it pointing at values that are gone.
    alive = set(_paths(merged))
    lines = {p: where for p, where in base_lines.items() if p in alive}
    for p, line in own_lines.items():
        if p != "extends" and not p.startswith("extends."):
            lines[p] = (file, line)
    return merged, lines


def _library_roots() -> tuple[Path, ...]:
    """The bundled scenarios (``extends`` may always point there), as resolved folders."""
    from ceasefire_sim.scenario.library import LIBRARY

    return (LIBRARY.resolve(),) if LIBRARY.is_dir() else ()


def _resolve(path: Path, file: str, line: int | None = None) -> Path:
    """``path.resolve()``, with a symlink loop as a :class:`ScenarioError`, not a traceback."""
    try:
        return path.resolve()
    except (RuntimeError, OSError) as exc:
        raise _problem(file, line, "", f"cannot resolve {path}: {exc}") from None


def _expected_form() -> str:
    return (
        "expected dotted.path=value, e.g. 'belligerents.russia.force=0.8' or "
        "'allies.*.aid_share_gdp_pct={value: 0.3, assumption: doubled aid}'"
    )


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a ``dotted.path=value`` override.

    The value is read as YAML (flow style), so ``3``, ``0.5``, ``true``, ``null``, ``[a, b]``
    and ``{value: 3, assumption: x}`` all mean what they would in a scenario file. Quote a
    string containing ``: `` or starting with ``- ``.

    Args:
        text: The override as the user typed it.

    Returns:
        ``(path, value)``.

    Raises:
        ScenarioError: No ``=``, a malformed path, an empty value, or a value that is not
            valid flow YAML (the message shows the expected form).
    """
    source = f"--set {text}"
    if "=" not in text:
        raise _problem(source, None, "", f"no '=' in {text!r}; {_expected_form()}")
    path, raw = text.split("=", 1)
    path = path.strip()
    if not _PATH_RE.fullmatch(path):
        raise _problem(
            source, None, path, f"{path!r} is not a dotted path of keys; {_expected_form()}"
        )
    if not raw.strip():
        raise _problem(
            source,
            None,
            path,
            f"no value after '='; write {path}=null for null; {_expected_form()}",
        )
    loader: _Loader | None = None
    try:
        loader = _Loader(raw)
        node = loader.get_single_node()
        if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style:
            # A value like "note: late" would silently become a one-key mapping.
            raise _problem(
                source,
                None,
                path,
                f"value {raw.strip()!r} reads as a YAML block "
                f"{'mapping' if isinstance(node, MappingNode) else 'list'}; quote it if it is "
                "text, or write {...} / [...]",
            )
        value = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        inner = _yaml_error(exc, raw, source).problems[0].message
        raise _problem(source, None, path, f"{inner}; {_expected_form()}") from None
    except RecursionError:
        raise _problem(source, None, path, "value is nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    return path, value


def apply_assignment(doc: dict, path: str, value: Any, *, source: str = "--set") -> dict:
    """Return a copy of ``doc`` with ``value`` set at a dotted ``path``.

    Segments name mapping keys; missing (or ``null``) intermediate mappings are created. A
    numeric segment indexes a list (it must be in range). A ``*`` segment applies the rest of the
    path to every key of the mapping at that point, which must exist and be non-empty
    (``allies.*.aid_share_gdp_pct``).

    Args:
        doc: The document; not changed.
        path: Dotted path, e.g. ``"belligerents.russia.force"``.
        value: The new value (copied into each place it is set).
        source: What to name in errors, e.g. ``"--set"`` or a sweep file.

    Returns:
        The new document.

    Raises:
        ScenarioError: A malformed path, a ``*`` not at a non-empty mapping, a list index that is
            not a number or out of range, or a path that runs through a scalar.
    """
    if not _PATH_RE.fullmatch(path):
        raise _problem(source, None, path, f"{path!r} is not a dotted path of keys")
    segments = path.split(".")
    result = copy.deepcopy(doc)

    def fail(done: list[str], message: str) -> ScenarioError:
        where = ".".join(done) or "the top level"
        return _problem(source, None, path, f"at {where}: {message}")

    def set_in(node: Any, index: int, done: list[str]) -> None:
        segment = segments[index]
        last = index == len(segments) - 1
        if segment == "*":
            if not isinstance(node, dict) or not node:
                found = "an empty mapping" if node == {} else f"a {type(node).__name__}"
                raise fail(done, f"'*' needs an existing non-empty mapping, found {found}")
            keys = list(node)
        elif isinstance(node, list):
            if not segment.isdigit():
                raise fail(done, f"{segment!r} is not a list index (0 to {len(node) - 1})")
            if int(segment) >= len(node):
                raise fail(done, f"index {segment} is out of range; the list has {len(node)} items")
            keys = [int(segment)]
        elif isinstance(node, dict):
            keys = [segment]
        else:
            raise fail(
                done, f"cannot set {segment!r} inside {node!r}, which is not a mapping or list"
            )
        for key in keys:
            if last:
                node[key] = copy.deepcopy(value)
                continue
            child = node.get(key) if isinstance(node, dict) else node[key]
            if child is None and isinstance(node, dict):
                child = node[key] = {}
            set_in(child, index + 1, [*done, str(key)])

    set_in(result, 0, [])
    return result
