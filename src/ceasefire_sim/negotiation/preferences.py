"""The preferences: how each side values every package and fighting on, and the mediator's own.

**Options.** A side's utility of option ``k`` of issue ``i`` is its salience of the issue times its
value of the option, less the current penalty if the option crosses one of its red lines
(linear additive, as NegMAS's ``LinearAdditiveUtilityFunction``):
``u_k = w_i * v_k - r * [k is a red line]``, where the red line's penalty ``r = r0 exp(-e * pain)``
erodes as the war's pain grows (Zartman's hurting stalemate).

**Surplus.** A side's surplus from package ``j`` over its planning horizon ``H`` (days) is the
difference between accepting the package and fighting on:

``S(j) = [sum_i u_{j_i} - sum_i u_{war_i}] + s*lambda*(line_j - c - mu*D_j) + D_j*cost
+ rho*lambda*(sd(H) - sd(H - D_j))``

where ``war_i`` is the option fighting on amounts to on issue ``i`` (no term for the truce),
``D_j`` how long the package stops the fighting within ``H``, ``line_j`` the line it fixes, ``c``
today's line, ``mu`` the side's expected drift of the front (km²/day; ``s = +1`` for Russia,
``-1`` for Ukraine), ``lambda`` its value of territory per km², ``cost`` its daily pain of fighting
and ``sd(T)`` the spread of the line after ``T`` days of fighting as the side sees it.

A worked example on a 2-issue, 2-option space with one red line (no territory or days: the issue
terms alone, as NegMAS's doctest):

>>> from ceasefire_sim.negotiation.space import Issue, LineRule, Option, OutcomeSpace
>>> space = OutcomeSpace((
...     Issue("truce", (Option("short", "short", days=0), Option("long", "long", days=0))),
...     Issue("territory", (Option("freeze", "freeze", line=LineRule("keep")),
...                         Option("cede", "cede", line=LineRule("km2", km2=0.0)))),
... ))
>>> salience = {"truce": 0.4, "territory": 0.6}
>>> values = {"truce.short": 1.0, "truce.long": 0.5, "territory.freeze": 1.0, "territory.cede": 0.0}
>>> u = option_values(space, salience, values)       # w * v: 0.4, 0.2, 0.6, 0.0
>>> u = option_utilities(u, space, ["territory.cede"], np.array([0.3]), 1)
>>> np.round(u, 12).tolist()                          # the red line costs 0.3
[[0.4, 0.2, 0.6, -0.3]]

Package (long, cede) is worth ``0.2 + (-0.3) = -0.1``; its surplus against a war worth 0 is
``-0.1``, and a side with no logistic noise rejects it: ``accepts(-0.1, 0.0, 0.0)`` is False.

Everything in the model that values a package goes through this module: the mediator's search
(:mod:`~ceasefire_sim.negotiation.search`, a compiled kernel of :func:`surplus_of_all`), the
protocols, the ceasefire's regret, the explanation the narrative and the app show.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np
from scipy import special

from ceasefire_sim.negotiation.space import OutcomeSpace, PackageSpace

FloatArray = np.ndarray


@dataclass
class SideView:
    """What one side brings to the table, per world (arrays of shape ``(N,)`` unless noted).

    Attributes:
        option_utility: ``(N, K)`` salience x value of each option, less red-line penalties.
        war_issues: Utility of the non-territorial issues if fighting goes on.
        sign: +1 for Russia (gains territory), -1 for Ukraine.
        value_per_km2: Utility of one km².
        drift_km2_per_day: Expected daily change of Russian-held territory, as the side sees it.
        drift_var: Variance of that belief ((km²/day)²).
        obs_var: The side's day-to-day noise variance of the front (km²²).
        cost_per_day: Pain per day of fighting (utility/day).
        risk_aversion: Penalty per sd of territory (in units of its value).
        horizon_days: Planning horizon ``H``.
        war_by_issue: Issue -> the utility of the war status quo on that issue (their sum is
            ``war_issues``); used for the per-issue explanation.
        fixed_term: What a fixed-term truce takes off the territory option's utility and the
            red lines it carries (:func:`fixed_term_terms`), or None.
        resolve: The side's private resolve: a shift of its reservation value, added to the
            surplus of every package (float or ``(N,)``; a persistent type, not a draw per round).
        threat: What the mediator's standing threat takes off the side's value of fighting on
            (an aid cut for Ukraine, sanctions for Russia; utility), added to every package.
        durability: ``(N, G, T)`` the share of the horizon a package with guarantees option
            ``g`` and truce option ``t`` (outcome order) would hold under the hazard its terms
            imply (:func:`~ceasefire_sim.model.truce.hold_share`), or None (every package holds):
            the surplus of a package is that share times its surplus were it to hold.
        breakdown_cost: What a breakdown costs the side (utility): the surplus of a package
            holding a share ``h`` is ``h * (S + c) - c``.
        pause_km2: ``(N, T)`` the change of the Russian-held area (km²) that the shift in power
            during a pause of each truce option implies over the rest of the horizon (Powell
            2006), or None; it counts in the territory terms as ``sign * lambda * pause_km2``.
    """

    option_utility: FloatArray
    war_issues: FloatArray | float
    sign: float
    value_per_km2: FloatArray | float
    drift_km2_per_day: FloatArray
    drift_var: FloatArray
    obs_var: FloatArray | float
    cost_per_day: FloatArray | float
    risk_aversion: FloatArray | float
    horizon_days: FloatArray | float
    war_by_issue: dict[str, FloatArray | float] = field(default_factory=dict)
    fixed_term: FixedTerm | None = None
    resolve: FloatArray | float = 0.0
    threat: FloatArray | float = 0.0
    durability: FloatArray | None = None
    breakdown_cost: FloatArray | float = 0.0
    pause_km2: FloatArray | None = None

    def subset(self, rows: np.ndarray | slice) -> SideView:
        """The same side restricted to some worlds."""

        def take(x: FloatArray | float) -> FloatArray | float:
            if isinstance(x, float):
                return x
            if type(x) is np.ndarray:
                return x[rows] if x.ndim > 0 else x
            return x[rows] if np.ndim(x) > 0 else x

        skip = ("sign", "war_by_issue", "fixed_term", "durability", "pause_km2")
        fields = {k: v for k, v in self.__dict__.items() if k not in skip}
        return SideView(
            **{k: take(v) for k, v in fields.items()},
            sign=self.sign,
            war_by_issue={i: take(v) for i, v in self.war_by_issue.items()},
            fixed_term=None if self.fixed_term is None else self.fixed_term.subset(rows),
            durability=None if self.durability is None else self.durability[rows],
            pause_km2=None if self.pause_km2 is None else self.pause_km2[rows],
        )

    def hold(self, space: PackageSpace, rows: np.ndarray | None = None) -> FloatArray | None:
        """``(n,)`` the share each package ``rows`` (one per world) holds, ``(n, P)`` if None."""
        if self.durability is None:
            return None
        t = space.issue_choice("truce")
        if "guarantees" in space.outcome.names:
            g = space.issue_choice("guarantees")
        else:
            g = np.zeros_like(t)
        if rows is None:
            return self.durability[:, g, t]
        return self.durability[np.arange(len(rows)), g[rows], t[rows]]


# ------------------------------------------------------------------------- option utilities
def option_values(
    outcome: OutcomeSpace,
    salience: dict[str, float | FloatArray],
    values: dict[str, float | FloatArray],
    n_worlds: int = 1,
) -> FloatArray:
    """``(K,)`` salience x value of each option, or ``(N, K)`` where they vary by world.

    Args:
        outcome: The outcome space (its ``option_keys`` are the columns).
        salience: Issue -> weight (float or ``(N,)``); a missing issue weighs 0.
        values: ``issue.option`` -> value in [0, 1] (float or ``(N,)``); every option needs one
            (the scenario's validation makes sure).
        n_worlds: ``N``, for the per-world case.
    """
    cols = [salience.get(key.split(".", 1)[0], 0.0) * values[key] for key in outcome.option_keys]
    if all(np.ndim(c) == 0 for c in cols):
        return np.array(cols, dtype=float)
    u = np.empty((n_worlds, len(cols)))
    for j, col in enumerate(cols):
        u[:, j] = col
    return u


def war_values(
    outcome: OutcomeSpace,
    salience: dict[str, float | FloatArray],
    values: dict[str, float | FloatArray],
) -> dict[str, float | FloatArray]:
    """Issue -> utility of the war status quo on that issue (issues that have one)."""
    return {i: salience.get(i, 0.0) * values[f"{i}.{o}"] for i, o in outcome.war_status_quo.items()}


def red_line_penalty(
    penalty: float | FloatArray, erosion: float | FloatArray, pain: FloatArray
) -> FloatArray:
    """``(n,)`` the current penalty of a red line: ``penalty * exp(-erosion * pain)``."""
    return penalty * np.exp(-erosion * pain)


def option_utilities(
    base: FloatArray,
    outcome: OutcomeSpace,
    red_lines: list[str],
    penalty: FloatArray | float,
    n_worlds: int,
    worlds: np.ndarray | None = None,
    weights: list[FloatArray | float] | None = None,
) -> FloatArray:
    """``(n, K)`` each option's utility: :func:`option_values` less the red lines' penalty.

    Args:
        base: ``(K,)`` or ``(N, K)`` from :func:`option_values`.
        outcome: The outcome space.
        red_lines: ``issue.option`` keys the side refuses.
        penalty: ``(n,)`` current penalty (:func:`red_line_penalty`), in ``worlds``.
        n_worlds: ``n``, the number of worlds wanted.
        worlds: Rows of a per-world ``base`` to take (default: all).
        weights: Per red line, the factor on ``penalty`` (float or ``(n,)``; the salience of its
            issue in the model); 1 if not given.
    """
    u = np.empty((n_worlds, len(outcome.option_keys)))
    u[:] = base if base.ndim == 1 or worlds is None else base[worlds]
    for r, key in enumerate(red_lines):
        factor = 1.0 if weights is None else weights[r]
        u[:, outcome.option_index[key]] -= penalty * factor
    return u


def red_line_costs(
    outcome: OutcomeSpace,
    red_lines: list[str],
    penalty: FloatArray | float,
    weights: list[FloatArray | float] | None = None,
) -> dict[str, FloatArray | float]:
    """``issue.option`` -> the red line's current cost (``penalty`` x its weight)."""
    return {
        key: penalty * (1.0 if weights is None else weights[r]) for r, key in enumerate(red_lines)
    }


def hold_shares(space: PackageSpace, horizon_days: FloatArray | float) -> FloatArray:
    """``(n or 1, T)`` the share of the horizon each truce option's terms hold (1 if endless)."""
    days = space.outcome.truce_days()
    h = np.atleast_1d(np.asarray(horizon_days, dtype=float))[:, None]
    return np.where(np.isinf(days)[None, :], 1.0, np.minimum(days[None, :], h) / h)


def fixed_term_terms(
    space: PackageSpace,
    option_utility: FloatArray,
    costs: dict[str, FloatArray | float],
    horizon_days: FloatArray | float,
) -> FixedTerm:
    """What a fixed-term truce takes back of the terms it carries (``(n, R, T)`` in parts).

    A fixed-term truce holds its terms only while it lasts: the territory option's utility
    (its legal status, the red line's cost included) counts times the share of the horizon the
    truce holds, ``h_t = min(D_t, H) / H``, and so does the cost of a red line of another issue
    whose option the truce's ``requires`` constraints force (a 30-day truce that leaves the NATO
    path open concedes it for 30 days, not for good). The array is added to the territory terms:
    ``-(1 - h_t) * (u_r - sum_k cost_k [option k forced by truce t])``; 0 for an endless one.

    Args:
        space: The package space.
        option_utility: ``(n, K)`` the side's option utilities (red lines included).
        costs: :func:`red_line_costs` of the side.
        horizon_days: ``H`` (float or ``(n,)``).
    """
    n = len(option_utility)
    outcome = space.outcome
    rebate = 1.0 - hold_shares(space, horizon_days)  # (n or 1, T)
    territory_cols = [outcome.option_index[f"territory.{o}"] for o in outcome.by_issue["territory"]]
    forced = np.zeros((n, rebate.shape[1]))
    for t, keys in enumerate(_forced_options(space)):
        for key in keys:
            if key in costs:
                forced[:, t] += costs[key]
    return FixedTerm(
        np.ascontiguousarray(option_utility[:, territory_cols]),
        forced,
        np.ascontiguousarray(np.broadcast_to(rebate, (n, rebate.shape[1]))),
    )


@dataclass
class FixedTerm:
    """What a fixed-term truce takes back, in parts (:func:`fixed_term_terms`), ``n`` worlds.

    Attributes:
        territory_utility: ``(n, R)`` the side's utility of each territory option.
        forced_cost: ``(n, T)`` the red-line cost of the options each truce forces.
        rebate: ``(n, T)`` ``1 - h_t``, the share of the horizon the truce does not hold.
    """

    territory_utility: FloatArray
    forced_cost: FloatArray
    rebate: FloatArray

    def subset(self, rows: np.ndarray | slice) -> FixedTerm:
        """The same in some worlds."""
        return FixedTerm(self.territory_utility[rows], self.forced_cost[rows], self.rebate[rows])

    def array(self) -> FloatArray:
        """``(n, R, T)`` the terms as one array."""
        carried = self.territory_utility[:, :, None] - self.forced_cost[:, None, :]
        return -carried * self.rebate[:, None, :]


@numba.njit(cache=True, nogil=True)
def _add_shifts(out, utility, forced, rebate, shift):  # pragma: no cover - compiled
    """``out[i, r, t] += -(utility[i, r] - forced[i, t]) * rebate[i, t] + shift[i]``, in place."""
    for i in range(out.shape[0]):
        for r in range(out.shape[1]):
            for t in range(out.shape[2]):
                out[i, r, t] += -(utility[i, r] - forced[i, t]) * rebate[i, t] + shift[i]


@numba.njit(cache=True, nogil=True)
def _add_pause(out, scaled, pause):  # pragma: no cover - compiled
    """``out[i, r, t] += scaled[i] * pause[i, t]``, in place (no ``(n, R, T)`` temporary)."""
    for i in range(out.shape[0]):
        for r in range(out.shape[1]):
            for t in range(out.shape[2]):
                out[i, r, t] += scaled[i] * pause[i, t]


def forced_options(space: PackageSpace) -> list[tuple[str, ...]]:
    """Per truce option, the options of other issues that its ``requires`` constraints force.

    An option is forced on a truce option when every valid package with that truce takes it
    (territory is left out: its term is in the territory block already).
    """
    return list(_forced_options(space))


@functools.lru_cache(maxsize=64)
def _forced_options(space: PackageSpace) -> tuple[tuple[str, ...], ...]:
    """:func:`forced_options`, kept per package space."""
    truce = space.issue_choice("truce")
    forced: list[tuple[str, ...]] = []
    for t in range(len(space.outcome.truce_days())):
        rows = space.valid & (truce == t)
        keys: list[str] = []
        if rows.any():
            for issue in space.outcome.names:
                if issue in ("truce", "territory"):
                    continue
                used = np.unique(space.issue_choice(issue)[rows])
                if len(used) == 1:
                    keys.append(f"{issue}.{space.outcome.by_issue[issue][int(used[0])]}")
        forced.append(tuple(keys))
    return tuple(forced)


# -------------------------------------------------------------------------- territory terms
def territory_terms(
    side: SideView, space: PackageSpace, control_km2: FloatArray, deal_lines_km2: FloatArray
) -> FloatArray:
    """``(N, R, T)`` the territory, cost and risk part of the surplus per (territory, truce).

    Args:
        side: The side.
        space: The package space (its outcome space's ``R`` territory and ``T`` truce options).
        control_km2: Today's line ``(N,)``.
        deal_lines_km2: ``(N, R)`` the line under each territory option.
    """
    n = len(control_km2)

    def vec(x: FloatArray | float) -> FloatArray:
        if type(x) is np.ndarray and x.dtype == np.float64 and x.shape == (n,):
            if x.flags.c_contiguous:
                # What the general case gives for it (a read-only view), with one numpy call.
                view = x.view()
                view.flags.writeable = False
                return view
        elif isinstance(x, float):
            # What the general case gives for a scalar: a writable copy in every world (a
            # read-only view of it in one world, where the broadcast view is contiguous).
            column = np.full(n, x, dtype=np.float64)
            if n == 1:
                column.flags.writeable = False
            return column
        return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)))

    lines = np.ascontiguousarray(deal_lines_km2, dtype=np.float64)
    lengths = space.outcome.truce_days()
    out = np.empty((n, lines.shape[1], len(lengths)))
    _territory_terms(
        float(side.sign),
        vec(side.value_per_km2),
        vec(control_km2),
        lines,
        vec(side.drift_km2_per_day),
        vec(side.drift_var),
        vec(side.obs_var),
        vec(side.cost_per_day),
        vec(side.risk_aversion),
        vec(side.horizon_days),
        lengths,
        out,
    )
    shift = vec(np.asarray(side.resolve, dtype=float) + np.asarray(side.threat, dtype=float))
    if side.fixed_term is not None:
        f = side.fixed_term
        _add_shifts(out, f.territory_utility, f.forced_cost, f.rebate, shift)
    elif np.any(shift != 0.0):
        out += shift[:, None, None]
    if side.pause_km2 is not None:
        # The shift in power while a pause holds (Powell 2006), valued as ground.
        _add_pause(
            out,
            side.sign * vec(side.value_per_km2),
            np.ascontiguousarray(side.pause_km2, dtype=np.float64),
        )
    return out


