"""Scenario commands: ``validate``, ``schema``, ``sources`` and ``list``.

``validate`` prints ``FILE: ok`` or every problem of each file and exits with status 2 when any
file fails; ``schema`` prints (or writes) the JSON Schema editors use; ``sources`` is the evidence
appendix of a scenario; ``list`` shows the scenarios of a folder with their one-line purpose.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import click

from ceasefire_sim.cli.options import SCENARIO, allow_outside_option, scenario_options
from ceasefire_sim.errors import Problem, ScenarioError
from ceasefire_sim.scenario.loader import EvidenceRow, check_scenario, evidence_rows, load_scenario
from ceasefire_sim.scenario.schema import scenario_json_schema
from ceasefire_sim.scenario.yamlio import load_yaml

_SEEDS_HELP = (
    "Folder of seed articles to check quotes against (default: the seeds/ folder next to or "
    "above each scenario file, else ./seeds)."
)
_SCHEMA_LINE = "yaml-language-server:"
_PIPE_WIDTH = 200


@click.command()
@click.argument("files", nargs=-1, required=True, type=SCENARIO)
@click.option(
    "--strict",
    is_flag=True,
    help="Also fail on numeric values with no quote, source or assumption.",
)
@click.option(
    "--seeds", type=click.Path(file_okay=False, path_type=Path), default=None, help=_SEEDS_HELP
)
@scenario_options
@allow_outside_option
def validate(
    files: tuple[Path, ...],
    strict: bool,
    seeds: Path | None,
    overrides: tuple[str, ...],
    allow_outside: bool,
) -> None:
    """Check scenario FILEs: "ok", or every problem; exit status 2 if any file fails.

    Prints "FILE: ok" for each good file. Each problem reads FILE:LINE: dotted.path: what is wrong (what is allowed); the exit status
    is 2 when any file fails. Quotes are checked against the seed articles; --strict also
    requires a quote, source or assumption for every numeric value written in the scenario.
    The model's day-0 state is built for 1,000 worlds, so what `run` would refuse is refused here.
    """
    from ceasefire_sim.api import day0_problems

    problems: list[Problem] = []
    for file in files:
        scenario, found = check_scenario(
            file,
            overrides,
            seeds=seeds,
            strict=strict,
            require_seeds=True,
            allow_outside=allow_outside,
        )
        if scenario is not None:
            try:
                found = [*found, *day0_problems(scenario)]
            except ValueError:
                # A value that cannot be drawn (a posterior file's missing column): the
                # problems found above already say which, and no day-0 state can be built.
                if not found:
                    raise
        if found:
            problems.extend(found)
        else:
            click.echo(f"{file}: ok")
    if problems:
        # The CLI's entry point prints these on stderr, one per line, and exits with status 2.
        raise ScenarioError(problems)


@click.command()
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the schema to this file instead of printing it.",
)
def schema(out: Path | None) -> None:
    """Print the JSON Schema of scenario files, for editors' completion and checking."""
    text = schema_text()
    if out is None:
        click.echo(text, nl=False)
        return
    _write_atomically(out, text)
    click.echo(f"Schema written to {out}")


def _write_atomically(path: Path, text: str) -> None:
    """Write UTF-8 text through a temporary file and a rename, so no half file is ever left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as handle:
            tmp = Path(handle.name)
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


def schema_text() -> str:
    """The JSON Schema of a scenario file as the text ``schema`` prints and writes."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"


@click.command()
@click.argument("scenario", type=SCENARIO)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "markdown"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--seeds", type=click.Path(file_okay=False, path_type=Path), default=None, help=_SEEDS_HELP
)
@scenario_options
@allow_outside_option
def sources(
    scenario: Path, fmt: str, seeds: Path | None, overrides: tuple[str, ...], allow_outside: bool
) -> None:
    """List every value of SCENARIO with its quote, source or assumption.

    Values the scenario leaves to the model's defaults are listed with "default" as their place.
    """
    loaded = load_scenario(scenario, overrides, seeds=seeds, allow_outside=allow_outside)
    rows = evidence_rows(loaded)
    if fmt == "csv":
        click.echo(_csv(rows), nl=False)
    elif fmt == "markdown":
        click.echo(_markdown(rows), nl=False)
    else:
        _table(rows, title=f"{loaded.name}: {len(rows)} values")


_COLUMNS = ("path", "value", "kind", "evidence", "where")


def _cells(row: EvidenceRow) -> tuple[str, ...]:
    return (row.path, row.value, row.kind, row.evidence, row.where)


def _csv(rows: list[EvidenceRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_COLUMNS)
    writer.writerows(_cells(r) for r in rows)
    return buffer.getvalue()


def _markdown(rows: list[EvidenceRow]) -> str:
    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|")

    out = ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    for row in rows:
        path, value, kind, evidence, where = (cell(c) for c in _cells(row))
        out.append(f"| `{path}` | {value} | {kind} | {evidence} | {where} |")
    return "\n".join(out) + "\n"


def _table(rows: list[EvidenceRow], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        # Piped into a file or a pager: rich would assume 80 columns and fold every citation.
        console = Console(width=_PIPE_WIDTH)
    table = Table(title=title)
    table.add_column("path", no_wrap=True)
    table.add_column("value", overflow="fold", max_width=32)
    table.add_column("kind", no_wrap=True)
    table.add_column("evidence", overflow="fold", ratio=1)
    table.add_column("where", no_wrap=True)
    for row in rows:
        where = Path(row.file).name if row.file not in ("default", "--set") else row.file
        if row.line is not None:
            where += f":{row.line}"
        table.add_row(row.path, row.value, row.kind, row.evidence, where)
    console.print(table)


@click.command("list")
@click.argument(
    "folder", required=False, type=click.Path(file_okay=False, path_type=Path), default=None
)
def list_scenarios(folder: Path | None) -> None:
    """List the scenarios in FOLDER (default: the library shipped with the package).

    The purpose is the file's own `description`, else its header comment. A scenario of the
    library runs by name from any folder: `ceasefire-sim run white_house_2025-03-13`.
    """
    from ceasefire_sim.scenario.library import library_dir

    folder = folder if folder is not None else library_dir()
    if not folder.is_dir():
        raise ScenarioError(
            f"scenario folder not found: {folder} (give the folder of your scenario files)",
            file=str(folder),
        )
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not files:
        click.echo(f"no scenario files (*.yaml) in {folder}")
        return
    width = max(len(f.name) for f in files)
    for file in files:
        click.echo(f"{file.name:<{width}}  {scenario_purpose(file)}")


def scenario_purpose(path: Path) -> str:
    """One line saying what question a scenario file answers.

    Its own ``description`` (not one inherited through ``extends``), else its header comment
    (the comment lines before the first key, without the editor's schema line), collapsed onto
    one line; a file that cannot be read says why.
    """
    try:
        document, _ = load_yaml(path)
    except ScenarioError as exc:
        return f"(cannot read: {exc.problems[0].message})"
    description = document.get("description")
    if isinstance(description, str) and description.strip():
        return " ".join(description.split())
    return _header_comment(path) or "(no description or header comment)"


def _header_comment(path: Path) -> str:
    words: list[str] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped or words:
                break
            continue
        text = stripped.lstrip("#").strip()
        if text.startswith(_SCHEMA_LINE):
            continue
        words.extend(text.split())
    return " ".join(words)
