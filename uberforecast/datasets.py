"""Loaders of public benchmark data sets read from a local path.

The files are not shipped: pass the path of your copy. Each loader returns
the raw frame indexed by timestamp; `check_frame` (which `uberforecast run`
applies) then refuses or, when asked, fills gaps.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
