"""The observed series the front is fitted to, cut strictly before a date.

Every figure is dated by the last day of the month it measures: a month counts as observed
before ``until`` only if its last day is before ``until``. Nothing else is read, so a calibration
or backtest with ``until = D`` sees no observation dated on or after ``D``.

Gains are the trackers' monthly figures (``russian_gains_monthly.csv``) with liveuamap's month
derived from its daily map (``liveuamap_area_daily.csv``: area on the month's last day less the
area on the previous month's last day), dropped in the months in which the map was redrawn (a
single-day change of at least :data:`REDRAW_KM2_PER_DAY`). The trackers disagree a lot, so each
month is kept as a range (``low``, ``high``) and its ``mean`` across the trackers available.
Casualties are the General Staff's count of Russian personnel losses per day, averaged over each
month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ceasefire_sim import data

#: A single day's change of liveuamap's area (km²) this large is a redraw of the map, not
#: fighting: the largest week of Russian gains before the start was about 235 km² (Nov 2024).
REDRAW_KM2_PER_DAY = 150.0
#: The first month of the fit (the trackers' series start here).
FIRST_MONTH = pd.Period("2023-01", freq="M")
#: The start date of the baseline: nothing dated on or after it is ever fitted to.
START_DATE = pd.Timestamp("2025-03-13")
#: Trackers of ``russian_gains_monthly.csv`` used directly (liveuamap is derived from the daily map).
DIRECT_TRACKERS = ("isw_afp_km2", "war_mapper_net_km2", "deepstate_km2", "uk_mod_km2")


@dataclass(frozen=True)
class Observations:
    """The monthly series before a date.

    Attributes:
        months: ``(M,)`` PeriodIndex of consecutive months, ``FIRST_MONTH`` to the last complete
            month before ``until``.
        gains: ``(M, T)`` frame of each tracker's monthly gain (km²; NaN: not reported or a
            liveuamap redraw month).
        casualties_per_day: ``(M,)`` Russian casualties per day in each month (persons/day; NaN
            where the count does not cover the month).
        until: The cut: every figure used is dated before it.
    """

    months: pd.PeriodIndex
    gains: pd.DataFrame
    casualties_per_day: pd.Series
    until: pd.Timestamp

    @property
    def gain_low(self) -> np.ndarray:
        """``(M,)`` smallest tracker figure of each month (km²; NaN: no tracker)."""
        return self.gains.min(axis=1).to_numpy()

    @property
    def gain_high(self) -> np.ndarray:
        """``(M,)`` largest tracker figure of each month (km²; NaN: no tracker)."""
        return self.gains.max(axis=1).to_numpy()

    @property
    def gain_mean(self) -> np.ndarray:
        """``(M,)`` mean of the trackers available in each month (km²; NaN: no tracker)."""
        return self.gains.mean(axis=1).to_numpy()

    @property
    def trackers(self) -> np.ndarray:
        """``(M,)`` number of trackers reporting each month (0: none)."""
        return self.gains.notna().sum(axis=1).to_numpy()

    def tracker_error_sd(self) -> float:
        """s.d. of one tracker's figure about the month's true gain (km²/month).

        The pooled within-month s.d. of the trackers over the months at least two of them
        report: ``sqrt(sum (n - 1) s² / sum (n - 1))``. Taken as independent errors, the mean of
        ``n`` trackers is off by ``sd / sqrt(n)``.

        Raises:
            ValueError: no month before the cut has two trackers.
        """
        counts = self.trackers
        several = counts >= 2
        if not several.any():
            raise ValueError(
                f"no month before {self.until.date()} has two trackers to measure their "
                "disagreement (move until later)"
            )
        variances = self.gains.var(axis=1, ddof=1).to_numpy()[several]
        dof = counts[several] - 1
        return float(np.sqrt(np.sum(dof * variances) / np.sum(dof)))


def month_end(month: pd.Period) -> pd.Timestamp:
    """The last day of a month (the date a monthly figure is dated by)."""
    return month.end_time.normalize()


def liveuamap_monthly(area: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Liveuamap's monthly gain and whether the month had a redraw.

    Args:
        area: Daily area under Russian control (km²), indexed by date.

    Returns:
        ``(gain, redrawn)`` indexed by month: the area on the month's last day less the area on
        the previous month's last day (km², only for months whose last day is in the series),
        and whether some day of the month changed by at least :data:`REDRAW_KM2_PER_DAY`.
    """
    area = area.sort_index()
    by_month = area.groupby(area.index.to_period("M"))
    last = by_month.last()
    last_date = by_month.apply(lambda s: s.index.max())
    complete = last_date.to_numpy() >= np.array([month_end(m) for m in last.index])
    gain = last.diff()[complete]
    jump = area.diff().abs().groupby(area.index.to_period("M")).max()
    return gain, (jump >= REDRAW_KM2_PER_DAY).reindex(gain.index, fill_value=False)


def load_observations(until: str | pd.Timestamp = START_DATE) -> Observations:
    """The monthly gains and casualties of the complete months before ``until``.

    Args:
        until: The cut (a date); months whose last day is on or after it are not read. Never
            after the start date, 13 March 2025.

    Returns:
        The :class:`Observations`.
    """
    until = pd.Timestamp(until)
    if until > START_DATE:
        raise ValueError(f"until {until.date()} is after the start date {START_DATE.date()}")
    last_month = (until - pd.Timedelta(days=1)).to_period("M")
    if month_end(last_month) >= until:
        last_month -= 1
    months = pd.period_range(FIRST_MONTH, last_month, freq="M")

    monthly = data.russian_gains_monthly()
    monthly = monthly[[month_end(m) < until for m in monthly.index]]
    gains = monthly.reindex(months)[list(DIRECT_TRACKERS)].astype(float)

    area = data.liveuamap_area_daily()
    area = area[area.index < until]
    live, redrawn = liveuamap_monthly(area)
    gains["liveuamap_km2"] = live.where(~redrawn).reindex(months)

    cumulative = data.russian_casualties_daily()
    cumulative = cumulative[cumulative.index < until].sort_index()
    by_month = cumulative.groupby(cumulative.index.to_period("M"))
    last = by_month.last()
    last_date = by_month.apply(lambda s: s.index.max())
    complete = last_date.to_numpy() >= np.array([month_end(m) for m in last.index])
    per_day = (last.diff() / last.index.days_in_month)[complete]
    casualties = per_day.reindex(months).astype(float)
    return Observations(months=months, gains=gains, casualties_per_day=casualties, until=until)
