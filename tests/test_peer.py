"""The fair peer (``benchmarks/peer.py``) gives the vectorised model's outcome distribution.

Both run the baseline with talks off, one year; the peer's worlds draw their own numbers, so the
two agree in distribution only: each mean within 4 standard errors of the difference, each s.d.
within 4 standard errors (delta method with each sample's kurtosis), the two samples pass a
two-sample Kolmogorov-Smirnov test at 0.001, and the deterministic aid totals agree to a relative
1e-9.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ceasefire_sim import simulate

PEER = Path(__file__).resolve().parents[1] / "benchmarks" / "peer.py"
PEER_WORLDS, MODEL_WORLDS = 150, 1500
RANDOM = (
    "control_km2_final",
    "casualties_ukraine",
    "casualties_russia",
    "belief_ukraine_km2_per_day",
    "true_drift_km2_per_day",
)
FIXED = ("us_aid_total_bn", "allied_aid_total_bn")


def _peer():
    spec = importlib.util.spec_from_file_location("peer", PEER)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("peer", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def both():
    peer = _peer()
    worlds = pd.DataFrame([peer.run_world(seed).outcomes() for seed in range(PEER_WORLDS)])
    model = simulate(peer.scenario_talks_off(), worlds=MODEL_WORLDS, seed=3, days=365)
    return worlds, model.outcomes


def _var_of_sd(x: pd.Series) -> float:
    """Sampling variance of the s.d. of ``x``: ``sd**2 (kurtosis - 1) / (4 n)`` (delta method).

    The posterior's front parameters give heavy-tailed outcomes (kurtosis well above a normal's
    3), for which the normal ``sd**2 / (2 n)`` understates the s.d.'s Monte Carlo error.
    """
    kurtosis = float(((x - x.mean()) ** 4).mean() / x.var(ddof=0) ** 2)
    return x.var() * (kurtosis - 1.0) / (4 * len(x))


@pytest.mark.parametrize("column", RANDOM)
def test_the_peer_has_the_models_distribution(both, column):
    peer, model = both[0][column], both[1][column]
    se_mean = math.sqrt(peer.var() / len(peer) + model.var() / len(model))
    assert abs(peer.mean() - model.mean()) < 4 * se_mean, (peer.mean(), model.mean())
    se_sd = math.sqrt(_var_of_sd(peer) + _var_of_sd(model))
    assert abs(peer.std() - model.std()) < 4 * se_sd, (peer.std(), model.std())
    assert stats.ks_2samp(peer, model).pvalue > 1e-3


@pytest.mark.parametrize("column", FIXED)
def test_the_peers_aid_totals_are_the_models(both, column):
    np.testing.assert_allclose(both[0][column], both[1][column].iloc[0], rtol=1e-9)


def test_the_peer_runs_under_batch_run():
    peer = _peer()
    found = peer.timed_batch_run(runs=2, days=10, processes=1)
    assert found["wall_s"] > 0 and found["cpu_s_per_world_year"] > 0
