"""Scenario values: a number, a number with its evidence, or a distribution over worlds.

In YAML a numeric value may be written three ways::

    horizon: 365
    control_km2: {value: 112400, source: "DeepState via news.online.ua"}
    casualties_per_day: {dist: uniform, low: 1200, high: 1600, source: "UK MoD"}
    offensive_days: {dist: posterior, file: ../posterior.csv, column: front.offensive_days}

Each becomes a :class:`Param`. ``materialise`` turns it into a float (fixed) or an ``(N,)`` array
(sampled once per world by inverse CDF of uniforms from a stream keyed to the value's dotted path,
so adding uncertainty to one value never changes the draws of another). A ``posterior`` value
draws rows of a CSV file of posterior draws (``ceasefire-sim calibrate``): every value read from
the same file draws the same row in a world, so the draws' correlations are kept.
"""

from __future__ import annotations

import functools
import hashlib
import math
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)
from scipy import stats

DIST_KINDS = ("uniform", "normal", "lognormal", "triangular", "beta", "choice", "posterior")
#: Column of a posterior file giving each row's weight (rows are drawn in proportion to it).
POSTERIOR_WEIGHT = "weight"

#: Largest magnitude of any number in a scenario. No quantity of the model comes near it (the
#: largest is US GDP, 28,800 US$ bn), and squares and products of values within it stay far from
#: float overflow, so a mistyped exponent is an error here rather than an overflow in the model.
MAX_MAGNITUDE = 1e15