@numba.njit(cache=True, nogil=True)
def _territory_terms(
    sign, lam, control, lines, drift, drift_var, obs_var, cost, risk, horizon, lengths, out
):  # pragma: no cover - compiled; tested against the array formula
    """:func:`territory_terms` world by world, without ``(N, R, T)`` temporaries.

    Each operation in the order of the array formula (``tests/test_fast_paths.py``): the same bits.
    """
    for i in range(len(control)):
        h = horizon[i]
        signed_lam = sign * lam[i]
        forgone = signed_lam * drift[i]
        sd_full = np.sqrt(drift_var[i] * (h * h) + obs_var[i] * h)
        for x in range(len(lengths)):
            days = lengths[x] if lengths[x] < h else h
            rest = max(h - days, 0.0)
            sd_rest = np.sqrt(drift_var[i] * (rest * rest) + obs_var[i] * rest)
            per_truce = -forgone * days + cost[i] * days
            per_truce = per_truce + risk[i] * lam[i] * (sd_full - sd_rest)
            for r in range(lines.shape[1]):
                out[i, r, x] = signed_lam * (lines[i, r] - control[i]) + per_truce


def joint_surplus_bound(
    a: SideView,
    b: SideView,
    space: PackageSpace,
    terms_a: FloatArray,
    terms_b: FloatArray,
) -> FloatArray:
    """``(n,)`` an upper bound of ``max_j S_a(j) + S_b(j)`` over the valid packages on the table.

    The joint surplus is separable over the issues. For each truce option, its largest value
    over every combination of the options that some valid package pairs with that truce is the
    sum of each issue's best such option and the territory term; a (truce, territory) block
    counts only where each side's own bound in it is positive too, and the bound is the largest
    over the blocks (``-inf`` if none). Where it is not positive, no package can leave both sides a positive
    surplus: a cheap proof that there is no bargaining range.

    Args:
        a: One side over ``n`` worlds.
        b: The other side.
        space: The package space.
        terms_a: ``(n, R, T)`` :func:`territory_terms` of ``a``.
        terms_b: ``(n, R, T)`` :func:`territory_terms` of ``b``.
    """
    n = len(a.option_utility)
    compat, territory_compat = _truce_compatibility(space)
    out = np.empty(n)
    _joint_bound(
        np.ascontiguousarray(a.option_utility, dtype=np.float64),
        np.ascontiguousarray(b.option_utility, dtype=np.float64),
        np.ascontiguousarray(np.broadcast_to(_col(a.war_issues), (n,)), dtype=np.float64),
        np.ascontiguousarray(np.broadcast_to(_col(b.war_issues), (n,)), dtype=np.float64),
        np.ascontiguousarray(terms_a, dtype=np.float64),
        np.ascontiguousarray(terms_b, dtype=np.float64),
        compat,
        territory_compat,
        out,
    )
    return out


