"""Solution concepts over a discrete set of packages: plain functions of the sides' surpluses.

A protocol (:mod:`~ceasefire_sim.negotiation.protocols`) decides who proposes and who answers;
the concepts here say which package is best by some criterion, whoever asks.
"""

from __future__ import annotations

import numpy as np

FloatArray = np.ndarray


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


def best_for_proposer(
    own: FloatArray, other: FloatArray, feasible: FloatArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """The proposer's best package among those the other side strictly gains from.

    Where the other side gains from no feasible package, the proposer's best feasible package
    overall (an offer it expects to be refused), flagged as not acceptable.

    Args:
        own: ``(N, P)`` the proposer's surplus of each package.
        other: ``(N, P)`` the responder's surplus.
        feasible: Optional ``(N, P)`` or ``(P,)`` boolean mask of packages that can be proposed.

    Returns:
        ``(choice, acceptable)``: ``(N,)`` package rows and whether the responder gains from it.

    >>> own = np.array([[3.0, 2.0, 1.0]]); other = np.array([[-1.0, 0.5, 2.0]])
    >>> best_for_proposer(own, other)[0].tolist()
    [1]
    """
    allowed = (
        np.ones(own.shape, dtype=bool)
        if feasible is None
        else np.broadcast_to(np.asarray(feasible, dtype=bool), own.shape)
    )
    gains = allowed & (other > 0)
    acceptable = gains.any(axis=1)
    score = np.where(gains, own, -np.inf)
    fallback = np.where(allowed, own, -np.inf)
    choice = np.where(acceptable, np.argmax(score, axis=1), np.argmax(fallback, axis=1))
    return choice.astype(np.int64), acceptable
