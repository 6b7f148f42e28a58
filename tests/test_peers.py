"""Peer models on a series with a known answer: a weekly cycle plus N(0, 1)."""

import keras
import numpy as np
import pytest
from conftest import TINY, weekly_series

from uberforecast.metrics import coverage, smape
from uberforecast.networks import build_encoder
from uberforecast.peers import BoostingForecaster, EndToEndLSTM, ETSForecaster


@pytest.fixture(scope="module")
def series():
    """1,100 days: 500 training, 300 validation, 300 test."""
    return weekly_series(1100, noise=1.0, seed=3)


def _covered(frame, level):
    return coverage(frame["actual"], frame[f"lower_{level}"], frame[f"upper_{level}"])


def test_gaussian_boosting_learns_the_cycle_and_covers(series):
    """The best forecast is the cycle, whose errors are the N(0, 1) noise:
    mean absolute error sqrt(2 / pi) = 0.80; boosting on 300 test days gets
    within 25% of it. Its intervals use the validation residuals' spread,
    so they cover the Gaussian noise: coverage of 300 points has a standard
    error of 0.013 at 95% and 0.023 at 80%; the bands are three of them.
    The CRPS of the true N(cycle, 1) is 0.57."""
    model = BoostingForecaster("y", ("x",), lookback=14, intervals="gaussian")
    frame = model.fit(series.iloc[:800], 300).predict(series, series.index[800])
    assert len(frame) == 300
    assert np.mean(np.abs(frame["actual"] - frame["mean"])) < 1.0
    assert 0.91 <= _covered(frame, 95) <= 0.99
    assert 0.73 <= _covered(frame, 80) <= 0.87
    assert 0.55 < model.crps(frame) < 0.75


def test_quantile_boosting_orders_its_quantiles(series):
    """Quantile models fitted on 500 rows overfit their tails, so their
    intervals under-cover (the evaluation reports by how much); what must hold
    is an accurate median and nested, ordered bounds."""
    model = BoostingForecaster("y", ("x",), lookback=14, max_iter=200)
    frame = model.fit(series.iloc[:800], 300).predict(series, series.index[800])
    assert np.mean(np.abs(frame["actual"] - frame["mean"])) < 1.0
    quantiles = frame.filter(like="quantile_").to_numpy()
    assert (np.diff(quantiles, axis=1) >= 0).all()
    assert 0.5 < _covered(frame, 80) < _covered(frame, 95)
    assert 0.55 < model.crps(frame) < 0.8


def test_boosting_multi_step_and_interval_order(series):
    model = BoostingForecaster("y", (), lookback=14, horizon=3, max_iter=50)
    frame = model.fit(series.iloc[:800], 300).predict(series, series.index[800])
    assert len(frame) == 3 * 298 and set(frame["step"]) == {1, 2, 3}
    assert (frame["lower_95"] <= frame["lower_80"]).all()
    assert (frame["lower_80"] <= frame["upper_80"]).all()
    assert (frame["upper_80"] <= frame["upper_95"]).all()


def test_boosting_refuses_bad_intervals(series):
    with pytest.raises(ValueError, match="argument `intervals`"):
        BoostingForecaster("y", intervals="conformal").fit(series, 300)


def test_ets_forecasts_the_cycle(series):
    """ETS with a weekly season recovers the cycle: sMAPE near that of the
    noise alone (about 8 on a level of 10), and its Gaussian intervals cover
    the Gaussian noise (bands as for boosting)."""
    pytest.importorskip("statsmodels")
    model = ETSForecaster("y", season=7)
    frame = model.fit(series.iloc[:800], 300).predict(series, series.index[800])
    assert len(frame) == 300
    assert smape(frame["actual"], frame["mean"]) < 10
    assert 0.90 <= _covered(frame, 95) <= 0.99
    horizon = ETSForecaster("y", season=7, horizon=2)
    steps = horizon.fit(series.iloc[:800], 300).predict(series, series.index[1090])
    assert len(steps) == 2 * 9


def test_end_to_end_lstm_trains_its_encoder(series):
    """Unlike the two-stage model, the encoder learns in stage two: its
    weights move away from their initial values (`fit` seeds Keras, then
    builds the encoder first, so the same seed rebuilds them)."""
    model = EndToEndLSTM("y", ("x",), **TINY).fit(series.iloc[:400])
    keras.utils.set_random_seed(model.seed)
    initial = build_encoder(
        model.lookback, model.encoder_units, model.dropout, model.encoder_dropout_at
    )
    assert model.encoder_.trainable and model.history_["encoder"] == {}
    assert len(model.history_["network"]["loss"]) == TINY["network_epochs"]
    for before, after in zip(
        initial.get_weights(), model.encoder_.get_weights(), strict=True
    ):
        assert not np.array_equal(before, after)
    forecast = model.predict(series.iloc[:500], start=series.index[400])
    assert forecast.frame["std"].gt(0).all()
