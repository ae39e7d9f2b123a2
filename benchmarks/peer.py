"""The fair peer: a plain one-world Mesa model of the mechanics, as a Mesa user would write it.

One world, Python floats, one agent per actor (Ukraine, Russia, the United States and the 31
allies), a ``DataCollector`` of the daily figures, run by ``mesa.batch_run``. It implements the
front, the economy and the aid of ``CeasefireModel`` with talks off (``talks.enabled: false``):
the phases of the front and its seasonal tempo, the contest of log combat powers, the Student-t
daily noise, the casualties, recruitment and materiel, US and allied aid through their
pipelines, the allies' spending ramps and the sides' Kalman beliefs. The talks (the mediator's
package search, the sides' answers) and so the ceasefires are not in it yet: the version-2
talks were still changing when it was written, and a plain-Python package search over 648
packages a day would make the peer, and any ratio against it, a measure of that search alone.

The formulas are those of ``ceasefire_sim.model.front``, ``ceasefire_sim.model.beliefs`` and
``ceasefire_sim.model.agents`` written out for one world with ``math`` (calling the model's numpy
functions on Python floats costs about a microsecond a call, which would slow the peer, not the
model). Its parameters come from the model's own ``ParamStore`` for one world (the scenario's
values and per-world draws) and its dated events from the model's ``EventSchedule``; its random
numbers from the model's generator (``self.rng``), drawn as a Mesa user would (a normal for a
phase's intensity, ``standard_t`` for the noise), so they differ from the vectorised model's
inverse-CDF draws in value but not in distribution. ``tests/test_peer.py`` checks that the two
give the same outcome distribution within Monte Carlo error: if the mechanics change, it fails
until this file follows them.
"""

from __future__ import annotations

import datetime as dt
import math
import resource
import statistics
import time
from pathlib import Path
from typing import Any

import mesa
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "white_house_2025-03-13.yaml"
DAYS_PER_YEAR = 365.25

_scenario_cache: dict[str, Any] = {}


def scenario_talks_off() -> Any:
    """The baseline with talks off (loaded once per process)."""
    if "talks_off" not in _scenario_cache:
        from ceasefire_sim import load_scenario

        _scenario_cache["talks_off"] = load_scenario(SCENARIO, ["talks.enabled=false"])
    return _scenario_cache["talks_off"]


