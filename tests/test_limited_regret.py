"""Limited truces: the general ceasefire's hazard model, and regret that erodes before an end.

Each statistical check uses a fixed seed and a tolerance from its Monte Carlo error.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.model.partial import eroded_share
from ceasefire_sim.negotiation.scopes import CHANNELS, LIMITED_NAMES
from ceasefire_sim.scenario.loader import load_scenario
from ceasefire_sim.validation.history import CASES_DIR, GRAIN_SCOPE, grain, run_case

MARITIME = LIMITED_NAMES.index("maritime")
SHIPPING = [c.name for c in CHANNELS].index("shipping")
INDEFINITE = 2


def _quiet(scenario):
    """No talks and no declarations: the truces here are started by hand."""
    return scenario.model_copy(
        update={
            "talks": scenario.talks.model_copy(update={"enabled": False}),
            "partial_truces": scenario.partial_truces.model_copy(update={"enabled": False}),
        }
    )


def _maritime_everywhere(scenario, worlds: int, days: int, seed: int, **overrides):
    """A model with an unlinked, open-ended maritime truce begun by hand on day 1 in every world."""
    model = CeasefireModel(
        _quiet(scenario), worlds=worlds, seed=seed, days=days + 1, overrides=overrides
    )
    model.step()
    everywhere = np.arange(worlds)
    model.limited._start(
        everywhere,
        MARITIME,
        np.full(worlds, INDEFINITE),
        np.zeros(worlds, dtype=bool),
        unilateral=False,
    )
    return model


@pytest.mark.parametrize(
    ("case", "shape", "overrides", "factor"),
    [
        # Russia gives up nothing (its strikes on ports are worth nothing to it): no discontent.
        ("content, Weibull", 0.374, {"partial_truces.scopes.maritime.hazard_ratio": 1.0}, 1.0),
        ("content, constant", 1.0, {"partial_truces.scopes.maritime.hazard_ratio": 0.1}, 1.0),
        # Russia gives up its strikes for nothing: discontent 1 raises the hazard by e^beta.
        ("discontented", 0.374, {}, np.exp(2.0)),
    ],
)
def test_a_limited_truce_survives_as_the_general_ceasefires_hazard_implies(
    baseline, case, shape, overrides, factor
):
    worlds, days = 4000, 60
    settings = {
        "truce.hazard_shape": shape,
        "partial_truces.worth_drift_sd": 0.0,
        "partial_truces.channels.shipping.attacker_value_per_day": (
            0.0 if case.startswith("content") else 40.0
        ),
        **overrides,
    }
    model = _maritime_everywhere(baseline, worlds, days, seed=11, **settings)
    survival = np.empty(days)
    for day in range(days):
        model.step()
        survival[day] = model.limited.in_force[:, MARITIME].mean()
    assert model.limited.discontent["ukraine"].max() == 0.0
    expected_d = 0.0 if case.startswith("content") else 1.0
    holding = model.limited.in_force[:, MARITIME]
    assert np.allclose(model.limited.discontent["russia"][holding, MARITIME], expected_d)
    # S(t) = exp(-c t^k), c = h0 * HR(indefinite) * HR(maritime) * monitoring * e^(beta d).
    hr = settings.get("partial_truces.scopes.maritime.hazard_ratio", 0.1)
    c = 0.258 * 0.5 * hr * 1.0 * factor
    t = np.arange(1, days + 1)
    expected = np.exp(-c * t**shape)
    z = (survival - expected) / np.sqrt(expected * (1 - expected) / worlds)
    z_crit = float(stats.norm.isf(0.001 / (2 * days)))
    assert np.max(np.abs(z)) < z_crit, (case, survival[[0, 9, 59]], expected[[0, 9, 59]])


def test_a_discontented_attacker_lets_through_more_of_its_paused_channel(baseline):
    # Russia gives up its strikes on ports for nothing, and nothing breaks the truce.
    model = _maritime_everywhere(
        baseline,
        50,
        5,
        seed=3,
        **{"partial_truces.worth_drift_sd": 0.0, "truce.base_hazard_per_day": 0.0},
    )
    running = []
    for _ in range(5):
        model.step()
        running.append(model.channels.running[:, SHIPPING].copy())
    leak = model.params["partial_truces.scopes.maritime.leak_share"]
    # Day 2 at the leak (no regret measured yet); then at discontent 1, 63% of the rest resumes.
    assert np.allclose(running[0], leak)
    assert np.allclose(running[1:], leak + (1 - leak) * (1 - np.exp(-1.0)))
    assert np.allclose(eroded_share(leak, np.ones(1)), running[-1][0])


def test_the_worth_of_what_a_side_gives_up_drifts_as_a_random_walk(baseline):
    worlds, days, sd = 2000, 40, 0.25
    model = _maritime_everywhere(
        baseline,
        worlds,
        days,
        seed=5,
        **{"partial_truces.worth_drift_sd": sd, "truce.base_hazard_per_day": 0.0},
    )
    for _ in range(days):
        model.step()
    drift = model.limited.drift["russia"][:, MARITIME]
    # The walk's variance after `days` steps, sd^2 * days, within 4 s.e. of a sample variance.
    ratio = drift.var(ddof=1) / (sd**2 * days)
    assert abs(ratio - 1) < 4 * np.sqrt(2 / (worlds - 1))
    assert abs(drift.mean()) < 4 * sd * np.sqrt(days / worlds)
    # Russia gains nothing and gives up its strikes: the share it is not repaid is 1 - x.
    d = model.limited.discontent["russia"][:, MARITIME]
    assert np.allclose(d, np.maximum(1 - drift, 0))
    # Ukraine gives up nothing under an unlinked maritime truce: nothing to regret.
    assert (model.limited.discontent["ukraine"][:, MARITIME] == 0).all()


@pytest.mark.slow
def test_the_grain_initiatives_flows_fall_before_its_end_by_the_attackers_regret():
    scenario = load_scenario(CASES_DIR / "black_sea_grain_2022-07-01.yaml")
    worlds = 1000
    _, passed, figures, _ = grain(run_case(scenario, worlds, 1, scope=GRAIN_SCOPE), True)
    # Margins of many standard errors: P(within 60 d) about 0.68 (s.e. 0.015), the share of
    # ends after a fall about 0.7 of about 480 (s.e. 0.02), the median about 330 days.
    assert passed, figures
    assert figures["p_agree_60"] >= 0.5 and figures["p_flows_fall"] >= 0.6
    assert 180 <= figures["median_days"] <= 720
    # Without the drift of what Russia gives up there is no regret and nothing erodes first.
    still = scenario.model_copy(
        update={
            "partial_truces": scenario.partial_truces.model_copy(
                update={"worth_drift_sd": type(scenario.partial_truces.worth_drift_sd)(value=0.0)}
            )
        }
    )
    _, _, flat, _ = grain(run_case(still, worlds, 1, scope=GRAIN_SCOPE), True)
    assert flat["p_flows_fall"] < 0.15, flat
