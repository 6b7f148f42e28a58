"""The global model: pooled training, per-series scaling and noise, keyed output."""

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, weekly_series

from uberforecast import (
    GlobalForecaster,
    PanelForecast,
    TwoStageForecaster,
    check_panel,
    panel_from_long,
    panel_from_wide,
)
from uberforecast.metrics import smape
from uberforecast.panel_inputs import fit_series_scalers, series_noise_variance
from uberforecast.sampling import TwoStageSampler
from uberforecast.windows import TargetScaler

# Fitted on the first 240 days; TINY validates on the last 60 of them.
FIT_DAYS = 240


@pytest.fixture(scope="module")
def panel():
    """Three related daily series: b is a thousand times larger, c shifted."""
    return {
        "a": weekly_series(300, seed=0),
        "b": weekly_series(300, seed=1) * 1000,
        "c": weekly_series(300, seed=2) + 5,
    }


def _fitting(panel, days=FIT_DAYS):
    return {sid: frame.iloc[:days] for sid, frame in panel.items()}


def _starts(panel, days=FIT_DAYS):
    return {sid: frame.index[days] for sid, frame in panel.items()}


@pytest.fixture(scope="module")
def auto(panel):
    """Series input chosen by validation; the encoder's weights are recorded
    before each candidate's stage two."""
    before = []
    original = TwoStageForecaster._fit_stage_two

    def spy(self, train, validation):
        before.append([w.copy() for w in self.encoder_.get_weights()])
        original(self, train, validation)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TwoStageForecaster, "_fit_stage_two", spy)
        model = GlobalForecaster("y", ("x",), **TINY).fit(_fitting(panel))
    return model, before


@pytest.fixture(scope="module")
def embedded(panel):
    """A learned series embedding; more noise windows asked than there are
    (60 per series), so every series takes the pooled noise."""
    return GlobalForecaster(
        "y", ("x",), series_input="embedding", min_noise_windows=61, **TINY
    ).fit(_fitting(panel))


def test_frozen_encoder_is_bit_identical_through_every_candidate(auto):
    model, before = auto
    # One stage two per candidate series input, all on one frozen encoder.
    assert len(before) == 3
    after = model.encoder_.get_weights()
    assert len(after) > 0
    for weights in before:
        for old, new in zip(weights, after, strict=True):
            assert old.tobytes() == new.tobytes()
    assert model.network_.get_layer("encoder") is model.encoder_


def test_series_input_is_chosen_by_validation_and_recorded(auto):
    model, _ = auto
    losses = model.series_input_losses_
    assert set(losses) == {"none", "onehot", "embedding"}
    assert model.series_input_ == min(losses, key=losses.get)
    assert ("series" in model.network_.input) == (model.series_input_ != "none")
    assert len(model.history_["network"]["val_loss"]) == TINY["network_epochs"]


def test_a_single_series_gets_no_series_input(panel):
    model = GlobalForecaster("y", ("x",), **TINY).fit({"a": panel["a"].iloc[:200]})
    assert model.series_input_ == "none" and list(model.series_input_losses_) == [
        "none"
    ]


def test_embedding_input_is_a_learned_keras_embedding(embedded):
    layer = embedded.network_.get_layer("series_identity")
    assert type(layer).__name__ == "Embedding"
    assert layer.get_weights()[0].shape == (3, 4)


def test_predict_forecasts_every_series_in_one_sampler_call(auto, panel, monkeypatch):
    model, _ = auto
    calls = []
    original = TwoStageSampler.sample

    def count(self, inputs, *args, **kwargs):
        calls.append(len(inputs["window"]))
        return original(self, inputs, *args, **kwargs)

    monkeypatch.setattr(TwoStageSampler, "sample", count)
    forecast = model.predict(panel, start=_starts(panel))
    # One call for the 60 test days of each of the three series.
    assert calls == [3 * 60]
    assert isinstance(forecast, PanelForecast) and forecast.series == ["a", "b", "c"]
    frame = forecast.frame
    assert list(frame.columns[:3]) == ["series", "origin", "step"]
    for sid in panel:
        own = forecast[sid].frame
        assert len(own) == 60 and own.index[0] == panel[sid].index[FIT_DAYS]
        pd.testing.assert_frame_equal(
            frame[frame["series"] == sid].drop(columns="series"), own
        )
        np.testing.assert_array_equal(own["actual"], panel[sid]["y"].iloc[FIT_DAYS:])
    with pytest.raises(KeyError, match="No forecast for series 'z'"):
        forecast["z"]


