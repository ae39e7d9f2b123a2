"""Daily records in preallocated arrays: shares of statuses and quantiles across worlds.

Memory is ``O(days)`` whatever ``N`` (per-world daily trajectories are opt-in, for small ``N``).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ceasefire_sim.negotiation.scopes import LIMITED_NAMES

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from ceasefire_sim.model.model import CeasefireModel

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_SUFFIXES = ("p05", "p25", "p50", "p75", "p95")
#: Quantities summarised by quantiles each day, and how to read them off the model.
QUANTITIES = (
    "control_km2",
    "casualties_ukraine",
    "casualties_russia",
    "belief_ukraine_km2_per_day",
    "belief_russia_km2_per_day",
    "true_drift_km2_per_day",
)
#: Most world-days of per-world daily trajectories a run keeps (20,000 worlds x 366 days fit;
#: about 13 bytes per world-day in memory, 19 in the long table written out).
MAX_TRAJECTORY_CELLS = 10_000_000
#: The per-world daily arrays kept with ``keep_trajectories``.
TRAJECTORY_FIELDS = ("control_km2", "status", "casualties_russia", "casualties_ukraine")


class DailyRecorder:
    """Preallocated ``(days + 1, ...)`` arrays filled once a day.

    Args:
        model: The model (or a run read as one, :class:`~ceasefire_sim.model.blocks.JoinedModel`).
        keep_trajectories: Also keep every world's daily control, status and casualties.
        pool: Threads that find the order statistics of half the quantities each (the same bits).
        values: Where the day's per-world values are found, filled by the blocks of a run in
            blocks (:class:`DayValues`) before each :meth:`record`; None: read off ``model``.
    """

    def __init__(
        self,
        model: CeasefireModel,
        keep_trajectories: bool = False,
        pool: Executor | None = None,
        values: DayValues | None = None,
    ) -> None:
        self.model = model
        self.pool = pool
        self.values = values
        rows = model.days + 1
        self.shares = np.zeros((rows, 4))
        self.quantiles = np.zeros((len(QUANTITIES), rows, len(QUANTILES)))
        self.means = {
            k: np.zeros(rows)
            for k in (
                "allies_at_2pct_mean",
                "us_aid_bn_per_year_mean",
                "allied_aid_bn_per_year_mean",
                "dissatisfaction_mean",
                "share_range",
                *(f"share_partial_{s}" for s in LIMITED_NAMES),
            )
        }
        self._stack = (
            values.quantities if values is not None else np.empty((len(QUANTITIES), model.worlds))
        )
        self._positions = _quantile_positions(model.worlds)
        self.medians = np.full(len(QUANTITIES), np.nan)
        self.trajectories: dict[str, np.ndarray] | None = None
        if keep_trajectories:
            check_trajectory_size(model.worlds, rows)
            self.trajectories = {
                "control_km2": np.zeros((rows, model.worlds), dtype=np.float32),
                "status": np.zeros((rows, model.worlds), dtype=np.int8),
                "casualties_russia": np.zeros((rows, model.worlds), dtype=np.float32),
                "casualties_ukraine": np.zeros((rows, model.worlds), dtype=np.float32),
            }

    def record(self) -> None:
        """Record the state at the end of the model's current day."""
        m = self.model
        d = m.day
        stack = self._stack
        if self.values is None:
            status = m.status()
            for row, values in enumerate(quantity_values(m)):
                stack[row] = values
            means = mean_values(m)
        else:
            status, means = self.values.status, self.values.means.items()
        self.shares[d] = np.bincount(status, minlength=4)[:4] / m.worlds
        if self.trajectories is not None:
            # Before the order statistics, which reorder the stack in place.
            self.trajectories["status"][d] = status
            for name in ("control_km2", "casualties_russia", "casualties_ukraine"):
                self.trajectories[name][d] = stack[QUANTITIES.index(name)]
        if self.pool is None:
            self.quantiles[:, d, :], self.medians = order_statistics(stack, self._positions)
        else:
            # Rows are independent: the same bits, found a half of the rows per thread.
            half = len(QUANTITIES) // 2
            parts = list(
                self.pool.map(
                    lambda rows: order_statistics(stack[rows], self._positions),
                    (slice(0, half), slice(half, None)),
                )
            )
            self.quantiles[:, d, :] = np.concatenate([q for q, _ in parts])
            self.medians = np.concatenate([m for _, m in parts])
        for name, values in means:
            # What np.mean does (a float64 sum, then a division), without its overhead per call.
            self.means[name][d] = np.add.reduce(values, dtype=np.float64) / m.worlds

    def median(self, quantity: str) -> float:
        """Today's median across worlds of one of ``QUANTITIES`` (as ``np.median`` gives it)."""
        return float(self.medians[QUANTITIES.index(quantity)])


