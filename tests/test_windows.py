import numpy as np
import pytest

from uberforecast import DataError
from uberforecast.inputs import fit_scalers, network_windows
from uberforecast.windows import (
    TargetScaler,
    make_windows,
    split_sizes,
    window_levels,
    window_positions,
    window_scales,
)


@pytest.mark.parametrize("lookback,horizon", [(5, 1), (7, 3), (1, 1)])
def test_window_count_and_no_target_in_own_window(lookback, horizon):
    values = np.arange(50.0)
    positions = window_positions(50, lookback, horizon)
    assert len(positions) == 50 - lookback - horizon + 1

    inputs, targets = make_windows(values, positions, lookback, horizon)
    # Values equal their positions, so every target comes after every input.
    assert (targets.min(axis=1) > inputs.max(axis=1)).all()
    np.testing.assert_array_equal(inputs[:, -1] + 1, targets[:, 0])
    assert targets.max() == 49


def test_split_bounds_hold_every_target():
    positions = window_positions(100, lookback=10, horizon=4, first_target=60, end=80)
    targets = positions[:, None] + np.arange(4)
    assert targets.min() == 60 and targets.max() == 79
    # Every position from 60 whose last target is 79 or earlier: 60..76.
    assert len(positions) == 17


def test_training_windows_stop_before_validation(series):
    from uberforecast import TwoStageForecaster

    model = TwoStageForecaster("y", lookback=14, validation_size=60)
    fit_scalers(model, series.iloc[:280])
    train = network_windows(model, series.iloc[:340], end=280)
    validation = network_windows(model, series.iloc[:340], first_target=280)
    assert train["positions"].max() + model.horizon - 1 == 279
    assert validation["positions"].min() == 280


def test_window_levels():
    inputs = np.array([[1.0, 2.0, 6.0], [0.0, 0.0, 3.0]])
    np.testing.assert_array_equal(window_levels(inputs, "last"), [6.0, 3.0])
    np.testing.assert_array_equal(window_levels(inputs, "mean"), [3.0, 1.0])
    np.testing.assert_array_equal(window_levels(inputs, "none"), [0.0, 0.0])
    np.testing.assert_array_equal(window_levels(inputs, "standardise"), [3.0, 1.0])


def test_window_scales_divide_by_the_spread_with_a_floor():
    # Spreads sqrt(14/3) and sqrt(2); a nearly flat window keeps the floor 0.1.
    inputs = np.array([[1.0, 2.0, 6.0], [0.0, 0.0, 3.0], [1.0, 1.0, 1.03]])
    np.testing.assert_allclose(
        window_scales(inputs, "standardise"), [np.sqrt(14 / 3), np.sqrt(2), 0.1]
    )
    for normalisation in ("last", "mean", "none"):
        np.testing.assert_array_equal(window_scales(inputs, normalisation), [1, 1, 1])


def test_scaler_uses_only_what_it_is_fitted_on():
    train, later = np.array([1.0, 2.0, 3.0]), np.array([100.0, 200.0])
    scaler = TargetScaler("none").fit(train)
    assert scaler.mean_ == 2.0 and scaler.scale_ == pytest.approx(np.std(train))
    np.testing.assert_allclose(scaler.inverse(scaler.forward(later)), later)


def test_forecaster_scaler_is_fitted_on_training_period_only(series):
    from uberforecast import TwoStageForecaster

    shifted = series.copy()
    # Make the validation period wildly different: a leak would move the mean.
    shifted.iloc[280:340, 0] += 1000
    model = TwoStageForecaster("y", ("x",), transform="none", validation_size=60)
    fit_scalers(model, shifted.iloc[:280])
    assert model.target_scaler_.mean_ == pytest.approx(series["y"].iloc[:280].mean())
    assert model.feature_mean_[0] == pytest.approx(series["x"].iloc[:280].mean())


def test_auto_transform_picks_by_sign():
    assert TargetScaler().fit([1.0, 2.0]).transform_ == "log"
    assert TargetScaler().fit([0.0, 2.0]).transform_ == "log1p"
    assert TargetScaler().fit([-1.0, 2.0]).transform_ == "none"


def test_log_transform_refuses_non_positive():
    with pytest.raises(ValueError, match="log transform needs positive"):
        TargetScaler("log").fit([0.0, 1.0])


def test_inverse_std_scales_and_never_shifts():
    scaler = TargetScaler("none").fit([0.0, 10.0])  # mean 5, scale 5
    assert scaler.inverse_std(0.0, 1.0) == pytest.approx(5.0)
    assert scaler.inverse_std(3.0, 1.0) == pytest.approx(5.0)


def test_too_short_says_how_many_rows_are_needed():
    # 24 + 12 for one training window, 12 validation, 12 test: 60 rows.
    with pytest.raises(DataError, match="it has 30 rows") as error:
        split_sizes(30, validation_size=12, test_size=12, lookback=24, horizon=12)
    assert "lookback 24 + horizon 12" in str(error.value)
    assert "need at least 60 rows" in str(error.value)
    # Without a test period (as in `fit`): 48.
    with pytest.raises(DataError, match="need at least 48 rows"):
        split_sizes(30, validation_size=12, test_size=0, lookback=24, horizon=12)
    assert split_sizes(60, 12, 12, 24, 12) == 36


def test_lookback_larger_than_the_series_is_an_argument_error():
    with pytest.raises(
        DataError, match=r"argument `lookback`: expected fewer steps than the "
    ) as error:
        split_sizes(30, validation_size=5, test_size=0, lookback=40, horizon=1)
    assert "rows (30), received 40. Lookback 40 + horizon 1" in str(error.value)


@pytest.mark.parametrize(
    "sizes,name",
    [((3, 0), "validation_size"), ((12, 5), "test_size"), ((-1, 0), "validation_size")],
)
def test_periods_shorter_than_the_horizon_are_refused(sizes, name):
    with pytest.raises(ValueError, match=f"Invalid value for argument `{name}`"):
        split_sizes(500, *sizes, lookback=24, horizon=12)
