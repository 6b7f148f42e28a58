"""Scores of many series' forecasts: one row per series, one aggregated row.

Per series the scores are those of `evaluation.score_frame` plus MSIS and
CRPS. Aggregated over series: sMAPE, MASE and MSIS are means over series
(each already free of the series' scale); coverage is pooled over all
forecast points, with its spread across series (the smallest, median and
largest per-series coverage at the top level); width and CRPS, which are in
each series' units, are divided by the series' MASE scale (its mean absolute
seasonal difference) before averaging.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from uberforecast import metrics
from uberforecast.evaluation import score_frame
from uberforecast.forecast import level_name


def score_series(frames, histories, levels, season, crps=None):
    """The scores of each series' forecast frame.

    Parameters
    ----------
    frames
        Series id to its forecast frame (``actual``, ``mean``, ``std`` and
        the bounds of each level, as `Forecast.frame`).
    histories
        Series id to the values that scale MASE and MSIS (its history before
        the forecast period).
    levels
        Interval coverages in percent.
    season
        Season length of MASE's scale.
    crps
        Series id to the CRPS of its frame under the model's own predictive
        distribution; ``None`` for the Gaussian with the frame's ``mean`` and
        ``std``. Default: ``None``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``series``: ``smape``, ``mase``, ``coverage_<level>``,
        ``width_<top>``, ``msis_<top>``, ``crps`` and ``scale`` (MASE's
        scale; NaN where the history has no seasonal change, as then are
        ``mase`` and ``msis_<top>``).
    """
    top = max(levels)
    rows = {}
    for sid, frame in frames.items():
        scores = score_frame(frame, levels, histories[sid], season)
        row = {"smape": scores["smape"], "mase": scores["mase"]}
        for level in levels:
            row[f"coverage_{level_name(level)}"] = scores[
                f"coverage_{level_name(level)}"
            ]
        row[f"width_{level_name(top)}"] = scores[f"width_{level_name(top)}"]
        # MASE is None exactly when the history has no seasonal scale.
        scale = (
            None
            if scores["mase"] is None
            else metrics.seasonal_scale(histories[sid], season)
        )
        lower, upper = (
            frame[f"lower_{level_name(top)}"],
            frame[f"upper_{level_name(top)}"],
        )
        row[f"msis_{level_name(top)}"] = (
            metrics.interval_score(frame["actual"], lower, upper, top) / scale
            if scale is not None
            else np.nan
        )
        row["crps"] = (
            metrics.crps_gaussian(frame["actual"], frame["mean"], frame["std"])
            if crps is None
            else crps[sid]
        )
        row["scale"] = np.nan if scale is None else scale
        rows[sid] = row
    table = pd.DataFrame(rows).T.astype("float64")
    table.index.name = "series"
    return table


def aggregate_scores(per_series, frames, levels):
    """One row of scores over many series.

    Parameters
    ----------
    per_series
        The table of `score_series`.
    frames
        The same series' forecast frames, for coverage pooled over points.
    levels
        Interval coverages in percent.

    Returns
    -------
    dict
        ``series`` (how many), ``smape``, ``mase`` and ``msis_<top>`` (means
        over series), ``coverage_<level>`` (pooled over all points),
        ``coverage_<top>_min``, ``_median``, ``_max`` (across series),
        ``scaled_width_<top>`` and ``scaled_crps`` (per-series width and CRPS
        over the series' scale, averaged). Means skip series whose score is
        undefined (NaN).
    """
    top = level_name(max(levels))
    stacked = pd.concat([frames[sid] for sid in per_series.index])
    row = {
        "series": len(per_series),
        "smape": per_series["smape"].mean(),
        "mase": per_series["mase"].mean(),
    }
    for level in levels:
        name = level_name(level)
        row[f"coverage_{name}"] = metrics.coverage(
            stacked["actual"], stacked[f"lower_{name}"], stacked[f"upper_{name}"]
        )
    spread = per_series[f"coverage_{top}"]
    row[f"coverage_{top}_min"] = spread.min()
    row[f"coverage_{top}_median"] = spread.median()
    row[f"coverage_{top}_max"] = spread.max()
    row[f"scaled_width_{top}"] = (
        per_series[f"width_{top}"] / per_series["scale"]
    ).mean()
    row[f"msis_{top}"] = per_series[f"msis_{top}"].mean()
    row["scaled_crps"] = (per_series["crps"] / per_series["scale"]).mean()
    return row