def quantity_values(m: CeasefireModel) -> tuple[np.ndarray, ...]:
    """The ``(n,)`` per-world values of each of :data:`QUANTITIES` at the end of today."""
    return (
        m.control_km2,
        m.ukraine.casualties,
        m.russia.casualties,
        m.ukraine.belief_mean,
        m.russia.belief_mean,
        m.true_drift_km2_per_day,
    )


def mean_values(m: CeasefireModel) -> list[tuple[str, np.ndarray]]:
    """``(name, (n,) values)`` of each daily mean across worlds, at the end of today."""
    return [
        ("allies_at_2pct_mean", m.allies_at_2pct()),
        ("us_aid_bn_per_year_mean", m.mediator.aid_arriving_bn_per_year()),
        ("allied_aid_bn_per_year_mean", m.allied_aid_delivered_bn_per_year),
        ("dissatisfaction_mean", m.dissatisfaction),
        ("share_range", m.has_range),
        *((f"share_partial_{s}", m.limited.in_force[:, k]) for k, s in enumerate(LIMITED_NAMES)),
    ]


class DayValues:
    """One day's per-world values of a run in blocks, each block writing its own rows.

    What :meth:`DailyRecorder.record` reads off one model (status, :data:`QUANTITIES`, the
    inputs of the daily means), held for all ``N`` worlds of a run in blocks. Each block fills
    its rows in its own thread at the end of its day (:meth:`fill`), so that what the recorder
    reads is joined in parallel; the arrays hold what joining the blocks' arrays would give,
    the same bits. Two narrowings keep the memory down, with the same records: the status
    (codes 0-3) is held as int8, and a mean of integers or flags is held as each block's exact
    count, whose float64 sum is the float64 sum of the worlds' values (every partial sum of
    either is an integer far below 2**53).

    Args:
        worlds: ``N``.
        block: The first block (the means' inputs are held with the dtypes it gives them).
        starts: The first world of each block, in order.
    """

    def __init__(self, worlds: int, block: CeasefireModel, starts: list[int]) -> None:
        self.worlds = int(worlds)
        self.quantities = np.empty((len(QUANTITIES), self.worlds))
        self.status = np.empty(self.worlds, dtype=np.int8)
        self._part = {start: b for b, start in enumerate(starts)}
        #: Name -> ``(N,)`` float values, or ``(B,)`` int64 counts of the blocks.
        self.means: dict[str, np.ndarray] = {}
        self._counted: set[str] = set()
        for name, values in mean_values(block):
            dtype = np.asarray(values).dtype
            if dtype.kind in "biu":
                self._counted.add(name)
                self.means[name] = np.zeros(len(starts), dtype=np.int64)
            else:
                self.means[name] = np.empty(self.worlds, dtype=dtype)

    def fill(self, block: CeasefireModel, start: int) -> None:
        """Write ``block``'s values today into worlds ``start:start + block.worlds``."""
        rows = slice(start, start + block.worlds)
        self.status[rows] = block.status()
        for row, values in enumerate(quantity_values(block)):
            self.quantities[row, rows] = values
        part = self._part[start]
        for name, values in mean_values(block):
            if name in self._counted:
                self.means[name][part] = np.add.reduce(values, dtype=np.int64)
            else:
                self.means[name][rows] = values


def trajectory_size_problem(worlds: int, rows: int) -> str | None:
    """Why per-world daily trajectories of this size are refused, or None if they fit.

    Args:
        worlds: Worlds of the run.
        rows: Daily records (days + 1, day 0 included).
    """
    if worlds * rows <= MAX_TRAJECTORY_CELLS:
        return None
    return (
        f"trajectories of {worlds:,} worlds x {rows:,} days ({worlds * rows:,} world-days) "
        f"are more than the {MAX_TRAJECTORY_CELLS:,} a run keeps; run at most "
        f"{MAX_TRAJECTORY_CELLS // rows:,} worlds at this horizon, or a shorter horizon"
    )


def check_trajectory_size(worlds: int, rows: int) -> None:
    """Refuse per-world daily trajectories of more than :data:`MAX_TRAJECTORY_CELLS` world-days.

    Raises:
        ScenarioError: Saying how many worlds fit at this horizon
            (:func:`trajectory_size_problem`).
    """
    problem = trajectory_size_problem(worlds, rows)
    if problem is not None:
        from ceasefire_sim.errors import ScenarioError

        raise ScenarioError(problem)


