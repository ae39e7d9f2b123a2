"""The compiled kernels of the day (model/kernels.py) against the array formulas they replace."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ceasefire_sim.model import kernels, truce
from ceasefire_sim.model.model import CeasefireModel, _take
from ceasefire_sim.negotiation import preferences

# ------------------------------------------------------------------------------ same bits


def _cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(1_000, 3))
    changed = x.copy()
    changed[999, 2] = np.nextafter(changed[999, 2], np.inf)  # the last word differs by one ulp
    flags = rng.random((1_001, 3)) < 0.5  # 3,003 bytes: not a whole number of 8-byte words
    flipped = flags.copy()
    flipped[500, 1] = ~flipped[500, 1]
    return [
        (x, x.copy()),
        (x, changed),
        (x, x.reshape(3, 1_000)),  # the same bytes, another shape
        (x, x.astype(np.float32)),  # another dtype
        (np.array([0.0]), np.array([-0.0])),  # equal values, other bits
        (np.array([np.nan]), np.array([np.nan])),  # the same NaN bits
        (np.zeros(200), np.where(np.arange(200) == 199, -0.0, 0.0)),  # the same, compiled
        (np.full(200, np.nan), np.full(200, np.nan)),
        (flags, flags.copy()),
        (flags, flipped),
        (x[:, 1], x[:, 1].copy()),  # a strided view
        (x.T, np.asfortranarray(x).T.copy()),  # a transposed view
        (x.reshape(10, 100, 3), changed.reshape(10, 100, 3)),
        (np.float64(1.5), np.float64(1.5)),  # 0-d
        (x.astype(np.complex128), x.astype(np.complex128)),  # 16-byte items
        (np.empty((0, 3)), np.empty((0, 3))),
    ]


@pytest.mark.parametrize("case", range(len(_cases())))
def test_same_bits_is_comparing_the_bytes(case):
    a, b = _cases()[case]
    expected = a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert kernels.same_bits(a, b) is expected


# ------------------------------------------------------------------------------ distinct rows


def _bits(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64).view(np.int64)


@pytest.mark.parametrize("kinds", [1, 3, kernels.RECENT_ROWS, 3 * kernels.RECENT_ROWS])
def test_distinct_rows_gather_back_every_world(kinds):
    rng = np.random.default_rng(kinds)
    table = rng.normal(size=(kinds, 5))
    which = rng.integers(0, kinds, 4_000)
    x = table[which]
    y = np.broadcast_to(rng.normal(), (4_000, 2))  # a scalar parameter, as the model passes it
    rows, index = kernels.distinct_rows(x, y)
    np.testing.assert_array_equal(_bits(x[rows][index]), _bits(x))
    # Each row is the first world of its kind, in order; each kind is found at least once.
    assert np.all(np.diff(rows) > 0) and rows[0] == 0
    assert len(np.unique(which[rows])) == kinds
    if kinds <= kernels.RECENT_ROWS:
        # Kinds that recur among the most recent ones are all found: one row each.
        assert len(rows) == kinds


def test_distinct_rows_compare_bits():
    """-0.0 is not 0.0 (a formula may tell them apart); a NaN matches the same NaN."""
    x = np.array([[0.0], [-0.0], [np.nan], [np.nan], [0.0], [1.0]])
    rows, index = kernels.distinct_rows(x)
    np.testing.assert_array_equal(rows, [0, 1, 2, 5])
    np.testing.assert_array_equal(index, [0, 1, 2, 2, 0, 3])


def test_distinct_rows_join_their_arrays():
    """A world is new where any one of its arrays differs."""
    a = np.array([[1.0, 2.0]] * 4)
    b = np.array([[5.0], [5.0], [6.0], [5.0]])
    c = np.broadcast_to(np.array([[1.0, 1.0, 1.0]]), (4, 3)).copy()
    c[3, 2] = 2.0
    rows, index = kernels.distinct_rows(a, b, c)
    np.testing.assert_array_equal(rows, [0, 2, 3])
    np.testing.assert_array_equal(index, [0, 0, 1, 2])
    with pytest.raises(ValueError):
        kernels.distinct_rows(a, b[:3])


def test_distinct_rows_find_every_kind_and_can_give_up():
    """Any number of kinds is found once each; a search that gives up maps every world to itself."""
    rng = np.random.default_rng(11)
    table = rng.normal(size=(500, 2))
    which = rng.integers(0, 500, 20_000)
    x = table[which]
    rows, index = kernels.distinct_rows(x, np.broadcast_to(1.5, (20_000, 3)), give_up_after=1024)
    assert len(rows) == len(np.unique(which))
    np.testing.assert_array_equal(_bits(x[rows][index]), _bits(x))
    fresh = rng.normal(size=(5_000, 1))
    rows, index = kernels.distinct_rows(fresh, give_up_after=256)
    np.testing.assert_array_equal(rows, np.arange(5_000))
    np.testing.assert_array_equal(index, np.arange(5_000))
    same = np.broadcast_to(2.0, (40, 4))
    rows, index = kernels.distinct_rows(same, same[:, :1].copy())
    np.testing.assert_array_equal(rows, [0])
    np.testing.assert_array_equal(index, np.zeros(40))


@pytest.mark.parametrize("kinds", [1, 3, 40, None])
def test_hold_share_of_distinct_elements_is_the_full_formula(kinds):
    """Each distinct element once (or all, where most differ): the bits of every element's."""
    rng = np.random.default_rng(7)
    n = 3_000
    if kinds is None:
        hr, shape = rng.uniform(0.1, 2.0, (n, 1, 1)), rng.uniform(0.3, 1.0, (n, 1, 1))
    else:
        pick = rng.integers(0, kinds, n)
        hr = rng.uniform(0.1, 2.0, kinds)[pick][:, None, None]
        shape = rng.choice([0.374, 0.5, 1.0], kinds)[pick][:, None, None]
    ratios = np.array([[1.0, 0.5, 0.25]])[:, :, None] * np.array([1.0, 0.8, 0.6])[None, None, :]
    span = np.minimum(np.array([30.0, 90.0, np.inf]), 365.0)[None, None, :]
    args = (hr * ratios, 0.258, shape, span)
    fast = truce.hold_share(*args)
    full = truce._hold_share(*np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in args)))
    assert fast.shape == full.shape == (n, 3, 3)
    np.testing.assert_array_equal(_bits(fast), _bits(full))


