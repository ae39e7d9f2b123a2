"""Run a sweep: points x worlds laid out as the worlds of a few large model runs (chunks).

Layout. A sweep of ``P`` points with ``W`` worlds each is cut into chunks of whole points
(``chunk_size // W`` points, at least one). A chunk is one :class:`CeasefireModel` run whose
``k * W`` worlds are point-major: world ``i`` is replicate ``i % W`` of the chunk's point
``i // W``. The swept values reach the model as per-world ``overrides`` (one ``(k * W,)`` array
per parameter), so a sweep of thousands of points is a handful of vectorised runs, not a model
per point.

Common random numbers across points. Every chunk runs with the sweep's own seed and passes the
model ``world_keys`` = each world's replicate number (``np.tile(np.arange(W), k)``). World ``i``
then draws every random number -- the base scenario's uncertain parameters, the allies' pledge
draws and the daily noise -- that world ``i % W`` of ``simulate(base, worlds=W, seed=seed)``
draws. Replicate ``j`` of every point sees the same draws whichever chunk holds it, so
differences between points are paired like ``compare``'s, and a point whose values equal the
base scenario's reproduces that plain run world for world. Nothing depends on the chunk's
number, the chunk size, or which process, machine or executor computes it, in whatever order:
the executors give identical results and a resumed sweep equals an uninterrupted one.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ceasefire_sim._version import __version__
from ceasefire_sim.errors import InputError, Problem, SweepError
from ceasefire_sim.model.lifetime import release
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.results import Results
from ceasefire_sim.scenario.loader import scenario_file, scenario_hash
from ceasefire_sim.scenario.schema import Scenario
from ceasefire_sim.sweep.executors import ExecutorChoice, open_executor, tune_malloc
from ceasefire_sim.sweep.metrics import OUTCOME_COLUMNS, metric_names, summarise_points
from ceasefire_sim.sweep.progress import Progress, QuietProgress, make_progress
from ceasefire_sim.sweep.samplers import POINT_COLUMN, SweepParameter
from ceasefire_sim.sweep.sensitivity import morris_indices, sobol_convergence, sobol_indices
from ceasefire_sim.sweep.series import SERIES, point_series
from ceasefire_sim.sweep.spec import Sweep, load_sweep
from ceasefire_sim.sweep.storage import MANIFEST, FolderStorage, MemoryStorage


# ------------------------------------------------------------------- worker
@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to compute one chunk (picklable).

    Attributes:
        index: Chunk number.
        scenario: The base scenario.
        seed: The model seed: the sweep's seed, the same for every chunk.
        days: Horizon in days.
        worlds_per_point: ``W``.
        points: The chunk's point numbers, ``(k,)``.
        point_values: Concrete scenario path -> ``(k,)`` value at each of the chunk's points.
    """

    index: int
    scenario: Scenario
    seed: int
    days: int
    worlds_per_point: int
    points: np.ndarray
    point_values: dict[str, np.ndarray]
    daily_series: bool = False

    def overrides(self) -> dict[str, np.ndarray]:
        """Per-world values of the chunk's ``k * W`` worlds, point-major."""
        w = self.worlds_per_point
        return {p: np.repeat(v, w) for p, v in self.point_values.items()}

    def world_keys(self) -> np.ndarray:
        """The replicate number of each of the chunk's ``k * W`` worlds (the model's keys)."""
        return np.tile(np.arange(self.worlds_per_point, dtype=np.int64), len(self.points))


@dataclass(frozen=True)
class ChunkOutput:
    """A chunk's per-world outcomes and, with ``daily_series``, its per-point daily series."""

    outcomes: pd.DataFrame
    series: pd.DataFrame


@dataclass(frozen=True)
class ChunkFailure:
    """A chunk stopped by bad input (returned, not raised: the problems survive pickling)."""

    index: int
    problems: list[Problem]


def run_chunk(task: ChunkTask) -> pd.DataFrame | ChunkOutput | ChunkFailure:
    """Compute one chunk: one model run over the chunk's points x worlds.

    Returns:
        Per-world outcomes (the columns of ``Results.outcomes``) with ``point`` first and
        ``world`` numbering the replicate within its point (0..W-1); with ``daily_series``, a
        :class:`ChunkOutput` of those and the points' daily series
        (:func:`~ceasefire_sim.sweep.series.point_series`); or a :class:`ChunkFailure` if the
        scenario cannot be run with these values.
    """
    tune_malloc()
    w = task.worlds_per_point
    try:
        model = CeasefireModel(
            task.scenario,
            worlds=len(task.points) * w,
            seed=task.seed,
            days=task.days,
            overrides=task.overrides(),
            narrative_worlds=0,
            world_keys=task.world_keys(),
            keep_trajectories=task.daily_series,
        )
    except InputError as exc:
        return ChunkFailure(task.index, list(exc.problems))
    try:
        model.run()
        outcomes = Results.from_model(model).outcomes
        trajectories, start_date = model.recorder.trajectories, model.start_date
    finally:
        # A long-lived worker must not hold every chunk's model (ceasefire_sim.model.lifetime).
        release(model)
    outcomes["world"] = task.world_keys()
    outcomes.insert(0, POINT_COLUMN, np.repeat(np.asarray(task.points, dtype=np.int64), w))
    if task.daily_series:
        assert trajectories is not None
        series = point_series(trajectories, task.points, w, start_date)
        return ChunkOutput(outcomes, series)
    return outcomes


