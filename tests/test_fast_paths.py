"""The optimised paths compute exactly what the plain formulas compute (bit for bit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ceasefire_sim import CeasefireModel, simulate
from ceasefire_sim.model.recorder import QUANTILES, _quantile_positions, order_statistics
from ceasefire_sim.negotiation import preferences as talks
from ceasefire_sim.negotiation.solutions import nash_choice
from ceasefire_sim.negotiation.space import BUILT_IN, PackageSpace

SPACES = [
    PackageSpace.full(),
    PackageSpace.restricted({"territory": ["freeze", "recognition"], "truce": ["days_30"]}),
]


def _sequential_sums(u: np.ndarray, space: PackageSpace) -> np.ndarray:
    """Each package's option utilities added left to right in issue order (the reference)."""
    cols = space.package_columns
    out = u[:, cols[:, 0]].copy()
    for c in range(1, cols.shape[1]):
        out = out + u[:, cols[:, c]]
    return out


@pytest.mark.parametrize("space", SPACES)
def test_issue_sums_are_the_sequential_sums_of_the_option_matrix(space):
    rng = np.random.default_rng(0)
    u = rng.normal(size=(37, len(BUILT_IN.option_keys))) * 10.0 ** rng.integers(-3, 3, (37, 1))
    sums = talks.issue_sums(u, space)
    np.testing.assert_array_equal(sums, _sequential_sums(u, space))
    np.testing.assert_allclose(sums, u @ space.matrix.T, rtol=1e-12, atol=1e-12)
    rows = rng.integers(0, space.size, 37)
    np.testing.assert_array_equal(talks._issue_sums_at(u, space, rows), sums[np.arange(37), rows])
    buffer = np.empty((37, space.size))
    assert talks.issue_sums(u, space, out=buffer) is buffer


def _lines(control: np.ndarray, space: PackageSpace | None = None) -> np.ndarray:
    """The lines under each territory option, for the four oblasts, Donetsk and the 2022 line."""
    parameters = {
        "territory.four_oblasts_unheld_km2": 23_000.0,
        "territory.donetsk_unheld_km2": 7_900.0,
        "territory.line_2022_km2": 43_000.0,
    }
    outcome = BUILT_IN if space is None else space.outcome
    return outcome.lines_km2(control, parameters.get)


def _side(
    rng: np.random.Generator, n: int, sign: float = -1.0, options: int = len(BUILT_IN.option_keys)
) -> talks.SideView:
    return talks.SideView(
        option_utility=rng.normal(size=(n, options)),
        war_issues=rng.normal(size=n),
        sign=sign,
        value_per_km2=1e-4,
        drift_km2_per_day=rng.normal(5, 3, size=n),
        drift_var=rng.uniform(0.1, 10, size=n),
        obs_var=225.0,
        cost_per_day=rng.uniform(0, 1e-3, size=n),
        risk_aversion=0.2,
        horizon_days=180.0,
    )


@pytest.mark.parametrize("space", SPACES)
def test_surplus_of_all_and_at_agree_with_the_formula(space):
    rng = np.random.default_rng(1)
    n = 25
    side = _side(rng, n)
    control = rng.uniform(100_000, 120_000, n)
    lines = _lines(control)
    terms = talks.territory_terms(side, space, control, lines)
    full = talks.surplus_of_all(side, space, control, lines, terms=terms)
    terr, truce = space.issue_choice("territory"), space.issue_choice("truce")
    formula = (_sequential_sums(side.option_utility, space) - side.war_issues[:, None]) + terms[
        :, terr, truce
    ]
    np.testing.assert_array_equal(full, formula)
    np.testing.assert_array_equal(talks.surplus_of_all(side, space, control, lines), full)
    rows = rng.integers(0, space.size, n)
    at = talks.surplus_at(side, space, control, lines, rows, terms=terms)
    np.testing.assert_array_equal(at, full[np.arange(n), rows])
    np.testing.assert_array_equal(talks.surplus_at(side, space, control, lines, rows), at)


