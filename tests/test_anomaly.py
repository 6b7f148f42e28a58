"""Anomaly flags and their evaluation: hand-computed cases and injected spikes."""

import numpy as np
import pandas as pd
import pytest
from conftest import weekly_series

from uberforecast import TwoStageForecaster
from uberforecast.anomaly import evaluate_flags, flag_anomalies


def _frame(actual, step=1):
    """A forecast frame with mean 10, std 1 and the 99% interval [7, 13]."""
    index = pd.date_range("2024-01-01", periods=len(actual), freq="D")
    return pd.DataFrame(
        {
            "step": step,
            "actual": actual,
            "mean": 10.0,
            "std": 1.0,
            "lower_99": 7.0,
            "upper_99": 13.0,
        },
        index=index,
    )


def test_scores_count_standard_deviations_outside_the_interval():
    flags = flag_anomalies(_frame([10.0, 13.0, 4.0, 15.5, np.nan]))
    # On a bound is inside; 4 is 3 below 7; 15.5 is 2.5 above 13; NaN is unjudged.
    np.testing.assert_allclose(flags["score"], [0, 0, 3, 2.5, np.nan])
    assert flags["flagged"].tolist() == [False, False, True, True, False]
    assert flags["side"].tolist() == ["", "", "below", "above", ""]


def test_the_score_divides_by_the_standard_deviation():
    frame = _frame([16.0])
    frame["std"] = 2.0
    assert flag_anomalies(frame)["score"].iloc[0] == pytest.approx(1.5)


def test_only_the_chosen_step_is_judged():
    frame = pd.concat([_frame([20.0, 10.0]), _frame([10.0, 20.0], step=2)])
    assert flag_anomalies(frame)["flagged"].tolist() == [True, False]
    assert flag_anomalies(frame, step=2)["flagged"].tolist() == [False, True]
    with pytest.raises(ValueError, match="argument `step`.*received 3"):
        flag_anomalies(frame, step=3)


def test_a_level_the_frame_lacks_is_refused_with_the_remedy():
    with pytest.raises(ValueError, match=r"argument `level`.*\(99\).*levels=\("):
        flag_anomalies(_frame([10.0]), level=95)
    with pytest.raises(ValueError, match=r"without the columns \['std'\]"):
        flag_anomalies(_frame([10.0]).drop(columns="std"))


def _flags(flagged_days, num_days=12):
    index = pd.date_range("2024-01-01", periods=num_days, freq="D")
    return pd.Series(np.isin(np.arange(num_days), flagged_days), index=index)


def _day(i):
    return pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)


def test_precision_recall_and_lead_by_hand():
    # Flags on days 2, 5, 9; events on days 1-3, 8-10 and 6-6.
    events = [(_day(1), _day(3)), (_day(8), _day(10)), (_day(6), _day(6))]
    scores = evaluate_flags(_flags([2, 5, 9]), events)
    # Days 2 and 9 are in events, day 5 is not; events 1 and 2 are found.
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 3)
    table = scores.events
    assert table["first_flag"].tolist()[:2] == [_day(2), _day(9)]
    assert pd.isna(table["first_flag"].iloc[2])
    np.testing.assert_array_equal(table["delay"], [1, 1, np.nan])
    np.testing.assert_array_equal(table["lead"], [1, 1, np.nan])


def test_an_early_flag_has_the_longest_lead():
    # A 5-day window flagged on its first and fourth days: the first counts.
    scores = evaluate_flags(_flags([4, 7]), [(_day(4), _day(8))])
    assert scores.precision == 1 and scores.recall == 1
    assert scores.events["delay"].iloc[0] == 0 and scores.events["lead"].iloc[0] == 4


def test_a_flag_in_two_overlapping_events_counts_once():
    events = [(_day(2), _day(5)), (_day(4), _day(6))]
    scores = evaluate_flags(_flags([4, 11]), events)
    assert scores.precision == pytest.approx(1 / 2) and scores.recall == 1


def test_no_flags_give_nan_precision_and_zero_recall():
    scores = evaluate_flags(_flags([]), [(_day(1), _day(2))])
    assert np.isnan(scores.precision) and scores.recall == 0


def test_bad_flags_and_events_are_refused():
    with pytest.raises(ValueError, match="argument `flags`.*boolean Series"):
        evaluate_flags(_flags([1]).astype(int), [])
    with pytest.raises(ValueError, match="argument `events`.*received \\(2024-01-05"):
        evaluate_flags(_flags([1]), [(_day(4), _day(2))])
    with pytest.raises(ValueError, match="argument `events`.*2030"):
        evaluate_flags(_flags([1]), [("2030-01-01", "2030-01-02")])
    with pytest.raises(ValueError, match="argument `events`.*pairs"):
        evaluate_flags(_flags([1]), [_day(1)])


def test_injected_spikes_are_flagged_and_score_highest():
    series = weekly_series(num_days=460, noise=0.5, seed=1)
    # Small but trained long enough to learn the weekly cycle: the predictive
    # standard deviation comes out near 0.65, so a 5-unit spike lies several
    # deviations outside the 99% interval (z = 2.58).
    model = TwoStageForecaster(
        "y",
        transform="none",
        lookback=14,
        encoder_units=(16, 8),
        decoder_units=8,
        hidden_units=(16,),
        encoder_epochs=30,
        network_epochs=30,
        batch_size=32,
        validation_size=60,
        num_samples=30,
    ).fit(series.iloc[:400])
    spiked = series.copy()
    days = [410, 425, 441]
    spiked.iloc[days, 0] += [5.0, -5.0, 5.0]

    forecast = model.predict(spiked, start=series.index[400], levels=(99,))
    flags = flag_anomalies(forecast.frame)
    spikes = series.index[days]
    assert flags.loc[spikes, "flagged"].all()
    assert flags.loc[spikes, "side"].tolist() == ["above", "below", "above"]
    # A spike echoes a week later through the lag features, but more weakly:
    # the three highest scores are the spikes themselves.
    assert set(flags["score"].nlargest(3).index) == set(spikes)
    scores = evaluate_flags(flags, [(day, day) for day in spikes])
    assert scores.recall == 1