class Side(mesa.Agent):
    """Ukraine or Russia: personnel, materiel, casualties and a belief about the front."""

    def __init__(self, model: PeerModel, name: str) -> None:
        super().__init__(model)
        self.name = name
        p = model.param
        prefix = f"belligerents.{name}"
        self.prefix = prefix
        self.personnel = p(f"{prefix}.personnel")
        self.materiel_bn = p(f"{prefix}.materiel_bn")
        self.stock_params = (self.personnel, self.materiel_bn)
        self.casualties = 0.0
        self.casualties_today = 0.0
        self.belief_mean = p(f"{prefix}.belief.prior_mean_km2_per_day")
        self.belief_var = p(f"{prefix}.belief.prior_sd_km2_per_day") ** 2
        self.read_params()
        reference = f"front.reference.{name}"
        self.materiel_loss_rate = (
            p(f"{reference}_materiel_inflow_bn_per_year")
            / DAYS_PER_YEAR
            / p(f"{reference}_materiel_bn")
        )

    def read_params(self) -> None:
        """The side's parameters as attributes (again after an event changed one)."""
        p, prefix = self.model.param, self.prefix
        self.personnel_weight = p("front.personnel_weight")
        self.production_bn_per_day = (
            p(f"{prefix}.gdp_bn")
            * p(f"{prefix}.defence_share_pct")
            / 100.0
            * p(f"{prefix}.procurement_share")
            / DAYS_PER_YEAR
        )
        self.recruitment_per_day = p(f"{prefix}.recruitment_per_day")
        self.permanent_loss_share = p(f"{prefix}.permanent_loss_share")
        self.casualties_per_day = p(f"{prefix}.casualties_per_day")
        self.process_var = p(f"{prefix}.belief.process_sd_km2_per_day") ** 2
        self.obs_var = p(f"{prefix}.belief.observation_sd_km2") ** 2
        # An event that sets or scales the day-0 stocks scales the stocks left in proportion.
        new = (p(f"{prefix}.personnel"), p(f"{prefix}.materiel_bn"))
        old = self.stock_params
        if new != old:
            self.personnel *= new[0] / old[0] if old[0] != 0 else 1.0
            self.materiel_bn *= new[1] / old[1] if old[1] != 0 else 1.0
            self.stock_params = new

    def log_power(self) -> float:
        weight = self.personnel_weight
        return weight * math.log(max(self.personnel, 1.0)) + (1.0 - weight) * math.log(
            max(self.materiel_bn, 1e-3)
        )

    def fight(self, casualties_per_day: float) -> None:
        # At most the personnel in the theatre, as in the model.
        self.casualties_today = min(casualties_per_day, self.personnel)
        self.casualties += self.casualties_today

    def reinforce(self, inflow_bn_per_day: float) -> None:
        self.personnel = max(
            self.personnel
            + self.recruitment_per_day
            - self.casualties_today * self.permanent_loss_share,
            1.0,
        )
        losses = self.materiel_loss_rate * self.materiel_bn
        self.materiel_bn = max(self.materiel_bn + inflow_bn_per_day - losses, 1e-3)

    def learn(self, change_km2: float) -> None:
        var_pred = self.belief_var + self.process_var
        gain = var_pred / (var_pred + self.obs_var)
        self.belief_mean += gain * (change_km2 - self.belief_mean)
        self.belief_var = (1.0 - gain) * var_pred


class UnitedStates(mesa.Agent):
    """US aid to Ukraine through its pipeline."""

    def __init__(self, model: PeerModel) -> None:
        super().__init__(model)
        self.aid_delivered_bn_per_year = model.param("front.reference.us_aid_bn_per_year")
        self.aid_total_bn = 0.0
        self.read_params()

    def read_params(self) -> None:
        """The US parameters as attributes (again after an event changed one)."""
        p = self.model.param
        self.committed_aid_bn_per_year = p("mediator.aid_bn_per_year") * (
            1.0 - p("mediator.aid_paused")
        )
        self.aid_lag_days = p("mediator.aid_lag_days")

    def step(self) -> None:
        committed = self.committed_aid_bn_per_year
        self.aid_delivered_bn_per_year += (
            committed - self.aid_delivered_bn_per_year
        ) / self.aid_lag_days
        self.aid_total_bn += self.aid_delivered_bn_per_year / DAYS_PER_YEAR


class Ally(mesa.Agent):
    """One NATO ally: its defence spending ramps toward its target; extra production and aid."""

    def __init__(self, model: PeerModel, name: str) -> None:
        super().__init__(model)
        self.prefix = f"allies.{name}"
        self.share_pct = model.param(f"{self.prefix}.defence_share_pct")
        self.initial_share_pct = self.share_pct
        self.extra_bn_per_year = 0.0
        self.read_params()

    def read_params(self) -> None:
        """The ally's parameters as attributes (again after an event changed one)."""
        p, prefix = self.model.param, self.prefix
        self.gdp_bn = p(f"{prefix}.gdp_bn")
        self.target_share_pct = p(f"{prefix}.target_share_pct")
        self.ramp_pct_per_day = p(f"{prefix}.ramp_pct_per_year") / DAYS_PER_YEAR
        self.base_aid_bn_per_year = self.gdp_bn * p(f"{prefix}.aid_share_gdp_pct") / 100.0
        self.delay_days = max(p("alliance.production_delay_days"), 1.0)

    def step(self) -> None:
        gap = self.target_share_pct - self.share_pct
        self.share_pct += min(max(gap, 0.0), self.ramp_pct_per_day)
        extra_bn = self.gdp_bn * max(self.share_pct - self.initial_share_pct, 0.0) / 100.0
        self.extra_bn_per_year += (extra_bn - self.extra_bn_per_year) / self.delay_days


