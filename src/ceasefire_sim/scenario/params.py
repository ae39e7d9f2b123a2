"""Scenario values: a number, a number with its evidence, or a distribution over worlds.

In YAML a numeric value may be written three ways::

    horizon: 365
    control_km2: {value: 112400, source: "DeepState via news.online.ua"}
    casualties_per_day: {dist: uniform, low: 1200, high: 1600, source: "UK MoD"}

Each becomes a :class:`Param`. ``materialise`` turns it into a float (fixed) or an ``(N,)`` array
(sampled once per world by inverse CDF of uniforms from a stream keyed to the value's dotted path,
so adding uncertainty to one value never changes the draws of another).
"""

from __future__ import annotations

import hashlib
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from scipy import stats

DIST_KINDS = ("uniform", "normal", "lognormal", "triangular", "beta", "choice")


class Evidence(BaseModel):
    """Where a value comes from: a verbatim ``quote`` from seeds/, a ``source`` or an ``assumption``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quote: str | None = Field(None, description="Verbatim text from a file under seeds/.")
    source: str | None = Field(None, description="Citation: title, outlet, address, date.")
    assumption: str | None = Field(None, description="Why this value, where no source gives it.")

    @property
    def provenance(self) -> tuple[str, str] | None:
        """``(kind, text)`` of the evidence given, or ``None``."""
        for kind in ("quote", "source", "assumption"):
            text = getattr(self, kind)
            if text:
                return kind, text
        return None


class Param(Evidence):
    """A numeric scenario value: fixed (``value``) or a distribution over worlds (``dist``)."""

    value: float | None = Field(None, description="Fixed value.")
    dist: Literal["uniform", "normal", "lognormal", "triangular", "beta", "choice"] | None = Field(
        None, description="Distribution sampled once per world."
    )
    low: float | None = Field(
        None, description="uniform/triangular/beta lower end; normal truncation."
    )
    high: float | None = Field(
        None, description="uniform/triangular/beta upper end; normal truncation."
    )
    mode: float | None = Field(None, description="triangular mode.")
    mean: float | None = Field(None, description="normal mean.")
    sd: float | None = Field(None, description="normal standard deviation (> 0).", gt=0)
    mean_log: float | None = Field(None, description="lognormal: mean of log(x).")
    sd_log: float | None = Field(None, description="lognormal: sd of log(x) (> 0).", gt=0)
    a: float | None = Field(None, description="beta shape a (> 0).", gt=0)
    b: float | None = Field(None, description="beta shape b (> 0).", gt=0)
    values: list[float] | None = Field(None, description="choice: the values.")
    weights: list[float] | None = Field(None, description="choice: their probabilities.")

    @model_validator(mode="after")
    def _check_form(self) -> Param:
        needs: dict[str | None, tuple[str, ...]] = {
            None: ("value",),
            "uniform": ("low", "high"),
            "normal": ("mean", "sd"),
            "lognormal": ("mean_log", "sd_log"),
            "triangular": ("low", "mode", "high"),
            "beta": ("a", "b"),
            "choice": ("values",),
        }
        allowed = {
            None: {"value"},
            "uniform": {"low", "high"},
            "normal": {"mean", "sd", "low", "high"},
            "lognormal": {"mean_log", "sd_log"},
            "triangular": {"low", "mode", "high"},
            "beta": {"a", "b", "low", "high"},
            "choice": {"values", "weights"},
        }[self.dist]
        if self.dist is None and self.value is None:
            raise ValueError("give either `value: NUMBER` or `dist: " + "|".join(DIST_KINDS) + "`")
        if self.dist is not None and self.value is not None:
            raise ValueError("give `value` or `dist`, not both")
        missing = [k for k in needs[self.dist] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"dist {self.dist} needs {', '.join(missing)}")
        numeric = ("value", "low", "high", "mode", "mean", "sd", "mean_log", "sd_log", "a", "b")
        extra = [
            k
            for k in (*numeric, "values", "weights")
            if getattr(self, k) is not None and k not in allowed
        ]
        if extra:
            raise ValueError(f"{', '.join(extra)} not used by {self.dist or 'a fixed value'}")
        for k in numeric:
            v = getattr(self, k)
            if v is not None and not math.isfinite(v):
                raise ValueError(f"{k} must be a finite number")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.dist == "triangular" and not (self.low <= self.mode <= self.high):  # type: ignore[operator]
            raise ValueError("triangular needs low <= mode <= high")
        if self.dist == "choice":
            if not self.values:
                raise ValueError("choice needs at least one value")
            if self.weights is not None:
                if len(self.weights) != len(self.values) or any(w < 0 for w in self.weights):
                    raise ValueError("choice weights must be non-negative, one per value")
                if not math.isclose(sum(self.weights), 1.0, rel_tol=1e-6):
                    raise ValueError("choice weights must sum to 1")
        return self

    @property
    def varies(self) -> bool:
        """Whether the value differs between worlds."""
        return self.dist is not None

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the parameter can take."""
        if self.dist is None:
            return self.value, self.value  # type: ignore[return-value]
        if self.dist in ("uniform", "triangular"):
            return self.low, self.high  # type: ignore[return-value]
        if self.dist == "normal":
            return (
                self.low if self.low is not None else -math.inf,
                self.high if self.high is not None else math.inf,
            )
        if self.dist == "lognormal":
            return 0.0, math.inf
        if self.dist == "beta":
            return (
                self.low if self.low is not None else 0.0,
                self.high if self.high is not None else 1.0,
            )
        return min(self.values), max(self.values)  # type: ignore[arg-type]

    def mean_value(self) -> float:
        """The mean of the value over worlds (the value itself when fixed)."""
        if self.dist is None:
            return float(self.value)  # type: ignore[arg-type]
        return float(self.ppf(np.linspace(0.0005, 0.9995, 1000)).mean())

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF at uniforms ``u``."""
        if self.dist is None:
            return np.full(np.shape(u), float(self.value))  # type: ignore[arg-type]
        if self.dist == "uniform":
            return self.low + (self.high - self.low) * u  # type: ignore[operator]
        if self.dist == "normal":
            lo = -np.inf if self.low is None else (self.low - self.mean) / self.sd  # type: ignore[operator]
            hi = np.inf if self.high is None else (self.high - self.mean) / self.sd  # type: ignore[operator]
            return stats.truncnorm.ppf(u, lo, hi, loc=self.mean, scale=self.sd)
        if self.dist == "lognormal":
            return np.exp(self.mean_log + self.sd_log * stats.norm.ppf(u))  # type: ignore[operator]
        if self.dist == "triangular":
            width = self.high - self.low  # type: ignore[operator]
            c = (self.mode - self.low) / width  # type: ignore[operator]
            return stats.triang.ppf(u, c, loc=self.low, scale=width)
        if self.dist == "beta":
            lo = 0.0 if self.low is None else self.low
            hi = 1.0 if self.high is None else self.high
            return lo + (hi - lo) * stats.beta.ppf(u, self.a, self.b)
        values = np.asarray(self.values, dtype=float)
        weights = (
            np.full(len(values), 1 / len(values))
            if self.weights is None
            else np.asarray(self.weights)
        )
        cum = np.cumsum(weights)
        cum[-1] = 1.0
        return values[np.searchsorted(cum, u, side="right").clip(0, len(values) - 1)]

    def materialise(self, path: str, seed: int, n_worlds: int) -> float | np.ndarray:
        """A float for a fixed value; an ``(N,)`` sample for a distribution.

        Args:
            path: Dotted path of the value; keys its own random stream.
            seed: The model's seed.
            n_worlds: ``N``.
        """
        if self.dist is None:
            return float(self.value)  # type: ignore[arg-type]
        rng = np.random.default_rng(param_seed_sequence(seed, path))
        return np.asarray(self.ppf(rng.random(n_worlds)), dtype=float)


def param_seed_sequence(seed: int, path: str) -> np.random.SeedSequence:
    """The seed sequence of a parameter's per-world draws: the model seed and a hash of its path."""
    digest = hashlib.sha256(path.encode()).digest()
    key = int.from_bytes(digest[:8], "little")
    return np.random.SeedSequence(entropy=[seed, 0x5CE7A210, key])