@functools.lru_cache(maxsize=64)
def _truce_compatibility(space: PackageSpace) -> tuple[np.ndarray, np.ndarray]:
    """Per truce option (outcome index), the option columns and territory options valid with it.

    Returns ``(T, n_other_issues + 1, width)`` columns (-1 padded; row 0 the truce's own
    column, then the issues other than truce and territory) and ``(T, R)`` booleans for the
    territory options (outcome index) some valid package pairs with the truce.
    """
    outcome = space.outcome
    truce = space.issue_choice("truce")
    territory = space.issue_choice("territory")
    others = [i for i in outcome.names if i not in ("truce", "territory")]
    width = max(len(outcome.by_issue[i]) for i in outcome.names)
    n_truce = len(outcome.by_issue["truce"])
    columns = np.full((n_truce, len(others) + 1, width), -1, dtype=np.int64)
    terr = np.zeros((n_truce, len(outcome.by_issue["territory"])), dtype=np.bool_)
    for t in range(n_truce):
        rows = space.valid & (truce == t)
        if not rows.any():
            continue
        columns[t, 0, 0] = outcome.option_index[f"truce.{outcome.by_issue['truce'][t]}"]
        terr[t, np.unique(territory[rows])] = True
        for c, issue in enumerate(others, start=1):
            used = np.unique(space.issue_choice(issue)[rows])
            for k, o in enumerate(used):
                columns[t, c, k] = outcome.option_index[f"{issue}.{outcome.by_issue[issue][o]}"]
    columns.setflags(write=False)
    terr.setflags(write=False)
    return columns, terr


