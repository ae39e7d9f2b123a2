"""The output folder of a sweep, written so that nothing is lost and a sweep can be resumed.

::

    OUT/manifest.json          what was run ("kind": "sweep", spec, hash, layout, status)
    OUT/points.parquet         the design: point, one column per parameter path
    OUT/worlds/chunk-00000.parquet ...   per-world outcomes of each finished chunk (+ point)
    OUT/series/chunk-00000.parquet ...   daily_series only: each chunk's per-point daily series
    OUT/series.parquet         daily_series only: every point's daily series, point-major
    OUT/summary.parquet        per point: headline metrics with intervals
    OUT/sensitivity.parquet    sobol/morris only: indices per output and parameter

Every file is written atomically (temporary file in the same folder, then rename), so a killed
sweep leaves only whole files. Each chunk file carries the sweep's hash and its chunk number in
its parquet metadata, and a checksum next to it (``chunk-00042.parquet.sha256``, the SHA-256 of
the chunk file's bytes, written after the chunk); ``--resume`` keeps the chunk files of the same
sweep whose checksum matches, recomputes the rest (a damaged or unchecked chunk is recomputed
with a warning), and refuses a folder that holds a different sweep. While a sweep writes a
folder it holds a lock on ``OUT/.lock``: a second sweep on the same folder is refused.

With ``daily_series`` a chunk's series file is written before its outcomes, and the outcomes'
metadata carry the series file's SHA-256, so the one checksum of the outcomes vouches for both.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ceasefire_sim.errors import SweepError
from ceasefire_sim.results import _atomic_parquet, _atomic_text, _atomic_write, sha256_file

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

CHUNK_DIR = "worlds"
SERIES_DIR = "series"
MANIFEST = "manifest.json"
POINTS = "points.parquet"
SUMMARY = "summary.parquet"
SENSITIVITY = "sensitivity.parquet"
LOCK = ".lock"
CHECKSUM_SUFFIX = ".sha256"
METADATA_KEY = b"ceasefire_sim.sweep"
_CHUNK_RE = re.compile(r"chunk-(\d{5})\.parquet")


def chunk_name(index: int) -> str:
    """File name of chunk ``index`` (``chunk-00042.parquet``)."""
    return f"chunk-{index:05d}.parquet"


class MemoryStorage:
    """Keeps a sweep's chunks and tables in memory (``run_sweep(..., out=None)``)."""

    out: Path | None = None

    def __init__(self) -> None:
        self.chunks: dict[int, pd.DataFrame] = {}
        self.series: dict[int, pd.DataFrame] = {}
        self.tables: dict[str, pd.DataFrame] = {}
        self.manifest: dict[str, Any] = {}

    def open(self, resume: bool) -> None:
        """Nothing to prepare in memory."""

    def close(self) -> None:
        """Nothing to release in memory."""

    def finished(self) -> tuple[set[int], list[str]]:
        """Chunks already computed (none, in a fresh memory store) and warnings."""
        return set(self.chunks), []

    def write_chunk(
        self, index: int, frame: pd.DataFrame, series: pd.DataFrame | None = None
    ) -> None:
        """Keep a finished chunk (and its daily series, if the sweep keeps them)."""
        self.chunks[index] = frame
        if series is not None:
            self.series[index] = series

    def read_series(self, index: int) -> pd.DataFrame:
        """A finished chunk's daily series."""
        return self.series[index]

    def read_chunk(self, index: int, columns: list[str] | None = None) -> pd.DataFrame:
        """A finished chunk's worlds (only ``columns`` if given)."""
        frame = self.chunks[index]
        return frame if columns is None else frame[columns]

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Keep ``points``, ``summary`` or ``sensitivity``."""
        self.tables[name] = frame

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Keep the manifest."""
        self.manifest = dict(manifest)


