"""Saving and loading a fitted `TwoStageForecaster` or `GlobalForecaster` as a
folder: the two Keras models and a JSON file of the rest of the state."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import keras
import numpy as np

from uberforecast.layers import MCDropout
from uberforecast.windows import TargetScaler

FORMAT_VERSION = 1
_STATE_FILE = "forecaster.json"
_NETWORK_FILE = "prediction_network.keras"
_AUTOENCODER_FILE = "autoencoder.keras"
# Constructor arguments that JSON turns from tuples into lists.
_TUPLE_PARAMS = (
    "features",
    "encoder_units",
    "hidden_units",
    "encoder_dropout_at",
    "levels",
)


def _plain(value):
    """JSON-ready copy: tuples to lists, numpy scalars and arrays to Python."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_forecaster(forecaster, path):
    """Write models and state of a fitted forecaster to the folder `path`."""
    state = _common_state(forecaster, "two_stage")
    state.update(
        target_scaler=forecaster.target_scaler_.get_state(),
        noise_variance=forecaster.noise_variance_,
    )
    _write(forecaster, path, state)


def save_global_forecaster(forecaster, path):
    """Write a fitted `GlobalForecaster`; per-series state as lists in
    ``series`` order, so ids keep their type (string or integer)."""
    series = forecaster.series_
    state = _common_state(forecaster, "global")
    state.update(
        series=series,
        target_scalers=[forecaster.target_scalers_[s].get_state() for s in series],
        noise_variance=[forecaster.noise_variance_[s] for s in series],
        noise_source=[forecaster.noise_source_[s] for s in series],
        noise_windows=[forecaster.noise_windows_[s] for s in series],
        pooled_noise_variance=forecaster.pooled_noise_variance_,
        series_input=forecaster.series_input_,
        series_input_losses=forecaster.series_input_losses_,
    )
    _write(forecaster, path, state)


def _common_state(forecaster, kind):
    return {
        "format": FORMAT_VERSION,
        "kind": kind,
        "params": forecaster.get_params(),
        "freq": forecaster.freq_,
        "feature_mean": forecaster.feature_mean_,
        "feature_scale": forecaster.feature_scale_,
        "calendar_columns": forecaster.calendar_columns_,
        "feature_columns": forecaster.feature_columns_,
        "conformal_scores": forecaster.conformal_scores_,
        "history": forecaster.history_,
        "timings": forecaster.timings_,
    }


def _write(forecaster, path, state):
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    forecaster.network_.save(path / _NETWORK_FILE)
    forecaster.autoencoder_.save(path / _AUTOENCODER_FILE)
    (path / _STATE_FILE).write_text(json.dumps(_plain(state), indent=2))


def load_forecaster(cls, path):
    """Rebuild a forecaster from a folder written by `save_forecaster`.

    Raises
    ------
    FileNotFoundError
        When `path` is not a folder or lacks one of the saved files.
    ValueError
        When a file is damaged, from another format version or model kind,
        or does not match the others; the message names the file.
    """

    def restore(forecaster, state):
        forecaster.target_scaler_ = TargetScaler.from_state(state["target_scaler"])
        forecaster.noise_variance_ = np.asarray(state["noise_variance"], "float64")

    return _load(cls, path, "two_stage", restore)


def load_global_forecaster(cls, path):
    """Rebuild a `GlobalForecaster` from a folder written by
    `save_global_forecaster`; raises as `load_forecaster`."""

    def restore(forecaster, state):
        series = list(state["series"])
        forecaster.series_ = series
        forecaster.target_scalers_ = dict(
            zip(
                series,
                map(TargetScaler.from_state, state["target_scalers"]),
                strict=True,
            )
        )
        for name in ("noise_variance", "noise_source", "noise_windows"):
            values = state[name]
            if name == "noise_variance":
                values = [np.asarray(value, "float64") for value in values]
            setattr(forecaster, f"{name}_", dict(zip(series, values, strict=True)))
        forecaster.pooled_noise_variance_ = np.asarray(
            state["pooled_noise_variance"], "float64"
        )
        forecaster.series_input_ = state["series_input"]
        forecaster.series_input_losses_ = state["series_input_losses"]

    return _load(cls, path, "global", restore)