#: The smallest and largest uniform ``numpy.random.Generator.random`` returns other than 0
#: (its draws are multiples of 2**-53 in [0, 1)). A distribution's draws lie between its inverse
#: CDF at these two, so ranges are checked on the values worlds can actually sample.
U_LOW = 2.0**-53
U_HIGH = 1.0 - 2.0**-53


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

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"anyOf": [{"required": ["value"]}, {"required": ["dist"]}]},
    )

    value: float | None = Field(None, description="Fixed value.")
    dist: (
        Literal["uniform", "normal", "lognormal", "triangular", "beta", "choice", "posterior"]
        | None
    ) = Field(None, description="Distribution sampled once per world.")
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
    file: str | None = Field(
        None, description="posterior: CSV file of draws, relative to the scenario file."
    )
    column: str | None = Field(None, description="posterior: the file's column of this value.")
    # Folder ``file`` is relative to: set by the loader to the folder of the YAML file that gave
    # the value (the working directory otherwise).
    _base: Path | None = PrivateAttr(None)

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
            "posterior": ("file", "column"),
        }
        allowed = {
            None: {"value"},
            "uniform": {"low", "high"},
            "normal": {"mean", "sd", "low", "high"},
            "lognormal": {"mean_log", "sd_log"},
            "triangular": {"low", "mode", "high"},
            "beta": {"a", "b", "low", "high"},
            "choice": {"values", "weights"},
            "posterior": {"file", "column"},
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
            for k in (*numeric, "values", "weights", "file", "column")
            if getattr(self, k) is not None and k not in allowed
        ]
        if extra:
            raise ValueError(f"{', '.join(extra)} not used by {self.dist or 'a fixed value'}")
        for k in numeric:
            v = getattr(self, k)
            if k == "mean_log" and v is not None and math.isfinite(v) and abs(v) > 700:
                raise ValueError(f"mean_log {v:g} overflows exp(); |mean_log| must be below 700")
            if v is not None and not math.isfinite(v):
                raise ValueError(f"{k} must be a finite number")
            if v is not None and abs(v) > MAX_MAGNITUDE:
                raise ValueError(
                    f"{k} {v:g} is implausibly large (the limit is ±{MAX_MAGNITUDE:g})"
                )
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.dist == "triangular" and not (self.low <= self.mode <= self.high):  # type: ignore[operator]
            raise ValueError("triangular needs low <= mode <= high")
        if self.dist in ("normal", "lognormal"):
            low, high = self.support()
            if (
                not (math.isfinite(low) and math.isfinite(high))
                or max(abs(low), abs(high)) > MAX_MAGNITUDE
            ):
                raise ValueError(
                    f"the {self.dist} distribution's draws reach {high if abs(high) > abs(low) else low:g}, "
                    f"beyond the limit of ±{MAX_MAGNITUDE:g}; narrow it"
                )
        if self.dist == "choice":
            if not self.values:
                raise ValueError("choice needs at least one value")
            if not all(math.isfinite(v) for v in (*self.values, *(self.weights or ()))):
                raise ValueError("choice values and weights must be finite numbers")
            if any(abs(v) > MAX_MAGNITUDE for v in self.values):
                raise ValueError(f"choice values must lie within ±{MAX_MAGNITUDE:g}")
            if self.weights is not None:
                if len(self.weights) != len(self.values) or any(w < 0 for w in self.weights):
                    raise ValueError("choice weights must be non-negative, one per value")
                if not math.isclose(sum(self.weights), 1.0, rel_tol=1e-6):
                    raise ValueError("choice weights must sum to 1")
        return self

    def posterior_file(self) -> Path:
        """The posterior file, resolved against the folder of the scenario that gave it.

        A file not found there (a scenario copied elsewhere, or validated from plain data with
        no file to be relative to: then against the working directory) is read from the
        posteriors shipped in the package (``ceasefire_sim/data/posterior/``) by its name.
        """
        base = self._base if self._base is not None else Path.cwd()
        here = (base / str(self.file)).resolve()
        shipped = (
            Path(__file__).resolve().parents[1] / "data" / "posterior" / Path(str(self.file)).name
        )
        return shipped if not here.is_file() and shipped.is_file() else here

    def posterior_draws(self) -> tuple[np.ndarray, np.ndarray]:
        """``(values, cumulative weights)`` of a posterior value's column, ``(R,)`` each.

        Raises:
            ValueError: the file cannot be read, or has no such column.
        """
        return _posterior_column(self.posterior_file(), str(self.column))

    def with_base(self, base: Path) -> Param:
        """The value with ``file`` read relative to ``base`` (a scenario's folder)."""
        self._base = base
        return self

    @property
    def varies(self) -> bool:
        """Whether the value differs between worlds."""
        return self.dist is not None

    def support(self) -> tuple[float, float]:
        """Smallest and largest value a world can draw.

        For a normal or a lognormal: the inverse CDF at the extreme uniforms the generator
        returns, about 8.2 sd from the centre.
        """
        if self.dist is None:
            return self.value, self.value  # type: ignore[return-value]
        if self.dist in ("uniform", "triangular"):
            return self.low, self.high  # type: ignore[return-value]
        if self.dist in ("normal", "lognormal"):
            low, high = self.ppf(np.array([U_LOW, U_HIGH]))
            return float(low), float(high)
        if self.dist == "posterior":
            values, _ = self.posterior_draws()
            return float(values.min()), float(values.max())
        if self.dist == "beta":
            return (
                self.low if self.low is not None else 0.0,
                self.high if self.high is not None else 1.0,
            )
        return min(self.values), max(self.values)  # type: ignore[arg-type]

    def describe(self) -> str:
        """The value or the distribution in one short line: ``"uniform(low=133, high=427)"``."""
        if self.dist is None:
            return _number(self.value)  # type: ignore[arg-type]
        names = {
            "uniform": ("low", "high"),
            "normal": ("mean", "sd", "low", "high"),
            "lognormal": ("mean_log", "sd_log"),
            "triangular": ("low", "mode", "high"),
            "beta": ("a", "b", "low", "high"),
            "choice": ("values", "weights"),
            "posterior": (),
        }[self.dist]
        if self.dist == "posterior":
            return f"posterior(file={self.file}, column={self.column})"
        parts = []
        for name in names:
            given = getattr(self, name)
            if given is None:
                continue
            shown = (
                "[" + ", ".join(_number(v) for v in given) + "]"
                if isinstance(given, list)
                else _number(given)
            )
            parts.append(f"{name}={shown}")
        return f"{self.dist}({', '.join(parts)})"

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
        if self.dist in ("normal", "lognormal"):
            # A uniform of exactly 0 would give -inf (or 0 for a lognormal): no world draws it.
            u = np.maximum(u, U_LOW)
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
        if self.dist == "posterior":
            # The column's own (marginal) inverse CDF, monotone in u, for samplers that lay out
            # quantiles; per-world draws take whole rows instead (materialise).
            draws, cumulative = self.posterior_draws()
            order = np.argsort(draws, kind="stable")
            weights = np.diff(cumulative, prepend=0.0)[order]
            sorted_cumulative = np.cumsum(weights)
            sorted_cumulative /= sorted_cumulative[-1]
            rows = np.searchsorted(sorted_cumulative, u, side="right").clip(0, len(draws) - 1)
            return draws[order][rows]
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
        # Every value drawn from one posterior file uses the file's stream: the same row in a
        # world for all its columns (joint draws).
        if self.dist == "posterior":
            rng = np.random.default_rng(
                param_seed_sequence(seed, f"posterior:{self.posterior_file().name}")
            )
            draws, cumulative = self.posterior_draws()
            rows = np.searchsorted(cumulative, rng.random(n_worlds), side="right")
            return np.asarray(draws[rows.clip(0, len(draws) - 1)], dtype=float)
        rng = np.random.default_rng(param_seed_sequence(seed, path))
        return np.asarray(self.ppf(rng.random(n_worlds)), dtype=float)


@functools.lru_cache(maxsize=16)
def _posterior_table(file: Path, mtime_ns: int) -> dict[str, np.ndarray]:
    import pandas as pd

    try:
        frame = pd.read_csv(file)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the posterior file {file}: {exc}") from exc
    return {name: frame[name].to_numpy(dtype=float) for name in frame.columns}


