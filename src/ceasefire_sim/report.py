"""A self-contained HTML report of a run, a sweep or a comparison.

One file, figures embedded as ``data:image/png;base64`` URIs, styles inline, no scripts and no
links to fetch: it opens offline, attached to an email or uploaded to a course page. A run's
report holds the scenario's name and purpose, the headline numbers with their confidence
intervals, the figures with captions, the narrative of one world, and the provenance of every
input value (its verbatim quote, source or flagged assumption).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from ceasefire_sim._version import __version__
from ceasefire_sim.plots import (
    FigureSpec,
    SweepFolder,
    comparison_names,
    figure_specs,
    folder_kind,
    metric_label,
    read_comparison,
    read_manifest,
)
from ceasefire_sim.results import PARAMETER_RUN, Results, _atomic_text, format_value

#: Resolution of the embedded figures: sharp on a projector, small enough to e-mail.
EMBED_DPI = 110
#: Rows of the narrative and of a sweep's point table shown in full.
MAX_ROWS = 60
EVIDENCE_KINDS = ("quote", "source", "assumption")
_PARAM_FIELDS = ("value", "dist", "low", "high", "mode", "mean", "sd", "mean_log", "sd_log")

CSS = """
body{font-family:Helvetica,Arial,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;
margin-top:2.2rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9rem;color:#444}.muted{color:#666;font-size:.85rem}
code{font-size:.85rem}details summary{cursor:pointer;font-weight:bold}
td{overflow-wrap:anywhere}table.provenance{width:100%;table-layout:fixed}
table.provenance th:nth-child(1){width:30%}table.provenance th:nth-child(2){width:17%}
table.provenance th:nth-child(3){width:10%}
"""


# ------------------------------------------------------------------- public
def write_report(source: Results | str | Path, out: str | Path) -> Path:
    """Write the HTML report of ``source`` to ``out`` (atomically).

    Args:
        source: Results, or a run / sweep / comparison folder.
        out: The HTML file to write; its folder is created if needed.

    Returns:
        The path written.
    """
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_text(build_report(source), path)
    return path


def build_report(source: Results | str | Path) -> str:
    """The HTML report of a run, a sweep or a comparison, as one self-contained document.

    Args:
        source: Results, or a run / sweep / comparison folder.

    Returns:
        The HTML text.
    """
    if isinstance(source, Results):
        return _run_report(source, origin=None)
    kind = folder_kind(source)
    if kind == "run":
        return _run_report(Results.load(source), origin=Path(source))
    if kind == "sweep":
        return _sweep_report(SweepFolder.load(source))
    return _compare_report(Path(source))


@dataclass(frozen=True)
class ProvenanceRow:
    """One input value of a scenario and its evidence."""

    path: str
    value: str
    kind: str
    text: str


def provenance_rows(scenario: dict[str, Any]) -> list[ProvenanceRow]:
    """Every evidence-bearing value of a scenario (as plain data), with its evidence.

    A node is evidence-bearing when it has the ``quote``/``source``/``assumption`` fields of
    :class:`~ceasefire_sim.scenario.params.Evidence`: every numeric value (a ``Param``, fixed or
    a distribution) and the package choices, proposals and events. Values written without
    evidence are listed with kind ``none``, so the table shows the gaps too.

    Args:
        scenario: ``Scenario.model_dump(mode="json")`` (``Results.scenario``).

    The rows come from :func:`ceasefire_sim.scenario.loader.evidence_rows` (the table of
    ``ceasefire-sim sources``) when the plain data still validates as a scenario of this version;
    results saved by another version fall back to a walk over the plain data.

    Returns:
        Rows in document order.
    """
    try:
        from ceasefire_sim.scenario.loader import evidence_rows
        from ceasefire_sim.scenario.schema import Scenario

        model = Scenario.validated(scenario)
    except (ImportError, ValidationError):
        return list(_walk(scenario, ""))
    return [ProvenanceRow(r.path, r.value, r.kind, r.evidence) for r in evidence_rows(model)]


# ------------------------------------------------------------------ walker
def _walk(node: Any, path: str) -> Iterator[ProvenanceRow]:
    if isinstance(node, dict):
        if all(k in node for k in EVIDENCE_KINDS):
            given = [(k, str(node[k])) for k in EVIDENCE_KINDS if node.get(k)]
            yield ProvenanceRow(
                path=path,
                value=_describe(node),
                kind=", ".join(k for k, _ in given) or "none",
                text=" | ".join(t for _, t in given),
            )
        for key, child in node.items():
            if isinstance(child, dict | list):
                yield from _walk(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            if isinstance(child, dict | list):
                yield from _walk(child, f"{path}[{i}]")


def describe_value(param: dict[str, Any]) -> str:
    """A scenario value as text: ``112,400``, ``uniform(133, 427)``, ``choice(1, 2; 0.5, 0.5)``."""
    dist = param.get("dist")
    if dist is None:
        return _num(param.get("value"))
    args = {k: param.get(k) for k in _PARAM_FIELDS}
    if dist == "uniform":
        return f"uniform({_num(args['low'])}, {_num(args['high'])})"
    if dist == "triangular":
        return f"triangular({_num(args['low'])}, {_num(args['mode'])}, {_num(args['high'])})"
    if dist == "normal":
        text = f"normal(mean {_num(args['mean'])}, sd {_num(args['sd'])})"
    elif dist == "lognormal":
        text = f"lognormal(mean_log {_num(args['mean_log'])}, sd_log {_num(args['sd_log'])})"
    elif dist == "beta":
        text = f"beta({_num(param.get('a'))}, {_num(param.get('b'))})"
    elif dist == "choice":
        values = ", ".join(_num(v) for v in param.get("values") or [])
        weights = param.get("weights")
        return f"choice({values}" + (
            f"; {', '.join(_num(w) for w in weights)})" if weights else ")"
        )
    else:
        text = str(dist)
    if args["low"] is not None or args["high"] is not None:
        text += f" on [{_num(args['low'])}, {_num(args['high'])}]"
    return text


def _describe(node: dict[str, Any]) -> str:
    if "value" in node and "dist" in node:
        return describe_value(node)
    parts = []
    for key, value in node.items():
        if key in EVIDENCE_KINDS or isinstance(value, dict) or value in (None, [], {}):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}={shown}")
    return "; ".join(parts)


def _num(value: Any) -> str:
    if value is None:
        return "?"
    if isinstance(value, int | float):
        if float(value).is_integer() and abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:g}"
    return str(value)


# ---------------------------------------------------------------- sections
def _run_report(r: Results, origin: Path | None) -> str:
    m = r.manifest
    nested = _parameter_run(origin)
    name = str(m.get("scenario_name") or r.scenario.get("name") or "Unnamed scenario")
    purpose = str(m.get("scenario_description") or r.scenario.get("description") or "")
    facts = [
        ("scenario file", m.get("scenario_file", "")),
        ("scenario hash", str(m.get("scenario_hash", ""))[:16]),
        ("worlds", f"{int(m.get('worlds', len(r.outcomes))):,}"),
        ("days simulated", m.get("days", "")),
        ("start date", m.get("start_date", "")),
        ("seed", m.get("seed", "")),
        ("ceasefire-sim version", m.get("version", "")),
        ("results created", m.get("created", "")),
    ]
    if origin is not None:
        facts.append(("results folder", str(origin)))
    sampled = m.get("sampled_parameters") or []
    parts = [
        f"<h1>{_e(name)}</h1>",
        f"<p>{_e(purpose)}</p>" if purpose else "",
        _facts_table(facts),
        "<h2>Summary</h2>",
        "<p>Estimates over the simulated worlds with two intervals: the 95% Monte Carlo "
        f"interval ({_e(r.design())}; Wilson intervals for probabilities, Woodruff's for "
        "medians) and the 90% range over parameter draws of the per-draw value"
        + (
            f" (nested run: {_e(nested.design())}, Monte Carlo noise removed)"
            if nested is not None and "param_draws" in nested.manifest
            else " (not estimated: this run has no nested run; <code>ceasefire-sim run</code> "
            "makes one)"
        )
        + ". A time to the first ceasefire over all worlds is a Kaplan-Meier statistic; "
        "'not reached' means fewer than half the worlds have one by the horizon.</p>",
        _summary_table(r.summary(parameter_run=nested)),
    ]
    if sampled:
        parts.append(
            "<p>Values drawn per world from their distributions, so the outcomes carry "
            "their uncertainty: " + ", ".join(f"<code>{_e(p)}</code>" for p in sampled) + ".</p>"
        )
    parts += ["<h2>Figures</h2>", _figures(figure_specs(r))]
    parts.append(_narrative(r.events))
    parts.append(_provenance(r.scenario))
    return _page(name, parts)


def _sweep_report(s: SweepFolder) -> str:
    m = s.manifest
    spec = m.get("spec") if isinstance(m.get("spec"), dict) else {}
    scenario = m.get("scenario_name") or spec.get("scenario") or "a scenario"
    name = str(m.get("name") or spec.get("name") or f"Sweep of {scenario}")
    purpose = str(m.get("description") or spec.get("description") or "")
    facts = [
        ("scenario", scenario),
        ("sweep spec", m.get("spec_file", "")),
        ("scenario hash", str(m.get("scenario_hash", ""))[:16]),
        ("method", m.get("method", "")),
        ("points", f"{int(m.get('points', len(s.summary))):,}"),
        ("worlds per point", m.get("worlds_per_point", "")),
        ("days", m.get("days", "")),
        ("seed", m.get("seed", "")),
        ("ceasefire-sim version", m.get("version", "")),
        ("sweep folder", str(s.path)),
    ]
    params = pd.DataFrame(
        [
            {
                "parameter": p.get("path", ""),
                "low": p.get("low"),
                "high": p.get("high"),
                "levels": ", ".join(map(_num, p["values"])) if p.get("values") else "",
            }
            for p in m.get("parameters", [])
        ]
    )
    parts = [
        f"<h1>{_e(name)}</h1>",
        f"<p>{_e(purpose)}</p>" if purpose else "",
        _facts_table(facts),
        "<h2>Swept parameters</h2>",
        _table(params) if not params.empty else "<p>(none listed)</p>",
        "<h2>Summary by point</h2>",
        "<p>Each metric with its 95% interval over the worlds of the point.</p>",
        _sweep_summary_table(s),
    ]
    if s.sensitivity is not None and not s.sensitivity.empty:
        parts += ["<h2>Sensitivity indices</h2>", _table(s.sensitivity, digits=3)]
    parts += ["<h2>Figures</h2>", _figures(figure_specs(s))]
    return _page(name, parts)


def _compare_report(directory: Path) -> str:
    m = read_manifest(directory)
    table = read_comparison(directory)
    a, b = comparison_names(m)
    facts = [
        (f"scenario {key.upper()}", f"{entry.get('name', '')} ({entry.get('file', '')})")
        for key in ("a", "b")
        if isinstance(entry := m.get(key), dict)
    ]
    facts += [(k, v) for k, v in m.items() if isinstance(v, str | int | float) and k != "kind"]
    parts = [
        f"<h1>{_e(b)} vs {_e(a)}</h1>",
        _facts_table(facts),
        "<h2>Paired differences</h2>",
        f"<p>B ({_e(b)}) minus A ({_e(a)}), world by world on common random numbers, with 95% "
        "intervals. A conditional statistic (taken over the worlds with a ceasefire) is not "
        "differenced: the worlds it is taken over differ between A and B.</p>",
        _table(table, digits=4),
        "<h2>Figures</h2>",
        _figures(figure_specs(directory)),
    ]
    return _page(f"{b} vs {a}", parts)


def _parameter_run(origin: Path | None) -> Results | None:
    """The nested run ``ceasefire-sim run --out`` writes beside a run, if there is one."""
    if origin is None or not (origin / PARAMETER_RUN / "manifest.json").exists():
        return None
    return Results.load(origin / PARAMETER_RUN)


# ------------------------------------------------------------------ pieces
def _page(title: str, parts: Sequence[str]) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join(p for p in parts if p)
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{_e(title)} - ceasefire-sim report</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{body}\n<hr>\n<p class='muted'>Report generated by ceasefire-sim "
        f"{_e(__version__)} on {stamp}. The figures are embedded; this file needs no network "
        "connection.</p>\n</body>\n</html>\n"
    )


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _facts_table(rows: Sequence[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows if v != "")
    return f"<table class='facts'>{cells}</table>"


def _format(value: float, unit: str) -> str:
    return format_value(value, unit)


def _summary_table(summary: pd.DataFrame) -> str:
    from ceasefire_sim.metrics import format_interval

    head = (
        "<tr><th>metric</th><th>estimate</th><th>95% Monte Carlo</th>"
        "<th>90% over parameter draws</th><th>n</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{_e(row.metric)}</td><td class='num'>{_e(_format(row.estimate, row.unit))}</td>"
        f"<td class='num'>{_e(format_interval(row.mc_low, row.mc_high, row.unit))}</td>"
        f"<td class='num'>{_e(format_interval(row.param_low, row.param_high, row.unit))}</td>"
        f"<td class='num'>{int(row.n):,}</td></tr>"
        for row in summary.itertuples()
    )
    return f"<table class='summary'>{head}{rows}</table>"


def _sweep_summary_table(s: SweepFolder) -> str:
    table = s.summary
    shown = table.head(MAX_ROWS)
    head = "".join(f"<th>{_e(p)}</th>" for p in ["point", *s.parameters])
    head += "".join(f"<th>{_e(metric_label(m)[0])} (95% CI)</th>" for m in s.metrics)
    rows = []
    for _, row in shown.iterrows():
        cells = [f"<td class='num'>{_e(_num(row.get('point', '')))}</td>"]
        cells += [f"<td class='num'>{_e(_num(row[p]))}</td>" for p in s.parameters if p in row]
        for metric in s.metrics:
            unit = metric_label(metric)[1]
            cells.append(
                f"<td class='num'>{_e(_format(row[metric], unit))} "
                f"({_e(_format(row[f'{metric}_low'], unit))} - "
                f"{_e(_format(row[f'{metric}_high'], unit))})</td>"
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = (
        f"<p class='muted'>First {MAX_ROWS} of {len(table):,} points; all are in "
        "summary.parquet.</p>"
        if len(table) > MAX_ROWS
        else ""
    )
    return f"<table class='summary'><tr>{head}</tr>{''.join(rows)}</table>{note}"


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for v in values:
            if isinstance(v, float):
                cells.append(f"<td class='num'>{_e('' if v != v else f'{v:.{digits}g}')}</td>")
            else:
                cells.append(f"<td>{_e('' if v is None else v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _figures(specs: Sequence[FigureSpec]) -> str:
    blocks = []
    for k, spec in enumerate(specs, start=1):
        buffer = io.BytesIO()
        spec.draw().savefig(buffer, format="png", dpi=EMBED_DPI)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        caption = f"Figure {k}. {spec.caption}"
        blocks.append(
            f"<figure id='{_e(spec.name)}'><img src='data:image/png;base64,{data}' "
            f"alt='{_e(caption)}'><figcaption>{_e(caption)}</figcaption></figure>"
        )
    return "\n".join(blocks) or "<p>No figure applies to these results.</p>"


def _narrative(events: pd.DataFrame) -> str:
    if events is None or events.empty or "world" not in events.columns:
        return ""
    world = int(events["world"].min())
    story = events[events["world"] == world].head(MAX_ROWS)
    rows = "".join(
        f"<tr><td class='num'>{int(e.day)}</td><td>{_e(e.date)}</td><td>{_e(e.actor)}</td>"
        f"<td>{_e(e.text)}</td></tr>"
        for e in story.itertuples()
    )
    return (
        f"<h2>One possible world (world {world})</h2>"
        "<p>What happened in one simulated world, as the model narrates it.</p>"
        f"<table><tr><th>day</th><th>date</th><th>actor</th><th>what happened</th></tr>{rows}"
        "</table>"
    )


def _provenance(scenario: dict[str, Any]) -> str:
    rows = provenance_rows(scenario) if scenario else []
    if not rows:
        return (
            "<h2>Provenance of the inputs</h2><p>The scenario was not saved with the results.</p>"
        )
    counts = {k: sum(k in r.kind.split(", ") for r in rows) for k in (*EVIDENCE_KINDS, "none")}
    summary = (
        f"{len(rows)} input values: {counts['quote']} quoted verbatim from the seed article, "
        f"{counts['source']} with a cited source, {counts['assumption']} flagged as "
        f"assumptions, {counts['none']} without evidence"
    )
    body = "".join(
        f"<tr><td><code>{_e(r.path)}</code></td><td>{_e(r.value)}</td>"
        f"<td>{_e(r.kind)}</td><td>{_e(r.text)}</td></tr>"
        for r in rows
    )
    return (
        "<h2>Provenance of the inputs</h2>"
        f"<details open><summary>{_e(summary)}</summary>"
        "<table class='provenance'><tr><th>value</th><th>setting</th><th>evidence</th>"
        f"<th>quote / source / assumption</th></tr>{body}</table></details>"
    )
