"""The network's inputs: scaled windows and features of a fitted forecaster.

Functions of a `TwoStageForecaster` whose scalers are fitted (``freq_``,
``target_scaler_``, ``feature_mean_``, ``feature_scale_``,
``calendar_columns_``, ``feature_columns_``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from uberforecast.data import DataError
from uberforecast.features import calendar_features
from uberforecast.windows import (
    TargetScaler,
    make_windows,
    normalise_windows,
    window_positions,
)


def fit_scalers(model, train):
    """Fit the target scaler and feature scales on the training period."""
    model.target_scaler_ = TargetScaler(model.transform).fit(train[model.target])
    fit_feature_scalers(model, [train])


def fit_feature_scalers(model, trains):
    """Fit the feature scales on the training periods of one or more series.

    The periods are pooled: one mean and scale per feature column. Sets
    ``freq_``, ``feature_mean_``, ``feature_scale_``, ``calendar_columns_``
    and ``feature_columns_``.
    """
    model.freq_ = trains[0].index.freqstr
    names = list(model.features)
    values = np.vstack([train[names].to_numpy() for train in trains])
    model.feature_mean_ = values.mean(axis=0) if names else np.zeros(0)
    spread = values.std(axis=0) if names else np.zeros(0)
    # A feature constant over training is centred, not divided by zero nor
    # by the rounding error that its std comes out as (1e-17 for 0.1).
    constant = np.ptp(values, axis=0) == 0 if names else np.zeros(0, bool)
    model.feature_scale_ = np.where(constant, 1.0, spread)
    # The calendar's columns depend on the frequency alone.
    calendar = calendar_features(trains[0].index) if model.calendar else None
    model.calendar_columns_ = [] if calendar is None else list(calendar.columns)
    model.feature_columns_ = model.calendar_columns_ + names


def feature_matrix(model, data):
    """Scaled features of every step, calendar columns first, shape ``(N, F)``."""
    names = list(model.features)
    user = (data[names].to_numpy() - model.feature_mean_) / model.feature_scale_
    if not model.calendar_columns_:
        return user
    calendar = calendar_features(data.index)
    missing = sorted(set(model.calendar_columns_) - set(calendar.columns))
    if missing:
        raise ValueError(
            f"Calendar columns {missing} seen in training are not produced for "
            f"data of frequency {data.index.freqstr!r} (trained on {model.freq_!r})."
        )
    return np.hstack([calendar[model.calendar_columns_].to_numpy(), user])


def network_windows(
    model, data, first_target=None, end=None, scaler=None, targets=True
):
    """Network inputs, targets and levels of the windows in a period.

    Legend: W windows, L lookback, H horizon, F features.

    `scaler` is the series' `TargetScaler`; ``None`` takes the model's
    ``target_scaler_``. With ``targets=False`` (forecasting) only the rows
    the windows read are scaled, so a value the transform cannot take (a
    negative one under ``log``) is refused only where it would be an input,
    not where it is only compared with the forecast; ``targets`` is then
    ``None``.

    Returns
    -------
    dict
        ``inputs``: ``window`` ``(W, L, 1)`` and, with features,
        ``features`` ``(W, H * F)``, float32; ``targets`` ``(W, H)`` minus
        each window's ``level`` ``(W,)``; ``positions`` of the first
        targets ``(W,)``.
    """
    scaler = model.target_scaler_ if scaler is None else scaler
    positions = window_positions(
        len(data), model.lookback, model.horizon, first_target, end
    )
    values = data[model.target].to_numpy()
    # The rows before the last window's first target are the inputs.
    read = len(values) if targets else int(positions.max())
    scaled = np.full(len(values), np.nan)
    scaled[:read] = scaler.forward(values[:read], data.index[:read])
    inputs, target_windows = make_windows(
        scaled, positions, model.lookback, model.horizon
    )
    windows, level, scale = normalise_windows(inputs, model.window_normalisation)
    network_inputs = {"window": windows[..., None]}
    if model.feature_columns_:
        features = feature_matrix(model, data)
        # -> (W, H, F) -> (W, H * F)
        steps = features[positions[:, None] + np.arange(model.horizon)]
        network_inputs["features"] = steps.reshape(len(positions), -1)
    return {
        "inputs": {k: v.astype("float32") for k, v in network_inputs.items()},
        "targets": (
            ((target_windows - level[:, None]) / scale[:, None]).astype("float32")
            if targets
            else None
        ),
        "level": level,
        "scale": scale,
        "positions": positions,
    }


def first_target(data, start, lookback, horizon):
    """Position of the first target step, checked to leave whole windows."""
    needed = lookback + horizon
    if len(data) < needed:
        raise DataError(
            f"Invalid value for argument `frame`: expected at least lookback + "
            f"horizon = {needed} rows, received {len(data)}."
        )
    if start is None:
        return lookback
    try:
        timestamp = pd.Timestamp(start)
    except (TypeError, ValueError):
        raise ValueError(
            "Invalid value for argument `start`: expected a timestamp such as "
            f"'{data.index[lookback]}', received {start!r}."
        ) from None
    first = data.index.searchsorted(timestamp)
    if not lookback <= first <= len(data) - horizon:
        raise ValueError(
            "Invalid value for argument `start`: expected a timestamp from "
            f"{data.index[lookback]} to {data.index[len(data) - horizon]}"
            f" (lookback={lookback} steps before it, horizon="
            f"{horizon} steps from it), received {start}."
        )
    return first