@numba.njit(cache=True, nogil=True)
def _joint_bound(ua, ub, war_a, war_b, ta, tb, columns, terr, out):  # pragma: no cover
    """:func:`joint_surplus_bound` world by world (compiled).

    Per (truce, territory) block, the joint surplus's upper bound counts only if each side's own
    upper bound in the block is positive too (otherwise no package of the block can leave that
    side a positive surplus); the result is the largest over the blocks (``-inf`` if none).
    """
    n_truce, n_rows, width = columns.shape
    n_terr = terr.shape[1]
    for i in range(ua.shape[0]):
        best = -np.inf
        for t in range(n_truce):
            col = columns[t, 0, 0]
            if col < 0:
                continue
            joint = ua[i, col] + ub[i, col] - war_a[i] - war_b[i]
            own_a = ua[i, col] - war_a[i]
            own_b = ub[i, col] - war_b[i]
            for c in range(1, n_rows):
                m = -np.inf
                ma = -np.inf
                mb = -np.inf
                for k in range(width):
                    col = columns[t, c, k]
                    if col < 0:
                        break
                    va = ua[i, col]
                    vb = ub[i, col]
                    m = max(m, va + vb)
                    ma = max(ma, va)
                    mb = max(mb, vb)
                joint += m
                own_a += ma
                own_b += mb
            for r in range(n_terr):
                if not terr[t, r]:
                    continue
                col = n_truce + r  # the territory columns follow the truce's
                a = ua[i, col] + ta[i, r, t]
                b = ub[i, col] + tb[i, r, t]
                if own_a + a > 0.0 and own_b + b > 0.0:
                    best = max(best, joint + a + b)
        out[i] = best


