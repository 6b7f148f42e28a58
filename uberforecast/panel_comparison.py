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
import math
import time
import warnings
from dataclasses import dataclass

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
# Where the seasonal-naive and last-value peers take the residuals that set
# their intervals: each series' validation period, or its whole fitting period.
NAIVE_RESIDUALS = ("validation", "fitting")
# Peers whose intervals come from validation residuals (two windows at least).
_VALIDATION_PEERS = ("boosting_gaussian", "seasonal_naive", "last_value")


@dataclass
class _Split:
    """The panel, each series' fitting period and first test timestamp."""

    panel: dict
    fitting: dict
    starts: dict
    target: str
    features: tuple


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
    naive_residuals="validation",
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
    naive_residuals
        ``"validation"``: the seasonal-naive and last-value intervals come
        from the residuals of each series' validation period, as in
        `uberforecast.comparison`; ``"fitting"``: from every window of its
        fitting period (for short series whose validation period holds one
        window, as M3's). Default: ``"validation"``.

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
        panel,
        model_arguments,
        validation_size,
        test_size,
        peers,
        local_series,
        naive_residuals,
    )
    levels = checks.levels(model_arguments["levels"])
    split = _Split(
        panel,
        {sid: frame.iloc[:-test_size] for sid, frame in panel.items()},
        {sid: frame.index[-test_size] for sid, frame in panel.items()},
        target,
        tuple(features),
    )
    arguments = dict(model_arguments, validation_size=validation_size)

    runs = {}
    model = _run_global(runs, split, arguments, global_arguments or {})
    if local:
        _run_local(runs, split, arguments, local_series)
    for name in peers:
        steps = _residual_steps(
            name,
            split,
            validation_size,
            season,
            model_arguments["horizon"],
            naive_residuals,
        )
        _run_peer(runs, name, split, model_arguments, season, steps)

    result = _results(runs, split, levels, season, local_series if local else None)
    return {**result, "series_input": model.series_input_}


def _results(runs, split, levels, season, local_series):
    """Per-series scores, the tables and the stacked forecasts of every run."""
    # MASE's scale: each series' whole fitting period, as the M competitions.
    histories = {sid: frame[split.target] for sid, frame in split.fitting.items()}
    per_series = {
        name: score_series(run["frames"], histories, levels, season, run["crps"])
        for name, run in runs.items()
    }
    every = list(split.panel)
    complete = [name for name in runs if len(runs[name]["frames"]) == len(every)]
    subset = None
    if local_series is not None and len(local_series) < len(every):
        subset = _table(runs, per_series, list(runs), local_series, levels)
    return {
        "table": _table(runs, per_series, complete, every, levels),
        "subset_table": subset,
        "per_series": pd.concat(per_series, names=["model", "series"]),
        "forecasts": {name: stack_frames(run["frames"]) for name, run in runs.items()},
    }


def naive_residual_size(num_steps, validation_size, season, horizon, residuals):
    """Steps at the end of a fitting period whose residuals set the intervals
    of a seasonal-naive model: the validation period, or (``"fitting"``)
    every step that has a full season of lags before it."""
    checks.one_of("naive_residuals", residuals, NAIVE_RESIDUALS)
    if residuals == "validation":
        return validation_size
    return num_steps - season * math.ceil(horizon / season)


def _residual_steps(name, split, validation_size, season, horizon, residuals):
    """Series id to the validation steps a peer is fitted with."""
    if name not in ("seasonal_naive", "last_value"):
        return dict.fromkeys(split.fitting, validation_size)
    season = 1 if name == "last_value" else season
    return {
        sid: naive_residual_size(
            len(frame), validation_size, season, horizon, residuals
        )
        for sid, frame in split.fitting.items()
    }