class FolderStorage:
    """A sweep's output folder.

    Args:
        out: The folder (created if needed).
        sweep_hash: :attr:`~ceasefire_sim.sweep.spec.Sweep.hash` of the sweep written there.
        n_chunks: Number of chunks of the sweep.
        series: Whether each chunk also has a daily series file (``daily_series``).
    """

    def __init__(
        self, out: str | Path, sweep_hash: str, n_chunks: int, series: bool = False
    ) -> None:
        self.out = Path(out)
        self.sweep_hash = sweep_hash
        self.n_chunks = n_chunks
        self.has_series = series
        self.chunk_dir = self.out / CHUNK_DIR
        self.series_dir = self.out / SERIES_DIR
        self._lock: int | None = None

    def chunk_path(self, index: int) -> Path:
        """Path of chunk ``index``."""
        return self.chunk_dir / chunk_name(index)

    def open(self, resume: bool) -> None:
        """Create the folder, or check that it may be (re)used.

        Raises:
            SweepError: The folder holds something else than this sweep, or holds this sweep and
                ``resume`` is false (a finished or partial sweep is never silently overwritten).
        """
        if self.out.exists() and not self.out.is_dir():
            raise SweepError(f"{self.out} exists and is not a folder; choose another --out")
        if self.chunk_dir.exists() and not self.chunk_dir.is_dir():
            raise SweepError(
                f"{self.chunk_dir} exists and is not a folder; remove it or choose another --out"
            )
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SweepError(
                f"cannot create {self.out}: {exc.strerror or exc}; choose another --out"
            ) from None
        self._acquire_lock()
        try:
            self._check_contents(resume)
        except BaseException:
            self.close()
            raise

    def _acquire_lock(self) -> None:
        try:
            fd = os.open(self.out / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise SweepError(
                f"cannot write to {self.out}: {exc.strerror or exc}; choose another --out"
            ) from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise SweepError(
                    f"another sweep is writing {self.out} now; wait for it to finish, or "
                    "choose another --out"
                ) from None
        self._lock = fd

    def close(self) -> None:
        """Release the folder's lock (also released by the system if the process dies)."""
        if self._lock is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock)
            self._lock = None

    def _check_contents(self, resume: bool) -> None:
        manifest_path = self.out / MANIFEST
        has_chunks = self.chunk_dir.is_dir() and any(self._chunk_files())
        if manifest_path.exists():
            try:
                manifest = json.loads(manifest_path.read_text())
            except (OSError, ValueError) as exc:
                raise SweepError(
                    f"{manifest_path} cannot be read ({exc}); choose another --out", str(self.out)
                ) from None
            if manifest.get("kind") != "sweep":
                raise SweepError(
                    f"{self.out} holds the results of a {manifest.get('kind', 'run')}, not a "
                    "sweep; choose another --out"
                )
            if manifest.get("spec_hash") != self.sweep_hash:
                raise SweepError(
                    f"{self.out} holds a different sweep (its spec, base scenario or version "
                    "differ from this one); choose another --out, or delete the folder to start "
                    "again"
                )
        if (manifest_path.exists() or has_chunks) and not resume:
            raise SweepError(
                f"{self.out} already holds this sweep; pass --resume to continue it (finished "
                "chunks are kept), or choose another --out"
            )
        self.chunk_dir.mkdir(parents=True, exist_ok=True)
        if self.has_series:
            self.series_dir.mkdir(parents=True, exist_ok=True)
        # A kill between writing and renaming leaves a temporary file; it is never a result.
        for folder in (self.chunk_dir, self.series_dir):
            for stale in folder.glob(".chunk-*.tmp"):
                stale.unlink(missing_ok=True)

    def checksum_path(self, index: int) -> Path:
        """Path of chunk ``index``'s checksum file."""
        return self.chunk_dir / (chunk_name(index) + CHECKSUM_SUFFIX)

    def _chunk_files(self) -> list[tuple[int, Path]]:
        found = []
        for path in sorted(self.chunk_dir.glob("chunk-*.parquet")):
            match = _CHUNK_RE.fullmatch(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return found

    def finished(self) -> tuple[set[int], list[str]]:
        """The chunks on disk that belong to this sweep, and warnings about unreadable ones.

        Raises:
            SweepError: A chunk file was written by a different sweep or lies outside the layout.
        """
        done: set[int] = set()
        warnings: list[str] = []
        for index, path in self._chunk_files():
            try:
                metadata = pq.read_schema(path).metadata or {}
            except (OSError, pa.ArrowException) as exc:
                warnings.append(f"{path} cannot be read ({exc}); recomputing it")
                continue
            try:
                info = json.loads(metadata[METADATA_KEY])
            except (KeyError, ValueError):
                raise SweepError(
                    f"{path} was not written by a sweep; remove it or choose another --out"
                ) from None
            if info.get("spec_hash") != self.sweep_hash or info.get("chunk") != index:
                raise SweepError(
                    f"{path} belongs to a different sweep; remove it or choose another --out"
                )
            if index >= self.n_chunks:
                raise SweepError(f"{path} lies outside this sweep's {self.n_chunks} chunks")
            problem = self._checksum_problem(index, path) or self._series_problem(index, info)
            if problem:
                warnings.append(f"{path} {problem}; recomputing it")
                continue
            done.add(index)
        return done, warnings

    def _checksum_problem(self, index: int, path: Path) -> str | None:
        try:
            expected = self.checksum_path(index).read_text(encoding="ascii").strip()
            actual = sha256_file(path)
        except FileNotFoundError:
            return "has no checksum (killed before it was written)"
        except (OSError, UnicodeDecodeError) as exc:
            return f"cannot be checked ({exc})"
        return None if expected == actual else "does not match its checksum (damaged or changed)"

    def _series_problem(self, index: int, info: dict[str, Any]) -> str | None:
        if not self.has_series:
            return None
        expected = info.get("series_sha256")
        if expected is None:
            return "has no daily series"
        try:
            actual = sha256_file(self.series_path(index))
        except OSError:
            return "has lost its daily series file"
        return None if actual == expected else "has a damaged daily series file"

    def series_path(self, index: int) -> Path:
        """Path of chunk ``index``'s daily series."""
        return self.series_dir / chunk_name(index)

    def write_chunk(
        self, index: int, frame: pd.DataFrame, series: pd.DataFrame | None = None
    ) -> None:
        """Write a finished chunk atomically, tagged with the sweep hash and chunk number.

        Its checksum is written after it, so a chunk with a matching checksum is whole. A daily
        series is written first, and its SHA-256 goes into the chunk's tag.
        """
        table = pa.Table.from_pandas(frame, preserve_index=False)
        info: dict[str, Any] = {"spec_hash": self.sweep_hash, "chunk": index, "worlds": len(frame)}
        if series is not None:
            series_path = self.series_path(index)
            _atomic_parquet(series, series_path)
            info["series_sha256"] = sha256_file(series_path)
        tag = json.dumps(info)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), METADATA_KEY: tag.encode()}
        )
        path = self.chunk_path(index)
        self.checksum_path(index).unlink(missing_ok=True)
        _atomic_write(path, lambda tmp: pq.write_table(table, tmp))
        _atomic_text(sha256_file(path) + "\n", self.checksum_path(index))

    def read_chunk(self, index: int, columns: list[str] | None = None) -> pd.DataFrame:
        """A finished chunk's worlds (only ``columns`` if given)."""
        return pd.read_parquet(self.chunk_path(index), columns=columns)

    def read_series(self, index: int) -> pd.DataFrame:
        """A finished chunk's daily series."""
        return pd.read_parquet(self.series_path(index))

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Write ``points``, ``summary``, ``sensitivity`` or ``series`` (``OUT/<name>.parquet``)."""
        _atomic_parquet(frame, self.out / f"{name}.parquet")

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``manifest.json`` atomically."""
        _atomic_text(json.dumps(manifest, indent=2, default=str), self.out / MANIFEST)
