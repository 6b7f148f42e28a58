import numpy as np
import pytest

from uberforecast import metrics


def test_smape_hand_computed_with_zero_terms():
    # Terms: |10-8|*2/18 = 0.2222, both zero -> 0, |0-5|*2/5 = 2.
    value = metrics.smape([10, 0, 0], [8, 0, 5])
    assert value == pytest.approx(100 * (2 / 9 + 0 + 2) / 3)
    assert metrics.smape([0, 0], [0, 0]) == 0.0


def test_mase_uses_seasonal_scale_of_history():
    history = [1, 2, 3, 5, 7, 9]  # season 2: |3-1|, |5-2|, |7-3|, |9-5| -> mean 3.25
    assert metrics.mase([10, 12], [11, 10], history, 2) == pytest.approx(1.5 / 3.25)


def test_coverage_counts_bounds_as_covered():
    assert metrics.coverage([1, 2, 3, 4], [1, 0, 0, 5], [2, 2, 2, 6]) == 0.5


def test_mean_width_and_interval_score():
    assert metrics.mean_width([0, 1], [2, 5]) == 3.0
    # Inside: width 2. Below by 1 at 95%: 2 + 2/0.05 * 1 = 42.
    assert metrics.interval_score([1, -1], [0, 0], [2, 2], 95) == pytest.approx(22.0)


def test_msis_scales_interval_score():
    history = [0, 2, 0, 2]  # season 1 scale: 2
    assert metrics.msis([1], [0], [2], history, 1) == pytest.approx(1.0)


def test_crps_gaussian_known_value():
    # At the mean with std 1: 2 * pdf(0) - 1 / sqrt(pi) = 0.2337.
    assert metrics.crps_gaussian([0.0], [0.0], [1.0]) == pytest.approx(
        0.233695, abs=1e-6
    )


def test_crps_gaussian_of_a_point_forecast_is_the_absolute_error():
    assert metrics.crps_gaussian([3.0, 1.0], [1.0, 1.0], [0.0, 0.0]) == 1.0
    with pytest.raises(ValueError, match="non-negative"):
        metrics.crps_gaussian([0.0], [0.0], [-1.0])


def test_crps_samples_matches_gaussian():
    rng = np.random.default_rng(0)
    samples = rng.standard_normal((20000, 1))
    # 20,000 draws: Monte Carlo error of the estimate is about 0.003.
    assert metrics.crps_samples(np.zeros(1), samples) == pytest.approx(0.2337, abs=0.01)


def test_crps_samples_of_a_point_is_absolute_error():
    assert metrics.crps_samples(np.array([3.0]), np.full((5, 1), 1.0)) == 2.0


def test_pinball():
    # q=0.9: under-forecast by 2 costs 1.8, over-forecast by 2 costs 0.2.
    assert metrics.pinball([2, 0], [0, 2], 0.9) == pytest.approx(1.0)


def test_calibration_table_of_exact_gaussians():
    rng = np.random.default_rng(1)
    actual = rng.standard_normal(50000)
    table = metrics.calibration_table(actual, np.zeros(50000), np.ones(50000), [50, 90])
    # 50,000 points: coverage standard error below 0.25 points.
    assert table[0][1] == pytest.approx(50, abs=1) and table[1][1] == pytest.approx(
        90, abs=1
    )


def test_mismatched_sizes_are_refused():
    with pytest.raises(ValueError, match="same size"):
        metrics.smape([1, 2], [1])
