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

    def subset(self, rows: np.ndarray | slice) -> SideView:
        """The same side restricted to some worlds."""

        def take(x: FloatArray | float) -> FloatArray | float:
            return x[rows] if np.ndim(x) > 0 else x

        fields = {k: v for k, v in self.__dict__.items() if k not in ("sign", "war_by_issue")}
        return SideView(
            **{k: take(v) for k, v in fields.items()},
            sign=self.sign,
            war_by_issue={i: take(v) for i, v in self.war_by_issue.items()},
        )


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
) -> FloatArray:
    """``(n, K)`` each option's utility: :func:`option_values` less the red lines' penalty.

    Args:
        base: ``(K,)`` or ``(N, K)`` from :func:`option_values`.
        outcome: The outcome space.
        red_lines: ``issue.option`` keys the side refuses.
        penalty: ``(n,)`` current penalty (:func:`red_line_penalty`), in ``worlds``.
        n_worlds: ``n``, the number of worlds wanted.
        worlds: Rows of a per-world ``base`` to take (default: all).
    """
    u = np.empty((n_worlds, len(outcome.option_keys)))
    u[:] = base if base.ndim == 1 or worlds is None else base[worlds]
    for key in red_lines:
        u[:, outcome.option_index[key]] -= penalty
    return u


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
    return issues + terms[np.arange(len(rows)), territory, truce]


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
        Issue -> contribution ``(n,)``; ``territory`` includes the ground and the days of fighting
        the package saves. The contributions sum to :func:`surplus_at`.
    """
    cols = space.package_columns[rows]
    n = len(rows)
    out: dict[str, FloatArray] = {}
    for c, issue in enumerate(space.outcome.names):
        out[issue] = side.option_utility[np.arange(n), cols[:, c]] - _col(
            side.war_by_issue.get(issue, 0.0)
        )
    terms = territory_terms(side, space, control_km2, deal_lines_km2)
    out["territory"] = (
        out["territory"]
        + terms[
            np.arange(n), space.issue_choice("territory")[rows], space.issue_choice("truce")[rows]
        ]
    )
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
    """Quantal response: accept if ``S + pressure + noise >= 0`` (``noise`` from :func:`chance`).

    With ``logit_scale = 0`` the noise is 0 and the answer deterministic (accept iff
    ``S + pressure >= 0``).

    >>> bool(accepts(-0.1, 0.0, 0.0)), bool(accepts(-0.1, 0.15, 0.0))
    (False, True)
    """
    return np.asarray(surplus_value + pressure + noise >= 0.0)


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
        bonus = np.atleast_2d(self.bonus(weight, version, worlds))
        factor = np.exp(bonus - bonus.max(axis=1, keepdims=True))
        if factor.shape[0] == 1:
            self._factor = (version, factor)
        return factor
