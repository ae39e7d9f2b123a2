"""Daily series per sweep point (opt-in with ``daily_series: true`` in the spec).

A sweep keeps, for each point and each day, what ``Results.daily`` keeps for a single run: the
share of the point's worlds in each status and the quantiles across its worlds of the control
and casualty counts. A chunk computes them from its model's per-world trajectories, whose worlds
are point-major (world ``i`` is replicate ``i % W`` of the chunk's point ``i // W``), so each
point's ``W`` worlds are one contiguous block. The quantiles are ``np.quantile``'s (linear
interpolation), the same as the single run's; a point whose values equal the base scenario's
gives that run's daily quantiles, to the float32 precision of the kept trajectories.

The series of all chunks are written to ``OUT/series.parquet`` in long form, one row per point and
day (``P * (days + 1)`` rows)::

    point, day, date, share_war, share_ceasefire, share_collapsed, share_settled,
    control_km2_p05 ... control_km2_p95, casualties_russia_p05 ..., casualties_ukraine_p05 ...
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ceasefire_sim.model.model import STATUS_NAMES
from ceasefire_sim.model.recorder import QUANTILE_SUFFIXES, QUANTILES
from ceasefire_sim.sweep.samplers import POINT_COLUMN

#: Per-world daily quantities summarised by quantiles in a point's series.
SERIES_QUANTITIES = ("control_km2", "casualties_russia", "casualties_ukraine")
#: Name of the series table in a sweep folder.
SERIES = "series"


def series_columns() -> list[str]:
    """The columns of a series table, in order."""
    columns = [POINT_COLUMN, "day", "date"] + [f"share_{name}" for name in STATUS_NAMES]
    for quantity in SERIES_QUANTITIES:
        columns += [f"{quantity}_{suffix}" for suffix in QUANTILE_SUFFIXES]
    return columns


def point_series(
    trajectories: dict[str, np.ndarray],
    points: np.ndarray,
    worlds_per_point: int,
    start_date: dt.date,
) -> pd.DataFrame:
    """Per point and day: status shares and quantiles across the point's worlds.

    Args:
        trajectories: A chunk model's per-world daily arrays, each ``(days + 1, k * W)``, worlds
            point-major (``CeasefireModel(..., keep_trajectories=True).recorder.trajectories``).
        points: ``(k,)`` the chunk's point numbers.
        worlds_per_point: ``W``.
        start_date: The date of day 0.

    Returns:
        ``k * (days + 1)`` rows, point-major, with :func:`series_columns`: shares in ``[0, 1]``,
        control in km², casualties as cumulative counts (persons).
    """
    k, w = len(points), worlds_per_point
    status = trajectories["status"]
    rows = status.shape[0]
    by_point = status.reshape(rows, k, w)
    days = np.arange(rows)
    dates = np.datetime64(start_date.isoformat()) + days.astype("timedelta64[D]")
    columns: dict[str, np.ndarray] = {
        POINT_COLUMN: np.repeat(np.asarray(points, dtype=np.int64), rows),
        "day": np.tile(days, k),
        "date": np.tile(dates.astype("datetime64[ms]"), k),
    }
    for code, name in enumerate(STATUS_NAMES):
        share = (by_point == code).mean(axis=2)  # (rows, k)
        columns[f"share_{name}"] = share.T.reshape(-1)
    for quantity in SERIES_QUANTITIES:
        values = trajectories[quantity].astype(np.float64).reshape(rows, k, w)
        q = np.quantile(values, QUANTILES, axis=2)  # (Q, rows, k)
        for j, suffix in enumerate(QUANTILE_SUFFIXES):
            columns[f"{quantity}_{suffix}"] = q[j].T.reshape(-1)
    return pd.DataFrame(columns)[series_columns()]