# -------------------------------------------------------------------- tasks
def chunk_task(sweep: Sweep, index: int) -> ChunkTask:
    """The task of chunk ``index``."""
    points = sweep.points.iloc[list(sweep.chunk_points(index))]
    point_values = {}
    for path, targets in sweep.targets.items():
        column = points[path].to_numpy(dtype=float)
        for target in targets:
            point_values[target] = column
    return ChunkTask(
        index=index,
        scenario=sweep.scenario,
        seed=sweep.spec.seed,
        days=sweep.days,
        worlds_per_point=sweep.worlds_per_point,
        points=points[POINT_COLUMN].to_numpy(dtype=np.int64),
        point_values=point_values,
        daily_series=sweep.spec.daily_series,
    )


# ------------------------------------------------------------------ results
@dataclass
class SweepResult:
    """What a sweep produced.

    Attributes:
        manifest: The manifest (also ``OUT/manifest.json``).
        points: The design: ``point`` and one column per parameter path.
        summary: Per point: parameters, headline metrics with ``_low``/``_high``, ``worlds``.
        sensitivity: Sobol' or Morris indices (``None`` for other methods).
        series: With ``daily_series``, one row per point and day: status shares and quantiles
            (:mod:`~ceasefire_sim.sweep.series`); otherwise ``None``.
        out: The output folder (``None`` for a sweep kept in memory).
        computed_chunks: Chunks computed by this call.
        reused_chunks: Chunks found on disk and kept (``--resume``).
    """

    manifest: dict[str, Any]
    points: pd.DataFrame
    summary: pd.DataFrame
    sensitivity: pd.DataFrame | None
    series: pd.DataFrame | None = None
    out: Path | None = None
    computed_chunks: list[int] = field(default_factory=list)
    reused_chunks: list[int] = field(default_factory=list)
    _storage: Any = field(default=None, repr=False)

    def worlds(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Every world's outcomes (only ``columns`` if given), in point order."""
        storage = self._storage
        if storage is None:
            if self.out is None:
                raise SweepError("this sweep kept no worlds")
            storage = FolderStorage(self.out, self.manifest["spec_hash"], self.manifest["chunks"])
        frames = [storage.read_chunk(c, columns) for c in range(int(self.manifest["chunks"]))]
        return pd.concat(frames, ignore_index=True)

    @classmethod
    def load(cls, out: str | Path) -> SweepResult:
        """Read a finished sweep's folder."""
        out = Path(out)
        path = out / MANIFEST
        if not path.exists():
            raise SweepError(f"{out} is not a sweep folder: no {MANIFEST}", str(out))
        manifest = json.loads(path.read_text())
        if manifest.get("kind") != "sweep" or manifest.get("status") != "complete":
            raise SweepError(f"{out} holds no finished sweep; run it (or resume it) first")
        sensitivity_path = out / "sensitivity.parquet"
        series_path = out / f"{SERIES}.parquet"
        return cls(
            manifest=manifest,
            points=pd.read_parquet(out / "points.parquet"),
            summary=pd.read_parquet(out / "summary.parquet"),
            sensitivity=pd.read_parquet(sensitivity_path) if sensitivity_path.exists() else None,
            series=pd.read_parquet(series_path) if series_path.exists() else None,
            out=out,
        )


def build_summary(sweep: Sweep, chunk_summaries: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Per point: ``point``, the parameter columns, each metric with its interval, ``worlds``."""
    metrics = pd.concat([chunk_summaries[c] for c in sorted(chunk_summaries)], ignore_index=True)
    summary = sweep.points.merge(metrics, on=POINT_COLUMN, how="left", validate="one_to_one")
    return summary.sort_values(POINT_COLUMN, ignore_index=True)


def sensitivity_table(
    method: str,
    parameters: tuple[SweepParameter, ...] | list[SweepParameter],
    design: np.ndarray,
    summary: pd.DataFrame,
    outputs: list[str],
    seed: int,
) -> pd.DataFrame | None:
    """Sensitivity indices of each output over the sweep's points (``None`` unless sobol/morris).

    Args:
        method: The sweep's sampling method.
        parameters: The swept parameters.
        design: The sampler's design (used by Morris).
        summary: One row per point, in point order, with a column per output.
        outputs: The output columns to analyse.
        seed: The sweep's seed, which also seeds the bootstrap of the intervals.
    """
    if method not in ("sobol", "morris"):
        return None
    ordered = summary.sort_values(POINT_COLUMN)
    values = {name: ordered[name].to_numpy(dtype=float) for name in outputs}
    # sensitivity.py guards against SALib's treating a seed of 0 as no seed.
    if method == "sobol":
        return sobol_indices(list(parameters), values, seed=int(seed))
    return morris_indices(list(parameters), design, values, seed=int(seed))


def build_manifest(sweep: Sweep, status: str, executor: str = "") -> dict[str, Any]:
    """The sweep's ``manifest.json`` (see docs/sweeps.md for every key)."""
    return {
        "kind": "sweep",
        "name": sweep.spec.name,
        "description": sweep.spec.description,
        "spec": sweep.spec.model_dump(mode="json"),
        "spec_file": sweep.file,
        "spec_hash": sweep.hash,
        "method": sweep.spec.method,
        "parameters": sweep.parameter_table(),
        "targets": {path: list(targets) for path, targets in sweep.targets.items()},
        "outputs": metric_names(sweep.days),
        "points": sweep.n_points,
        "worlds_per_point": sweep.worlds_per_point,
        "days": sweep.days,
        "seed": sweep.spec.seed,
        "chunks": sweep.n_chunks,
        "points_per_chunk": sweep.points_per_chunk,
        "common_random_numbers": (
            "full: every chunk runs with the sweep's seed and world_keys = replicate number, so "
            "replicate j of every point draws the sampled parameter values, pledge draws and "
            "daily noise of world j of simulate(base, worlds=worlds_per_point, seed=seed)"
        ),
        "scenario_name": sweep.scenario.name,
        "scenario_file": scenario_file(sweep.scenario),
        "scenario_hash": scenario_hash(sweep.scenario),
        "version": __version__,
        "status": status,
        "executor": executor,
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


# ------------------------------------------------------------------- driver
def run_sweep(
    spec: Sweep | str | Path,
    executor: Executor | ExecutorChoice | None = None,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    workers: int | None = None,
    progress: Progress | bool | None = None,
) -> SweepResult:
    """Run a sweep and summarise it per point.

    Args:
        spec: A :class:`~ceasefire_sim.sweep.spec.Sweep` or the path of a spec file.
        executor: Any :class:`concurrent.futures.Executor` (e.g. a ``ProcessPoolExecutor`` with
            the ``spawn`` context, or Dask's ``client.get_executor()``), or an
            :class:`~ceasefire_sim.sweep.executors.ExecutorChoice` to open only if some chunk
            needs computing. Default: local processes, ``workers`` of them (one per core if
            ``None``; 1 runs in this process).
        out: Output folder; ``None`` keeps everything in memory.
        resume: Continue the sweep already in ``out``: keep its finished chunks.
        workers: Local processes when no ``executor`` is given.
        progress: Where to report progress (default: nowhere); ``True`` for a bar on a
            terminal or in a Jupyter notebook, lines otherwise
            (:func:`~ceasefire_sim.sweep.progress.make_progress`).

    Returns:
        The :class:`SweepResult`. Results are identical whatever executes the chunks.

    Raises:
        SweepError: Bad spec, an ``out`` folder holding something else (or this sweep without
            ``resume``), or parameter values the model cannot run with.
    """
    if workers is not None:
        if executor is not None:
            raise SweepError("give run_sweep an executor or a number of workers, not both")
        executor = ExecutorChoice(workers=workers)
    sweep = spec if isinstance(spec, Sweep) else load_sweep(spec)
    if progress is True:
        progress = make_progress()
    progress = progress or QuietProgress()
    storage: FolderStorage | MemoryStorage = (
        FolderStorage(out, sweep.hash, sweep.n_chunks, series=sweep.spec.daily_series)
        if out is not None
        else MemoryStorage()
    )
    storage.open(resume)
    try:
        done, warnings = storage.finished()
        for warning in warnings:
            progress.log(f"warning: {warning}")
        todo = [c for c in range(sweep.n_chunks) if c not in done]
        progress.log(
            f"sweep {sweep.spec.name!r}: {sweep.n_points:,} points x {sweep.worlds_per_point:,} "
            f"worlds = {sweep.n_points * sweep.worlds_per_point:,} worlds over {sweep.days} days, "
            f"in {sweep.n_chunks} chunks of up to {sweep.points_per_chunk} points"
        )
        storage.write_table("points", sweep.points)
        storage.write_manifest(build_manifest(sweep, "running"))

        started = time.monotonic()
        summaries = {
            c: summarise_points(storage.read_chunk(c, [POINT_COLUMN, *OUTCOME_COLUMNS]), sweep.days)
            for c in sorted(done)
        }
        if done:
            progress.log(f"resuming: {len(done)} of {sweep.n_chunks} chunks already on disk")
        description = ""
        if todo:
            if executor is None or isinstance(executor, ExecutorChoice):
                with open_executor(executor) as (opened, description):
                    progress.log(
                        f"computing {len(todo)} of {sweep.n_chunks} chunks with {description}"
                    )
                    _compute(sweep, todo, opened, storage, summaries, progress)
            else:
                description = type(executor).__name__
                progress.log(f"computing {len(todo)} of {sweep.n_chunks} chunks with {description}")
                _compute(sweep, todo, executor, storage, summaries, progress)
        else:
            progress.log("nothing to compute: every chunk is on disk")
        summary = build_summary(sweep, summaries)
        outputs = metric_names(sweep.days)
        sensitivity = sensitivity_table(
            sweep.spec.method, sweep.parameters, sweep.design, summary, outputs, sweep.spec.seed
        )
        storage.write_table("summary", summary)
        series = None
        if sweep.spec.daily_series:
            series = pd.concat(
                [storage.read_series(c) for c in range(sweep.n_chunks)], ignore_index=True
            )
            storage.write_table(SERIES, series)
        if sensitivity is not None:
            storage.write_table("sensitivity", sensitivity)
        manifest = build_manifest(sweep, "complete", description)
        if sweep.spec.method == "sobol" and sensitivity is not None:
            # The rule make validate grows its sample by; a sweep's design is fixed by its spec,
            # so it reports the rule and the base sample it would need.
            base = sweep.n_points // (len(sweep.parameters) + 2)
            convergence = sobol_convergence(sensitivity, base)
            manifest["sobol_convergence"] = {
                "base": convergence.base,
                "converged": convergence.converged,
                "message": convergence.message(),
                "outputs": convergence.outputs,
            }
            if not convergence.converged:
                progress.log(f"warning: {convergence.message()}")
        storage.write_manifest(manifest)
    finally:
        storage.close()
    elapsed = time.monotonic() - started
    where = f" into {storage.out}/" if storage.out is not None else ""
    progress.log(f"finished{where} in {elapsed:,.1f} s ({len(todo)} chunks computed)")
    return SweepResult(
        manifest=manifest,
        points=sweep.points,
        summary=summary,
        sensitivity=sensitivity,
        series=series,
        out=storage.out,
        computed_chunks=todo,
        reused_chunks=sorted(done),
        _storage=storage,
    )


def _compute(
    sweep: Sweep,
    todo: list[int],
    executor: Executor,
    storage: FolderStorage | MemoryStorage,
    summaries: dict[int, pd.DataFrame],
    progress: Progress,
) -> None:
    """Submit the missing chunks and store each as soon as it is finished."""
    total = sweep.n_points * sweep.worlds_per_point
    missing = sum(len(sweep.chunk_points(c)) for c in todo) * sweep.worlds_per_point
    progress.start(total, total - missing, sweep.n_chunks, sweep.n_chunks - len(todo))
    futures: dict[Future, int] = {}
    queue = iter(todo)

    def submit_more() -> None:
        for c in queue:
            future = executor.submit(run_chunk, chunk_task(sweep, c))
            futures[future] = c
            if future.done():
                # An inline executor finishes on submit: store the chunk before computing more,
                # so a kill loses at most the chunk being computed.
                return

    try:
        submit_more()
        while futures:
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=futures.__getitem__):
                index = futures.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    raise SweepError(
                        "a worker process died, most often for lack of memory; lower "
                        "chunk_size or use fewer --workers, then rerun with --resume (finished "
                        "chunks are kept)"
                    ) from None
                if isinstance(result, ChunkFailure):
                    raise SweepError(
                        [
                            Problem(p.file, p.line, p.path, f"{p.message} (in chunk {index})")
                            for p in result.problems
                        ]
                    )
                series = None
                if isinstance(result, ChunkOutput):
                    result, series = result.outcomes, result.series
                storage.write_chunk(index, result, series)
                summaries[index] = summarise_points(result, sweep.days)
                progress.advance(len(result))
            submit_more()
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    finally:
        progress.stop()
