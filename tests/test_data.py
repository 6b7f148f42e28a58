import numpy as np
import pandas as pd
import pytest

from uberforecast import DataError, check_frame, load_csv
from uberforecast.data import split_sizes


def _hourly(num_hours=8):
    index = pd.date_range("2024-03-01", periods=num_hours, freq="h")
    return pd.DataFrame({"y": np.arange(num_hours, dtype=float)}, index=index)


def test_clean_frame_gets_its_frequency():
    checked = check_frame(_hourly(), "y")
    assert checked.index.freqstr == "h"


def test_one_error_names_gap_duplicate_and_empty_value():
    frame = _hourly()
    frame = frame.drop(frame.index[2])  # 02:00 absent
    frame = pd.concat([frame, frame.iloc[[2]]]).sort_index()  # 03:00 twice
    frame.iloc[5, 0] = np.nan
    with pytest.raises(DataError) as error:
        check_frame(frame, "y")
    message = str(error.value)
    assert "missing timestamps" in message and "02:00:00" in message
    assert "duplicated timestamps" in message and "03:00:00" in message
    assert "empty values in 'y'" in message


def test_unsorted_timestamps_are_named():
    frame = _hourly().iloc[[0, 1, 3, 2, 4, 5]]
    with pytest.raises(DataError, match="out of order at row 3"):
        check_frame(frame, "y")


def test_non_numeric_value_is_named():
    frame = _hourly().astype(object)
    frame.iloc[4, 0] = "n/a"
    with pytest.raises(
        DataError, match=r"non-numeric values in 'y' \('n/a'\) at row 4"
    ):
        check_frame(frame, "y")


def test_irregular_spacing_is_refused():
    index = pd.DatetimeIndex(
        ["2024-01-01", "2024-01-02", "2024-01-04 05:00", "2024-01-09 07:00"]
    )
    with pytest.raises(DataError, match="cannot be inferred"):
        check_frame(pd.DataFrame({"y": [1.0, 2, 3, 4]}, index=index), "y")


def test_missing_columns_are_named():
    with pytest.raises(DataError, match=r"\['rain'\] are not in the data"):
        check_frame(_hourly(), "y", ["rain"])


def test_csv_rows_are_named_by_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("t,y\n2024-01-01,1\n2024-01-02,\n2024-01-03,3\n2024-01-04,4\n")
    with pytest.raises(DataError, match=r"empty values in 'y' at line 3 \(2024-01-02"):
        load_csv(path, "t", "y")


def test_csv_loads(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("t,y,x\n2024-01-01,1,0.5\n2024-01-02,2,0.1\n2024-01-03,3,0\n")
    frame = load_csv(path, "t", "y", ["x"])
    assert frame.index.freqstr == "D" and frame["y"].tolist() == [1.0, 2.0, 3.0]


def test_empty_csv_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match="is empty"):
        load_csv(path, "t", "y")


def test_too_short_says_how_many_rows_are_needed():
    with pytest.raises(DataError, match="need at least 24 \\+|need at least"):
        split_sizes(30, validation_size=12, test_size=12, lookback=24, horizon=12)
    with pytest.raises(DataError, match="has 30 steps; lookback 24, horizon 12"):
        split_sizes(30, validation_size=12, test_size=12, lookback=24, horizon=12)
