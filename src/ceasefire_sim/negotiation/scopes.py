"""Scope as a dimension of the outcome space: the general ceasefire and the limited kinds.

A truce's **scope** says what it stops. The general ceasefire stops everything: the front and
every cost channel. Each limited scope is a kind of arrangement this war had a precedent for
before 13 March 2025 and stops only its own channels (``pauses``); the front keeps moving. The
scopes are data (:data:`SCOPES`), and so are the channels (:data:`CHANNELS`): who bears each
one's cost and who gains from it.

A limited truce carries no settlement: :func:`scoped_outcome` adds a ``scope`` issue to an
outcome space, each limited option ``requires`` the war status quo on every other issue (on
territory, an option that leaves today's line and needs nothing), apart from the terms it may be
linked with (``linkable``), which must themselves be valid without a lasting agreement. The
package space's ``valid`` rows then hold exactly the arrangements that may be put on the table,
with the same machinery as the general packages (:func:`limited_terms`).

The value of a limited truce to a side (:func:`limited_surplus`) is built from the same parts
as the general one: the daily cost it is spared less the daily value it gives up, times the days
the truce is expected to hold within the side's planning horizon under its breakdown hazard
(:func:`expected_days_held`: the general ceasefire's Weibull hazard), plus a linked term valued for the share of the horizon it holds.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ceasefire_sim.model.truce import hold_share
from ceasefire_sim.negotiation.space import Issue, Option, OutcomeSpace, PackageSpace

FloatArray = np.ndarray


@dataclass(frozen=True)
class Channel:
    """A cost channel of the war beside the front.

    Attributes:
        name: Key (``strikes``).
        label: Words for the narrative and the figures.
        target: The side that bears its cost.
        attacker: The side that runs it.
    """

    name: str
    label: str
    target: str
    attacker: str


#: The cost channels, each calibrated to its figures of November 2024 to February 2025.
CHANNELS: tuple[Channel, ...] = (
    Channel("strikes", "long-range strikes on cities and energy", "ukraine", "russia"),
    Channel("refineries", "drone strikes on refineries", "russia", "ukraine"),
    Channel("shipping", "strikes on ports and shipping", "ukraine", "russia"),
)


@dataclass(frozen=True)
class Scope:
    """A scope of truce.

    Attributes:
        name: Key (``energy``).
        label: Words for the narrative and the figures.
        pauses: The channels a truce of this scope stops.
        general: Whether it stops the front too (the general ceasefire only).
        linkable: ``issue.option`` terms it may be offered in exchange for.
        declarer: The side that may declare it unilaterally (None: agreed only).
        precedent: The precedent before the start date.
    """

    name: str
    label: str
    pauses: tuple[str, ...] = ()
    general: bool = False
    linkable: tuple[str, ...] = ()
    declarer: str | None = None
    precedent: str = ""


#: The general ceasefire and each precedent kind of limited arrangement.
SCOPES: tuple[Scope, ...] = (
    Scope(
        "general",
        "general ceasefire",
        pauses=tuple(c.name for c in CHANNELS),
        general=True,
        precedent="Minsk I and II",
    ),
    Scope(
        "energy",
        "halt to strikes on energy infrastructure",
        pauses=("strikes", "refineries"),
        precedent="talks on a mutual halt to energy strikes, Doha, August 2024",
    ),
    Scope(
        "maritime",
        "Black Sea shipping arrangement",
        pauses=("shipping",),
        linkable=("sanctions.phased_relief",),
        precedent="the Black Sea Grain Initiative and the Russia-UN memorandum, July 2022",
    ),
    Scope(
        "nuclear",
        "nuclear-plant safety zone",
        precedent="the IAEA's five Zaporizhzhia principles, 30 May 2023",
    ),
    Scope(
        "humanitarian",
        "humanitarian pause",
        precedent="the Mariupol and Azovstal evacuation corridors, spring 2022",
    ),
    Scope(
        "exchanges",
        "prisoner-exchange arrangement",
        precedent="prisoner exchanges throughout 2022-25",
    ),
    Scope(
        "holiday",
        "holiday truce",
        pauses=("strikes",),
        declarer="russia",
        precedent="the Donbas holiday recommitments and the Orthodox Christmas truce of 2023",
    ),
)

#: The limited scopes, in order.
LIMITED: tuple[Scope, ...] = tuple(s for s in SCOPES if not s.general)
LIMITED_NAMES: tuple[str, ...] = tuple(s.name for s in LIMITED)


def scope(name: str) -> Scope:
    """The scope called ``name``."""
    for s in SCOPES:
        if s.name == name:
            return s
    raise KeyError(f"unknown scope {name!r}; scopes are {', '.join(s.name for s in SCOPES)}")


def channel(name: str) -> Channel:
    """The channel called ``name``."""
    for c in CHANNELS:
        if c.name == name:
            return c
    raise KeyError(f"unknown channel {name!r}")


def pause_matrix() -> np.ndarray:
    """``(S, C)`` booleans: limited scope ``s`` (in :data:`LIMITED` order) pauses channel ``c``."""
    return np.array([[c.name in s.pauses for c in CHANNELS] for s in LIMITED], dtype=bool)


# ------------------------------------------------------------------ the scoped outcome space
def _carries_nothing(outcome: OutcomeSpace, linkable: tuple[str, ...]) -> tuple:
    """``requires`` of a limited scope: the war status quo on every issue but the linked terms."""
    rows = []
    for issue in outcome.issues[1:]:
        if issue.name == "territory":
            allowed = [o.name for o in issue.options if o.line.rule == "keep" and not o.requires]
        else:
            allowed = [issue.war_option] if issue.war_option is not None else list(issue.names)
            for key in linkable:
                i, o = key.split(".", 1)
                if i == issue.name and o in issue.names and o not in allowed:
                    allowed.append(o)
        rows.append((issue.name, tuple(allowed)))
    return tuple(rows)


def scoped_outcome(outcome: OutcomeSpace) -> OutcomeSpace:
    """``outcome`` with a ``scope`` issue: the general ceasefire and each limited kind.

    >>> from ceasefire_sim.negotiation.space import BUILT_IN
    >>> scoped = scoped_outcome(BUILT_IN)
    >>> scoped.by_issue["scope"][:3]
    ('general', 'energy', 'maritime')
    >>> dict(scoped.option("scope.energy").requires)["territory"]
    ('freeze',)
    """
    options = [Option("general", scope("general").label)]
    for s in LIMITED:
        options.append(Option(s.name, s.label, requires=_carries_nothing(outcome, s.linkable)))
    return OutcomeSpace((*outcome.issues, Issue("scope", tuple(options))))


@functools.lru_cache(maxsize=16)
def limited_terms(outcome: OutcomeSpace) -> dict[str, tuple[str | None, ...]]:
    """Limited scope -> the terms it can be linked with (None: unlinked), from the valid packages.

    A term counts if some valid package of the scoped space with that scope takes it instead of
    the war status quo, and the term's own ``requires`` leave it valid with a fixed-term truce
    (a limited arrangement settles nothing): a term that needs a lasting agreement never appears.
    """
    scoped = scoped_outcome(outcome)
    space = PackageSpace.full(scoped)
    valid = space.valid
    names = scoped.names
    status_quo = scoped.war_status_quo
    out: dict[str, tuple[str | None, ...]] = {}
    scope_col = names.index("scope")
    for s in LIMITED:
        rows = valid & (space.choices[:, scope_col] == scoped.by_issue["scope"].index(s.name))
        terms: list[str | None] = [None]
        for c, issue in enumerate(names):
            if issue in ("truce", "territory", "scope"):
                continue
            used = np.unique(space.choices[rows, c])
            for k in used:
                option = scoped.by_issue[issue][int(k)]
                if option != status_quo.get(issue):
                    terms.append(f"{issue}.{option}")
        out[s.name] = tuple(terms)
    return out


# ------------------------------------------------------------------------------- valuation
def expected_days_held(
    hazard_ratio: FloatArray | float,
    base_hazard_per_day: FloatArray | float,
    shape: FloatArray | float,
    term_days: FloatArray | float,
    horizon_days: FloatArray | float,
) -> FloatArray:
    """``(n,)`` days a truce is expected to hold within ``min(term, horizon)``.

    Under the general ceasefire's Weibull hazard (cumulative ``c t**k``, ``c = HR * h0``), with
    ``m = min(term, horizon)``: ``E = int_0^m exp(-c s**k) ds = m * hold_share(HR, h0, k, m)``
    (:func:`~ceasefire_sim.model.truce.hold_share`; ``m`` if ``c = 0``).

    >>> round(float(expected_days_held(0.0, 0.258, 0.374, 30, 180)), 6)
    30.0
    >>> round(float(expected_days_held(1.0, np.log(2), 1.0, np.inf, 180)), 4)  # (1 - 2**-180) / ln 2
    1.4427
    """
    m = np.minimum(np.asarray(term_days, dtype=float), np.asarray(horizon_days, dtype=float))
    return m * hold_share(hazard_ratio, base_hazard_per_day, shape, m)


def limited_surplus(
    spared_per_day: FloatArray,
    days_held: FloatArray,
    horizon_days: FloatArray | float,
    linked_value: FloatArray | float = 0.0,
) -> FloatArray:
    """``(n,)`` a side's surplus from a limited truce (utility).

    ``S = E * g + (E / H) * l``: the daily gain ``g`` (the cost it is spared, less the value of
    the channels it gives up, plus the worth of the truce's own purpose, utility/day) over the
    ``E`` days the truce is expected to hold, and the linked term's worth ``l`` for the share of
    the horizon it holds (settlement terms are valued per day they hold).

    >>> round(float(limited_surplus(np.array([0.001]), np.array([10.0]), 100.0, 0.05)[0]), 12)
    0.015
    """
    days = np.asarray(days_held, dtype=float)
    return days * spared_per_day + days / np.asarray(horizon_days, dtype=float) * linked_value