def _posterior_column(file: Path, column: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        mtime = file.stat().st_mtime_ns
    except OSError as exc:
        raise ValueError(
            f"posterior file {file} not found (give `file` relative to the scenario file, or the name of a file shipped in ceasefire_sim/data/posterior/)"
        ) from exc
    table = _posterior_table(file, mtime)
    if column not in table:
        known = ", ".join(c for c in table if c != POSTERIOR_WEIGHT)
        raise ValueError(f"posterior file {file.name} has no column {column!r} (it has {known})")
    values = table[column]
    weights = table.get(POSTERIOR_WEIGHT, np.ones(len(values)))
    if len(values) == 0 or np.any(weights < 0) or not np.all(np.isfinite(values)):
        raise ValueError(f"posterior file {file.name}: needs rows, finite values, weights >= 0")
    cumulative = np.cumsum(weights, dtype=float)
    cumulative /= cumulative[-1]
    cumulative[-1] = 1.0
    return values, cumulative


def _number(value: float) -> str:
    """A number as a person would write it: ``603550``, ``0.0714``, ``1.5e-05``."""
    return f"{value:.6g}" if value != int(value) or abs(value) >= 1e15 else str(int(value))


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


def _range_hint(p: Param, upper: bool) -> str:
    """How to keep a distribution inside the allowed range, for the error message."""
    if p.dist == "normal":
        return "; truncate it with low and high"
    if p.dist == "lognormal":
        return (
            "; a lognormal's draws reach exp(mean_log + 8.2 sd_log): lower mean_log or sd_log, "
            "or use a truncated normal, triangular or beta"
            if upper
            else "; use a truncated normal, triangular or beta instead"
        )
    return ""


def _range_check(ge: float | None, le: float | None, gt: float | None) -> Any:
    def check(p: Param) -> Param:
        if p.dist == "posterior":
            # The file is read relative to the scenario's folder, known only to the loader,
            # which checks it once the scenario is validated (loader.resolve_posteriors).
            return p
        lo, hi = p.support()
        where = (
            f"value {_number(lo)}"
            if p.dist is None
            else f"the {p.dist} distribution's range [{lo:g}, {hi:g}]"
        )
        if ge is not None and lo < ge:
            raise ValueError(f"{where} must be >= {ge:g}{_range_hint(p, upper=False)}")
        # A lognormal never reaches 0, so it fits a "> 0" range although its support starts at 0.
        if gt is not None and (lo < gt or (lo == gt and p.dist != "lognormal")):
            raise ValueError(f"{where} must be > {gt:g}{_range_hint(p, upper=False)}")
        if le is not None and hi > le:
            raise ValueError(f"{where} must be <= {le:g}{_range_hint(p, upper=True)}")
        return p

    # Kept on the function so that checks outside pydantic (values set by dated events) can
    # apply the same range.
    check.bounds = (ge, le, gt)  # type: ignore[attr-defined]
    return check


def check_range(
    value: float, bounds: tuple[float | None, float | None, float | None]
) -> str | None:
    """Why ``value`` is outside ``(ge, le, gt)``, or ``None`` if it is inside.

    Args:
        value: A number.
        bounds: Inclusive lower, inclusive upper and exclusive lower bound (``None``: no bound).
    """
    ge, le, gt = bounds
    if not math.isfinite(value):
        return f"{value} is not a finite number"
    if abs(value) > MAX_MAGNITUDE:
        return f"{value:g} is implausibly large (the limit is ±{MAX_MAGNITUDE:g})"
    if ge is not None and value < ge:
        return f"{_number(value)} must be >= {ge:g}"
    if gt is not None and value <= gt:
        return f"{_number(value)} must be > {gt:g}"
    if le is not None and value > le:
        return f"{_number(value)} must be <= {le:g}"
    return None


def range_text(bounds: tuple[float | None, float | None, float | None]) -> str:
    """The allowed range as text: ``"0 to 1"``, ``"> 0"``, ``"any number"``."""
    ge, le, gt = bounds
    low = f"{ge:g}" if ge is not None else (f"above {gt:g}" if gt is not None else None)
    if low is not None and le is not None:
        return f"{low} to {le:g}" if ge is not None else f"{low}, up to {le:g}"
    if low is not None:
        return f">= {low}" if ge is not None else low
    if le is not None:
        return f"<= {le:g}"
    return "any number"


def Num(ge: float | None = None, le: float | None = None, gt: float | None = None) -> Any:  # noqa: N802
    """The annotated type of a numeric scenario value with an allowed range.

    Args:
        ge: Inclusive lower bound.
        le: Inclusive upper bound.
        gt: Exclusive lower bound.
    """
    # The JSON Schema shows both ways to write the value: a bare number within the range, or
    # the object form (editors then complete ``value``/``dist``/``source`` and flag typos).
    number = Annotated[float, Field(ge=ge, le=le, gt=gt)]
    return Annotated[
        Param,
        BeforeValidator(_coerce, json_schema_input_type=number | Param),
        AfterValidator(_range_check(ge, le, gt)),
    ]


def num_bounds(annotation: Any) -> tuple[float | None, float | None, float | None] | None:
    """The ``(ge, le, gt)`` of a :func:`Num` annotation, or ``None`` if it is not one."""
    for meta in getattr(annotation, "__metadata__", ()):
        bounds = getattr(getattr(meta, "func", None), "bounds", None)
        if bounds is not None:
            return bounds
    return None


def fixed(value: float, assumption: str | None = None) -> Param:
    """A fixed :class:`Param` (for defaults in code)."""
    return Param(value=value, assumption=assumption)