def _col(x: FloatArray | float) -> FloatArray:
    return np.atleast_1d(np.asarray(x, dtype=float))


# ---------------------------------------------------------------------------------- surplus
def surplus_of_all(
    side: SideView,
    space: PackageSpace,
    control_km2: FloatArray,
    deal_lines_km2: FloatArray,
    *,
    terms: FloatArray | None = None,
    out: FloatArray | None = None,
) -> FloatArray:
    """``(N, P)`` the side's surplus of every package (package minus war).

    Args:
        side: The side, over ``N`` worlds.
        space: The package space.
        control_km2: Today's line ``(N,)``.
        deal_lines_km2: ``(N, R)`` the line under each territory option.
        terms: ``(N, R, T)`` :func:`territory_terms`, if already computed.
        out: Optional ``(N, P)`` buffer to write into (reused across chunks of worlds).
    """
    if terms is None:
        terms = territory_terms(side, space, control_km2, deal_lines_km2)
    result = issue_sums(side.option_utility, space, out=out)
    result -= _col(side.war_issues)[:, None]
    # Packages run truce-major, then territory (itertools.product over the issues, whose first two
    # these are), so the (territory, truce) term is added block-wise rather than gathered into an
    # (N, P) copy.
    n = len(result)
    blocks = result.reshape(n, len(space.options[0][1]), len(space.options[1][1]), -1)
    per_block = terms[:, space.issue_options("territory")][:, :, space.issue_options("truce")]
    blocks += per_block.transpose(0, 2, 1)[:, :, :, None]
    hold = side.hold(space)
    if hold is not None:
        c = _col(side.breakdown_cost)[:, None]
        result += c
        result *= hold
        result -= c
    return result


