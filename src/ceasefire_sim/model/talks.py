"""The negotiation protocol: each side's surplus from a package, proposals and acceptance.

A side's surplus from package ``j`` over its planning horizon ``H`` (days) is

``S(j) = [issues(j) - issues(war)] + s*lambda*(line_j - c - mu*D_j) + D_j*cost + rho*lambda*(sd(H) - sd(H - D_j))``

where ``D_j`` is how long the package stops the fighting within ``H`` (30 or 90 days, or ``H`` for
an indefinite ceasefire), ``line_j`` the line it fixes, ``c`` today's line, ``mu`` the side's
expected drift of the front (km²/day; ``s = +1`` for Russia, ``-1`` for Ukraine), ``lambda`` its
value of territory per km², ``cost`` its daily pain of fighting, and ``sd(T)`` the spread of the
line after ``T`` days of fighting as the side sees it. It is the difference between accepting the
package and fighting on: the days of fighting it saves, less the ground it expects to forgo, plus
the terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy import special

from ceasefire_sim.model.packages import ISSUES, OPTION_INDEX, TRUCE_DAYS, PackageSpace

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

    def subset(self, rows: np.ndarray | slice) -> SideView:
        """The same side restricted to some worlds."""

        def take(x: FloatArray | float) -> FloatArray | float:
            return x[rows] if np.ndim(x) > 0 else x

        return SideView(**{k: (take(v) if k != "sign" else v) for k, v in self.__dict__.items()})


def territory_terms(
    side: SideView, control_km2: FloatArray, deal_lines_km2: FloatArray
) -> FloatArray:
    """``(N, 4, 3)`` the territory, cost and risk part of the surplus for each (territory, truce).

    Args:
        side: The side.
        control_km2: Today's line ``(N,)``.
        deal_lines_km2: ``(N, 4)`` the line under each territory option.
    """
    n = len(control_km2)

    def vec(x: FloatArray | float) -> FloatArray:
        return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)))

    out = np.empty((n, 4, 3))
    _territory_terms(
        float(side.sign),
        vec(side.value_per_km2),
        vec(control_km2),
        np.ascontiguousarray(deal_lines_km2, dtype=np.float64),
        vec(side.drift_km2_per_day),
        vec(side.drift_var),
        vec(side.obs_var),
        vec(side.cost_per_day),
        vec(side.risk_aversion),
        vec(side.horizon_days),
        _TRUCE_LENGTHS,
        out,
    )
    return out


#: ``TRUCE_DAYS`` as numbers (an indefinite ceasefire lasts the whole horizon).
_TRUCE_LENGTHS = np.array([np.inf if d is None else float(d) for d in TRUCE_DAYS.values()])


@numba.njit(cache=True, nogil=True)
def _territory_terms(
    sign, lam, control, lines, drift, drift_var, obs_var, cost, risk, horizon, lengths, out
):  # pragma: no cover - compiled; tested against the array formula
    """:func:`territory_terms` world by world, without ``(N, 4, 3)`` temporaries.

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
            for r in range(4):
                out[i, r, x] = signed_lam * (lines[i, r] - control[i]) + per_truce


def territory_terms_at(
    side: SideView,
    control_km2: FloatArray,
    deal_lines_km2: FloatArray,
    territory: np.ndarray,
    truce: np.ndarray,
) -> FloatArray:
    """``(N,)`` the entry of :func:`territory_terms` for one (territory, truce) pair per world.

    Args:
        side: The side.
        control_km2: Today's line ``(N,)``.
        deal_lines_km2: ``(N, 4)`` the line under each territory option.
        territory: ``(N,)`` index within ``ISSUES["territory"]`` of each world's option.
        truce: ``(N,)`` index within ``ISSUES["truce"]`` of each world's option.
    """
    terms = territory_terms(side, control_km2, deal_lines_km2)
    return terms[np.arange(len(control_km2)), territory, truce]


def _col(x: FloatArray | float) -> FloatArray:
    return np.atleast_1d(np.asarray(x, dtype=float))


def surplus(
    side: SideView,
    space: PackageSpace,
    control_km2: FloatArray,
    deal_lines_km2: FloatArray,
    rows: np.ndarray | None = None,
) -> FloatArray:
    """The side's surplus (package minus war).

    Args:
        side: The side, over ``N`` worlds.
        space: The package space.
        control_km2: Today's line ``(N,)``.
        deal_lines_km2: ``(N, 4)`` lines under each territory option.
        rows: If given, ``(N,)`` one package per world: returns ``(N,)``. Otherwise all
            packages: returns ``(N, P)``.
    """
    if rows is None:
        return surplus_of_all(side, space, territory_terms(side, control_km2, deal_lines_km2))
    territory, truce = space.issue_choice("territory")[rows], space.issue_choice("truce")[rows]
    terms = territory_terms_at(side, control_km2, deal_lines_km2, territory, truce)
    return surplus_at(side, space, terms, rows)


def surplus_of_all(
    side: SideView, space: PackageSpace, terms: FloatArray, out: FloatArray | None = None
) -> FloatArray:
    """``(N, P)`` the side's surplus of every package, given its :func:`territory_terms`.

    Args:
        side: The side, over ``N`` worlds.
        space: The package space.
        terms: ``(N, 4, 3)`` from :func:`territory_terms`.
        out: Optional ``(N, P)`` buffer to write into (reused across chunks of worlds).
    """
    result = issue_sums(side.option_utility, space, out=out)
    result -= _col(side.war_issues)[:, None]
    # Packages run truce-major, then territory (itertools.product over ISSUES, whose first two
    # issues these are), so the (territory, truce) term is added block-wise rather than
    # gathered into an (N, P) copy.
    n = len(result)
    blocks = result.reshape(n, len(space.options[0][1]), len(space.options[1][1]), -1)
    per_block = terms[:, space.issue_options("territory")][:, :, space.issue_options("truce")]
    blocks += per_block.transpose(0, 2, 1)[:, :, :, None]
    return result


