"""Sweeps: what varies (parameters), how points are drawn (samplers), where they run (executors).

``run_sweep(load_sweep(path), executor=None, out=DIR)`` runs a sweep spec; see ``docs/sweeps.md``.
"""

from typing import Any

__all__ = ["load_sweep", "run_sweep"]


def __getattr__(name: str) -> Any:
    if name == "run_sweep":
        from ceasefire_sim.sweep.runner import run_sweep

        return run_sweep
    if name == "load_sweep":
        from ceasefire_sim.sweep.spec import load_sweep

        return load_sweep
    raise AttributeError(f"module 'ceasefire_sim.sweep' has no attribute {name!r}")
