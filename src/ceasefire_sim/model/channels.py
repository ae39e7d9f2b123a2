"""The cost channels beside the front: long-range strikes, refinery strikes, shipping strikes.

Each channel (:data:`~ceasefire_sim.negotiation.scopes.CHANNELS`) runs every day its attacker is
free to run it, at ``partial_truces.channels.<name>.intensity`` times its reference volume (the
campaign of November 2024 to February 2025), and costs its target ``target_cost_per_day``
casualty-equivalents at the reference volume, in proportion to the volume. A truce in force sets
the share of the channel that runs (:meth:`CostChannels.step`): 0 in a general ceasefire, the
scope's ``leak_share`` (violations) under a limited truce that pauses it, 1 otherwise.

* ``strikes``: attack drones and missiles a day, a common wave factor ``LN(cv)`` per day;
* ``refineries``: a damaging hit with probability ``intensity * hits_per_day`` a day idles
  ``idled_share_per_hit`` of Russia's refining capacity, repaired at ``1 / repair_days`` a day;
  the idled share starts at its steady state ``intensity * hits * share * repair_days``;
* ``shipping``: strikes stop ``intensity * disruption_share * LN(cv)`` of the corridor's
  seaborne exports (``capacity_mt_per_month`` without strikes).

The channels draw from their own random stream, the same block every day whatever the state, so
the model's other draws (and so common random numbers across scenarios) are untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from ceasefire_sim.model.store import world_column
from ceasefire_sim.negotiation.scopes import CHANNELS

if TYPE_CHECKING:
    from ceasefire_sim.model.model import CeasefireModel

FloatArray = np.ndarray

#: Stream of the channels' daily draws.
CHANNEL_STREAM = 0xC4A77E1
#: Rows of the channels' daily block: the strike wave, the refinery hit, the shipping disruption.
WAVE, HIT, DISRUPTION = range(3)
N_CHANNEL_DRAWS = 3
DAYS_PER_MONTH = 365.25 / 12


def lognormal_factor(uniform: FloatArray, cv: FloatArray | float) -> FloatArray:
    """``(n,)`` a mean-one lognormal factor with coefficient of variation ``cv`` from uniforms.

    >>> round(float(lognormal_factor(np.array([0.5]), 0.0)[0]), 12)
    1.0
    """
    sigma = np.sqrt(np.log1p(np.asarray(cv, dtype=float) ** 2))
    z = special.ndtri(np.clip(uniform, 1e-12, 1 - 1e-12))
    return np.exp(sigma * z - 0.5 * sigma**2)


def idled_share_step(
    idled: FloatArray,
    hit: FloatArray,
    share_per_hit: FloatArray | float,
    repair_days: FloatArray | float,
) -> FloatArray:
    """``(n,)`` tomorrow's idled share of refining capacity: repairs, then today's hit.

    >>> float(idled_share_step(np.array([0.1]), np.array([False]), 0.02, 10.0)[0])
    0.09
    """
    return np.minimum(idled * (1.0 - 1.0 / repair_days) + hit * share_per_hit, 1.0)


class CostChannels:
    """The channels' state over ``N`` worlds.

    Attributes:
        drones_per_day: ``(N,)`` today's attack drones.
        missiles_per_day: ``(N,)`` today's missiles.
        refinery_idled_share: ``(N,)`` share of Russia's refining capacity idled.
        exports_mt_per_month: ``(N,)`` today's seaborne exports at a monthly rate, Mt.
        cost_today: Channel -> ``(N,)`` cost to its target today, casualty-equivalents.
        total_cost: Channel -> ``(N,)`` cost borne by its target since day 0.
        running: ``(N, C)`` share of each channel that ran today.
    """

    def __init__(self, model: CeasefireModel) -> None:
        self.model = model
        n = model.worlds
        self._rng = np.random.default_rng(np.random.SeedSequence([model.seed, CHANNEL_STREAM]))
        p = model.params
        self.drones_per_day = np.zeros(n)
        self.missiles_per_day = np.zeros(n)
        self.refinery_idled_share = np.full(n, 1.0) * self._reference_idled()
        self.refinery_hits = np.zeros(n)
        self.exports_mt_per_month = (
            np.full(n, 1.0) * p["partial_truces.channels.shipping.capacity_mt_per_month"]
        )
        self.cost_today = {c.name: np.zeros(n) for c in CHANNELS}
        self.total_cost = {c.name: np.zeros(n) for c in CHANNELS}
        self.running = np.ones((n, len(CHANNELS)))

    def _p(self, channel: str, field: str) -> FloatArray | float:
        return self.model.params[f"partial_truces.channels.{channel}.{field}"]

    def _reference_idled(self, intensity: FloatArray | float | None = None) -> FloatArray | float:
        """Steady-state idled share at ``intensity`` (default the channel's own)."""
        if intensity is None:
            intensity = self._p("refineries", "intensity")
        return np.minimum(
            intensity
            * self._p("refineries", "hits_per_day")
            * self._p("refineries", "idled_share_per_hit")
            * self._p("refineries", "repair_days"),
            1.0,
        )

    def step(self, running: FloatArray) -> None:
        """Run today's campaigns at ``running`` ``(N, C)`` shares and book their costs."""
        uniforms = self.model.keyed_uniforms(self._rng, N_CHANNEL_DRAWS)
        self.running = running
        s, r, h = (running[:, j] for j in range(len(CHANNELS)))
        wave = lognormal_factor(uniforms[WAVE], self._p("strikes", "daily_cv"))
        scale = s * self._p("strikes", "intensity") * wave
        self.drones_per_day = scale * self._p("strikes", "drones_per_day")
        self.missiles_per_day = scale * self._p("strikes", "missiles_per_day")
        self.cost_today["strikes"] = scale * self._p("strikes", "target_cost_per_day")

        hit = uniforms[HIT] < r * self._p("refineries", "intensity") * self._p(
            "refineries", "hits_per_day"
        )
        self.refinery_hits = hit.astype(float)
        self.refinery_idled_share = idled_share_step(
            self.refinery_idled_share,
            hit,
            self._p("refineries", "idled_share_per_hit"),
            self._p("refineries", "repair_days"),
        )
        reference = np.maximum(self._reference_idled(1.0), 1e-12)
        self.cost_today["refineries"] = (
            self.refinery_idled_share / reference * self._p("refineries", "target_cost_per_day")
        )

        disruption = np.minimum(
            h
            * self._p("shipping", "intensity")
            * self._p("shipping", "disruption_share")
            * lognormal_factor(uniforms[DISRUPTION], self._p("shipping", "daily_cv")),
            1.0,
        )
        self.exports_mt_per_month = self._p("shipping", "capacity_mt_per_month") * (
            1.0 - disruption
        )
        share = np.maximum(self._p("shipping", "disruption_share"), 1e-12)
        self.cost_today["shipping"] = (
            disruption / share * self._p("shipping", "target_cost_per_day")
        )
        for name, cost in self.cost_today.items():
            self.total_cost[name] = self.total_cost[name] + cost

    # ------------------------------------------------------------------ expected values
    def expected_cost(self, channel: str, worlds: np.ndarray | slice = slice(None)) -> FloatArray:
        """``(n,)`` a channel's expected daily cost to its target at its intensity, casualty-eq."""
        return world_column(
            self._product(channel, "target_cost_per_day"), worlds, self.model.worlds
        )

    def expected_value(self, channel: str, worlds: np.ndarray | slice = slice(None)) -> FloatArray:
        """``(n,)`` a channel's daily worth to its attacker at its intensity, casualty-eq."""
        return world_column(
            self._product(channel, "attacker_value_per_day"), worlds, self.model.worlds
        )

    def _product(self, channel: str, field: str) -> FloatArray | float:
        """``intensity * field`` of a channel, kept until the parameters change.

        The side views and the limited truces read it many times a day.
        """
        version = self.model.params.version
        kept = self.__dict__.setdefault("_products", {})
        hit = kept.get((channel, field))
        if hit is None or hit[0] != version:
            hit = (version, self._p(channel, "intensity") * self._p(channel, field))
            kept[(channel, field)] = hit
        return hit[1]

    def net_war_cost(
        self, side: str, running: FloatArray, worlds: np.ndarray | slice = slice(None)
    ) -> FloatArray:
        """``(n,)`` what the channels running cost ``side`` per day, less what they are worth to it.

        Args:
            side: ``ukraine`` or ``russia``.
            running: ``(n, C)`` share of each channel that runs (in ``worlds``).
            worlds: The worlds.

        Returns:
            Casualty-equivalents per day: the expected cost of the channels ``side`` is the target
            of, less the worth of those it runs, each times the share that runs.
        """
        total = 0.0
        for j, c in enumerate(CHANNELS):
            if c.target == side:
                total = total + running[:, j] * self.expected_cost(c.name, worlds)
            if c.attacker == side:
                total = total - running[:, j] * self.expected_value(c.name, worlds)
        return np.asarray(total)

    def cost_by_side(self) -> dict[str, FloatArray]:
        """Side -> ``(N,)`` channel costs it has borne since day 0, casualty-equivalents."""
        out = {"ukraine": np.zeros(self.model.worlds), "russia": np.zeros(self.model.worlds)}
        for c in CHANNELS:
            out[c.target] = out[c.target] + self.total_cost[c.name]
        return out
