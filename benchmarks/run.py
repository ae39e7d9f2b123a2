"""Benchmarks of the vectorised model (``make bench``), robust on a shared machine.

Every run rewrites ``benchmarks/results.json`` and ``benchmarks/RESULTS.md`` from scratch. Each
figure is measured in fresh Python processes (so nothing one measurement builds weighs on the
next), as medians of repeats with their spread (min and max), CPU time beside wall time. The two
sides of every ratio are measured in turn, alternating (A, B, A, B, ...), so that a change in the
machine's load hits both. Meanwhile the share of the cores other processes kept busy is read from
``/proc/stat``.

Figures (``results.json`` keys):

- ``ratio_vs_scalar_mesa``: the vectorised model's world-days per second (one ``simulate`` of
  100,000 worlds on all cores) over those of ``mesa.batch_run`` of the fair peer
  (``benchmarks/peer.py``: a plain one-world Mesa model of the same mechanics) on all cores;
- ``cores_speedup``: one ``simulate`` of 200,000 worlds, all cores against one (``workers=1``);
- ``world_days_per_cpu_s_100k``: world-days per CPU second at 100,000 worlds on one core, in a
  process started with an empty numba cache (the kernels compiled by a small run first, timed
  apart) and no bounds checks, beside the figure of ``REFERENCE_COMMIT``;
- ``dask_over_local``: one sweep on a local Dask cluster of 2 workers over the same sweep on 2
  local processes (wall time);
- ``single_world_ms``: one world over 365 days, construction included (``simulate``);
- ``peak_rss_mb_1m``: peak resident memory of a 1,000,000-world ``simulate``;
- ``memory_growth_mb_10_calls``: resident memory after the tenth of ten 100,000-world
  ``simulate`` calls in one process, less that after the first;
- start-up: ``ceasefire-sim --help`` and ``python -c "import ceasefire_sim"``.

Usage::

    .venv/bin/python benchmarks/run.py                   # everything (about 15 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick           # small sizes, to check the script
    .venv/bin/python benchmarks/run.py --only cores      # one piece, printed; no file written
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "white_house_2025-03-13.yaml"
SWEEP_SPEC = ROOT / "scenarios" / "sweeps" / "sobol-10.yaml"
OUT_DIR = Path(__file__).resolve().parent
#: The commit whose ``benchmarks/results.json`` holds the reference one-core throughput (the last
#: benchmark of version 1's model, before the version-2 mechanics).
REFERENCE_COMMIT = "41a0173"
#: Its ``throughput_detail["100000"]["world_days_per_cpu_s"]``, for when git cannot be asked.
REFERENCE_WORLD_DAYS_PER_CPU_S = 5_165_373.794385358

TARGETS = {
    "ratio_vs_scalar_mesa": (">=", 500.0),
    "cores_speedup": (">=", 1.7),
    "world_days_per_cpu_s_100k": (">=", None),  # 1.5 x the reference, filled in at run time
    "dask_over_local": ("<=", 1.15),
    "single_world_ms": ("<=", 50.0),
    "peak_rss_mb_1m": ("<=", 1536.0),
    "memory_growth_mb_10_calls": ("<=", 50.0),
    "startup_help_s": ("<=", 0.3),
    "startup_import_s": ("<=", 0.5),
}
#: Of the reference one-core throughput, what ``world_days_per_cpu_s_100k`` must reach.
CPU_THROUGHPUT_FACTOR = 1.5


@dataclass
class Plan:
    """What to measure: the full benchmark, or a small one that checks the script."""

    days: int = 365
    #: Runs of each side of a ratio (fresh processes, alternating).
    repeats: int = 2
    cores_worlds: int = 200_000
    cpu_worlds: int = 100_000
    vector_worlds: int = 100_000
    peer_runs: int = 64
    single_world_repeats: int = 15
    rss_worlds: int = 1_000_000
    #: The 1,000,000-world run's horizon: memory is O(N) plus O(days) for the daily records,
    #: which are a few kB per day, so a month peaks as a year does.
    rss_days: int = 30
    growth_worlds: int = 100_000
    growth_days: int = 30
    growth_calls: int = 10
    sweep_samples: int = 32
    sweep_chunks: int = 8
    dask: bool = True
    startup_repeats: int = 10

    @classmethod
    def quick(cls) -> Plan:
        """Tiny sizes: runs in a minute, for tests of this script."""
        return cls(
            days=20,
            repeats=1,
            cores_worlds=4_000,
            cpu_worlds=2_000,
            vector_worlds=2_000,
            peer_runs=4,
            single_world_repeats=3,
            rss_worlds=4_000,
            rss_days=5,
            growth_worlds=2_000,
            growth_days=5,
            growth_calls=3,
            sweep_samples=2,
            sweep_chunks=2,
            dask=False,
            startup_repeats=3,
        )


# ----------------------------------------------------------------------------- machine
def machine_info() -> dict[str, Any]:
    """CPU model, cores, versions and the BLAS settings in force."""
    import mesa
    import numba
    import numpy
    import pandas
    import scipy

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "mesa": mesa.__version__,
        "numba": numba.__version__,
        "platform": platform.platform(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "load_average_at_start": list(os.getloadavg()),
    }


# ------------------------------------------------------------------------ fresh processes
def in_fresh_process(code: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run Python ``code`` in a new process; its last stdout line (JSON) and its peak RSS.

    The peak RSS comes from ``os.wait4`` (the kernel's account of that child alone, threads
    included). Other processes' CPU time meanwhile (``/proc/stat`` less the child's) is added as
    ``other_cores``: the share of the machine's cores they kept busy.
    """
    busy = _machine_busy_s()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    out = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"benchmark child failed:\n{code}")
    found = json.loads(out.strip().splitlines()[-1])
    own = usage.ru_utime + usage.ru_stime
    found["peak_rss_mb"] = usage.ru_maxrss / 1024.0
    found["other_cores"] = max(_machine_busy_s() - busy - own, 0.0) / wall if wall > 0 else 0.0
    return found