def _quantile_positions(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order statistics ``np.quantile`` (linear method) reads, for ``n`` values.

    Returns:
        ``(below, above, gamma)``: the neighbouring positions and interpolation weights of
        ``QUANTILES``, computed as numpy computes them.
    """
    virtual = (n - 1) * np.asarray(QUANTILES)
    below = np.floor(virtual)
    above = below + 1
    at_top = virtual >= n - 1
    below[at_top], above[at_top] = -1, -1
    gamma = virtual - below
    return below.astype(np.intp), above.astype(np.intp), gamma


class _Selection(NamedTuple):
    """How :func:`order_statistics` finds the order statistics it needs, for ``n`` values.

    Attributes:
        steps: ``(kind, lo, hi, p, column)`` in order: ``"partition"`` partitions ``[lo, hi)``
            at ``p``; ``"min"`` and ``"max"`` find position ``p`` (``lo`` or ``hi - 1``) as the
            least or greatest value of ``[lo, hi)``, a segment that holds exactly the values of
            those positions by then. The value at ``p`` goes to ``column`` of the values found.
        size: How many positions are found.
        lower: Columns of the lower neighbours of ``QUANTILES``.
        upper: Columns of their upper neighbours.
        middle: Columns of the one or two middle values (for the median).
        last: Column of the greatest value (NaN if the row holds a NaN).
    """

    steps: tuple[tuple[str, int, int, int, int], ...]
    size: int
    lower: np.ndarray
    upper: np.ndarray
    middle: tuple[int, ...]
    last: int


@functools.lru_cache(maxsize=8)
def _selection(n: int) -> _Selection:
    """The order statistics :func:`order_statistics` needs for ``n`` values, and how to find them.

    Each step partitions a segment at the interior position nearest its middle; a position at
    the edge of a segment that no further partition needs is found as the segment's least or
    greatest value. The last position (``n - 1``) is always found, as the greatest value of the
    last segment, so that a NaN (which numpy's partition places last) is seen.
    """
    below, above, _ = _quantile_positions(n)
    middle = (n // 2,) if n % 2 else (n // 2 - 1, n // 2)
    positions = sorted({int(i) % n for i in (*below, *above)} | set(middle) | {n - 1})
    column = {q: i for i, q in enumerate(positions)}
    steps: list[tuple[str, int, int, int, int]] = []

    def split(lo: int, hi: int, inside: list[int]) -> None:
        interior = [q for q in inside if lo < q < hi - 1]
        if not interior:
            if hi - lo > 1 and lo in inside:
                steps.append(("min", lo, hi, lo, column[lo]))
            if hi - 1 in inside:
                steps.append(("max", lo, hi, hi - 1, column[hi - 1]))
            return
        p = min(interior, key=lambda q: abs(2 * q - (lo + hi - 1)))
        steps.append(("partition", lo, hi, p, column[p]))
        split(lo, p, [q for q in inside if q < p])
        split(p + 1, hi, [q for q in inside if q > p])

    split(0, n, positions)
    return _Selection(
        steps=tuple(steps),
        size=len(positions),
        lower=np.array([column[int(i) % n] for i in below], dtype=np.intp),
        upper=np.array([column[int(i) % n] for i in above], dtype=np.intp),
        middle=tuple(column[q] for q in middle),
        last=column[n - 1],
    )


def order_statistics(stack: np.ndarray, positions: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles and medians of each row of ``stack`` (``stack`` is reordered).

    The same bits as ``np.quantile(stack, QUANTILES, axis=1).T`` and ``np.median`` of each row:
    the same order statistics and the same interpolation arithmetic. The order statistics are
    found by a few partitions of shrinking segments, each at one position, and the least or
    greatest values of segments (:func:`_selection`): for ``(6, 100_000)`` values about 1.4 ms,
    against 2.4 ms for a full sort and 10 ms for one partition at all the positions at once. (Of
    equal values, a row holding both 0.0 and -0.0 may give the other zero, as a sort may.)

    Args:
        stack: ``(Q, n)`` values, partly reordered in place.
        positions: From :func:`_quantile_positions` for ``n``.

    Returns:
        ``(Q, len(QUANTILES))`` quantiles and ``(Q,)`` medians.
    """
    _, _, gamma = positions
    plan = _selection(stack.shape[1])
    values = np.empty((stack.shape[0], plan.size))
    for kind, lo, hi, p, column in plan.steps:
        if kind == "partition":
            stack[:, lo:hi].partition(p - lo, axis=1)
            values[:, column] = stack[:, p]
        elif kind == "max":
            np.max(stack[:, lo:hi], axis=1, out=values[:, column])
        else:
            np.min(stack[:, lo:hi], axis=1, out=values[:, column])
    lower, upper = values[:, plan.lower], values[:, plan.upper]
    diff = upper - lower
    quantiles = lower + diff * gamma
    np.subtract(upper, diff * (1 - gamma), out=quantiles, where=gamma >= 0.5)
    # np.median: the middle value, or the mean of the two middle values.
    if len(plan.middle) == 1:
        medians = values[:, plan.middle[0]].copy()
    else:
        medians = (values[:, plan.middle[0]] + values[:, plan.middle[1]]) / 2
    has_nan = np.isnan(values[:, plan.last])
    quantiles[has_nan] = np.nan
    medians[has_nan] = np.nan
    return quantiles, medians
