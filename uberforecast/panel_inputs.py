"""The network inputs of a global model: the windows of many series in one batch.

Functions of a `GlobalForecaster` whose scalers are fitted (``series_``,
``target_scalers_`` and the feature scales of `inputs.fit_feature_scalers`).
Each series' windows are cut and scaled as `inputs.network_windows` does for
one series, with that series' own `TargetScaler`, then concatenated in the
panel's order; ``codes`` says which series each window belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from uberforecast.data import DataError
from uberforecast.inputs import first_target, fit_feature_scalers, network_windows
from uberforecast.windows import TargetScaler


def fit_series_scalers(model, panel, train_sizes):
    """A target scaler per series on its own training period; features pooled.

    Parameters
    ----------
    model
        The `GlobalForecaster` being fitted; sets ``target_scalers_`` and the
        attributes of `fit_feature_scalers`.
    panel
        Series id to checked frame.
    train_sizes
        Series id to the rows of its training period.
    """
    scalers, problems = {}, []
    for sid, frame in panel.items():
        train = frame[model.target].iloc[: train_sizes[sid]]
        try:
            scalers[sid] = TargetScaler(model.transform).fit(train)
        except ValueError as error:
            problems.append(f"Series {sid!r}: {error}")
    if problems:
        raise ValueError("\n".join(problems))
    model.target_scalers_ = scalers
    fit_feature_scalers(
        model, [frame.iloc[: train_sizes[sid]] for sid, frame in panel.items()]
    )


def pooled_windows(model, panel, bounds):
    """The windows of every series of `panel`, concatenated in its order.

    Legend: W windows of all series, L lookback, H horizon, F features.

    Parameters
    ----------
    model
        A `GlobalForecaster` with fitted scalers.
    panel
        Series id to checked frame; every id must be in ``model.series_``.
    bounds
        Series id to the ``first_target`` and ``end`` keyword arguments of
        `network_windows` for that series.

    Returns
    -------
    dict
        ``inputs`` (``window`` ``(W, L, 1)`` and ``features`` ``(W, H * F)``
        as `network_windows` makes them), ``targets`` ``(W, H)``, ``level``
        ``(W,)``, ``codes`` (each window's series as its position in
        ``model.series_``, ``(W,)`` int32), ``rows`` (series id to the slice
        of its windows) and ``parts`` (series id to its own
        `network_windows` dict, for summarising its forecasts).
    """
    position = {sid: code for code, sid in enumerate(model.series_)}
    parts, rows, start = {}, {}, 0
    for sid, frame in panel.items():
        scaler = model.target_scalers_[sid]
        parts[sid] = network_windows(model, frame, scaler=scaler, **bounds[sid])
        count = len(parts[sid]["level"])
        rows[sid] = slice(start, start + count)
        start += count
    pieces = list(parts.values())
    return {
        "inputs": {
            name: np.concatenate([part["inputs"][name] for part in pieces])
            for name in pieces[0]["inputs"]
        },
        "targets": (
            np.concatenate([part["targets"] for part in pieces])
            if pieces[0]["targets"] is not None
            else None
        ),
        "level": np.concatenate([part["level"] for part in pieces]),
        "scale": np.concatenate([part["scale"] for part in pieces]),
        "codes": np.concatenate(
            [np.full(rows[sid].stop - rows[sid].start, position[sid]) for sid in parts]
        ).astype("int32"),
        "rows": rows,
        "parts": parts,
    }


def with_series_input(windows, series_input):
    """`windows` whose inputs carry the series id ``(W, 1)`` when the network
    takes one (`series_input` other than ``"none"``), and lack it otherwise."""
    inputs = {k: v for k, v in windows["inputs"].items() if k != "series"}
    if series_input != "none":
        inputs["series"] = windows["codes"][:, None]
    return {**windows, "inputs": inputs}


def series_noise_variance(residuals, codes, num_series, min_windows, shrinkage=0.0):
    """Inherent-noise variance per series, with a pooled fallback.

    The rule: the pooled variance is the mean squared residual over the
    validation windows of all series, per horizon step. A series with at
    least `min_windows` validation windows gets its own mean squared
    residual, shrunk toward the pooled one as if `shrinkage` windows of
    pooled residuals were added: ``(n * own + k * pooled) / (n + k)`` for
    ``n`` windows and ``k = shrinkage`` (``k = 0``: its own estimate). A
    series with fewer gets the pooled variance.

    Legend: W windows, H horizon, N series.

    Parameters
    ----------
    residuals
        Validation residuals on the network's scale, shape ``(W, H)``.
    codes
        Each window's series, integers in ``[0, N)``, shape ``(W,)``.
    num_series
        N.
    min_windows
        Fewest validation windows for a series' own estimate.
    shrinkage
        Pseudo-windows of the pooled variance added to each own estimate.
        Default: ``0.0``.

    Returns
    -------
    dict
        ``variance`` ``(N, H)``, ``pooled`` ``(H,)``, ``windows`` (each
        series' validation windows, ``(N,)``) and ``source`` (``"series"``
        or ``"pooled"`` per series).
    """
    squared = np.asarray(residuals, dtype="float64") ** 2
    pooled = squared.mean(axis=0)
    counts = np.bincount(codes, minlength=num_series)
    # -> (N, H): sums of squared residuals per series
    sums = np.zeros((num_series, squared.shape[1]))
    np.add.at(sums, codes, squared)
    weights = (counts + shrinkage)[:, None]
    shrunk = np.divide(
        sums + shrinkage * pooled[None, :],
        weights,
        out=np.broadcast_to(pooled, sums.shape).copy(),
        where=weights > 0,
    )
    enough = counts >= min_windows
    return {
        "variance": np.where(enough[:, None], shrunk, pooled[None, :]),
        "pooled": pooled,
        "windows": counts,
        "source": ["series" if own else "pooled" for own in enough],
    }


def first_targets(panel, start, lookback, horizon):
    """Each series' first target position for `start`, one error for all.

    Parameters
    ----------
    panel
        Series id to checked frame.
    start
        ``None`` (each series' earliest window), one timestamp for every
        series, or a mapping (or pandas Series) from each series id of
        `panel` to its own.

    Returns
    -------
    dict
        Series id to the position of its first target step.
    """
    if isinstance(start, pd.Series):
        start = start.to_dict()
    if isinstance(start, Mapping):
        missing = [sid for sid in panel if sid not in start]
        extra = [sid for sid in start if sid not in panel]
        if missing or extra:
            raise ValueError(
                "Invalid value for argument `start`: expected a start for each "
                f"series of the panel, received none for {missing} and starts for "
                f"series not in it {extra}."
            )
    firsts, problems = {}, []
    for sid, frame in panel.items():
        own = start[sid] if isinstance(start, Mapping) else start
        try:
            firsts[sid] = first_target(frame, own, lookback, horizon)
        except ValueError as error:
            problems.append(f"Series {sid!r}: {error}")
    if problems:
        raise DataError("\n".join(problems))
    return firsts
