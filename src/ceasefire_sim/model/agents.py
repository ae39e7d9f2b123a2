"""The agents: two belligerents, the mediator and the 31 other NATO allies.

Each is a ``mesa.Agent`` whose state variables are numpy arrays of shape ``(N,)``, one entry per
world. Parameters are read through the model's :class:`~ceasefire_sim.model.store.ParamStore`, so
dated events and sweeps change them in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ceasefire_sim.model import beliefs, front
from ceasefire_sim.model.packages import ISSUES, OPTION_INDEX, OPTION_KEYS, WAR_STATUS_QUO
from ceasefire_sim.model.talks import SideView

if TYPE_CHECKING:
    from ceasefire_sim.model.model import CeasefireModel

DAYS_PER_YEAR = 365.25


class Belligerent(mesa.Agent):
    """Ukraine or Russia: forces, casualties, beliefs about the front, preferences.

    Attributes:
        name: ``"ukraine"`` or ``"russia"``.
        personnel: Troops in the theatre (persons).
        materiel_bn: Equipment stock (US$ bn).
        casualties: Cumulative casualties since day 0 (persons).
        belief_mean: Believed drift of the front (km²/day).
        belief_var: Variance of that belief.
        pain: Accumulated cost of the war in utility units (casualties / cost tolerance).
    """

    def __init__(self, model: CeasefireModel, name: str) -> None:
        super().__init__(model)
        self.name = name
        self.sign = 1.0 if name == "russia" else -1.0
        self.params = model.params.view(f"belligerents.{name}")
        n = model.worlds
        p = self.params
        self.personnel = np.full(n, 1.0) * p.personnel
        self.materiel_bn = np.full(n, 1.0) * p.materiel_bn
        self.casualties = np.zeros(n)
        self.casualties_today = np.zeros(n)
        self.pain = np.zeros(n)
        self.belief_mean = (
            np.full(n, 1.0) * model.params[f"belligerents.{name}.belief.prior_mean_km2_per_day"]
        )
        self.belief_var = (
            np.full(n, 1.0) * model.params[f"belligerents.{name}.belief.prior_sd_km2_per_day"] ** 2
        )
        self.materiel_loss_rate = np.zeros(n)

    def production_bn_per_day(self) -> np.ndarray | float:
        """Domestic materiel production (US$ bn/day) from defence spending."""
        p = self.params
        return p.gdp_bn * p.defence_share_pct / 100.0 * p.procurement_share / DAYS_PER_YEAR

    def power(self) -> np.ndarray:
        """Combat power (Cobb-Douglas of personnel and materiel)."""
        return front.combat_power(
            self.personnel, self.materiel_bn, self.model.params["front.personnel_weight"]
        )

    def fight(self, casualties_per_day: np.ndarray, at_war: np.ndarray) -> None:
        """Take today's casualties in the worlds at war."""
        self.casualties_today = np.where(at_war, casualties_per_day, 0.0)
        self.casualties += self.casualties_today
        self.pain = self.casualties / self.params.cost_tolerance

    def reinforce(self, materiel_inflow_bn_per_day: np.ndarray | float, at_war: np.ndarray) -> None:
        """Recruit and produce; lose personnel and materiel in the worlds at war."""
        p = self.params
        self.personnel = np.maximum(
            self.personnel + p.recruitment_per_day - self.casualties_today * p.permanent_loss_share,
            1.0,
        )
        losses = np.where(at_war, self.materiel_loss_rate * self.materiel_bn, 0.0)
        self.materiel_bn = np.maximum(self.materiel_bn + materiel_inflow_bn_per_day - losses, 1e-3)

    def learn(self, change_km2: np.ndarray, at_war: np.ndarray) -> None:
        """Kalman update of the belief about the front's drift from today's observed change."""
        b = self.model.params
        prefix = f"belligerents.{self.name}.belief"
        self.belief_mean, self.belief_var = beliefs.kalman_update(
            self.belief_mean,
            self.belief_var,
            change_km2,
            obs_var=b[f"{prefix}.observation_sd_km2"] ** 2,
            process_var=b[f"{prefix}.process_sd_km2_per_day"] ** 2,
            observed=at_war,
        )

    def salience(self) -> dict[str, np.ndarray | float]:
        """Issue -> salience weight."""
        return {i: self.params.get(f"preferences.salience.{i}") for i in ISSUES}

    def values(self) -> dict[str, np.ndarray | float]:
        """``issue.option`` -> value in [0, 1]."""
        return {k: self.params.get(f"preferences.values.{k}") for k in OPTION_KEYS}

    def red_line_penalty(self) -> np.ndarray:
        """Current penalty of a red line: it erodes as pain grows (Zartman's hurting stalemate)."""
        p = self.params
        return p.get("preferences.red_line_penalty") * np.exp(
            -p.get("preferences.red_line_erosion") * self.pain
        )

    def war_values(self) -> dict[str, np.ndarray | float]:
        """Issue -> utility of the war status quo on that issue."""
        sal, val = self.salience(), self.values()
        return {i: sal[i] * val[f"{i}.{o}"] for i, o in WAR_STATUS_QUO.items()}

    def option_utility(self) -> np.ndarray:
        """``(N, K)`` salience x value of each option, less the current red-line penalties."""
        n = self.model.worlds
        sal, val = self.salience(), self.values()
        u = np.empty((n, len(OPTION_KEYS)))
        for key, j in OPTION_INDEX.items():
            u[:, j] = sal[key.split(".", 1)[0]] * val[key]
        red_lines = self.model.red_lines[self.name]
        if red_lines:
            penalty = self.red_line_penalty()
            for key in red_lines:
                u[:, OPTION_INDEX[key]] -= penalty
        return u

    def expected_casualties_per_day(self, enemy: Belligerent) -> np.ndarray:
        """Casualties/day if fighting goes on at today's force ratio."""
        return front.daily_casualties(
            self.params.casualties_per_day,
            self.power(),
            enemy.power(),
            self.initial_ratio,
            self.model.params["front.casualty_elasticity"],
        )

    def side_view(self, enemy: Belligerent, drift_adjustment: np.ndarray) -> SideView:
        """This side's view of the table, for :mod:`~ceasefire_sim.model.talks`."""
        p = self.params
        b = self.model.params
        return SideView(
            option_utility=self.option_utility(),
            war_issues=sum(self.war_values().values()),
            sign=self.sign,
            value_per_km2=p.territory_value_per_10k_km2 / 10_000.0,
            drift_km2_per_day=self.belief_mean + drift_adjustment,
            drift_var=self.belief_var,
            obs_var=b[f"belligerents.{self.name}.belief.observation_sd_km2"] ** 2,
            cost_per_day=self.expected_casualties_per_day(enemy) / p.cost_tolerance,
            risk_aversion=p.risk_aversion,
            horizon_days=p.planning_horizon_days,
        )


