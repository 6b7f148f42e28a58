"""Scoring forecast frames against the actuals they carry."""

from __future__ import annotations

import warnings

from uberforecast import metrics
from uberforecast.forecast import level_name


def score_frame(frame, levels, history, season):
    """Accuracy and interval metrics of a forecast frame.

    Parameters
    ----------
    frame
        With ``actual``, ``mean`` and ``lower_<level>``/``upper_<level>``
        columns, as `Forecast.frame` and the baselines give.
    levels
        Interval coverages in percent.
    history
        The training period's values, for MASE's scale.
    season
        Season length for MASE's scale.

    Returns
    -------
    dict
        ``smape``, ``mase``, and ``coverage_<level>``, ``width_<level>`` per
        level; coverages as fractions. ``mase`` is ``None``, with a warning,
        when the history has no seasonal change to scale by.
    """
    actual, mean = frame["actual"], frame["mean"]
    scores = {"smape": metrics.smape(actual, mean), "mase": None}
    try:
        metrics.seasonal_scale(history, season)
    except ValueError as error:
        # A constant or too short training period has no seasonal scale.
        warnings.warn(f"{error} It is reported as None.", stacklevel=2)
    else:
        scores["mase"] = metrics.mase(actual, mean, history, season)
    for level in levels:
        name = level_name(level)
        lower, upper = frame[f"lower_{name}"], frame[f"upper_{name}"]
        scores[f"coverage_{name}"] = metrics.coverage(actual, lower, upper)
        scores[f"width_{name}"] = metrics.mean_width(lower, upper)
    return scores


def season_for(freq):
    """The natural season of a pandas frequency: a week of days, a day of hours,
    a year of months or quarters; 1 when there is none."""
    import pandas as pd

    offset = pd.tseries.frequencies.to_offset(freq)
    name = offset.name.upper()
    if name.startswith(("H", "BH")):
        return 24
    if name in ("D", "B"):
        return 7 if name == "D" else 5
    if name.startswith(("MS", "ME", "M", "BM")):
        return 12
    if name.startswith(("QS", "QE", "Q", "BQ")):
        return 4
    if name.startswith("W"):
        return 52
    return 1
