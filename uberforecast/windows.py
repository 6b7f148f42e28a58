"""Sliding windows, the target transform and per-window normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from uberforecast import checks
from uberforecast.data import DataError

TRANSFORMS = ("auto", "log", "log1p", "none")
WINDOW_NORMALISATIONS = ("last", "mean", "standardise", "none")
# The smallest window spread `standardise` divides by, on the scaled axis (the
# series' training spread is 1): a window ten times calmer than the series is
# divided by this, not blown up to the size of an ordinary one.
MIN_WINDOW_SCALE = 0.1


def window_positions(num_steps, lookback, horizon, first_target=None, end=None):
    """Positions of each window's first target step.

    A window at position ``t`` reads steps ``t - lookback .. t - 1`` and
    forecasts ``t .. t + horizon - 1``; every target lies in ``[first_target,
    end)``. With no bounds there are ``num_steps - lookback - horizon + 1``.

    Returns
    -------
    numpy.ndarray
        Integer positions, shape ``(W,)``.
    """
    first = lookback if first_target is None else max(first_target, lookback)
    end = num_steps if end is None else min(end, num_steps)
    return np.arange(first, end - horizon + 1)


def make_windows(values, positions, lookback, horizon):
    """Cut the inputs and targets of the windows at `positions`.

    Parameters
    ----------
    values
        The series, shape ``(N,)``.
    positions
        First target step of each window, shape ``(W,)``.

    Returns
    -------
    inputs, targets
        Shapes ``(W, L)`` and ``(W, H)``.
    """
    values = np.asarray(values, dtype="float64")
    positions = np.asarray(positions)
    # -> (W, L)
    inputs = values[positions[:, None] + np.arange(-lookback, 0)]
    # -> (W, H)
    targets = values[positions[:, None] + np.arange(horizon)]
    return inputs, targets


def window_levels(inputs, normalisation):
    """The level subtracted from a window's inputs and targets, shape ``(W,)``."""
    if normalisation == "last":
        return inputs[:, -1].copy()
    if normalisation in ("mean", "standardise"):
        return inputs.mean(axis=1)
    return np.zeros(len(inputs))


def window_scales(inputs, normalisation):
    """The spread a window's inputs and targets are divided by, shape ``(W,)``.

    The standard deviation of the window's inputs, at least
    `MIN_WINDOW_SCALE`, for ``"standardise"``; 1 otherwise.
    """
    if normalisation != "standardise":
        return np.ones(len(inputs))
    return np.maximum(inputs.std(axis=1), MIN_WINDOW_SCALE)


def normalise_windows(inputs, normalisation):
    """Windows minus their level, over their spread.

    Parameters
    ----------
    inputs
        Windows on the scaler's axis, shape ``(W, L)``.
    normalisation
        One of `WINDOW_NORMALISATIONS`.

    Returns
    -------
    tuple
        The normalised windows ``(W, L)``, and each window's level and
        spread ``(W,)`` (see `window_levels` and `window_scales`), which
        the targets take too and the forecasts are mapped back by.
    """
    level = window_levels(inputs, normalisation)
    scale = window_scales(inputs, normalisation)
    return (inputs - level[:, None]) / scale[:, None], level, scale


def split_sizes(num_steps, validation_size, test_size, lookback, horizon):
    """Check that a series is long enough and return the training size.

    The training period needs at least one full window (``lookback +
    horizon`` rows), the validation period at least ``horizon`` rows, and the
    test period, when there is one (``test_size > 0``), too.

    Returns
    -------
    int
        Rows of the training period.

    Raises
    ------
    ValueError
        For an argument out of range, in the Keras form.
    DataError
        When the series is too short, saying how many rows are needed.
    """
    lookback = checks.positive_int("lookback", lookback)
    horizon = checks.positive_int("horizon", horizon)
    for name, size in (("validation_size", validation_size), ("test_size", test_size)):
        checks.non_negative_int(name, size)
        if (size or name == "validation_size") and size < horizon:
            raise ValueError(
                f"Invalid value for argument `{name}`: expected at least "
                f"horizon={horizon} steps, received {size}."
            )
    needed = lookback + horizon + validation_size + test_size
    parts = (
        f"lookback {lookback} + horizon {horizon} (one training window) + "
        f"validation {validation_size}" + (f" + test {test_size}" if test_size else "")
    )
    if lookback >= num_steps:
        raise DataError(
            "Invalid value for argument `lookback`: expected fewer steps than the "
            f"series has rows ({num_steps}), received {lookback}. {parts[0].upper()}"
            f"{parts[1:]} need at least {needed} rows."
        )
    if num_steps < needed:
        raise DataError(
            f"The series is too short: it has {num_steps} rows; {parts} need at "
            f"least {needed} rows."
        )
    return num_steps - validation_size - test_size


