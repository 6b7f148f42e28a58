"""Many series as one input: long and wide frames to one checked panel.

A *panel* is a dict from series id to that series' frame, each indexed by
regular timestamps and holding the same target and feature columns, all at one
frequency (see `check_panel`). Series may start and end on different dates.

- **Long form**: one row per (series, timestamp), with a series-id column, a
  timestamp column, the target and the features (`panel_from_long`).
- **Wide form**: one row per timestamp, one column per series, and feature
  columns shared by every series (`panel_from_wide`).

Every check names the series and the problem; nothing is dropped or filled
unless a fill policy is asked for (the ``fill`` of `check_frame`).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from uberforecast.data import DataError, check_frame
from uberforecast.windows import split_sizes


def panel_from_long(
    frame, series_column, time_column, target, features=(), series=None
):
    """Split a long-form frame into one frame per series.

    Parameters
    ----------
    frame
        One row per (series, timestamp): the `series_column`, the
        `time_column`, the `target` and the `features`.
    series_column, time_column
        Columns of the series id and the timestamps.
    target
        Column to forecast.
    features
        External feature columns. Default: ``()``.
    series
        Ids to keep, in this order; ``None`` keeps every series in the order
        of first appearance. Default: ``None``.

    Returns
    -------
    dict
        Series id to its rows, indexed by `time_column`, unchecked (pass the
        result to `check_panel`, which `GlobalForecaster.fit` does).
    """
    _check_is_frame(frame)
    for name, column in (
        ("series_column", series_column),
        ("time_column", time_column),
    ):
        if column not in frame.columns:
            raise DataError(
                f"Invalid value for argument `{name}`: expected a column of the "
                f"frame, received {column!r}; its columns are {list(frame.columns)}."
            )
    absent = [name for name in [target, *features] if name not in frame.columns]
    if absent:
        raise DataError(
            f"The long frame lacks the columns {absent}; its columns are "
            f"{list(frame.columns)}."
        )
    # groupby would drop rows without an id: refuse them instead.
    no_id = np.flatnonzero(frame[series_column].isna().to_numpy())
    if no_id.size:
        raise DataError(
            f"The series column {series_column!r} is empty at rows "
            f"{', '.join(str(row) for row in no_id[:10])}"
            + (f" and {no_id.size - 10} more." if no_id.size > 10 else ".")
        )
    wanted = _selected(
        pd.unique(frame[series_column]), series, "the long frame's series column"
    )
    groups = dict(list(frame.groupby(series_column, sort=False)))
    return {
        sid: groups[sid].drop(columns=series_column).set_index(time_column)
        for sid in wanted
    }


def panel_from_wide(frame, series, target, features=(), time_column=None):
    """Split a wide-form frame, one column per series, into one frame per series.

    Each series' frame holds its column, renamed to `target`, and the shared
    feature columns. A series shorter than the frame shows as empty cells
    before its first or after its last value: those leading and trailing
    empty cells are where the series does not exist and are cut off; an empty
    cell between two values is a gap, which `check_panel` refuses (or fills
    when asked).

    Parameters
    ----------
    frame
        One row per timestamp, indexed by timestamps or with a `time_column`.
    series
        The series columns, in order; their names are the series ids.
    target
        Name the series' values take in each series' frame.
    features
        Shared feature columns. Default: ``()``.
    time_column
        Column of timestamps; ``None`` when the index holds them.
        Default: ``None``.

    Returns
    -------
    dict
        Series id to its frame (unchecked; see `check_panel`).
    """
    _check_is_frame(frame)
    if time_column is not None:
        if time_column not in frame.columns:
            raise DataError(
                f"Time column {time_column!r} is not in the wide frame; its columns "
                f"are {list(frame.columns)}."
            )
        frame = frame.set_index(time_column)
    if isinstance(series, str) or not list(series):
        raise ValueError(
            "Invalid value for argument `series`: expected a non-empty list of the "
            f"wide frame's series columns, received {series!r}."
        )
    wanted = _selected(list(frame.columns), list(series), "the wide frame's columns")
    clash = sorted({target, *features} & set(wanted))
    if clash:
        raise DataError(
            f"Columns {clash} are named both as series and as the target or a "
            "feature; a wide frame's series columns hold only series values."
        )
    features = list(features)
    absent = [name for name in features if name not in frame.columns]
    if absent:
        raise DataError(f"The wide frame lacks the feature columns {absent}.")
    panel = {}
    for sid in wanted:
        values = frame[sid]
        present = np.flatnonzero(values.notna().to_numpy())
        if not present.size:
            raise DataError(f"Series {sid!r} has no values in the wide frame.")
        rows = slice(present[0], present[-1] + 1)
        part = frame.iloc[rows][features].copy()
        part.insert(0, target, values.iloc[rows])
        panel[sid] = part
    return panel


def check_panel(panel, target, features=(), freq=None, fill=None):
    """Check every series of a panel and that they share one frequency.

    Parameters
    ----------
    panel
        A mapping from series id (a string or an integer) to a frame indexed
        by timestamps, with the target and feature columns, as
        `panel_from_long` and `panel_from_wide` give.
    target, features, freq, fill
        As for `check_frame`, applied to each series; rows in messages are
        counted within the series.

    Returns
    -------
    dict
        Series id to its checked frame, in the panel's order.

    Raises
    ------
    DataError
        One error naming each series and its problems: a gap, duplicated or
        unsorted timestamps, empty or non-numeric values, missing columns,
        or series of different frequencies.
    """
    if isinstance(panel, pd.DataFrame) or not isinstance(panel, Mapping):
        raise TypeError(
            "Invalid type for argument `panel`: expected a mapping from series id "
            f"to frame (see `panel_from_long`, `panel_from_wide`), received "
            f"{type(panel).__name__}."
        )
    if not panel:
        raise ValueError(
            "Invalid value for argument `panel`: expected series, received none."
        )
    checked, problems = {}, []
    for sid, frame in panel.items():
        sid = _series_id(sid)
        try:
            checked[sid] = check_frame(frame, target, features, freq, fill=fill)
        except DataError as error:
            problems.append(f"Series {sid!r}: {error}")
    if problems:
        raise DataError("\n".join(problems))
    frequencies = {}
    for sid, frame in checked.items():
        frequencies.setdefault(frame.index.freqstr, []).append(sid)
    if len(frequencies) > 1:
        listed = "; ".join(
            f"{freq!r}: {_list_ids(ids)}" for freq, ids in frequencies.items()
        )
        raise DataError(
            f"The series have different frequencies ({listed}); a panel needs one. "
            "Resample them or pass `freq`."
        )
    return checked


def split_panel(panel, validation_size, test_size, lookback, horizon):
    """Rows of each series' training period, one error for every short series.

    Each series ends with its own validation and test periods: its last
    `test_size` steps are the test period, the `validation_size` before them
    validate (see `split_sizes`).

    Returns
    -------
    dict
        Series id to the rows of its training period.

    Raises
    ------
    DataError
        Naming every series too short for a training window, the validation
        and the test period.
    """
    sizes, problems = {}, []
    for sid, frame in panel.items():
        try:
            sizes[sid] = split_sizes(
                len(frame), validation_size, test_size, lookback, horizon
            )
        except DataError as error:
            problems.append(f"Series {sid!r}: {error}")
    if problems:
        raise DataError("\n".join(problems))
    return sizes


def read_panel_csv(path, layout, time_column, target, features=(), **layout_options):
    """Read a long- or wide-form CSV into an unchecked panel.

    Parameters
    ----------
    path
        The CSV file; values are read as text and checked by `check_panel`.
    layout
        ``"long"`` or ``"wide"``.
    time_column, target, features
        As for `panel_from_long` and `panel_from_wide`.
    layout_options
        ``series_column`` and ``series`` for the long form, ``series`` for
        the wide form.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"CSV file not found: {path}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as error:
        raise DataError(f"CSV file {path} cannot be read: {error}") from error
    raw = raw.replace("", np.nan)
    if layout == "long":
        return panel_from_long(
            raw,
            layout_options["series_column"],
            time_column,
            target,
            features,
            layout_options.get("series"),
        )
    if layout == "wide":
        return panel_from_wide(
            raw, layout_options["series"], target, features, time_column
        )
    raise ValueError(
        f"Invalid value for argument `layout`: expected 'long' or 'wide', received "
        f"{layout!r}."
    )


def _check_is_frame(frame):
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            "Invalid type for argument `frame`: expected a pandas DataFrame, "
            f"received {type(frame).__name__}."
        )


def _series_id(sid):
    """A series id as a plain string or integer (JSON keeps both)."""
    if isinstance(sid, str):
        return sid
    if isinstance(sid, numbers.Integral) and not isinstance(sid, bool):
        return int(sid)
    raise TypeError(
        "Invalid type for a series id: expected a string or an integer, received "
        f"{sid!r} ({type(sid).__name__})."
    )


def _selected(available, series, where):
    """The ids of `series` (all of `available` when None), refusing unknown ones."""
    available = list(available)
    if series is None or (not isinstance(series, str) and not list(series)):
        return available
    if isinstance(series, str):
        series = [series]
    unknown = [sid for sid in series if sid not in set(available)]
    if unknown:
        raise DataError(
            f"Series {unknown} are not in {where}; it has {_list_ids(available)}."
        )
    return list(series)


def _list_ids(ids, shown=10):
    ids = list(ids)
    listed = ", ".join(repr(sid) for sid in ids[:shown])
    return listed + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
