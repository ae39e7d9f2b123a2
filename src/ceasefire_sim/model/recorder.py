"""Daily records in preallocated arrays: shares of statuses and quantiles across worlds.

Memory is ``O(days)`` whatever ``N`` (per-world daily trajectories are opt-in, for small ``N``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
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
MAX_TRAJECTORY_CELLS = 50_000_000


class DailyRecorder:
    """Preallocated ``(days + 1, ...)`` arrays filled once a day."""

    def __init__(self, model: CeasefireModel, keep_trajectories: bool = False) -> None:
        self.model = model
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
            )
        }
        self._stack = np.empty((len(QUANTITIES), model.worlds))
        self._positions = _quantile_positions(model.worlds)
        self.medians = np.full(len(QUANTITIES), np.nan)
        self.trajectories: dict[str, np.ndarray] | None = None
        if keep_trajectories:
            if rows * model.worlds > MAX_TRAJECTORY_CELLS:
                from ceasefire_sim.errors import ScenarioError

                raise ScenarioError(
                    f"keep_trajectories with {model.worlds} worlds x {rows} days is too large; "
                    f"keep it for runs with at most {MAX_TRAJECTORY_CELLS:,} world-days"
                )
            self.trajectories = {
                "control_km2": np.zeros((rows, model.worlds), dtype=np.float32),
                "status": np.zeros((rows, model.worlds), dtype=np.int8),
            }

    def record(self) -> None:
        """Record the state at the end of the model's current day."""
        m = self.model
        d = m.day
        status = m.status()
        self.shares[d] = np.bincount(status, minlength=4)[:4] / m.worlds
        stack = self._stack
        for row, values in enumerate(
            (
                m.control_km2,
                m.ukraine.casualties,
                m.russia.casualties,
                m.ukraine.belief_mean,
                m.russia.belief_mean,
                m.true_drift_km2_per_day,
            )
        ):
            stack[row] = values
        self.quantiles[:, d, :], self.medians = order_statistics(stack, self._positions)
        for name, values in (
            ("allies_at_2pct_mean", m.allies_at_2pct()),
            ("us_aid_bn_per_year_mean", m.mediator.aid_delivered_bn_per_year),
            ("allied_aid_bn_per_year_mean", m.allied_aid_delivered_bn_per_year),
            ("dissatisfaction_mean", m.dissatisfaction),
        ):
            # What np.mean does (a float64 sum, then a division), without its overhead per call.
            self.means[name][d] = np.add.reduce(values, dtype=np.float64) / m.worlds
        if self.trajectories is not None:
            self.trajectories["control_km2"][d] = m.control_km2
            self.trajectories["status"][d] = status

    def median(self, quantity: str) -> float:
        """Today's median across worlds of one of ``QUANTITIES`` (as ``np.median`` gives it)."""
        return float(self.medians[QUANTITIES.index(quantity)])


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


def order_statistics(stack: np.ndarray, positions: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles and medians of each row of ``stack`` from one sort (``stack`` is reordered).

    The same bits as ``np.quantile(stack, QUANTILES, axis=1).T`` and ``np.median`` of each row:
    the same order statistics and the same interpolation arithmetic. numpy's vectorised sort is
    several times faster than its partition at the dozen positions these statistics need, and
    than partitioning once per statistic.

    Args:
        stack: ``(Q, n)`` values, sorted in place.
        positions: From :func:`_quantile_positions` for ``n``.

    Returns:
        ``(Q, len(QUANTILES))`` quantiles and ``(Q,)`` medians.
    """
    below, above, gamma = positions
    n = stack.shape[1]
    stack.sort(axis=1)
    lower, upper = stack[:, below], stack[:, above]
    diff = upper - lower
    quantiles = lower + diff * gamma
    np.subtract(upper, diff * (1 - gamma), out=quantiles, where=gamma >= 0.5)
    # np.median: the middle value, or the mean of the two middle values.
    middle = stack[:, n // 2]
    medians = middle.copy() if n % 2 else (stack[:, n // 2 - 1] + middle) / 2
    has_nan = np.isnan(stack[:, -1])
    quantiles[has_nan] = np.nan
    medians[has_nan] = np.nan
    return quantiles, medians