class _Log:
    """What ``EventSchedule`` tells the narrative; the peer keeps no narrative."""

    def event(self, event: Any) -> None:
        pass


class PeerModel(mesa.Model):
    """One world of the baseline with talks off, in Python floats.

    Args:
        seed: Seed of the world's parameters and noise.
        days: Horizon in days.
    """

    def __init__(self, seed: int = 0, days: int = 365) -> None:
        super().__init__(seed=seed)
        from ceasefire_sim.model.events import EventSchedule
        from ceasefire_sim.model.store import ParamStore
        from ceasefire_sim.scenario.schema import NATO_ALLIES

        scenario = scenario_talks_off()
        self.days = days
        self.day = 0
        self.start_date = scenario.start_date
        self.date = scenario.start_date
        self.params = ParamStore(scenario, 1, seed)
        self._values: dict[str, float] = {}
        self._version = -1
        self.narrative = _Log()
        self.events_schedule = EventSchedule(
            scenario.events, scenario.start_date, scenario.talks.summits
        )
        p = self.param
        self.ukraine = Side(self, "ukraine")
        self.russia = Side(self, "russia")
        self.united_states = UnitedStates(self)
        self.allies = [Ally(self, name) for name in NATO_ALLIES]
        self.control_km2 = p("territory.control_km2")
        self.initial_control_km2 = self.control_km2
        # The front's gain scale from the reference state, as CeasefireModel._calibrate_front.
        weight = p("front.personnel_weight")
        ref_ru = weight * math.log(max(p("front.reference.russia_personnel"), 1.0)) + (
            1.0 - weight
        ) * math.log(max(p("front.reference.russia_materiel_bn"), 1e-3))
        ref_ua = weight * math.log(max(p("front.reference.ukraine_personnel"), 1.0)) + (
            1.0 - weight
        ) * math.log(max(p("front.reference.ukraine_materiel_bn"), 1e-3))
        p_ref = _expit(p("front.contest_exponent") * (ref_ru - ref_ua))
        margin = p_ref - p("front.defender_advantage")
        self.gain_scale_km2_per_day = (
            p("front.initial_gain_km2_per_month") / (DAYS_PER_YEAR / 12) / margin
        )
        self.ukraine_initial_log_ratio = ref_ru - ref_ua
        self.russia_initial_log_ratio = ref_ua - ref_ru
        self.offensive = False
        self.phase_intensity = 1.0
        self.tempo = 1.0
        self.phase_tempo = 1.0
        self.true_drift_km2_per_day = 0.0
        self.us_aid_baseline_bn_per_year: float | None = None
        self.allied_aid_delivered_bn_per_year = self.allied_aid_committed()
        self.allied_aid_total_bn = 0.0
        self.us_aid_baseline_bn_per_year = p("front.reference.us_aid_bn_per_year")
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "day": "day",
                "control_km2": "control_km2",
                "casualties_ukraine": lambda m: m.ukraine.casualties,
                "casualties_russia": lambda m: m.russia.casualties,
                "belief_ukraine_km2_per_day": lambda m: m.ukraine.belief_mean,
                "belief_russia_km2_per_day": lambda m: m.russia.belief_mean,
                "true_drift_km2_per_day": "true_drift_km2_per_day",
            }
        )
        self.datacollector.collect(self)

    def param(self, path: str) -> float:
        """A parameter's value in this world (re-read after an event changed one)."""
        if self._version != self.params.version:
            self._values = {k: float(np.ravel(self.params[k])[0]) for k in self.params.paths()}
            self._version = self.params.version
        return self._values[path]

    def allied_aid_committed(self) -> float:
        p = self.param
        shortfall = (
            0.0
            if self.us_aid_baseline_bn_per_year is None
            else self.us_aid_baseline_bn_per_year - self.united_states.committed_aid_bn_per_year
        )
        base = extra = 0.0
        for ally in self.allies:
            base += ally.base_aid_bn_per_year
            extra += ally.extra_bn_per_year
        return (
            base
            + p("alliance.extra_spending_aid_share") * extra
            + p("alliance.compensation_share") * max(shortfall, 0.0)
        )

    def advance_phase(self) -> None:
        p = self.param
        offensive_days, consolidation_days = (
            p("front.offensive_days"),
            p("front.consolidation_days"),
        )
        if self.day == 1:
            self.offensive = self.random.random() < p("front.initial_offensive_probability")
            switched = True
        else:
            leave = 1.0 / offensive_days if self.offensive else 1.0 / consolidation_days
            switched = self.random.random() < leave
            self.offensive = self.offensive != switched
        if switched:
            sd = p("front.phase_intensity_sd")
            self.phase_intensity = math.exp(sd * self.rng.standard_normal() - 0.5 * sd * sd)
        share = offensive_days / (offensive_days + consolidation_days)
        ratio = p("front.consolidation_tempo")
        level_offensive = 1.0 / (share + (1.0 - share) * ratio)
        level = level_offensive if self.offensive else ratio * level_offensive
        angle = (
            2.0
            * math.pi
            * (self.date.timetuple().tm_yday - p("front.seasonal_peak_day_of_year"))
            / 365.25
        )
        season = 1.0 + p("front.seasonal_amplitude") * math.cos(angle)
        # Casualties follow the phase and the season; the gains also the phase's intensity.
        self.phase_tempo = level * season
        self.tempo = self.phase_tempo * self.phase_intensity

    def fight(self) -> float:
        p = self.param
        self.advance_phase()
        log_ru, log_ua = self.russia.log_power(), self.ukraine.log_power()
        p_now = _expit(p("front.contest_exponent") * (log_ru - log_ua))
        self.true_drift_km2_per_day = (
            self.tempo * self.gain_scale_km2_per_day * (p_now - p("front.defender_advantage"))
        )
        noise = p("front.noise_scale_km2") * self.rng.standard_t(p("front.noise_df"))
        before = self.control_km2
        self.control_km2 = min(
            max(before + self.true_drift_km2_per_day + noise, 0.0), p("territory.ukraine_area_km2")
        )
        elasticity = p("front.casualty_elasticity")
        share = p("front.casualty_tempo_share")
        tempo_factor = (1.0 - share) + share * self.phase_tempo
        self.russia.fight(
            tempo_factor
            * self.russia.casualties_per_day
            * math.exp(elasticity * ((log_ua - log_ru) - self.russia_initial_log_ratio))
        )
        self.ukraine.fight(
            tempo_factor
            * self.ukraine.casualties_per_day
            * math.exp(elasticity * ((log_ru - log_ua) - self.ukraine_initial_log_ratio))
        )
        return self.control_km2 - before

    def step(self) -> None:
        """One day: events, the allies' spending, aid, fighting, forces, beliefs, records."""
        self.day += 1
        self.date = self.start_date + dt.timedelta(days=self.day)
        if self.events_schedule.apply_due(self):
            for agent in self.agents:
                agent.read_params()
        for ally in self.allies:
            ally.step()
        self.united_states.step()
        committed = self.allied_aid_committed()
        self.allied_aid_delivered_bn_per_year += (
            committed - self.allied_aid_delivered_bn_per_year
        ) / self.param("mediator.aid_lag_days")
        self.allied_aid_total_bn += self.allied_aid_delivered_bn_per_year / DAYS_PER_YEAR
        change_km2 = self.fight()
        aid = self.united_states.aid_delivered_bn_per_year + self.allied_aid_delivered_bn_per_year
        self.ukraine.reinforce(self.ukraine.production_bn_per_day + aid / DAYS_PER_YEAR)
        self.russia.reinforce(self.russia.production_bn_per_day)
        self.ukraine.learn(change_km2)
        self.russia.learn(change_km2)
        self.datacollector.collect(self)
        if self.day >= self.days:
            self.running = False

    def outcomes(self) -> dict[str, float]:
        """The world's outcomes, named as the columns of ``Results.outcomes``."""
        return {
            "control_km2_final": self.control_km2,
            "control_change_km2": self.control_km2 - self.initial_control_km2,
            "casualties_ukraine": self.ukraine.casualties,
            "casualties_russia": self.russia.casualties,
            "us_aid_total_bn": self.united_states.aid_total_bn,
            "allied_aid_total_bn": self.allied_aid_total_bn,
            "belief_ukraine_km2_per_day": self.ukraine.belief_mean,
            "belief_russia_km2_per_day": self.russia.belief_mean,
            "true_drift_km2_per_day": self.true_drift_km2_per_day,
        }


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def run_world(seed: int, days: int = 365) -> PeerModel:
    """One world run to the horizon."""
    model = PeerModel(seed=seed, days=days)
    while model.running:
        model.step()
    return model


