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
        stack = np.stack(
            [
                m.control_km2,
                m.ukraine.casualties,
                m.russia.casualties,
                m.ukraine.belief_mean,
                m.russia.belief_mean,
                np.broadcast_to(m.true_drift_km2_per_day, (m.worlds,)),
            ]
        )
        self.quantiles[:, d, :] = np.quantile(stack, QUANTILES, axis=1).T
        self.means["allies_at_2pct_mean"][d] = m.allies_at_2pct().mean()
        self.means["us_aid_bn_per_year_mean"][d] = np.mean(m.mediator.aid_delivered_bn_per_year)
        self.means["allied_aid_bn_per_year_mean"][d] = np.mean(m.allied_aid_delivered_bn_per_year)
        self.means["dissatisfaction_mean"][d] = np.mean(m.dissatisfaction)
        if self.trajectories is not None:
            self.trajectories["control_km2"][d] = m.control_km2
            self.trajectories["status"][d] = status
