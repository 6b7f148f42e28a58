import numpy as np
import pandas as pd
import pytest

from uberforecast import DataError, check_frame, load_csv


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


def test_an_index_of_row_numbers_is_refused_not_read_as_1970():
    # pd.to_datetime reads 0, 1, 2 as nanoseconds after 1970-01-01.
    frame = _hourly().reset_index(drop=True)
    with pytest.raises(DataError, match="index holds numbers, not timestamps"):
        check_frame(frame, "y")
    frame.index = frame.index.astype(float)
    with pytest.raises(DataError, match="set the time column as the index"):
        check_frame(frame, "y")


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
    with pytest.raises(DataError, match=r"lacks the feature columns \['rain'\];"):
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


def _gappy():
    """Hourly 0..7 with 02:00 and 03:00 absent and 05:00 empty."""
    frame = _hourly().drop(_hourly().index[[2, 3]])
    frame.loc[frame.index[3], "y"] = np.nan
    return frame


def test_gaps_are_refused_by_default_with_a_hint_to_fill():
    with pytest.raises(
        DataError, match=r"missing timestamps for frequency 'h' \(2\)"
    ) as error:
        check_frame(_gappy(), "y")
    assert "fill='interpolate' or 'ffill'" in str(error.value)


@pytest.mark.parametrize(
    "fill,expected",
    [
        ("interpolate", [0, 1, 2, 3, 4, 5, 6, 7]),
        ("ffill", [0, 1, 1, 1, 4, 4, 6, 7]),
    ],
)
def test_fill_repairs_gaps_and_says_how_many(fill, expected):
    with pytest.warns(UserWarning, match="Filled 2 missing timestamps and 1 empty"):
        filled = check_frame(_gappy(), "y", fill=fill)
    assert filled["y"].tolist() == expected
    assert filled.index.freqstr == "h" and len(filled) == 8


def test_fill_does_not_invent_values_it_cannot_reach():
    frame = _gappy()
    frame.iloc[0, 0] = np.nan  # nothing before the first row to carry or join
    with pytest.raises(DataError, match="cannot fill .*'y' at 2024-03-01 00:00:00"):
        check_frame(frame, "y", fill="ffill")


def test_fill_does_not_repair_other_faults():
    frame = pd.concat([_gappy(), _gappy().iloc[[1]]]).sort_index().astype(object)
    frame.iloc[4, 0] = "n/a"
    with pytest.raises(DataError) as error:
        check_frame(frame, "y", fill="interpolate")
    message = str(error.value)
    assert "duplicated timestamps" in message and "non-numeric values" in message
    assert "missing timestamps" not in message


def test_clean_data_is_not_touched_by_a_fill(recwarn):
    checked = check_frame(_hourly(), "y", fill="interpolate")
    assert checked["y"].tolist() == list(range(8)) and not recwarn.list


def test_unknown_fill_policy_is_refused():
    with pytest.raises(ValueError, match="argument `fill`: expected one of"):
        check_frame(_hourly(), "y", fill="mean")


def test_csv_fill(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("t,y\n2024-01-01,1\n2024-01-02,\n2024-01-04,4\n2024-01-05,5\n")
    with pytest.warns(UserWarning, match="Filled 1 missing timestamps and 1 empty"):
        frame = load_csv(path, "t", "y", fill="interpolate")
    assert frame["y"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    # Named as for data without gaps, so a model fitted on it accepts those.
    assert frame.index.freqstr == "D"


def test_gappy_weekly_data_gets_the_gapless_frequency_name():
    index = pd.date_range("2024-01-07", periods=6, freq="W").delete(2)
    frame = pd.DataFrame({"y": np.arange(5.0)}, index=index)
    with pytest.raises(DataError, match=r"'W-SUN' \(1\): 2024-01-21\n"):
        check_frame(frame, "y")


def test_missing_target_and_features_are_named_apart():
    with pytest.raises(DataError) as error:
        check_frame(_hourly(), "trips", ["y", "rain"])
    assert str(error.value) == (
        "The data lacks the target column 'trips' and the feature columns ['rain']; "
        "its columns are ['y']."
    )


def test_empty_frame_is_refused():
    with pytest.raises(DataError, match="no rows"):
        check_frame(_hourly().iloc[:0], "y")


def test_header_only_csv_is_refused(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("t,y\n")
    with pytest.raises(DataError, match="has a header but no rows"):
        load_csv(path, "t", "y")


def test_infinite_values_are_named():
    frame = _hourly()
    frame.iloc[6, 0] = np.inf
    with pytest.raises(DataError, match=r"infinite values in 'y' at row 6"):
        check_frame(frame, "y")


def test_no_pandas_deprecation_warnings_per_call():
    # pandas 3 warns on every `infer_freq` and `dayofweek`; a fit calls them many
    # times, so each would be a flood.
    import warnings

    from uberforecast import calendar_features

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checked = check_frame(_hourly(48), "y")
        calendar_features(checked.index)
    assert [str(w.message) for w in caught] == []


def test_uci_bike_loader_dates_hours_and_names_missing_columns(tmp_path):
    from uberforecast.datasets import UCI_BIKE_FEATURES, load_uci_bike

    columns = ["instant", "dteday", "hr", *UCI_BIKE_FEATURES, "cnt"]
    rows = [[1, "2011-01-01", 0, *[0.5] * 6, 16], [2, "2011-01-01", 2, *[0.5] * 6, 3]]
    pd.DataFrame(rows, columns=columns).to_csv(tmp_path / "hour.csv", index=False)
    frame = load_uci_bike(tmp_path / "hour.csv")
    assert list(frame.index) == [
        pd.Timestamp("2011-01-01 00:00"),
        pd.Timestamp("2011-01-01 02:00"),
    ]
    assert frame["cnt"].tolist() == [16, 3]
    # The absent hour 01:00 is refused by the check, naming it.
    with pytest.raises(DataError, match="01:00"):
        check_frame(frame, "cnt", [], "h")
    pd.DataFrame(rows, columns=columns).drop(columns="cnt").to_csv(
        tmp_path / "bad.csv", index=False
    )
    with pytest.raises(ValueError, match=r"lacks the columns \['cnt'\]"):
        load_uci_bike(tmp_path / "bad.csv")


def test_from_start_keeps_the_rows_from_a_timestamp_on():
    from conftest import weekly_series

    from uberforecast.data import from_start

    frame = weekly_series(num_days=30)
    kept = from_start(frame, "2020-01-11")
    assert kept.index[0] == pd.Timestamp("2020-01-11") and len(kept) == 20
    assert kept.index.freqstr == "D"
    assert from_start(frame, "") is frame
    with pytest.raises(ValueError, match="`data.start`.*received 'soon'"):
        from_start(frame, "soon")
    with pytest.raises(ValueError, match="before the data's end"):
        from_start(frame, "2021-01-01")
