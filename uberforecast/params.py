"""Checks of `TwoStageForecaster`'s constructor arguments, run by `fit`."""

from __future__ import annotations

from types import SimpleNamespace

from uberforecast import checks
from uberforecast.networks import ENCODER_DROPOUT_PLACES
from uberforecast.windows import TRANSFORMS, WINDOW_NORMALISATIONS


def check_params(params):
    """Raise a Keras-style error for the first invalid argument.

    Parameters
    ----------
    params
        The dict of `TwoStageForecaster.get_params`.
    """
    p = SimpleNamespace(**params)
    checks.positive_int("lookback", p.lookback)
    checks.positive_int("horizon", p.horizon)
    checks.positive_int("validation_size", p.validation_size)
    checks.one_of("transform", p.transform, TRANSFORMS)
    checks.one_of("window_normalisation", p.window_normalisation, WINDOW_NORMALISATIONS)
    checks.units("encoder_units", p.encoder_units)
    checks.positive_int("decoder_units", p.decoder_units)
    checks.units("hidden_units", p.hidden_units)
    for place in p.encoder_dropout_at:
        checks.one_of("encoder_dropout_at", place, ENCODER_DROPOUT_PLACES)
    if not 0 <= checks.non_negative_int("recent_steps", p.recent_steps) <= (p.lookback):
        raise ValueError(
            "Invalid value for argument `recent_steps`: expected at most "
            f"lookback={p.lookback}, received {p.recent_steps}."
        )
    checks.rate("dropout", p.dropout)
    checks.positive_int("encoder_epochs", p.encoder_epochs)
    checks.positive_int("network_epochs", p.network_epochs)
    checks.positive_int("batch_size", p.batch_size)
    checks.positive_float("learning_rate", p.learning_rate)
    checks.positive_int("patience", p.patience)
    checks.positive_int("num_samples", p.num_samples)
    checks.levels(p.levels)
    checks.non_negative_int("seed", p.seed)
    if isinstance(p.features, str):
        raise TypeError(
            "Invalid type for argument `features`: expected a sequence of "
            f"column names, received the string {p.features!r}."
        )