# --------------------------------------------------------------------------------- durability


def _durability_formula(model: CeasefireModel, worlds, horizon_days) -> np.ndarray:
    """The former formula: the hold share of every world and option, in full."""
    p = model.params
    rows = slice(None) if worlds is None else worlds
    n = model.worlds if worlds is None else len(worlds)
    outcome = model.space.outcome

    def ratios(issue):
        return np.stack(
            [
                np.broadcast_to(
                    1.0 if o.hazard_ratio is None else _take(p[o.hazard_ratio], rows), (n,)
                )
                for o in outcome.issue(issue).options
            ],
            axis=1,
        )

    hr = ratios("guarantees")[:, :, None] * ratios("truce")[:, None, :]
    threats = np.broadcast_to(
        _take(np.asarray(model.ukraine.threat) + np.asarray(model.russia.threat), rows), (n,)
    )
    pressure = np.exp(_take(p["truce.pressure_hazard_beta"], rows) * threats)
    monitoring = np.broadcast_to(_take(p["truce.monitoring_hazard_ratio"], rows), (n,))
    hr = hr * (monitoring * pressure * model.recidivism(rows))[:, None, None]
    h = np.broadcast_to(np.asarray(horizon_days, dtype=float), (n,))
    span = np.minimum(model._truce_length_days[None, :], h[:, None])[:, None, :]
    return truce.hold_share(
        hr,
        np.broadcast_to(_take(p["truce.base_hazard_per_day"], rows), (n,))[:, None, None],
        np.broadcast_to(_take(p["truce.hazard_shape"], rows), (n,))[:, None, None],
        span,
    )


@pytest.mark.parametrize("per_world", [False, True])
def test_durability_is_the_formula_bit_for_bit(baseline, per_world):
    """Shared and per-world inputs, threats and breakdowns in some worlds, all or some worlds."""
    worlds = 600
    rng = np.random.default_rng(5)
    overrides = (
        {
            "truce.hazard_shape": rng.uniform(0.3, 0.9, worlds),
            "truce.monitoring_hazard_ratio": rng.choice([0.6, 0.8, 1.0], worlds),
        }
        if per_world
        else {}
    )
    model = CeasefireModel(baseline, worlds, 3, days=10, overrides=overrides)
    model.ukraine.threat = np.where(rng.random(worlds) < 0.2, rng.uniform(0, 0.2, worlds), 0.0)
    model.russia.threat = np.zeros(worlds)
    model.breakdowns[rng.random(worlds) < 0.3] = 1
    model.breakdowns[:7] = 2
    some = np.sort(rng.choice(worlds, 250, replace=False))
    for chosen, horizon in [
        (None, 180.0),
        (None, rng.choice([90.0, 365.0], worlds)),
        (some, rng.uniform(30.0, 720.0, len(some))),
        (some[:1], 365.0),
    ]:
        fast = model.durability(chosen, horizon)
        slow = _durability_formula(model, chosen, horizon)
        assert fast.shape == slow.shape
        np.testing.assert_array_equal(_bits(fast), _bits(slow))


# ------------------------------------------------------------------- running shares, kept


