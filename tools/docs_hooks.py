"""mkdocs hooks of the documentation site (``make docs``).

The site is built from the files everyone edits, never from copies of them:

- the home page is ``README.md``, the scenario format is ``scenarios/README.md`` followed by every
  setting of the format, generated from the schema (``ceasefire_sim.scenario.doc.schema_rows``),
  the changelog is ``CHANGELOG.md`` and the benchmarks page ``benchmarks/RESULTS.md``;
- a link between repository files becomes a link between site pages where the target is on the
  site, and the file's path in code type where it is not (a scenario file, a notebook), so the
  pages read the same in the repository and on the site. A link to a file that exists nowhere is
  left alone, so ``mkdocs build --strict`` fails on it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]

#: Site page -> the repository file it is made from (pages in docs/ are their own source).
GENERATED: dict[str, str] = {
    "index.md": "README.md",
    "scenario-format.md": "scenarios/README.md",
    "changelog.md": "CHANGELOG.md",
    "benchmarks.md": "benchmarks/RESULTS.md",
}
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(([^)\s]+)\)")
_EXTERNAL = ("http://", "https://", "mailto:", "#")


def _site_path(repo_path: str) -> str | None:
    """The site file made from a repository file, or None if it is not on the site."""
    for page, source in GENERATED.items():
        if repo_path == source:
            return page
    if repo_path.startswith("docs/") and (ROOT / repo_path).exists():
        return repo_path.removeprefix("docs/")
    return None


def _source_of(page: str) -> str:
    return GENERATED.get(page, f"docs/{page}")


def rewrite_links(markdown: str, page: str) -> str:
    """Point the links of ``page`` (a site path) at site pages, or name the file in code."""
    source_dir = posixpath.dirname(_source_of(page))
    page_dir = posixpath.dirname(page)

    def replace(match: re.Match[str]) -> str:
        bang, text, target = match.groups()
        if target.startswith(_EXTERNAL):
            return match.group(0)
        path, _, anchor = target.partition("#")
        repo_path = posixpath.normpath(posixpath.join(source_dir, path))
        site = _site_path(repo_path)
        if site is None and not (ROOT / repo_path).exists():
            return match.group(0)  # a broken link: mkdocs reports it (an error with --strict)
        if site is None:
            # Not on the site: say which file of the repository is meant.
            shown = text if text.startswith("`") else f"{text} (`{repo_path}`)"
            return shown if text.strip("`") != repo_path else f"`{repo_path}`"
        relative = posixpath.relpath(site, page_dir or ".")
        return f"{bang}[{text}]({relative}{'#' + anchor if anchor else ''})"

    return _LINK.sub(replace, markdown)


def scenario_settings() -> str:
    """Every setting of the scenario format, from the schema."""
    from ceasefire_sim.scenario.doc import schema_rows

    lines = [
        "",
        "## Every setting of the format",
        "",
        "Generated from the schema (the pydantic models in `ceasefire_sim.scenario.schema`, also"
        " given as the JSON Schema [`scenario.schema.json`](scenario.schema.json)). A number is"
        " written in any of the three ways above.",
        "",
        "| setting | type | meaning (unit) |",
        "|---|---|---|",
    ]
    lines += [f"| `{path}` | {kind} | {text} |" for path, kind, text in schema_rows()]
    return "\n".join(lines) + "\n"


def on_files(files: Files, config: Any) -> Files:
    """Add the pages made from files outside ``docs/``."""
    for page, source in GENERATED.items():
        text = (ROOT / source).read_text(encoding="utf-8")
        if page == "scenario-format.md":
            text += scenario_settings()
        files.append(File.generated(config, page, content=text))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Rewrite the links of every page for the site."""
    return rewrite_links(markdown, page.file.src_uri)
