"""The outcome space: issues, options, packages, and additive utilities over them.

A package takes one option per issue. An actor's utility of a package is linear additive over the
issues (salience weight x option value, as in NegMAS's linear additive utility), plus the
territorial line the package implies (km², valued per 10,000 km²) and minus the penalty of any red
line it crosses. The outcome space, the preferences and the protocol (``talks.py``) are separate:
a new protocol needs no new utility model.

Packages are encoded as a 0/1 matrix ``X`` of shape ``(P, K)`` over all ``K`` options, so the
utilities of all packages in all worlds are one matrix product ``U = u @ X.T`` of per-world option
utilities ``u`` ``(N, K)``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

FloatArray = np.ndarray

#: The issues on the table and their options, in a fixed order (the order of ``X``'s columns).
ISSUES: dict[str, tuple[str, ...]] = {
    "truce": ("days_30", "days_90", "indefinite"),
    "territory": ("freeze", "recognition", "ukraine_withdraws", "russia_withdraws"),
    "nato": ("path_open", "moratorium", "neutrality"),
    "guarantees": ("none", "european_force", "us_backed"),
    "sanctions": ("maintained", "phased_relief", "lifted"),
    "aid_during_truce": ("continues", "frozen"),
}

#: Human labels for the narrative and the figures.
OPTION_LABELS: dict[str, str] = {
    "truce.days_30": "30-day truce",
    "truce.days_90": "90-day truce",
    "truce.indefinite": "indefinite ceasefire",
    "territory.freeze": "freeze at the line of contact",
    "territory.recognition": "Russian control recognised de jure",
    "territory.ukraine_withdraws": "Ukrainian withdrawal from the four oblasts",
    "territory.russia_withdraws": "Russian withdrawal to the 24 Feb 2022 line",
    "nato.path_open": "NATO membership path open",
    "nato.moratorium": "NATO moratorium",
    "nato.neutrality": "permanent NATO exclusion",
    "guarantees.none": "no security guarantees",
    "guarantees.european_force": "European reassurance force",
    "guarantees.us_backed": "US-backed guarantee",
    "sanctions.maintained": "sanctions maintained",
    "sanctions.phased_relief": "phased sanctions relief",
    "sanctions.lifted": "sanctions lifted",
    "aid_during_truce.continues": "aid continues during the truce",
    "aid_during_truce.frozen": "aid frozen during the truce",
}

#: What continuing the war means on each issue that has a status quo (no term for truce;
#: territory is counted in km²).
WAR_STATUS_QUO: dict[str, str] = {
    "nato": "path_open",
    "guarantees": "none",
    "sanctions": "maintained",
    "aid_during_truce": "continues",
}

#: Fixed-term truce lengths in days (``None``: indefinite).
TRUCE_DAYS: dict[str, int | None] = {"days_30": 30, "days_90": 90, "indefinite": None}

OPTION_KEYS: tuple[str, ...] = tuple(f"{i}.{o}" for i, opts in ISSUES.items() for o in opts)
OPTION_INDEX: dict[str, int] = {k: j for j, k in enumerate(OPTION_KEYS)}


def option_key(issue: str, option: str) -> str:
    """The dotted key ``issue.option`` of an option."""
    return f"{issue}.{option}"


@dataclass(frozen=True)
class PackageSpace:
    """All packages that can be put on the table.

    Attributes:
        options: For each issue, the options on the table (a subset of ``ISSUES``).
    """

    options: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def full(cls) -> PackageSpace:
        """The full space of ``ISSUES``."""
        return cls(tuple((i, o) for i, o in ISSUES.items()))

    @classmethod
    def restricted(cls, on_table: dict[str, list[str]] | None) -> PackageSpace:
        """The space with some issues limited to the given options.

        Args:
            on_table: Issue -> allowed options; issues not named keep all options.
        """
        on_table = on_table or {}
        return cls(tuple((i, tuple(on_table.get(i, o))) for i, o in ISSUES.items()))

    @cached_property
    def choices(self) -> np.ndarray:
        """``(P, n_issues)`` array of option indices within each issue (full ISSUES order)."""
        per_issue = [[ISSUES[i].index(o) for o in opts] for i, opts in self.options]
        return np.array(list(itertools.product(*per_issue)), dtype=np.int16)

    @cached_property
    def matrix(self) -> np.ndarray:
        """``(P, K)`` 0/1 matrix: package ``j`` takes option ``k``."""
        X = np.zeros((len(self.choices), len(OPTION_KEYS)), dtype=np.float64)
        offset = 0
        for col, opts in enumerate(ISSUES.values()):
            X[np.arange(len(self.choices)), offset + self.choices[:, col]] = 1.0
            offset += len(opts)
        return X

    @cached_property
    def package_columns(self) -> np.ndarray:
        """``(P, n_issues)`` column of ``OPTION_KEYS`` that each package takes on each issue."""
        offsets = np.cumsum([0, *[len(o) for o in ISSUES.values()][:-1]])
        return self.choices.astype(np.int64) + offsets[None, :]

    @cached_property
    def option_columns(self) -> tuple[np.ndarray, ...]:
        """Per issue (in ``ISSUES`` order), the ``OPTION_KEYS`` columns of its options on the table."""
        return tuple(
            np.array([OPTION_INDEX[option_key(i, o)] for o in opts], dtype=np.int64)
            for i, opts in self.options
        )

    def issue_options(self, issue: str) -> np.ndarray:
        """Indices (within ``ISSUES[issue]``) of the options of ``issue`` on the table."""
        opts = dict(self.options)[issue]
        return np.array([ISSUES[issue].index(o) for o in opts], dtype=np.int64)

    @property
    def size(self) -> int:
        """Number of packages ``P``."""
        return len(self.choices)

    def issue_choice(self, issue: str) -> np.ndarray:
        """``(P,)`` index of the option each package takes on ``issue``."""
        return self.choices[:, list(ISSUES).index(issue)]

    def index_of(self, package: dict[str, str]) -> int:
        """Row of the package with the given options (issue -> option)."""
        target = np.array([ISSUES[i].index(package[i]) for i in ISSUES], dtype=np.int16)
        hits = np.flatnonzero((self.choices == target).all(axis=1))
        if len(hits) == 0:
            raise KeyError(f"package {package} is not in the package space")
        return int(hits[0])

    def with_option(self, rows: np.ndarray, issue: str, option: str) -> np.ndarray:
        """For each package row, the row that differs only in ``issue`` taking ``option`` (-1 if absent)."""
        target = self.choices[rows].astype(np.int64)
        target[:, list(ISSUES).index(issue)] = ISSUES[issue].index(option)
        lookup = {tuple(c): r for r, c in enumerate(self.choices.tolist())}
        return np.array([lookup.get(tuple(t), -1) for t in target.tolist()], dtype=np.int64)

    def describe(self, row: int) -> dict[str, str]:
        """Issue -> option of package ``row``."""
        return {i: ISSUES[i][self.choices[row, c]] for c, i in enumerate(ISSUES)}


def option_utilities(
    salience: dict[str, float | FloatArray],
    values: dict[str, float | FloatArray],
    red_line_penalty: dict[str, FloatArray],
    n_worlds: int,
) -> FloatArray:
    """Per-world utility of each option, ``(N, K)``: salience x value minus red-line penalties.

    Args:
        salience: Issue -> weight (scalar or ``(N,)``).
        values: ``issue.option`` -> value in [0, 1] (scalar or ``(N,)``); missing options are 0.
        red_line_penalty: ``issue.option`` -> current penalty (>= 0) for crossing a red line.
        n_worlds: ``N``.

    Returns:
        Array ``(N, K)``.
    """
    u = np.zeros((n_worlds, len(OPTION_KEYS)))
    for key, j in OPTION_INDEX.items():
        issue = key.split(".", 1)[0]
        u[:, j] = salience.get(issue, 0.0) * values.get(key, 0.0) - red_line_penalty.get(key, 0.0)
    return u


def war_utility_of_issues(
    salience: dict[str, float | FloatArray], values: dict[str, float | FloatArray]
) -> float | FloatArray:
    """Utility of the non-territorial issues if the war goes on (the status-quo options)."""
    total: float | FloatArray = 0.0
    for issue, option in WAR_STATUS_QUO.items():
        total = total + salience.get(issue, 0.0) * values.get(option_key(issue, option), 0.0)
    return total


def territory_line_km2(
    control_km2: FloatArray,
    four_oblasts_unheld_km2: float | FloatArray,
    line_2022_km2: float | FloatArray,
) -> FloatArray:
    """Russian-held area (km²) after a deal under each territory option, ``(N, 4)``.

    Columns follow ``ISSUES["territory"]``: freeze and recognition keep today's line; Ukrainian
    withdrawal hands over the unheld rest of the four oblasts; Russian withdrawal returns to the
    line of 24 February 2022 (Crimea and parts of Donetsk and Luhansk).
    """
    control_km2 = np.asarray(control_km2, dtype=float)
    withdraw = control_km2 + four_oblasts_unheld_km2
    back = np.minimum(control_km2, line_2022_km2)
    return np.stack([control_km2, control_km2, withdraw, back], axis=-1)


def nash_choice(
    surplus_a: FloatArray,
    surplus_b: FloatArray,
    feasible: FloatArray | None = None,
    bonus: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """The mediator's choice: the Nash bargaining package, or the best fallback.

    Among packages that give both sides a positive surplus, the one maximising the product of
    surpluses (the Nash bargaining solution over a discrete set). Where none does, the package
    maximising the smaller surplus (the closest thing to a deal), flagged as not mutually
    acceptable.

    Args:
        surplus_a: ``(N, P)`` surplus of side A (package minus war).
        surplus_b: ``(N, P)`` surplus of side B.
        feasible: Optional ``(N, P)`` or ``(P,)`` boolean mask of packages that can be proposed.
        bonus: Optional ``(N, P)`` or ``(P,)`` addition to the log Nash product (the mediator's own
            preferences); it never makes an unacceptable package acceptable.

    Returns:
        ``(choice, agreeable)``: ``(N,)`` package rows and whether the choice leaves both sides a
        positive surplus.
    """
    both = surplus_a > 0
    both &= surplus_b > 0
    if feasible is not None:
        both &= feasible
    agreeable = both.any(axis=1)
    choice = np.empty(len(agreeable), dtype=np.intp)
    # Each world needs only one of the two searches: the Nash product where some package is
    # agreeable, the best smaller surplus where none is.
    for rows, best in ((agreeable, _best_nash), (~agreeable, _best_fallback)):
        if rows.all():
            choice[:] = best(surplus_a, surplus_b, both, feasible, bonus)
        elif rows.any():
            idx = np.flatnonzero(rows)
            choice[idx] = best(
                surplus_a[idx], surplus_b[idx], both[idx], _rows(feasible, idx), _rows(bonus, idx)
            )
    return choice, agreeable


def _best_nash(
    surplus_a: FloatArray,
    surplus_b: FloatArray,
    both: FloatArray,
    feasible: FloatArray | None,
    bonus: FloatArray | None,
) -> FloatArray:
    """Per row, the agreeable package with the largest log Nash product plus ``bonus``."""
    score = np.full(surplus_a.shape, -np.inf)
    np.log(surplus_a, out=score, where=both)
    log_b = np.log(surplus_b, out=np.empty_like(score), where=both)
    np.add(score, log_b, out=score, where=both)
    if bonus is not None:
        score += bonus
    return np.argmax(score, axis=1)


def _best_fallback(
    surplus_a: FloatArray,
    surplus_b: FloatArray,
    both: FloatArray,
    feasible: FloatArray | None,
    bonus: FloatArray | None,
) -> FloatArray:
    """Per row, the feasible package with the largest smaller surplus."""
    smaller = np.minimum(surplus_a, surplus_b)
    if feasible is not None:
        np.copyto(smaller, -np.inf, where=~np.asarray(feasible, dtype=bool))
    return np.argmax(smaller, axis=1)


def _rows(matrix: FloatArray | None, idx: np.ndarray) -> FloatArray | None:
    """Rows of a per-world ``(N, P)`` matrix; a shared ``(P,)`` row (or None) passes through."""
    if matrix is None or np.ndim(matrix) < 2 or matrix.shape[0] == 1:
        return matrix
    return matrix[idx]