def test_running_shares_are_kept_only_while_the_truces_in_force_stand(baseline):
    model = CeasefireModel(baseline, 50, 3, days=10)
    limited = model.limited
    first = limited.running()
    assert limited.running() is first and not first.flags.writeable
    np.testing.assert_array_equal(first, 1.0)
    # A truce begins (written directly, as a test or an event may): the shares follow.
    limited.in_force[:10, 0] = True
    paused = limited.running()
    assert paused is not first
    np.testing.assert_array_equal(paused, limited._running_share())
    assert (paused[:10] < 1.0).any() and np.all(paused[10:] == 1.0)
    limited.unilateral[:5, 0] = True
    np.testing.assert_array_equal(limited.running(), limited._running_share())
    # A parameter written (the store's version moves): computed afresh.
    leak = "partial_truces.scopes." + limited_names()[0] + ".leak_share"
    model.params.set(leak, 0.5)
    np.testing.assert_array_equal(limited.running(), limited._running_share())
    assert np.all(limited.running()[5:10][paused[5:10] < 1.0] == 0.5)


def limited_names() -> tuple[str, ...]:
    from ceasefire_sim.negotiation.scopes import LIMITED_NAMES

    return LIMITED_NAMES


# ------------------------------------------------------------ limited truces: what is kept


def test_linked_views_and_kept_valuations_give_the_plain_surpluses(baseline):
    """A linked term read through LinkedView, and gains kept across terms, change no bit."""
    from ceasefire_sim.negotiation.scopes import LIMITED

    model = CeasefireModel(baseline, 300, 4, days=30)
    for _ in range(3):
        model.step()
    at_war = np.flatnonzero(~model.in_ceasefire)
    ua, ru = model.side_views(at_war)
    model._views_today = (model.day, at_war, ua, ru)
    worlds = at_war[::3]
    rows = np.searchsorted(at_war, worlds)
    limited = model.limited
    linked = limited.linked_views(worlds)
    key = next(t for s in LIMITED for t in limited._terms[s.name] if t is not None)
    index = model.space.outcome.option_index[key]
    np.testing.assert_array_equal(linked[0].column(index), ua.subset(rows).option_utility[:, index])
    issue = key.split(".", 1)[0]
    np.testing.assert_array_equal(
        np.broadcast_to(linked[1].war(issue), (len(worlds),)),
        np.broadcast_to(ru.subset(rows).war_by_issue.get(issue, 0.0), (len(worlds),)),
    )
    kept: dict = {}
    for k in range(len(LIMITED)):
        kept = {}
        for t in range(len(limited._truce_days)):
            for term_key in (None, key):
                cached = limited.surpluses(k, worlds, linked, t, term_key, kept)
                plain = limited.surpluses(k, worlds, linked, np.full(len(worlds), t), term_key)
                for a, b in zip(cached, plain, strict=True):
                    np.testing.assert_array_equal(_bits(a), _bits(b))
    assert any(isinstance(name, tuple) for name in kept)


# ------------------------------------------------------------------------- territory terms


def test_territory_terms_add_the_pause_as_the_array_formula(baseline):
    """The shift in power while a pause holds, added in the compiled loop: the array's bits."""
    model = CeasefireModel(baseline, 300, 3, days=5)
    model.run()
    worlds = np.arange(300)
    control, lines = model.control_km2, model.deal_lines_km2(worlds)
    for view in model.side_views(worlds):
        assert view.pause_km2 is not None
        fast = preferences.territory_terms(view, model.space, control, lines)
        bare = dataclasses.replace(view, pause_km2=None)
        slow = preferences.territory_terms(bare, model.space, control, lines)
        lam = np.broadcast_to(np.asarray(view.value_per_km2, dtype=float), (300,))
        slow += (view.sign * lam)[:, None, None] * view.pause_km2[:, None, :]
        np.testing.assert_array_equal(_bits(fast), _bits(slow))


# ------------------------------------------------------------------ limited truces' hazard ratio


def test_limited_hazard_ratio_of_shared_ratios_is_the_per_world_product(baseline):
    """Ratios shared by every world give the bits of the same ratios given world by world."""
    worlds = 200
    shared = CeasefireModel(baseline, worlds, 3, days=5)
    value = shared.params["truce.monitoring_hazard_ratio"]
    per_world = CeasefireModel(
        baseline,
        worlds,
        3,
        days=5,
        overrides={"truce.monitoring_hazard_ratio": np.full(worlds, value)},
    )
    rng = np.random.default_rng(2)
    some = np.sort(rng.choice(worlds, 80, replace=False))
    term = rng.integers(0, 3, len(some))
    for k in range(3):
        fast = shared.limited.hazard_ratio(k, term, some)
        slow = per_world.limited.hazard_ratio(k, term, some)
        assert fast.shape == (len(some),)
        np.testing.assert_array_equal(_bits(fast), _bits(slow))