def test_one_start_for_all_series_and_a_subset(auto, panel):
    model, _ = auto
    start = panel["a"].index[280]
    forecast = model.predict({"c": panel["c"], "a": panel["a"]}, start=start)
    assert forecast.series == ["c", "a"]
    assert all(len(forecast[sid].frame) == 20 for sid in ("a", "c"))
    # Starts per series as a dict or a pandas Series give the same forecast.
    by_dict = model.predict(panel, start=_starts(panel)).frame
    by_series = model.predict(panel, start=pd.Series(_starts(panel))).frame
    pd.testing.assert_frame_equal(by_dict, by_series)
    with pytest.raises(ValueError, match=r"fitted on, received \['d'\]"):
        model.predict({"d": panel["a"]})
    with pytest.raises(ValueError, match=r"argument `start`.*none for \['c'\]"):
        model.predict(panel, start={"a": start, "b": start})


def test_same_seed_same_samples(auto, panel):
    model, _ = auto
    starts = _starts(panel)
    first = model.predict(panel, start=starts, seed=3)["b"].samples
    again = model.predict(panel, start=starts, seed=3)["b"].samples
    other = model.predict(panel, start=starts, seed=4)["b"].samples
    assert first.tobytes() == again.tobytes()
    assert not np.array_equal(first, other)


def test_save_and_load_give_identical_forecasts(embedded, panel, tmp_path):
    embedded.save(tmp_path / "model")
    loaded = GlobalForecaster.load(tmp_path / "model")
    starts = _starts(panel)
    pd.testing.assert_frame_equal(
        embedded.predict(panel, start=starts, seed=2).frame,
        loaded.predict(panel, start=starts, seed=2).frame,
    )
    assert loaded.get_params() == embedded.get_params()
    assert loaded.series_ == embedded.series_
    assert loaded.noise_source_ == embedded.noise_source_
    for sid in embedded.series_:
        assert loaded.target_scalers_[sid].get_state() == (
            embedded.target_scalers_[sid].get_state()
        )
    with pytest.raises(ValueError, match="holds a GlobalForecaster; load it with"):
        TwoStageForecaster.load(tmp_path / "model")


def test_get_params_rebuild_the_estimator(embedded):
    params = embedded.get_params()
    assert params["series_input"] == "embedding" and params["lookback"] == 14
    assert GlobalForecaster(**params).get_params() == params


def test_invalid_arguments_are_refused_at_fit(panel):
    # The constructor only stores them.
    bad = GlobalForecaster("y", series_input="city", **TINY)
    with pytest.raises(ValueError, match="argument `series_input`: expected one of"):
        bad.fit(panel)
    for name, value in (("min_noise_windows", 0), ("noise_shrinkage", -1.0)):
        with pytest.raises(ValueError, match=f"argument `{name}`"):
            GlobalForecaster("y", **{name: value}, **TINY).fit(panel)
    with pytest.raises(RuntimeError, match="GlobalForecaster is not fitted"):
        GlobalForecaster("y").predict(panel)
    with pytest.raises(TypeError, match="argument `panel`: expected a mapping"):
        GlobalForecaster("y", **TINY).fit(panel["a"])


def test_a_short_series_is_named_before_any_fit(panel):
    short = {"a": panel["a"], "tiny": panel["c"].iloc[:50]}
    with pytest.raises(ValueError, match="Series 'tiny': The series is too short"):
        GlobalForecaster("y", ("x",), **TINY).fit(short)


