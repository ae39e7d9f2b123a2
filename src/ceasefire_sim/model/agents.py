"""The agents: two belligerents, the mediator and the 31 other NATO allies.

Each is a ``mesa.Agent`` whose state variables are numpy arrays of shape ``(N,)``, one entry per
world. Parameters are read through the model's :class:`~ceasefire_sim.model.store.ParamStore`, so
dated events and sweeps change them in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ceasefire_sim.model import beliefs, front
from ceasefire_sim.model.lifetime import WorldAgent
from ceasefire_sim.negotiation import preferences
from ceasefire_sim.negotiation.preferences import SideView

if TYPE_CHECKING:
    from ceasefire_sim.model.model import CeasefireModel

DAYS_PER_YEAR = 365.25


class Belligerent(WorldAgent):
    """Ukraine or Russia: forces, casualties, beliefs about the front, preferences.

    Attributes:
        name: ``"ukraine"`` or ``"russia"``.
        personnel: Troops in the theatre (persons).
        materiel_bn: Equipment stock (US$ bn).
        casualties: Cumulative casualties since day 0 (persons).
        belief_mean: Believed drift of the front (km²/day).
        belief_var: Variance of that belief.
        pain: Accumulated cost of the war (since 24 February 2022 in the baseline) in utility
            units ((casualties before the start + casualties since day 0) / cost tolerance).
        resolve: The side's private resolve (utility), a per-world type set by the model.
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
        self.pain = np.full(n, 1.0) * p.casualties_before_start / p.cost_tolerance
        self.resolve: np.ndarray | float = 0.0
        self.threat: np.ndarray | float = 0.0
        self.belief_mean = (
            np.full(n, 1.0) * model.params[f"belligerents.{name}.belief.prior_mean_km2_per_day"]
        )
        self.belief_var = (
            np.full(n, 1.0) * model.params[f"belligerents.{name}.belief.prior_sd_km2_per_day"] ** 2
        )
        self.materiel_loss_rate = np.zeros(n)
        self._cache: dict[str, tuple[int, Any]] = {}
        self._stock_params = (p.personnel, p.materiel_bn)
        self._stock_version = model.params.version

    def production_bn_per_day(self) -> np.ndarray | float:
        """Domestic materiel production (US$ bn/day) from defence spending."""
        version = self.model.params.version
        kept = self._cache.get("production")
        if kept is None or kept[0] != version:
            p = self.params
            production = (
                p.gdp_bn * p.defence_share_pct / 100.0 * p.procurement_share / DAYS_PER_YEAR
            )
            kept = self._cache["production"] = (version, production)
        return kept[1]

    def power(self, worlds: np.ndarray | None = None) -> np.ndarray:
        """Combat power (Cobb-Douglas of personnel and materiel), in ``worlds`` (default all)."""
        return np.exp(self.log_power(worlds))

    def log_power(self, worlds: np.ndarray | None = None) -> np.ndarray:
        """The logarithm of :meth:`power`, in ``worlds`` (default all)."""
        return front.log_combat_power(
            _take(self.personnel, worlds),
            _take(self.materiel_bn, worlds),
            _take(self.model.params["front.personnel_weight"], worlds),
        )

    def follow_stock_events(self) -> None:
        """Scale the forces when an event has changed ``personnel`` or ``materiel_bn``.

        Those parameters give the day-0 stocks; an event that sets or scales one after day 0
        changes the stock in the same proportion (``materiel_bn`` x 0.5 halves the equipment
        left), so a change means the same on day 0 and later.
        """
        version = self.model.params.version
        if version == self._stock_version:
            return
        self._stock_version = version
        p = self.params
        old_personnel, old_materiel = self._stock_params
        new_personnel, new_materiel = p.personnel, p.materiel_bn
        self.personnel = self.personnel * _ratio(new_personnel, old_personnel)
        self.materiel_bn = self.materiel_bn * _ratio(new_materiel, old_materiel)
        self._stock_params = (new_personnel, new_materiel)

    def fight(self, casualties_per_day: np.ndarray, at_war: np.ndarray) -> None:
        """Take today's casualties in the worlds at war.

        A side loses at most the personnel it has in the theatre (persons): the rate rises as
        the force ratio turns against it (``front.daily_casualties``), which would otherwise
        grow without bound as its forces run out.
        """
        self.casualties_today = np.where(
            at_war, np.minimum(casualties_per_day, self.personnel), 0.0
        )
        self.casualties += self.casualties_today
        p = self.params
        self.pain = (p.casualties_before_start + self.casualties) / p.cost_tolerance

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
        return dict(self._per_version("salience", self._read_salience))

    def values(self) -> dict[str, np.ndarray | float]:
        """``issue.option`` -> value in [0, 1]."""
        return dict(self._per_version("values", self._read_values))

    def red_line_penalty(self, worlds: np.ndarray | None = None) -> np.ndarray:
        """Current penalty of a red line per unit of its issue's salience.

        It erodes as the pain of the war grows (Zartman's hurting stalemate).

        Args:
            worlds: Only these worlds (default: all).
        """
        p = self.params
        pain = self.pain if worlds is None else self.pain[worlds]
        return preferences.red_line_penalty(
            _take(p.get("preferences.red_line_penalty"), worlds),
            _take(p.get("preferences.red_line_erosion"), worlds),
            pain,
        )

    def war_values(self) -> dict[str, np.ndarray | float]:
        """Issue -> utility of the war status quo on that issue."""
        return dict(self._per_version("war_values", self._compute_war_values))

    def options_valued(self, worlds: np.ndarray | None = None) -> np.ndarray:
        """``(n, K)`` this side's :func:`~ceasefire_sim.negotiation.preferences.option_utilities`.

        Args:
            worlds: Only these worlds (default: all): returns ``(len(worlds), K)``.
        """
        red_lines = self.model.red_lines[self.name]
        penalty = self.red_line_penalty(worlds) if red_lines else 0.0
        return self._options_valued(worlds, penalty, self._red_weights(worlds))

    def _options_valued(
        self,
        worlds: np.ndarray | None,
        penalty: np.ndarray | float,
        weights: list[np.ndarray | float],
    ) -> np.ndarray:
        """:meth:`options_valued` with the red lines' penalty and weights already computed."""
        base = self._per_version("option_values", self._option_values)
        n = self.model.worlds if worlds is None else len(worlds)
        return preferences.option_utilities(
            base,
            self.model.space.outcome,
            self.model.red_lines[self.name],
            penalty,
            n,
            worlds,
            weights,
        )

    def _red_weights(self, worlds: np.ndarray | None) -> list[np.ndarray | float]:
        """Per red line, the salience of its issue (a red line costs a multiple of it)."""
        salience = self.salience()
        return [
            _take(salience.get(key.split(".", 1)[0], 0.0), worlds)
            for key in self.model.red_lines[self.name]
        ]

    def expected_casualties_per_day(
        self,
        enemy: Belligerent,
        worlds: np.ndarray | None = None,
        log_powers: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Casualties/day if fighting goes on at today's force ratio (in ``worlds``, default all).

        Args:
            enemy: The other belligerent.
            worlds: Only these worlds (default: all).
            log_powers: Own and enemy :meth:`log_power` in ``worlds``, if already computed.
            pause_per_day: The model's :meth:`~ceasefire_sim.model.model.CeasefireModel.
                pause_drift_per_day` in ``worlds``, if already computed.
            by_horizon: A list kept across the views of the same worlds at the same moment:
                the durability and pause shift at each horizon (which depend on the horizon, not
                the side), computed once per horizon.
        """
        own_log, enemy_log = log_powers or (self.log_power(worlds), enemy.log_power(worlds))
        return front.daily_casualties_from_logs(
            _take(self.params.casualties_per_day, worlds),
            own_log,
            enemy_log,
            _take(self.initial_log_ratio, worlds),
            _take(self.model.params["front.casualty_elasticity"], worlds),
        )

    def channel_cost_per_day(self, worlds: np.ndarray | None = None) -> np.ndarray:
        """What the cost channels running cost this side per day, less their worth to it.

        Casualty-equivalents per day (:meth:`~ceasefire_sim.model.channels.CostChannels.
        net_war_cost`), in ``worlds`` (default all): the channels a limited truce in force pauses
        run only at its leak share, so fighting on costs what they would cost if they ran again.
        """
        rows = slice(None) if worlds is None else worlds
        running = self.model.limited.running()[rows]
        return self.model.channels.net_war_cost(self.name, running, rows)

    def side_view(
        self,
        enemy: Belligerent,
        drift_adjustment: np.ndarray,
        worlds: np.ndarray | None = None,
        log_powers: tuple[np.ndarray, np.ndarray] | None = None,
        pause_per_day: np.ndarray | None = None,
        by_horizon: list | None = None,
    ) -> SideView:
        """This side's view of the table, for :mod:`~ceasefire_sim.negotiation.preferences`.

        Args:
            enemy: The other belligerent.
            drift_adjustment: ``(N,)`` change of the true drift since fighting last showed it.
            worlds: Only these worlds (default: all).
            log_powers: Own and enemy :meth:`log_power` in ``worlds``, if already computed.
            pause_per_day: The model's :meth:`~ceasefire_sim.model.model.CeasefireModel.
                pause_drift_per_day` in ``worlds``, if already computed.
            by_horizon: A list kept across the views of the same worlds at the same moment:
                the durability and pause shift at each horizon (which depend on the horizon, not
                the side), computed once per horizon.
        """
        p = self.params
        b = self.model.params
        war_issues = self._per_version("war_issues", lambda: sum(self.war_values().values()))
        red_lines = self.model.red_lines[self.name]
        # The penalty and weights of the red lines once, for the utilities and the costs.
        penalty = self.red_line_penalty(worlds) if red_lines else 0.0
        weights = self._red_weights(worlds)
        utility = self._options_valued(worlds, penalty, weights)
        costs = preferences.red_line_costs(self.model.space.outcome, red_lines, penalty, weights)
        horizon = _take(p.planning_horizon_days, worlds)
        durability, pause = self.model.horizon_terms(worlds, horizon, pause_per_day, by_horizon)
        return SideView(
            option_utility=utility,
            war_issues=_take(war_issues, worlds),
            sign=self.sign,
            value_per_km2=_take(p.territory_value_per_10k_km2 / 10_000.0, worlds),
            drift_km2_per_day=_take(self.belief_mean, worlds) + _take(drift_adjustment, worlds),
            drift_var=_take(self.belief_var, worlds),
            obs_var=_take(b[f"belligerents.{self.name}.belief.observation_sd_km2"] ** 2, worlds),
            cost_per_day=(
                self.expected_casualties_per_day(enemy, worlds, log_powers)
                + self.channel_cost_per_day(worlds)
            )
            / _take(p.cost_tolerance, worlds),
            risk_aversion=_take(p.risk_aversion, worlds),
            horizon_days=horizon,
            war_by_issue={i: _take(v, worlds) for i, v in self.war_values().items()},
            fixed_term=preferences.fixed_term_terms(self.model.space, utility, costs, horizon),
            resolve=_take(self.resolve, worlds),
            threat=_take(self.threat, worlds),
            durability=durability,
            pause_km2=pause,
            breakdown_cost=_take(b["truce.breakdown_cost"], worlds),
        )

    # Preferences change only when an event or a sweep writes a parameter, so what is built from
    # them is kept until the store's version changes (no dicts rebuilt on every call).
    def _per_version(self, key: str, compute: Callable[[], Any]) -> Any:
        version = self.model.params.version
        hit = self._cache.get(key)
        if hit is None or hit[0] != version:
            hit = (version, compute())
            self._cache[key] = hit
        return hit[1]

    def _read_salience(self) -> dict[str, np.ndarray | float]:
        return {
            i: self.params.get(f"preferences.salience.{i}") for i in self.model.space.outcome.names
        }

    def _read_values(self) -> dict[str, np.ndarray | float]:
        keys = self.model.space.outcome.option_keys
        return {k: self.params.get(f"preferences.values.{k}") for k in keys}

    def _compute_war_values(self) -> dict[str, np.ndarray | float]:
        return preferences.war_values(self.model.space.outcome, self.salience(), self.values())

    def _option_values(self) -> np.ndarray:
        """``(K,)`` salience x value of each option, or ``(N, K)`` where they vary by world."""
        return preferences.option_values(
            self.model.space.outcome, self.salience(), self.values(), self.model.worlds
        )


class Mediator(WorldAgent):
    """The mediator (``mediator.name``; the US in the baseline): aid, sanctions, leverage, patience.

    Attributes:
        aid_delivered_bn_per_year: Aid arriving at the front (US$ bn/year), lagging commitments.
        aid_total_bn: Aid delivered since day 0 (US$ bn).
        engaged: Whether the US still mediates in each world.
        fruitless_days: Days of talks since the last ceasefire (or day 0) without agreement.
        walked_away: Whether the US has walked away (until it re-engages).
        ever_walked_away: Whether it walked away at some time in the run.
        aid_cut_until: Day until which an executed aid cut stops US aid (-inf: none).
        sanctioned: Whether executed (secondary) sanctions cut Russia's production.
        share_before_cut: The US share of Ukraine's materiel inflow when the last cut began.
        aid_cut_spent: Whether an aid cut was carried out since the last ceasefire (at most one).
        threats_executed: Side -> how many times its threat was carried out in each world.
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
        self.ever_walked_away = np.zeros(n, dtype=bool)
        self.walked_away_day = np.full(n, np.inf)
        self.fruitless_days = np.zeros(n)
        self.aid_cut_until = np.full(n, -np.inf)
        self.sanctioned = np.zeros(n, dtype=bool)
        self.share_before_cut = np.zeros(n)
        self.aid_cut_spent = np.zeros(n, dtype=bool)
        self.threats_executed = {
            "ukraine": np.zeros(n, dtype=np.int64),
            "russia": np.zeros(n, dtype=np.int64),
        }

    def aid_cut(self) -> np.ndarray:
        """``(N,)`` whether an executed aid cut is in force today."""
        return self.model.day < self.aid_cut_until

    def committed_aid_bn_per_year(self) -> np.ndarray | float:
        """Aid the US is sending (US$ bn/year): zero while paused."""
        p = self.params
        return p.aid_bn_per_year * (1.0 - p.aid_paused)

    def aid_arriving_bn_per_year(self) -> np.ndarray:
        """``(N,)`` US aid reaching Ukraine today (US$ bn/year).

        The pipeline's deliveries, less the share ``aid_cut_share`` an executed aid cut holds
        back while it is in force (shipments stop at once, not with the delivery lag; what is
        held back is not made up later).
        """
        cut = self.aid_cut()
        if not cut.any():
            return self.aid_delivered_bn_per_year
        held = np.where(cut, self.params.aid_cut_share, 0.0)
        return self.aid_delivered_bn_per_year * (1.0 - held)

    def execute(self, ukraine: np.ndarray, russia: np.ndarray) -> None:
        """Carry out the threats in the worlds given (``(N,)`` masks), at a cost to the mediator.

        An aid cut holds back ``aid_cut_share`` of US aid to Ukraine for ``aid_cut_days``
        (Ukraine's yes or a ceasefire ends it sooner; :meth:`aid_arriving_bn_per_year`); sanctions cut Russia's materiel production by
        ``sanctions_production_cut`` until a ceasefire. Each costs the mediator
        ``threat_cost_days`` of its patience.
        """
        p = self.params
        day = self.model.day
        self.aid_cut_until = np.where(ukraine, day + p.aid_cut_days, self.aid_cut_until)
        self.sanctioned |= russia
        self.aid_cut_spent |= ukraine
        self.threats_executed["ukraine"] += ukraine
        self.threats_executed["russia"] += russia
        self.fruitless_days = self.fruitless_days + (ukraine | russia) * p.threat_cost_days

    def step(self, aid_frozen: np.ndarray, at_war: np.ndarray) -> None:
        """Deliver aid through the pipeline; lose patience after long fruitless talks."""
        p = self.params
        committed = np.where(aid_frozen, 0.0, self.committed_aid_bn_per_year())
        self.aid_delivered_bn_per_year = (
            self.aid_delivered_bn_per_year
            + (committed - self.aid_delivered_bn_per_year) / p.aid_lag_days
        )
        self.aid_total_bn += self.aid_arriving_bn_per_year() / DAYS_PER_YEAR
        self.fruitless_days = np.where(at_war, self.fruitless_days + 1.0, 0.0)
        day = self.model.day
        back = self.walked_away & (day - self.walked_away_day >= p.reengage_days)
        if back.any():
            # The mediator re-engages: its patience starts afresh.
            self.walked_away &= ~back
            self.fruitless_days = np.where(back, 0.0, self.fruitless_days)
            self.walked_away_day = np.where(back, np.inf, self.walked_away_day)
        leaving = ~self.walked_away & (self.fruitless_days > p.patience_days)
        self.walked_away |= leaving
        self.ever_walked_away |= leaving
        self.walked_away_day = np.where(leaving, day, self.walked_away_day)
        self.engaged = ~self.walked_away & (np.asarray(p.engaged) > 0.5)

    def option_values(self, shared: bool = False) -> np.ndarray:
        """``(N, K)`` value of each option to the mediator.

        Args:
            shared: Return ``(K,)`` instead when the preferences are the same in every world.
        """
        keys = self.model.space.outcome.option_keys
        values = [self.params.get(f"preferences.{k}") for k in keys]
        if shared and all(np.ndim(v) == 0 for v in values):
            return np.array(values, dtype=float)
        cols = [np.broadcast_to(v, (self.model.worlds,)) for v in values]
        return np.stack(cols, axis=1)


class Alliance:
    """The 31 allies' state as ``(31, N)`` arrays, updated in one operation a day.

    The :class:`Ally` agents hold views of the rows, so ``ally.defence_share_pct`` is an ``(N,)``
    array like every other agent's state, without a Python loop over allies in the step.

    While every ally parameter is the same in all worlds (no sweep or distribution touches them),
    the spending path is the same in all worlds too; it is then computed once, in one column, and
    the ``(31, N)`` attributes are read-only broadcast views of that column.
    """

    #: Ally fields that drive the spending path.
    PATH_FIELDS = ("defence_share_pct", "gdp_bn", "target_share_pct", "ramp_pct_per_year")

    def __init__(self, model: CeasefireModel, names: tuple[str, ...]) -> None:
        self.model = model
        self.names = names
        n = model.worlds
        self._width = n if self._varies_by_world() else 1
        self._share_pct = self._matrix("defence_share_pct")
        self._initial_share_pct = self._share_pct.copy()
        self._extra_bn_per_year = np.zeros((len(names), self._width))
        self.aid_total_bn = np.zeros(n)
        self._cache_version = -1
        # Each ally's pledge is honoured in a world when its draw falls below its willingness.
        # The draws are drawn again from their stream whenever the pledges are recomputed (an
        # event that changes troops or willingness changes the pledges from that day, with the
        # same draws: common random numbers across scenarios), so no (31, N) block is kept.
        self._pledges_version = -1
        self._pledged_troops = np.zeros(n)

    @property
    def pledged_troops(self) -> np.ndarray:
        """``(N,)`` troops the willing allies would send to a reassurance force."""
        if self._pledges_version != self.model.params.version:
            troops = self._full_matrix("reassurance_troops")
            willingness = self._full_matrix("willingness")
            self._pledged_troops = (troops * (self._pledge_draws() < willingness)).sum(axis=0)
            self._pledges_version = self.model.params.version
        return self._pledged_troops

    def _pledge_draws(self) -> np.ndarray:
        """``(31, N)`` each ally's uniform draw per world, from the pledges' own stream."""
        model = self.model
        rng = np.random.default_rng(np.random.SeedSequence([model.seed, 0xA111E5]))
        return model.keyed_uniforms(rng, len(self.names))

    @property
    def defence_share_pct(self) -> np.ndarray:
        """``(31, N)`` defence spending, % of GDP."""
        return self._wide(self._share_pct)

    @property
    def initial_share_pct(self) -> np.ndarray:
        """``(31, N)`` defence spending on day 0, % of GDP."""
        return self._wide(self._initial_share_pct)

    @property
    def extra_delivered_bn_per_year(self) -> np.ndarray:
        """``(31, N)`` production from extra spending arriving at the front (US$ bn/year)."""
        return self._wide(self._extra_bn_per_year)

    def _wide(self, matrix: np.ndarray) -> np.ndarray:
        if matrix.shape[1] == self.model.worlds:
            return matrix
        return np.broadcast_to(matrix, (len(self.names), self.model.worlds))

    def _varies_by_world(self) -> bool:
        p = self.model.params
        fields = (*self.PATH_FIELDS, "aid_share_gdp_pct")
        return any(np.ndim(p[f"allies.{a}.{f}"]) > 0 for a in self.names for f in fields)

    def _full_matrix(self, field: str) -> np.ndarray:
        return np.stack(
            [self.model.params.column(f"allies.{a}.{field}") for a in self.names]
        ).astype(float)

    def _matrix(self, field: str) -> np.ndarray:
        return np.ascontiguousarray(self._full_matrix(field)[:, : self._width])

    def _refresh(self) -> None:
        # Rebuild parameter matrices only when an event changed a parameter.
        if self._cache_version != self.model.params.version:
            if self._width == 1 and self.model.worlds > 1 and self._varies_by_world():
                # An event made an ally parameter differ between worlds: widen the state.
                shape = (len(self.names), self.model.worlds)
                self._share_pct = np.broadcast_to(self._share_pct, shape).copy()
                self._initial_share_pct = np.broadcast_to(self._initial_share_pct, shape).copy()
                self._extra_bn_per_year = np.broadcast_to(self._extra_bn_per_year, shape).copy()
                self._width = self.model.worlds
            self.gdp_bn = self._matrix("gdp_bn")
            self.target_share_pct = self._matrix("target_share_pct")
            self.ramp_pct_per_year = self._matrix("ramp_pct_per_year")
            self.aid_share_gdp_pct = self._matrix("aid_share_gdp_pct")
            self._cache_version = self.model.params.version

    def step(self) -> None:
        """Move spending toward the targets and pass new production through its delay."""
        self._refresh()
        gap = self.target_share_pct - self._share_pct
        self._share_pct += np.clip(gap, 0.0, self.ramp_pct_per_year / DAYS_PER_YEAR)
        extra_bn = self.gdp_bn * np.maximum(self._share_pct - self._initial_share_pct, 0.0) / 100.0
        delay = self._delay_days()
        self._extra_bn_per_year += (extra_bn - self._extra_bn_per_year) / delay

    def _delay_days(self) -> float:
        """The production delay (days, at least 1; its mean over worlds), kept per version."""
        version = self.model.params.version
        kept = getattr(self, "_delay_kept", None)
        if kept is None or kept[0] != version:
            delay = max(float(np.mean(self.model.params["alliance.production_delay_days"])), 1.0)
            kept = self._delay_kept = (version, delay)
        return kept[1]

    def aid_bn_per_year(self, us_shortfall_bn_per_year: np.ndarray) -> np.ndarray:
        """Military aid of all allies to Ukraine (US$ bn/year), before any truce freeze."""
        self._refresh()
        p = self.model.params
        base = self._sum_over_allies(self.gdp_bn * self.aid_share_gdp_pct / 100.0)
        extra = p["alliance.extra_spending_aid_share"] * self._sum_over_allies(
            self._extra_bn_per_year
        )
        return (
            base
            + extra
            + p["alliance.compensation_share"] * np.maximum(us_shortfall_bn_per_year, 0.0)
        )

    def _sum_over_allies(self, matrix: np.ndarray) -> np.ndarray:
        """Sum over the allies in the order numpy uses for ``(31, N)``.

        So the bits do not depend on whether the path was computed once or per world.
        """
        if matrix.shape[1] == self.model.worlds:
            return matrix.sum(axis=0)
        # numpy sums a (31, N > 1) matrix row after row but a (31, 1) one pairwise.
        return np.repeat(matrix, 2, axis=1).sum(axis=0)[:1]

    def count_at_2pct(self, us_share_pct: float | np.ndarray) -> np.ndarray:
        """Allies (the US included: 32 in all) spending at least 2% of GDP, per world."""
        # A tolerance keeps exact 2.00 (Slovakia) at 2% whatever rounding the ramp leaves.
        count = (self._share_pct >= 2.0 - 1e-9).sum(axis=0)
        count = np.broadcast_to(count, (self.model.worlds,))
        return count + (np.asarray(us_share_pct) >= 2.0 - 1e-9)

    def reassurance_available(self) -> np.ndarray:
        """Whether the willing allies' honoured pledges reach the reassurance-force threshold."""
        return self.pledged_troops >= self.model.params["alliance.reassurance_threshold_troops"]


class Ally(WorldAgent):
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


def _take(value: Any, worlds: np.ndarray | None) -> Any:
    """A per-world value restricted to some worlds (scalars, and ``worlds=None``, pass through)."""
    if worlds is None or isinstance(value, float):
        return value
    if type(value) is np.ndarray:
        return value[worlds] if value.ndim > 0 else value
    return value if np.ndim(value) == 0 else value[worlds]


def _ratio(new: np.ndarray | float, old: np.ndarray | float) -> np.ndarray | float:
    """``new / old``, and 1 where ``old`` is 0 (a stock set from nothing keeps its level)."""
    old = np.asarray(old, dtype=float)
    return np.divide(new, old, out=np.ones(np.broadcast(new, old).shape), where=old != 0)
