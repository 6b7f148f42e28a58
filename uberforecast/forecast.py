"""The forecast object: point forecast, spread and intervals per target step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm


@dataclass
class Forecast:
    """MC-dropout forecasts for a set of windows.

    Attributes
    ----------
    frame
        One row per (window, horizon step), indexed by the target
        ``timestamp``: ``origin`` (the last observed step), ``step`` (1 to
        H), ``actual`` when known, ``mean``, ``std``, and ``lower_<level>``,
        ``upper_<level>`` for each level, all in the series' units. After a
        log transform ``mean`` is the back-transformed mean of the log
        forecast (the predictive median) and ``std`` that of the log-normal.
    levels
        Interval coverages in percent.
    samples
        The MC samples on the network's scale, shape ``(S, W, H)``: before
        each window's spread is multiplied back in and its level added back
        (see ``window_normalisation``), so ``samples * scale + level`` of
        the window gives them on the target scaler's axis.
    model_variance
        Variance of the samples, shape ``(W, H)``.
    noise_variance
        The inherent-noise variance per horizon step, shape ``(H,)``.
    """

    frame: pd.DataFrame
    levels: tuple
    samples: np.ndarray
    model_variance: np.ndarray
    noise_variance: np.ndarray

    @property
    def total_std(self):
        """Total standard deviation on the network's scale, shape ``(W, H)``."""
        return np.sqrt(self.model_variance + self.noise_variance)


def interval_columns(levels):
    """``['lower_80', 'upper_80', ...]`` for `levels`."""
    return [
        f"{side}_{level_name(level)}" for level in levels for side in ("lower", "upper")
    ]


def level_name(level):
    return f"{level:g}".replace(".", "_")


def build_forecast(
    samples,
    noise_variance,
    levels,
    scaler,
    *,
    offsets,
    scales=None,
    timestamps,
    origins,
    actual=None,
    multipliers=None,
):
    """Summarise samples into a `Forecast`.

    Legend: S samples, W windows, H horizon.

    Parameters
    ----------
    samples
        Network outputs, shape ``(S, W, H)``, before the window spread is
        multiplied back in and the window level added back.
    noise_variance
        Shape ``(H,)``, on the network's scale.
    levels
        Interval coverages in percent.
    scaler
        The fitted `TargetScaler`, for the way back to original units.
    offsets
        The window levels to add back, shape ``(W,)``.
    scales
        The window spreads the network's outputs and standard deviations
        are multiplied by before that, shape ``(W,)``; ``None`` for 1.
    timestamps, origins
        Target timestamps, shape ``(W, H)``, and each window's last input
        timestamp, shape ``(W,)``.
    actual
        Observed values in original units, shape ``(W, H)``, or ``None``.
    multipliers
        Level to multipliers of the standard deviation, shape ``(H,)``, for
        conformal intervals; ``None`` for the Gaussian quantiles.
    """
    num_samples, num_windows, horizon = samples.shape
    # -> (W, H)
    model_variance = samples.var(axis=0, ddof=1) if num_samples > 1 else 0 * samples[0]
    # -> (W,)
    spread = np.ones(num_windows) if scales is None else np.asarray(scales)
    # -> (W, H)
    center = samples.mean(axis=0) * spread[:, None] + offsets[:, None]
    std = np.sqrt(model_variance + noise_variance[None, :]) * spread[:, None]

    columns = {
        "origin": np.repeat(origins, horizon),
        "step": np.tile(np.arange(1, horizon + 1), num_windows),
    }
    if actual is not None:
        columns["actual"] = np.asarray(actual).ravel()
    columns["mean"] = scaler.inverse(center).ravel()
    columns["std"] = scaler.inverse_std(center, std).ravel()
    for level in levels:
        z = norm.ppf(0.5 + level / 200) if multipliers is None else multipliers[level]
        # Bounds go through the monotone inverse transform; never mean +- std.
        columns[f"lower_{level_name(level)}"] = scaler.inverse(center - z * std).ravel()
        columns[f"upper_{level_name(level)}"] = scaler.inverse(center + z * std).ravel()
    index = pd.DatetimeIndex(np.asarray(timestamps).ravel(), name="timestamp")
    frame = pd.DataFrame(columns, index=index)
    _check_finite(frame)
    return Forecast(frame, tuple(levels), samples, model_variance, noise_variance)


def _check_finite(frame):
    """Refuse a forecast with NaN or infinite values rather than return it."""
    values = frame.drop(columns=["origin", "step", "actual"], errors="ignore")
    bad = ~np.isfinite(values.to_numpy(dtype="float64"))
    if bad.any():
        rows = frame.index[bad.any(axis=1)]
        columns = list(values.columns[bad.any(axis=0)])
        raise RuntimeError(
            f"The forecast has non-finite values in {columns} at {len(rows)} "
            f"timestamps from {rows[0]}: the network's output overflowed the "
            "inverse transform or the model diverged. Try transform='none' or a "
            "lower `learning_rate`."
        )
