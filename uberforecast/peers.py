"""Peer models for the evaluation, on the same splits and features.

Each has ``fit(frame, validation_size)`` (the fitting period: training then
validation), ``predict(frame, start)`` returning a frame like
`Forecast.frame`, and ``crps(frame)`` scoring that frame with its own
predictive distribution. `SeasonalNaive` (in `uberforecast.baselines`)
follows the same contract.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.stats import norm

from uberforecast import checks, metrics
from uberforecast.data import check_frame
from uberforecast.features import calendar_features
from uberforecast.forecast import level_name
from uberforecast.forecaster import TwoStageForecaster
from uberforecast.networks import build_autoencoder, build_encoder
from uberforecast.windows import window_positions

logger = logging.getLogger(__name__)

# Quantiles of the boosting model's predictive distribution, for its CRPS;
# the interval bounds are added to them.
CRPS_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def _bound(level, side):
    """The quantile of an interval's lower (side 0) or upper (1) bound."""
    return round(0.5 + (side - 0.5) * level / 100, 6)


def _frame(index, origins, horizon, actual, mean, std, bounds):
    """A forecast frame from ``(W, H)`` arrays and ``{level: (lower, upper)}``."""
    columns = {
        "origin": np.repeat(origins, horizon),
        "step": np.tile(np.arange(1, horizon + 1), len(origins)),
        "actual": actual.ravel(),
        "mean": mean.ravel(),
        "std": std.ravel(),
    }
    for level, (lower, upper) in bounds.items():
        columns[f"lower_{level_name(level)}"] = lower.ravel()
        columns[f"upper_{level_name(level)}"] = upper.ravel()
    return pd.DataFrame(columns, index=pd.DatetimeIndex(index, name="timestamp"))