def timed_batch_run(runs: int, days: int, processes: int) -> dict[str, float]:
    """``mesa.batch_run`` of ``runs`` peer worlds on ``processes`` processes, timed.

    Also times single worlds in this process (``cpu_s_per_world_year``: CPU seconds per world
    scaled to 365 days, the median of 5 after one warm-up; ``wall_s_per_world_year`` the same
    in wall time).
    """
    from mesa.batchrunner import batch_run

    scenario_talks_off()  # loaded before the clock starts, and before any worker is forked
    run_world(0, days)
    singles, walls = [], []
    for seed in range(5):
        start, cpu_start = time.perf_counter(), time.process_time()
        run_world(seed, days)
        singles.append((time.process_time() - cpu_start) * 365 / days)
        walls.append((time.perf_counter() - start) * 365 / days)
    wall, cpu = time.perf_counter(), _cpu_s()
    rows = batch_run(
        PeerModel,
        parameters={"seed": range(runs), "days": days},
        number_processes=processes,
        iterations=1,
        data_collection_period=-1,
        max_steps=days,
        display_progress=False,
    )
    wall, cpu = time.perf_counter() - wall, _cpu_s() - cpu
    if len(rows) != runs:
        raise RuntimeError(f"batch_run ran {len(rows)} of {runs} peer worlds")
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_s_per_world_year": statistics.median(singles),
        "wall_s_per_world_year": statistics.median(walls),
    }


