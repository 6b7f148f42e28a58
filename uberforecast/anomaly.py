"""Anomalies: observations outside a prediction interval, scored and evaluated.

`flag_anomalies` flags each observation that falls outside the forecast's
interval at a chosen level and scores how far outside it lies, in predictive
standard deviations. `evaluate_flags` compares flags with labelled event
windows: precision, recall and how early each event was flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from uberforecast.forecast import level_name


def flag_anomalies(frame, level=99, step=1):
    """Flag each observation outside the interval at `level`.

    Intervals are closed: a value on a bound is inside. Each timestamp is
    judged once, by the forecast made `step` steps before it.

    Parameters
    ----------
    frame
        A forecast frame (`Forecast.frame`) with ``step``, ``actual``,
        ``mean``, ``std`` and the ``lower_<level>``, ``upper_<level>``
        columns: predict with `level` among the `levels`.
    level
        Interval coverage in percent. Default: ``99``.
    step
        Horizon step whose forecasts are judged. Default: ``1``.

    Returns
    -------
    pandas.DataFrame
        Indexed by timestamp: ``actual``, ``mean``, ``std``,
        ``lower_<level>``, ``upper_<level>``, ``score`` (the distance outside
        the interval divided by ``std``; 0 inside, NaN where ``actual`` is
        missing), ``side`` (``"above"``, ``"below"`` or ``""``) and
        ``flagged`` (``score > 0``).
    """
    lower, upper = _interval_columns(frame, level)
    steps = frame["step"].unique()
    if step not in steps:
        raise ValueError(
            f"Invalid value for argument `step`: expected one of the frame's "
            f"steps {sorted(steps.tolist())}, received {step!r}."
        )
    rows = frame.loc[frame["step"] == step, ["actual", "mean", "std", lower, upper]]

    # Distance outside the interval, 0 inside; NaN stays NaN.
    above = (rows["actual"] - rows[upper]).clip(lower=0)
    below = (rows[lower] - rows["actual"]).clip(lower=0)
    flags = rows.copy()
    flags["score"] = (above + below) / rows["std"]
    flags["side"] = np.select([above > 0, below > 0], ["above", "below"], "")
    flags["flagged"] = flags["score"] > 0
    return flags


def _interval_columns(frame, level):
    """The names of the interval columns at `level`, checked to be in `frame`."""
    missing = [name for name in ("step", "actual", "mean", "std") if name not in frame]
    if missing:
        raise ValueError(
            "Invalid value for argument `frame`: expected a forecast frame "
            f"(`Forecast.frame`), received one without the columns {missing}."
        )
    name = level_name(level)
    lower, upper = f"lower_{name}", f"upper_{name}"
    if lower not in frame or upper not in frame:
        available = sorted(c[len("lower_") :] for c in frame if c.startswith("lower_"))
        raise ValueError(
            f"Invalid value for argument `level`: expected a level whose interval "
            f"the frame holds ({', '.join(available) or 'none'}), received "
            f"{level!r}. Predict with it among the levels, e.g. "
            f"`model.predict(..., levels=(80, 95, {level}))`."
        )
    return lower, upper


@dataclass
class EventScores:
    """How well flags found labelled events.

    Attributes
    ----------
    precision
        Share of the flagged timestamps that lie in an event window; NaN
        when nothing is flagged.
    recall
        Share of the events with at least one flag in their window.
    events
        One row per event: ``start``, ``end``, ``first_flag`` (NaT when
        missed), ``delay`` (steps from ``start`` to the first flag) and
        ``lead`` (steps from the first flag to ``end``: how early the event
        was flagged within its window; NaN when missed).
    """

    precision: float
    recall: float
    events: pd.DataFrame


def evaluate_flags(flags, events):
    """Score flags against labelled event windows.

    Parameters
    ----------
    flags
        Boolean Series indexed by sorted timestamps, True where flagged, or
        the frame returned by `flag_anomalies` (its ``flagged`` column).
    events
        Event windows as ``(start, end)`` pairs of timestamps, both ends
        included, each holding at least one of the flags' timestamps.

    Returns
    -------
    EventScores
    """
    flags = _flag_series(flags)
    events = list(events)
    windows = _event_positions(flags.index, events)
    flagged = np.flatnonzero(flags.to_numpy())

    # A flag counts once for precision, however many windows hold it.
    in_event = np.zeros(len(flags), dtype=bool)
    rows = []
    for (start, end), (first, last) in zip(events, windows, strict=True):
        in_event[first : last + 1] = True
        hits = flagged[(flagged >= first) & (flagged <= last)]
        found = hits[0] if len(hits) else None
        rows.append(
            {
                "start": pd.Timestamp(start),
                "end": pd.Timestamp(end),
                "first_flag": pd.NaT if found is None else flags.index[found],
                "delay": np.nan if found is None else float(found - first),
                "lead": np.nan if found is None else float(last - found),
            }
        )
    table = pd.DataFrame(rows, columns=["start", "end", "first_flag", "delay", "lead"])
    precision = in_event[flagged].mean() if len(flagged) else np.nan
    recall = table["first_flag"].notna().mean() if len(table) else np.nan
    return EventScores(float(precision), float(recall), table)


def _flag_series(flags):
    """The flags as a boolean Series over a sorted DatetimeIndex."""
    if isinstance(flags, pd.DataFrame):
        if "flagged" not in flags:
            raise ValueError(
                "Invalid value for argument `flags`: expected a boolean Series or "
                "a frame with a `flagged` column, received a frame with columns "
                f"{list(flags.columns)}."
            )
        flags = flags["flagged"]
    if not isinstance(flags, pd.Series) or flags.dtype != bool:
        raise ValueError(
            "Invalid value for argument `flags`: expected a boolean Series indexed "
            f"by timestamps, received {type(flags).__name__}"
            f"{f' of dtype {flags.dtype}' if hasattr(flags, 'dtype') else ''}."
        )
    if not isinstance(flags.index, pd.DatetimeIndex) or not (
        flags.index.is_monotonic_increasing and flags.index.is_unique
    ):
        raise ValueError(
            "Invalid value for argument `flags`: expected an index of sorted, "
            "unique timestamps."
        )
    return flags


def _event_positions(index, events):
    """First and last positions of `index` inside each event window."""
    positions = []
    for event in events:
        try:
            start, end = (pd.Timestamp(t) for t in event)
        except (TypeError, ValueError):
            raise ValueError(
                "Invalid value for argument `events`: expected (start, end) pairs "
                f"of timestamps, received {event!r}."
            ) from None
        first = index.searchsorted(start, side="left")
        last = index.searchsorted(end, side="right") - 1
        if end < start or last < first:
            raise ValueError(
                "Invalid value for argument `events`: expected windows with start "
                "<= end that hold at least one of the flags' timestamps (from "
                f"{index.min()} to {index.max()}), received ({start}, {end})."
            )
        positions.append((first, last))
    return positions
