"""The mediator's package search, compiled: each side's surplus of every package and the choice.

:func:`ceasefire_sim.negotiation.solutions.nash_choice` states the rule over two ``(N, P)``
matrices of surpluses (:func:`ceasefire_sim.negotiation.preferences.surplus_of_all`). Even in chunks of worlds, a dozen
passes over those matrices through memory took two thirds of a run at 100,000 worlds. Here a
compiled loop over blocks of worlds builds each package's surplus from the option utilities as it
goes (the partial sums of the outer issues are kept while the inner ones vary, in the order of
:func:`~ceasefire_sim.negotiation.preferences.issue_sums`, so each surplus has the same bits as the matrix
entry) and keeps only the best package so far. Nothing of size ``N x P`` is ever allocated.

The Nash product is compared as ``S_a * S_b * exp(bonus)`` rather than as
``log S_a + log S_b + bonus``: the same order in exact arithmetic, without two logarithms per
package. The two roundings can differ in the last bit, so a near-tie between two packages (a
relative difference of about 1e-16 in the product) may go either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from ceasefire_sim.negotiation.space import PackageSpace

FloatArray = np.ndarray


@dataclass(frozen=True)
class SearchLayout:
    """How the package space's loops read the option utilities and territory terms.

    Nothing here is fixed in size: the layout carries as many issues and options as the space has.

    Attributes:
        columns: ``(n_issues, max_options)`` column of each option on the table in the option
            matrices (padded with -1), per issue in outcome order.
        counts: ``(n_issues,)`` options on the table per issue.
        truce_index: ``(max_options,)`` index within the truce options of each truce option on
            the table (the last axis of the territory terms).
        territory_index: The same for territory (the middle axis of the territory terms).
        guarantees_issue: Position of the guarantees issue (the durability's first axis).
        guarantees_index: The same as ``truce_index`` for the guarantees options.
    """

    columns: np.ndarray
    counts: np.ndarray
    truce_index: np.ndarray
    territory_index: np.ndarray
    guarantees_issue: int = 0
    guarantees_index: np.ndarray | None = None

    @classmethod
    def of(cls, space: PackageSpace) -> SearchLayout:
        """The layout of a package space (truce and territory are its first two issues)."""
        widest = max(len(cols) for cols in space.option_columns)
        n_issues = len(space.option_columns)
        columns = np.full((n_issues, widest), -1, dtype=np.int64)
        counts = np.zeros(n_issues, dtype=np.int64)
        for c, cols in enumerate(space.option_columns):
            counts[c] = len(cols)
            columns[c, : len(cols)] = cols
        pad = np.full(widest, -1, dtype=np.int64)
        truce, territory = pad.copy(), pad.copy()
        truce[: counts[0]] = space.issue_options("truce")
        territory[: counts[1]] = space.issue_options("territory")
        guarantees = np.zeros(widest, dtype=np.int64)
        g = 0
        if "guarantees" in space.outcome.names:
            g = space.outcome.names.index("guarantees")
            guarantees[: counts[g]] = space.issue_options("guarantees")
        return cls(columns, counts, truce, territory, g, guarantees)


def choose(
    layout: SearchLayout,
    utility_a: FloatArray,
    war_a: FloatArray,
    terms_a: FloatArray,
    shift_a: FloatArray,
    utility_b: FloatArray,
    war_b: FloatArray,
    terms_b: FloatArray,
    shift_b: FloatArray,
    feasible: FloatArray,
    feasible_row: FloatArray,
    exp_bonus: FloatArray,
    hold_a: FloatArray | None = None,
    hold_b: FloatArray | None = None,
    breakdown_a: FloatArray | float = 0.0,
    breakdown_b: FloatArray | float = 0.0,
    rows: np.ndarray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """The mediator's choice in each world, as :func:`~ceasefire_sim.negotiation.solutions.nash_choice`.

    Side ``s``'s surplus of package ``j`` is
    ``(issue_sum_s(j) - war_s + terms_s[territory(j), truce(j)] + c_s) * h_s - c_s + shift_s``
    with ``h_s = hold_s[guarantees(j), truce(j)]`` and ``c_s`` what a breakdown costs it.

    Args:
        layout: The package space's :class:`SearchLayout`.
        utility_a: ``(n, K)`` side A's option utilities.
        war_a: ``(n,)`` side A's utility of the non-territorial issues at war.
        terms_a: ``(n, R, T)`` side A's territory terms
            (:func:`~ceasefire_sim.negotiation.preferences.territory_terms`).
        shift_a: ``(n,)`` added to every package's surplus (the mediator's perception error).
        utility_b: As ``utility_a``, for side B.
        war_b: As ``war_a``, for side B.
        terms_b: As ``terms_a``, for side B.
        shift_b: As ``shift_a``, for side B.
        feasible: ``(V, P)`` boolean rows of packages that can be proposed.
        feasible_row: ``(n,)`` which row of ``feasible`` applies in each world.
        exp_bonus: ``(1, P)`` or ``(n, P)`` factor on the Nash product (``exp`` of the mediator's
            bonus in log-Nash units; positive).
        hold_a: ``(n, G, T)`` the share of the horizon each (guarantees, truce) pair of options
            holds for side A (:attr:`~ceasefire_sim.negotiation.preferences.SideView.durability`;
            None: 1).
        hold_b: As ``hold_a``, for side B.
        breakdown_a: ``(n,)`` what a breakdown costs side A (utility; float or ``(n,)``).
        breakdown_b: As ``breakdown_a``, for side B.
        rows: ``(n,)`` the row of the per-world inputs (utilities, war values, terms, shifts,
            holds, breakdown costs: ``m`` rows each) each world reads (None: world ``i`` reads
            row ``i``, ``m = n``), so that a subset of worlds is searched without copying their
            rows. ``feasible_row``, a per-world ``exp_bonus`` and the results have one row per
            world.

    Returns:
        ``(choice, agreeable)``: the package row per world, and whether it leaves both sides a
        positive surplus.
    """
    m = len(utility_a)
    n = m if rows is None else len(rows)
    rows = np.arange(n) if rows is None else np.ascontiguousarray(rows, dtype=np.int64)
    choice = np.empty(n, dtype=np.int64)
    agreeable = np.empty(n, dtype=np.bool_)
    n_g = int(layout.guarantees_index.max()) + 1 if layout.guarantees_index is not None else 1
    ones = np.ones((1, max(n_g, 1), terms_a.shape[2]))
    if hold_a is not None and hold_b is None:
        hold_b = np.ones_like(hold_a)
    if hold_b is not None and hold_a is None:
        hold_a = np.ones_like(hold_b)
    _choose(
        layout.columns,
        layout.counts,
        layout.truce_index,
        layout.territory_index,
        _f64(utility_a, m),
        _vec(war_a, m),
        _f64(terms_a, m),
        _vec(shift_a, m),
        _f64(utility_b, m),
        _vec(war_b, m),
        _f64(terms_b, m),
        _vec(shift_b, m),
        np.ascontiguousarray(feasible, dtype=np.bool_),
        np.ascontiguousarray(feasible_row, dtype=np.int64),
        np.ascontiguousarray(exp_bonus, dtype=np.float64),
        layout.guarantees_issue,
        layout.guarantees_index if layout.guarantees_index is not None else layout.truce_index * 0,
        ones if hold_a is None else _f64(hold_a, m),
        ones if hold_b is None else _f64(hold_b, m),
        _vec(breakdown_a, m),
        _vec(breakdown_b, m),
        rows,
        choice,
        agreeable,
    )
    return choice, agreeable


def _f64(x: FloatArray, n: int) -> FloatArray:
    x = np.ascontiguousarray(x, dtype=np.float64)
    if len(x) != n:
        raise ValueError(f"expected {n} rows, got {len(x)}")
    return x


def _vec(x: FloatArray | float, n: int) -> FloatArray:
    return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)))


#: Worlds searched together: their partial sums and best packages so far stay in the L1 cache
#: while the inner loop runs over them (in SIMD lanes) for one package at a time.
_BLOCK = 128


@numba.njit(cache=True, nogil=True)
def _choose(
    columns,
    counts,
    truce_index,
    territory_index,
    ua,
    war_a,
    terms_a,
    shift_a,
    ub,
    war_b,
    terms_b,
    shift_b,
    feasible,
    feasible_row,
    exp_bonus,
    guarantees_issue,
    guarantees_index,
    hold_a,
    hold_b,
    breakdown_a,
    breakdown_b,
    rows,
    choice,
    agreeable,
):  # pragma: no cover - compiled; tested through choose()
    n_options = ua.shape[1]
    n_issues = len(counts)
    n_territory, n_truce = terms_a.shape[1], terms_a.shape[2]
    per_world_bonus = exp_bonus.shape[0] > 1
    B = _BLOCK
    # Block buffers, world index last (the SIMD axis).
    UA = np.empty((n_options, B))
    UB = np.empty((n_options, B))
    TA = np.empty((n_territory, n_truce, B))
    TB = np.empty((n_territory, n_truce, B))
    n_guarantees = hold_a.shape[1]
    shared_hold = hold_a.shape[0] == 1
    HA = np.ones((n_guarantees, n_truce, B))
    HB = np.ones((n_guarantees, n_truce, B))
    gi = guarantees_issue
    # Per world: war utilities and perception shifts of A and B (rows 0-3).
    fixed = np.empty((6, B))
    # Partial sums over the issues: row c holds the sum over issues 0..c of the current options
    # (rows 0 .. n_issues - 2; the last issue is added in _consider).
    PA = np.empty((n_issues - 1, B))
    PB = np.empty((n_issues - 1, B))
    bonus = np.ones(B)
    # Per world: the best Nash product and the best smaller surplus so far, and their packages.
    best = np.empty((2, B))
    best_j = np.empty((2, B), dtype=np.int64)
    n_packages = 1
    for c in range(n_issues):
        n_packages *= counts[c]
    at = np.zeros(n_issues, dtype=np.int64)
    last = n_issues - 1
    for v in range(feasible.shape[0]):
        fea = feasible[v]
        worlds = np.flatnonzero(feasible_row == v)
        for start in range(0, len(worlds), B):
            m = min(B, len(worlds) - start)
            for i in range(m):
                r = rows[worlds[start + i]]
                for k in range(n_options):
                    UA[k, i] = ua[r, k]
                    UB[k, i] = ub[r, k]
                for x in range(n_territory):
                    for y in range(n_truce):
                        TA[x, y, i] = terms_a[r, x, y]
                        TB[x, y, i] = terms_b[r, x, y]
                for x in range(n_guarantees):
                    for y in range(n_truce):
                        HA[x, y, i] = hold_a[0 if shared_hold else r, x, y]
                        HB[x, y, i] = hold_b[0 if shared_hold else r, x, y]
                fixed[0, i], fixed[1, i] = war_a[r], shift_a[r]
                fixed[2, i], fixed[3, i] = war_b[r], shift_b[r]
                fixed[4, i], fixed[5, i] = breakdown_a[r], breakdown_b[r]
                best[0, i], best_j[0, i] = -1.0, -1
                best[1, i], best_j[1, i] = -np.inf, 0
            # An odometer over the issues' options (the last issue fastest, as the package rows
            # run); after each step only the partial sums from the lowest changed issue are redone.
            for c in range(n_issues):
                at[c] = 0
            changed = 0
            ta = TA[0, 0]
            tb = TB[0, 0]
            ha = HA[0, 0]
            hb = HB[0, 0]
            for j in range(n_packages):
                for c in range(changed, last):
                    col = columns[c, at[c]]
                    if c == 0:
                        for i in range(m):
                            PA[0, i] = UA[col, i]
                            PB[0, i] = UB[col, i]
                    else:
                        for i in range(m):
                            PA[c, i] = PA[c - 1, i] + UA[col, i]
                            PB[c, i] = PB[c - 1, i] + UB[col, i]
                if changed <= 1:
                    ta = TA[territory_index[at[1]], truce_index[at[0]]]
                    tb = TB[territory_index[at[1]], truce_index[at[0]]]
                if changed <= gi:
                    ha = HA[guarantees_index[at[gi]], truce_index[at[0]]]
                    hb = HB[guarantees_index[at[gi]], truce_index[at[0]]]
                if fea[j]:
                    cd = columns[last, at[last]]
                    if per_world_bonus:
                        for i in range(m):
                            bonus[i] = exp_bonus[worlds[start + i], j]
                        _consider(
                            j,
                            m,
                            PA[last - 1],
                            PB[last - 1],
                            UA[cd],
                            UB[cd],
                            ta,
                            tb,
                            ha,
                            hb,
                            fixed,
                            bonus,
                            best,
                            best_j,
                        )
                    else:
                        _consider_shared(
                            j,
                            m,
                            PA[last - 1],
                            PB[last - 1],
                            UA[cd],
                            UB[cd],
                            ta,
                            tb,
                            ha,
                            hb,
                            fixed,
                            exp_bonus[0, j],
                            best,
                            best_j,
                        )
                c = last
                while c >= 0:
                    at[c] += 1
                    if at[c] < counts[c]:
                        break
                    at[c] = 0
                    c -= 1
                changed = c
            for i in range(m):
                w = worlds[start + i]
                agreeable[w] = best_j[0, i] >= 0
                choice[w] = best_j[0, i] if best_j[0, i] >= 0 else best_j[1, i]


@numba.njit(inline="always")
def _consider(
    j, m, a4, b4, ua, ub, ta, tb, ha, hb, fixed, bonus, best, best_j
):  # pragma: no cover - compiled
    """Package ``j`` in each world of the block: keep it where it beats the best so far.

    ``a4``/``b4`` are the sides' sums over all issues but the last, ``ua``/``ub`` their utilities of
    the package's last option, ``ta``/``tb`` its territory terms, ``ha``/``hb`` the share of the
    horizon it holds, ``bonus`` the mediator's factor.
    """
    for i in range(m):
        a = (
            ((((a4[i] + ua[i]) - fixed[0, i]) + ta[i]) + fixed[4, i]) * ha[i] - fixed[4, i]
        ) + fixed[1, i]
        b = (
            ((((b4[i] + ub[i]) - fixed[2, i]) + tb[i]) + fixed[5, i]) * hb[i] - fixed[5, i]
        ) + fixed[3, i]
        _keep(j, i, a, b, bonus[i], best, best_j)


@numba.njit(inline="always")
def _consider_shared(
    j, m, a4, b4, ua, ub, ta, tb, ha, hb, fixed, bonus, best, best_j
):  # pragma: no cover - compiled
    """:func:`_consider` with the same factor ``bonus`` in every world.

    A separate function, not a branch in :func:`_consider`: with the factor a scalar the loop
    stays vectorised, and the search runs in about 0.3 µs per world instead of 0.5.
    """
    for i in range(m):
        a = (
            ((((a4[i] + ua[i]) - fixed[0, i]) + ta[i]) + fixed[4, i]) * ha[i] - fixed[4, i]
        ) + fixed[1, i]
        b = (
            ((((b4[i] + ub[i]) - fixed[2, i]) + tb[i]) + fixed[5, i]) * hb[i] - fixed[5, i]
        ) + fixed[3, i]
        _keep(j, i, a, b, bonus, best, best_j)


@numba.njit(inline="always")
def _keep(j, i, a, b, bonus, best, best_j):  # pragma: no cover - compiled
    """Selects, not branches: whether a package is agreeable is unpredictable."""
    smaller = a if a < b else b
    better = smaller > best[1, i]
    best[1, i] = smaller if better else best[1, i]
    best_j[1, i] = j if better else best_j[1, i]
    score = a * b * bonus if (a > 0.0) & (b > 0.0) else -1.0
    better = score > best[0, i]
    best[0, i] = score if better else best[0, i]
    best_j[0, i] = j if better else best_j[0, i]
