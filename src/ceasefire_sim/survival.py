"""Time to an event: Kaplan-Meier survival with Greenwood's variance, its median and restricted mean.

Every world runs to the same horizon, so the only censoring is administrative: a world without
the event by the horizon is censored there. The functions still take any censoring pattern
(the first ceasefire's duration is censored at different days), and are tested on hand-made
tables.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats


def kaplan_meier(time: np.ndarray, observed: np.ndarray, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier survival with Greenwood's variance and a log-log confidence band.

    The band is Greenwood's variance on the ``log(-log S)`` scale (Kalbfleisch and Prentice),
    which keeps it inside [0, 1] where the plain normal band would spill over.

    Args:
        time: Time of the event, or of censoring, per subject (days).
        observed: True where the event happened at ``time``, False where censored.
        confidence: Level of the band.

    Returns:
        One row per distinct time, after a first row at time 0: ``time``, ``at_risk``,
        ``events``, ``censored``, ``survival``, ``low``, ``high``.
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(observed, dtype=bool)
    if t.shape != e.shape:
        raise ValueError("time and observed must have the same length")
    if np.isnan(t).any():
        raise ValueError("time holds NaN: give censored subjects their censoring time")
    times = np.unique(t)
    sorted_t = np.sort(t)
    at_risk = len(t) - np.searchsorted(sorted_t, times, side="left")
    events = np.bincount(np.searchsorted(times, t[e]), minlength=len(times))
    censored = np.bincount(np.searchsorted(times, t[~e]), minlength=len(times))
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - events / at_risk)
        greenwood = np.cumsum(np.where(events > 0, events / (at_risk * (at_risk - events)), 0.0))
        z = stats.norm.ppf(0.5 + confidence / 2)
        log_s = np.log(survival)
        se = np.sqrt(greenwood) / np.abs(log_s)
        low = survival ** np.exp(z * se)
        high = survival ** np.exp(-z * se)
    # No event yet: the curve is exactly 1; everyone has had it: exactly 0.
    low = np.where(survival >= 1.0, 1.0, np.where(survival <= 0.0, 0.0, low))
    high = np.where(survival >= 1.0, 1.0, np.where(survival <= 0.0, 0.0, high))
    table = pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk,
            "events": events,
            "censored": censored,
            "survival": survival,
            "low": low,
            "high": high,
        }
    )
    if len(times) == 0 or times[0] > 0:
        first = pd.DataFrame(
            {
                "time": [0.0],
                "at_risk": [len(t)],
                "events": [0],
                "censored": [0],
                "survival": [1.0],
                "low": [1.0],
                "high": [1.0],
            }
        )
        table = pd.concat([first, table], ignore_index=True)
    return table


def survival_at(time: np.ndarray, observed: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The Kaplan-Meier survival curve read at given days (a step function, right-continuous).

    Args:
        time: ``(N,)`` event or censoring times (days).
        observed: ``(N,)`` True where the event happened.
        days: ``(K,)`` days to read the curve at.

    Returns:
        ``(K,)`` survival at each day: the share still without the event after that day.
    """
    table = kaplan_meier(time, observed)
    at = np.searchsorted(table["time"].to_numpy(), np.asarray(days, dtype=float), side="right") - 1
    return table["survival"].to_numpy()[np.maximum(at, 0)]


def km_median(time: np.ndarray, observed: np.ndarray) -> float:
    """Kaplan-Meier median: the first time at which survival falls to 0.5 or below.

    Args:
        time: ``(N,)`` event or censoring times (days).
        observed: ``(N,)`` True where the event happened.

    Returns:
        The median (days), or ``inf`` when survival stays above 0.5 ("not reached").
    """
    table = kaplan_meier(time, observed)
    below = table.loc[table["survival"] <= 0.5, "time"]
    return float(below.iloc[0]) if len(below) else math.inf


def restricted_mean(time: np.ndarray, observed: np.ndarray, horizon: float) -> float:
    """Restricted mean survival time: the area under the Kaplan-Meier curve up to ``horizon``.

    Without censoring before the horizon it is the mean of ``min(time, horizon)``.

    Args:
        time: ``(N,)`` event or censoring times (days).
        observed: ``(N,)`` True where the event happened.
        horizon: Upper limit of the integral (days).

    Returns:
        Mean time to the event within the horizon (days), NaN without subjects.
    """
    if len(np.asarray(time)) == 0:
        return math.nan
    table = kaplan_meier(np.minimum(time, horizon), observed & (np.asarray(time) <= horizon))
    times = np.append(table["time"].to_numpy(), horizon)
    times = np.minimum(times, horizon)
    return float(np.sum(table["survival"].to_numpy() * np.diff(times)))
