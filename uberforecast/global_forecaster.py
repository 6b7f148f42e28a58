"""`GlobalForecaster`: one two-stage model trained on many related series."""

from __future__ import annotations

import inspect
import logging
import numbers
import time

import keras
import numpy as np

from uberforecast import checks
from uberforecast.forecaster import TwoStageForecaster
from uberforecast.networks import SERIES_INPUTS, build_prediction_network
from uberforecast.panel import check_panel, split_panel
from uberforecast.panel_forecast import PanelForecast
from uberforecast.panel_inputs import (
    first_targets,
    fit_series_scalers,
    pooled_windows,
    series_noise_variance,
    with_series_input,
)
from uberforecast.uncertainty import (
    calibration_multipliers,
    conformal_scores,
    validation_residuals,
)

logger = logging.getLogger(__name__)

# The arguments this class adds to `TwoStageForecaster`'s.
_OWN_PARAMS = (
    "series_input",
    "series_embedding_size",
    "min_noise_windows",
    "noise_shrinkage",
)


class GlobalForecaster(TwoStageForecaster):
    """One two-stage model for many related series: global training.

    The windows of every series are pooled: stage one pretrains one
    encoder-decoder on all of them, stage two freezes it and fits one
    prediction network. Each series' target is scaled by a `TargetScaler`
    fitted on that series' own training period, so a series a thousand times
    larger than another trains beside it on an equal footing; the feature
    scales are fitted on the training periods of all series pooled. Each
    series' validation period is the last `validation_size` steps of its
    fitting data; the steps before it are its training period.

    **Series identity.** With ``series_input="auto"`` stage two is fitted
    three times on the same frozen encoder and seed: without the series'
    identity, with its one-hot indicator, and with a learned embedding of it
    (`keras.layers.Embedding`); the lowest pooled validation loss wins (ties
    go to the simpler input) and is recorded in ``series_input_`` and
    ``series_input_losses_``. A single series gets ``"none"``. The
    validation period that chooses also stops the training early and
    measures the noise, so the winner's validation loss is slightly
    optimistic.

    **Inherent noise per series.** The deterministic network's mean squared
    residual on each series' own validation windows, per horizon step, on
    that series' scale. A series with fewer than `min_noise_windows`
    validation windows gets the pooled value instead (the mean over the
    validation windows of all series); one with enough is shrunk toward it by
    `noise_shrinkage` pseudo-windows (see
    `uberforecast.panel_inputs.series_noise_variance`).

    Parameters
    ----------
    target
        The column each series' frame holds its values in.
    features
        External feature columns, taken at the target steps. Default: ``()``.
    series_input
        ``"auto"``, ``"none"``, ``"onehot"`` or ``"embedding"``.
        Default: ``"auto"``.
    series_embedding_size
        Size of the learned series vector. Default: ``4``.
    min_noise_windows
        Fewest validation windows for a series' own noise estimate.
        Default: ``30``: from Gaussian residuals the variance of 30 windows
        has a relative standard error of ``sqrt(2 / 30)``, 26%, or 13% of the
        interval width; fewer would make a series' width mostly chance.
    noise_shrinkage
        Pseudo-windows of the pooled noise added to each series' own.
        Default: ``0.0`` (each series' own estimate).
    **parameters
        Every other argument of `TwoStageForecaster` (`lookback`,
        `horizon`, `validation_size`, `transform` applied per series, ...),
        with the same defaults.

    Attributes
    ----------
    series_
        The fitted series' ids, in order.
    target_scalers_
        Series id to its `TargetScaler`.
    noise_variance_
        Series id to its noise variance per horizon step, shape ``(H,)``, on
        the series' scale.
    pooled_noise_variance_
        Shape ``(H,)``.
    noise_source_, noise_windows_
        Series id to ``"series"`` or ``"pooled"``, and to its count of
        validation windows.
    series_input_, series_input_losses_
        The series input used, and each candidate's best validation loss.
    encoder_, autoencoder_, network_, history_, timings_
        As for `TwoStageForecaster`; ``timings_["stage_two"]`` sums the
        candidates' fits.
    """

    def __init__(
        self,
        target,
        features=(),
        series_input="auto",
        series_embedding_size=4,
        min_noise_windows=30,
        noise_shrinkage=0.0,
        **parameters,
    ):
        super().__init__(target, features, **parameters)
        self.series_input = series_input
        self.series_embedding_size = series_embedding_size
        self.min_noise_windows = min_noise_windows
        self.noise_shrinkage = noise_shrinkage

    def get_params(self):
        """The constructor's arguments, `TwoStageForecaster`'s included."""
        base = list(inspect.signature(TwoStageForecaster.__init__).parameters)[1:]
        return {name: getattr(self, name) for name in [*base, *_OWN_PARAMS]}

    def _check_params(self):
        super()._check_params()
        checks.one_of("series_input", self.series_input, ("auto", *SERIES_INPUTS))
        checks.positive_int("series_embedding_size", self.series_embedding_size)
        checks.positive_int("min_noise_windows", self.min_noise_windows)
        shrinkage = self.noise_shrinkage
        if (
            isinstance(shrinkage, bool)
            or not isinstance(shrinkage, numbers.Real)
            or not 0 <= shrinkage < float("inf")
        ):
            raise ValueError(
                "Invalid value for argument `noise_shrinkage`: expected a "
                f"non-negative number, received {shrinkage!r}."
            )

    # ------------------------------------------------------------------ fit

    def fit(self, panel):
        """Fit both stages on the pooled windows; measure each series' noise.

        Parameters
        ----------
        panel
            Series id to frame (see `uberforecast.panel`), each indexed by
            regular timestamps of one frequency, with the `target` and
            `features` columns.

        Returns
        -------
        GlobalForecaster
            This estimator, fitted.
        """
        self._check_params()
        keras.utils.set_random_seed(self.seed)
        panel = check_panel(panel, self.target, list(self.features))
        train_sizes = split_panel(
            panel, self.validation_size, 0, self.lookback, self.horizon
        )
        self.series_ = list(panel)
        fit_series_scalers(self, panel, train_sizes)
        train = pooled_windows(
            self, panel, {sid: {"end": size} for sid, size in train_sizes.items()}
        )
        validation = pooled_windows(
            self,
            panel,
            {sid: {"first_target": size} for sid, size in train_sizes.items()},
        )
        logger.info(
            "%d series: %d training and %d validation windows, %d features per step",
            len(self.series_),
            len(train["level"]),
            len(validation["level"]),
            len(self.feature_columns_),
        )

        self.timings_, self.history_ = {}, {}
        self._fit_stage_one(train, validation)
        self._choose_series_input(train, validation)
        self._measure_noise(with_series_input(validation, self.series_input_))
        return self

    def _choose_series_input(self, train, validation):
        """Fit stage two with each candidate series input; keep the best."""
        candidates = (self.series_input,)
        if self.series_input == "auto":
            candidates = SERIES_INPUTS if len(self.series_) > 1 else ("none",)
        fits, seconds = {}, 0.0
        for candidate in candidates:
            self.series_input_ = candidate
            # Every candidate starts from the same seed, so they differ only
            # in the series input.
            keras.utils.set_random_seed(self.seed)
            self._fit_stage_two(
                with_series_input(train, candidate),
                with_series_input(validation, candidate),
            )
            fits[candidate] = (self.network_, self.history_["network"])
            seconds += self.timings_["stage_two"]
        self.series_input_losses_ = {
            candidate: min(history["val_loss"])
            for candidate, (_, history) in fits.items()
        }
        # Ties go to the earlier, simpler candidate.
        self.series_input_ = min(candidates, key=self.series_input_losses_.__getitem__)
        self.network_, self.history_["network"] = fits[self.series_input_]
        self.timings_["stage_two"] = seconds
        logger.info(
            "series input %r (validation loss per candidate: %s)",
            self.series_input_,
            ", ".join(f"{c} {v:.4f}" for c, v in self.series_input_losses_.items()),
        )

    def _build_network(self):
        return build_prediction_network(
            self.encoder_,
            self.horizon,
            len(self.feature_columns_),
            self.recent_steps,
            self.hidden_units,
            self.dropout,
            series_input=self.series_input_,
            num_series=len(self.series_),
            series_embedding_size=self.series_embedding_size,
        )

    def _measure_noise(self, validation):
        """Per-series noise (with the pooled fallback) and conformal scores."""
        started = time.perf_counter()
        residuals = validation_residuals(self.network_, validation)
        noise = series_noise_variance(
            residuals,
            validation["codes"],
            len(self.series_),
            self.min_noise_windows,
            self.noise_shrinkage,
        )
        self.noise_variance_ = dict(zip(self.series_, noise["variance"], strict=True))
        self.pooled_noise_variance_ = noise["pooled"]
        self.noise_windows_ = dict(
            zip(self.series_, noise["windows"].tolist(), strict=True)
        )
        self.noise_source_ = dict(zip(self.series_, noise["source"], strict=True))
        pooled = [
            sid for sid, source in self.noise_source_.items() if source != "series"
        ]
        if pooled:
            logger.info(
                "%d of %d series have fewer than %d validation windows and take the "
                "pooled noise variance",
                len(pooled),
                len(self.series_),
                self.min_noise_windows,
            )

        self._sampler = None
        samples = self._draw(validation, self.num_samples, self.seed)
        # Each window's residual is normalised by its own series' noise.
        self.conformal_scores_ = conformal_scores(
            samples, noise["variance"][validation["codes"]], validation["targets"]
        )
        self.timings_["noise"] = time.perf_counter() - started

    # -------------------------------------------------------------- predict

    def predict(
        self,
        panel,
        start=None,
        num_samples=None,
        levels=None,
        seed=None,
        encoder_samples=None,
        encoder_dropout=True,
        noise=True,
        calibration=None,
    ):
        """Forecast every series of `panel` in one batched sampler call.

        Each series' windows whose targets start at or after its start are
        forecast, one origin per step, as `TwoStageForecaster.predict` does.

        Parameters
        ----------
        panel
            Series id to frame, as for `fit`: any of the fitted series, each
            covering `lookback` steps before its start and the period to
            forecast.
        start
            First target timestamp: ``None`` for each series' earliest, one
            timestamp for every series, or a mapping from each series id to
            its own (series may end on different dates). Default: ``None``.
        num_samples, levels, seed, encoder_samples
            As for `TwoStageForecaster.predict`.
        encoder_dropout, noise, calibration
            As for `TwoStageForecaster.predict`; conformal multipliers come
            from the normalised validation residuals of all series pooled.

        Returns
        -------
        PanelForecast
            ``forecast[series_id]`` is that series' `Forecast`.
        """
        self._check_fitted()
        num_samples, levels, seed = self._predict_options(num_samples, levels, seed)
        panel = check_panel(panel, self.target, list(self.features))
        self._check_series(list(panel))
        self._check_freq(next(iter(panel.values())))
        multipliers = calibration_multipliers(
            self.conformal_scores_, calibration, levels, encoder_dropout, noise
        )
        firsts = first_targets(panel, start, self.lookback, self.horizon)
        windows = pooled_windows(
            self,
            panel,
            {
                sid: {"first_target": first, "targets": False}
                for sid, first in firsts.items()
            },
        )
        windows = with_series_input(windows, self.series_input_)
        # -> (S, W, H): one sampler call for the windows of every series
        samples = self._draw(
            windows, num_samples, seed, encoder_samples, encoder_dropout
        )
        forecasts = {}
        for sid, frame in panel.items():
            noise_variance = (
                self.noise_variance_[sid] if noise else np.zeros(self.horizon)
            )
            forecasts[sid] = self._summarise(
                frame,
                windows["parts"][sid],
                samples[:, windows["rows"][sid]],
                noise_variance,
                levels,
                self.target_scalers_[sid],
                multipliers,
            )
        return PanelForecast(forecasts, levels)

    def _check_series(self, series):
        unknown = [sid for sid in series if sid not in self.target_scalers_]
        if unknown:
            raise ValueError(
                f"Invalid value for argument `panel`: expected series the model was "
                f"fitted on, received {unknown[:10]}, which it was not (it has "
                f"{len(self.series_)} series, e.g. {self.series_[:5]})."
            )

    def embed(self, windows, series):
        """The encoder's deterministic embedding of raw windows of one series.

        Parameters
        ----------
        windows
            Values in the series' units, shape ``(B, L)``.
        series
            The series' id, which picks its scaler.

        Returns
        -------
        numpy.ndarray
            Shape ``(B, E)``.
        """
        self._check_fitted()
        self._check_series([series])
        return self._embed(windows, self.target_scalers_[series])

    # ------------------------------------------------------------- persist

    def save(self, path):
        """Write the fitted models and state to the folder `path`."""
        from uberforecast.persistence import save_global_forecaster

        self._check_fitted()
        save_global_forecaster(self, path)

    @classmethod
    def load(cls, path):
        """Load a global forecaster written by `save`."""
        from uberforecast.persistence import load_global_forecaster

        return load_global_forecaster(cls, path)
