"""A sweep (or a run) in the forms other tools read: EMA Workbench, xarray, CSV, Stata and R.

* :func:`to_ema` gives the EMA Workbench's ``(experiments, outcomes)``: a DataFrame with one
  row per point, a column per lever and uncertainty and the ``scenario``, ``policy`` and
  ``model`` columns EMA adds, and a dict of ``(P,)`` arrays, one per summary column.
  :func:`from_ema` reads them back into the sweep's ``points`` and ``summary``.
* :func:`to_xarray` gives an ``xarray.Dataset`` on the dimension ``point``: the parameters as
  coordinates (with their ``role``), every summary column as a variable (with its ``label`` and
  ``unit`` from the metric registry), the manifest as JSON in ``attrs``. :func:`from_xarray`
  reads it back.
* :func:`export_tables` writes the summary and the per-world outcomes as CSV and as Stata
  ``.dta`` files (which R reads with ``haven::read_dta``), with short column names that both
  accept, and ``codebook.csv``: every column's short name, original name, label and unit.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ceasefire_sim import metrics
from ceasefire_sim.errors import SweepError
from ceasefire_sim.sweep.samplers import POINT_COLUMN

#: Columns the EMA Workbench adds to its experiments.
EMA_COLUMNS: tuple[str, ...] = ("scenario", "policy", "model")
#: Name of the model in EMA's ``model`` column.
MODEL_NAME = "ceasefire_sim"
#: Longest variable name Stata accepts.
STATA_NAME_LENGTH = 32
#: Longest variable label Stata accepts.
STATA_LABEL_LENGTH = 80

#: Label and unit of the stable per-world outcome columns (``Results.outcomes``).
OUTCOME_CODEBOOK: dict[str, tuple[str, str]] = {
    "point": ("sweep point", ""),
    "world": ("world (replicate) number", ""),
    "status": ("status at the horizon: war, ceasefire, collapsed or settled", ""),
    "first_ceasefire_day": ("day of the first ceasefire (missing: none by the horizon)", "days"),
    "first_partial_truce_day": (
        "day of the first limited truce, agreed or declared (missing: none by the horizon)",
        "days",
    ),
    "first_partial_truce_scope": ("scope of the first limited truce (empty: none)", ""),
    "partial_truces": ("number of limited truces begun", "count"),
    "partial_violations": (
        "strikes and refinery hits under limited truces that paused them (violations)",
        "count",
    ),
    "first_range_day": (
        "first day some package on the table gave both sides a positive surplus "
        "(missing: never by the horizon)",
        "days",
    ),
    "ceasefires": ("number of ceasefires agreed", "count"),
    "breakdowns": ("number of ceasefires that broke down", "count"),
    "breakdown_day": ("day of the first breakdown (missing: none)", "days"),
    "ceasefire_days": ("days in a ceasefire within the horizon", "days"),
    "us_aid_total_bn": ("US military aid delivered by the horizon", "US$ bn"),
    "allied_aid_total_bn": ("allied military aid delivered by the horizon", "US$ bn"),
    "violations": ("ceasefire violations by the horizon", "count"),
    "mediator_walked_away": ("the US walked away from the talks at some time", "0/1"),
    "threats_executed_ukraine": ("times the US carried out its aid-cut threat", "count"),
    "threats_executed_russia": ("times the US carried out its sanctions threat", "count"),
    "belief_ukraine_km2_per_day": (
        "Ukraine's belief about the front's drift at the horizon",
        "km²/day",
    ),
    "belief_russia_km2_per_day": (
        "Russia's belief about the front's drift at the horizon",
        "km²/day",
    ),
    "true_drift_km2_per_day": ("the front's realised drift at the horizon", "km²/day"),
    "days_at_war": ("days at war within the horizon", "days"),
    "control_km2_final": ("area held by Russia at the horizon", "km²"),
    "control_change_km2": ("change of the area held by Russia", "km²"),
    "casualties_ukraine": ("Ukrainian casualties by the horizon", "persons"),
    "casualties_russia": ("Russian casualties by the horizon", "persons"),
    "allies_at_2pct_final": ("allies spending 2% of GDP on defence at the horizon", "count"),
    "first_ceasefire_duration_days": ("days the first ceasefire held", "days"),
    "first_ceasefire_ended": ("the first ceasefire ended before the horizon", "0/1"),
    "worlds": ("worlds of the point", "count"),
}
#: Words shortened in a name too long for Stata, in this order.
_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("ceasefire", "cf"),
    ("median", "med"),
    ("casualties", "cas"),
    ("control", "ctl"),
    ("first", "1st"),
)
#: Units read from the end of a parameter's dotted path.
_PATH_UNITS: tuple[tuple[str, str], ...] = (
    ("_km2_per_month", "km²/month"),
    ("_km2_per_day", "km²/day"),
    ("_per_10k_km2", "per 10,000 km²"),
    ("_km2", "km²"),
    ("_bn_per_year", "US$ bn/year"),
    ("_bn", "US$ bn"),
    ("_pct_per_year", "% of GDP/year"),
    ("_pct", "%"),
    ("_per_day", "per day"),
    ("_days", "days"),
)


def _load(sweep: Any) -> Any:
    from ceasefire_sim.sweep.runner import SweepResult

    return sweep if isinstance(sweep, SweepResult) else SweepResult.load(Path(sweep))


def _roles(manifest: Mapping[str, Any]) -> dict[str, str]:
    return {p["path"]: p.get("role", "uncertainty") for p in manifest["parameters"]}


def _outcome_columns(summary: pd.DataFrame, parameters: Sequence[str]) -> list[str]:
    return [c for c in summary.columns if c != POINT_COLUMN and c not in parameters]


# -------------------------------------------------------------------- EMA
def to_ema(sweep: Any) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A sweep as the EMA Workbench's ``(experiments, outcomes)``.

    Args:
        sweep: A :class:`~ceasefire_sim.sweep.runner.SweepResult` or its folder.

    Returns:
        ``experiments``: one row per point (in point order), the uncertainties, then the levers,
        then ``scenario`` (the uncertainty point, as EMA numbers scenarios), ``policy`` (the
        lever setting) and ``model``; ``outcomes``: summary column -> ``(P,)`` array.
    """
    result = _load(sweep)
    roles = _roles(result.manifest)
    levers = [p for p, r in roles.items() if r == "lever"]
    uncertainties = [p for p, r in roles.items() if r != "lever"]
    points = result.points.sort_values(POINT_COLUMN).reset_index(drop=True)
    experiments = points[[*uncertainties, *levers]].copy()
    experiments["scenario"] = (
        points.groupby(uncertainties, sort=False).ngroup() if uncertainties else 0
    )
    experiments["policy"] = points.groupby(levers, sort=False).ngroup() if levers else 0
    experiments["model"] = MODEL_NAME
    summary = result.summary.sort_values(POINT_COLUMN).reset_index(drop=True)
    outcomes = {c: summary[c].to_numpy() for c in _outcome_columns(summary, list(roles))}
    return experiments, outcomes