def _territory_terms_formula(side, control, lines):
    """The territory terms as array operations (the compiled loop must give the same bits)."""
    horizon = np.asarray(side.horizon_days, dtype=float)
    per_world = np.atleast_1d(horizon)
    days = np.stack([np.minimum(30, per_world), np.minimum(90, per_world), per_world], axis=-1)
    horizon = horizon[..., None] if horizon.ndim else horizon
    lam = np.atleast_1d(np.asarray(side.value_per_km2, dtype=float))
    line_gain = side.sign * lam[:, None] * (lines - control[:, None])
    forgone = side.sign * lam * side.drift_km2_per_day
    obs_var = np.atleast_1d(np.asarray(side.obs_var, dtype=float))[:, None]
    var = side.drift_var[:, None]
    sd_full = np.sqrt(var * horizon**2 + obs_var * horizon)
    rest = np.maximum(horizon - days, 0.0)
    sd_rest = np.sqrt(var * rest**2 + obs_var * rest)
    cost = np.atleast_1d(np.asarray(side.cost_per_day, dtype=float))[:, None]
    per_truce = -forgone[:, None] * days + cost * days
    risk = np.atleast_1d(np.asarray(side.risk_aversion, dtype=float))[:, None]
    per_truce += risk * lam[:, None] * (sd_full - sd_rest)
    return line_gain[:, :, None] + per_truce[:, None, :]


@pytest.mark.parametrize("per_world", [False, True])
def test_territory_terms_are_the_array_formula(per_world):
    rng = np.random.default_rng(4)
    n = 50
    side = _side(rng, n)
    if per_world:
        side.horizon_days = rng.uniform(20, 400, n)
        side.value_per_km2 = rng.uniform(1e-5, 1e-3, n)
        side.obs_var = rng.uniform(100, 400, n)
        side.risk_aversion = rng.uniform(0, 1, n)
    control = rng.uniform(100_000, 120_000, n)
    lines = _lines(control)
    space = PackageSpace.full()
    terms = talks.territory_terms(side, space, control, lines)
    np.testing.assert_array_equal(terms, _territory_terms_formula(side, control, lines))
    rows = rng.integers(0, space.size, n)
    np.testing.assert_array_equal(
        talks.surplus_at(side, space, control, lines, rows),
        talks.surplus_at(side, space, control, lines, rows, terms=terms),
    )


def _nash_reference(sa, sb, feasible=None, bonus=None):
    """The plain formulation of the mediator's choice (as first written)."""
    both = (sa > 0) & (sb > 0)
    smaller = np.minimum(sa, sb)
    if feasible is not None:
        both &= feasible
        smaller = np.where(feasible, smaller, -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(
            both, np.log(np.where(both, sa, 1.0)) + np.log(np.where(both, sb, 1.0)), -np.inf
        )
    if bonus is not None:
        score = score + bonus
    agreeable = both.any(axis=1)
    return np.where(agreeable, score.argmax(axis=1), smaller.argmax(axis=1)), agreeable


@pytest.mark.parametrize("feasible_shape", [None, "row", "matrix"])
@pytest.mark.parametrize("bonus_shape", [None, "row", "matrix"])
def test_nash_choice_equals_the_plain_formulation(feasible_shape, bonus_shape):
    rng = np.random.default_rng(2)
    n, p = 60, 48
    # A mix of worlds with and without an agreeable package, with exact ties among packages.
    sa = np.round(rng.normal(0, 1, (n, p)), 1) - np.linspace(-1, 1.5, n)[:, None]
    sb = np.round(rng.normal(0, 1, (n, p)), 1) - np.linspace(1.5, -1, n)[:, None]
    feasible = {
        None: None,
        "row": rng.random(p) < 0.7,
        "matrix": rng.random((n, p)) < 0.7,
    }[feasible_shape]
    bonus = {None: None, "row": rng.normal(0, 0.05, p), "matrix": rng.normal(0, 0.05, (n, p))}[
        bonus_shape
    ]
    choice, agreeable = nash_choice(sa, sb, feasible, bonus)
    expected_choice, expected_agreeable = _nash_reference(sa, sb, feasible, bonus)
    assert 0 < agreeable.sum() < n
    np.testing.assert_array_equal(agreeable, expected_agreeable)
    np.testing.assert_array_equal(choice, expected_choice)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 11, 1000, 1001])
