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
from uberforecast.datasets import CHICAGO_STATIONS, load_chicago_stations
from uberforecast.features import calendar_features
from uberforecast.forecast import Forecast
from uberforecast.forecaster import TwoStageForecaster
from uberforecast.global_forecaster import GlobalForecaster
from uberforecast.layers import MCDropout
from uberforecast.panel import check_panel, panel_from_long, panel_from_wide
from uberforecast.panel_forecast import PanelForecast

__all__ = [
    "CHICAGO_EVENTS",
    "CHICAGO_STATIONS",
    "CHICAGO_WEATHER",
    "DataError",
    "Forecast",
    "GlobalForecaster",
    "MCDropout",
    "PanelForecast",
    "TwoStageForecaster",
    "calendar_features",
    "check_frame",
    "check_panel",
    "evaluate_flags",
    "flag_anomalies",
    "load_chicago",
    "load_chicago_stations",
    "load_csv",
    "panel_from_long",
    "panel_from_wide",
]
__version__ = "0.1.0"
