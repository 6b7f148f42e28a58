"""Plots of forecasts, their uncertainty and training; matplotlib is imported
only when one is drawn.

Each function draws on the axes `ax` it is given, or on a new figure when
``ax`` is ``None``, and returns the axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from uberforecast.forecast import level_name

_DECOMPOSITION = (
    ("mlp", "model: MLP dropout", "tab:blue"),
    ("encoder", "model: encoder dropout (misspecification)", "tab:orange"),
    ("noise", "inherent noise", "tab:gray"),
)


def _axes(ax, figsize=(11, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _step_rows(frame, step, columns):
    """The rows of one horizon step, checked to hold `columns`."""
    missing = [name for name in ("step", *columns) if name not in frame]
    if missing:
        raise ValueError(
            f"Invalid value for argument `frame`: expected the columns {missing}, "
            f"received a frame with {list(frame.columns)}."
        )
    rows = frame[frame["step"] == step]
    if rows.empty:
        raise ValueError(
            f"Invalid value for argument `step`: expected one of the frame's steps "
            f"{sorted(frame['step'].unique().tolist())}, received {step!r}."
        )
    return rows


def fan_chart(frame, levels, ax=None, step=1, anomalies=None, title=None):
    """Actuals, the point forecast and shaded intervals, widest palest.

    Parameters
    ----------
    frame
        A forecast frame (`Forecast.frame`) with ``mean``, the interval
        columns and, when known, ``actual``.
    levels
        Interval coverages in percent to shade.
    ax
        Axes to draw on; a new figure when ``None``. Default: ``None``.
    step
        Horizon step to show. Default: ``1``.
    anomalies
        Observations to mark in red: the frame returned by
        `uberforecast.anomaly.flag_anomalies` (its ``flagged`` rows), a
        boolean mask over the rows shown, or timestamps. Default: ``None``.
    title
        Default: ``None``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = _step_rows(frame, step, ["mean"])
    held = [c[len("lower_") :] for c in rows if c.startswith("lower_")]
    missing = [level for level in levels if level_name(level) not in held]
    if missing:
        raise ValueError(
            f"Invalid value for argument `levels`: expected levels whose intervals "
            f"the frame holds ({', '.join(held)}), received {missing}."
        )
    ax = _axes(ax)
    for i, level in enumerate(sorted(levels, reverse=True)):
        name = level_name(level)
        ax.fill_between(
            rows.index,
            rows[f"lower_{name}"],
            rows[f"upper_{name}"],
            color="tab:blue",
            alpha=0.15 + 0.15 * i,
            linewidth=0,
            label=f"{level}% interval",
        )
    ax.plot(rows.index, rows["mean"], color="tab:blue", linewidth=1, label="forecast")
    if "actual" in rows:
        ax.plot(
            rows.index, rows["actual"], color="black", linewidth=0.8, label="actual"
        )
    if anomalies is not None:
        flagged = rows[_anomaly_mask(rows, anomalies)]
        ax.scatter(
            flagged.index,
            flagged["actual"],
            color="red",
            s=18,
            zorder=3,
            label="anomaly",
        )
    ax.legend(loc="upper left", fontsize="small", ncol=5)
    if title:
        ax.set_title(title)
    return ax


def _anomaly_mask(rows, anomalies):
    """A boolean mask over `rows` from flags, a mask or timestamps."""
    if isinstance(anomalies, pd.DataFrame):
        if "flagged" not in anomalies:
            raise ValueError(
                "Invalid value for argument `anomalies`: expected a frame with a "
                f"`flagged` column, received columns {list(anomalies.columns)}."
            )
        anomalies = anomalies.index[anomalies["flagged"].to_numpy(dtype=bool)]
    values = np.asarray(anomalies)
    if values.dtype == bool:
        if values.shape != (len(rows),):
            raise ValueError(
                f"Invalid value for argument `anomalies`: expected a boolean mask "
                f"of the {len(rows)} rows shown, received shape {values.shape}."
            )
        return values
    return rows.index.isin(pd.DatetimeIndex(anomalies))