def test_target_scalers_are_fitted_on_each_series_training_period_only(panel):
    model = GlobalForecaster("y", ("x",), transform="none")
    checked = check_panel(panel, "y", ["x"])
    sizes = {"a": 100, "b": 150, "c": 200}
    fit_series_scalers(model, checked, sizes)
    for sid, size in sizes.items():
        expected = TargetScaler("none").fit(panel[sid]["y"].iloc[:size]).get_state()
        assert model.target_scalers_[sid].get_state() == expected
    # The large series has its own scale, a thousand times the small one's.
    ratio = model.target_scalers_["b"].scale_ / model.target_scalers_["a"].scale_
    assert 500 < ratio < 2000
    # Feature scales pool the three training periods.
    pooled = np.concatenate([panel[s]["x"].iloc[:n] for s, n in sizes.items()])
    np.testing.assert_allclose(model.feature_mean_, [pooled.mean()])
    # Values after the training periods change nothing.
    changed = {sid: frame.copy() for sid, frame in checked.items()}
    for sid, size in sizes.items():
        changed[sid].iloc[size:, 0] *= 50
    fit_series_scalers(model, changed, sizes)
    for sid, size in sizes.items():
        expected = TargetScaler("none").fit(panel[sid]["y"].iloc[:size]).get_state()
        assert model.target_scalers_[sid].get_state() == expected


def _cycle_model(**arguments):
    """A small model that learns a weekly cycle from the calendar: no lags
    (the noise has no autocorrelation), enough stage-two epochs."""
    defaults = dict(
        lookback=14,
        transform="none",
        recent_steps=0,
        encoder_units=(8, 4),
        decoder_units=4,
        hidden_units=(16, 8),
        encoder_epochs=2,
        network_epochs=40,
        patience=5,
        learning_rate=3e-3,
        batch_size=64,
        num_samples=10,
        seed=0,
    )
    return GlobalForecaster("y", **{**defaults, **arguments})


def test_a_series_a_thousand_times_larger_trains_beside_a_small_one():
    """Scaled per series, the two are the same problem and are forecast about
    equally well. sMAPE bounds: the noise alone gives about 8 (E|N(0, 1)| =
    0.8 around a level of 10), a forecast of the mean about 21 (the cycle's
    mean absolute deviation 1.9 plus the noise); 12 is well inside. Pooled
    scaling would leave the small series at 1/1000 of the targets' spread and
    its sMAPE near that of the mean forecast."""
    small = weekly_series(500, noise=1.0, seed=5)[["y"]]
    panel = {"small": small, "big": weekly_series(500, noise=1.0, seed=6)[["y"]] * 1000}
    model = _cycle_model(validation_size=100, series_input="none")
    model.fit({sid: frame.iloc[:400] for sid, frame in panel.items()})
    forecast = model.predict(
        panel, start={sid: f.index[400] for sid, f in panel.items()}
    )
    scores = {
        sid: smape(forecast[sid].frame["actual"], forecast[sid].frame["mean"])
        for sid in panel
    }
    assert max(scores.values()) < 12, scores
    # 100 test days each: sMAPE's sampling error is about 0.6 here.
    assert abs(scores["big"] - scores["small"]) < 3, scores


def test_noise_is_measured_per_series():
    """Noise sd 1 and 5 on the same weekly cycle. Each estimate rests on 300
    validation residuals: the relative standard error of a standard
    deviation from n Gaussian values is 1 / sqrt(2 n) = 4%, so 3 standard
    errors are 12%; the network's own error can only add to the residuals,
    by at most 10% in measured runs of this small model. Hence [0.88, 1.25]
    times the true sd."""
    panel = {
        "calm": weekly_series(700, noise=1.0, seed=3)[["y"]],
        "noisy": weekly_series(700, noise=5.0, seed=4)[["y"]],
    }
    model = _cycle_model(validation_size=300, series_input="onehot").fit(panel)
    sd = {
        sid: float(np.sqrt(model.noise_variance_[sid][0]))
        * model.target_scalers_[sid].scale_
        for sid in panel
    }
    assert sd["noisy"] > 3 * sd["calm"], sd
    for sid, true in (("calm", 1.0), ("noisy", 5.0)):
        assert 0.88 * true <= sd[sid] <= 1.25 * true, sd
    assert model.noise_source_ == {"calm": "series", "noisy": "series"}
    assert model.noise_windows_ == {"calm": 300, "noisy": 300}