def surplus_at(
    side: SideView,
    space: PackageSpace,
    control_km2: FloatArray,
    deal_lines_km2: FloatArray,
    rows: np.ndarray,
    *,
    terms: FloatArray | None = None,
) -> FloatArray:
    """``(N,)`` the side's surplus of one package per world.

    The same bits as the matching entries of :func:`surplus_of_all`: the option utilities are
    summed in the same order.

    Args:
        side: The side, over ``N`` worlds.
        space: The package space.
        control_km2: Today's line ``(N,)``.
        deal_lines_km2: ``(N, R)`` the line under each territory option.
        rows: ``(N,)`` one package per world.
        terms: ``(N, R, T)`` :func:`territory_terms`, if already computed.
    """
    if terms is None:
        terms = territory_terms(side, space, control_km2, deal_lines_km2)
    issues = _issue_sums_at(side.option_utility, space, rows) - _col(side.war_issues)
    territory, truce = space.issue_choice("territory")[rows], space.issue_choice("truce")[rows]
    value = issues + terms[np.arange(len(rows)), territory, truce]
    hold = side.hold(space, rows)
    if hold is None:
        return value
    c = np.broadcast_to(np.asarray(side.breakdown_cost, dtype=float), value.shape)
    return (value + c) * hold - c


def issue_sums(
    option_values: FloatArray, space: PackageSpace, out: FloatArray | None = None
) -> FloatArray:
    """``(N, P)`` the sum of the option values each package takes.

    Equal to ``option_values @ space.matrix.T`` in exact arithmetic, but summed issue by issue
    in outcome order, as an outer sum over the issues' options. BLAS sums in an order that
    depends on its kernel (``OPENBLAS_CORETYPE``) and on the number of rows, so through BLAS the
    last bits, and so near-ties between packages, would depend on the machine, the chunk size
    and how many worlds negotiate; this order is fixed. It is also a tenth of the arithmetic.

    Args:
        option_values: ``(N, K)`` per-world value of each option (a side's or the mediator's).
        space: The package space.
        out: Optional ``(N, P)`` buffer for the result.
    """
    n = option_values.shape[0]
    columns = space.option_columns
    partial = option_values[:, columns[0]]
    for c, cols in enumerate(columns[1:], start=1):
        shape = (n, partial.shape[1], len(cols))
        last = c == len(columns) - 1 and out is not None
        target = out.reshape(shape) if last else np.empty(shape)
        # One add per option of this issue keeps numpy's inner loop long (over the packages
        # built so far) rather than over this issue's two to four options.
        for k, col in enumerate(cols):
            np.add(partial, option_values[:, col, None], out=target[:, :, k])
        partial = target.reshape(n, -1)
    return out if out is not None else partial