def test_order_statistics_are_numpy_quantiles_and_medians(n):
    rng = np.random.default_rng(n)
    stack = rng.standard_t(3, size=(6, n)) * 100
    stack[1] = np.round(stack[1])  # ties
    stack[2] = 7.0  # a constant row
    expected_q = np.quantile(stack, QUANTILES, axis=1).T
    expected_m = np.median(stack, axis=1)
    quantiles, medians = order_statistics(stack.copy(), _quantile_positions(n))
    np.testing.assert_array_equal(quantiles, expected_q)
    np.testing.assert_array_equal(medians, expected_m)
    stack[3, 0] = np.nan
    quantiles, medians = order_statistics(stack.copy(), _quantile_positions(n))
    assert np.isnan(quantiles[3]).all() and np.isnan(medians[3])
    np.testing.assert_array_equal(quantiles[4], expected_q[4])


def test_datacollector_medians_are_numpys(baseline):
    model = CeasefireModel(baseline, worlds=8, seed=3, days=20)
    model.run()
    last = model.datacollector.get_model_vars_dataframe().iloc[-1]
    assert last["control_km2"] == np.median(model.control_km2)
    assert last["belief_russia_km2_per_day"] == np.median(model.russia.belief_mean)
    assert last["share_war"] == np.mean(~model.in_ceasefire)


@pytest.fixture(scope="module")
def pressed(baseline):
    """The baseline with more US leverage: more ceasefires, expiries and breakdowns to check."""
    from ceasefire_sim.scenario.loader import load_scenario

    baseline_file = (
        Path(__file__).resolve().parents[1] / "scenarios" / "white_house_2025-03-13.yaml"
    )
    return load_scenario(
        baseline_file, ["mediator.leverage_on_russia=1.5", "mediator.leverage_on_ukraine=1.5"]
    )


def _same_results(a, b):
    columns = [c for c in a.outcomes.columns if c in b.outcomes.columns]
    np.testing.assert_array_equal(
        a.outcomes[columns].to_numpy(dtype=str), b.outcomes[columns].to_numpy(dtype=str)
    )
    np.testing.assert_array_equal(
        a.daily.drop(columns="date").to_numpy(), b.daily.drop(columns="date").to_numpy()
    )
    assert a.events.equals(b.events)


@pytest.mark.parametrize(
    "path",
    [
        "allies.france.gdp_bn",
        "mediator.preferences.guarantees.european_force",
        "mediator.preference_weight",
        "belligerents.russia.preferences.values.nato.moratorium",
        "belligerents.ukraine.preferences.salience.territory",
        "front.noise_df",
        "truce.hazard_ratio_type.indefinite",
        "truce.violations_per_day",
        "talks.logit_scale",
        "talks.interval_days",
    ],
)
def test_a_parameter_given_per_world_gives_the_same_results_as_shared(pressed, path):
    """Shared parameters take shortcuts (one column, one row); per-world ones the general path."""
    n, days = 40, 150
    shared = simulate(pressed, worlds=n, seed=6, days=days)
    value = float(CeasefireModel(pressed, worlds=1, seed=0).params[path])
    per_world = simulate(pressed, worlds=n, seed=6, days=days, overrides={path: np.full(n, value)})
    assert (shared.outcomes["ceasefires"] > 0).sum() > 5
    _same_results(shared, per_world)


