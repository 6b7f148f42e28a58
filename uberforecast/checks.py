"""Argument checks that raise Keras-style messages."""

from __future__ import annotations

import numbers

import numpy as np


def _invalid(name, expected, value):
    return ValueError(
        f"Invalid value for argument `{name}`: expected {expected}, received {value!r}."
    )


def positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise _invalid(name, "a positive integer", value)
    return int(value)


def non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise _invalid(name, "a non-negative integer", value)
    return int(value)


def rate(name, value):
    if not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise _invalid(name, "a float in [0, 1)", value)
    return float(value)


def positive_float(name, value):
    if not isinstance(value, numbers.Real) or not value > 0:
        raise _invalid(name, "a positive number", value)
    return float(value)


def levels(value):
    try:
        values = tuple(float(level) for level in value)
    except TypeError:
        raise _invalid(
            "levels", "a sequence of percentages in (0, 100)", value
        ) from None
    if not values or not all(0 < level < 100 for level in values):
        raise _invalid("levels", "a sequence of percentages in (0, 100)", value)
    return tuple(int(v) if v.is_integer() else v for v in values)


def units(name, value):
    try:
        values = tuple(value)
    except TypeError:
        raise _invalid(name, "a sequence of positive integers", value) from None
    if not values:
        raise _invalid(name, "a non-empty sequence of positive integers", value)
    return tuple(positive_int(name, v) for v in values)


def one_of(name, value, choices):
    if value not in choices:
        raise _invalid(name, f"one of {choices}", value)
    return value


def windows(value, lookback):
    """Raw windows as a float64 array of shape ``(B, lookback)``, finite."""
    try:
        array = np.asarray(value, dtype="float64")
    except (TypeError, ValueError):
        raise _invalid(
            "windows", f"numbers in an array of shape (B, {lookback})", value
        ) from None
    if array.ndim != 2 or array.shape[1] != lookback or not array.shape[0]:
        raise ValueError(
            "Invalid value for argument `windows`: expected an array of shape "
            f"(B, {lookback}), B >= 1 (lookback {lookback}), received shape "
            f"{array.shape}."
        )
    if not np.isfinite(array).all():
        raise ValueError(
            "Invalid value for argument `windows`: expected finite values, "
            f"received {int((~np.isfinite(array)).sum())} NaN or infinite."
        )
    return array
