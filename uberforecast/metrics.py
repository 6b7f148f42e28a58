"""Accuracy and interval metrics, one function each.

All take arrays of the same shape (any shape; they are flattened) and return
a float. Intervals are closed: a value on a bound counts as covered.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def _arrays(*arrays):
    flat = [np.asarray(a, dtype="float64").ravel() for a in arrays]
    if len({a.size for a in flat}) != 1:
        sizes = [a.size for a in flat]
        raise ValueError(f"Metric inputs must have the same size, received {sizes}.")
    if flat[0].size == 0:
        raise ValueError("Metric inputs are empty.")
    return flat


def smape(actual, forecast):
    """Symmetric MAPE on the 0-200 scale; a term with both values 0 counts 0."""
    actual, forecast = _arrays(actual, forecast)
    denominator = np.abs(actual) + np.abs(forecast)
    terms = np.divide(
        2 * np.abs(forecast - actual),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    return float(100 * terms.mean())


def seasonal_scale(history, season):
    """Mean absolute seasonal difference of the training period (MASE's scale)."""
    history = np.asarray(history, dtype="float64").ravel()
    if history.size <= season:
        raise ValueError(
            f"MASE's scale needs more than season={season} training values, "
            f"received {history.size}."
        )
    scale = float(np.mean(np.abs(history[season:] - history[:-season])))
    if scale == 0:
        raise ValueError(
            "MASE is undefined: the training period has no seasonal change."
        )
    return scale


def mase(actual, forecast, history, season):
    """Mean absolute error over the seasonal-naive MAE of `history`."""
    actual, forecast = _arrays(actual, forecast)
    return float(np.mean(np.abs(actual - forecast)) / seasonal_scale(history, season))


def coverage(actual, lower, upper):
    """Share of values inside ``[lower, upper]``."""
    actual, lower, upper = _arrays(actual, lower, upper)
    return float(np.mean((actual >= lower) & (actual <= upper)))


def mean_width(lower, upper):
    """Mean of ``upper - lower``."""
    lower, upper = _arrays(lower, upper)
    return float(np.mean(upper - lower))


def interval_score(actual, lower, upper, level):
    """Winkler's interval score at `level` percent (lower is better)."""
    actual, lower, upper = _arrays(actual, lower, upper)
    alpha = 1 - level / 100
    below = (2 / alpha) * np.clip(lower - actual, 0, None)
    above = (2 / alpha) * np.clip(actual - upper, 0, None)
    return float(np.mean(upper - lower + below + above))


def msis(actual, lower, upper, history, season, level=95):
    """The M4 scaled interval score: interval score over MASE's scale."""
    score = interval_score(actual, lower, upper, level)
    return score / seasonal_scale(history, season)


def crps_gaussian(actual, mean, std):
    """CRPS of Gaussian forecasts, closed form (Gneiting et al., 2005).

    A zero `std` is the limit of a point forecast: the absolute error.
    """
    actual, mean, std = _arrays(actual, mean, std)
    if np.any(std < 0) or not np.isfinite(std).all():
        raise ValueError(
            "crps_gaussian needs finite, non-negative standard deviations."
        )
    point = std == 0
    safe = np.where(point, 1.0, std)
    z = (actual - mean) / safe
    terms = safe * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))
    terms = np.where(point, np.abs(actual - mean), terms)
    return float(terms.mean())


def crps_samples(actual, samples):
    """CRPS from samples: E|X - y| - E|X - X'| / 2, shape ``(S, ...)``."""
    samples = np.asarray(samples, dtype="float64")
    actual = np.asarray(actual, dtype="float64")
    if samples.shape[1:] != actual.shape:
        raise ValueError(
            f"samples must have shape (S, *actual.shape), received {samples.shape} "
            f"for actual of shape {actual.shape}."
        )
    flat = samples.reshape(len(samples), -1)
    ordered = np.sort(flat, axis=0)
    count = len(ordered)
    to_actual = np.abs(flat - actual.ravel()).mean(axis=0)
    # E|X - X'| from sorted samples: 2 / S^2 * sum_i (2i - S - 1) x_(i).
    weights = (2 * np.arange(1, count + 1) - count - 1)[:, None]
    spread = 2 * (weights * ordered).sum(axis=0) / count**2
    return float(np.mean(to_actual - spread / 2))


def pinball(actual, forecast, quantile):
    """Pinball (quantile) loss of `forecast` as the `quantile` in (0, 1)."""
    if not 0 < quantile < 1:
        raise ValueError(
            f"Invalid value for argument `quantile`: expected a float in (0, 1), "
            f"received {quantile}."
        )
    actual, forecast = _arrays(actual, forecast)
    error = actual - forecast
    return float(np.mean(np.maximum(quantile * error, (quantile - 1) * error)))


def calibration_table(actual, mean, std, levels=range(50, 100)):
    """Nominal against empirical coverage of Gaussian intervals.

    Parameters
    ----------
    actual, mean, std
        Observations and forecasts on the scale where they are Gaussian.
    levels
        Nominal coverages in percent. Default: 50 to 99.

    Returns
    -------
    list of tuple
        ``(nominal, empirical)`` pairs, both in percent.
    """
    actual, mean, std = _arrays(actual, mean, std)
    rows = []
    for level in levels:
        z = norm.ppf(0.5 + level / 200)
        rows.append(
            (float(level), 100 * coverage(actual, mean - z * std, mean + z * std))
        )
    return rows