class BoostingForecaster:
    """Gradient boosting on lags, calendar and external features.

    One scikit-learn `HistGradientBoostingRegressor` per horizon step
    (direct strategy) reads the last `lookback` values before the origin,
    the calendar features and the external features of the target step.
    With ``intervals="quantile"`` each interval bound is its own quantile
    model (the analogue of the reference's quantile random forest); with
    ``"gaussian"`` a squared-error model gives the mean and the intervals
    are Gaussian with the standard deviation of its validation residuals.
    Early stopping uses the validation period.

    Parameters
    ----------
    target, features
        Column to forecast and external feature columns.
    lookback
        Lags read before the origin. Default: ``28``.
    horizon
        Steps forecast from each origin. Default: ``1``.
    levels
        Interval coverages in percent. Default: ``(80, 95)``.
    intervals
        ``"quantile"`` or ``"gaussian"``. Default: ``"quantile"``.
    max_iter, learning_rate, max_leaf_nodes
        Boosting settings. Defaults: ``500``, ``0.1``, ``31``.
    seed
        Default: ``0``.
    """

    def __init__(
        self,
        target,
        features=(),
        lookback=28,
        horizon=1,
        levels=(80, 95),
        intervals="quantile",
        max_iter=500,
        learning_rate=0.1,
        max_leaf_nodes=31,
        seed=0,
    ):
        self.target = target
        self.features = features
        self.lookback = lookback
        self.horizon = horizon
        self.levels = levels
        self.intervals = intervals
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.seed = seed

    def _design(self, data, positions, step):
        """Rows for the targets ``positions + step``: lags, calendar, features."""
        values = data[self.target].to_numpy(dtype="float64")
        # -> (W, L): the lookback values before each origin, latest first
        lags = values[positions[:, None] - np.arange(1, self.lookback + 1)]
        targets = positions + step
        parts = [lags, data[list(self.features)].to_numpy()[targets]]
        parts.append(calendar_features(data.index).to_numpy()[targets])
        return np.hstack(parts), values[targets]

    def _model(self, loss, quantile=None):
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(
            loss=loss,
            quantile=quantile,
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            early_stopping=True,
            n_iter_no_change=20,
            random_state=self.seed,
        )

    def _quantiles(self):
        bounds = [_bound(level, side) for level in self.levels_ for side in (0, 1)]
        return sorted({*CRPS_QUANTILES, *bounds})

    def fit(self, frame, validation_size):
        """Fit the models of every horizon step on the fitting period."""
        checks.one_of("intervals", self.intervals, ("quantile", "gaussian"))
        checks.positive_int("lookback", self.lookback)
        checks.positive_int("horizon", self.horizon)
        self.levels_ = checks.levels(self.levels)
        data = check_frame(frame, self.target, list(self.features))
        train_size = len(data) - validation_size
        train = window_positions(len(data), self.lookback, self.horizon, end=train_size)
        validation = window_positions(
            len(data), self.lookback, self.horizon, first_target=train_size
        )
        self.models_, self.residual_std_ = [], []
        for step in range(self.horizon):
            x_train, y_train = self._design(data, train, step)
            x_val, y_val = self._design(data, validation, step)
            if self.intervals == "gaussian":
                model = self._model("squared_error")
                model.fit(x_train, y_train, X_val=x_val, y_val=y_val)
                self.residual_std_.append(np.std(y_val - model.predict(x_val), ddof=1))
                self.models_.append(model)
                continue
            models = {}
            for quantile in self._quantiles():
                model = self._model("quantile", quantile)
                models[quantile] = model.fit(x_train, y_train, X_val=x_val, y_val=y_val)
            self.models_.append(models)
        return self

    def predict(self, frame, start):
        """Forecast every window whose targets start at or after `start`."""
        data = check_frame(frame, self.target, list(self.features))
        first = data.index.searchsorted(pd.Timestamp(start))
        positions = window_positions(
            len(data), self.lookback, self.horizon, first_target=first
        )
        steps = positions[:, None] + np.arange(self.horizon)
        columns = [
            self._predict_step(data, positions, step) for step in range(self.horizon)
        ]
        # Each of mean, std and the bounds -> (W, H)
        mean = np.stack([column["mean"] for column in columns], axis=1)
        std = np.stack([column["std"] for column in columns], axis=1)
        bounds = {
            level: tuple(
                np.stack([column[level][side] for column in columns], axis=1)
                for side in (0, 1)
            )
            for level in self.levels_
        }
        actual = data[self.target].to_numpy()[steps]
        frame = _frame(
            data.index[steps.ravel()],
            data.index[positions - 1],
            self.horizon,
            actual,
            mean,
            std,
            bounds,
        )
        if self.intervals == "quantile":
            for quantile in self._quantiles():
                frame[f"quantile_{quantile:g}"] = np.stack(
                    [column["quantiles"][quantile] for column in columns], axis=1
                ).ravel()
        return frame

    def _predict_step(self, data, positions, step):
        x, _ = self._design(data, positions, step)
        if self.intervals == "gaussian":
            mean, std = self.models_[step].predict(x), self.residual_std_[step]
            result = {"mean": mean, "std": np.full_like(mean, std)}
            for level in self.levels_:
                z = norm.ppf(0.5 + level / 200)
                result[level] = (mean - z * std, mean + z * std)
            return result
        quantiles = {q: model.predict(x) for q, model in self.models_[step].items()}
        # Quantile models are fitted separately and can cross: sort them.
        ordered = np.sort(np.stack(list(quantiles.values())), axis=0)
        quantiles = dict(zip(quantiles, ordered, strict=True))
        # The spread of the central 80% as a Gaussian std, for the frame.
        std = (quantiles[0.9] - quantiles[0.1]) / (2 * norm.ppf(0.9))
        result = {"mean": quantiles[0.5], "std": std, "quantiles": quantiles}
        for level in self.levels_:
            result[level] = (quantiles[_bound(level, 0)], quantiles[_bound(level, 1)])
        return result

    def crps(self, frame):
        """CRPS: Gaussian in closed form, or for quantile models twice the
        integral of the pinball loss over the quantile level, by the midpoint
        rule on their quantiles (an approximation from a finite grid)."""
        if self.intervals == "gaussian":
            return metrics.crps_gaussian(frame["actual"], frame["mean"], frame["std"])
        quantiles = np.array(self._quantiles())
        edges = np.concatenate([[0.0], (quantiles[1:] + quantiles[:-1]) / 2, [1.0]])
        losses = [
            metrics.pinball(frame["actual"], frame[f"quantile_{q:g}"], q)
            for q in quantiles
        ]
        return 2 * float(np.dot(np.diff(edges), losses))


