"""Materialised parameters: every numeric scenario value as a float or an ``(N,)`` array.

The store maps dotted paths (``mediator.aid_bn_per_year``) to values. Agents read their
parameters through a :class:`ParamView`; dated events and sweeps write through the store, so a
parameter is changed in one place whatever reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ceasefire_sim.errors import ScenarioError
from ceasefire_sim.scenario.loader import check_override, numeric_paths
from ceasefire_sim.scenario.params import Param
from ceasefire_sim.scenario.schema import NATO_ALLIES, Scenario

#: Ally fields that fall back to the alliance-wide value when an ally does not give its own.
ALLY_DEFAULTED = ("target_share_pct", "ramp_pct_per_year", "aid_share_gdp_pct")


class ParamStore:
    """Dotted path -> float or ``(N,)`` array, with a version that changes on every write.

    Args:
        scenario: The validated scenario.
        n_worlds: ``N``.
        seed: Model seed (keys each distribution's stream).
        overrides: Dotted path -> value (float or ``(N,)``) that replaces the scenario's value in
            every world or per world (how sweeps lay parameter points out as worlds).
    """

    def __init__(
        self,
        scenario: Scenario,
        n_worlds: int,
        seed: int,
        overrides: dict[str, float | np.ndarray] | None = None,
        world_keys: np.ndarray | None = None,
    ) -> None:
        self.n_worlds = n_worlds
        self.version = 0
        self._values: dict[str, float | np.ndarray] = {}
        self.sampled: list[str] = []
        params: dict[str, Param] = numeric_paths(scenario)
        for path, param in params.items():
            self._values[path] = materialise(param, path, seed, n_worlds, world_keys)
            if param.varies:
                self.sampled.append(path)
        # Allies that give no target, ramp or aid share of their own follow the alliance-wide
        # value, also when an override or an event changes it later.
        self._inherits: dict[str, str] = {}
        for ally in NATO_ALLIES:
            for field in ALLY_DEFAULTED:
                path = f"allies.{ally}.{field}"
                if path not in params or getattr(scenario.allies[ally], field) is None:
                    self._inherits[path] = f"alliance.{field}"
                    self._values[path] = self._values[f"alliance.{field}"]
        # Overrides given in code (the API, sweeps) get the checks a --set gets: the path (``*``
        # matches every key), the allowed range and the physical ceiling.
        for given, value in (overrides or {}).items():
            for path in self.expand(given):
                wrong = check_override(path, value)
                if wrong:
                    raise ScenarioError(f"override {wrong}")
                self._values[path] = self._as_value(path, value)
                self._inherits.pop(path, None)
                if np.ndim(value) == 1 and path not in self.sampled:
                    self.sampled.append(path)
        self._propagate()

    def _propagate(self) -> None:
        """Copy alliance-wide values to the allies that inherit them."""
        for child, parent in self._inherits.items():
            self._values[child] = self._values[parent]

    def _as_value(self, path: str, value: float | np.ndarray) -> float | np.ndarray:
        if np.ndim(value) == 0:
            return float(value)
        array = np.asarray(value, dtype=float)
        if array.shape != (self.n_worlds,):
            raise ScenarioError(
                f"per-world value of {path!r} must have shape ({self.n_worlds},), got {array.shape}"
            )
        return array

    def __getitem__(self, path: str) -> float | np.ndarray:
        return self._values[path]

    def __contains__(self, path: str) -> bool:
        return path in self._values

    def get(self, path: str, default: Any = None) -> Any:
        """The value at ``path``, or ``default`` if the scenario has no such parameter."""
        return self._values.get(path, default)

    def paths(self) -> Iterator[str]:
        """All dotted paths."""
        return iter(self._values)

    def set(self, path: str, value: float | np.ndarray) -> None:
        """Set a value (``*`` segments apply to every match)."""
        for target in self.expand(path):
            self._values[target] = self._as_value(target, value)
            self._inherits.pop(target, None)
        self._propagate()
        self.version += 1

    def scale(self, path: str, factor: float) -> None:
        """Multiply a value (``*`` segments apply to every match)."""
        for target in self.expand(path):
            self._values[target] = self._values[target] * factor
            self._inherits.pop(target, None)
        self._propagate()
        self.version += 1

    def expand(self, path: str) -> list[str]:
        """The stored paths a (possibly ``*``-wildcarded) path names."""
        if "*" not in path:
            if path not in self._values:
                raise ScenarioError(
                    f"{path!r} is not a numeric parameter of the scenario{_hint(path, self._values)}"
                )
            return [path]
        parts = path.split(".")
        hits = [
            p
            for p in self._values
            if len(p.split(".")) == len(parts)
            and all(a == "*" or a == b for a, b in zip(parts, p.split("."), strict=True))
        ]
        if not hits:
            raise ScenarioError(f"{path!r} matches no numeric parameter of the scenario")
        return hits

    def view(self, prefix: str) -> ParamView:
        """Attribute access to the values under ``prefix``."""
        return ParamView(self, prefix)

    def column(self, path: str) -> np.ndarray:
        """A value broadcast to ``(N,)``."""
        return np.broadcast_to(np.asarray(self._values[path], dtype=float), (self.n_worlds,))


def _hint(path: str, known: dict[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(path, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def materialise(
    param: Param, path: str, seed: int, n_worlds: int, world_keys: np.ndarray | None = None
) -> float | np.ndarray:
    """A parameter's value in each world.

    With ``world_keys``, world ``i`` takes the value world ``world_keys[i]`` of a plain run with
    the same seed would draw: how a sweep gives replicate ``j`` of every point the same draws.
    """
    if world_keys is None or not param.varies:
        return param.materialise(path, seed, n_worlds)
    keyed = np.asarray(param.materialise(path, seed, int(world_keys.max()) + 1))
    return keyed[world_keys]


class ParamView:
    """``view.aid_bn_per_year`` reads ``store["mediator.aid_bn_per_year"]``."""

    __slots__ = ("_prefix", "_store")

    def __init__(self, store: ParamStore, prefix: str) -> None:
        self._store = store
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        return self._store[f"{self._prefix}.{name}"]

    def get(self, name: str, default: Any = 0.0) -> Any:
        """The value of ``prefix.name``, or ``default`` if absent."""
        key = f"{self._prefix}.{name}"
        return self._store.get(key, default)


def world_column(value: float | np.ndarray, worlds: np.ndarray | slice, n: int) -> np.ndarray:
    """A per-world value (a float, or an ``(n,)`` array) in ``worlds``, as an array.

    The common cases (a float, an ``(n,)`` float64 array, index or mask arrays of worlds) are
    taken without the general case's broadcast view; the values are the same. These run
    thousands of times a day.

    Args:
        value: A float or an array broadcasting to ``(n,)``.
        worlds: Index array, boolean mask or slice of the ``n`` worlds.
        n: Worlds in the run (or block).

    Returns:
        ``(len(worlds),)`` values (``(mask.sum(),)`` for a mask); a fresh array for a scalar,
        a read-only view for other broadcast values.
    """
    if isinstance(worlds, np.ndarray):
        if isinstance(value, float):
            size = np.count_nonzero(worlds) if worlds.dtype == bool else len(worlds)
            out = np.empty(size)
            out.fill(value)
            return out
        if type(value) is np.ndarray and value.dtype == np.float64 and value.shape == (n,):
            return value[worlds]
        if np.ndim(value) == 0:
            # A parameter shared by every world: no broadcast view to index.
            size = np.count_nonzero(worlds) if worlds.dtype == bool else len(worlds)
            return np.full(size, value, dtype=float)
    return np.broadcast_to(np.asarray(value, dtype=float), (n,))[worlds]
