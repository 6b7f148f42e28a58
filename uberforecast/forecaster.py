"""`TwoStageForecaster`: the estimator users construct, fit and predict with."""

from __future__ import annotations

import inspect
import logging
import time
import warnings

import keras
import numpy as np

from uberforecast import checks
from uberforecast.data import DataError, check_frame
from uberforecast.forecast import build_forecast
from uberforecast.inputs import first_target, fit_scalers, network_windows
from uberforecast.networks import (
    build_autoencoder,
    build_encoder,
    build_prediction_network,
    deterministic_copy,
)
from uberforecast.params import check_params
from uberforecast.sampling import TwoStageSampler, check_spread
from uberforecast.training import fit_model
from uberforecast.uncertainty import (
    calibration_multipliers,
    conformal_scores,
    noise_variance,
)
from uberforecast.windows import normalise_windows, split_sizes

logger = logging.getLogger(__name__)


class TwoStageForecaster:
    """LSTM encoder pretrained as an autoencoder, then a frozen-encoder MLP.

    Stage one fits an encoder-decoder on sliding windows; stage two freezes
    the encoder (its weights stay bit-identical) and fits an MLP on the
    embedding joined with the features of the target steps. `predict` runs
    `num_samples` MC-dropout passes through encoder and MLP and adds the
    inherent-noise variance measured on the validation period.

    Parameters
    ----------
    target
        Column to forecast.
    features
        External feature columns, taken at the target steps. Default: ``()``.
    lookback
        Steps the encoder reads. Default: ``28``.
    horizon
        Steps forecast from each origin. Default: ``1``.
    validation_size
        Steps at the end of the fitting data held out for early stopping and
        the noise estimate. Default: ``365``.
    transform
        ``"auto"``, ``"log"``, ``"log1p"`` or ``"none"`` (see
        `TargetScaler`). Default: ``"auto"``.
    window_normalisation
        How each window's inputs and targets are put on a common footing:
        minus its ``"last"`` input or its ``"mean"``; ``"standardise"``, minus
        its mean and divided by the spread of its inputs (at least
        `windows.MIN_WINDOW_SCALE`), so a window whose level and weekly swing
        both exceed the training ones looks like them; or ``"none"``.
        Default: ``"standardise"`` (best on the Chicago validation year,
        whose level and swing lie above most of training; see
        ``docs/benchmarks.md``).
    calendar
        Add calendar features derived from the timestamps. Default: ``True``.
    encoder_units
        LSTM sizes of the encoder; the last is the embedding size.
        Default: ``(128, 32)``.
    decoder_units
        LSTM size of the decoder. Default: ``32``.
    reconstruct
        Stage one also reconstructs the window. Default: ``False``.
    encoder_dropout_at
        Where the encoder drops (see `build_encoder`).
        Default: ``("between", "embedding")``.
    hidden_units
        MLP sizes. Default: ``(256, 128, 32)``.
    recent_steps
        Last window values fed to the MLP beside the embedding, at most
        `lookback`. Default: ``7`` (a week of lags, which any lookback of a
        week or more allows; the Chicago config feeds the whole window, 28,
        which scored the same within noise: see ``docs/benchmarks.md``).
    dropout
        MC-dropout rate in encoder and MLP. Default: ``0.05`` (chosen on the
        Chicago validation year over 0.1 and 0.2).
    encoder_epochs, network_epochs
        Most epochs of each stage; early stopping on validation loss with
        `patience` ends them sooner. Defaults: ``100`` and ``200``.
    batch_size
        Default: ``128``.
    learning_rate
        Adam's learning rate. Default: ``1e-3``.
    patience
        Epochs without improvement before stopping. Default: ``15`` (5
        stopped stage two too early on the Chicago validation year).
    num_samples
        MC-dropout passes per window. Default: ``100``.
    levels
        Interval coverages in percent. Default: ``(80, 95)``.
    seed
        Seeds weights, shuffling and the dropout masks. Default: ``0``.

    Attributes
    ----------
    encoder_
        The encoder, a `keras.Model` from a window ``(B, L, 1)`` to its
        embedding ``(B, E)``; frozen after stage one.
    autoencoder_, network_
        The stage-one and stage-two models.
    noise_variance_
        Inherent-noise variance per horizon step, shape ``(H,)``.
    history_, timings_
        Losses per epoch and seconds per stage.
    """

    # Stage two trains the encoder too (`uberforecast.peers.EndToEndLSTM`).
    _train_encoder = False

    def __init__(
        self,
        target,
        features=(),
        lookback=28,
        horizon=1,
        validation_size=365,
        transform="auto",
        window_normalisation="standardise",
        calendar=True,
        encoder_units=(128, 32),
        decoder_units=32,
        reconstruct=False,
        encoder_dropout_at=("between", "embedding"),
        hidden_units=(256, 128, 32),
        recent_steps=7,
        dropout=0.05,
        encoder_epochs=100,
        network_epochs=200,
        batch_size=128,
        learning_rate=1e-3,
        patience=15,
        num_samples=100,
        levels=(80, 95),
        seed=0,
    ):
        self.target = target
        self.features = features
        self.lookback = lookback
        self.horizon = horizon
        self.validation_size = validation_size
        self.transform = transform
        self.window_normalisation = window_normalisation
        self.calendar = calendar
        self.encoder_units = encoder_units
        self.decoder_units = decoder_units
        self.reconstruct = reconstruct
        self.encoder_dropout_at = encoder_dropout_at
        self.hidden_units = hidden_units
        self.recent_steps = recent_steps
        self.dropout = dropout
        self.encoder_epochs = encoder_epochs
        self.network_epochs = network_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.num_samples = num_samples
        self.levels = levels
        self.seed = seed

    def get_params(self):
        """The constructor's arguments, as a dict."""
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        return {name: getattr(self, name) for name in names}

    def _check_params(self):
        check_params(self.get_params())

    # ------------------------------------------------------------------ fit

    def fit(self, frame, encoder=None):
        """Fit both stages and measure the inherent noise.

        Parameters
        ----------
        frame
            Indexed by regular timestamps, with the `target` and `features`
            columns. Its last `validation_size` steps are the validation
            period; everything before is the training period.
        encoder
            A fitted encoder to reuse instead of pretraining one, e.g. another
            forecaster's ``encoder_``: stage one is skipped, and its weights
            are copied into a new encoder of this model's `lookback`,
            `encoder_units`, `dropout` and `encoder_dropout_at`, frozen for
            stage two. It should have been trained on windows scaled and
            normalised as this model's are (the same `transform` and
            `window_normalisation` on the same series). Default: ``None``.

        Returns
        -------
        TwoStageForecaster
            This estimator, fitted.
        """
        self._check_params()
        keras.utils.set_random_seed(self.seed)
        data = check_frame(frame, self.target, list(self.features))
        train_size = split_sizes(
            len(data), self.validation_size, 0, self.lookback, self.horizon
        )
        fit_scalers(self, data.iloc[:train_size])
        train = network_windows(self, data, end=train_size)
        validation = network_windows(self, data, first_target=train_size)
        logger.info(
            "%d training and %d validation windows, %d features per step",
            len(train["level"]),
            len(validation["level"]),
            len(self.feature_columns_),
        )

        self.timings_ = {}
        self.history_ = {}
        if encoder is None:
            self._fit_stage_one(train, validation)
        else:
            self._reuse_encoder(encoder)
        self._fit_stage_two(train, validation)

        started = time.perf_counter()
        self.noise_variance_ = noise_variance(self.network_, validation)
        self._sampler = None
        # Normalised validation residuals of the full model, for conformal
        # intervals (`predict(..., calibration="conformal")`).
        samples = self._draw(validation, self.num_samples, self.seed)
        self.conformal_scores_ = conformal_scores(
            samples, self.noise_variance_, validation["targets"]
        )
        self.timings_["noise"] = time.perf_counter() - started
        return self

    def _fit_stage_one(self, train, validation):
        started = time.perf_counter()
        self.encoder_ = build_encoder(
            self.lookback, self.encoder_units, self.dropout, self.encoder_dropout_at
        )
        steps = self.horizon + (self.lookback if self.reconstruct else 0)
        self.autoencoder_ = build_autoencoder(self.encoder_, steps, self.decoder_units)

        def targets(part):
            if not self.reconstruct:
                return part["targets"]
            return np.hstack([part["inputs"]["window"][..., 0], part["targets"]])

        self.history_["encoder"] = fit_model(
            self.autoencoder_,
            (train["inputs"]["window"], targets(train)),
            (validation["inputs"]["window"], targets(validation)),
            stage="stage 1 (encoder-decoder)",
            epochs=self.encoder_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            patience=self.patience,
        )
        self.timings_["stage_one"] = time.perf_counter() - started

    def _reuse_encoder(self, encoder):
        """Stage one skipped: `encoder`'s weights in this model's encoder."""
        self.encoder_ = build_encoder(
            self.lookback, self.encoder_units, self.dropout, self.encoder_dropout_at
        )
        expected = (
            f"a keras.Model from windows (B, {self.lookback}, 1) with LSTMs of "
            f"{tuple(self.encoder_units)} units"
        )
        shape = getattr(getattr(encoder, "input", None), "shape", None)
        if shape is None or tuple(shape[1:]) != (self.lookback, 1):
            raise ValueError(
                f"Invalid value for argument `encoder`: expected {expected}, "
                f"received {encoder!r} with input shape {shape}."
            )
        try:
            self.encoder_.set_weights(encoder.get_weights())
        except ValueError as error:
            raise ValueError(
                f"Invalid value for argument `encoder`: expected {expected}, "
                f"received one whose weights do not fit: {error}"
            ) from error
        steps = self.horizon + (self.lookback if self.reconstruct else 0)
        self.autoencoder_ = build_autoencoder(self.encoder_, steps, self.decoder_units)
        self.history_["encoder"] = {}
        self.timings_["stage_one"] = 0.0

    def _fit_stage_two(self, train, validation):
        started = time.perf_counter()
        # Frozen before the stage-two model is compiled, so it takes effect.
        self.encoder_.trainable = self._train_encoder
        self.network_ = self._build_network()
        self.history_["network"] = fit_model(
            self.network_,
            (train["inputs"], train["targets"]),
            (validation["inputs"], validation["targets"]),
            stage="stage 2 (prediction network)",
            epochs=self.network_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            patience=self.patience,
        )
        self.timings_["stage_two"] = time.perf_counter() - started

    def _build_network(self):
        """The stage-two model around the fitted encoder, not yet compiled."""
        return build_prediction_network(
            self.encoder_,
            self.horizon,
            len(self.feature_columns_),
            self.recent_steps,
            self.hidden_units,
            self.dropout,
        )

    # -------------------------------------------------------------- predict

    def _check_fitted(self):
        if not hasattr(self, "network_"):
            name = type(self).__name__
            raise RuntimeError(
                f"This {name} is not fitted yet; call `fit` first or `{name}.load` "
                "a saved one."
            )

    def predict(
        self,
        frame,
        start=None,
        num_samples=None,
        levels=None,
        seed=None,
        encoder_samples=None,
        encoder_dropout=True,
        noise=True,
        calibration=None,
    ):
        """Forecast every window whose targets start at or after `start`.

        Each window reads the `lookback` observed steps before its origin, so
        this is a one-origin-per-step backtest over the period.

        Parameters
        ----------
        frame
            Like the data given to `fit`, covering `lookback` steps before
            `start` and the period to forecast.
        start
            First target timestamp; ``None`` for the earliest possible.
        num_samples, levels, seed
            Override the constructor's values for this call.
        encoder_samples
            Encoder passes per window for nested sampling: the MLP's
            `num_samples` passes are spread over this many embeddings, which
            is faster and slightly correlates the samples (see
            `uberforecast.sampling.TwoStageSampler`). ``None`` gives every
            sample its own encoder pass. Default: ``None``.
        encoder_dropout, noise
            ``False`` leaves out the encoder's dropout (only the MLP's
            varies) or the inherent noise: the reference's ablation (see
            `uberforecast.uncertainty.decompose`). Defaults: ``True``.
        calibration
            ``None`` for Gaussian intervals from the total standard deviation;
            ``"conformal"`` scales that deviation by split-conformal
            multipliers from the validation period's normalised residuals,
            which corrects heavy tails. Default: ``None``.

        Returns
        -------
        Forecast
            With ``actual`` filled from `frame`.
        """
        self._check_fitted()
        num_samples, levels, seed = self._predict_options(num_samples, levels, seed)
        data = check_frame(frame, self.target, list(self.features))
        self._check_freq(data)
        multipliers = calibration_multipliers(
            self.conformal_scores_, calibration, levels, encoder_dropout, noise
        )
        windows = network_windows(
            self,
            data,
            first_target=first_target(data, start, self.lookback, self.horizon),
            targets=False,
        )
        samples = self._draw(
            windows, num_samples, seed, encoder_samples, encoder_dropout
        )
        return self._summarise(
            data,
            windows,
            samples,
            self.noise_variance_ if noise else np.zeros(self.horizon),
            levels,
            self.target_scaler_,
            multipliers,
        )

    def _predict_options(self, num_samples, levels, seed):
        """`predict`'s overrides, checked, or the constructor's values."""
        num_samples = checks.positive_int(
            "num_samples", self.num_samples if num_samples is None else num_samples
        )
        levels = checks.levels(self.levels if levels is None else levels)
        seed = checks.non_negative_int("seed", self.seed if seed is None else seed)
        return num_samples, levels, seed

    def _check_freq(self, data):
        if data.index.freqstr != self.freq_:
            raise DataError(
                f"The data has frequency {data.index.freqstr!r}, but the model was "
                f"fitted on data of frequency {self.freq_!r}."
            )

    def _summarise(
        self, data, windows, samples, noise_variance, levels, scaler, multipliers
    ):
        """The `Forecast` of one series' `windows` from their samples."""
        positions = windows["positions"]
        steps = positions[:, None] + np.arange(self.horizon)
        return build_forecast(
            samples,
            noise_variance,
            levels,
            scaler,
            offsets=windows["level"],
            scales=windows["scale"],
            timestamps=data.index[steps.ravel()].to_numpy().reshape(steps.shape),
            origins=data.index[positions - 1],
            actual=data[self.target].to_numpy()[steps],
            multipliers=multipliers,
        )

    def _draw(
        self, windows, num_samples, seed, encoder_samples=None, encoder_dropout=True
    ):
        """MC samples of the network for `windows`, shape ``(S, W, H)``."""
        if getattr(self, "_sampler", None) is None:
            self._sampler = TwoStageSampler(self.network_)
        samples = self._sampler.sample(
            windows["inputs"], num_samples, seed, encoder_samples, encoder_dropout
        )
        identical = check_spread(self.network_, samples, self.dropout)
        # Once per model: fit's validation draw and every predict would repeat it.
        if identical and not getattr(self, "_warned_identical", False):
            self._warned_identical = True
            warnings.warn(
                f"All {num_samples} MC-dropout samples are identical although "
                "dropout is on: the network's output does not depend on the "
                "dropped units (e.g. a constant series with no varying features). "
                "The model variance is zero; the intervals come from the noise "
                "variance alone.",
                # Points at the caller of `predict` or `fit`.
                stacklevel=3,
            )
        return samples

    def embed(self, windows):
        """The encoder's deterministic embedding of raw windows.

        Parameters
        ----------
        windows
            Values in the series' units, shape ``(B, L)``.

        Returns
        -------
        numpy.ndarray
            Shape ``(B, E)``.
        """
        self._check_fitted()
        return self._embed(windows, self.target_scaler_)

    def _embed(self, windows, scaler):
        scaled = scaler.forward(checks.windows(windows, self.lookback))
        normalised, _, _ = normalise_windows(scaled, self.window_normalisation)
        encoder = deterministic_copy(self.encoder_)
        return encoder.predict(normalised[..., None], verbose=0)

    # ------------------------------------------------------------- persist

    def save(self, path):
        """Write the fitted models and state to the folder `path`."""
        from uberforecast.persistence import save_forecaster

        self._check_fitted()
        save_forecaster(self, path)

    @classmethod
    def load(cls, path):
        """Load a forecaster written by `save`."""
        from uberforecast.persistence import load_forecaster

        return load_forecaster(cls, path)
