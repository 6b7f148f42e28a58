import numpy as np
import pandas as pd
import pytest
from conftest import TINY, weekly_series

from uberforecast import TwoStageForecaster


def test_frozen_encoder_is_bit_identical_after_stage_two(series, monkeypatch):
    from uberforecast import forecaster as module

    captured = {}
    original = module.TwoStageForecaster._fit_stage_two

    def spy(self, train, validation):
        captured["before"] = [w.copy() for w in self.encoder_.get_weights()]
        original(self, train, validation)

    monkeypatch.setattr(module.TwoStageForecaster, "_fit_stage_two", spy)
    model = TwoStageForecaster("y", ("x",), **TINY).fit(series.iloc[:340])
    after = model.encoder_.get_weights()
    assert len(after) == len(captured["before"]) > 0
    for old, new in zip(captured["before"], after, strict=True):
        assert old.tobytes() == new.tobytes()
    # The MLP did train.
    assert len(model.history_["network"]["loss"]) == TINY["network_epochs"]
    # Seconds per epoch are kept beside the losses.
    seconds = model.history_["encoder"]["seconds"]
    assert len(seconds) == TINY["encoder_epochs"] and min(seconds) > 0


def test_a_reused_encoder_skips_stage_one_and_keeps_its_weights(fitted, series):
    """`fit(..., encoder=)` copies a fitted encoder's weights bit for bit into
    a new, frozen encoder, and only stage two trains."""
    params = dict(TINY, dropout=0.2, hidden_units=(16,))
    model = TwoStageForecaster("y", ("x",), **params)
    model.fit(series.iloc[:340], encoder=fitted.encoder_)
    assert model.encoder_ is not fitted.encoder_
    assert model.timings_["stage_one"] == 0.0 and model.history_["encoder"] == {}
    for old, new in zip(
        fitted.encoder_.get_weights(), model.encoder_.get_weights(), strict=True
    ):
        assert old.tobytes() == new.tobytes()
    # This model's dropout rate, not the reused encoder's.
    rates = [layer.rate for layer in model.encoder_.layers if hasattr(layer, "rate")]
    assert rates and set(rates) == {0.2}
    assert len(model.history_["network"]["loss"]) == TINY["network_epochs"]


@pytest.mark.parametrize(
    "change", [{"encoder_units": (16, 4)}, {"lookback": 21}], ids=["units", "lookback"]
)
def test_an_encoder_of_another_shape_is_refused(fitted, series, change):
    model = TwoStageForecaster("y", ("x",), **dict(TINY, **change))
    with pytest.raises(ValueError, match="argument `encoder`"):
        model.fit(series.iloc[:340], encoder=fitted.encoder_)


def test_standardised_windows_embed_the_same_after_an_affine_change(series):
    """With ``standardise`` a window enters minus its mean over its spread, so
    3 * window + 5 (spread above the floor) has the same embedding, and the
    forecast of a window comes back on the window's own level and spread."""
    model = TwoStageForecaster(
        "y", ("x",), **dict(TINY, window_normalisation="standardise", transform="none")
    ).fit(series.iloc[:340])
    windows = series["y"].to_numpy()[None, :14] + np.zeros((2, 1))
    np.testing.assert_allclose(
        model.embed(windows), model.embed(3 * windows + 5), atol=1e-5
    )
    frame = model.predict(series, start=series.index[340]).frame
    inside = (frame["lower_95"] <= frame["mean"]) & (frame["mean"] <= frame["upper_95"])
    assert inside.all() and frame["mean"].between(4, 16).all()


def test_encoder_is_its_own_model_inside_the_network(fitted):
    assert fitted.network_.get_layer("encoder") is fitted.encoder_
    assert fitted.encoder_.output.shape == (None, 4)
    embeddings = fitted.embed(np.ones((3, 14)) * 10)
    assert embeddings.shape == (3, 4)


@pytest.mark.parametrize(
    "windows, match",
    [
        (np.ones((1, 10)), r"shape \(B, 14\).*received shape \(1, 10\)"),
        (np.ones(14), r"received shape \(14,\)"),
        (np.full((1, 14), np.nan), "14 NaN or infinite"),
        ([["a"] * 14], "numbers in an array"),
    ],
)
def test_embed_names_a_bad_window(fitted, windows, match):
    with pytest.raises(ValueError, match=match):
        fitted.embed(windows)