def test_noise_rule_with_a_pooled_fallback_and_shrinkage():
    # Series 0: 4 windows of residual 1; series 1: 2 windows of 3; series 2: 1
    # window of 0. Pooled mean square: (4 * 1 + 2 * 9 + 0) / 7 = 22 / 7.
    residuals = np.array([1, 1, 1, 1, 3, 3, 0], dtype=float)[:, None] * [1, 2]
    codes = np.array([0, 0, 0, 0, 1, 1, 2])
    noise = series_noise_variance(residuals, codes, 3, min_windows=2)
    pooled = np.array([22 / 7, 4 * 22 / 7])
    np.testing.assert_allclose(noise["pooled"], pooled)
    np.testing.assert_allclose(noise["variance"][0], [1, 4])
    np.testing.assert_allclose(noise["variance"][1], [9, 36])
    # Too few windows: the pooled value.
    np.testing.assert_allclose(noise["variance"][2], pooled)
    assert noise["source"] == ["series", "series", "pooled"]
    np.testing.assert_array_equal(noise["windows"], [4, 2, 1])
    # Shrinkage by k = 2 pseudo-windows: (n * own + k * pooled) / (n + k).
    shrunk = series_noise_variance(residuals, codes, 3, min_windows=2, shrinkage=2)
    np.testing.assert_allclose(
        shrunk["variance"][0], (4 * np.array([1, 4]) + 2 * pooled) / 6
    )


def test_too_few_validation_windows_everywhere_takes_the_pooled_noise(embedded):
    assert set(embedded.noise_source_.values()) == {"pooled"}
    assert embedded.noise_windows_ == {"a": 60, "b": 60, "c": 60}
    for variance in embedded.noise_variance_.values():
        np.testing.assert_array_equal(variance, embedded.pooled_noise_variance_)


def test_own_noise_with_enough_validation_windows(auto):
    model, _ = auto
    assert set(model.noise_source_.values()) == {"series"}
    values = [float(v[0]) for v in model.noise_variance_.values()]
    assert len(set(values)) == 3


def test_conformal_intervals_pool_the_series_scores(auto, panel):
    model, _ = auto
    assert model.conformal_scores_.shape == (3 * 60, 1)
    gaussian = model.predict(panel, start=_starts(panel))["a"].frame
    conformal = model.predict(panel, start=_starts(panel), calibration="conformal")
    width = conformal["a"].frame["upper_95"] - conformal["a"].frame["lower_95"]
    assert not np.allclose(width, gaussian["upper_95"] - gaussian["lower_95"])


def test_embed_uses_the_series_own_scaler(auto):
    model, _ = auto
    window = 10.0 + np.sin(np.arange(14))[None]
    assert model.embed(window, "a").shape == (1, 4)
    # Standardised windows (the default) forget any affine scaler: the same raw
    # values embed alike under a's and b's.
    assert model.window_normalisation == "standardise"
    np.testing.assert_allclose(
        model.embed(window, "a"), model.embed(window, "b"), atol=1e-5
    )
    # With the window mean alone taken off, the spread on each series' own
    # scale reaches the encoder, so the two scalers give two embeddings.
    by_mean = copy.copy(model)
    by_mean.window_normalisation = "mean"
    assert not np.allclose(by_mean.embed(window, "a"), by_mean.embed(window, "b"))


def test_long_and_wide_input_give_the_same_forecasts(panel):
    wide = pd.DataFrame({sid: panel[sid]["y"] for sid in ("a", "c")})
    wide["x"] = panel["a"]["x"]
    long = pd.concat(
        [
            pd.DataFrame(
                {"id": sid, "date": wide.index, "y": wide[sid], "x": wide["x"]}
            )
            for sid in ("a", "c")
        ]
    )
    panels = [
        panel_from_wide(wide, ["a", "c"], "y", ["x"]),
        panel_from_long(long, "id", "date", "y", ["x"]),
    ]
    frames = []
    for each in panels:
        model = GlobalForecaster("y", ("x",), series_input="onehot", **TINY)
        model.fit({sid: frame.iloc[:FIT_DAYS] for sid, frame in each.items()})
        frames.append(model.predict(each, start=wide.index[FIT_DAYS]).frame)
    pd.testing.assert_frame_equal(frames[0], frames[1])