def test_alliance_widens_when_an_event_makes_allies_differ_by_world(baseline):
    n = 30
    france = "allies.france.gdp_bn"
    gdp = float(CeasefireModel(baseline, worlds=1, seed=0).params[france])
    collapsed = CeasefireModel(baseline, worlds=n, seed=2, days=60)
    wide = CeasefireModel(baseline, worlds=n, seed=2, days=60, overrides={france: np.full(n, gdp)})
    assert collapsed.alliance._width == 1 and wide.alliance._width == n
    for _ in range(10):
        collapsed.step()
        wide.step()
    changed = np.linspace(0.5, 1.5, n) * gdp
    collapsed.params.set(france, changed)
    wide.params.set(france, changed)
    collapsed.run()
    wide.run()
    assert collapsed.alliance._width == n
    np.testing.assert_array_equal(
        collapsed.alliance.defence_share_pct, wide.alliance.defence_share_pct
    )
    np.testing.assert_array_equal(collapsed.allied_aid_total_bn, wide.allied_aid_total_bn)
    assert len(np.unique(wide.allied_aid_total_bn)) > 1
    model = CeasefireModel(baseline, worlds=n, seed=6, days=5)
    assert model.alliance.defence_share_pct.shape == (31, n)
    assert model.allies[3].defence_share_pct.shape == (n,)


def test_side_view_of_some_worlds_is_the_subset_of_all_worlds(baseline):
    model = CeasefireModel(baseline, worlds=30, seed=8, days=60)
    model.run()
    worlds = np.array([0, 4, 5, 17, 29])
    for side in model.side_views(worlds), model.side_views():
        assert side[0].option_utility.shape[1] == len(BUILT_IN.option_keys)
    some, every = model.side_views(worlds), model.side_views()
    for part, whole in zip(some, every, strict=True):
        subset = whole.subset(worlds)
        for name in part.__dict__:
            if name == "war_by_issue":
                for issue, value in part.war_by_issue.items():
                    np.testing.assert_array_equal(
                        np.broadcast_to(value, np.shape(subset.war_by_issue[issue])),
                        subset.war_by_issue[issue],
                    )
                continue
            if name == "fixed_term":
                np.testing.assert_array_equal(part.fixed_term.array(), subset.fixed_term.array())
                continue
            np.testing.assert_array_equal(
                np.broadcast_to(getattr(part, name), np.shape(getattr(subset, name))),
                getattr(subset, name),
                err_msg=name,
            )


def test_option_utility_follows_a_changed_preference(baseline):
    model = CeasefireModel(baseline, worlds=3, seed=0, days=5)
    col = BUILT_IN.option_index["sanctions.lifted"]
    before = model.russia.options_valued()[:, col].copy()
    model.params.scale("belligerents.russia.preferences.salience.sanctions", 2.0)
    np.testing.assert_allclose(model.russia.options_valued()[:, col], 2 * before)
    assert set(model.russia.salience()) == set(BUILT_IN.names)


def test_results_do_not_depend_on_the_chunk_size(pressed):
    runs = [simulate(pressed, worlds=150, seed=4, days=120, chunk_size=c) for c in (7, 64, 4096)]
    assert (runs[0].outcomes["ceasefires"] > 0).sum() > 10
    for other in runs[1:]:
        _same_results(runs[0], other)


def test_per_world_mediator_preferences_do_not_depend_on_the_chunk_size(pressed, monkeypatch):
    from ceasefire_sim.model import model as model_module

    rng = np.random.default_rng(9)
    overrides = {
        "mediator.preference_weight": rng.uniform(0.0, 2.0, 150),
        "mediator.preferences.guarantees.none": rng.uniform(0.0, 1.0, 150),
    }
    model = CeasefireModel(pressed, worlds=150, seed=4, days=5, overrides=overrides)
    assert model._mediator_varies_by_world()
    assert not CeasefireModel(pressed, worlds=150, seed=4, days=5)._mediator_varies_by_world()
    whole = simulate(pressed, worlds=150, seed=4, days=120, overrides=overrides)
    assert (whole.outcomes["ceasefires"] > 0).sum() > 10
    _same_results(
        whole, simulate(pressed, worlds=150, seed=4, days=120, overrides=overrides, chunk_size=7)
    )
    monkeypatch.setattr(model_module, "PER_WORLD_FACTOR_CHUNK", 16)
    _same_results(whole, simulate(pressed, worlds=150, seed=4, days=120, overrides=overrides))
    # Each world has its own row of factors on the Nash product.
    factor = model._mediator_factor(np.arange(150))
    assert factor.shape == (150, model.space.size)
    assert np.allclose(factor.max(axis=1), 1.0) and len(np.unique(factor[:, 0])) > 100