def _issue_sums_at(option_values: FloatArray, space: PackageSpace, rows: np.ndarray) -> FloatArray:
    """``(N,)`` :func:`issue_sums` of one package per world (the same order, so the same bits)."""
    out = np.empty(len(rows))
    _sums_at(
        np.ascontiguousarray(option_values, dtype=np.float64),
        space.package_columns,
        np.ascontiguousarray(rows, dtype=np.int64),
        out,
    )
    return out


@numba.njit(cache=True, nogil=True)
def _sums_at(option_values, columns, rows, out):  # pragma: no cover - compiled
    """Left to right over the issues, as :func:`issue_sums` adds them (no ``(N, I)`` gathers)."""
    for i in range(len(rows)):
        total = option_values[i, columns[rows[i], 0]]
        for c in range(1, columns.shape[1]):
            total = total + option_values[i, columns[rows[i], c]]
        out[i] = total


def explain(
    side: SideView,
    space: PackageSpace,
    control_km2: FloatArray,
    deal_lines_km2: FloatArray,
    rows: np.ndarray,
) -> dict[str, FloatArray]:
    """Per issue, how much the package adds to or takes from the side's surplus.

    Args:
        side: The side over the worlds of ``rows``.
        space: The package space.
        control_km2: Today's line ``(n,)``.
        deal_lines_km2: ``(n, R)`` lines under each territory option.
        rows: ``(n,)`` package per world.

    Returns:
        Issue -> contribution ``(n,)``; ``territory`` includes the ground, the days of fighting
        the package saves and what a fixed-term truce takes back (:func:`fixed_term_terms`);
        ``resolve`` is the side's private resolve, ``pressure`` the mediator's standing
        threat and ``durability`` (with a side's ``durability``) what the chance of a breakdown
        takes off the rest. The contributions sum to :func:`surplus_at`.
    """
    cols = space.package_columns[rows]
    n = len(rows)
    out: dict[str, FloatArray] = {}
    for c, issue in enumerate(space.outcome.names):
        out[issue] = side.option_utility[np.arange(n), cols[:, c]] - _col(
            side.war_by_issue.get(issue, 0.0)
        )
    terms = territory_terms(side, space, control_km2, deal_lines_km2)
    resolve = np.broadcast_to(np.asarray(side.resolve, dtype=float), (n,))
    threat = np.broadcast_to(np.asarray(side.threat, dtype=float), (n,))
    out["territory"] = (
        out["territory"]
        + terms[
            np.arange(n), space.issue_choice("territory")[rows], space.issue_choice("truce")[rows]
        ]
        - resolve
        - threat
    )
    out["resolve"] = resolve.copy()
    out["pressure"] = threat.copy()
    hold = side.hold(space, rows)
    if hold is not None:
        # What the chance of a breakdown takes off the package's worth were it to hold.
        c = np.broadcast_to(np.asarray(side.breakdown_cost, dtype=float), (n,))
        out["durability"] = (hold - 1.0) * (sum(out.values()) + c)
    return out


