import numpy as np
import pytest
from conftest import TINY, weekly_series

from uberforecast import TwoStageForecaster
from uberforecast.metrics import coverage
from uberforecast.uncertainty import (
    conformal_multipliers,
    conformal_scores,
    decompose,
)
from uberforecast.windows import window_scales


def test_conformal_multiplier_is_the_ranked_score():
    # n = 9 scores: level 80 takes rank ceil(10 * 0.8) = 8, level 50 rank 5.
    scores = np.arange(1, 10, dtype=float)[:, None]
    multipliers = conformal_multipliers(scores[::-1], (50, 80))
    assert multipliers[50].tolist() == [5.0]
    assert multipliers[80].tolist() == [8.0]


def test_conformal_needs_enough_scores():
    # Level 95 needs n / (n + 1) >= 0.95, i.e. 19 scores.
    conformal_multipliers(np.ones((19, 1)), (95,))
    with pytest.raises(ValueError, match="at least 19 validation windows"):
        conformal_multipliers(np.ones((18, 1)), (95,))


def test_conformal_scores_divide_by_the_total_std():
    # Samples -1 and 1: mean 0, sample variance 2; noise 2; std 2.
    samples = np.array([[[-1.0]], [[1.0]]])
    scores = conformal_scores(samples, np.array([2.0]), np.array([[3.0]]))
    assert scores.tolist() == [[1.5]]


def test_conformal_corrects_heavy_tailed_residuals():
    """Student-t noise with 2.5 degrees of freedom and its true variance:
    Gaussian 95% intervals over-cover and 99% ones under-cover; conformal
    multipliers from 2,000 calibration residuals cover 95% of 20,000 new ones.
    Coverage standard errors: calibration sqrt(.95 * .05 / 2000) = 0.005,
    test 0.0015; the band [0.94, 0.96] is 1.9 of them combined."""
    rng = np.random.default_rng(0)
    df = 2.5
    std = np.sqrt(df / (df - 2))
    calibration = np.abs(rng.standard_t(df, (2000, 1))) / std
    test = rng.standard_t(df, 20000)
    multipliers = conformal_multipliers(calibration, (95, 99))

    def covered(multiplier):
        bound = np.full_like(test, multiplier * std)
        return coverage(test, -bound, bound)

    assert covered(1.96) > 0.96 and covered(2.576) < 0.985
    for level in (95, 99):
        assert abs(covered(multipliers[level][0]) - level / 100) < 0.01


@pytest.fixture(scope="module")
def heavy_tailed():
    """A weekly cycle plus Student-t noise (3 degrees of freedom), 2,800 days:
    1,000 validation and 1,000 test days after 800 training days."""
    frame = weekly_series(2800, noise=0.0, seed=1)
    rng = np.random.default_rng(1)
    frame["y"] += rng.standard_t(3, len(frame))
    config = dict(TINY, validation_size=1000, num_samples=20, transform="none")
    # No features: the random-walk feature of `weekly_series` drifts out of its
    # training range, which would make later residuals larger than earlier ones.
    model = TwoStageForecaster("y", (), **config).fit(frame.iloc[:1800])
    return model, frame


def _window_spreads(model, frame, forecast):
    """Each forecast window's spread on the network's scale, shape ``(W,)``:
    `predict` multiplies the network's standard deviations by it."""
    values = model.target_scaler_.forward(frame[model.target].to_numpy())
    first_steps = forecast.frame.index[forecast.frame["step"] == 1]
    ends = frame.index.get_indexer(first_steps)
    windows = np.stack([values[end - model.lookback : end] for end in ends])
    return window_scales(windows, model.window_normalisation)


def test_conformal_forecast_covers_heavy_tailed_noise(heavy_tailed):
    """Normalised residuals of the validation and test years are exchangeable
    here (the same stationary noise), so split-conformal coverage is near
    nominal. Standard errors of the 95% coverage: sqrt(.95 * .05 / 1000) =
    0.007 from each of the two 1,000-day periods, 0.01 together; [0.93, 0.97]
    is two of them."""
    model, frame = heavy_tailed
    forecast = model.predict(
        frame, start=frame.index[1800], levels=(80, 95), calibration="conformal"
    )
    actual = forecast.frame["actual"]
    covered = coverage(actual, forecast.frame["lower_95"], forecast.frame["upper_95"])
    assert 0.93 <= covered <= 0.97
    covered_80 = coverage(
        actual, forecast.frame["lower_80"], forecast.frame["upper_80"]
    )
    assert 0.76 <= covered_80 <= 0.84


def test_ablation_variants_order_the_spread(heavy_tailed):
    model, frame = heavy_tailed
    start = frame.index[1800]
    full = model.predict(frame, start=start)
    no_noise = model.predict(frame, start=start, noise=False)
    alone = model.predict(frame, start=start, noise=False, encoder_dropout=False)
    assert (no_noise.frame["std"] < full.frame["std"]).all()
    # Without noise the std is that of the samples alone, times each window's
    # spread, in the series' units.
    scale = model.target_scaler_.scale_
    spreads = _window_spreads(model, frame, no_noise)
    np.testing.assert_allclose(
        no_noise.frame["std"] ** 2,
        no_noise.model_variance.ravel() * (scale * spreads) ** 2,
        rtol=1e-5,
    )
    # That encoder_dropout=False leaves only the MLP's masks random is checked
    # exactly in test_sampling; here, that it reaches the sampler.
    assert not np.array_equal(alone.samples, no_noise.samples)
    with pytest.raises(ValueError, match="calibrates the full model"):
        model.predict(frame, start=start, noise=False, calibration="conformal")
    with pytest.raises(ValueError, match="argument `calibration`"):
        model.predict(frame, start=start, calibration="isotonic")


def test_decomposition_sums_to_the_forecast_variance(heavy_tailed):
    model, frame = heavy_tailed
    start = frame.index[-100]
    parts = decompose(model, frame, start=start, seed=3)
    forecast = model.predict(frame, start=start, seed=3)
    assert list(parts.columns) == ["step", "mlp", "encoder", "noise", "total"]
    assert (parts[["mlp", "encoder", "noise"]] >= 0).all().all()
    np.testing.assert_allclose(
        parts["mlp"] + parts["encoder"] + parts["noise"], parts["total"]
    )
    clipped = parts["encoder"] == 0
    assert clipped.mean() < 0.9
    np.testing.assert_allclose(
        parts["total"][~clipped], forecast.frame["std"][~clipped] ** 2, rtol=1e-6
    )
    assert (parts["total"] >= forecast.frame["std"] ** 2 * (1 - 1e-6)).all()
    # No transform: the noise part is the noise variance times each window's
    # spread, in units squared.
    scale = model.target_scaler_.scale_
    spreads = _window_spreads(model, frame, forecast)
    np.testing.assert_allclose(
        parts["noise"], model.noise_variance_[0] * (scale * spreads) ** 2, rtol=1e-6
    )
