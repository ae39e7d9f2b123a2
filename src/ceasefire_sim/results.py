"""Results of a run: per-world outcomes, daily summaries, the narrative, and headline numbers.

``Results.save(dir)`` writes ``outcomes.parquet``, ``daily.parquet``, ``events.parquet``,
``scenario.json`` and ``manifest.json`` into a temporary sibling folder, then puts that folder in
place of ``dir`` in one rename: ``dir`` is always either as it was or complete, never a mix of two
runs. The manifest lists every file written with its size and SHA-256 (``files``), and
``Results.load(dir)`` refuses a folder whose files do not match it. A run that kept per-world
trajectories also writes ``trajectories.parquet``, one row per day and world
(:meth:`Results.trajectories_frame`), checked like every other file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from ceasefire_sim._version import __version__
from ceasefire_sim.model.recorder import QUANTILE_SUFFIXES, QUANTITIES
from ceasefire_sim.negotiation.scopes import LIMITED_NAMES

if TYPE_CHECKING:
    from ceasefire_sim.model.blocks import BlockedRun
    from ceasefire_sim.model.model import CeasefireModel

STATUS_NAMES = ("war", "ceasefire", "collapsed", "settled")
#: Columns of :meth:`Results.summary`.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "metric",
    "estimate",
    "mc_low",
    "mc_high",
    "param_low",
    "param_high",
    "n",
    "unit",
)
#: Folder, inside a run's folder, of the nested run that gives the parameter ranges.
PARAMETER_RUN = "parameter_draws"
FILES = ("outcomes.parquet", "daily.parquet", "events.parquet", "manifest.json")


@dataclass
class Results:
    """What a run produced.

    Attributes:
        outcomes: One row per world.
        daily: One row per day (0 = start), shares and quantiles across worlds.
        events: The narrative of the first few worlds.
        manifest: Scenario name and hash, seed, worlds, days, version, sampled parameters.
        scenario: The scenario as plain data (for provenance tables and reports).
        trajectories: Per-world daily ``(days + 1, N)`` arrays when kept (``control_km2``,
            ``status`` codes, cumulative ``casualties_russia`` and ``casualties_ukraine``).
    """

    outcomes: pd.DataFrame
    daily: pd.DataFrame
    events: pd.DataFrame
    manifest: dict[str, Any]
    scenario: dict[str, Any] = field(default_factory=dict)
    trajectories: dict[str, np.ndarray] | None = None

    @classmethod
    def from_model(cls, model: CeasefireModel, outcomes: pd.DataFrame | None = None) -> Results:
        """Collect the results of a finished (or partly run) model.

        Args:
            model: The model (or a run in blocks read as one).
            outcomes: The outcome table if it is built otherwise (a run in blocks builds it
                block by block, :meth:`from_blocked_run`); None:
                read off the model.
        """
        from ceasefire_sim.scenario.loader import scenario_file, scenario_hash

        return cls(
            outcomes=_outcomes(model) if outcomes is None else outcomes,
            daily=_daily(model),
            events=_events(model),
            manifest={
                "scenario_name": model.scenario.name,
                "scenario_description": model.scenario.description,
                "scenario_file": scenario_file(model.scenario),
                "scenario_hash": scenario_hash(model.scenario),
                "seed": model.seed,
                "worlds": model.worlds,
                "days": model.day,
                "horizon_days": model.days,
                "start_date": model.start_date.isoformat(),
                "sampled_parameters": list(model.params.sampled),
                "version": __version__,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            scenario=model.scenario.model_dump(mode="json"),
            trajectories=model.recorder.trajectories,
        )

    @classmethod
    def from_blocked_run(cls, run: BlockedRun) -> Results:
        """The results of a finished run in blocks; each block is freed once its outcomes are read.

        The same table as ``Results.from_model(run.model)``, without holding every block's
        state and the whole outcome table at once. The run is closed.
        """
        from ceasefire_sim.model.blocks import trim_heap
        from ceasefire_sim.model.lifetime import release

        # Everything but the outcome table, read while every block is there.
        found = cls.from_model(run.model, outcomes=pd.DataFrame())
        by_issue = run.blocks[0].space.outcome.by_issue
        # The days' temporaries, freed, are still held by the allocator: hand them back first.
        trim_heap()
        worlds = run.bounds[-1][1]
        columns: dict[str, np.ndarray] = {}
        for (start, stop), block in zip(run.bounds, run.blocks, strict=True):
            part = outcome_columns(block, first_world=start)
            release(block)
            # Each block's outcomes go straight into the run's columns (allocated with the first
            # block's dtypes), and the block's state is handed back to the system before the
            # next is read: the table is never held twice, nor beside every block's state.
            for name, values in part.items():
                values = np.asarray(values)
                if name not in columns:
                    columns[name] = np.empty((worlds, *values.shape[1:]), dtype=values.dtype)
                elif columns[name].dtype != values.dtype:
                    columns[name] = columns[name].astype(
                        np.result_type(columns[name].dtype, values.dtype)
                    )
                columns[name][start:stop] = values
            del part, values
            trim_heap()
        run.blocks = []
        run.close()
        found.outcomes = outcome_frame(columns, by_issue, copy=False)
        return found

    # ------------------------------------------------------------------ summary
    def summary(
        self,
        confidence: float = 0.95,
        coverage: float = 0.90,
        parameter_run: Results | None = None,
    ) -> pd.DataFrame:
        """Headline numbers with their Monte Carlo interval and their parameter range.

        One row per metric of :data:`ceasefire_sim.metrics.METRICS` (see that module for the
        estimators). ``mc_low``/``mc_high`` bound the estimate's Monte Carlo error (design-based
        when the worlds share parameter draws); ``param_low``/``param_high`` are the central
        ``coverage`` range over parameter draws of the per-draw value, taken from a run with a
        nested design (``simulate(..., param_draws=D)``): ``parameter_run`` if given, else this
        run if it is nested, else NaN. ``estimate`` is ``inf`` for a Kaplan-Meier median not
        reached within the horizon.

        Args:
            confidence: Level of the Monte Carlo interval.
            coverage: Share of the parameter draws the parameter range covers.
            parameter_run: A nested run of the same scenario and horizon for the parameter
                range (what ``ceasefire-sim run`` does: this run's worlds are independent, so
                its Monte Carlo interval is as narrow as they allow).

        Returns:
            Columns ``metric`` (the label), ``estimate``, ``mc_low``, ``mc_high``,
            ``param_low``, ``param_high``, ``n`` (worlds the statistic is taken over), ``unit``.
        """
        from ceasefire_sim import metrics

        o = self.outcomes
        horizon = int(self.manifest.get("days", self.manifest.get("horizon_days", 365)))
        draws = _draws(o)
        nested = parameter_run if parameter_run is not None else self
        nested_draws = _draws(nested.outcomes)
        rows = []
        for metric in metrics.metrics_for(horizon):
            values = metric.values(o)
            est, low, high, n = metrics.estimate(metric, values, draws, confidence)
            p_low, p_high = (
                metrics.parameter_range(
                    metric, metric.values(nested.outcomes), nested_draws, coverage
                )
                if nested_draws is not None
                else (math.nan, math.nan)
            )
            rows.append((metric.label, est, low, high, p_low, p_high, n, metric.unit))
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))

    def design(self) -> str:
        """How the worlds were laid out, in words, for the captions of summary tables."""
        draws = self.manifest.get("param_draws")
        worlds = int(self.manifest.get("worlds", len(self.outcomes)))
        if not draws:
            return f"{worlds:,} worlds, each with its own parameter draw"
        return f"{int(draws)} parameter draws x {worlds // int(draws):,} worlds per draw"

    # ------------------------------------------------------------ trajectories
    def trajectories_frame(self) -> pd.DataFrame:
        """Per-world daily trajectories in long format, one row per day and world.

        Columns: ``day`` (0 = start), ``world``, ``control_km2`` (km² held by Russia at the end
        of the day), ``status`` (the strings of ``outcomes.status``: war, ceasefire, collapsed,
        settled), ``casualties_russia`` and ``casualties_ukraine`` (cumulative since day 0,
        persons). Rows are ordered by day, then world.

        Raises:
            ScenarioError: The run did not keep trajectories.
        """
        traj = self.trajectories
        if traj is None:
            from ceasefire_sim.errors import ScenarioError

            raise ScenarioError(
                "this run kept no trajectories; run it with --trajectories "
                "(keep_trajectories=True in Python)"
            )
        rows, worlds = traj["control_km2"].shape
        status = pd.Categorical.from_codes(
            traj["status"].reshape(-1).astype(np.int8), categories=list(STATUS_NAMES)
        )
        return pd.DataFrame(
            {
                "day": np.repeat(np.arange(rows, dtype=np.int16), worlds),
                "world": np.tile(np.arange(worlds, dtype=np.int32), rows),
                "control_km2": traj["control_km2"].reshape(-1),
                "status": status,
                "casualties_russia": traj["casualties_russia"].reshape(-1),
                "casualties_ukraine": traj["casualties_ukraine"].reshape(-1),
            }
        )

    def write_trajectories(self, path: str | Path) -> Path:
        """Write :meth:`trajectories_frame` to a parquet file, atomically.

        Returns:
            The path written.
        """
        target = Path(path)
        _atomic_parquet(self.trajectories_frame(), target)
        return target

    # --------------------------------------------------------------------- I/O
    def save(self, directory: str | Path, nested: dict[str, Results] | None = None) -> Path:
        """Write the results to a folder, whole: as it was, or complete.

        The files are written into a temporary sibling folder with a manifest listing each
        file's size and SHA-256, and that folder then replaces ``directory`` in one rename (an
        atomic exchange where the system has one). An existing ``directory`` must be empty or a
        results folder; anything else (a file, a folder of other things) is refused.

        Args:
            directory: The results folder.
            nested: Subfolder name -> results written inside it in the same step (the nested
                parameter run), each with its own manifest, all listed in this one's.

        Raises:
            InputError: ``directory`` cannot hold results, or the disk refused a write.
        """
        out = Path(directory)
        check_output_folder(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
        try:
            for name, child in (nested or {}).items():
                (staging / name).mkdir()
                child.manifest = child._write_into(staging / name)
            manifest = self._write_into(staging)
            _fsync_tree(staging)
            os.chmod(staging, 0o777 & ~_umask())
            _put_in_place(staging, out)
        except OSError as exc:
            from ceasefire_sim.errors import InputError

            raise InputError(
                f"cannot write the results to {out}: {exc.strerror or exc} (free some space or "
                "choose another --out; nothing was changed there)",
                file=str(out),
            ) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.manifest = manifest
        return out

    def _write_into(self, folder: Path) -> dict[str, Any]:
        """Write every file and, last, the manifest listing all files under ``folder``."""
        self.outcomes.to_parquet(folder / "outcomes.parquet", index=False)
        self.daily.to_parquet(folder / "daily.parquet", index=False)
        self.events.to_parquet(folder / "events.parquet", index=False)
        (folder / "scenario.json").write_text(json.dumps(self.scenario, indent=1))
        if self.trajectories is not None:
            self.trajectories_frame().to_parquet(folder / "trajectories.parquet", index=False)
        manifest = {**self.manifest, "files": file_hashes(folder)}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
        return manifest

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        """Read results written by :meth:`save`, after checking every file against the manifest.

        Raises:
            InputError: The folder is not a results folder, its manifest is malformed, or a file
                is missing, changed or damaged since it was written.
        """
        from ceasefire_sim.errors import InputError

        d = Path(directory)
        manifest = _read_manifest(d)
        listed = manifest["files"]
        for name in FILES[:-1]:
            if name not in listed:
                raise InputError(f"{d}/manifest.json does not list {name}", file=str(d))
        verify_files(d, listed)
        unlisted = [
            p.name
            for p in d.iterdir()
            if p.is_file() and p.suffix in (".parquet", ".npz", ".json")
            if p.name != "manifest.json" and p.name not in listed
        ]
        if unlisted:
            raise InputError(
                f"{d} holds {', '.join(sorted(unlisted))}, which its manifest does not list: it "
                "was not written with this run; remove it or rerun",
                file=str(d),
            )
        try:
            scenario = (
                json.loads((d / "scenario.json").read_text()) if "scenario.json" in listed else {}
            )
            trajectories = None
            if "trajectories.parquet" in listed:
                trajectories = _trajectory_arrays(pd.read_parquet(d / "trajectories.parquet"))
            frames = {
                name: pd.read_parquet(d / f"{name}.parquet")
                for name in ("outcomes", "daily", "events")
            }
        except Exception as exc:  # the hashes matched, so this is a file written broken
            raise InputError(f"{d}: cannot read the results ({exc})", file=str(d)) from None
        return cls(
            outcomes=frames["outcomes"],
            daily=frames["daily"],
            events=frames["events"],
            manifest={k: v for k, v in manifest.items() if k != "files"},
            scenario=scenario,
            trajectories=trajectories,
        )


# ------------------------------------------------------------- folder integrity
#: Manifest keys every run folder has, with their types.
_MANIFEST_TYPES: dict[str, type | tuple[type, ...]] = {
    "scenario_name": str,
    "seed": int,
    "worlds": int,
    "days": int,
    "files": dict,
}
_SYSTEM_ROOTS = ("/proc", "/sys", "/dev")


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(folder: Path) -> dict[str, dict[str, Any]]:
    """Relative path -> ``{"bytes", "sha256"}`` of every file under ``folder`` but its manifest."""
    return {
        str(p.relative_to(folder)): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p != folder / "manifest.json"
    }


def verify_files(folder: Path, listed: dict[str, Any]) -> None:
    """Check each file a manifest lists against its size and SHA-256.

    Raises:
        InputError: A file is missing, or its size or hash differs from the manifest's.
    """
    from ceasefire_sim.errors import InputError

    for name, entry in listed.items():
        path = folder / name
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            raise InputError(
                f"{folder}/manifest.json: the entry of {name} is malformed", file=str(folder)
            )
        try:
            if not path.is_file():
                raise InputError(
                    f"{path} is missing (listed in manifest.json); rerun", file=str(path)
                )
            if path.stat().st_size != entry.get("bytes") or sha256_file(path) != entry["sha256"]:
                raise InputError(
                    f"{path} does not match manifest.json (changed or damaged since it was "
                    "written, or left from another run); rerun to write the folder again",
                    file=str(path),
                )
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}", file=str(path)) from None


def _read_manifest(d: Path) -> dict[str, Any]:
    from ceasefire_sim.errors import InputError

    path = d / "manifest.json"
    try:
        if not d.is_dir():
            raise InputError(f"{d} is not a folder of results", file=str(d))
        if not path.is_file():
            raise InputError(f"{d} is not a results folder: missing manifest.json", file=str(d))
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, RuntimeError) as exc:
        raise InputError(
            f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}", file=str(d)
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid JSON ({exc})", file=str(path)) from None
    if not isinstance(manifest, dict):
        raise InputError(f"{path} must hold a JSON object", file=str(path))
    if "files" not in manifest:
        raise InputError(
            f"{path} lists no file hashes (written by an older version, or not by "
            "`ceasefire-sim run`); rerun to write the folder again",
            file=str(path),
        )
    for key, kind in _MANIFEST_TYPES.items():
        value = manifest.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise InputError(
                f"{path}: {key!r} must be a {getattr(kind, '__name__', kind)}, found {value!r}",
                file=str(path),
            )
    return manifest


def check_output_folder(out: Path) -> None:
    """Refuse, before anything is computed, a folder that cannot take results.

    Raises:
        InputError: ``out`` is a file, a system folder (``/proc``, ``/sys``, ``/dev``), a folder
            holding something other than results, or in a place that cannot be written.
    """
    from ceasefire_sim.errors import InputError

    def refuse(why: str) -> InputError:
        return InputError(f"cannot write results to {out}: {why}; choose another --out")

    try:
        resolved = out.resolve()
    except (OSError, RuntimeError) as exc:
        raise refuse(str(exc)) from None
    if any(resolved == Path(r) or resolved.is_relative_to(r) for r in _SYSTEM_ROOTS):
        raise refuse("it is a system folder")
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise refuse("it exists and is not a folder")
        if any(out.iterdir()) and not (out / "manifest.json").is_file():
            raise refuse("the folder holds files that are not results (it would be replaced whole)")
    parent = resolved.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise refuse(f"{parent} is not writable")
    if out.exists() and not os.access(out, os.W_OK | os.X_OK):
        raise refuse("the folder is not writable")


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); ``False`` where it is not available."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def _put_in_place(staging: Path, out: Path) -> None:
    """Make ``staging`` become ``out`` in one step; the old ``out`` is then removed."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now the old folder
        return
    # No atomic exchange: move the old folder aside first (a kill in between leaves it there,
    # next to an absent ``out``, never a mix of two runs).
    aside = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".old"))
    os.rename(out, aside / out.name)
    os.rename(staging, out)
    shutil.rmtree(aside, ignore_errors=True)