def _coerce(value: Any) -> Any:
    # A bare number is a fixed value; bools are refused, they are almost always a typo here.
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    if isinstance(value, int | float):
        return {"value": value}
    if value is None or isinstance(value, str | list):
        raise ValueError(
            "expected a number, {value: NUMBER, source|quote|assumption: TEXT} or {dist: KIND, ...}"
        )
    return value


def _range_check(ge: float | None, le: float | None, gt: float | None) -> Any:
    def check(p: Param) -> Param:
        lo, hi = p.support()
        where = "value" if p.dist is None else f"the {p.dist} distribution's range [{lo}, {hi}]"
        if ge is not None and lo < ge:
            raise ValueError(f"{where} must be >= {ge}")
        if gt is not None and lo <= gt:
            raise ValueError(f"{where} must be > {gt}")
        if le is not None and hi > le:
            raise ValueError(f"{where} must be <= {le}")
        return p

    return check


def Num(ge: float | None = None, le: float | None = None, gt: float | None = None) -> Any:  # noqa: N802
    """The annotated type of a numeric scenario value with an allowed range.

    Args:
        ge: Inclusive lower bound.
        le: Inclusive upper bound.
        gt: Exclusive lower bound.
    """
    return Annotated[Param, BeforeValidator(_coerce), AfterValidator(_range_check(ge, le, gt))]


def fixed(value: float, assumption: str | None = None) -> Param:
    """A fixed :class:`Param` (for defaults in code)."""
    return Param(value=value, assumption=assumption)
