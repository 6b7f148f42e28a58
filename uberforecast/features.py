"""Calendar features derived from timestamps.

Which columns appear depends on the frequency: hour of day for sub-daily
data, day of week and US federal holidays for data at most daily, month for
monthly data, and a smooth day-of-year cycle for anything finer than a year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar

_HOLIDAY_NAMES = tuple(rule.name for rule in USFederalHolidayCalendar.rules)


def _slug(name):
    kept = "".join(c if c.isalnum() else "_" for c in name.lower())
    return "_".join(part for part in kept.split("_") if part)


def calendar_features(index):
    """Calendar columns for each timestamp of a regular index.

    Parameters
    ----------
    index
        A `DatetimeIndex` with its `freq` set.

    Returns
    -------
    pandas.DataFrame
        Float columns indexed like `index`: ``hour_0..23`` (sub-daily),
        ``day_of_week_0..6`` (daily or finer), ``holiday``,
        ``holiday_<name>`` for each US federal holiday, ``before_holiday``
        and ``after_holiday`` (daily or finer), ``month_1..12`` (monthly or
        quarterly), and ``year_sin``/``year_cos`` (finer than yearly).
    """
    if index.freq is None:
        raise ValueError(
            "Invalid value for argument `index`: expected a DatetimeIndex with "
            "its `freq` set, received freq=None."
        )
    step = _step(index)
    columns = {}
    if step < pd.Timedelta(days=1):
        columns |= _one_hot("hour", index.hour, range(24))
    if step <= pd.Timedelta(days=1):
        columns |= _one_hot("day_of_week", index.day_of_week, range(7))
        columns |= _holidays(index)
    elif step < pd.Timedelta(days=360):
        columns |= _one_hot("month", index.month, range(1, 13))
    if step < pd.Timedelta(days=360):
        # Fraction of the year, as a point on the unit circle.
        angle = 2 * np.pi * (index.day_of_year - 1) / 365.25
        columns["year_sin"] = np.sin(angle)
        columns["year_cos"] = np.cos(angle)
    return pd.DataFrame(columns, index=index, dtype="float64")


def _step(index):
    """The length of one step; month-like steps count as 30 days."""
    offset = index.freq
    try:
        return pd.Timedelta(offset)
    except ValueError:
        start = pd.Timestamp("2001-01-01")
        return (start + offset) - start


def _one_hot(prefix, values, categories):
    values = np.asarray(values)
    return {f"{prefix}_{c}": (values == c).astype("float64") for c in categories}


def _holidays(index):
    """US federal holidays on each timestamp's date, and the days beside them."""
    days = index.normalize()
    calendar = USFederalHolidayCalendar()
    margin = pd.Timedelta(days=1)
    named = calendar.holidays(days.min() - margin, days.max() + margin, True)
    dates = pd.DatetimeIndex(named.index)

    columns = {
        "holiday": days.isin(dates).astype("float64"),
        "before_holiday": (days + margin).isin(dates).astype("float64"),
        "after_holiday": (days - margin).isin(dates).astype("float64"),
    }
    for name in _HOLIDAY_NAMES:
        on_day = dates[named.to_numpy() == name]
        columns[f"holiday_{_slug(name)}"] = days.isin(on_day).astype("float64")
    return columns