class Mediator(mesa.Agent):
    """The United States: military aid to Ukraine, sanctions pressure, leverage and patience.

    Attributes:
        aid_delivered_bn_per_year: Aid arriving at the front (US$ bn/year), lagging commitments.
        aid_total_bn: Aid delivered since day 0 (US$ bn).
        engaged: Whether the US still mediates in each world.
        fruitless_days: Days of talks since the last ceasefire (or day 0) without agreement.
    """

    def __init__(self, model: CeasefireModel) -> None:
        super().__init__(model)
        self.name = "united_states"
        self.params = model.params.view("mediator")
        n = model.worlds
        self.aid_delivered_bn_per_year = np.full(n, 1.0) * self.committed_aid_bn_per_year()
        self.aid_total_bn = np.zeros(n)
        self.engaged = np.ones(n, dtype=bool)
        self.walked_away = np.zeros(n, dtype=bool)
        self.fruitless_days = np.zeros(n)

    def committed_aid_bn_per_year(self) -> np.ndarray | float:
        """Aid the US is sending (US$ bn/year): zero while paused."""
        p = self.params
        return p.aid_bn_per_year * (1.0 - p.aid_paused)

    def step(self, aid_frozen: np.ndarray, at_war: np.ndarray) -> None:
        """Deliver aid through the pipeline; lose patience after long fruitless talks."""
        p = self.params
        committed = np.where(aid_frozen, 0.0, self.committed_aid_bn_per_year())
        self.aid_delivered_bn_per_year = (
            self.aid_delivered_bn_per_year
            + (committed - self.aid_delivered_bn_per_year) / p.aid_lag_days
        )
        self.aid_total_bn += self.aid_delivered_bn_per_year / DAYS_PER_YEAR
        self.fruitless_days = np.where(at_war, self.fruitless_days + 1.0, 0.0)
        self.walked_away |= self.fruitless_days > p.patience_days
        self.engaged = ~self.walked_away & (np.asarray(p.engaged) > 0.5)

    def preference_utility(self) -> np.ndarray:
        """``(K,)`` or ``(N, K)`` value of each option to the mediator."""
        cols = [
            np.broadcast_to(self.params.get(f"preferences.{k}"), (self.model.worlds,))
            for k in OPTION_KEYS
        ]
        return np.stack(cols, axis=1)