def surplus_at(
    side: SideView, space: PackageSpace, terms: FloatArray, rows: np.ndarray
) -> FloatArray:
    """``(N,)`` the side's surplus of one package per world, given its territory terms.

    The same bits as the matching entries of :func:`surplus_of_all`: the option utilities are
    summed in the same order.

    Args:
        side: The side, over ``N`` worlds.
        space: The package space.
        terms: ``(N, 4, 3)`` from :func:`territory_terms`, or ``(N,)`` the terms of the
            packages ``rows`` themselves (:func:`territory_terms_at`).
        rows: ``(N,)`` one package per world.
    """
    issues = issue_sums_at(side.option_utility, space, rows) - _col(side.war_issues)
    if terms.ndim == 1:
        return issues + terms
    territory, truce = space.issue_choice("territory")[rows], space.issue_choice("truce")[rows]
    return issues + terms[np.arange(len(rows)), territory, truce]


def issue_sums(
    option_utility: FloatArray, space: PackageSpace, out: FloatArray | None = None
) -> FloatArray:
    """``(N, P)`` the sum of the option utilities each package takes.

    Equal to ``option_utility @ space.matrix.T`` in exact arithmetic, but summed issue by issue
    in ``ISSUES`` order, as an outer sum over the issues' options. BLAS sums in an order that
    depends on its kernel (``OPENBLAS_CORETYPE``) and on the number of rows, so through BLAS the
    last bits, and so near-ties between packages, would depend on the machine, the chunk size
    and how many worlds negotiate; this order is fixed. It is also a tenth of the arithmetic.

    Args:
        option_utility: ``(N, K)`` per-world utility of each option.
        space: The package space.
        out: Optional ``(N, P)`` buffer for the result.
    """
    n = option_utility.shape[0]
    columns = space.option_columns
    partial = option_utility[:, columns[0]]
    for c, cols in enumerate(columns[1:], start=1):
        shape = (n, partial.shape[1], len(cols))
        last = c == len(columns) - 1 and out is not None
        target = out.reshape(shape) if last else np.empty(shape)
        # One add per option of this issue keeps numpy's inner loop long (over the packages
        # built so far) rather than over this issue's two to four options.
        for k, col in enumerate(cols):
            np.add(partial, option_utility[:, col, None], out=target[:, :, k])
        partial = target.reshape(n, -1)
    return out if out is not None else partial


def issue_sums_at(option_utility: FloatArray, space: PackageSpace, rows: np.ndarray) -> FloatArray:
    """``(N,)`` :func:`issue_sums` of one package per world (the same order, so the same bits)."""
    out = np.empty(len(rows))
    _sums_at(
        np.ascontiguousarray(option_utility, dtype=np.float64),
        space.package_columns,
        np.ascontiguousarray(rows, dtype=np.int64),
        out,
    )
    return out


@numba.njit(cache=True, nogil=True)
def _sums_at(option_utility, columns, rows, out):  # pragma: no cover - compiled
    """Left to right over the issues, as :func:`issue_sums` adds them (no ``(N, 6)`` gathers)."""
    for i in range(len(rows)):
        total = option_utility[i, columns[rows[i], 0]]
        for c in range(1, columns.shape[1]):
            total = total + option_utility[i, columns[rows[i], c]]
        out[i] = total


def explain(
    side: SideView,
    space: PackageSpace,
    control_km2: FloatArray,
    deal_lines_km2: FloatArray,
    rows: np.ndarray,
    war_values: dict[str, FloatArray | float],
) -> dict[str, FloatArray]:
    """Per issue, how much the chosen package adds to or takes from the side's surplus.

    Args:
        side: The side over the worlds of ``rows``.
        space: The package space.
        control_km2: Today's line.
        deal_lines_km2: Lines under each territory option.
        rows: Package per world.
        war_values: Issue -> the side's utility of the war status quo on that issue.

    Returns:
        Issue -> contribution ``(n,)``; ``territory`` includes the ground and the days of fighting
        the package saves. The contributions sum to :func:`surplus`.
    """
    cols = space.package_columns[rows]
    n = len(rows)
    out: dict[str, FloatArray] = {}
    for c, issue in enumerate(ISSUES):
        out[issue] = side.option_utility[np.arange(n), cols[:, c]] - _col(
            war_values.get(issue, 0.0)
        )
    terms = territory_terms(side, control_km2, deal_lines_km2)
    out["territory"] = (
        out["territory"]
        + terms[
            np.arange(n), space.issue_choice("territory")[rows], space.issue_choice("truce")[rows]
        ]
    )
    return out


def accepts(
    surplus_value: FloatArray,
    pressure: FloatArray | float,
    logit_scale: FloatArray | float,
    uniform: FloatArray,
) -> FloatArray:
    """Quantal response: accept if ``S + pressure + eps >= 0``, ``eps ~ Logistic(0, scale)``.

    With ``logit_scale = 0`` the choice is deterministic (accept iff ``S + pressure >= 0``).

    Args:
        surplus_value: Surplus of the proposal.
        pressure: Mediator's pressure on the side (utility units).
        logit_scale: Scale of the logistic noise.
        uniform: Uniform(0, 1) draws.
    """
    eps = logit_scale * special.logit(np.clip(uniform, 1e-12, 1 - 1e-12))
    return surplus_value + pressure + eps >= 0.0


def option_column(key: str) -> int:
    """Column of ``issue.option`` in the option matrices."""
    return OPTION_INDEX[key]
