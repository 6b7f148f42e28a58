"""The parts of the predictive variance: noise, conformal widths, decomposition.

The two-stage model's variance has three parts (Zhu & Laptev, 2017): the
spread of MC-dropout samples when only the MLP drops, the extra spread when
the encoder drops too (the reference's "model misspecification"), and the
inherent noise, measured on the validation period. Split-conformal
calibration rescales the resulting standard deviation so that normalised
validation residuals are covered at each level.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from uberforecast.networks import deterministic_copy


def noise_variance(network, validation):
    """Inherent-noise variance: the deterministic network's mean squared
    validation residual per horizon step.

    Parameters
    ----------
    network
        The fitted prediction network; a copy with dropout off is run.
    validation
        Windows of the validation period: ``inputs`` (network inputs) and
        ``targets``, shape ``(W, H)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(H,)``, float64.

    Raises
    ------
    RuntimeError
        When the network's forecasts are not finite (training diverged).
    """
    variance = np.mean(validation_residuals(network, validation) ** 2, axis=0)
    if not np.isfinite(variance).all():
        raise _diverged()
    return variance


def validation_residuals(network, validation):
    """The deterministic network's validation residuals, shape ``(W, H)``.

    Takes and raises as `noise_variance`.
    """
    deterministic = deterministic_copy(network)
    predicted = deterministic.predict(validation["inputs"], batch_size=4096, verbose=0)
    # In float64, which JSON keeps exactly, so a reloaded model's intervals
    # are bit-identical.
    residuals = predicted.astype("float64") - validation["targets"]
    if not np.isfinite(residuals).all():
        raise _diverged()
    return residuals


def _diverged():
    return RuntimeError(
        "Training diverged: the network's validation forecasts are not "
        "finite. Try a lower `learning_rate` or check the data's scale."
    )


def conformal_scores(samples, noise_variance, targets):
    """Validation residuals over the full model's predicted standard deviation.

    Legend: S samples, W windows, H horizon.

    Parameters
    ----------
    samples
        MC samples of the validation windows, shape ``(S, W, H)``.
    noise_variance
        Shape ``(H,)``, or ``(W, H)`` for a noise level per window (one per
        series in a global model).
    targets
        Shape ``(W, H)``, on the network's scale.

    Returns
    -------
    numpy.ndarray
        ``|target - mean| / std``, shape ``(W, H)``, float64.
    """
    samples = np.asarray(samples, dtype="float64")
    # -> (W, H)
    std = np.sqrt(samples.var(axis=0, ddof=1) + noise_variance)
    residuals = np.abs(np.asarray(targets, dtype="float64") - samples.mean(axis=0))
    # A residual of 0 under a std of 0 (a constant series) scores 0, not NaN.
    scores = np.divide(residuals, std, out=np.zeros_like(residuals), where=std > 0)
    scores[(std == 0) & (residuals > 0)] = np.inf
    return scores


def conformal_multipliers(scores, levels):
    """Split-conformal multipliers of the standard deviation, per level and step.

    For ``n`` calibration scores the multiplier at level ``l`` is the
    ``ceil((n + 1) l / 100)``-th smallest; if the calibration windows and
    the forecast windows are exchangeable, ``mean +- multiplier * std``
    covers with probability at least ``l`` percent (Vovk et al., 2005;
    Lei et al., 2018).

    Parameters
    ----------
    scores
        Normalised absolute residuals, shape ``(W, H)``.
    levels
        Interval coverages in percent.

    Returns
    -------
    dict
        Level to multipliers, shape ``(H,)``.

    Raises
    ------
    ValueError
        When there are too few scores for a level: ``l / 100 > n / (n + 1)``.
    """
    scores = np.sort(np.asarray(scores, dtype="float64"), axis=0)
    count = len(scores)
    multipliers = {}
    for level in levels:
        rank = math.ceil((count + 1) * level / 100)
        if rank > count:
            raise ValueError(
                f"Conformal intervals at level {level} need at least "
                f"{math.ceil(level / (100 - level))} validation windows; the "
                f"model has {count}. Use a longer validation period or a lower "
                "level."
            )
        multipliers[level] = scores[rank - 1]
    return multipliers


def calibration_multipliers(scores, calibration, levels, encoder_dropout, noise):
    """Conformal multipliers per level, or ``None`` for Gaussian ones."""
    if calibration is None:
        return None
    if calibration != "conformal":
        raise ValueError(
            "Invalid value for argument `calibration`: expected None or "
            f"'conformal', received {calibration!r}."
        )
    if not (encoder_dropout and noise):
        raise ValueError(
            "calibration='conformal' calibrates the full model; it cannot be "
            "combined with encoder_dropout=False or noise=False."
        )
    return conformal_multipliers(scores, levels)


def decompose(model, frame, start=None, num_samples=None, seed=None):
    """The predictive variance split into its three parts, over time.

    Runs `predict` twice with the same seed: with dropout in the MLP alone,
    then in the encoder too. The encoder's part is the difference of the two
    sample variances, clipped at zero (sampling error can make it slightly
    negative where the encoder adds little).

    Parameters
    ----------
    model
        A fitted `TwoStageForecaster`.
    frame, start, num_samples, seed
        As for `TwoStageForecaster.predict`.

    Returns
    -------
    pandas.DataFrame
        Indexed by target timestamp: ``step``, and the variances ``mlp``,
        ``encoder``, ``noise`` and ``total`` (their sum), in the series'
        units squared: each part on the network's scale times the ratio of
        the forecast's variance in the series' units to its variance on the
        network's scale (``scale_ ** 2`` when there is no log transform).
        ``total`` is the square of the forecast's ``std`` except where the
        encoder's part was clipped at zero.
    """
    arguments = dict(start=start, num_samples=num_samples, seed=seed)
    alone = model.predict(frame, encoder_dropout=False, **arguments)
    full = model.predict(frame, **arguments)
    # -> (W, H) each, on the network's scale
    mlp = alone.model_variance
    encoder = np.clip(full.model_variance - mlp, 0, None)
    noise = np.broadcast_to(full.noise_variance[None, :], mlp.shape)
    scaled = full.model_variance + noise
    # -> (W, H): the forecast's variance in the series' units over its variance
    # on the network's scale
    units = full.frame["std"].to_numpy().reshape(mlp.shape) ** 2
    factor = np.divide(units, scaled, out=np.zeros_like(units), where=scaled > 0)
    parts = {
        "step": full.frame["step"].to_numpy(),
        "mlp": (mlp * factor).ravel(),
        "encoder": (encoder * factor).ravel(),
        "noise": (noise * factor).ravel(),
    }
    parts["total"] = parts["mlp"] + parts["encoder"] + parts["noise"]
    return pd.DataFrame(parts, index=full.frame.index)
