"""The evaluation: every model on one data set, the same splits, one table.

Rows are the two-stage model and its ablation (Zhu & Laptev, 2017, Table 2:
MC dropout in the prediction network alone; in the encoder too; plus the
inherent noise, the full model), the full model with split-conformal
widths, and the peers of `uberforecast.peers`. Columns are accuracy,
interval and timing scores.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from uberforecast import checks, metrics
from uberforecast.baselines import SeasonalNaive
from uberforecast.evaluation import score_frame
from uberforecast.forecast import level_name
from uberforecast.forecaster import TwoStageForecaster
from uberforecast.peers import BoostingForecaster, EndToEndLSTM, ETSForecaster
from uberforecast.windows import split_sizes

logger = logging.getLogger(__name__)

# The two-stage model's rows, as keyword arguments of `predict`.
TWO_STAGE_VARIANTS = {
    "two-stage: prediction network MC dropout": dict(
        encoder_dropout=False, noise=False
    ),
    "two-stage: encoder + prediction network MC dropout": dict(noise=False),
    "two-stage: full (default)": {},
    "two-stage: full + conformal": dict(calibration="conformal"),
}
PEERS = ("lstm", "boosting", "boosting_gaussian", "ets", "seasonal_naive", "last_value")
PEER_NAMES = {
    "lstm": "LSTM end to end (no pretraining)",
    "boosting": "quantile boosting",
    "boosting_gaussian": "boosting + Gaussian intervals",
    "ets": "ETS (statsmodels)",
    "seasonal_naive": "seasonal naive",
    "last_value": "last value",
}


def _peer(name, target, features, model_arguments, season, validation_size):
    """An unfitted peer model by its short name."""
    horizon, levels = model_arguments["horizon"], model_arguments["levels"]
    lookback = model_arguments["lookback"]
    if name == "lstm":
        return EndToEndLSTM(
            target, features, validation_size=validation_size, **model_arguments
        )
    if name in ("boosting", "boosting_gaussian"):
        intervals = "quantile" if name == "boosting" else "gaussian"
        seed = model_arguments["seed"]
        return BoostingForecaster(
            target, features, lookback, horizon, levels, intervals, seed=seed
        )
    if name == "ets":
        return ETSForecaster(target, season, horizon, levels)
    if name == "seasonal_naive":
        return SeasonalNaive(season, horizon, levels)
    return SeasonalNaive(1, horizon, levels)


def _fit_predict(model, fitting, frame, start, validation_size, target):
    """Fit `model` on `fitting`, forecast `frame` from `start`; seconds of each."""
    started = time.perf_counter()
    if isinstance(model, SeasonalNaive):
        model.fit(fitting[target], validation_size)
    elif isinstance(model, TwoStageForecaster):
        model.fit(fitting)
    else:
        model.fit(fitting, validation_size)
    fitted = time.perf_counter()
    if isinstance(model, SeasonalNaive):
        result = model.predict(frame[target], start)
    elif isinstance(model, TwoStageForecaster):
        result = model.predict(frame, start=start).frame
    else:
        result = model.predict(frame, start)
    return result, fitted - started, time.perf_counter() - fitted


def _crps(model, frame):
    """CRPS under the model's own predictive distribution."""
    if hasattr(model, "crps"):
        return model.crps(frame)
    return metrics.crps_gaussian(frame["actual"], frame["mean"], frame["std"])


def score_row(frame, levels, history, season, crps):
    """The table's scores of one model's forecast frame."""
    scores = score_frame(frame, levels, history, season)
    top = level_name(max(levels))
    lower, upper = frame[f"lower_{top}"], frame[f"upper_{top}"]
    row = {"smape": scores["smape"], "mase": scores["mase"]}
    row.update(
        {
            f"coverage_{level_name(level)}": scores[f"coverage_{level_name(level)}"]
            for level in levels
        }
    )
    row[f"width_{top}"] = scores[f"width_{top}"]
    row[f"msis_{top}"] = metrics.msis(
        frame["actual"], lower, upper, history, season, max(levels)
    )
    row["crps"] = crps
    return row