def _cpu_s() -> float:
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def arithmetic_share(worlds: int = 20, days: int = 365) -> dict[str, float]:
    """Where a peer world's time goes (a deterministic profile of ``worlds`` worlds).

    Returns:
        ``model_arithmetic``: the share of the time in this file's functions and the built-ins
        they call (``math``, ``min``, ``max``, the generator's draws); ``data_collector``:
        Mesa's ``DataCollector.collect``; ``construction``: building the models (parameters,
        events, agents); the rest is Mesa's and Python's own.
    """
    import cProfile
    import pstats

    run_world(0, days)
    profile = cProfile.Profile()
    profile.enable()
    for seed in range(worlds):
        run_world(seed, days)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    # row: (primitive calls, calls, own time, cumulative time, callers)
    total = sum(row[2] for row in stats.values())
    arithmetic = 0.0
    for (file, _, name), row in stats.items():
        ours = file == __file__ and name not in ("__init__", "param", "run_world")
        builtin = file == "~" and any(
            k in name for k in ("math.", "max", "min", "random", "standard")
        )
        if ours or builtin:
            arithmetic += row[2]
    collector = sum(
        row[3]
        for (file, _, name), row in stats.items()
        if "datacollection" in file and name == "collect"
    )
    construction = max(
        (
            row[3]
            for (file, _, name), row in stats.items()
            if file == __file__ and name == "__init__"
        ),
        default=0.0,
    )
    return {
        "model_arithmetic": arithmetic / total,
        "data_collector": collector / total,
        "construction": construction / total,
    }
