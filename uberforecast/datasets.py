"""Loaders of public benchmark data sets read from a local path.

The files are not shipped: pass the path of your copy. Each loader returns
the raw frame indexed by timestamp; `check_frame` (which `uberforecast run`
applies) then refuses or, when asked, fills gaps.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from uberforecast.data import load_chicago

# Weather and day-type columns of the UCI bike-sharing files, usable as features.
UCI_BIKE_FEATURES = ("temp", "atemp", "hum", "windspeed", "weathersit", "workingday")


def load_uci_bike(path):
    """Capital Bikeshare rentals (UCI bike sharing), daily or hourly.

    Fanaee-T & Gama (2013), "Event labeling combining ensemble detectors
    and background knowledge", Progress in Artificial Intelligence.

    Parameters
    ----------
    path
        ``day.csv`` (731 days) or ``hour.csv`` (17,379 hours; 165 hours of
        2011-2012 are absent from the file, so `check_frame` refuses it
        unless asked to fill them).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``timestamp`` (the day, plus the hour ``hr`` in
        ``hour.csv``), with the file's columns: counts ``cnt``, ``casual``
        and ``registered``, and the features of `UCI_BIKE_FEATURES`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No UCI bike-sharing file at {path}.")
    frame = pd.read_csv(path)
    missing = sorted({"dteday", "cnt", *UCI_BIKE_FEATURES} - set(frame.columns))
    if missing:
        raise ValueError(
            f"{path} is not a UCI bike-sharing file (day.csv or hour.csv): it lacks "
            f"the columns {missing}."
        )
    timestamp = pd.to_datetime(frame["dteday"])
    if "hr" in frame.columns:
        timestamp += pd.to_timedelta(frame["hr"], unit="h")
    frame.index = pd.DatetimeIndex(timestamp, name="timestamp")
    return frame.drop(columns=["instant", "dteday", "hr"], errors="ignore")


# Frequencies of the M3 files, as pandas offsets of a period's start.
M3_FREQUENCIES = {"yearly": "YS", "quarterly": "QS", "monthly": "MS", "other": None}
# M3 gives no start for some series (start_year 0); they are dated from here,
# so that their timestamps are regular but their calendar is not real.
M3_UNDATED_START = "2000-01-01"


def load_m3(path, freq="monthly"):
    """The M3 competition's series of one frequency, in long form.

    Makridakis & Hibon (2000), "The M3-Competition: results, conclusions
    and implications", International Journal of Forecasting.

    Parameters
    ----------
    path
        ``m3_long.csv.gz``: columns ``series, freq, category, n, nf,
        start_year, start_period, t, value, is_test``.
    freq
        ``"yearly"``, ``"quarterly"`` or ``"monthly"``. Default:
        ``"monthly"``.

    Returns
    -------
    pandas.DataFrame
        One row per observation: ``series``, ``date`` (the period's start),
        ``value``, ``is_test`` (bool: the official hold-out), ``category``
        and ``dated`` (False for the series M3 gives no start for; they
        are dated from `M3_UNDATED_START`, so their calendar is not real).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No M3 file at {path}.")
    if M3_FREQUENCIES.get(freq) is None:
        known = [name for name, offset in M3_FREQUENCIES.items() if offset]
        raise ValueError(
            f"Invalid value for argument `freq`: expected one of {known}, "
            f"received {freq!r}."
        )
    frame = pd.read_csv(path)
    missing = sorted(
        {"series", "freq", "start_year", "start_period", "t", "value", "is_test"}
        - set(frame.columns)
    )
    if missing:
        raise ValueError(f"{path} is not the M3 long file: it lacks {missing}.")
    frame = frame[frame["freq"] == freq].sort_values(["series", "t"], kind="stable")
    periods_per_year = {"yearly": 1, "quarterly": 4, "monthly": 12}[freq]
    dated = frame["start_year"] > 0
    start = pd.to_datetime(
        {
            "year": frame["start_year"].where(dated, 2000),
            "month": 1,
            "day": 1,
        }
    )
    # Months after January of the start year of the series' first period.
    months = (frame["start_period"].where(dated, 1) - 1) * (12 // periods_per_year)
    months += (frame["t"] - 1) * (12 // periods_per_year)
    date = [
        stamp + pd.DateOffset(months=int(shift))
        for stamp, shift in zip(start, months, strict=True)
    ]
    return pd.DataFrame(
        {
            "series": frame["series"].to_numpy(),
            "date": pd.DatetimeIndex(date),
            "value": frame["value"].to_numpy(dtype="float64"),
            "is_test": frame["is_test"].to_numpy() == 1,
            "category": frame["category"].to_numpy(),
            "dated": dated.to_numpy(),
        }
    )


# The 20 station columns of the Chicago data set, in its order.
CHICAGO_STATIONS = (
    "Austin",
    "Quincy_Wells",
    "Belmont",
    "Archer_35th",
    "Oak_Park",
    "Western",
    "Clark_Lake",
    "Clinton",
    "Merchandise_Mart",
    "Irving_Park",
    "Washington_Wells",
    "Harlem",
    "Monroe",
    "Polk",
    "Ashland",
    "Kedzie",
    "Addison",
    "Jefferson_Park",
    "Montrose",
    "California",
)
# Days by which the data set lags each station column.
CHICAGO_STATION_LAG = 14


def load_chicago_stations():
    """Same-day ridership of the 20 Chicago "L" stations, weather and events shared.

    In the Chicago data set (`load_chicago`) each station column holds that
    station's ridership lagged by 14 days: ``Clark_Lake`` at day ``t`` is
    ``ridership`` (Clark/Lake's boardings) at day ``t - 14``. Here every
    station column is shifted back by 14 days, so that it holds the same
    day's boardings and the stations form 20 same-day series, in wide form
    (see `uberforecast.panel.panel_from_wide`), beside the weather and event
    columns of that day. The last 14 days of the data set have no same-day
    value for the stations, so the frame ends 14 days earlier: 2001-01-22 to
    2016-08-14, 5,684 rows. ``ridership`` is left out, since it equals the
    shifted ``Clark_Lake``.

    Returns
    -------
    pandas.DataFrame
        Indexed by a daily `DatetimeIndex` named ``date``: the columns of
        `CHICAGO_STATIONS` (thousands of boardings) and the weather and event
        columns of `load_chicago`.
    """
    frame = load_chicago()
    stations = frame[list(CHICAGO_STATIONS)].shift(-CHICAGO_STATION_LAG)
    shared = frame.drop(columns=["ridership", *CHICAGO_STATIONS])
    joined = pd.concat([stations, shared], axis=1)
    return joined.iloc[:-CHICAGO_STATION_LAG].asfreq("D")