class Alliance:
    """The 31 allies' state as ``(31, N)`` arrays, updated in one operation a day.

    The :class:`Ally` agents hold views of the rows, so ``ally.defence_share_pct`` is an ``(N,)``
    array like every other agent's state, without a Python loop over allies in the step.
    """

    def __init__(self, model: CeasefireModel, names: tuple[str, ...]) -> None:
        self.model = model
        self.names = names
        n = model.worlds
        self.defence_share_pct = self._matrix("defence_share_pct")
        self.initial_share_pct = self.defence_share_pct.copy()
        self.extra_delivered_bn_per_year = np.zeros((len(names), n))
        self.aid_total_bn = np.zeros(n)
        self._cache_version = -1
        troops = self._matrix("reassurance_troops")
        willingness = self._matrix("willingness")
        draws = np.random.default_rng(np.random.SeedSequence([model.seed, 0xA111E5])).random(
            willingness.shape
        )
        self.pledged_troops = (troops * (draws < willingness)).sum(axis=0)

    def _matrix(self, field: str) -> np.ndarray:
        return np.stack(
            [self.model.params.column(f"allies.{a}.{field}") for a in self.names]
        ).astype(float)

    def _refresh(self) -> None:
        # Rebuild parameter matrices only when an event changed a parameter.
        if self._cache_version != self.model.params.version:
            self.gdp_bn = self._matrix("gdp_bn")
            self.target_share_pct = self._matrix("target_share_pct")
            self.ramp_pct_per_year = self._matrix("ramp_pct_per_year")
            self.aid_share_gdp_pct = self._matrix("aid_share_gdp_pct")
            self._cache_version = self.model.params.version

    def step(self) -> None:
        """Move spending toward the targets and pass new production through its delay."""
        self._refresh()
        gap = self.target_share_pct - self.defence_share_pct
        self.defence_share_pct += np.clip(gap, 0.0, self.ramp_pct_per_year / DAYS_PER_YEAR)
        extra_bn = (
            self.gdp_bn * np.maximum(self.defence_share_pct - self.initial_share_pct, 0.0) / 100.0
        )
        delay = max(float(np.mean(self.model.params["alliance.production_delay_days"])), 1.0)
        self.extra_delivered_bn_per_year += (extra_bn - self.extra_delivered_bn_per_year) / delay

    def aid_bn_per_year(self, us_shortfall_bn_per_year: np.ndarray) -> np.ndarray:
        """Military aid of all allies to Ukraine (US$ bn/year), before any truce freeze."""
        self._refresh()
        p = self.model.params
        base = (self.gdp_bn * self.aid_share_gdp_pct / 100.0).sum(axis=0)
        extra = p["alliance.extra_spending_aid_share"] * self.extra_delivered_bn_per_year.sum(
            axis=0
        )
        return (
            base
            + extra
            + p["alliance.compensation_share"] * np.maximum(us_shortfall_bn_per_year, 0.0)
        )

    def count_at_2pct(self, us_share_pct: float | np.ndarray) -> np.ndarray:
        """Allies (the US included: 32 in all) spending at least 2% of GDP, per world."""
        # A tolerance keeps exact 2.00 (Slovakia) at 2% whatever rounding the ramp leaves.
        count = (self.defence_share_pct >= 2.0 - 1e-9).sum(axis=0)
        return count + (np.asarray(us_share_pct) >= 2.0 - 1e-9)

    def reassurance_available(self) -> np.ndarray:
        """Whether the willing allies' honoured pledges reach the reassurance-force threshold."""
        return self.pledged_troops >= self.model.params["alliance.reassurance_threshold_troops"]


class Ally(mesa.Agent):
    """One NATO ally other than the US: a view of its row in the :class:`Alliance` arrays."""

    def __init__(self, model: CeasefireModel, name: str, row: int) -> None:
        super().__init__(model)
        self.name = name
        self.row = row

    @property
    def defence_share_pct(self) -> np.ndarray:
        """Defence spending, % of GDP, per world."""
        return self.model.alliance.defence_share_pct[self.row]

    @property
    def pledged_troops(self) -> np.ndarray:
        """Troops this ally would send to a reassurance force, per world."""
        p = self.model.params
        return np.broadcast_to(p[f"allies.{self.name}.reassurance_troops"], (self.model.worlds,))
