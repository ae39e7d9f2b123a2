"""Results folders read back for figures: runs, sweeps and comparisons, told apart by their manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ceasefire_sim.errors import InputError, SweepError
from ceasefire_sim.plots.style import (
    _P_CEASEFIRE,
)
from ceasefire_sim.results import Results

# ------------------------------------------------------------------ folders
FolderKind = Literal["run", "sweep", "compare"]


def folder_kind(directory: str | Path) -> FolderKind:
    """What a results folder holds, from its ``manifest.json``.

    A run's manifest has no ``kind`` (or ``"run"``); sweeps and comparisons name theirs.

    Raises:
        InputError: The folder has no readable manifest or an unknown kind.
    """
    manifest = read_manifest(Path(directory))
    kind = manifest.get("kind", "run")
    if kind not in ("run", "sweep", "compare"):
        raise InputError(
            f"{directory}/manifest.json has kind {kind!r}; expected run, sweep or compare",
            file=str(directory),
        )
    return kind


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The ``manifest.json`` of a results folder.

    Raises:
        InputError: The folder has no manifest or it is not a JSON object.
    """
    directory = Path(directory)
    path = directory / "manifest.json"
    if not path.is_file():
        raise InputError(
            f"{directory} is not a results folder: no manifest.json (give the folder written by "
            "`ceasefire-sim run --out`, `sweep` or `compare`)",
            file=str(directory),
        )
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}", file=str(path)) from exc
    if not isinstance(manifest, dict):
        raise InputError(f"{path} must hold a JSON object", file=str(path))
    return manifest


@dataclass
class SweepFolder:
    """A sweep folder read back (see the sweep output contract).

    Attributes:
        path: The folder.
        manifest: ``manifest.json``.
        summary: ``summary.parquet``: one row per point, parameters and metrics with intervals.
        sensitivity: ``sensitivity.parquet`` (Sobol or Morris), or ``None``.
    """

    path: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    sensitivity: pd.DataFrame | None = None

    @classmethod
    def load(cls, directory: str | Path) -> SweepFolder:
        """Read a sweep folder.

        Raises:
            SweepError: The folder is not a finished sweep.
        """
        d = Path(directory)
        manifest = read_manifest(d)
        if manifest.get("kind") != "sweep":
            raise SweepError(f"{d} is not a sweep folder (manifest kind is not 'sweep')", str(d))
        if not (d / "summary.parquet").is_file():
            raise SweepError(
                f"{d} has no summary.parquet: the sweep has not finished; resume it with "
                "`ceasefire-sim sweep ... --resume`",
                file=str(d),
            )
        sens = d / "sensitivity.parquet"
        return cls(
            path=d,
            manifest=manifest,
            summary=pd.read_parquet(d / "summary.parquet"),
            sensitivity=pd.read_parquet(sens) if sens.is_file() else None,
        )

    @property
    def parameters(self) -> list[str]:
        """Dotted paths of the swept parameters, in the order of the spec."""
        listed = [p["path"] for p in self.manifest.get("parameters", []) if "path" in p]
        return listed or [
            c for c in self.summary.columns if "." in c and not c.endswith(("_low", "_high"))
        ]

    @property
    def metrics(self) -> list[str]:
        """Summary metrics that come with an interval (``M``, ``M_low``, ``M_high``)."""
        cols = set(self.summary.columns)
        return [
            c
            for c in self.summary.columns
            if f"{c}_low" in cols and f"{c}_high" in cols and c not in self.parameters
        ]

    @property
    def default_metric(self) -> str:
        """P(ceasefire) at the latest day summarised, else the first metric."""
        days = [(int(m.group(1)), c) for c in self.metrics if (m := _P_CEASEFIRE.match(c))]
        if days:
            return max(days)[1]
        if not self.metrics:
            raise SweepError(f"{self.path}/summary.parquet has no metric columns", str(self.path))
        return self.metrics[0]


def _as_results(source: Results | str | Path) -> Results:
    if isinstance(source, Results):
        return source
    return Results.load(source)


def _as_sweep(source: SweepFolder | str | Path) -> SweepFolder:
    if isinstance(source, SweepFolder):
        return source
    return SweepFolder.load(source)


def read_comparison(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """The table of paired differences of a comparison folder (or the table itself), checked.

    Raises:
        SweepError: No ``comparison.parquet``, or one without the difference columns.
    """
    if isinstance(source, pd.DataFrame):
        table = source
    else:
        path = Path(source)
        if path.is_dir():
            path = path / "comparison.parquet"
        if not path.is_file():
            raise SweepError(f"{path} not found: give a comparison folder or its table", str(path))
        table = pd.read_parquet(path)
    missing = [c for c in ("metric", "diff", "diff_low", "diff_high") if c not in table.columns]
    if missing:
        raise SweepError(f"the comparison table lacks the columns {', '.join(missing)}")
    return table


def comparison_names(manifest: dict[str, Any]) -> tuple[str, str]:
    """Names of scenarios A and B of a comparison manifest (``"A"``, ``"B"`` when not given)."""
    names = []
    for key in ("a", "b"):
        entry = manifest.get(key)
        name = entry.get("name") if isinstance(entry, dict) else entry
        names.append(str(name) if name else key.upper())
    return names[0], names[1]
