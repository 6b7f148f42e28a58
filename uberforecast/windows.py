"""Sliding windows, the target transform and per-window normalisation."""

from __future__ import annotations

import numpy as np

TRANSFORMS = ("auto", "log", "log1p", "none")
WINDOW_NORMALISATIONS = ("last", "mean", "none")


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
    if normalisation == "mean":
        return inputs.mean(axis=1)
    return np.zeros(len(inputs))


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
        self._check_domain(values)
        logged = self._forward(values)
        self.mean_ = float(logged.mean())
        # A constant series has no spread; scale by 1 so values stay finite.
        self.scale_ = float(logged.std()) or 1.0
        return self

    def _check_domain(self, values):
        low = np.min(values)
        if self.transform_ == "log" and low <= 0:
            raise ValueError(
                "The log transform needs positive values; the smallest is "
                f"{low}. Use transform='log1p' for counts with zeros, or 'none'."
            )
        if self.transform_ == "log1p" and low < 0:
            raise ValueError(
                "The log1p transform needs values of at least 0; the smallest "
                f"is {low}. Use transform='none' for series with negatives."
            )

    def _forward(self, values):
        if self.transform_ == "log":
            return np.log(values)
        if self.transform_ == "log1p":
            return np.log1p(values)
        return values

    def forward(self, values):
        """Original units to the network's scale."""
        values = np.asarray(values, dtype="float64")
        self._check_domain(values)
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