class ETSForecaster:
    """Exponential smoothing (statsmodels' `ETSModel`) with its own intervals.

    Additive error, trend and season (the season from the frequency, e.g.
    7 for daily data), fitted by maximum likelihood on the whole fitting
    period; forecasts from each origin run the fitted model over the data
    up to that origin. Needs the optional dependency ``statsmodels``
    (``pip install 'uberforecast[peers]'``).

    Parameters
    ----------
    target
        Column to forecast.
    season
        Steps in a season; 1 for none.
    horizon, levels
        As for `TwoStageForecaster`.
    damped
        Damp the trend. Default: ``True``.
    """

    def __init__(self, target, season, horizon=1, levels=(80, 95), damped=True):
        self.target = target
        self.season = season
        self.horizon = horizon
        self.levels = levels
        self.damped = damped

    def _model(self, values):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        seasonal = self.season > 1
        # A Series with a plain RangeIndex: statsmodels' predictions need an
        # index, and positions are what `predict` asks for.
        return ETSModel(
            pd.Series(values),
            error="add",
            trend="add",
            damped_trend=self.damped,
            seasonal="add" if seasonal else None,
            seasonal_periods=self.season if seasonal else None,
        )

    def fit(self, frame, validation_size):
        """Fit on the whole fitting period (training and validation)."""
        self.levels_ = checks.levels(self.levels)
        data = check_frame(frame, self.target, [])
        values = data[self.target].to_numpy(dtype="float64")
        self.params_ = self._model(values).fit(disp=False).params
        return self

    def predict(self, frame, start):
        """Forecast every window whose targets start at or after `start`."""
        data = check_frame(frame, self.target, [])
        values = data[self.target].to_numpy(dtype="float64")
        first = data.index.searchsorted(pd.Timestamp(start))
        origins = window_positions(len(values), 1, self.horizon, first_target=first)
        if self.horizon == 1:
            # One run over all the data gives every one-step forecast.
            result = self._model(values).smooth(self.params_)
            summaries = [self._summary(result, first, len(values) - 1)]
        else:
            summaries = [
                self._summary(
                    self._model(values[:origin]).smooth(self.params_),
                    origin,
                    origin + self.horizon - 1,
                )
                for origin in origins
            ]
        steps = origins[:, None] + np.arange(self.horizon)
        shape = steps.shape

        def stacked(key):
            return np.concatenate([summary[key] for summary in summaries]).reshape(
                shape
            )

        bounds = {
            level: (stacked(("lower", level)), stacked(("upper", level)))
            for level in self.levels_
        }
        top = max(self.levels_)
        z = norm.ppf(0.5 + top / 200)
        std = (bounds[top][1] - bounds[top][0]) / (2 * z)
        return _frame(
            data.index[steps.ravel()],
            data.index[origins - 1],
            self.horizon,
            values[steps],
            stacked("mean"),
            std,
            bounds,
        )

    def _summary(self, result, start, end):
        prediction = result.get_prediction(start=start, end=end)
        summary = {"mean": np.asarray(prediction.predicted_mean)}
        for level in self.levels_:
            interval = np.asarray(prediction.pred_int(alpha=1 - level / 100))
            summary[("lower", level)] = interval[:, 0]
            summary[("upper", level)] = interval[:, 1]
        return summary

    def crps(self, frame):
        """CRPS of the Gaussian with the forecast's mean and std."""
        return metrics.crps_gaussian(frame["actual"], frame["mean"], frame["std"])


class EndToEndLSTM(TwoStageForecaster):
    """The two-stage network trained in one stage, without pretraining.

    The same encoder and MLP, with MC dropout and the noise term, but the
    encoder is trained together with the MLP on the forecast loss instead of
    being pretrained as an encoder-decoder and frozen: the peer that shows
    what pretraining adds. Takes `TwoStageForecaster`'s arguments;
    `encoder_epochs` and `decoder_units` are unused.
    """

    _train_encoder = True

    def _fit_stage_one(self, train, validation):
        self.encoder_ = build_encoder(
            self.lookback, self.encoder_units, self.dropout, self.encoder_dropout_at
        )
        # Untrained; kept so that the model saves and loads like its parent.
        self.autoencoder_ = build_autoencoder(
            self.encoder_, self.horizon, self.decoder_units
        )
        self.history_["encoder"] = {}
        self.timings_["stage_one"] = 0.0

    def crps(self, frame):
        """CRPS of the Gaussian with the forecast's mean and std."""
        return metrics.crps_gaussian(frame["actual"], frame["mean"], frame["std"])
