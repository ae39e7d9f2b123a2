"""``CeasefireModel``: one Mesa model vectorised over ``N`` possible worlds.

Each step is one day. The agents (Ukraine, Russia, the United States and 31 allies) hold ``(N,)``
arrays; branching between war and ceasefire is done with boolean masks. Every day draws the same
block of uniforms whatever the state, so two scenarios run with one seed share their noise
(common random numbers).
"""

from __future__ import annotations

import copy
import datetime as dt
import types
from functools import cached_property
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ceasefire_sim.errors import Problem, ScenarioError
from ceasefire_sim.model import front, kernels, truce
from ceasefire_sim.model.agents import DAYS_PER_YEAR, Alliance, Ally, Belligerent, Mediator
from ceasefire_sim.model.channels import CostChannels
from ceasefire_sim.model.events import EventSchedule
from ceasefire_sim.model.narrative import Narrative
from ceasefire_sim.model.partial import LimitedTruces
from ceasefire_sim.model.recorder import DailyRecorder
from ceasefire_sim.model.store import world_column
from ceasefire_sim.model.streams import uniform_columns
from ceasefire_sim.negotiation import preferences, search
from ceasefire_sim.negotiation.preferences import MediatorPreference, SideView
from ceasefire_sim.negotiation.protocols import (
    InitialOffer,
    MediatedNash,
    Protocol,
    Renewal,
    RenewalAtExpiry,
    Round,
    Table,
)
from ceasefire_sim.negotiation.space import PackageSpace
from ceasefire_sim.resources import check_memory, run_bytes
from ceasefire_sim.scenario.loader import locate, scenario_file, scenario_lines
from ceasefire_sim.scenario.schema import NATO_ALLIES, Scenario

if TYPE_CHECKING:
    import pandas as pd

#: Rows of the daily block of uniforms; fixed, so the noise is common across scenarios.
FRONT, ACCEPT_UA, ACCEPT_RU, BREAKDOWN, VIOLATIONS, PERCEIVE_UA, PERCEIVE_RU = range(7)
#: Rows of the front's phase: whether it switches today, and the new phase's intensity.
PHASE_SWITCH, PHASE_INTENSITY = 7, 8
N_DRAWS = 9
#: Longest horizon, days (the scenario's horizon_days has the same limit).
MAX_DAYS = 3650
#: Largest chunk of the talks when the mediator's preferences differ between worlds.
PER_WORLD_FACTOR_CHUNK = 4096
#: Worlds sampled before the durability gives up sharing its hold shares between worlds (where
#: more than half of them have inputs of their own).
DISTINCT_SAMPLE = 1024
#: Stream of the per-world types (the sides' resolve, the mediator's misreading of each side).
TYPES_STREAM = 0x7E5011E
#: Stream of the daily draws that end the low violence of open-ended agreements (a lapse).
CALM_STREAM = 0xCA1A5E
#: Share of yesterday's violation tension kept each day (about a ten-day memory).
TENSION_DECAY = 0.9
#: Runs of at most this many worlds keep the durability of their side views for its inputs
#: (:meth:`CeasefireModel.view_durability`); in larger runs some world's inputs change every day.
DURABILITY_KEPT_WORLDS = 256