def _load(cls, path, kind, restore):
    """The forecaster of `cls` in the folder `path`; `restore` sets the state
    particular to `kind` from the JSON."""
    path = Path(path)
    state = _read_state(path, kind)
    network = _load_model(path / _NETWORK_FILE)
    autoencoder = _load_model(path / _AUTOENCODER_FILE)
    try:
        encoder = network.get_layer("encoder")
    except ValueError as error:
        raise _damaged(path / _NETWORK_FILE, error) from error
    try:
        forecaster = cls(**state["params"])
        forecaster.freq_ = state["freq"]
        for name in ("feature_mean", "feature_scale"):
            setattr(forecaster, f"{name}_", np.asarray(state[name], dtype="float64"))
        forecaster.conformal_scores_ = np.asarray(
            state["conformal_scores"], dtype="float64"
        ).reshape(-1, forecaster.horizon)
        for name in ("calendar_columns", "feature_columns", "history", "timings"):
            setattr(forecaster, f"{name}_", state[name])
        restore(forecaster, state)
    except (KeyError, TypeError, ValueError) as error:
        raise _damaged(path / _STATE_FILE, error) from error
    forecaster.network_, forecaster.encoder_ = network, encoder
    forecaster.autoencoder_ = autoencoder
    _check_consistent(forecaster, path)
    forecaster._sampler = None
    return forecaster


def _damaged(file, error):
    if isinstance(error, KeyError):
        detail = f"it lacks the key {error}"
    else:
        detail = f"{type(error).__name__}: {error}"
    return ValueError(
        f"Could not load the saved forecaster: {file} is damaged or from another "
        f"version ({detail})."
    )


def _read_state(path, kind):
    """The JSON state of a saved folder, checked for its files, format and kind."""
    if not path.is_dir():
        raise FileNotFoundError(f"No saved forecaster at {path}: not a folder.")
    absent = [
        name
        for name in (_STATE_FILE, _NETWORK_FILE, _AUTOENCODER_FILE)
        if not (path / name).is_file()
    ]
    if absent:
        raise FileNotFoundError(
            f"{path} is not a saved forecaster: {', '.join(absent)} missing."
        )
    try:
        state = json.loads((path / _STATE_FILE).read_text())
        version = state.get("format")
    except (ValueError, AttributeError) as error:
        raise _damaged(path / _STATE_FILE, error) from error
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path} holds format {version}; this version reads format "
            f"{FORMAT_VERSION}."
        )
    # Folders saved before there were two kinds hold a two-stage model.
    saved = state.get("kind", "two_stage")
    if saved != kind:
        loader = {"global": "GlobalForecaster", "two_stage": "TwoStageForecaster"}
        raise ValueError(
            f"{path} holds a {loader.get(saved, saved)}; load it with "
            f"{loader.get(saved, saved)}.load, not {loader[kind]}.load."
        )
    params = state.get("params")
    if isinstance(params, dict):
        for key in _TUPLE_PARAMS:
            if isinstance(params.get(key), list):
                params[key] = tuple(params[key])
    return state


def _load_model(file):
    """A saved Keras model, or an error that names the damaged file."""
    # Keras says "File not found" for a truncated archive: check it first.
    if not zipfile.is_zipfile(file):
        raise ValueError(
            f"Could not load the saved forecaster: {file} is not a .keras archive "
            "(truncated or overwritten)."
        )
    try:
        # MCDropout is named here so that loading never depends on the user
        # passing it, nor on the import that registers it having run.
        return keras.models.load_model(
            file, custom_objects={"MCDropout": MCDropout}, compile=False
        )
    except Exception as error:  # Keras raises many types for a damaged file.
        raise _damaged(file, error) from error


def _check_consistent(forecaster, path):
    """Refuse a folder whose state and network do not describe the same model."""
    inputs = forecaster.network_.input
    width = inputs["features"].shape[-1] if "features" in inputs else 0
    expected = forecaster.horizon * len(forecaster.feature_columns_)
    if width != expected or inputs["window"].shape[1] != forecaster.lookback:
        raise ValueError(
            f"The saved forecaster at {path} does not match its own network: the "
            f"state expects lookback {forecaster.lookback} and {expected} feature "
            f"inputs, the network has {inputs['window'].shape[1]} and {width}."
        )
    series_input = getattr(forecaster, "series_input_", "none")
    if (series_input != "none") != ("series" in inputs):
        raise ValueError(
            f"The saved forecaster at {path} does not match its own network: the "
            f"state says series_input={series_input!r}, the network "
            f"{'has' if 'series' in inputs else 'lacks'} a series input."
        )