def _check_arguments(
    panel,
    model_arguments,
    validation_size,
    test_size,
    peers,
    local_series,
    naive_residuals,
):
    """Refuse bad arguments and short series before any fit; the local series."""
    checks.positive_int("test_size", test_size)
    checks.one_of("naive_residuals", naive_residuals, NAIVE_RESIDUALS)
    unknown = sorted(set(peers) - set(PEERS))
    if unknown:
        raise ValueError(
            f"Invalid value for argument `peers`: expected names from {PEERS}, "
            f"received {unknown}."
        )
    lookback, horizon = model_arguments["lookback"], model_arguments["horizon"]
    split_panel(panel, validation_size, test_size, lookback, horizon)
    windows = validation_size - horizon + 1
    needy = [
        name
        for name in peers
        if name in _VALIDATION_PEERS
        and (name == "boosting_gaussian" or naive_residuals == "validation")
    ]
    if windows < 2 and needy:
        raise ValueError(
            f"Invalid value for argument `peers`: {needy} set their intervals from "
            f"validation residuals, and validation_size={validation_size} with "
            f"horizon={horizon} leaves {windows} window per series. Use a longer "
            "validation_size, naive_residuals='fitting' for the naive peers, or "
            "leave them out."
        )
    local_series = list(panel) if local_series is None else list(local_series)
    absent = [sid for sid in local_series if sid not in panel]
    if absent:
        raise ValueError(
            "Invalid value for argument `local_series`: expected series of the "
            f"panel, received {absent[:10]}."
        )
    return local_series


def _run_global(runs, split, arguments, own):
    started = time.perf_counter()
    model = GlobalForecaster(split.target, split.features, **own, **arguments)
    model.fit(split.fitting)
    fit_seconds = time.perf_counter() - started
    logger.info(
        "global two-stage: fit %.1fs on %d series", fit_seconds, len(split.panel)
    )
    for name, options in (
        (GLOBAL, {}),
        (GLOBAL_CONFORMAL, {"calibration": "conformal"}),
    ):
        started = time.perf_counter()
        try:
            forecast = model.predict(split.panel, start=split.starts, **options)
        except ValueError as error:
            # Conformal intervals need enough validation windows in all.
            warnings.warn(f"The row {name!r} is left out: {error}", stacklevel=3)
            continue
        seconds = time.perf_counter() - started
        for sid, part in forecast.items():
            _record(runs, name, sid, part.frame, None, 0.0, 0.0)
        runs[name]["fit"], runs[name]["predict"] = fit_seconds, seconds
    return model


def _run_local(runs, split, arguments, series):
    for count, sid in enumerate(series, 1):
        started = time.perf_counter()
        model = TwoStageForecaster(split.target, split.features, **arguments)
        model.fit(split.fitting[sid])
        fitted = time.perf_counter()
        frame = model.predict(split.panel[sid], start=split.starts[sid]).frame
        _record(
            runs,
            LOCAL,
            sid,
            frame,
            None,
            fitted - started,
            time.perf_counter() - fitted,
        )
        logger.info("local two-stage: %d of %d series fitted", count, len(series))


def _run_peer(runs, name, split, model_arguments, season, residual_steps):
    for sid in split.panel:
        model = _peer(
            name,
            split.target,
            split.features,
            dict(model_arguments),
            season,
            residual_steps[sid],
        )
        frame, fit_seconds, predict_seconds = _fit_predict(
            model,
            split.fitting[sid],
            split.panel[sid],
            split.starts[sid],
            residual_steps[sid],
            split.target,
        )
        _record(
            runs,
            PEER_NAMES[name],
            sid,
            frame,
            _crps(model, frame),
            fit_seconds,
            predict_seconds,
        )
    logger.info("%s: fit %.1fs in all", PEER_NAMES[name], runs[PEER_NAMES[name]]["fit"])


def _record(runs, name, sid, frame, crps, fit_seconds, predict_seconds):
    """Keep one series' forecast frame and CRPS; add its seconds to the run's."""
    run = runs.setdefault(name, {"frames": {}, "crps": {}, "fit": 0.0, "predict": 0.0})
    run["frames"][sid] = frame
    run["crps"][sid] = (
        metrics.crps_gaussian(frame["actual"], frame["mean"], frame["std"])
        if crps is None
        else crps
    )
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