def from_ema(
    experiments: pd.DataFrame, outcomes: Mapping[str, np.ndarray], parameters: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sweep's ``points`` and ``summary`` from EMA's ``(experiments, outcomes)``.

    Args:
        experiments: As :func:`to_ema` returns it (or as EMA writes it).
        outcomes: Column -> ``(P,)`` array.
        parameters: The parameter columns in the sweep's order (``manifest["parameters"]``).

    Returns:
        ``(points, summary)`` as :class:`~ceasefire_sim.sweep.runner.SweepResult` holds them.
    """
    points = experiments[list(parameters)].reset_index(drop=True)
    points.insert(0, POINT_COLUMN, np.arange(len(points), dtype=np.int64))
    summary = points.copy()
    for name, values in outcomes.items():
        summary[name] = np.asarray(values)
    return points, summary


# ----------------------------------------------------------------- xarray
def to_xarray(sweep: Any) -> Any:
    """A sweep as an ``xarray.Dataset`` on the dimension ``point``.

    Args:
        sweep: A :class:`~ceasefire_sim.sweep.runner.SweepResult` or its folder.

    Returns:
        The dataset: parameter coordinates (``attrs["role"]``: lever or uncertainty), one
        variable per summary column (``attrs``: ``label``, ``unit``), the manifest as JSON in
        ``attrs["manifest"]``; with ``daily_series``, also one ``(point, day)`` variable per
        series column, with ``day`` and ``date`` coordinates. ``ds.to_netcdf(path)`` writes it.
    """
    xr = _xarray()
    result = _load(sweep)
    roles = _roles(result.manifest)
    days = int(result.manifest["days"])
    summary = result.summary.sort_values(POINT_COLUMN).reset_index(drop=True)
    coords: dict[str, Any] = {POINT_COLUMN: summary[POINT_COLUMN].to_numpy(dtype=np.int64)}
    for path, role in roles.items():
        coords[path] = (
            POINT_COLUMN,
            summary[path].to_numpy(),
            {"role": role, "unit": path_unit(path)},
        )
    data_vars = {}
    for column in _outcome_columns(summary, list(roles)):
        label, unit = column_label(column, days)
        data_vars[column] = (
            POINT_COLUMN,
            summary[column].to_numpy(),
            {"label": label, "unit": unit},
        )
    if result.series is not None:
        _add_series(data_vars, coords, result.series, summary[POINT_COLUMN].to_numpy())
    attrs = {
        "title": f"ceasefire-sim sweep {result.manifest.get('name', '')}",
        "manifest": json.dumps(result.manifest, default=str),
    }
    return xr.Dataset(data_vars=data_vars, coords=coords, attrs=attrs)


def from_xarray(dataset: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The sweep's ``points``, ``summary`` and manifest from :func:`to_xarray`'s dataset."""
    manifest = json.loads(dataset.attrs["manifest"])
    parameters = [p["path"] for p in manifest["parameters"]]
    point = dataset[POINT_COLUMN].to_numpy().astype(np.int64)
    points = pd.DataFrame({POINT_COLUMN: point})
    for path in parameters:
        points[path] = dataset[path].to_numpy()
    summary = points.copy()
    for name in dataset.data_vars:
        if dataset[name].dims == (POINT_COLUMN,):  # the daily series are on (point, day)
            summary[str(name)] = dataset[name].to_numpy()
    return points, summary, manifest


def _add_series(
    data_vars: dict[str, Any], coords: dict[str, Any], series: pd.DataFrame, points: np.ndarray
) -> None:
    """Add a sweep's daily series as ``(point, day)`` variables, and the ``day``/``date`` axis."""
    from ceasefire_sim.sweep.series import series_columns

    ordered = series.set_index([POINT_COLUMN, "day"]).sort_index()
    days = ordered.index.get_level_values("day").unique().to_numpy()
    first = ordered.xs(points[0], level=POINT_COLUMN)
    coords["day"] = ("day", days, {"unit": "days since the start"})
    coords["date"] = ("day", first["date"].to_numpy())
    for column in series_columns()[3:]:
        values = ordered[column].to_numpy().reshape(len(points), len(days))
        unit = (
            "share of worlds"
            if column.startswith("share_")
            else ("km²" if column.startswith("control_km2") else "persons, since the start")
        )
        data_vars[column] = (
            (POINT_COLUMN, "day"),
            values,
            {"label": f"daily {column.replace('_', ' ')}", "unit": unit},
        )


def _xarray() -> Any:
    try:
        import xarray
    except ModuleNotFoundError:
        raise SweepError(
            "exporting to xarray needs 'xarray': pip install 'ceasefire-sim[research]'"
        ) from None
    return xarray


# ------------------------------------------------------------ codebook
def path_unit(path: str) -> str:
    """A parameter's unit, read from the end of its dotted path ("" when the name does not tell)."""
    for suffix, unit in _PATH_UNITS:
        if path.endswith(suffix):
            return unit
    return ""


def column_label(column: str, days: int | None = None) -> tuple[str, str]:
    """Label and unit of a summary or outcome column, from the metric registry where it is one.

    ``M_low``/``M_high`` are the ends of metric ``M``'s 95% Monte Carlo interval; a
    ``terms_<issue>`` column is the option agreed on the issue; a dotted path is a parameter.
    """
    for suffix, words in (("_low", "lower"), ("_high", "upper")):
        base = column.removesuffix(suffix)
        if base != column:
            try:
                metric = metrics.get(base, days)
            except KeyError:
                break
            return f"{metric.label}: {words} end of the 95% Monte Carlo interval", metric.unit
    try:
        metric = metrics.get(column, days)
    except KeyError:
        metric = None
    if metric is not None:
        return metric.label, metric.unit
    if column in OUTCOME_CODEBOOK:
        return OUTCOME_CODEBOOK[column]
    if column.startswith("terms_"):
        issue = column.removeprefix("terms_")
        return f"option on {issue} in the last ceasefire's terms (empty: none)", ""
    if column.startswith("first_terms_"):
        issue = column.removeprefix("first_terms_")
        return f"option on {issue} in the first ceasefire's terms (empty: none)", ""
    limited = _limited_label(column)
    if limited is not None:
        return limited
    if "." in column:
        return f"parameter {column}", path_unit(column)
    return column, ""


#: Label and unit of the limited-truce columns, by prefix (``{}``: the scope or side).
LIMITED_CODEBOOK: tuple[tuple[str, str, str], ...] = (
    ("partial_days_", "days a {} truce was in force within the horizon", "days"),
    ("first_partial_day_", "day the first {} truce began (missing: none)", "days"),
    ("partial_offers_", "proposals of a {} truce by the mediator", "count"),
    ("channel_costs_", "channel costs borne by {} since day 0", "casualty-equivalents"),
)


def _limited_label(column: str) -> tuple[str, str] | None:
    """Label and unit of a limited-truce or channel column, or None if it is none."""
    if column.startswith("partial_accepted_"):
        side, scope = column.removeprefix("partial_accepted_").split("_", 1)
        return f"{scope} truce proposals {side} accepted", "count"
    for prefix, label, unit in LIMITED_CODEBOOK:
        if column.startswith(prefix):
            return label.format(column.removeprefix(prefix)), unit
    return None


def short_names(columns: Sequence[str], length: int = STATA_NAME_LENGTH) -> dict[str, str]:
    """Short names that Stata and R accept: letters, digits and ``_``, at most ``length`` long.

    Dots become ``_``; in a path too long, the leading segments are cut to three letters, then
    dropped (``belligerents.russia.belief.prior_mean_km2_per_day`` ->
    ``rus_bel_prior_mean_km2_per_day``); a name still too long is cut, and clashes get ``_2``.

    Returns:
        Original column -> short name, unique, in column order.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        parts = [re.sub(r"[^0-9A-Za-z_]", "_", p) for p in column.split(".")]
        name = "_".join(parts)
        # Shorten the leading segments to three letters, then drop them, until the name fits:
        # the end of a path says the most.
        for k in range(len(parts) - 1):
            if len(name) <= length:
                break
            parts[k] = parts[k][:3]
            name = "_".join(parts)
        while len(name) > length and len(parts) > 1:
            parts = parts[1:]
            name = "_".join(parts)
        if len(name) > length:
            for word, short in _ABBREVIATIONS:
                name = re.sub(
                    rf"(?<![0-9A-Za-z]){word}(?![0-9A-Za-z])", short, name.replace("_", " ")
                )
                name = name.replace(" ", "_")
        name = name[:length]
        if not re.match(r"[A-Za-z_]", name):
            name = f"v{name}"[:length]
        base, k = name, 2
        while name.lower() in taken:
            tail = f"_{k}"
            name = base[: length - len(tail)] + tail
            k += 1
        taken.add(name.lower())
        out[column] = name
    return out


def codebook(frame: pd.DataFrame, table: str, days: int | None = None) -> pd.DataFrame:
    """One row per column of ``frame``: ``table``, ``name`` (short), ``column``, ``label``, ``unit``."""
    names = short_names(list(frame.columns))
    rows = []
    for column in frame.columns:
        label, unit = column_label(str(column), days)
        rows.append(
            {"table": table, "name": names[column], "column": column, "label": label, "unit": unit}
        )
    return pd.DataFrame(rows, columns=["table", "name", "column", "label", "unit"])


def _for_stata(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    out = frame.rename(columns=dict(names))
    for column in out.columns:
        if out[column].dtype == bool:
            out[column] = out[column].astype(np.int8)
        elif pd.api.types.is_float_dtype(out[column]):
            # Stata has no infinity: "not reached" becomes missing (the codebook says so).
            out[column] = out[column].replace([np.inf, -np.inf], np.nan)
        elif not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].astype(str).replace({"nan": "", "None": ""})
    return out


def export_tables(
    source: Any, out: str | Path, formats: Sequence[str] = ("csv", "stata")
) -> list[Path]:
    """Write a sweep's summary and worlds (or a run's outcomes) as CSV and Stata files.

    Args:
        source: A sweep (:class:`~ceasefire_sim.sweep.runner.SweepResult` or folder), or a
            run's :class:`~ceasefire_sim.results.Results` or folder.
        out: Folder to write into (created).
        formats: ``csv`` (original column names) and/or ``stata`` (``.dta``, short names and
            variable labels; infinite values, "not reached", are missing).

    Returns:
        The files written: ``<table>.csv``, ``<table>.dta`` and ``codebook.csv``.

    Raises:
        SweepError: An unknown format, or a folder that holds neither a run nor a sweep.
    """
    unknown = sorted(set(formats) - {"csv", "stata"})
    if unknown:
        raise SweepError(f"unknown export format {unknown[0]!r}; use csv or stata")
    tables, days = _tables(source)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    books = []
    for name, frame in tables.items():
        book = codebook(frame, name, days)
        books.append(book)
        if "csv" in formats:
            frame.to_csv(folder / f"{name}.csv", index=False)
            written.append(folder / f"{name}.csv")
        if "stata" in formats:
            names = dict(zip(book["column"], book["name"], strict=True))
            labels = {
                n: _ascii(label)[:STATA_LABEL_LENGTH]
                for n, label in zip(book["name"], book["label"], strict=True)
            }
            _for_stata(frame, names).to_stata(
                folder / f"{name}.dta", write_index=False, variable_labels=labels, version=118
            )
            written.append(folder / f"{name}.dta")
    book = pd.concat(books, ignore_index=True)
    book.to_csv(folder / "codebook.csv", index=False)
    written.append(folder / "codebook.csv")
    return written


def _ascii(text: str) -> str:
    return text.replace("km²", "km2").encode("ascii", "replace").decode("ascii")


def _tables(source: Any) -> tuple[dict[str, pd.DataFrame], int | None]:
    from ceasefire_sim.results import Results
    from ceasefire_sim.sweep.runner import SweepResult

    if isinstance(source, Results):
        return {"outcomes": source.outcomes}, _days(source.manifest)
    if isinstance(source, SweepResult):
        return {"summary": source.summary, "worlds": source.worlds()}, int(source.manifest["days"])
    folder = Path(source)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise SweepError(f"{folder} is not a results folder: no manifest.json", str(folder))
    kind = json.loads(manifest_path.read_text()).get("kind", "run")
    if kind == "sweep":
        return _tables(SweepResult.load(folder))
    if kind == "run":
        return _tables(Results.load(folder))
    raise SweepError(f"{folder} holds a {kind}; export takes a run or a sweep folder")


def _days(manifest: Mapping[str, Any]) -> int | None:
    value = manifest.get("days", manifest.get("horizon_days"))
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)
