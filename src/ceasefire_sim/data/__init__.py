"""Data series before the start date, shipped with the package (see ``README.md`` here)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

#: Tracker columns of ``russian_gains_monthly.csv`` and their names in reports.
GAIN_TRACKERS: dict[str, str] = {
    "isw_afp_km2": "ISW via AFP",
    "war_mapper_net_km2": "War Mapper (net)",
    "deepstate_km2": "DeepState",
    "uk_mod_km2": "UK MoD",
    "liveuamap_net_derived_km2": "liveuamap (net, derived)",
}


def path(name: str) -> Path:
    """Path of a shipped data file (``russian_gains_monthly.csv``, ...)."""
    return Path(str(resources.files(__package__) / name))


def russian_gains_monthly() -> pd.DataFrame:
    """Monthly Russian gains by tracker, km² (index: month as a ``pd.Period``; NaN: not found)."""
    frame = pd.read_csv(path("russian_gains_monthly.csv"))
    frame.index = pd.PeriodIndex(frame.pop("month"), freq="M")
    return frame


def russian_casualties_daily() -> pd.Series:
    """The General Staff's cumulative count of Russian personnel losses (persons), by date."""
    frame = pd.read_csv(path("russia_personnel_losses_daily.csv"), parse_dates=["date"])
    return frame.set_index("date")["personnel_cumulative"]


def liveuamap_area_daily() -> pd.Series:
    """Area under Russian control by liveuamap (km², incl. Crimea and areas held before 2022), by date."""
    frame = pd.read_csv(path("liveuamap_area_daily.csv"), parse_dates=["date"])
    return frame.set_index("date")["area"]


def donbas_truces() -> pd.DataFrame:
    """Minsk I and II and the Donbas recommitment truces, 2014-2020 (one row per truce).

    Columns: ``start_date`` (``datetime.date``), ``name``, ``first_week_violation_drop_pct``,
    ``low_violence_days_low``, ``low_violence_days_high`` (days; NaN: not found), ``note``,
    ``source``.
    """
    frame = pd.read_csv(path("donbas_truces.csv"))
    frame["start_date"] = pd.to_datetime(frame["start_date"]).dt.date
    return frame
