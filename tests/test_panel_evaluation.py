"""Scores over many series: per series, aggregated, and the comparison's helpers."""

import numpy as np
import pandas as pd
import pytest

from uberforecast.panel_comparison import naive_residual_size, sample_series
from uberforecast.panel_evaluation import aggregate_scores, score_series


def _frame(actual, mean, half_width):
    index = pd.date_range("2024-01-01", periods=len(actual), freq="D")
    actual, mean = np.asarray(actual, float), np.asarray(mean, float)
    return pd.DataFrame(
        {
            "actual": actual,
            "mean": mean,
            "std": np.full(len(actual), half_width / 2),
            "lower_95": mean - half_width,
            "upper_95": mean + half_width,
        },
        index=index,
    )


def test_coverage_is_pooled_over_points_with_its_spread_across_series():
    # a: 4 points, 3 inside; b: 2 points, none inside (b is 100 times larger).
    frames = {
        "a": _frame([10, 11, 12, 20], [10, 10, 10, 10], 2.5),
        "b": _frame([1500, 500], [1000, 1000], 100),
    }
    histories = {
        "a": pd.Series([10.0, 12, 10, 12, 10, 12]),
        "b": pd.Series([1000.0, 1200, 1000, 1200, 1000, 1200]),
    }
    per_series = score_series(frames, histories, (95,), season=1)
    np.testing.assert_allclose(per_series["coverage_95"], [0.75, 0.0])
    # MASE's scale: the mean absolute change of the history, 2 and 200.
    np.testing.assert_allclose(per_series["scale"], [2.0, 200.0])
    np.testing.assert_allclose(per_series["mase"], [3.25 / 2, 500 / 200])

    row = aggregate_scores(per_series, frames, (95,))
    assert row["series"] == 2
    # Pooled over the six points: 3 of 6, not the mean of 0.75 and 0.
    assert row["coverage_95"] == pytest.approx(0.5)
    assert (row["coverage_95_min"], row["coverage_95_max"]) == (0.0, 0.75)
    assert row["coverage_95_median"] == pytest.approx(0.375)
    assert row["smape"] == pytest.approx(per_series["smape"].mean())
    # Widths 5 and 200 over the scales 2 and 200: 2.5 and 1, mean 1.75.
    assert row["scaled_width_95"] == pytest.approx(1.75)


def test_a_history_without_seasonal_change_leaves_its_scaled_scores_undefined():
    frames = {"flat": _frame([5, 6], [5, 5], 1)}
    with pytest.warns(UserWarning, match="reported as None"):
        per_series = score_series(frames, {"flat": pd.Series([5.0] * 8)}, (95,), 1)
    assert per_series[["mase", "msis_95", "scale"]].isna().all(axis=None)


def test_sample_series_draws_a_stated_subset_in_panel_order():
    ids = [f"N{i}" for i in range(100)]
    chosen = sample_series(ids, 10, seed=0)
    assert len(chosen) == 10 and chosen == sorted(chosen, key=ids.index)
    assert chosen == sample_series(ids, 10, seed=0) != sample_series(ids, 10, seed=1)
    assert sample_series(ids, 0) == ids == sample_series(ids, 500)


def test_naive_residuals_from_the_fitting_period():
    # Season 12, horizon 18: lags of 24 months; 48 fitting months leave 24.
    assert naive_residual_size(48, 18, 12, 18, "fitting") == 24
    assert naive_residual_size(48, 18, 12, 18, "validation") == 18
    with pytest.raises(ValueError, match="argument `naive_residuals`"):
        naive_residual_size(48, 18, 12, 18, "all")