def _trajectory_arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The ``(days + 1, N)`` arrays of a :meth:`Results.trajectories_frame` (ordered by day, world)."""
    worlds = int(frame["world"].max()) + 1
    rows = len(frame) // worlds
    codes = {name: i for i, name in enumerate(STATUS_NAMES)}
    status = frame["status"].astype(str).map(codes).to_numpy(dtype=np.int8)
    return {
        "control_km2": frame["control_km2"].to_numpy(np.float32).reshape(rows, worlds),
        "status": status.reshape(rows, worlds),
        "casualties_russia": frame["casualties_russia"].to_numpy(np.float32).reshape(rows, worlds),
        "casualties_ukraine": frame["casualties_ukraine"]
        .to_numpy(np.float32)
        .reshape(rows, worlds),
    }


# ------------------------------------------------------------------- builders
def _draws(outcomes: pd.DataFrame) -> np.ndarray | None:
    """The parameter draw of each world of a nested run, else None."""
    return outcomes["param_draw"].to_numpy() if "param_draw" in outcomes.columns else None


def _outcomes(model: CeasefireModel) -> pd.DataFrame:
    # A run in blocks (JoinedModel) joins every column into a fresh array: the frame takes those
    # arrays as they are rather than copying them all once more. A model's own arrays are copied
    # (it may go on running).
    from ceasefire_sim.model.blocks import JoinedModel

    fresh = isinstance(model, JoinedModel)
    return outcome_frame(outcome_columns(model), model.space.outcome.by_issue, copy=not fresh)


def outcome_columns(model: CeasefireModel, first_world: int = 0) -> dict[str, Any]:
    """The columns of ``Results.outcomes`` read off a model, ``(n,)`` arrays by name.

    Args:
        model: The model (or one block of a run: its worlds are numbered from ``first_world``).
        first_world: Number of the model's first world.
    """
    m = model
    status = np.asarray(STATUS_NAMES, dtype=object)[m.status()]
    first_end = m.first_ceasefire_end_day
    duration = np.where(
        np.isnan(first_end), m.day - m.first_ceasefire_day, first_end - m.first_ceasefire_day
    )
    columns: dict[str, Any] = {
        "world": np.arange(first_world, first_world + m.worlds),
        "status": status,
        "first_ceasefire_day": m.first_ceasefire_day,
        "first_range_day": m.first_range_day,
        "ceasefires": m.ceasefires,
        "breakdowns": m.breakdowns,
        "breakdown_day": m.first_breakdown_day,
        "first_ceasefire_duration_days": duration,
        "first_ceasefire_ended": ~np.isnan(first_end),
        "days_at_war": m.days_at_war,
        "ceasefire_days": m.ceasefire_days,
        "control_km2_final": m.control_km2,
        "control_change_km2": m.control_km2 - m.initial_control_km2,
        "casualties_ukraine": m.ukraine.casualties,
        "casualties_russia": m.russia.casualties,
        "allies_at_2pct_final": m.allies_at_2pct(),
        "us_aid_total_bn": m.mediator.aid_total_bn,
        "allied_aid_total_bn": m.allied_aid_total_bn,
        "violations": m.violations_total,
        "mediator_walked_away": m.mediator.ever_walked_away,
        "threats_executed_ukraine": m.mediator.threats_executed["ukraine"],
        "threats_executed_russia": m.mediator.threats_executed["russia"],
        "belief_ukraine_km2_per_day": m.ukraine.belief_mean,
        "belief_russia_km2_per_day": m.russia.belief_mean,
        "true_drift_km2_per_day": np.broadcast_to(m.true_drift_km2_per_day, (m.worlds,)),
    }
    # Limited truces: the first one, how many, and per scope its first day and days in force.
    limited = m.limited
    columns["first_partial_truce_day"] = limited.first_partial_truce_day()
    columns["first_partial_truce_scope"] = limited.first_partial_truce_scope()
    columns["partial_truces"] = limited.count
    # Each (N, scopes) table read once (a run in blocks joins it anew at every read).
    days_in_force, first_day, offers = limited.days_in_force, limited.first_day, limited.offers
    accepted_by = limited.accepted
    for k, scope in enumerate(LIMITED_NAMES):
        columns[f"partial_days_{scope}"] = days_in_force[:, k]
        columns[f"first_partial_day_{scope}"] = first_day[:, k]
        # Counts are kept as int32 in the model and given as int64, as every other count.
        columns[f"partial_offers_{scope}"] = offers[:, k].astype(np.int64)
        for side, accepted in accepted_by.items():
            columns[f"partial_accepted_{side}_{scope}"] = accepted[:, k].astype(np.int64)
    columns["partial_violations"] = limited.violations
    for side, cost in m.channels.cost_by_side().items():
        columns[f"channel_costs_{side}"] = cost
    # terms_<issue>: the last ceasefire's terms; first_terms_<issue>: the first's ("" if none).
    by_issue = m.space.outcome.by_issue
    for prefix, package in (("terms", m.last_package), ("first_terms", m.first_package)):
        for c, issue in enumerate(by_issue):
            options = np.asarray([*by_issue[issue], ""], dtype=object)
            chosen = np.where(
                package >= 0, m.space.choices[np.maximum(package, 0), c], len(by_issue[issue])
            )
            columns[f"{prefix}_{issue}"] = options[chosen]
    for path in m.params.sampled:
        columns[path] = m.params.column(path)
    return columns


def outcome_frame(
    columns: dict[str, Any], by_issue: dict[str, Any], copy: bool = True
) -> pd.DataFrame:
    """``Results.outcomes`` from :func:`outcome_columns` (``copy``: copy the arrays)."""
    frame = pd.DataFrame(columns, copy=copy)
    for col in (
        "status",
        "first_partial_truce_scope",
        *(f"{k}_{i}" for k in ("terms", "first_terms") for i in by_issue),
    ):
        frame[col] = frame[col].astype(str)
    return frame


def _daily(model: CeasefireModel) -> pd.DataFrame:
    r = model.recorder
    days = np.arange(model.day + 1)
    start = np.datetime64(model.start_date.isoformat())
    dates = (start + days.astype("timedelta64[D]")).astype("datetime64[ms]")
    columns: dict[str, Any] = {"day": days, "date": dates}
    for j, name in enumerate(STATUS_NAMES):
        columns[f"share_{name}"] = r.shares[: len(days), j]
    for q, name in enumerate(QUANTITIES):
        for k, suffix in enumerate(QUANTILE_SUFFIXES):
            columns[f"{name}_{suffix}"] = r.quantiles[q, : len(days), k]
    for name, values in r.means.items():
        columns[name] = values[: len(days)]
    return pd.DataFrame(columns)


def _events(model: CeasefireModel) -> pd.DataFrame:
    from ceasefire_sim.model.narrative import COLUMNS

    frame = pd.DataFrame(model.narrative.rows, columns=list(COLUMNS))
    return frame.astype(
        {
            "day": "int64",
            "world": "int64",
            "date": str,
            "actor": str,
            "kind": str,
            "text": str,
            "explanation": str,
        }
    )


# -------------------------------------------------------------- formatting
def format_value(value: float, unit: str) -> str:
    """A summary figure for people (see :func:`ceasefire_sim.metrics.format_value`)."""
    from ceasefire_sim.metrics import format_value as _format

    return _format(value, unit)


# -------------------------------------------------------------- intervals
def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """Proportion with its Wilson score interval."""
    if n == 0:
        return math.nan, math.nan, math.nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # Clamp: rounding can leave the bound a hair on the wrong side of 0 successes or n successes.
    return float(p), float(min(p, max(0.0, centre - half))), float(max(p, min(1.0, centre + half)))


def median_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Median with a distribution-free interval from binomial order statistics."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    lo = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))
    hi = int(stats.binom.isf((1 - confidence) / 2, n, 0.5))
    return float(np.median(x)), float(x[max(lo - 1, 0)]), float(x[min(hi, n - 1)])


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean with a normal-approximation interval."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    half = stats.norm.ppf(0.5 + confidence / 2) * (
        x.std(ddof=1) / math.sqrt(len(x)) if len(x) > 1 else 0.0
    )
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


# ---------------------------------------------------------------- atomic I/O
def _atomic_write(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        # mkstemp creates files readable by the owner only; results are meant to be shared.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    _atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def _atomic_text(text: str, path: Path) -> None:
    _atomic_write(path, lambda tmp: Path(tmp).write_text(text))