class CeasefireModel(mesa.Model):
    """The ceasefire negotiation over ``worlds`` possible futures.

    Args:
        scenario: A validated :class:`~ceasefire_sim.scenario.schema.Scenario`.
        worlds: Number of worlds ``N`` (1 for a classroom run).
        seed: Seed of the model's generator (``SeedSequence(seed)``); drawn from the OS if None.
        days: Horizon in days (default: the scenario's ``horizon_days``).
        overrides: Dotted path -> float or ``(N,)`` array replacing scenario values (sweeps).
        narrative_worlds: How many of the first worlds get a narrative log.
        keep_trajectories: Also keep every world's daily control and status (small N only).
        chunk_size: Worlds per round of the package search's preparation (side views and
            territory terms, ``(chunk, 18)`` and ``(chunk, 4, 3)`` arrays); the compiled search
            itself works in blocks of 128 worlds. Larger chunks make fewer Python-level passes
            (see ``benchmarks/RESULTS.md``). Results do not depend on it.
        world_keys: Optional ``(N,)`` non-negative ints: world ``i`` then draws every random
            number (parameters, pledges, daily noise) that world ``world_keys[i]`` of a plain run
            with the same seed draws. A sweep passes each world's replicate number, so replicate
            ``j`` of every point shares its noise: common random numbers across points.
        key_count: Keys of the run the worlds belong to (default: ``max(world_keys) + 1``):
            the random streams are drawn as for that many keys, of which this model takes
            its own (a block of a larger run, :mod:`ceasefire_sim.model.blocks`).
        protocol: The negotiation protocol (default
            :class:`~ceasefire_sim.negotiation.protocols.MediatedNash`).
        renewal: What happens when a fixed-term truce expires (default
            :class:`~ceasefire_sim.negotiation.protocols.RenewalAtExpiry`).
        max_memory_bytes: Refuse to start a run estimated to need more (default: the memory
            available); see :mod:`ceasefire_sim.resources`.
    """

    def __init__(
        self,
        scenario: Scenario,
        worlds: int = 1,
        seed: int | None = None,
        *,
        days: int | None = None,
        overrides: dict[str, float | np.ndarray] | None = None,
        narrative_worlds: int = 3,
        keep_trajectories: bool = False,
        chunk_size: int = 65536,
        world_keys: np.ndarray | None = None,
        key_count: int | None = None,
        protocol: Protocol | None = None,
        renewal: RenewalAtExpiry | None = None,
        max_memory_bytes: int | None = None,
    ) -> None:
        if worlds < 1:
            raise ScenarioError(f"worlds must be at least 1, got {worlds}")
        if seed is not None and int(seed) < 0:
            raise ScenarioError(f"seed must be a whole number >= 0, got {seed}")
        horizon = int(days if days is not None else scenario.horizon_days)
        # One estimate before anything is allocated (max_memory_bytes None: what is available).
        check_memory(run_bytes(worlds, horizon, keep_trajectories), max_memory_bytes)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        super().__init__(seed=seed)
        self.seed = int(seed)
        self.scenario = scenario
        self.worlds = int(worlds)
        self.days = int(days if days is not None else scenario.horizon_days)
        if not 1 <= self.days <= MAX_DAYS:
            raise ScenarioError(f"days must be from 1 to {MAX_DAYS}, got {self.days}")
        self.chunk_size = max(int(chunk_size), 1)
        self.world_keys = _check_keys(world_keys, self.worlds)
        self.key_count = self.worlds if self.world_keys is None else int(self.world_keys.max()) + 1
        if key_count is not None:
            if self.world_keys is None or key_count < self.key_count:
                raise ScenarioError(f"key_count ({key_count}) needs world_keys, each below it")
            self.key_count = int(key_count)
        self.day = 0
        self.start_date = scenario.start_date
        self.date = scenario.start_date

        from ceasefire_sim.model.store import ParamStore

        self.params = ParamStore(scenario, self.worlds, self.seed, overrides, self.world_keys)
        self.protocol = protocol if protocol is not None else MediatedNash()
        self.renewal = renewal if renewal is not None else RenewalAtExpiry()
        self.space = PackageSpace.restricted(
            scenario.talks.options_on_table, scenario.outcome_space_of()
        )
        self.red_lines = {
            b: list(scenario.belligerents[b].preferences.red_lines) for b in ("ukraine", "russia")
        }

        self.ukraine = Belligerent(self, "ukraine")
        self.russia = Belligerent(self, "russia")
        self.mediator = Mediator(self)
        self.alliance = Alliance(self, NATO_ALLIES)
        self.allies = [Ally(self, name, row) for row, name in enumerate(NATO_ALLIES)]
        self.events_schedule = EventSchedule(
            scenario.events, scenario.start_date, scenario.talks.summits
        )
        self.narrative = Narrative(self, min(narrative_worlds, self.worlds))
        self.channels = CostChannels(self)
        self.limited = LimitedTruces(self)

        n = self.worlds
        self.control_km2 = self.params.column("territory.control_km2").copy()
        self.initial_control_km2 = self.control_km2.copy()
        self.in_ceasefire = np.zeros(n, dtype=bool)
        self.ever_ceasefire = np.zeros(n, dtype=bool)
        self.package = np.full(n, -1, dtype=np.int64)
        self.last_package = np.full(n, -1, dtype=np.int64)
        self.first_package = np.full(n, -1, dtype=np.int64)
        self.ceasefire_start_day = np.full(n, np.nan)
        self.truce_end_day = np.full(n, np.inf)
        self.first_ceasefire_day = np.full(n, np.nan)
        self.first_ceasefire_end_day = np.full(n, np.nan)
        self.first_breakdown_day = np.full(n, np.nan)
        self.last_ceasefire_end_day = np.full(n, -np.inf)
        self.ceasefires = np.zeros(n, dtype=np.int64)
        self.breakdowns = np.zeros(n, dtype=np.int64)
        self.days_at_war = np.zeros(n)
        self.ceasefire_days = np.zeros(n)
        self.violations_total = np.zeros(n)
        self.proposals = np.zeros(n, dtype=np.int64)
        self.allied_aid_delivered_bn_per_year = np.zeros(n)
        self.allied_aid_total_bn = np.zeros(n)
        self.dissatisfaction = np.zeros(n)
        self.first_range_day = np.full(n, np.nan)
        self.has_range = np.zeros(n, dtype=bool)
        self.tension = np.zeros(n)
        #: Whether the ceasefire in force still has low violence (False: lapsed, violated).
        self.calm = np.zeros(n, dtype=bool)
        #: Day the first ceasefire's low violence ended (a lapse, or its end; NaN: not yet).
        self.first_calm_end_day = np.full(n, np.nan)
        self.lapses = np.zeros(n, dtype=np.int64)
        self._calm_rng = np.random.default_rng(np.random.SeedSequence([self.seed, CALM_STREAM]))
        self.deal_pressure = np.ones(n)
        self.deal_recidivism = np.ones(n)
        #: ``(day, worlds, package rows, a guarantee could be proposed)`` of every ceasefire
        #: agreed (:meth:`deals`).
        self.deal_log: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
        #: ``(day, worlds, whether each broke down rather than expired)`` of every ceasefire's end.
        self.end_log: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._draw_types()
        self.mediator_preference = MediatorPreference(
            self.space, lambda: self.mediator.option_values(shared=True)
        )

        self._calibrate_front()
        self._anchor_beliefs()
        self.allied_aid_delivered_bn_per_year = self._allied_aid_committed(np.zeros(n, dtype=bool))
        self._balance_materiel()
        # Europe's compensation is measured against the US aid being delivered at the start, not
        # against a variant's day-0 commitment (so a day-0 cut is a shortfall, as a later one is).
        self.us_aid_baseline_bn_per_year = (
            np.full(n, 1.0) * self.params["mediator.aid_before_start_bn_per_year"]
        )
        self.recorder = DailyRecorder(self, keep_trajectories=keep_trajectories)
        # The reporters read what the recorder computed for the day (one selection per day, not one
        # np.median per reporter); the values are the same bits.
        self.datacollector = DailyCollector(
            model_reporters={
                "day": "day",
                "share_war": lambda m: np.count_nonzero(~m.in_ceasefire) / m.worlds,
                "share_ceasefire": lambda m: np.count_nonzero(m.in_ceasefire) / m.worlds,
                "control_km2": lambda m: m.recorder.median("control_km2"),
                "belief_ukraine_km2_per_day": lambda m: m.recorder.median(
                    "belief_ukraine_km2_per_day"
                ),
                "belief_russia_km2_per_day": lambda m: m.recorder.median(
                    "belief_russia_km2_per_day"
                ),
                "true_drift_km2_per_day": lambda m: m.recorder.median("true_drift_km2_per_day"),
            }
        )
        self.recorder.record()
        self.datacollector.collect(self)

    def _draw_types(self) -> None:
        """The per-world types, drawn once: the sides' resolve, the mediator's misreading and will.

        Private information that persists (Fearon 1995): a side's resolve is a standard logistic
        draw times its ``preferences.resolve_scale``, the same in every round of a world; the
        mediator's error in reading each side is a fixed uniform (its normal quantile times
        ``mediator.perception_sd``); whether the US would back a guarantee
        (``mediator.us_guarantee_share``) and whether it carries out its threats
        (``mediator.threat_credibility``) are fixed uniforms too. They come from their own
        stream, so they are common to every scenario run with the seed.
        """
        draws = self.keyed_uniforms(
            np.random.default_rng(np.random.SeedSequence([self.seed, TYPES_STREAM])), 6
        )
        self.resolve_draws = {
            "ukraine": preferences.chance(draws[0], 1.0),
            "russia": preferences.chance(draws[1], 1.0),
        }
        self.perceive_draws = {"ukraine": draws[2], "russia": draws[3]}
        # Whether the US would back a security guarantee in each world (a persistent type).
        self.guarantee_draws = draws[4]
        # Whether the mediator is one that carries out its threats (``threat_credibility``): a
        # persistent type, so meeting more often does not give it more chances to.
        self.threat_draws = draws[5]

    def us_backs_guarantee(self, worlds: np.ndarray | slice = slice(None)) -> np.ndarray:
        """``(n,)`` whether the US would back a security guarantee (``us_guarantee_share``)."""
        share = _take(self.params["mediator.us_guarantee_share"], worlds)
        return self.guarantee_draws[worlds] < share

    def pause_shift_km2(
        self,
        worlds: np.ndarray | None,
        horizon_days: float | np.ndarray,
        per_day: np.ndarray | None = None,
    ) -> np.ndarray:
        """``(n, T)`` the change of the Russian-held area a pause of each truce option implies.

        The shift in power while a deal holds (Powell 2006): in a ceasefire both sides keep
        recruiting and producing (Ukraine receiving aid) and lose nothing, so their combat powers
        grow at ``g = w * recruitment / personnel + (1 - w) * inflow / materiel`` a day. After a
        pause of ``D = min(truce days, H)`` days the contest success has moved by about
        ``D * k * p (1 - p) (g_ru - g_ua)`` and the front's drift by ``kappa`` times that, for
        the ``H - D`` days of fighting left in the horizon (0 for an indefinite ceasefire).

        Args:
            worlds: The worlds (None: all).
            horizon_days: The side's planning horizon ``H`` (float or ``(n,)``).
            per_day: :meth:`pause_drift_per_day` in ``worlds``, if already computed (it is the
                same for both sides).
        """
        if per_day is None:
            per_day = self.pause_drift_per_day(worlds)
        n = len(per_day)
        h = np.broadcast_to(np.asarray(horizon_days, dtype=float), (n,))[:, None]
        pause = np.minimum(self._truce_length_days[None, :], h)
        return per_day[:, None] * pause * np.maximum(h - pause, 0.0)

    def pause_drift_per_day(self, worlds: np.ndarray | None) -> np.ndarray:
        """``(n,)`` the change of the front's drift per day of a pause (:meth:`pause_shift_km2`).

        ``kappa * k * p (1 - p) (g_ru - g_ua)``, km²/day per day of pause, in ``worlds`` (None:
        all).
        """
        p = self.params
        rows = np.arange(self.worlds) if worlds is None else worlds

        def col(value: float | np.ndarray) -> np.ndarray:
            return world_column(value, rows, self.worlds)

        w = col(p["front.personnel_weight"])

        def growth(side: Belligerent) -> np.ndarray:
            recruits = col(side.params.recruitment_per_day) / np.maximum(col(side.personnel), 1.0)
            inflow = col(self._materiel_inflow(side)) / np.maximum(col(side.materiel_bn), 1e-3)
            return w * recruits + (1.0 - w) * inflow

        p_now = col(self.p_now)
        return (
            col(self.gain_scale_km2_per_day)
            * col(p["front.contest_exponent"])
            * p_now
            * (1.0 - p_now)
            * (growth(self.russia) - growth(self.ukraine))
        )

    def recidivism(self, worlds: np.ndarray | slice = slice(None)) -> np.ndarray:
        """``(n,)`` hazard ratio of the breakdowns so far: ``recidivism_hazard_ratio ** count``."""
        ratio = _take(self.params["truce.recidivism_hazard_ratio"], worlds)
        return np.power(ratio, self.breakdowns[worlds])

    def durability(self, worlds: np.ndarray | None, horizon_days: float | np.ndarray) -> np.ndarray:
        """``(n, G, T)`` the share of a side's horizon each (guarantees, truce) pair would hold.

        The hazard each pair implies: the hazard ratios of its guarantee and truce type, the
        monitoring and the fragility of a deal made under the mediator's standing threats
        (``truce.pressure_hazard_beta``), on the Weibull baseline (:func:`truce.hold_share`),
        over ``min(truce days, horizon)``. The regret and violations of a ceasefire in force are
        not foreseen.

        Args:
            worlds: The worlds (None: all).
            horizon_days: The side's planning horizon ``H`` (float or ``(n,)``).
        """
        p = self.params
        rows = slice(None) if worlds is None else worlds
        n = self.worlds if worlds is None else len(worlds)
        outcome = self.space.outcome

        def ratios(issue: str) -> np.ndarray:
            columns = [
                np.broadcast_to(
                    1.0 if o.hazard_ratio is None else _take(p[o.hazard_ratio], rows), (n,)
                )
                for o in outcome.issue(issue).options
            ]
            return np.stack(columns, axis=1)

        by_guarantee, by_truce = ratios("guarantees"), ratios("truce")
        threats = np.broadcast_to(
            _take(np.asarray(self.ukraine.threat) + np.asarray(self.russia.threat), rows), (n,)
        )
        pressure = np.exp(_take(p["truce.pressure_hazard_beta"], rows) * threats)
        monitoring = np.broadcast_to(_take(p["truce.monitoring_hazard_ratio"], rows), (n,))
        factor = monitoring * pressure * self.recidivism(rows)
        h = np.broadcast_to(np.asarray(horizon_days, dtype=float), (n,))
        base = np.broadcast_to(_take(p["truce.base_hazard_per_day"], rows), (n,))
        shape = np.broadcast_to(_take(p["truce.hazard_shape"], rows), (n,))
        # The incomplete gamma function of every world and option is most of the time here, and
        # most worlds share all their inputs: each distinct row of them is evaluated once.
        distinct, index = kernels.distinct_rows(
            by_guarantee, by_truce, factor, base, shape, h, give_up_after=DISTINCT_SAMPLE
        )
        if len(distinct) > n // 2:
            distinct, index = slice(None), None
        hr = by_guarantee[distinct][:, :, None] * by_truce[distinct][:, None, :]
        hr = hr * np.broadcast_to(factor, (n,))[distinct][:, None, None]
        span = np.minimum(self._truce_length_days[None, :], h[distinct][:, None])[:, None, :]
        held = truce.hold_share(
            hr, base[distinct][:, None, None], shape[distinct][:, None, None], span
        )
        return held if index is None else held[index]

    def view_durability(
        self, worlds: np.ndarray | None, horizon_days: float | np.ndarray
    ) -> np.ndarray:
        """:meth:`durability`, the same array for the same inputs in a small run.

        Its inputs (the parameters, the standing threats, the breakdowns so far and the
        horizon) mostly stay the same from one day to the next in a run of a few worlds, and
        the incomplete gamma functions of :func:`truce.hold_share` are costly at any size: the
        result is kept for its inputs (the same bits; its readers do not write to it).
        """
        if self.worlds > DURABILITY_KEPT_WORLDS:
            return self.durability(worlds, horizon_days)
        threats = np.asarray(self.ukraine.threat) + np.asarray(self.russia.threat)
        horizon = np.asarray(horizon_days, dtype=float)
        key = (
            self.params.version,
            None if worlds is None else (worlds.dtype.str, worlds.shape, worlds.tobytes()),
            horizon.shape,
            horizon.tobytes(),
            threats.dtype.str,
            threats.shape,
            threats.tobytes(),
            self.breakdowns.tobytes(),
        )
        kept = self.__dict__.setdefault("_durability_kept", {})
        held = kept.get(key)
        if held is None:
            held = self.durability(worlds, horizon_days)
            if len(kept) >= 16:
                kept.clear()
            kept[key] = held
        return held

    def threats(self) -> tuple[np.ndarray, np.ndarray]:
        """``(N,)`` what the mediator's standing threats take off each side's value of fighting.

        While the US mediates, fighting on costs Ukraine ``mediator.leverage_on_ukraine`` times
        the US share of its materiel inflow (the aid a cut would stop) and Russia
        ``mediator.leverage_on_russia`` times ``mediator.sanctions_pressure``, each times the
        chance the threat is carried out (``mediator.threat_credibility``); the sides value
        every package against that, and the mediator chooses terms knowing it (Kydd 2003). A
        threat carried out (:meth:`execute_threats`) weighs in full while it is in force (a deal
        ends it); a mediator that has walked away threatens nothing more.
        """
        p = self.params
        engaged = np.broadcast_to(self.mediator.engaged, (self.worlds,))
        credibility = p["mediator.threat_credibility"]
        # A threat carried out is certain: while the aid cut or the sanctions are in force,
        # fighting on costs their full weight, and a deal ends them.
        cut = self.mediator.aid_cut()
        ukraine = np.where(
            engaged | cut,
            np.where(cut, 1.0, credibility)
            * p["mediator.leverage_on_ukraine"]
            * self.us_aid_share(reference=True),
            0.0,
        )
        sanctioned = self.mediator.sanctioned
        russia = np.where(
            engaged | sanctioned,
            np.where(sanctioned, 1.0, credibility)
            * p["mediator.leverage_on_russia"]
            * p["mediator.sanctions_pressure"],
            0.0,
        )
        return ukraine, russia

    def resolve(self, side: str, worlds: np.ndarray | None = None) -> np.ndarray:
        """``(n,)`` a side's private resolve (utility) in ``worlds`` (default all)."""
        scale = self.params[f"belligerents.{side}.preferences.resolve_scale"]
        if worlds is None:
            return scale * self.resolve_draws[side]
        return _take(scale, worlds) * self.resolve_draws[side][worlds]

    def _daily_noise(self) -> np.ndarray:
        """``(N_DRAWS, N)`` today's uniforms: the keys' columns of one ``(N_DRAWS, K)`` block."""
        return self.keyed_uniforms(self.rng, N_DRAWS)

    def keyed_uniforms(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        """``(rows, N)`` this model's columns of ``rng.random((rows, key_count))``.

        The same bits as ``keyed(rng.random((rows, key_count)))``, and ``rng`` left where that
        leaves it, without drawing the other keys' columns: a block of a larger run
        (:mod:`ceasefire_sim.model.blocks`) holds ``rows x n`` numbers, not ``rows x K``.
        """
        keys = self.world_keys
        if keys is None:
            return rng.random((rows, self.key_count))
        lo, hi, contiguous = self._key_span
        part = uniform_columns(rng, rows, self.key_count, lo, hi)
        return part if contiguous else part[:, keys - lo]

    @cached_property
    def _key_span(self) -> tuple[int, int, bool]:
        """``(lo, hi, contiguous)``: the keys lie in ``lo:hi``; ``contiguous``: they are it."""
        keys = self.world_keys
        assert keys is not None
        lo, hi = int(keys.min()), int(keys.max()) + 1
        return lo, hi, hi - lo == len(keys) and bool(np.all(np.diff(keys) == 1))

    def keyed(self, draws: np.ndarray) -> np.ndarray:
        """Draws made for ``key_count`` worlds (last axis), laid out over this model's worlds."""
        return draws if self.world_keys is None else draws[..., self.world_keys]

    # ------------------------------------------------------------------ set-up
    def reference_log_powers(self) -> tuple[np.ndarray | float, np.ndarray | float]:
        """Russia's and Ukraine's log combat power in the reference state (``front.reference``)."""
        p = self.params
        weight = p["front.personnel_weight"]
        return (
            front.log_combat_power(
                p["front.reference.russia_personnel"],
                p["front.reference.russia_materiel_bn"],
                weight,
            ),
            front.log_combat_power(
                p["front.reference.ukraine_personnel"],
                p["front.reference.ukraine_materiel_bn"],
                weight,
            ),
        )

    def _calibrate_front(self) -> None:
        """Derive kappa once, from the reference state: the reference force ratio gives the gain.

        ``kappa = front.initial_gain_km2_per_month / 30.44 / (p_ref - theta)``, with ``p_ref``
        the contest success at the forces of ``front.reference`` (13 March 2025 in the
        baseline). A scenario's own day-0 forces do not enter kappa, so a day-0 change of the
        forces moves the front as the same change made by an event on day 1 does. Casualty
        rates are likewise measured against the reference force ratio.
        """
        p = self.params
        n = self.worlds
        ref_ru, ref_ua = self.reference_log_powers()
        p_ref = front.contest_success_from_logs(ref_ru, ref_ua, p["front.contest_exponent"])
        margin = np.broadcast_to(p_ref - p["front.defender_advantage"], (n,))
        if np.any(margin <= 0.005):
            file, line = locate(
                scenario_lines(self.scenario),
                "front.defender_advantage",
                scenario_file(self.scenario),
            )
            raise ScenarioError(
                [
                    Problem(
                        file,
                        line,
                        "front.defender_advantage",
                        "Russia's contest success in the reference state (front.reference) is "
                        f"{float(np.min(p_ref)):.3f}, which does not exceed "
                        f"front.defender_advantage "
                        f"({float(np.max(p['front.defender_advantage'])):.3f}) in some worlds, "
                        "so no positive gain can be calibrated; lower front.defender_advantage "
                        "or change front.reference",
                    )
                ]
            )
        self._gain_margin = margin
        self.gain_scale_km2_per_day = self._gain_scale(p["front.initial_gain_km2_per_month"])
        log_ru, log_ua = self.russia.log_power(), self.ukraine.log_power()
        self.p0 = front.contest_success_from_logs(log_ru, log_ua, p["front.contest_exponent"])
        self.p_reference = np.broadcast_to(p_ref, (n,))
        self.p_now = self.p0.copy()
        self.p_last_fighting = self.p0.copy()
        # The phase of the front is drawn on day 1; until then the tempo is its mean, 1.
        self.offensive = np.zeros(n, dtype=bool)
        self.phase_intensity = np.ones(n)
        self.tempo = np.ones(n)
        self.phase_tempo = np.ones(n)
        self.true_drift_km2_per_day = front.expected_drift(
            self.p0, self.gain_scale_km2_per_day, p["front.defender_advantage"]
        )
        self.ukraine.initial_log_ratio = np.full(n, 1.0) * (ref_ru - ref_ua)
        self.russia.initial_log_ratio = np.full(n, 1.0) * (ref_ua - ref_ru)

    def _gain_scale(self, gain_km2_per_month: np.ndarray | float) -> np.ndarray:
        """``(N,)`` km²/day of gain per unit of contest success above the defender's advantage.

        ``gain / 30.44 / (p_ref - theta)``: the scale at which a front gaining ``gain`` km² a
        month in the reference state (``front.reference``) moves with the contest success.
        """
        return gain_km2_per_month / (DAYS_PER_YEAR / 12) / self._gain_margin

    def _anchor_beliefs(self) -> None:
        """Shift each side's prior by the drift its day-0 forces imply, as the sides read it.

        ``belief.prior_mean_km2_per_day`` is what a side believes in the reference state
        (``front.reference``: 13 March 2025 in the baseline), its reading of the front there
        with its optimism. A scenario whose day-0 forces differ from the reference starts each
        side from that prior plus ``kappa_obs * (p0 - p_ref)``: the change of expected drift
        the force ratio implies, read with the gain scale of the trend both sides observed in
        the reference state, ``kappa_obs = front.reference.observed_gain_km2_per_month / 30.44
        / (p_ref - theta)``. The shift is the same in every world with the same day-0 forces:
        a side knows the forces it sees and the front it has watched, not the world's true gain
        scale ``kappa`` (a parameter drawn from the posterior), which fighting then reveals
        through the Kalman update. Each side keeps its optimism against that common reading;
        in the reference state the shift is zero.
        """
        observed_scale = self._gain_scale(
            self.params["front.reference.observed_gain_km2_per_month"]
        )
        shift = observed_scale * (self.p0 - self.p_reference)
        if np.any(shift != 0.0):
            for side in (self.ukraine, self.russia):
                side.belief_mean = side.belief_mean + shift

    def _balance_materiel(self) -> None:
        """Set each side's materiel attrition so that the reference inflow balances its losses.

        The rate (1/day) is ``front.reference.<side>_materiel_inflow_bn_per_year / 365.25 /
        front.reference.<side>_materiel_bn``: the reference state is a steady state, and a
        scenario whose day-0 budgets, aid or stocks differ from it drifts away from it. US aid
        in the pipeline on day 0 is ``mediator.aid_before_start_bn_per_year`` (the reference's
        in the baseline); deliveries then move towards the scenario's commitment with
        ``mediator.aid_lag_days``, as after an event.
        """
        p = self.params
        for side in (self.ukraine, self.russia):
            reference = f"front.reference.{side.name}"
            side.materiel_loss_rate = np.full(self.worlds, 1.0) * (
                p[f"{reference}_materiel_inflow_bn_per_year"]
                / DAYS_PER_YEAR
                / p[f"{reference}_materiel_bn"]
            )
        self.mediator.aid_delivered_bn_per_year = (
            np.full(self.worlds, 1.0) * (p["mediator.aid_before_start_bn_per_year"])
        )

    # -------------------------------------------------------------------- step
    def step(self) -> None:
        """One day: events, economy and aid, fighting, learning, talks, ceasefires, records."""
        self.day += 1
        self.date = self.start_date + dt.timedelta(days=self.day)
        self.noise = self._daily_noise()
        self.events_schedule.apply_due(self)
        at_war = ~self.in_ceasefire
        aid_frozen = self.in_ceasefire & self._package_has("aid_during_truce.frozen")
        self.alliance.step()
        walked_away = self.mediator.walked_away.copy()
        self.mediator.step(aid_frozen=aid_frozen, at_war=at_war)
        self.narrative.walkout(np.flatnonzero(self.mediator.walked_away & ~walked_away))
        self._deliver_allied_aid(aid_frozen)
        change_km2 = self._fight(at_war)
        self.limited.draw()
        self.channels.step(self.limited.running() * at_war[:, None])
        self.ukraine.reinforce(self._materiel_inflow(self.ukraine), at_war)
        self.russia.reinforce(self._materiel_inflow(self.russia), at_war)
        self.ukraine.learn(change_km2, at_war)
        self.russia.learn(change_km2, at_war)
        self._find_range(at_war)
        if self.scenario.talks.enabled:
            talking = at_war & self._negotiation_day() & self.mediator.engaged & self._cooled_down()
            self._negotiate(talking)
            self.limited.negotiate(talking & ~self.in_ceasefire)
        self.limited.declare(~self.in_ceasefire)
        self._keep_or_end_ceasefires(~at_war)
        self.limited.keep_or_end(self.in_ceasefire)
        # The day's side views (every world at war) are not needed after the day.
        self._views_today = None
        self.recorder.record()
        self.datacollector.collect(self)
        if self.day >= self.days:
            self.running = False

    def forget_day(self) -> None:
        """Let go of what only today's step reads: its uniforms and the running shares' cache.

        For a run in blocks (:class:`~ceasefire_sim.model.blocks.BlockedRun`), whose blocks are
        not read between days: only the blocks being stepped then hold a day's uniforms
        (about 0.3 kB a world). A model that is asked about its day after the step (the
        classroom's human tables read :attr:`noise`) does not call it. The next :meth:`step`
        draws its own, so the results are the same bits.
        """
        self.noise = None
        self.limited.forget_day()

    # ----------------------------------------------------------- economy, aid
    def _allied_aid_committed(self, aid_frozen: np.ndarray) -> np.ndarray:
        baseline = getattr(self, "us_aid_baseline_bn_per_year", None)
        shortfall = (
            np.zeros(self.worlds)
            if baseline is None
            else baseline - self.mediator.committed_aid_bn_per_year()
        )
        committed = self.alliance.aid_bn_per_year(shortfall)
        return np.where(aid_frozen, 0.0, committed)

    def _deliver_allied_aid(self, aid_frozen: np.ndarray) -> None:
        committed = self._allied_aid_committed(aid_frozen)
        lag = self.params["mediator.aid_lag_days"]
        self.allied_aid_delivered_bn_per_year += (
            committed - self.allied_aid_delivered_bn_per_year
        ) / lag
        self.allied_aid_total_bn += self.allied_aid_delivered_bn_per_year / DAYS_PER_YEAR

    def _materiel_inflow(self, side: Belligerent) -> np.ndarray:
        """Materiel arriving per day (US$ bn): production, and aid for Ukraine."""
        inflow = side.production_bn_per_day()
        if side is self.russia and self.mediator.sanctioned.any():
            cut = self.params["mediator.sanctions_production_cut"]
            inflow = inflow * np.where(self.mediator.sanctioned, 1.0 - cut, 1.0)
        if side is self.ukraine:
            aid = self.mediator.aid_arriving_bn_per_year() + self.allied_aid_delivered_bn_per_year
            inflow = inflow + aid / DAYS_PER_YEAR
        return inflow

    def us_aid_share(self, reference: bool = False) -> np.ndarray:
        """Share of Ukraine's materiel inflow that comes from the US (what pressure threatens).

        Args:
            reference: While an executed aid cut is in force, the share the aid had before it
                (what the cut takes away) rather than today's.
        """
        total = self._materiel_inflow(self.ukraine) * DAYS_PER_YEAR
        share = self.mediator.aid_arriving_bn_per_year() / np.maximum(total, 1e-9)
        if reference and self.mediator.aid_cut().any():
            share = np.where(self.mediator.aid_cut(), self.mediator.share_before_cut, share)
        return share

    # ------------------------------------------------------------------- front
    def _advance_phase(self) -> None:
        """Today's phase, phase intensity and seasonal tempo of the front (every world)."""
        p = self.params
        if self.day == 1:
            self.offensive = self.noise[PHASE_SWITCH] < p["front.initial_offensive_probability"]
            switched = np.ones(self.worlds, dtype=bool)
        else:
            self.offensive, switched = front.switch_phase(
                self.offensive,
                self.noise[PHASE_SWITCH],
                p["front.offensive_days"],
                p["front.consolidation_days"],
            )
        if switched.any():
            fresh = front.phase_intensity(
                self.noise[PHASE_INTENSITY], p["front.phase_intensity_sd"]
            )
            self.phase_intensity = np.where(switched, fresh, self.phase_intensity)
        level_offensive, level_consolidation = self._phase_levels()
        season = front.seasonal_factor(
            self.date.timetuple().tm_yday,
            p["front.seasonal_amplitude"],
            p["front.seasonal_peak_day_of_year"],
        )
        # The phase's level times the season: what casualties follow (front.tempo_casualty_factor);
        # the gains' tempo also carries the phase's random intensity.
        self.phase_tempo = np.where(self.offensive, level_offensive, level_consolidation) * season
        self.tempo = self.phase_tempo * self.phase_intensity

    def _phase_levels(self) -> tuple[np.ndarray, np.ndarray]:
        """:func:`front.phase_levels` of the parameters, kept until they change."""
        kept = getattr(self, "_phase_levels_kept", None)
        if kept is None or kept[0] != self.params.version:
            p = self.params
            levels = front.phase_levels(
                p["front.offensive_days"],
                p["front.consolidation_days"],
                p["front.consolidation_tempo"],
            )
            kept = self._phase_levels_kept = (self.params.version, levels)
        return kept[1]

    def _fight(self, at_war: np.ndarray) -> np.ndarray:
        p = self.params
        self.ukraine.follow_stock_events()
        self.russia.follow_stock_events()
        self._advance_phase()
        log_ru, log_ua = self.russia.log_power(), self.ukraine.log_power()
        self.p_now = front.contest_success_from_logs(log_ru, log_ua, p["front.contest_exponent"])
        self.true_drift_km2_per_day = self.tempo * front.expected_drift(
            self.p_now, self.gain_scale_km2_per_day, p["front.defender_advantage"]
        )
        proposed = np.zeros(self.worlds)
        fighting = np.flatnonzero(at_war)
        # The noise's inverse CDF is costly: evaluate it only where there is fighting.
        proposed[fighting] = _take(self.true_drift_km2_per_day, fighting) + front.student_t_noise(
            self.noise[FRONT, fighting],
            _take(p["front.noise_df"], fighting),
            _take(p["front.noise_scale_km2"], fighting),
        )
        before = self.control_km2
        self.control_km2 = np.clip(before + proposed, 0.0, p["territory.ukraine_area_km2"])
        self.p_last_fighting = np.where(at_war, self.p_now, self.p_last_fighting)
        elasticity = p["front.casualty_elasticity"]
        # Part of the losses follows the phase and the season (not the phase's random intensity,
        # which moves the gains only), part the force ratio alone.
        tempo_factor = front.tempo_casualty_factor(
            self.phase_tempo, p["front.casualty_tempo_share"]
        )
        self.russia.fight(
            tempo_factor
            * front.daily_casualties_from_logs(
                p["belligerents.russia.casualties_per_day"],
                log_ru,
                log_ua,
                self.russia.initial_log_ratio,
                elasticity,
            ),
            at_war,
        )
        self.ukraine.fight(
            tempo_factor
            * front.daily_casualties_from_logs(
                p["belligerents.ukraine.casualties_per_day"],
                log_ua,
                log_ru,
                self.ukraine.initial_log_ratio,
                elasticity,
            ),
            at_war,
        )
        self.days_at_war += at_war
        return self.control_km2 - before

    def _drift_adjustment(self) -> np.ndarray:
        """Change of the true drift since fighting last showed it: rearmament during a truce."""
        return self.gain_scale_km2_per_day * (self.p_now - self.p_last_fighting)

    def deal_lines_km2(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """``(n, R)`` the line each territory option would fix, in the given worlds."""
        p = self.params
        return self.space.outcome.lines_km2(
            self.control_km2[rows], lambda path: _take(p[path], rows)
        )

    # -------------------------------------------------------------------- talks
    def _negotiation_day(self) -> np.ndarray:
        p = self.params
        first, interval = p["talks.first_day"], p["talks.interval_days"]
        summit = self.date in self.events_schedule.summit_dates
        if np.ndim(first) == 0 and np.ndim(interval) == 0:
            # The same calendar in every world: decide once, in plain Python.
            every = max(round(interval), 1)
            today = summit or (self.day >= first and (self.day - first) % every == 0)
            return self._all_worlds[bool(today)]
        regular = (self.day >= first) & (
            np.mod(self.day - first, np.maximum(np.round(interval), 1)) == 0
        )
        return np.broadcast_to(regular | summit, (self.worlds,))

    def _cooled_down(self) -> np.ndarray:
        """Worlds whose last ceasefire (if any) ended at least ``talks.cooldown_days`` ago."""
        cooldown = self.params["talks.cooldown_days"]
        return ~(self.day - self.last_ceasefire_end_day < cooldown)

    @cached_property
    def _all_worlds(self) -> tuple[np.ndarray, np.ndarray]:
        """Read-only ``(N,)`` all-False and all-True masks."""
        return tuple(np.broadcast_to(np.bool_(v), (self.worlds,)) for v in (False, True))

    def side_views(self, worlds: np.ndarray | None = None) -> tuple[SideView, SideView]:
        """Ukraine's and Russia's views of the table today, over all worlds (or ``worlds``)."""
        adjustment = self._drift_adjustment()
        # Each side's log power once (each view needs both).
        ua, ru = self.ukraine.log_power(worlds), self.russia.log_power(worlds)
        self.ukraine.resolve = self.resolve("ukraine")
        self.russia.resolve = self.resolve("russia")
        self.ukraine.threat, self.russia.threat = self.threats()
        # The shift in power while a pause holds is the same for both sides (but their horizons),
        # and so are the durability and the pause's shift at the same horizon.
        pause = self.pause_drift_per_day(worlds)
        by_horizon: list = []
        return (
            self.ukraine.side_view(self.russia, adjustment, worlds, (ua, ru), pause, by_horizon),
            self.russia.side_view(self.ukraine, adjustment, worlds, (ru, ua), pause, by_horizon),
        )

    def horizon_terms(
        self,
        worlds: np.ndarray | None,
        horizon_days: float | np.ndarray,
        pause_per_day: np.ndarray | None = None,
        kept: list | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`durability` and :meth:`pause_shift_km2` of a side's horizon in ``worlds``.

        Args:
            worlds: The worlds (None: all).
            horizon_days: The side's planning horizon (float or ``(n,)``).
            pause_per_day: :meth:`pause_drift_per_day` in ``worlds``, if already computed.
            kept: ``(horizon, terms)`` pairs computed for the same worlds at the same moment; a
                horizon with the same bits as one of them reads its terms (and a new one is
                added to it).

        Returns:
            ``(n, G, T)`` durability and ``(n, T)`` pause shift (read them, do not write them).
        """
        horizon = np.asarray(horizon_days, dtype=float)
        for seen, terms in kept or ():
            if seen.shape == horizon.shape and np.array_equal(
                seen.reshape(-1).view(np.int64), horizon.reshape(-1).view(np.int64)
            ):
                return terms
        terms = (
            self.view_durability(worlds, horizon_days),
            self.pause_shift_km2(worlds, horizon_days, pause_per_day),
        )
        if kept is not None:
            kept.append((horizon, terms))
        return terms

    def feasible_packages(self, worlds: np.ndarray) -> np.ndarray:
        """``(n, P)`` packages the mediator can propose in the given worlds."""
        available = np.broadcast_to(self.alliance.reassurance_available(), (self.worlds,))
        return self._feasible_table[self._feasible_row(worlds, available[worlds])]

    @cached_property
    def _feasible_rows(self) -> tuple[np.ndarray, ...]:
        """``(P,)`` packages the mediator may propose, four rows.

        With and without a reassurance force, then the same where the US would not back a
        guarantee.
        """
        excluded = ~self.space.valid
        for key in self.scenario.mediator.excluded_options:
            excluded |= self.space.has(key)

        def having(key: str) -> np.ndarray:
            if key in self.space.outcome.option_index:
                return self.space.has(key)
            return np.zeros(self.space.size, dtype=bool)

        euro_force = having("guarantees.european_force")
        us_backed = having("guarantees.us_backed")
        allowed = ~excluded
        return (
            allowed,
            allowed & ~euro_force,
            allowed & ~us_backed,
            allowed & ~euro_force & ~us_backed,
        )

    def _mediator_varies_by_world(self) -> bool:
        """Whether the mediator's preference for a package differs between worlds."""
        return self.mediator_preference.varies_by_world(
            self.params["mediator.preference_weight"], self.params.version
        )

    def _mediator_factor(self, worlds: np.ndarray) -> np.ndarray:
        """``(1, P)`` or ``(n, P)`` the mediator's factor on the Nash product in ``worlds``."""
        return self.mediator_preference.factor(
            self.params["mediator.preference_weight"], self.params.version, worlds
        )

    @cached_property
    def _search_layout(self) -> search.SearchLayout:
        return search.SearchLayout.of(self.space)

    def _find_range(self, at_war: np.ndarray) -> None:
        """Whether a bargaining range is open today in each world at war.

        A range is open where some package the mediator may propose gives both sides a positive
        surplus by their own valuation (their resolve and the mediator's standing threats
        included): the compiled search without the mediator's misreading, run only where the
        joint surplus's upper bound (:func:`~ceasefire_sim.negotiation.preferences.
        joint_surplus_bound`) is positive. Records ``has_range`` and ``first_range_day``; the
        day's side views are kept for the talks.
        """
        self.has_range = np.zeros(self.worlds, dtype=bool)
        self._views_today = None
        worlds = np.flatnonzero(at_war)
        if len(worlds) == 0:
            return
        ua, ru = self.side_views(worlds)
        self._views_today = (self.day, worlds, ua, ru)
        control, lines = self.control_km2[worlds], self.deal_lines_km2(worlds)
        terms_ua = preferences.territory_terms(ua, self.space, control, lines)
        terms_ru = preferences.territory_terms(ru, self.space, control, lines)
        bound = preferences.joint_surplus_bound(ua, ru, self.space, terms_ua, terms_ru)
        k = np.flatnonzero(bound > 0.0)
        chosen = worlds[k]
        if len(chosen) > 0:
            available = np.broadcast_to(self.alliance.reassurance_available(), (self.worlds,))
            # The views' rows of the worlds searched are read in place (``rows``), not copied.
            _, agreeable = search.choose(
                self._search_layout,
                ua.option_utility,
                ua.war_issues,
                terms_ua,
                0.0,
                ru.option_utility,
                ru.war_issues,
                terms_ru,
                0.0,
                self._feasible_table,
                self._feasible_row(chosen, available[chosen]),
                np.ones((1, self.space.size)),
                ua.durability,
                ru.durability,
                ua.breakdown_cost,
                ru.breakdown_cost,
                rows=k,
            )
            self.has_range[chosen] = agreeable
        first = self.has_range & np.isnan(self.first_range_day)
        self.first_range_day[first] = self.day

    def _kept_rows(self, worlds: np.ndarray) -> np.ndarray | None:
        """Rows of ``worlds`` in today's kept side views, or None where they lack some."""
        kept = getattr(self, "_views_today", None)
        if kept is not None and kept[0] == self.day:
            at_war = kept[1]
            if len(at_war) == 0:
                return None
            rows = np.searchsorted(at_war, worlds)
            if np.array_equal(at_war[np.minimum(rows, len(at_war) - 1)], worlds):
                return rows
        return None

    def _has_views_for(self, worlds: np.ndarray) -> bool:
        """Whether today's kept side views cover ``worlds`` (:meth:`_views_for` reads them)."""
        return self._kept_rows(worlds) is not None

    def _views_for(self, worlds: np.ndarray) -> tuple[SideView, SideView]:
        """The side views in ``worlds``: today's from the range's search where it has them."""
        rows = self._kept_rows(worlds)
        if rows is not None:
            _, _, ua, ru = self._views_today
            return ua.subset(rows), ru.subset(rows)
        return self.side_views(worlds)

    def _negotiate(self, talking: np.ndarray) -> None:
        worlds = np.flatnonzero(talking)
        if len(worlds) == 0:
            return
        available = np.broadcast_to(self.alliance.reassurance_available(), (self.worlds,))[worlds]
        # Where nothing can be put on the table (e.g. only a European force is acceptable to the
        # mediator and the pledges fall short) there are no talks, except a pending first proposal.
        proposable = self._feasible_table.any(axis=1)[self._feasible_row(worlds, available)]
        if self.scenario.talks.initial_proposal is not None:
            proposable |= self.proposals[worlds] == 0
        if not proposable.all():
            worlds, available = worlds[proposable], available[proposable]
            if len(worlds) == 0:
                return
        ua_all, ru_all = self._views_for(worlds)
        chunk = min(self.chunk_size, len(worlds))
        if self._mediator_varies_by_world():
            # The mediator's factor is then an (n, P) array per chunk: keep it to about 20 MB.
            chunk = min(chunk, PER_WORLD_FACTOR_CHUNK)
        for start in range(0, len(worlds), chunk):
            rows = slice(start, start + chunk)
            table = self.table(
                worlds[rows],
                ua_all.subset(rows),
                ru_all.subset(rows),
                force_available=available[rows],
            )
            self.apply_round(self.protocol.round(table))

    def table(
        self,
        worlds: np.ndarray,
        ua: SideView,
        ru: SideView,
        *,
        us_share: np.ndarray | None = None,
        force_available: np.ndarray | None = None,
    ) -> Table:
        """The table of a round in ``worlds``: what a protocol sees today.

        Args:
            worlds: ``(n,)`` the worlds.
            ua: Ukraine's view in ``worlds``.
            ru: Russia's view in ``worlds``.
            us_share: ``(n,)`` :meth:`us_aid_share` in ``worlds`` (what pressure on Ukraine
                threatens); no pressure on either side if not given.
            force_available: ``(n,)`` whether a European reassurance force can be proposed
                (default: yes).
        """
        p = self.params
        initial = self.scenario.talks.initial_proposal
        leverage: dict[str, float | np.ndarray] = {}
        if us_share is not None:
            leverage = {
                "ukraine": _take(p["mediator.leverage_on_ukraine"], worlds) * us_share,
                "russia": _take(p["mediator.leverage_on_russia"], worlds)
                * _take(p["mediator.sanctions_pressure"], worlds),
            }
        feasible_row = self._feasible_row(
            worlds, np.ones(len(worlds), dtype=bool) if force_available is None else force_available
        )
        return Table(
            space=self.space,
            worlds=worlds,
            views={"ukraine": ua, "russia": ru},
            control_km2=self.control_km2[worlds],
            lines_km2=self.deal_lines_km2(worlds),
            uniforms={
                "accept_ukraine": self.noise[ACCEPT_UA, worlds],
                "accept_russia": self.noise[ACCEPT_RU, worlds],
                "perceive_ukraine": self.perceive_draws["ukraine"][worlds],
                "perceive_russia": self.perceive_draws["russia"][worlds],
            },
            logit_scale=_take(p["talks.logit_scale"], worlds),
            feasible=self._feasible_table,
            feasible_row=feasible_row,
            rounds_held=self.proposals[worlds],
            leverage=leverage,
            perception_sd=_col(p["mediator.perception_sd"], worlds),
            mediator_factor=lambda: self._mediator_factor(worlds),
            initial=(
                None
                if initial is None
                else InitialOffer(self._initial_row, tuple(initial.accepted_by))
            ),
            explain=worlds < self.narrative.worlds,
            layout=self._search_layout,
        )

    def apply_round(self, record: Round) -> None:
        """Count the round, log it, start a ceasefire where both sides said yes, and execute.

        Where one side refused, the threat against the side in the way may be carried out
        (:meth:`execute_threats`).
        """
        self.proposals[record.worlds] += 1
        self.narrative.talks(record)
        deal = record.agreed
        self._start_ceasefire(record.worlds[deal], record.package[deal])
        self.execute_threats(record)

    def execute_threats(self, record: Round) -> None:
        """Carry out the mediator's standing threat against the side that refused.

        Where a round ends without a deal, the side in the way is the one that refused (the one
        with the smaller surplus if both did). If its threat stands and its full weight would
        make up the side's shortfall, a mediator that carries out its threats does so: in a
        share ``mediator.threat_credibility`` of the worlds (a per-world type drawn once with
        the sides' resolve, so that meeting more often gives no more chances): an aid cut for
        Ukraine, sanctions for Russia (:meth:`Mediator.execute`). Each costs it
        ``mediator.threat_cost_days`` of its patience, so it carries one out only while that
        much patience is left (its fruitless days plus the cost at most ``patience_days``).
        """
        refused_ua = ~record.accepted["ukraine"]
        refused_ru = ~record.accepted["russia"]
        in_way_ua = refused_ua & (
            ~refused_ru | (record.surplus["ukraine"] <= record.surplus["russia"])
        )
        in_way_ru = refused_ru & ~in_way_ua
        w = record.worlds
        p = self.params
        carried = self.threat_draws[w] < _take(p["mediator.threat_credibility"], w)
        # The threat's full weight (what it takes off fighting on if carried out for certain):
        # the mediator spends it only where it can make up the side's shortfall (Beardsley 2011:
        # leverage is costly, so it is used where it can be decisive).
        full_ua = _take(p["mediator.leverage_on_ukraine"], w) * self.us_aid_share(True)[w]
        full_ru = _take(p["mediator.leverage_on_russia"], w) * _take(
            p["mediator.sanctions_pressure"], w
        )
        decisive_ua = (full_ua > 0) & (record.surplus["ukraine"] + full_ua >= 0)
        decisive_ru = (full_ru > 0) & (record.surplus["russia"] + full_ru >= 0)
        # Once between ceasefires: a cut that did not bring a deal is spent (rounds held more
        # often give no more cuts).
        # A threat costs the mediator `threat_cost_days` of its patience: it carries one out
        # only while it has that much patience left, not to walk away on it.
        affordable = self.mediator.fruitless_days[w] + _take(
            p["mediator.threat_cost_days"], w
        ) <= _take(p["mediator.patience_days"], w)
        ukraine = in_way_ua & carried & decisive_ua & affordable & ~self.mediator.aid_cut_spent[w]
        russia = in_way_ru & carried & decisive_ru & affordable & ~self.mediator.sanctioned[w]
        # An aid cut has served its purpose once Ukraine says yes (as the pause of 3-11 March
        # 2025 ended when Ukraine accepted the truce proposal).
        accepted_ua = w[record.accepted["ukraine"]]
        self.mediator.aid_cut_until[accepted_ua] = np.minimum(
            self.mediator.aid_cut_until[accepted_ua], self.day
        )
        if ukraine.any() or russia.any():
            self.mediator.share_before_cut[w[ukraine]] = self.us_aid_share()[w[ukraine]]
            self.mediator.execute(
                _scatter(w, ukraine, self.worlds), _scatter(w, russia, self.worlds)
            )

    @cached_property
    def _feasible_table(self) -> np.ndarray:
        """``(4, P)`` :attr:`_feasible_rows` stacked (row ``2 * no US guarantee + no force``)."""
        return np.stack(self._feasible_rows)

    def _feasible_row(self, worlds: np.ndarray, force_available: np.ndarray) -> np.ndarray:
        """``(n,)`` the row of :attr:`_feasible_table` that applies in ``worlds``."""
        no_us = ~self.us_backs_guarantee(worlds)
        return 2 * no_us.astype(np.int64) + (~np.asarray(force_available)).astype(np.int64)

    @cached_property
    def _initial_row(self) -> int:
        """Package row of the scenario's initial proposal (-1 if none)."""
        initial = self.scenario.talks.initial_proposal
        return self.space.index_of(initial.package.as_dict()) if initial is not None else -1

    def _start_ceasefire(self, worlds: np.ndarray, rows: np.ndarray) -> None:
        if len(worlds) == 0:
            return
        truce_option = self.space.issue_choice("truce")[rows]
        length = self._truce_length_days[truce_option]
        lines = self.deal_lines_km2(worlds)
        territory_option = self.space.issue_choice("territory")[rows]
        self.control_km2[worlds] = lines[np.arange(len(worlds)), territory_option]
        self.in_ceasefire[worlds] = True
        self.calm[worlds] = True
        self.ever_ceasefire[worlds] = True
        self.package[worlds] = rows
        self.last_package[worlds] = rows
        self.ceasefire_start_day[worlds] = self.day
        self.tension[worlds] = 0.0
        # A ceasefire ends an aid cut or sanctions carried out to bring it about.
        self.mediator.aid_cut_until[worlds] = np.minimum(
            self.mediator.aid_cut_until[worlds], self.day
        )
        self.mediator.sanctioned[worlds] = False
        self.mediator.aid_cut_spent[worlds] = False
        # A deal made under the mediator's standing threats is more fragile (Werner & Yuen 2005).
        threats = np.broadcast_to(
            np.asarray(self.ukraine.threat) + np.asarray(self.russia.threat), (self.worlds,)
        )[worlds]
        self.deal_pressure[worlds] = np.exp(
            _take(self.params["truce.pressure_hazard_beta"], worlds) * threats
        )
        self.deal_recidivism[worlds] = self.recidivism(worlds)
        available = np.broadcast_to(self.alliance.reassurance_available(), (self.worlds,))
        on_table = self._feasible_table[self._feasible_row(worlds, available[worlds])]
        guaranteed = on_table & ~self.space.has("guarantees.none")[None, :]
        self.deal_log.append((self.day, worlds.copy(), rows.copy(), guaranteed.any(axis=1)))
        self.truce_end_day[worlds] = self.day + length
        first = np.isnan(self.first_ceasefire_day[worlds])
        self.first_package[worlds[first]] = rows[first]
        self.first_ceasefire_day[worlds] = np.where(
            first, self.day, self.first_ceasefire_day[worlds]
        )
        self.ceasefires[worlds] += 1
        self.narrative.ceasefire(worlds, rows)

    # ---------------------------------------------------------------- ceasefire
    def _package_has(self, key: str) -> np.ndarray:
        if key not in self.space.outcome.option_index:
            return np.zeros(self.worlds, dtype=bool)
        column = self.space.has(key)
        return (self.package >= 0) & column[np.maximum(self.package, 0)]

    def _keep_or_end_ceasefires(self, holding: np.ndarray) -> None:
        """Violations, lapse, breakdown and expiry of the ceasefires in force since yesterday.

        An agreement breaks down at the breakdown hazard; its low violence ends (the agreement
        breaks down or lapses) at the same hazard without the truce type's ratio, the hazard of
        a bare recommitment. A fixed-term truce's low violence is the truce itself, but an
        open-ended agreement stays in force after a lapse, violated at
        ``truce.lapsed_violations_per_day`` with the line held, until it breaks down at its
        hazard (which the sides' regret raises): a lapse alone does not end it.
        """
        # One draw per world every day, whatever the state (common random numbers).
        calm_draw = self.keyed(self._calm_rng.random(self.key_count))
        self.ceasefire_days += holding
        self.dissatisfaction = np.zeros(self.worlds)
        h = np.flatnonzero(holding)
        if len(h) == 0:
            return
        # Only the worlds in a ceasefire are evaluated; the others keep zeros.
        p = self.params
        rows = np.maximum(self.package[h], 0)
        ua, ru = self.side_views(h)
        control, lines = self.control_km2[h], self.deal_lines_km2(h)
        s_ua = preferences.surplus_at(ua, self.space, control, lines, rows)
        s_ru = preferences.surplus_at(ru, self.space, control, lines, rows)
        dissatisfaction = np.maximum(np.maximum(-s_ua, -s_ru), 0.0)
        self.dissatisfaction[h] = dissatisfaction
        count = np.zeros(self.worlds)
        calm = self.calm[h]
        # The expected rate of the state: a fresh truce's, or a lapsed agreement's.
        rate = np.where(
            calm,
            _take(p["truce.violations_per_day"], h),
            _take(p["truce.lapsed_violations_per_day"], h),
        )
        count[h] = truce.violations(rate * (1.0 + dissatisfaction), self.noise[VIOLATIONS, h])
        self.violations_total[h] += count[h]
        self.tension[h] = truce.escalation(self.tension[h], count[h], rate, TENSION_DECAY)
        escalation = np.exp(
            _take(p["truce.violation_escalation"], h) * np.maximum(self.tension[h], 0.0)
        )
        hazard = truce.breakdown_hazard(
            _take(p["truce.base_hazard_per_day"], h),
            self._hazard_ratio(rows, h)
            * self.deal_pressure[h]
            * self.deal_recidivism[h]
            * escalation,
            dissatisfaction,
            _take(p["truce.dissatisfaction_beta"], h),
            self.day - self.ceasefire_start_day[h],
            _take(p["truce.hazard_shape"], h),
        )
        broke = np.zeros(self.worlds, dtype=bool)
        broke[h] = truce.breaks_down(hazard, self.noise[BREAKDOWN, h])
        self._lapse(h, rows, hazard, calm_draw, broke)
        expiring = np.zeros(self.worlds, dtype=bool)
        expiring[h] = ~broke[h] & (self.day >= self.truce_end_day[h])
        by_hazard = broke.copy()
        if expiring.any():
            due = expiring[h]
            table = self.table(h[due], ua.subset(due), ru.subset(due))
            broke |= self.apply_renewal(self.renewal.renew(table, rows[due]))
        self.narrative.breakdown(np.flatnonzero(broke & ~expiring), count)
        self._end_ceasefire(broke, by_hazard)

    def _lapse(
        self,
        h: np.ndarray,
        rows: np.ndarray,
        hazard: np.ndarray,
        uniform: np.ndarray,
        broke: np.ndarray,
    ) -> None:
        """End the low violence of open-ended agreements in ``h`` (worlds in a ceasefire).

        With the agreement's breakdown, low violence ends at the hazard without the truce
        type's ratio ``r``: the lapse's hazard is the rest, ``hazard * (1 / r - 1)``.

        Args:
            h: ``(n,)`` the worlds in a ceasefire since yesterday.
            rows: ``(n,)`` their packages.
            hazard: ``(n,)`` today's breakdown hazard of their agreements.
            uniform: ``(N,)`` today's draws of the calm stream.
            broke: ``(N,)`` the worlds whose ceasefire breaks down today (they do not lapse).
        """
        open_ended = self.calm[h] & np.isinf(self.truce_end_day[h]) & ~broke[h]
        if not open_ended.any():
            return
        by_option = dict(self._option_hazard_ratios()).get("truce")
        if by_option is None:
            by_option = [1.0 for _ in self.space.outcome.issue("truce").options]
        truce_ratio = _pick(by_option, self.space.issue_choice("truce")[rows], h)
        # Low violence ends at the hazard without the truce type's ratio; the agreement's own
        # breakdown is part of it, so the lapse adds the rest: hazard * (1 / ratio - 1).
        lapse_hazard = hazard * np.maximum(1.0 / truce_ratio - 1.0, 0.0)
        ends = open_ended & truce.breaks_down(lapse_hazard, uniform[h])
        if not ends.any():
            return
        lapsed = h[ends]
        self.calm[lapsed] = False
        self.lapses[lapsed] += 1
        first = lapsed[np.isnan(self.first_calm_end_day[lapsed])]
        self.first_calm_end_day[first] = self.day

    def apply_renewal(self, record: Renewal) -> np.ndarray:
        """Apply the answers at truces' expiry; returns ``(N,)`` the worlds where fighting resumes."""
        worlds, convert, extend = record.worlds, record.converted, record.extended
        converted = worlds[convert]
        self.package[converted] = record.new_package[convert]
        self.last_package[converted] = record.new_package[convert]
        self.truce_end_day[converted] = np.inf
        truce_option = self.space.issue_choice("truce")[record.package[extend]]
        self.truce_end_day[worlds[extend]] = self.day + self._truce_length_days[truce_option]
        ended = np.zeros(self.worlds, dtype=bool)
        ended[worlds[record.ended]] = True
        self.narrative.expiry(
            worlds, _scatter(worlds, convert, self.worlds), _scatter(worlds, extend, self.worlds)
        )
        return ended

    @cached_property
    def _truce_length_days(self) -> np.ndarray:
        """Length of each truce option in days (``inf`` for an indefinite ceasefire)."""
        return self.space.outcome.truce_days()

    def _hazard_ratio(self, rows: np.ndarray, worlds: np.ndarray | None = None) -> np.ndarray:
        """Per world, the product of the hazard ratios of its package's options and monitoring."""
        p = self.params
        ratio = None
        for issue, by_option in self._option_hazard_ratios():
            factor = _pick(by_option, self.space.issue_choice(issue)[rows], worlds)
            ratio = factor if ratio is None else ratio * factor
        monitoring = _take(
            p["truce.monitoring_hazard_ratio"], slice(None) if worlds is None else worlds
        )
        return (np.ones(len(rows)) if ratio is None else ratio) * monitoring

    def _option_hazard_ratios(self) -> list[tuple[str, np.ndarray | list[float | np.ndarray]]]:
        """Per issue with a hazard ratio, each option's (1 if none), kept per parameter version.

        Guarantees and truce first (the order of the products, so the bits, of earlier
        versions). An issue whose ratios are all floats gives them as a ``(K,)`` array (what
        :func:`_pick` makes of them).
        """
        kept = getattr(self, "_option_ratios_kept", None)
        if kept is not None and kept[0] == self.params.version:
            return kept[1]
        p = self.params
        issues = ["guarantees", "truce"] + [
            i for i in self.space.outcome.names if i not in ("guarantees", "truce")
        ]
        out: list[tuple[str, np.ndarray | list[float | np.ndarray]]] = []
        for issue in issues:
            options = self.space.outcome.issue(issue).options
            if all(o.hazard_ratio is None for o in options):
                continue
            by_option = [1.0 if o.hazard_ratio is None else p[o.hazard_ratio] for o in options]
            if all(np.ndim(v) == 0 for v in by_option):
                out.append((issue, np.asarray(by_option, dtype=float)))
            else:
                out.append((issue, by_option))
        self._option_ratios_kept = (self.params.version, out)
        return out

    def ceasefire_hazard(
        self, rows: np.ndarray, dissatisfaction: np.ndarray, worlds: np.ndarray
    ) -> np.ndarray:
        """``(n,)`` the breakdown hazard of the first day of a ceasefire on packages ``rows``.

        The hazard the model applies on day 1 of a ceasefire in force (:func:`truce.breakdown_hazard`
        of the package's hazard ratios, monitoring and the world's earlier breakdowns; the pressure
        under which a deal is made is left out). Under the Weibull baseline it is the scale ``c``
        of the cumulative hazard ``c t**k`` (``k``: ``truce.hazard_shape``), for readers outside
        the model such as the classroom's expected durability.

        Args:
            rows: ``(n,)`` package rows.
            dissatisfaction: ``(n,)`` the unhappier side's shortfall of the deal (utility, >= 0).
            worlds: ``(n,)`` the worlds whose parameters apply.
        """
        p = self.params
        return truce.breakdown_hazard(
            _take(p["truce.base_hazard_per_day"], worlds),
            self._hazard_ratio(rows, worlds) * self.deal_recidivism[worlds],
            dissatisfaction,
            _take(p["truce.dissatisfaction_beta"], worlds),
        )

    def _end_ceasefire(self, ended: np.ndarray, by_hazard: np.ndarray | None = None) -> None:
        if not ended.any():
            return
        first = ended & np.isnan(self.first_ceasefire_end_day)
        self.first_ceasefire_end_day = np.where(first, self.day, self.first_ceasefire_end_day)
        self.first_breakdown_day = np.where(
            ended & np.isnan(self.first_breakdown_day), self.day, self.first_breakdown_day
        )
        self.breakdowns += ended
        self.first_calm_end_day = np.where(
            ended & self.calm & np.isnan(self.first_calm_end_day),
            self.day,
            self.first_calm_end_day,
        )
        self.calm &= ~ended
        worlds = np.flatnonzero(ended)
        broke = np.ones(len(worlds), dtype=bool) if by_hazard is None else by_hazard[worlds]
        self.end_log.append((self.day, worlds, broke))
        self.last_ceasefire_end_day = np.where(ended, self.day, self.last_ceasefire_end_day)
        self.in_ceasefire &= ~ended
        self.package = np.where(ended, -1, self.package)
        self.truce_end_day = np.where(ended, np.inf, self.truce_end_day)

    def deals(self) -> pd.DataFrame:
        """Every ceasefire agreed in the run, one row each (not only the first or last per world).

        Columns: ``world``, ``start_day``, ``end_day`` (NaN while it holds), ``duration_days``
        (to its end or to the last day simulated), ``ended``, ``broke_down`` (it ended by the
        breakdown hazard, not by expiring unrenewed), ``guarantee_on_table`` (whether a
        package with a security guarantee could be proposed that day) and ``terms_<issue>`` (the
        terms agreed; a truce converted at expiry keeps the row of its agreement).
        """
        import pandas as pd

        columns = [
            "world",
            "start_day",
            "end_day",
            "duration_days",
            "ended",
            "broke_down",
            "guarantee_on_table",
        ]
        by_issue = self.space.outcome.by_issue
        if not self.deal_log:
            return pd.DataFrame(
                {**{c: [] for c in columns}, **{f"terms_{i}": [] for i in by_issue}}
            )
        start_day = np.concatenate([np.full(len(w), d) for d, w, _, _ in self.deal_log])
        world = np.concatenate([w for _, w, _, _ in self.deal_log])
        package = np.concatenate([r for _, _, r, _ in self.deal_log])
        guarantee = np.concatenate([g for _, _, _, g in self.deal_log])
        order = np.lexsort((start_day, world))
        world, start_day, package = world[order], start_day[order], package[order]
        guarantee = guarantee[order]
        end_day = np.full(len(world), np.nan)
        broke_down = np.zeros(len(world), dtype=bool)
        if self.end_log:
            ends_day = np.concatenate([np.full(len(w), d) for d, w, _ in self.end_log])
            ends_world = np.concatenate([w for _, w, _ in self.end_log])
            ends_broke = np.concatenate([b for _, _, b in self.end_log])
            o = np.lexsort((ends_day, ends_world))
            ends_day, ends_world, ends_broke = ends_day[o], ends_world[o], ends_broke[o]
            # A world's k-th end closes its k-th ceasefire.
            rank_deal = np.arange(len(world)) - np.searchsorted(world, world)
            rank_end = np.arange(len(ends_world)) - np.searchsorted(ends_world, ends_world)
            key_deal = world * (self.days + 2) + rank_deal
            key_end = ends_world * (self.days + 2) + rank_end
            at = np.searchsorted(key_deal, key_end)
            end_day[at] = ends_day
            broke_down[at] = ends_broke
        ended = ~np.isnan(end_day)
        frame = pd.DataFrame(
            {
                "world": world,
                "start_day": start_day,
                "end_day": end_day,
                "duration_days": np.where(ended, end_day, self.day) - start_day,
                "ended": ended,
                "broke_down": broke_down,
                "guarantee_on_table": guarantee,
            }
        )
        for c, issue in enumerate(by_issue):
            frame[f"terms_{issue}"] = np.asarray(by_issue[issue], dtype=object)[
                self.space.choices[package, c]
            ].astype(str)
        return frame

    # ------------------------------------------------------------------ status
    def status(self) -> np.ndarray:
        """Status code per world: 0 war, 1 ceasefire (fixed-term), 2 collapsed, 3 settled."""
        endless = self._endless_packages
        settled = self.in_ceasefire & (self.package >= 0) & endless[np.maximum(self.package, 0)]
        code = np.where(self.in_ceasefire, 1, np.where(self.ever_ceasefire, 2, 0))
        return np.where(settled, 3, code)

    @cached_property
    def _endless_packages(self) -> np.ndarray:
        """``(P,)`` packages whose truce has no end (an indefinite ceasefire)."""
        return np.isinf(self._truce_length_days)[self.space.issue_choice("truce")]

    def allies_at_2pct(self) -> np.ndarray:
        """Allies (of 32, the US included) at or above 2% of GDP, per world."""
        return self.alliance.count_at_2pct(self.params["mediator.defence_share_pct"])

    def run(self) -> None:
        """Step to the horizon."""
        while self.running and self.day < self.days:
            self.step()


class DailyCollector(mesa.DataCollector):
    """A ``mesa.DataCollector`` of model reporters that read attributes or call functions.

    ``collect`` stores what ``mesa.DataCollector.collect`` stores: each reporter's value, a
    ``deepcopy`` of it unless it is a plain number (whose copy is itself), without the copy's
    cost per value and day. Agent reporters, tables and other reporters are collected by mesa.
    """

    def collect(self, model: mesa.Model) -> None:
        """Collect the model reporters' values for the model's current day."""
        plain = all(isinstance(r, str | types.FunctionType) for r in self.model_reporters.values())
        if not plain or not self._validated or self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        for var, reporter in self.model_reporters.items():
            value = getattr(model, reporter, None) if isinstance(reporter, str) else reporter(model)
            self.model_vars[var].append(value if type(value) in _PLAIN else copy.deepcopy(value))


#: Types whose ``deepcopy`` is the value itself.
_PLAIN = (int, float, bool, str, type(None))


def _check_keys(world_keys: np.ndarray | None, worlds: int) -> np.ndarray | None:
    if world_keys is None:
        return None
    keys = np.asarray(world_keys)
    if keys.shape != (worlds,) or not np.issubdtype(keys.dtype, np.integer) or keys.min() < 0:
        raise ScenarioError(f"world_keys must be {worlds} non-negative integers, one per world")
    return keys.astype(np.int64)


def _take(value: float | np.ndarray, rows: np.ndarray | slice) -> float | np.ndarray:
    """A per-world parameter restricted to some worlds (scalars pass through)."""
    if isinstance(value, float):
        return value
    if type(value) is np.ndarray:
        return value[rows] if value.ndim > 0 else value
    return value[rows] if np.ndim(value) > 0 else value


def _col(value: float | np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A per-world parameter restricted to some worlds, always as an ``(n,)`` array."""
    return np.broadcast_to(_take(value, rows), (len(rows),))


def _pick(
    values: list[float | np.ndarray], option: np.ndarray, worlds: np.ndarray | None
) -> np.ndarray:
    """Per world, the value of the option it takes (``values``: a float or ``(N,)`` per option).

    ``values`` may also be the ``(K,)`` array of options' floats.
    """
    if type(values) is np.ndarray:
        return values[option]
    if all(np.ndim(v) == 0 for v in values):
        return np.asarray(values, dtype=float)[option]
    n = len(option)
    rows = worlds if worlds is not None else slice(None)
    columns = [np.broadcast_to(np.asarray(_take(v, rows), dtype=float), (n,)) for v in values]
    return np.stack(columns, axis=1)[np.arange(n), option]


def _scatter(worlds: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """``(size,)`` boolean array, ``mask`` at ``worlds`` and False elsewhere."""
    full = np.zeros(size, dtype=bool)
    full[worlds] = mask
    return full


STATUS_NAMES = ("war", "ceasefire", "collapsed", "settled")
__all__ = ["N_DRAWS", "STATUS_NAMES", "CeasefireModel"]
