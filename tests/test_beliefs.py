import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire_sim.model.beliefs import conjugate_posterior, kalman_update


@settings(max_examples=60, deadline=None)
@given(
    prior_mean=st.floats(-50, 50),
    prior_sd=st.floats(0.1, 20),
    obs_sd=st.floats(0.5, 30),
    observations=st.lists(st.floats(-100, 100), min_size=1, max_size=60),
)
def test_kalman_without_process_noise_is_the_conjugate_posterior(
    prior_mean, prior_sd, obs_sd, observations
):
    mean, var = np.array([prior_mean]), np.array([prior_sd**2])
    for x in observations:
        mean, var = kalman_update(mean, var, np.array([x]), obs_sd**2, 0.0)
    expected_mean, expected_var = conjugate_posterior(
        prior_mean, prior_sd**2, np.array(observations), obs_sd**2
    )
    assert mean[0] == pytest.approx(expected_mean, rel=1e-9, abs=1e-9)
    assert var[0] == pytest.approx(expected_var, rel=1e-9)


def test_unobserved_worlds_only_predict():
    mean, var = kalman_update(
        np.array([1.0, 1.0]),
        np.array([4.0, 4.0]),
        np.array([10.0, 10.0]),
        9.0,
        0.5,
        observed=np.array([True, False]),
    )
    assert mean[1] == 1.0 and var[1] == pytest.approx(4.5)
    assert 1.0 < mean[0] < 10.0 and var[0] < 4.5


def test_beliefs_converge_to_the_true_drift():
    rng = np.random.default_rng(0)
    mean, var = np.array([15.0]), np.array([25.0])
    for _ in range(365):
        mean, var = kalman_update(mean, var, 8.0 + rng.normal(0, 15, 1), 225.0, 0.0)
    # posterior sd after 365 observations is about 15/sqrt(365) = 0.79; 4 sd is a safe bound.
    assert abs(mean[0] - 8.0) < 4 * np.sqrt(var[0])