class TargetScaler:
    """A monotone transform (log, log1p or none) then standardisation.

    Fitted on the training period only. Standardising after the log keeps
    the network's targets near unit scale whatever the series' size.

    Parameters
    ----------
    transform
        ``"auto"`` (log when every training value is positive, log1p when
        some are zero, none with negatives), ``"log"``, ``"log1p"`` or
        ``"none"``. Default: ``"auto"``.
    """

    def __init__(self, transform="auto"):
        self.transform = transform

    def fit(self, values):
        """Choose the transform and learn the scale from training values.

        Parameters
        ----------
        values
            The training period, shape ``(N,)``; a pandas Series names the
            timestamps of values outside the transform's domain.
        """
        index = values.index if isinstance(values, pd.Series) else None
        values = np.asarray(values, dtype="float64")
        if self.transform not in TRANSFORMS:
            raise ValueError(
                f"Invalid value for argument `transform`: expected one of "
                f"{TRANSFORMS}, received {self.transform!r}."
            )
        self.transform_ = self.transform
        if self.transform == "auto":
            if values.min() > 0:
                self.transform_ = "log"
            elif values.min() == 0:
                self.transform_ = "log1p"
            else:
                self.transform_ = "none"
        self._check_domain(values, index)
        logged = self._forward(values)
        self.mean_ = float(logged.mean())
        # A constant series has no spread; scale by 1 so values stay finite.
        # Its computed std is rounding error (2e-16 for 40 sevens), which would
        # blow the rounding of the mean up to whole units: test the range.
        self.scale_ = float(logged.std()) if np.ptp(logged) > 0 else 1.0
        return self

    def _check_domain(self, values, index=None):
        """Refuse values the transform cannot take, naming where they are."""
        if self.transform_ == "log":
            outside, needs = values <= 0, "positive values"
            advice = "Fit with transform='log1p' for counts with zeros, or 'none'."
        elif self.transform_ == "log1p":
            outside, needs = values < 0, "values of at least 0"
            advice = "Fit with transform='none' for series with negative values."
        else:
            return
        if not outside.any():
            return
        where = ""
        if index is not None:
            shown = ", ".join(str(t) for t in index[outside][:5])
            more = int(outside.sum()) - 5
            where = f" (at {shown}" + (f" and {more} more)" if more > 0 else ")")
        raise ValueError(
            f"The {self.transform_} transform needs {needs}; found "
            f"{int(outside.sum())} outside that{where}, the smallest "
            f"{values.min()}. " + advice
        )

    def _forward(self, values):
        if self.transform_ == "log":
            return np.log(values)
        if self.transform_ == "log1p":
            return np.log1p(values)
        return values

    def forward(self, values, index=None):
        """Original units to the network's scale.

        Parameters
        ----------
        values
            Shape ``(N,)`` or any shape.
        index
            Timestamps of `values`, shape ``(N,)``, named in the error for a
            value outside the transform's domain. Default: ``None``.
        """
        values = np.asarray(values, dtype="float64")
        self._check_domain(values, index)
        return (self._forward(values) - self.mean_) / self.scale_

    def inverse(self, scaled):
        """The network's scale back to original units (monotone, so it maps
        interval bounds to interval bounds)."""
        logged = np.asarray(scaled) * self.scale_ + self.mean_
        if self.transform_ == "log":
            return np.exp(logged)
        if self.transform_ == "log1p":
            return np.expm1(logged)
        return logged

    def inverse_std(self, scaled_mean, scaled_std):
        """A standard deviation on the network's scale in original units.

        Scaling multiplies it by ``scale_`` (never shifts it); after a log
        transform it is the standard deviation of the log-normal whose log
        has that mean and spread.
        """
        sigma = np.asarray(scaled_std) * self.scale_
        if self.transform_ == "none":
            return sigma
        mu = np.asarray(scaled_mean) * self.scale_ + self.mean_
        return np.sqrt(np.expm1(sigma**2)) * np.exp(mu + sigma**2 / 2)

    def get_state(self):
        return {"transform": self.transform_, "mean": self.mean_, "scale": self.scale_}

    @classmethod
    def from_state(cls, state):
        scaler = cls(state["transform"])
        scaler.transform_ = state["transform"]
        scaler.mean_, scaler.scale_ = state["mean"], state["scale"]
        return scaler