# ------------------------------------------------------------------------------ the answer
def chance(uniform: FloatArray, logit_scale: FloatArray | float) -> FloatArray:
    """The logistic noise of a side's answer, ``Logistic(0, scale)``, from Uniform(0, 1) draws."""
    return logit_scale * special.logit(np.clip(uniform, 1e-12, 1 - 1e-12))


def accepts(
    surplus_value: FloatArray | float,
    pressure: FloatArray | float,
    noise: FloatArray | float,
) -> FloatArray:
    """Accept if ``S + pressure >= 0`` and ``S + pressure + noise >= 0``.

    A side never accepts a package worth less to it than fighting on (after the mediator's
    pressure): the logistic noise of :func:`chance` can only make it hesitate over one it gains
    from, which delays a deal but cannot make one where there is no bargaining range. With
    ``logit_scale = 0`` the answer is deterministic.

    >>> bool(accepts(-0.1, 0.0, 0.0)), bool(accepts(-0.1, 0.15, 0.0))
    (False, True)
    """
    value = surplus_value + pressure
    return np.asarray((value >= 0.0) & (value + noise >= 0.0))


# ------------------------------------------------------------------------- the mediator's
class MediatorPreference:
    """The mediator's own preference for each package, as a factor on the Nash product.

    Its value of package ``j`` is ``weight * sum_i m_{j_i}`` (``m``: its value of each option,
    :meth:`~ceasefire_sim.model.agents.Mediator.option_values`), in log-Nash units: the search
    maximises ``S_a * S_b * exp(weight * sum_i m_{j_i})``. What is built from the preferences is
    kept until the parameter store's version changes.

    Args:
        space: The package space.
        values: Returns the mediator's ``(K,)`` (shared by every world) or ``(N, K)`` option values.
    """

    def __init__(self, space: PackageSpace, values: Callable[[], FloatArray]) -> None:
        self.space = space
        self.values = values
        self._sums: tuple[int, FloatArray | None] = (-1, None)
        self._factor: tuple[int, FloatArray | None] = (-1, None)

    def package_values(self, version: int) -> FloatArray:
        """``(P,)`` package sums of shared option values, or the ``(N, K)`` per-world values."""
        if self._sums[0] != version:
            preference = self.values()
            if preference.ndim == 1:
                preference = issue_sums(preference[None], self.space)[0]
            self._sums = (version, preference)
        return self._sums[1]

    def varies_by_world(self, weight: FloatArray | float, version: int) -> bool:
        """Whether the preference for a package differs between worlds."""
        return np.ndim(weight) > 0 or self.package_values(version).ndim == 2

    def bonus(self, weight: FloatArray | float, version: int, worlds: np.ndarray) -> FloatArray:
        """``(P,)`` or ``(n, P)`` the preference for each package in ``worlds`` (log-Nash units)."""
        cached = self.package_values(version)
        # Shared preferences are summed once; per-world ones per chunk (no (N, P) array is kept).
        sums = cached if cached.ndim == 1 else issue_sums(cached[worlds], self.space)
        if np.ndim(weight) > 0:
            weight = weight[worlds][:, None]
        return weight * sums

    def factor(self, weight: FloatArray | float, version: int, worlds: np.ndarray) -> FloatArray:
        """``(1, P)`` or ``(n, P)`` ``exp`` of :meth:`bonus`, scaled so each row's largest is 1."""
        if self._factor[0] == version:
            return self._factor[1]
        bonus = self.bonus(weight, version, worlds)
        shared = bonus.ndim == 1
        bonus = np.atleast_2d(bonus)
        factor = np.exp(bonus - bonus.max(axis=1, keepdims=True))
        # Only a factor shared by every world is kept (a chunk of one world is not shared).
        if shared:
            self._factor = (version, factor)
        return factor
