"""Saving and loading a fitted `TwoStageForecaster` as a folder."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np

from uberforecast.windows import TargetScaler

FORMAT_VERSION = 1
_STATE_FILE = "forecaster.json"
_NETWORK_FILE = "prediction_network.keras"
_AUTOENCODER_FILE = "autoencoder.keras"


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
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    forecaster.network_.save(path / _NETWORK_FILE)
    forecaster.autoencoder_.save(path / _AUTOENCODER_FILE)
    state = {
        "format": FORMAT_VERSION,
        "params": forecaster.get_params(),
        "freq": forecaster.freq_,
        "target_scaler": forecaster.target_scaler_.get_state(),
        "feature_mean": forecaster.feature_mean_,
        "feature_scale": forecaster.feature_scale_,
        "calendar_columns": forecaster.calendar_columns_,
        "feature_columns": forecaster.feature_columns_,
        "noise_variance": forecaster.noise_variance_,
        "history": forecaster.history_,
        "timings": forecaster.timings_,
    }
    (path / _STATE_FILE).write_text(json.dumps(_plain(state), indent=2))


def load_forecaster(cls, path):
    """Rebuild a forecaster from a folder written by `save_forecaster`."""
    path = Path(path)
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
        params = state["params"]
        network = keras.models.load_model(path / _NETWORK_FILE, compile=False)
        autoencoder = keras.models.load_model(path / _AUTOENCODER_FILE, compile=False)
    except Exception as error:  # Keras and json raise many types here.
        raise ValueError(
            f"Could not load the saved forecaster at {path}: the files are "
            f"corrupt or from another version ({type(error).__name__}: {error})."
        ) from error
    if state.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"{path} holds format {state.get('format')}; this version reads "
            f"format {FORMAT_VERSION}."
        )

    for key in (
        "features",
        "encoder_units",
        "hidden_units",
        "encoder_dropout_at",
        "levels",
    ):
        params[key] = tuple(params[key])
    forecaster = cls(**params)
    forecaster.network_ = network
    forecaster.encoder_ = network.get_layer("encoder")
    forecaster.autoencoder_ = autoencoder
    forecaster.freq_ = state["freq"]
    forecaster.target_scaler_ = TargetScaler.from_state(state["target_scaler"])
    forecaster.feature_mean_ = np.asarray(state["feature_mean"], dtype="float64")
    forecaster.feature_scale_ = np.asarray(state["feature_scale"], dtype="float64")
    forecaster.calendar_columns_ = state["calendar_columns"]
    forecaster.feature_columns_ = state["feature_columns"]
    forecaster.noise_variance_ = np.asarray(state["noise_variance"], dtype="float64")
    forecaster.history_ = state["history"]
    forecaster.timings_ = state["timings"]
    forecaster._sampler = None
    return forecaster
