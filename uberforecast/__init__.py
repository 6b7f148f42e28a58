"""Two-stage probabilistic forecasting: LSTM encoder, MLP, MC-dropout intervals."""

import os

# TensorFlow's C++ start-up notices drown the log; a user's own setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from uberforecast.anomaly import evaluate_flags, flag_anomalies
from uberforecast.data import (
    CHICAGO_EVENTS,
    CHICAGO_WEATHER,
    DataError,
    check_frame,
    load_chicago,
    load_csv,
)
from uberforecast.features import calendar_features
from uberforecast.forecast import Forecast
from uberforecast.forecaster import TwoStageForecaster
from uberforecast.layers import MCDropout

__all__ = [
    "CHICAGO_EVENTS",
    "CHICAGO_WEATHER",
    "DataError",
    "Forecast",
    "MCDropout",
    "TwoStageForecaster",
    "calendar_features",
    "check_frame",
    "evaluate_flags",
    "flag_anomalies",
    "load_chicago",
    "load_csv",
]
__version__ = "0.1.0"