def test_samples_differ_through_predict(fitted, series):
    forecast = fitted.predict(series, start=series.index[340])
    assert forecast.samples.shape == (10, 60, 1)
    assert (forecast.model_variance > 0).all()
    assert (forecast.frame["upper_95"] > forecast.frame["upper_80"]).all()
    assert (forecast.frame["lower_80"] > forecast.frame["lower_95"]).all()


def test_same_seed_same_samples_other_seed_other_samples(fitted, series):
    start = series.index[340]
    first = fitted.predict(series, start=start, seed=5).samples
    again = fitted.predict(series, start=start, seed=5).samples
    other = fitted.predict(series, start=start, seed=6).samples
    assert first.tobytes() == again.tobytes()
    assert not np.array_equal(first, other)


def test_nested_sampling_repeats_with_the_seed(fitted, series):
    start = series.index[340]
    first = fitted.predict(series, start=start, seed=5, encoder_samples=5).samples
    again = fitted.predict(series, start=start, seed=5, encoder_samples=5).samples
    full = fitted.predict(series, start=start, seed=5).samples
    assert first.tobytes() == again.tobytes()
    assert first.shape == full.shape == (10, 60, 1)
    assert not np.array_equal(first, full)
    with pytest.raises(ValueError, match="`encoder_samples`"):
        fitted.predict(series, start=start, encoder_samples=11)


def test_save_and_load_give_the_same_forecast(fitted, series, tmp_path):
    fitted.save(tmp_path / "model")
    loaded = TwoStageForecaster.load(tmp_path / "model")
    start = series.index[340]
    pd.testing.assert_frame_equal(
        fitted.predict(series, start=start).frame,
        loaded.predict(series, start=start).frame,
    )
    assert loaded.get_params() == fitted.get_params()


def test_forecast_columns_and_timestamps(fitted, series):
    frame = fitted.predict(series, start=series.index[350]).frame
    assert list(frame.columns) == [
        "origin",
        "step",
        "actual",
        "mean",
        "std",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    assert frame.index[0] == series.index[350]
    assert (frame.index - frame["origin"] == pd.Timedelta(days=1)).all()
    np.testing.assert_array_equal(frame["actual"], series["y"].iloc[350:])


def test_multi_step_horizon(series):
    params = {**TINY, "horizon": 3}
    model = TwoStageForecaster("y", ("x",), **params).fit(series.iloc[:340])
    frame = model.predict(series, start=series.index[340]).frame
    # 60 test steps give 58 origins of 3 steps each.
    assert len(frame) == 58 * 3 and set(frame["step"]) == {1, 2, 3}
    assert model.noise_variance_.shape == (3,)


def test_predict_before_fit_is_refused(series):
    with pytest.raises(RuntimeError, match="not fitted"):
        TwoStageForecaster("y").predict(series)


def test_coverage_on_gaussian_noise():
    """The 95% interval of a weekly cycle plus N(0, 1) noise covers about 95%.

    1,200 test points: coverage has a binomial standard error of
    sqrt(0.95 * 0.05 / 1200) = 0.0063, so [0.93, 0.97] is about +-3 standard
    errors. What else moves it: the noise variance is estimated from 1,000
    validation residuals (relative error of the std about 2%, 0.005 in
    coverage) and includes the model's own error, and MC dropout at rate 0.05
    adds a little width. The series has no autocorrelation, so the MLP is
    given no lags (they would only let it fit noise).
    """
    frame = weekly_series(num_days=4000, noise=1.0, seed=1)[["y"]]
    model = TwoStageForecaster(
        "y",
        lookback=14,
        validation_size=1000,
        transform="none",
        window_normalisation="none",
        recent_steps=0,
        encoder_units=(16, 8),
        decoder_units=8,
        hidden_units=(16, 8),
        dropout=0.05,
        encoder_epochs=5,
        network_epochs=80,
        patience=10,
        batch_size=64,
        learning_rate=3e-3,
        num_samples=50,
        seed=0,
    ).fit(frame.iloc[:2800])
    forecast = model.predict(frame, start=frame.index[2800]).frame
    covered = (forecast["actual"] >= forecast["lower_95"]) & (
        forecast["actual"] <= forecast["upper_95"]
    )
    assert len(forecast) == 1200
    assert 0.93 <= covered.mean() <= 0.97, covered.mean()
    # The model knows the noise: its std is within 10% of the true 1.0.
    assert forecast["std"].mean() == pytest.approx(1.0, rel=0.1)
