"""Plots of forecasts; matplotlib is imported only when one is drawn."""

from __future__ import annotations

from uberforecast.forecast import level_name


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(11, 4))
    return ax


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
        Boolean mask over the rows shown, marked in red. Default: ``None``.
    title
        Default: ``None``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    rows = frame[frame["step"] == step]
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
        flagged = rows[anomalies]
        ax.scatter(
            flagged.index,
            flagged["actual"],
            color="red",
            s=18,
            zorder=3,
            label="anomaly",
        )
    ax.legend(loc="upper left", fontsize="small", ncol=4)
    if title:
        ax.set_title(title)
    return ax