def uncertainty_decomposition(decomposition, ax=None, step=1, share=False):
    """The predictive variance over time, stacked by source.

    Parameters
    ----------
    decomposition
        The frame of `uberforecast.uncertainty.decompose`: indexed by target
        timestamp, with ``step``, ``mlp``, ``encoder``, ``noise`` and
        ``total`` (variances).
    ax
        Default: ``None`` (a new figure).
    step
        Horizon step to show. Default: ``1``.
    share
        Show each source's share of the total instead of the variances.
        Default: ``False``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = _step_rows(decomposition, step, ["mlp", "encoder", "noise", "total"])
    parts = rows[[name for name, _, _ in _DECOMPOSITION]]
    if share:
        parts = parts.div(rows["total"], axis=0)
    ax = _axes(ax)
    ax.stackplot(
        rows.index,
        parts.to_numpy().T,
        labels=[label for _, label, _ in _DECOMPOSITION],
        colors=[color for _, _, color in _DECOMPOSITION],
        alpha=0.8,
    )
    ax.set_ylabel("share of the variance" if share else "variance")
    ax.legend(loc="upper left", fontsize="small", ncol=3)
    return ax


def coverage_curve(frame, levels=None, step=1):
    """Empirical coverage of the frame's intervals at each level.

    Parameters
    ----------
    frame
        A forecast frame with ``actual`` and the interval columns of `levels`,
        e.g. from ``model.predict(..., levels=range(50, 100))``.
    levels
        Nominal coverages in percent; ``None`` for every level in `frame`.
        Default: ``None``.
    step
        Horizon step scored. Default: ``1``.

    Returns
    -------
    pandas.Series
        Empirical coverage in percent, indexed by the nominal level.
    """
    found = sorted(
        float(c[len("lower_") :].replace("_", "."))
        for c in frame.columns
        if c.startswith("lower_")
    )
    levels = found if levels is None else [float(level) for level in levels]
    missing = [level for level in levels if level not in found]
    if missing or not levels:
        raise ValueError(
            f"Invalid value for argument `levels`: expected levels whose intervals "
            f"the frame holds ({found}), received {missing or levels}. Predict with "
            "them, e.g. `model.predict(..., levels=range(50, 100))`."
        )
    rows = _step_rows(frame, step, ["actual"])
    empirical = {}
    for level in levels:
        name = level_name(level)
        inside = rows["actual"].between(rows[f"lower_{name}"], rows[f"upper_{name}"])
        empirical[level] = 100 * inside.mean()
    return pd.Series(empirical, name="empirical").rename_axis("nominal")


def calibration_curve(frame, levels=None, step=1, ax=None, label="forecast"):
    """Nominal against empirical coverage of the intervals; see `coverage_curve`.

    Call it again with the same `ax` and another `label` to compare
    forecasts; the diagonal is drawn once.

    Returns
    -------
    matplotlib.axes.Axes
    """
    curve = coverage_curve(frame, levels, step)
    ax = _axes(ax, figsize=(4.5, 4.5))
    if "ideal" not in [line.get_label() for line in ax.lines]:
        ax.plot([0, 100], [0, 100], color="gray", linestyle=":", label="ideal")
    ax.plot(curve.index, curve.to_numpy(), marker=".", label=label)
    low = min(curve.index.min(), curve.min()) - 2
    ax.set_xlim(low, 100)
    ax.set_ylim(low, 100)
    ax.set_xlabel("nominal coverage (%)")
    ax.set_ylabel("empirical coverage (%)")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def training_curves(history, ax=None):
    """Training and validation loss of both stages, one after the other.

    Parameters
    ----------
    history
        `TwoStageForecaster.history_`: ``{"encoder": {...}, "network":
        {...}}``, each with ``loss`` and ``val_loss`` per epoch.
    ax
        Default: ``None`` (a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    stages = (("encoder", "stage 1 (encoder-decoder)"), ("network", "stage 2 (MLP)"))
    for key, _ in stages:
        if not {"loss", "val_loss"} <= set(history.get(key, {})):
            raise ValueError(
                "Invalid value for argument `history`: expected "
                "`TwoStageForecaster.history_` with `loss` and `val_loss` for "
                f"'encoder' and 'network', received keys {list(history)}."
            )
    ax = _axes(ax, figsize=(7, 4))
    first = 1
    for (key, label), color in zip(stages, ("tab:purple", "tab:green"), strict=True):
        losses = history[key]
        epochs = np.arange(first, first + len(losses["loss"]))
        ax.plot(epochs, losses["loss"], color=color, label=f"{label}: training")
        ax.plot(
            epochs, losses["val_loss"], color=color, linestyle="--", label="validation"
        )
        # The weights kept are those of the best validation epoch.
        best = int(np.argmin(losses["val_loss"]))
        ax.plot(epochs[best], losses["val_loss"][best], "o", color=color)
        first += len(losses["loss"])
    ax.axvline(len(history["encoder"]["loss"]) + 0.5, color="gray", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("epoch (stage two continues the count)")
    ax.set_ylabel("MSE on the network's scale")
    ax.legend(fontsize="small")
    return ax


def embedding_map(model, frame, labels=None, ax=None):
    """The encoder's embeddings of a frame's windows on their first two
    principal components, coloured by a label.

    Parameters
    ----------
    model
        A fitted `TwoStageForecaster`.
    frame
        Data with the model's target, e.g. its training period; every window
        is embedded (see `uberforecast.embedding.window_embeddings`).
    labels
        One label per window: a Series indexed by the windows' target
        timestamps, or a sequence in their order. ``None`` colours by the day
        of week of the target step. Default: ``None``.
    ax
        Default: ``None`` (a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from uberforecast.embedding import embedding_pca, window_embeddings

    points, explained = embedding_pca(window_embeddings(model, frame))
    labels = _window_labels(points.index, labels)
    ax = _axes(ax, figsize=(6, 5))
    if pd.api.types.is_numeric_dtype(labels) and labels.nunique() > 12:
        shown = ax.scatter(
            points["pc_1"], points["pc_2"], c=labels, s=6, cmap="viridis"
        )
        ax.figure.colorbar(shown, ax=ax, label=labels.name)
    else:
        categorical = isinstance(labels.dtype, pd.CategoricalDtype)
        for value in labels.cat.categories if categorical else pd.unique(labels):
            chosen = (labels == value).to_numpy()
            ax.scatter(points["pc_1"][chosen], points["pc_2"][chosen], s=6, label=value)
        ax.legend(
            fontsize="small",
            markerscale=2,
            title=labels.name,
            loc="upper left",
            bbox_to_anchor=(1, 1),
        )
    ax.set_xlabel(f"first component ({100 * explained[0]:.0f}% of the variance)")
    ax.set_ylabel(f"second component ({100 * explained[1]:.0f}%)")
    return ax


def _window_labels(index, labels):
    """One label per window, as a Series over the windows' target timestamps."""
    if labels is None:
        # Monday first.
        names = pd.date_range("2024-01-01", periods=7).day_name()
        days = pd.Categorical(index.day_name(), categories=names, ordered=True)
        return pd.Series(days, index=index, name="day of week")
    if isinstance(labels, pd.Series):
        aligned = labels.reindex(index)
        if aligned.isna().any():
            raise ValueError(
                "Invalid value for argument `labels`: expected a label for every "
                f"window's target timestamp, received none for "
                f"{aligned.isna().sum()} of them, from {index[aligned.isna()][0]}."
            )
        return aligned
    values = np.asarray(labels)
    if values.shape != (len(index),):
        raise ValueError(
            f"Invalid value for argument `labels`: expected one label per window "
            f"({len(index)}), received shape {values.shape}."
        )
    return pd.Series(values, index=index, name="label")