def _simulate_code(
    worlds: int, days: int, workers: int | None, seed: int = 1, overrides: tuple[str, ...] = ()
) -> str:
    return (
        "import json, time\n"
        "from ceasefire_sim import load_scenario, simulate\n"
        f"s = load_scenario({str(SCENARIO)!r}, {list(overrides)!r})\n"
        "t, c = time.perf_counter(), time.process_time()\n"
        f"simulate(s, worlds={worlds}, seed={seed}, days={days}, workers={workers!r})\n"
        "print(json.dumps({'wall_s': time.perf_counter() - t, 'cpu_s': time.process_time() - c}))\n"
    )


def simulate_in_fresh_process(
    worlds: int,
    days: int,
    workers: int | None,
    env: dict[str, str] | None = None,
    overrides: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One ``simulate`` in a new process: wall and CPU seconds (all threads), peak RSS."""
    found = in_fresh_process(_simulate_code(worlds, days, workers, overrides=overrides), env)
    return found | {"worlds": worlds, "days": days, "workers": workers}


def interleaved(sides: dict[str, Callable[[], dict[str, Any]]], repeats: int) -> dict[str, list]:
    """Each side ``repeats`` times, in turn (A, B, A, B, ...): their runs, per side."""
    runs: dict[str, list] = {name: [] for name in sides}
    for _ in range(repeats):
        for name, measure in sides.items():
            runs[name].append(measure())
    return runs


def spread(runs: list[dict[str, Any]], key: str) -> dict[str, float]:
    """Median, min and max of ``key`` over runs."""
    values = [float(r[key]) for r in runs]
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Wall and CPU seconds (median, min, max) and the other processes' share of the cores."""
    return {
        "repeats": len(runs),
        "wall_s": spread(runs, "wall_s"),
        "cpu_s": spread(runs, "cpu_s"),
        "other_cores": statistics.median(r.get("other_cores", 0.0) for r in runs),
        "peak_rss_mb": max(r.get("peak_rss_mb", 0.0) for r in runs),
        "runs": runs,
    }


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (``/proc/stat``), or 0."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------- figures
def cores_speedup(plan: Plan) -> dict[str, Any]:
    """One ``simulate`` of ``cores_worlds`` worlds on one core and on all, alternating."""
    runs = interleaved(
        {
            "one_core": lambda: simulate_in_fresh_process(plan.cores_worlds, plan.days, 1),
            "all_cores": lambda: simulate_in_fresh_process(plan.cores_worlds, plan.days, None),
        },
        plan.repeats,
    )
    one, every = summary(runs["one_core"]), summary(runs["all_cores"])
    return {
        "worlds": plan.cores_worlds,
        "days": plan.days,
        "cores": cores(),
        "one_core": one,
        "all_cores": every,
        "speedup": one["wall_s"]["median"] / every["wall_s"]["median"],
        "cpu_s_ratio": every["cpu_s"]["median"] / one["cpu_s"]["median"],
    }


def reference_throughput() -> dict[str, Any]:
    """The one-core world-days per CPU second at 100,000 worlds at :data:`REFERENCE_COMMIT`."""
    try:
        text = subprocess.run(
            ["git", "show", f"{REFERENCE_COMMIT}:benchmarks/results.json"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        value = json.loads(text)["throughput_detail"]["100000"]["world_days_per_cpu_s"]
        source = f"git show {REFERENCE_COMMIT}:benchmarks/results.json"
    except (OSError, subprocess.CalledProcessError, KeyError, ValueError):
        value, source = REFERENCE_WORLD_DAYS_PER_CPU_S, "REFERENCE_WORLD_DAYS_PER_CPU_S"
    return {"commit": REFERENCE_COMMIT, "world_days_per_cpu_s": float(value), "source": source}


def cpu_throughput(plan: Plan) -> dict[str, Any]:
    """World-days per CPU second on one core: cold numba cache, no bounds checks."""

    code = (
        "import json, time\n"
        "from ceasefire_sim import load_scenario, simulate\n"
        f"s = load_scenario({str(SCENARIO)!r})\n"
        # The kernels are compiled into the empty cache by a small run, timed on its own.
        "t, c = time.perf_counter(), time.process_time()\n"
        "simulate(s, worlds=20, seed=0, days=5, workers=1)\n"
        "compile_wall, compile_cpu = time.perf_counter() - t, time.process_time() - c\n"
        "t, c = time.perf_counter(), time.process_time()\n"
        f"simulate(s, worlds={plan.cpu_worlds}, seed=1, days={plan.days}, workers=1)\n"
        "print(json.dumps({'wall_s': time.perf_counter() - t, 'cpu_s': time.process_time() - c,"
        " 'compile_wall_s': compile_wall, 'compile_cpu_s': compile_cpu}))\n"
    )

    def cold() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="numba-cold-") as cache:
            env = {"NUMBA_CACHE_DIR": cache, "NUMBA_BOUNDSCHECK": "0"}
            return in_fresh_process(code, env)

    runs = [cold() for _ in range(plan.repeats)]
    table = summary(runs)
    world_days = plan.cpu_worlds * plan.days
    reference = reference_throughput()
    value = world_days / table["cpu_s"]["median"]
    return table | {
        "worlds": plan.cpu_worlds,
        "days": plan.days,
        "world_days_per_cpu_s": value,
        "world_days_per_s": world_days / table["wall_s"]["median"],
        "reference": reference,
        "over_reference": value / reference["world_days_per_cpu_s"],
        "compile_cpu_s": statistics.median(r["compile_cpu_s"] for r in runs),
    }


def scalar_mesa_ratio(plan: Plan) -> dict[str, Any] | None:
    """The vectorised model over ``batch_run`` of the fair peer, both on all cores, alternating.

    Returns None when there is no peer (``benchmarks/peer.py``).
    """
    if not (OUT_DIR / "peer.py").is_file():
        return None
    processes = cores()
    peer_code = (
        "import json, sys, time\n"
        f"sys.path.insert(0, {str(OUT_DIR)!r})\n"
        "import peer\n"
        f"found = peer.timed_batch_run(runs={plan.peer_runs}, days={plan.days},"
        f" processes={processes})\n"
        "found['profile'] = peer.arithmetic_share(worlds=5)\n"
        "print(json.dumps(found))\n"
    )
    # The same mechanics on both sides: the peer has no talks yet, so neither has the model.
    talks_off = ("talks.enabled=false",)
    runs = interleaved(
        {
            "peer": lambda: in_fresh_process(peer_code),
            "vectorised": lambda: simulate_in_fresh_process(
                plan.vector_worlds, plan.days, None, overrides=talks_off
            ),
        },
        plan.repeats,
    )
    peer, vector = summary(runs["peer"]), summary(runs["vectorised"])
    peer_rate = plan.peer_runs * plan.days / peer["wall_s"]["median"]
    vector_rate = plan.vector_worlds * plan.days / vector["wall_s"]["median"]
    return {
        "peer": peer
        | {
            "runs": runs["peer"],
            "worlds": plan.peer_runs,
            "processes": processes,
            "world_days_per_s": peer_rate,
            "ms_per_world_year": 1000
            * statistics.median(r["cpu_s_per_world_year"] for r in runs["peer"]),
            "profile": runs["peer"][-1]["profile"],
        },
        "vectorised": vector
        | {"worlds": plan.vector_worlds, "world_days_per_s": vector_rate, "overrides": talks_off},
        "ratio": vector_rate / peer_rate,
    }


def single_world(plan: Plan) -> dict[str, Any]:
    """One world over the horizon, construction and results included: median of repeats."""
    code = (
        "import json, time\n"
        "from ceasefire_sim import load_scenario, simulate\n"
        f"s = load_scenario({str(SCENARIO)!r})\n"
        f"simulate(s, worlds=1, seed=0, days={plan.days})\n"
        "runs = []\n"
        f"for seed in range({plan.single_world_repeats}):\n"
        "    t, c = time.perf_counter(), time.process_time()\n"
        f"    simulate(s, worlds=1, seed=seed, days={plan.days})\n"
        "    runs.append({'wall_s': time.perf_counter() - t, 'cpu_s': time.process_time() - c})\n"
        "print(json.dumps({'runs': runs}))\n"
    )
    found = in_fresh_process(code)
    # The repeats run in one process: the other processes' share is that process's.
    table = summary(found["runs"]) | {"other_cores": found["other_cores"]}
    return table | {
        "ms": 1000 * table["wall_s"]["median"],
        "cpu_ms": 1000 * table["cpu_s"]["median"],
    }


def peak_rss(plan: Plan) -> dict[str, Any]:
    """Peak resident memory of one ``simulate`` of ``rss_worlds`` worlds on all cores."""
    found = simulate_in_fresh_process(plan.rss_worlds, plan.rss_days, None)
    return found


def memory_growth(plan: Plan) -> dict[str, Any]:
    """Resident memory after each of ``growth_calls`` ``simulate`` calls in one process."""
    code = (
        "import json\n"
        "from ceasefire_sim import load_scenario, simulate\n"
        "def rss():\n"
        "    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20\n"
        f"s = load_scenario({str(SCENARIO)!r})\n"
        "after = []\n"
        f"for seed in range({plan.growth_calls}):\n"
        f"    simulate(s, worlds={plan.growth_worlds}, seed=seed, days={plan.growth_days})\n"
        "    after.append(rss())\n"
        "print(json.dumps({'rss_mb_after_each_call': after}))\n"
    )
    found = in_fresh_process(code)
    after = found["rss_mb_after_each_call"]
    return found | {
        "worlds": plan.growth_worlds,
        "days": plan.growth_days,
        "calls": plan.growth_calls,
        "growth_mb": after[-1] - after[0],
    }


def dask_over_local(plan: Plan) -> dict[str, Any] | None:
    """One sweep on 2 local processes and on a local Dask cluster of 2 workers, alternating."""
    if not plan.dask:
        return None
    label = _sweep_label(plan)

    def sweep(executor: str) -> dict[str, Any]:
        code = (
            "import json, sys, time\n"
            f"sys.path.insert(0, {str(OUT_DIR)!r})\n"
            "import run\n"
            "from ceasefire_sim.sweep.executors import ExecutorChoice\n"
            "from ceasefire_sim.sweep.runner import run_sweep\n"
            "if __name__ == '__main__':\n"
            f"    sweep = run.benchmark_sweep(run.Plan(**{asdict(plan)!r}))\n"
            f"    choice = ExecutorChoice({executor})\n"
            "    t, c = time.perf_counter(), time.process_time()\n"
            "    run_sweep(sweep, choice)\n"
            "    print(json.dumps({'wall_s': time.perf_counter() - t,"
            " 'cpu_s': time.process_time() - c}))\n"
        )
        return in_fresh_process(code)

    runs = interleaved(
        {"local": lambda: sweep("workers=2"), "dask": lambda: sweep("dask_local=2")},
        plan.repeats,
    )
    local, dask = summary(runs["local"]), summary(runs["dask"])
    return {
        "method": f"ceasefire_sim.sweep.runner.run_sweep: {label}",
        "local_2_processes": local,
        "dask_local_2_workers": dask,
        "ratio": dask["wall_s"]["median"] / local["wall_s"]["median"],
        "note": "cpu_s is the calling process's alone: the work is done in the workers",
    }


def benchmark_sweep(plan: Plan) -> Any:
    """``scenarios/sweeps/sobol-10.yaml`` cut to ``plan.sweep_samples`` base samples."""
    import yaml

    from ceasefire_sim.sweep.spec import sweep_from_dict

    document = yaml.safe_load(SWEEP_SPEC.read_text())
    points = plan.sweep_samples * (len(document["parameters"]) + 2)
    document["samples"] = plan.sweep_samples
    document["days"] = min(int(document["days"]), plan.days)
    document["chunk_size"] = points * int(document["worlds"]) // plan.sweep_chunks
    return sweep_from_dict(document, base_dir=SWEEP_SPEC.parent, file=str(SWEEP_SPEC))


def _sweep_label(plan: Plan) -> str:
    import yaml

    document = yaml.safe_load(SWEEP_SPEC.read_text())
    points = plan.sweep_samples * (len(document["parameters"]) + 2)
    return (
        f"{SWEEP_SPEC.relative_to(ROOT)} with samples={plan.sweep_samples}"
        f" ({points} points x {document['worlds']} worlds,"
        f" {min(int(document['days']), plan.days)} days, {plan.sweep_chunks} chunks)"
    )


# ---------------------------------------------------------------------------- start-up
def _cli_command() -> list[str]:
    script = Path(sys.executable).with_name("ceasefire-sim")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "ceasefire_sim.cli"]


def _median_wall_s(command: list[str], repeats: int) -> dict[str, Any]:
    """Median wall time of ``command`` over ``repeats`` fresh processes, after one warm-up."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
    walls = []
    for i in range(repeats + 1):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
        if i:  # the first run warms the file cache and writes the bytecode
            walls.append(time.perf_counter() - started)
    return {
        "command": " ".join(Path(c).name if c == command[0] else c for c in command),
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "repeats": repeats,
    }


def startup(plan: Plan) -> dict[str, Any]:
    """``ceasefire-sim --help`` and ``import ceasefire_sim``: medians of fresh processes."""
    python_bare = [sys.executable, "-c", "pass"]
    return {
        "measured_at_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "load_average_at_start": list(os.getloadavg()),
        "help": _median_wall_s([*_cli_command(), "--help"], plan.startup_repeats),
        "import": _median_wall_s(
            [sys.executable, "-c", "import ceasefire_sim"], plan.startup_repeats
        ),
        "python": _median_wall_s(python_bare, plan.startup_repeats),
    }


def _judge(result: dict[str, Any]) -> None:
    result["targets"] = {}
    for name, (op, limit) in TARGETS.items():
        if name == "world_days_per_cpu_s_100k":
            reference = (result.get("cpu_throughput") or {}).get("reference")
            limit = CPU_THROUGHPUT_FACTOR * reference["world_days_per_cpu_s"] if reference else None
        value = result.get(name)
        result["targets"][name] = {
            "target": f"{op} {limit:,.6g}" if limit is not None else f"{op} (no reference)",
            "value": value,
            "met": _meets(value, op, limit),
        }


def _meets(value: float | None, op: str, limit: float | None) -> bool | None:
    if value is None or limit is None:
        return None
    return value >= limit if op == ">=" else value <= limit


#: The pieces of the benchmark, in the order they run; ``--only`` runs one.
PIECES = ("cores", "cpu", "scalar_mesa", "dask", "single_world", "rss", "growth", "startup")


def measure(piece: str, plan: Plan) -> dict[str, Any]:
    """One piece of the benchmark: its detail and its headline figures (``results.json`` keys)."""
    if piece == "cores":
        found = cores_speedup(plan)
        return {"cores": found, "cores_speedup": found["speedup"]}
    if piece == "cpu":
        found = cpu_throughput(plan)
        return {"cpu_throughput": found, "world_days_per_cpu_s_100k": found["world_days_per_cpu_s"]}
    if piece == "scalar_mesa":
        found = scalar_mesa_ratio(plan)
        return {
            "scalar_mesa": found,
            "ratio_vs_scalar_mesa": None if found is None else found["ratio"],
        }
    if piece == "dask":
        found = dask_over_local(plan)
        return {"dask": found, "dask_over_local": None if found is None else found["ratio"]}
    if piece == "single_world":
        found = single_world(plan)
        return {"single_world": found, "single_world_ms": found["ms"]}
    if piece == "rss":
        found = peak_rss(plan)
        return {"rss": found, "peak_rss_mb_1m": found["peak_rss_mb"]}
    if piece == "growth":
        found = memory_growth(plan)
        return {"growth": found, "memory_growth_mb_10_calls": found["growth_mb"]}
    if piece == "startup":
        found = startup(plan)
        return {
            "startup": found,
            "startup_help_s": found["help"]["median_s"],
            "startup_import_s": found["import"]["median_s"],
        }
    raise ValueError(f"unknown piece {piece!r}; one of {', '.join(PIECES)}")


def run(plan: Plan, quick: bool = False) -> dict[str, Any]:
    """Measure everything in ``plan`` and return the results document (a new one)."""
    started = time.perf_counter()
    result: dict[str, Any] = {
        "machine": machine_info(),
        "quick": quick,
        "plan": asdict(plan),
        "measured_at_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }
    for piece in PIECES:
        print(f"{piece}...", flush=True)
        result.update(measure(piece, plan))
    _judge(result)
    result["machine"]["load_average_at_end"] = list(os.getloadavg())
    result["benchmark_wall_s"] = time.perf_counter() - started
    return result


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "not measured"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _row(label: str, table: dict[str, Any], unit: float = 1.0) -> str:
    w, c = table["wall_s"], table["cpu_s"]
    return (
        f"| {label} | {w['median'] * unit:,.2f} ({w['min'] * unit:,.2f}-{w['max'] * unit:,.2f})"
        f" | {c['median'] * unit:,.2f} ({c['min'] * unit:,.2f}-{c['max'] * unit:,.2f})"
        f" | {table['repeats']} | {table['other_cores']:.2f} |"
    )


TABLE_HEAD = [
    "| run | wall s, median (min-max) | CPU s, median (min-max) | repeats | other processes' cores |",
    "|---|---:|---:|---:|---:|",
]
DIGITS = {"cores_speedup": 2, "dask_over_local": 2, "startup_help_s": 3, "startup_import_s": 3}


def render_markdown(result: dict[str, Any]) -> str:
    """``RESULTS.md``: the figures, the machine, and how to read them."""
    m = result["machine"]
    plan = result["plan"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`benchmarks/run.py`) from scratch each run; the raw figures"
        f" are in `results.json`. Measured {result['measured_at_utc']} UTC.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu_model']}, {m['cores']} cores, shared with other people's work while"
        f" measured (load average {m['load_average_at_start'][0]:.1f} at the start,"
        f" {m['load_average_at_end'][0]:.1f} at the end)",
        f"- Python {m['python']}, numpy {m['numpy']}, scipy {m['scipy']}, pandas {m['pandas']},"
        f" mesa {m['mesa']}, numba {m['numba']}",
        "",
        "Every run is a fresh Python process; the two sides of each ratio run in turn"
        " (A, B, A, B, ...). Wall and CPU time (all of the process's threads) are medians with"
        " their range; where CPU time is well below wall time times the cores used, the"
        " process waited for a core. \"Other processes' cores\" is the share of the machine's"
        " cores other processes kept busy meanwhile (`/proc/stat`): above about 0.3 the wall"
        " times, and ratios of them, are those of a busy machine.",
        "",
        "## Targets",
        "",
        "| figure | value | target | met |",
        "|---|---:|---|---|",
    ]
    for name, t in result["targets"].items():
        met = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        lines.append(
            f"| `{name}` | {_fmt(t['value'], DIGITS.get(name, 0))} | {t['target']} | {met} |"
        )
    lines += ["", *_detail_lines(result, plan), "", *_startup_lines(result), ""]
    return "\n".join(lines)


def _detail_lines(result: dict[str, Any], plan: dict[str, Any]) -> list[str]:
    days = plan["days"]
    c = result["cores"]
    lines = [
        f"## Every core: one `simulate` of {c['worlds']:,} worlds over {days} days",
        "",
        *TABLE_HEAD,
        _row("`workers=1`", c["one_core"]),
        _row(f"all {c['cores']} cores", c["all_cores"]),
        "",
        f"`cores_speedup` = {c['speedup']:.2f} (median wall times); the run on all cores used"
        f" {c['cpu_s_ratio']:.2f} times the CPU time of one.",
        "",
    ]
    t = result["cpu_throughput"]
    ref = t["reference"]
    lines += [
        f"## One core: {t['worlds']:,} worlds over {days} days, cold numba cache, no bounds checks",
        "",
        *TABLE_HEAD,
        _row("`workers=1`", t),
        "",
        f"{t['world_days_per_cpu_s']:,.0f} world-days per CPU second"
        f" ({t['world_days_per_s']:,.0f} per wall second), {t['over_reference']:.2f} times the"
        f" {ref['world_days_per_cpu_s']:,.0f} of commit {ref['commit']} (version 1's model;"
        f" `{ref['source']}`). Each process starts with an empty `NUMBA_CACHE_DIR` and"
        " `NUMBA_BOUNDSCHECK=0`; a 20-world run compiles the kernels first"
        f" ({t['compile_cpu_s']:.1f} CPU s, not in the figure).",
        "",
    ]
    s = result.get("scalar_mesa")
    lines += ["## Against a plain Mesa model (the fair peer)", ""]
    if s is None:
        lines += ["Not measured in this run: there is no peer (`benchmarks/peer.py`).", ""]
    else:
        p, v = s["peer"], s["vectorised"]
        lines += [
            *TABLE_HEAD,
            _row(f"peer: `batch_run` of {p['worlds']} worlds, {p['processes']} processes", p),
            _row(f"vectorised: `simulate` of {v['worlds']:,} worlds, all cores", v),
            "",
            f"Peer {p['world_days_per_s']:,.0f} world-days/s ({p['ms_per_world_year']:.1f} CPU ms"
            f" per world-year in one process; version 1's peer took 11.9 ms), vectorised"
            f" {v['world_days_per_s']:,.0f}: `ratio_vs_scalar_mesa` = {s['ratio']:,.0f}."
            " Both run the baseline with talks off (`talks.enabled=false`): the peer"
            " (`benchmarks/peer.py`) has the front, the economy, aid, the alliance and the"
            " beliefs of version 2, not yet its talks. A profile of the peer puts"
            f" {p['profile']['model_arithmetic']:.0%} of its time in the model's arithmetic,"
            f" {p['profile']['data_collector']:.0%} in Mesa's `DataCollector` and"
            f" {p['profile']['construction']:.0%} in building the models.",
            "",
        ]
    d = result.get("dask")
    lines += ["## Dask against local processes", ""]
    if d is None:
        lines += ["Not measured in this run.", ""]
    else:
        lines += [
            f"{d['method']}.",
            "",
            *TABLE_HEAD,
            _row("2 local processes", d["local_2_processes"]),
            _row("local Dask cluster, 2 workers", d["dask_local_2_workers"]),
            "",
            f"`dask_over_local` = {d['ratio']:.2f}. CPU time is the calling process's alone.",
            "",
        ]
    w = result["single_world"]
    r = result["rss"]
    g = result["growth"]
    after = ", ".join(f"{x:,.0f}" for x in g["rss_mb_after_each_call"])
    lines += [
        "## One world, memory",
        "",
        *TABLE_HEAD,
        _row(f"one world, {days} days (ms)", w, unit=1000.0),
        "",
        f"Peak resident memory of one `simulate` of {r['worlds']:,} worlds on all cores over"
        f" {r['days']} days: {r['peak_rss_mb']:,.0f} MB ({r['wall_s']:.1f} s wall,"
        f" {r['cpu_s']:.1f} s CPU). The memory is O(N) plus a few kB a day of daily records.",
        "",
        f"Resident memory after each of {g['calls']} calls of `simulate` ({g['worlds']:,} worlds,"
        f" {g['days']} days) in one process, MB: {after}; growth after the first"
        f" {g['growth_mb']:,.1f} MB.",
    ]
    return lines


def _startup_lines(result: dict[str, Any]) -> list[str]:
    lines = ["## Start-up", ""]
    found = result.get("startup")
    if not found:
        return [*lines, "Not measured in this run."]
    lines += [
        "Wall time of a fresh process from start to exit, from the clone's folder; the median of"
        f" {found['help']['repeats']} runs after one warm-up run (measured"
        f" {found.get('measured_at_utc', '')} UTC, load average"
        f" {found.get('load_average_at_start', [0.0])[0]:.1f}).",
        "",
        "| command | median s | min s | max s |",
        "|---|---:|---:|---:|",
    ]
    for key in ("help", "import", "python"):
        row = found[key]
        lines.append(
            f"| `{row['command']}` | {row['median_s']:.3f} | {row['min_s']:.3f}"
            f" | {row['max_s']:.3f} |"
        )
    lines += [
        "",
        "`python -c pass` is the interpreter alone. Neither `--help` nor the import loads the"
        " model (mesa, numba, scipy, pandas): the package's public names are imported on first"
        " use, and `--help` lists the commands from their one-line summaries without importing"
        " them.",
    ]
    return lines


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and write ``results.json`` and ``RESULTS.md`` (or print one piece)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (checks the script)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the two files")
    parser.add_argument(
        "--only", choices=PIECES, default=None, help="measure one piece and print it (no file)"
    )
    args = parser.parse_args(argv)
    plan = Plan.quick() if args.quick else Plan()
    if args.only is not None:
        found = measure(args.only, plan)
        print(json.dumps(found, indent=2))
        return found
    result = run(plan, quick=args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "RESULTS.md").write_text(render_markdown(result))
    print(render_markdown(result))
    return result


if __name__ == "__main__":
    main()
