"""Beliefs about the front: each belligerent's Kalman filter on the daily drift of the front.

A side believes the expected daily change of Russian-held territory is ``mu ~ N(m, v)``. Each day
of fighting it observes ``delta_control = mu + noise`` with noise variance ``obs_var`` and updates.
Between days the drift may wander (process variance ``process_var`` per day). With
``process_var = 0`` this is the conjugate normal update: optimistic priors are corrected by
fighting, the mechanism by which war reveals information (Fearon 1995; Smith & Stam 2004).
"""

from __future__ import annotations

import numpy as np

FloatArray = np.ndarray


def kalman_update(
    mean: FloatArray,
    var: FloatArray,
    observation: FloatArray,
    obs_var: float | FloatArray,
    process_var: float | FloatArray,
    observed: FloatArray | bool = True,
) -> tuple[FloatArray, FloatArray]:
    """One predict-and-update step of a scalar Kalman filter with a random-walk state.

    Args:
        mean: Prior mean of the drift (km²/day).
        var: Prior variance ((km²/day)²).
        observation: Observed daily change of control (km²).
        obs_var: Observation noise variance (km²²).
        process_var: Variance added to the drift per day.
        observed: Boolean mask of worlds that observed fighting today; the others only predict.

    Returns:
        Posterior ``(mean, var)``.
    """
    var_pred = var + process_var
    gain = var_pred / (var_pred + obs_var)
    gain = np.where(observed, gain, 0.0)
    new_mean = mean + gain * (observation - mean)
    new_var = (1.0 - gain) * var_pred
    return new_mean, new_var


def conjugate_posterior(
    prior_mean: float, prior_var: float, observations: FloatArray, obs_var: float
) -> tuple[float, float]:
    """Closed-form posterior of a normal mean with known variance (the reference for tests).

    Args:
        prior_mean: Prior mean.
        prior_var: Prior variance.
        observations: The observations, in order.
        obs_var: Known observation variance.

    Returns:
        Posterior ``(mean, var)``.
    """
    n = len(observations)
    precision = 1.0 / prior_var + n / obs_var
    post_var = 1.0 / precision
    post_mean = post_var * (prior_mean / prior_var + float(np.sum(observations)) / obs_var)
    return post_mean, post_var