def evaluate_models(
    frame,
    target,
    features,
    model_arguments,
    *,
    validation_size,
    test_size,
    season,
    peers=PEERS,
    origins=1,
):
    """Fit every model and score its forecasts of the test period.

    With ``origins=1`` each model is fitted once on everything before the
    test period and forecasts every window of it (one origin per step).
    With more, the test period is cut into `origins` consecutive blocks and
    every model is refitted before each block on all data before it (the
    last `validation_size` steps validating): a rolling-origin backtest.

    Parameters
    ----------
    frame
        The checked data, indexed by regular timestamps.
    target, features
        Column to forecast and external feature columns.
    model_arguments
        `TwoStageForecaster` arguments other than ``target``, ``features``
        and ``validation_size``; the peers take lookback, horizon, levels
        and seed from them.
    validation_size, test_size
        Steps of the validation and test periods at the end of `frame`.
    season
        Season length, for the seasonal peers, MASE and MSIS.
    peers
        Short names from `PEERS`. Default: all of them.
    origins
        Refits over the test period. Default: ``1``.

    Returns
    -------
    dict
        ``table``: a frame with one row per model and the columns ``smape``,
        ``mase``, ``coverage_<level>``, ``width_<top>``, ``msis_<top>``
        (``top`` the largest level), ``crps``, ``fit_seconds`` and
        ``predict_seconds``; ``forecasts``: model name to forecast frame.
    """
    lookback, horizon = model_arguments["lookback"], model_arguments["horizon"]
    levels = checks.levels(model_arguments["levels"])
    unknown = sorted(set(peers) - set(PEERS))
    if unknown:
        raise ValueError(
            f"Invalid value for argument `peers`: expected names from {PEERS}, "
            f"received {unknown}."
        )
    checks.positive_int("origins", origins)
    train_size = split_sizes(len(frame), validation_size, test_size, lookback, horizon)
    first = train_size + validation_size
    if origins > test_size:
        raise ValueError(
            f"Invalid value for argument `origins`: expected at most test_size="
            f"{test_size}, received {origins}."
        )
    blocks = np.array_split(np.arange(first, len(frame)), origins)
    runs = {}
    for block in blocks:
        start, end = block[0], block[-1] + 1
        fitting, view = frame.iloc[:start], frame.iloc[:end]
        logger.info(
            "Fitting on %d steps, forecasting %s to %s",
            start,
            view.index[start],
            view.index[-1],
        )
        _run_two_stage(
            runs,
            fitting,
            view,
            start,
            target,
            features,
            model_arguments,
            validation_size,
        )
        for name in peers:
            model = _peer(
                name,
                target,
                tuple(features),
                dict(model_arguments),
                season,
                validation_size,
            )
            result, fit_seconds, predict_seconds = _fit_predict(
                model, fitting, view, view.index[start], validation_size, target
            )
            _record(
                runs,
                PEER_NAMES[name],
                result,
                fit_seconds,
                predict_seconds,
                _crps(model, result),
            )
            logger.info(
                "%s: fit %.1fs, predict %.1fs",
                PEER_NAMES[name],
                fit_seconds,
                predict_seconds,
            )

    history = frame[target].iloc[:train_size]
    rows, forecasts = {}, {}
    for name, run in runs.items():
        forecast = pd.concat(run["frames"])
        rows[name] = score_row(forecast, levels, history, season, crps=None)
        # CRPS is averaged over blocks weighted by their rows.
        sizes = [len(part) for part in run["frames"]]
        rows[name]["crps"] = float(np.average(run["crps"], weights=sizes))
        rows[name]["fit_seconds"] = run["fit"]
        rows[name]["predict_seconds"] = run["predict"]
        forecasts[name] = forecast
    table = pd.DataFrame(rows).T
    table.index.name = "model"
    return {"table": table, "forecasts": forecasts}


def _record(runs, name, frame, fit_seconds, predict_seconds, crps):
    run = runs.setdefault(name, {"frames": [], "crps": [], "fit": 0.0, "predict": 0.0})
    run["frames"].append(frame)
    run["crps"].append(crps)
    run["fit"] += fit_seconds
    run["predict"] += predict_seconds


def _run_two_stage(
    runs, fitting, view, start, target, features, arguments, validation_size
):
    """Fit the two-stage model once and record each of its variants.

    Every variant reports the one fit's seconds and its own predict time.
    """
    started = time.perf_counter()
    model = TwoStageForecaster(
        target, tuple(features), validation_size=validation_size, **arguments
    ).fit(fitting)
    fit_seconds = time.perf_counter() - started
    for name, options in TWO_STAGE_VARIANTS.items():
        started = time.perf_counter()
        forecast = model.predict(view, start=view.index[start], **options)
        predict_seconds = time.perf_counter() - started
        crps = metrics.crps_gaussian(
            forecast.frame["actual"], forecast.frame["mean"], forecast.frame["std"]
        )
        _record(runs, name, forecast.frame, fit_seconds, predict_seconds, crps)
    logger.info("two-stage: fit %.1fs", fit_seconds)
