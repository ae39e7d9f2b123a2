"""The scenario format of limited truces: the cost channels they pause and the scopes on the table.

Three cost channels run beside the front (``partial_truces.channels``): Russia's long-range strikes
on Ukraine's cities and energy system (``strikes``), Ukraine's drone strikes on Russian refineries
(``refineries``) and Russia's strikes on Ukraine's ports and shipping (``shipping``). Each has an
``intensity`` (1: the campaign of November 2024 to February 2025), what it costs its target per
day and what it is worth to its attacker, both in casualty-equivalents (persons per day, read
against the side's ``cost_tolerance``). Each limited scope (``partial_truces.scopes``) pauses some
of them; :mod:`ceasefire_sim.negotiation.scopes` says which, as data.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from ceasefire_sim.scenario.params import Num, fixed


class Strict(BaseModel):
    """Base of these sections: unknown keys are errors (as in :mod:`~ceasefire_sim.scenario.schema`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelCosts(Strict):
    """What a channel costs its target and is worth to its attacker."""

    intensity: Num(ge=0, le=5) = Field(
        fixed(1.0), description="Scale of the campaign (1: November 2024 to February 2025)."
    )
    target_cost_per_day: Num(ge=0) = Field(
        fixed(100.0), description="Cost to the target at intensity 1, casualty-equivalents/day."
    )
    attacker_value_per_day: Num(ge=0) = Field(
        fixed(100.0),
        description="Worth of the campaign to its attacker at intensity 1, casualty-equivalents/day.",
    )


class StrikesChannel(ChannelCosts):
    """Russia's long-range drones and missiles on Ukraine's cities and energy system."""

    drones_per_day: Num(ge=0) = Field(
        fixed(102.0), description="Attack drones a day, at intensity 1."
    )
    missiles_per_day: Num(ge=0) = Field(fixed(5.7), description="Missiles a day, at intensity 1.")
    daily_cv: Num(ge=0, le=5) = Field(
        fixed(0.7), description="Day-to-day coefficient of variation of the launches (waves)."
    )


class RefineriesChannel(ChannelCosts):
    """Ukraine's long-range drone strikes on Russian oil refineries."""

    hits_per_day: Num(ge=0, le=1) = Field(
        fixed(0.17),
        description="Chance of a damaging hit on a refinery unit per day, at intensity 1.",
    )
    idled_share_per_hit: Num(ge=0, le=0.5) = Field(
        fixed(0.02), description="Share of Russia's refining capacity one hit idles."
    )
    repair_days: Num(ge=1, le=365) = Field(fixed(30.0), description="Mean repair time, days.")


class ShippingChannel(ChannelCosts):
    """Russia's strikes on Ukraine's Black Sea ports and the shipping of its corridor."""

    capacity_mt_per_month: Num(ge=0) = Field(
        fixed(9.0), description="Seaborne exports without strikes, Mt a month."
    )
    disruption_share: Num(ge=0, le=1) = Field(
        fixed(0.2), description="Share of those exports strikes stop at intensity 1."
    )
    daily_cv: Num(ge=0, le=5) = Field(
        fixed(0.5), description="Day-to-day coefficient of variation of the disruption."
    )


class ChannelsConfig(Strict):
    """The three cost channels."""

    strikes: StrikesChannel = Field(default_factory=StrikesChannel)
    refineries: RefineriesChannel = Field(default_factory=RefineriesChannel)
    shipping: ShippingChannel = Field(default_factory=ShippingChannel)


class ScopeConfig(Strict):
    """One limited scope: whether it is on the table, its durability and what it is worth."""

    on_table: Num(ge=0, le=1) = Field(
        fixed(1.0, "every precedent kind can be put on the table"),
        description="1 if the scope can be proposed.",
    )
    hazard_ratio: Num(gt=0, le=10) = Field(
        fixed(1.0, "no verification beyond the truce's terms"),
        description="Hazard ratio of a breakdown (verification, terms).",
    )
    leak_share: Num(ge=0, le=1) = Field(
        fixed(0.1, "truces cut violations by 53-95% at first (OSCE SMM, Donbas 2015-2020)"),
        description="Share of a paused channel that goes on as violations.",
    )
    purpose_value_ukraine: Num() = Field(
        fixed(0.0, "the scope is worth to Ukraine only what it pauses"),
        description="Worth of the scope's own purpose to Ukraine, casualty-eq./day.",
    )
    purpose_value_russia: Num() = Field(
        fixed(0.0, "the scope is worth to Russia only what it pauses"),
        description="Worth of the scope's own purpose to Russia, casualty-eq./day.",
    )
    cover_value: Num(ge=0) = Field(
        fixed(0.0, "no holiday cover for this scope"),
        description="Worth of the truce on a holiday to its declarer (or to each side of an "
        "agreed-only scope), casualty-eq./day.",
    )


class ScopesConfig(Strict):
    """The limited scopes (each kind with a precedent before the start)."""

    energy: ScopeConfig = Field(default_factory=ScopeConfig)
    maritime: ScopeConfig = Field(default_factory=ScopeConfig)
    nuclear: ScopeConfig = Field(default_factory=ScopeConfig)
    humanitarian: ScopeConfig = Field(default_factory=ScopeConfig)
    exchanges: ScopeConfig = Field(default_factory=ScopeConfig)
    holiday: ScopeConfig = Field(default_factory=ScopeConfig)


class PartialTrucesConfig(Strict):
    """Limited truces: the channels, the scopes, linkage and the holidays."""

    enabled: bool = Field(True, description="Whether limited truces can be agreed or declared.")
    linkage: Num(ge=0, le=1) = Field(
        fixed(1.0), description="1 if a limited truce may be offered in exchange for another term."
    )
    linkage_share: Num(ge=0, le=1) = Field(
        fixed(0.1), description="Share of the linked option's worth that the linked relief carries."
    )
    worth_drift_sd: Num(ge=0, le=1) = Field(
        fixed(0.0),
        description=(
            "Daily s.d. of the random walk of each side's worth of an agreed limited truce in "
            "force, as a share of its stake in it (0: the worth stays what it was at the deal)."
        ),
    )
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    scopes: ScopesConfig = Field(default_factory=ScopesConfig)
    holidays: list[dt.date] = Field(
        default_factory=list, description="Days on which a unilateral holiday truce gives cover."
    )
