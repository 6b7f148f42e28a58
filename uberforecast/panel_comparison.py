"""Global against local: one model for all series, one per series, and peers.

On a panel every series is split alike (its last `test_size` steps are the
test period, the `validation_size` before them validate) and every model
forecasts every window of each series' test period from one fit. Rows:

- the global two-stage model (`GlobalForecaster`), fitted once on all series,
  with Gaussian and with split-conformal intervals;
- the local two-stage model: one `TwoStageForecaster` per series, same
  config;
- the peers of `uberforecast.comparison`, each fitted per series.

Fitting local neural models on every series can be too slow (M3 has 1,428);
`local_series` restricts the local two-stage model to a subset, and a second
table then scores every model on that subset alone.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from uberforecast import checks, metrics
from uberforecast.comparison import PEER_NAMES, PEERS, _crps, _fit_predict, _peer
from uberforecast.forecaster import TwoStageForecaster
from uberforecast.global_forecaster import GlobalForecaster
from uberforecast.panel import check_panel, split_panel
from uberforecast.panel_evaluation import aggregate_scores, score_series
from uberforecast.panel_forecast import stack_frames

logger = logging.getLogger(__name__)

GLOBAL = "global two-stage"
GLOBAL_CONFORMAL = "global two-stage + conformal"
LOCAL = "local two-stage (one per series)"


def sample_series(series, size, seed=0):
    """`size` series drawn at random without replacement, in panel order.

    ``size = 0`` or at least ``len(series)`` gives them all.
    """
    series = list(series)
    checks.non_negative_int("size", size)
    if size == 0 or size >= len(series):
        return series
    chosen = set(np.random.default_rng(seed).choice(len(series), size, replace=False))
    return [sid for i, sid in enumerate(series) if i in chosen]


def evaluate_panel(
    panel,
    target,
    features,
    model_arguments,
    global_arguments=None,
    *,
    validation_size,
    test_size,
    season,
    peers=PEERS,
    local=True,
    local_series=None,
):
    """Fit the global model, the local ones and the peers; score every series.

    Parameters
    ----------
    panel
        Series id to frame (see `uberforecast.panel.check_panel`).
    target, features
        Column to forecast and external feature columns.
    model_arguments
        `TwoStageForecaster` arguments other than ``target``, ``features``
        and ``validation_size``, shared by the global and local models; the
        peers take lookback, horizon, levels and seed from them.
    global_arguments
        `GlobalForecaster`'s own arguments (``series_input``, ...).
        Default: ``None`` (its defaults).
    validation_size, test_size
        Steps of each series' validation and test periods, at its end.
    season
        Season length, for the seasonal peers, MASE and MSIS.
    peers
        Short names of `uberforecast.comparison.PEERS`. Default: all.
    local
        Fit the local two-stage model. Default: ``True``.
    local_series
        The series it is fitted on; ``None`` for all. Default: ``None``.

    Returns
    -------
    dict
        ``table``: one row per model over all series (the local model only
        when it covers them all) with the columns of
        `panel_evaluation.aggregate_scores`, ``fit_seconds`` (all its fits),
        ``predict_seconds`` and ``fitted_series`` (how many series those
        seconds fitted); ``subset_table``: the same over `local_series`, or
        ``None``; ``per_series``: every model's per-series scores, indexed
        by (model, series); ``forecasts``: model name to its forecasts
        stacked with a ``series`` column; ``series_input``: the global
        model's.
    """
    panel = check_panel(panel, target, list(features))
    local_series = _check_arguments(
        panel, model_arguments, validation_size, test_size, peers, local_series
    )
    levels = checks.levels(model_arguments["levels"])

    fitting = {sid: frame.iloc[:-test_size] for sid, frame in panel.items()}
    starts = {sid: frame.index[-test_size] for sid, frame in panel.items()}
    arguments = dict(model_arguments, validation_size=validation_size)
    runs = {}
    model = _run_global(
        runs,
        panel,
        fitting,
        starts,
        target,
        features,
        arguments,
        global_arguments or {},
    )
    if local:
        _run_local(
            runs, panel, fitting, starts, target, features, arguments, local_series
        )
    for name in peers:
        _run_peer(
            runs,
            name,
            panel,
            fitting,
            starts,
            target,
            features,
            model_arguments,
            season,
            validation_size,
        )

    # MASE's scale: each series' whole fitting period, as the M competitions.
    histories = {sid: frame[target] for sid, frame in fitting.items()}
    per_series = {
        name: score_series(run["frames"], histories, levels, season, run["crps"])
        for name, run in runs.items()
    }
    everything = [name for name in runs if len(runs[name]["frames"]) == len(panel)]
    subset = None
    if local and len(local_series) < len(panel):
        subset = _table(runs, per_series, list(runs), local_series, levels)
    return {
        "table": _table(runs, per_series, everything, list(panel), levels),
        "subset_table": subset,
        "per_series": pd.concat(per_series, names=["model", "series"]),
        "forecasts": {name: stack_frames(run["frames"]) for name, run in runs.items()},
        "series_input": model.series_input_,
    }


def _check_arguments(
    panel, model_arguments, validation_size, test_size, peers, local_series
):
    """Refuse bad arguments and short series before any fit; the local series."""
    checks.positive_int("test_size", test_size)
    unknown = sorted(set(peers) - set(PEERS))
    if unknown:
        raise ValueError(
            f"Invalid value for argument `peers`: expected names from {PEERS}, "
            f"received {unknown}."
        )
    lookback, horizon = model_arguments["lookback"], model_arguments["horizon"]
    split_panel(panel, validation_size, test_size, lookback, horizon)
    local_series = list(panel) if local_series is None else list(local_series)
    absent = [sid for sid in local_series if sid not in panel]
    if absent:
        raise ValueError(
            "Invalid value for argument `local_series`: expected series of the "
            f"panel, received {absent[:10]}."
        )
    return local_series


def _run_global(runs, panel, fitting, starts, target, features, arguments, own):
    started = time.perf_counter()
    model = GlobalForecaster(target, tuple(features), **own, **arguments)
    model.fit(fitting)
    fit_seconds = time.perf_counter() - started
    logger.info("global two-stage: fit %.1fs on %d series", fit_seconds, len(panel))
    for name, options in (
        (GLOBAL, {}),
        (GLOBAL_CONFORMAL, {"calibration": "conformal"}),
    ):
        started = time.perf_counter()
        forecast = model.predict(panel, start=starts, **options)
        seconds = time.perf_counter() - started
        for sid, part in forecast.items():
            _record(runs, name, sid, part.frame, None, fit_seconds, seconds)
        runs[name]["fit"], runs[name]["predict"] = fit_seconds, seconds
    return model


def _run_local(runs, panel, fitting, starts, target, features, arguments, series):
    for count, sid in enumerate(series, 1):
        started = time.perf_counter()
        model = TwoStageForecaster(target, tuple(features), **arguments)
        model.fit(fitting[sid])
        fitted = time.perf_counter()
        frame = model.predict(panel[sid], start=starts[sid]).frame
        _record(
            runs,
            LOCAL,
            sid,
            frame,
            None,
            fitted - started,
            time.perf_counter() - fitted,
            accumulate=True,
        )
        logger.info("local two-stage: %d of %d series fitted", count, len(series))


def _run_peer(
    runs,
    name,
    panel,
    fitting,
    starts,
    target,
    features,
    model_arguments,
    season,
    validation_size,
):
    for sid in panel:
        model = _peer(
            name,
            target,
            tuple(features),
            dict(model_arguments),
            season,
            validation_size,
        )
        frame, fit_seconds, predict_seconds = _fit_predict(
            model, fitting[sid], panel[sid], starts[sid], validation_size, target
        )
        _record(
            runs,
            PEER_NAMES[name],
            sid,
            frame,
            _crps(model, frame),
            fit_seconds,
            predict_seconds,
            accumulate=True,
        )
    logger.info("%s: fit %.1fs in all", PEER_NAMES[name], runs[PEER_NAMES[name]]["fit"])


def _record(
    runs, name, sid, frame, crps, fit_seconds, predict_seconds, accumulate=False
):
    run = runs.setdefault(name, {"frames": {}, "crps": {}, "fit": 0.0, "predict": 0.0})
    run["frames"][sid] = frame
    run["crps"][sid] = (
        metrics.crps_gaussian(frame["actual"], frame["mean"], frame["std"])
        if crps is None
        else crps
    )
    if accumulate:
        run["fit"] += fit_seconds
        run["predict"] += predict_seconds


def _table(runs, per_series, names, series, levels):
    rows = {}
    for name in names:
        run = runs[name]
        frames = {sid: run["frames"][sid] for sid in series}
        rows[name] = aggregate_scores(per_series[name].loc[series], frames, levels)
        rows[name].update(
            fit_seconds=run["fit"],
            predict_seconds=run["predict"],
            fitted_series=len(run["frames"]),
        )
    table = pd.DataFrame(rows).T
    table.index.name = "model"
    return table
