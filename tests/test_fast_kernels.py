"""Compiled and selection kernels of the daily step against the plain formulas they replace."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from ceasefire_sim.model import front, truce
from ceasefire_sim.model.recorder import QUANTILES, _quantile_positions, order_statistics

# ---------------------------------------------------------------- Poisson violations


def _pdtrik_violations(rate, u):
    """The former formula: the continuous root of the CDF, rounded up."""
    rate = np.broadcast_to(np.asarray(rate, dtype=float), np.shape(u))
    counts = np.ceil(special.pdtrik(u, rate))
    counts = np.where(rate > 0, np.maximum(counts, 0.0), 0.0)
    return np.nan_to_num(counts, nan=0.0)


def _gap_to_a_step(u, rate, a, b):
    """Distance from u to the nearest CDF value among the steps between counts a and b."""
    ks = np.arange(min(a, b), max(a, b))
    return np.min(np.abs(special.pdtr(ks, rate) - u))


def test_violations_agree_with_pdtrik_over_a_wide_range_of_rates():
    rng = np.random.default_rng(20)
    n = 400_000
    u = rng.random(n)
    rate = 10.0 ** rng.uniform(-3, 4, n)
    new = truce.violations(rate, u)
    old = _pdtrik_violations(rate, u)
    differ = np.flatnonzero(new != old)
    # Both invert the CDF exactly up to rounding: they may differ only at a u next to a step.
    assert len(differ) <= 2
    for i in differ:
        assert _gap_to_a_step(u[i], rate[i], new[i], old[i]) < 1e-12


@pytest.mark.parametrize("rate", [1e-3, 0.3, 4.0, 63.9, 64.0, 110.0, 155.5, 1e3, 1e4, 1e5, 1e6])
def test_violations_are_the_smallest_count_whose_cdf_reaches_u(rate):
    u = np.random.default_rng(21).random(20_000)
    k = truce.violations(rate, u)
    assert np.all(k == np.round(k)) and k.dtype == np.float64
    # CDF(k - 1) < u <= CDF(k), up to the rounding of the CDF itself.
    assert np.all(special.pdtr(k, rate) >= u - 1e-13)
    assert np.all(np.where(k > 0, special.pdtr(np.maximum(k - 1, 0), rate), 0.0) < u + 1e-13)
    np.testing.assert_array_equal(k, stats.poisson.ppf(u, rate))


def test_violations_at_the_edges_are_as_before():
    tiny, near_one = [0.0, 5e-324, 1e-300, 1e-13, 2.0**-53, 1e-10], [1 - 1e-13, 1 - 2.0**-53]
    u = np.array([*tiny, 0.5, *near_one, 1.0, 1.5, -0.1, np.nan])
    rates = [0.0, -1.0, np.nan, np.inf, -np.inf, 1e-300, 1e-3, 5.0, 64.0, 150.0, 1e4, 2e9, 1e300]
    for rate in rates:
        np.testing.assert_array_equal(
            truce.violations(rate, u), _pdtrik_violations(rate, u), err_msg=str(rate)
        )
    assert np.all(truce.violations(0.0, u) == 0)
    assert np.all(truce.violations(np.nan, u) == 0)
    assert truce.violations(4.0, np.array([0.0]))[0] == 0


def test_violations_take_a_rate_per_world_or_shared_and_keep_the_shape():
    rng = np.random.default_rng(22)
    u = rng.random((3, 5))
    rate = np.array([0.5, 8.0, 120.0, 900.0, 0.0])
    counts = truce.violations(rate, u)
    assert counts.shape == (3, 5)
    np.testing.assert_array_equal(counts, _pdtrik_violations(rate, u))
    np.testing.assert_array_equal(truce.violations(7.0, u), truce.violations(np.full(5, 7.0), u))
    np.testing.assert_array_equal(
        truce.violations(7.0, u[0]), truce.violations(np.full((3, 5), 7.0), u)[0]
    )
    assert truce.violations(np.array([]), np.array([])).shape == (0,)
    assert truce.violations(3.0, np.array([])).shape == (0,)


# ---------------------------------------------------------------- tabulated t quantile


def _np_interp_t_quantile(uniform, df):
    """The former formula: np.interp on the table, the exact quantile beyond it."""
    nodes, quantiles, _ = front._t_quantile_table(df)
    uniform = np.asarray(uniform, dtype=float)
    logit_u = np.log(uniform) - np.log1p(-uniform)
    out = np.interp(logit_u, nodes, quantiles)
    beyond = np.abs(logit_u) > nodes[-1]
    if beyond.any():
        out[beyond] = special.stdtrit(df, uniform[beyond])
    return out


def _same_bits(a, b):
    return np.array_equal(a.view(np.int64), b.view(np.int64))


@pytest.mark.parametrize("df", [1.5, 3.0, 200.0])
def test_t_quantile_has_the_bits_of_np_interp(df):
    rng = np.random.default_rng(23)
    nodes = front._t_quantile_table(df)[0]
    at_nodes = special.expit(nodes)
    u = np.concatenate(
        [
            rng.random(1_000_000),
            at_nodes,
            np.nextafter(at_nodes, 0.0),
            np.nextafter(at_nodes, 1.0),
            rng.random(20_000) * 1e-12,
            1 - rng.random(20_000) * 1e-12,
            [0.0, 5e-324, 1e-300, 1e-15, 1e-13, 0.5, 1 - 1e-13, 1 - 2.0**-53, 1.0],
        ]
    )
    with np.errstate(divide="ignore"):  # log(0) at u = 0 and 1
        # Some u land exactly on nodes in logit space (the branch that returns the node's value).
        assert np.isin(np.log(u) - np.log1p(-u), nodes).sum() > 1000
        assert _same_bits(front.t_quantile(u, df), _np_interp_t_quantile(u, df))
    assert np.isnan(front.t_quantile(np.array([np.nan]), df)).all()
    assert front.t_quantile(u[:6].reshape(2, 3), df).shape == (2, 3)


def test_interpolation_on_an_even_grid_is_np_interp():
    rng = np.random.default_rng(24)
    xp = np.linspace(-3.0, 5.0, 17)
    fp = np.cumsum(rng.normal(size=17))
    fp[5] = fp[6]  # a flat interval
    slopes = (fp[1:] - fp[:-1]) / (xp[1:] - xp[:-1])
    x = np.concatenate(
        [
            rng.uniform(-4, 6, 100_000),
            xp,
            np.nextafter(xp, -np.inf),
            np.nextafter(xp, np.inf),
            [-np.inf, np.inf, np.nan],
        ]
    )
    out = np.empty_like(x)
    beyond = front._interp_even(x, xp, fp, slopes, out)
    assert beyond == np.sum((x < xp[0]) | (x > xp[-1]))
    expected = np.interp(x, xp, fp)
    assert np.array_equal(out, expected, equal_nan=True)
    assert _same_bits(out[~np.isnan(x)], expected[~np.isnan(x)])


# ---------------------------------------------------------------- order statistics


def _sorted_order_statistics(stack, positions):
    """The former formulation: a full sort, then the same interpolation arithmetic."""
    below, above, gamma = positions
    n = stack.shape[1]
    stack = np.sort(stack, axis=1)
    lower, upper = stack[:, below], stack[:, above]
    diff = upper - lower
    quantiles = lower + diff * gamma
    np.subtract(upper, diff * (1 - gamma), out=quantiles, where=gamma >= 0.5)
    middle = stack[:, n // 2]
    medians = middle.copy() if n % 2 else (stack[:, n // 2 - 1] + middle) / 2
    has_nan = np.isnan(stack[:, -1])
    quantiles[has_nan] = np.nan
    medians[has_nan] = np.nan
    return quantiles, medians


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 19, 20, 21, 100, 101, 4096, 100_000])
def test_order_statistics_have_the_bits_of_a_full_sort(n):
    rng = np.random.default_rng(25 + n)
    stack = rng.standard_t(3, size=(8, n)) * 100
    stack[1] = np.round(stack[1]) + 0.5  # ties (no zeros, whose sign a sort leaves open)
    stack[2] = 7.0  # a constant row
    stack[3] = np.linspace(1.0, 2.0, n)  # sorted already
    stack[4] = stack[3][::-1]  # sorted backwards
    stack[5, : n // 3 + 1] = np.inf  # infinities
    stack[6, rng.integers(0, n)] = np.nan  # one NaN
    stack[7, : n // 2 + 1] = np.nan  # NaN in most places
    positions = _quantile_positions(n)
    with np.errstate(invalid="ignore"):  # inf - inf
        quantiles, medians = order_statistics(stack.copy(), positions)
        expected_q, expected_m = _sorted_order_statistics(stack, positions)
    assert _same_bits(quantiles, expected_q)
    assert _same_bits(medians, expected_m)
    assert np.isnan(quantiles[6:]).all() and np.isnan(medians[6:]).all()
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(quantiles[:6], np.quantile(stack[:6], QUANTILES, axis=1).T)
    np.testing.assert_array_equal(medians[:6], np.median(stack[:6], axis=1))


def test_order_statistics_leave_a_permutation_of_the_stack():
    stack = np.random.default_rng(26).normal(size=(6, 1001))
    work = stack.copy()
    order_statistics(work, _quantile_positions(1001))
    np.testing.assert_array_equal(np.sort(work, axis=1), np.sort(stack, axis=1))
