import keras
import numpy as np
import pytest

from uberforecast.layers import MCDropout, mc_dropout_layers, reseed_model


def _model(rate, mc=True):
    inputs = keras.Input((64,))
    return keras.Model(inputs, MCDropout(rate, mc=mc, name="drop")(inputs))


def test_dropout_stays_on_under_predict():
    model = _model(0.5)
    x = np.ones((4, 64), "float32")
    first, second = model.predict(x, verbose=0), model.predict(x, verbose=0)
    assert (first == 0).any() and not np.array_equal(first, second)


def test_dropout_off_when_flag_off():
    model = _model(0.5, mc=False)
    x = np.ones((4, 64), "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    # Training still drops, like Keras' own Dropout.
    assert (keras.ops.convert_to_numpy(model(x, training=True)) == 0).any()


def test_rates_change_how_much_is_dropped():
    x = np.ones((200, 64), "float32")
    low = (_model(0.1).predict(x, verbose=0) == 0).mean()
    high = (_model(0.6).predict(x, verbose=0) == 0).mean()
    # 12,800 draws each: the shares sit within 0.02 of 0.1 and 0.6.
    assert abs(low - 0.1) < 0.02 and abs(high - 0.6) < 0.02


def test_get_config_round_trips():
    layer = MCDropout(0.3, noise_shape=(None, 1, 5), seed=7, mc=False, name="d")
    clone = MCDropout.from_config(layer.get_config())
    assert (clone.rate, clone.noise_shape, clone.seed, clone.mc) == (
        0.3,
        (None, 1, 5),
        7,
        False,
    )


def test_saved_model_keeps_layer_settings(tmp_path):
    inputs = keras.Input((3, 5))
    layer = MCDropout(0.25, noise_shape=(None, 1, 5), mc=True, name="d")
    keras.Model(inputs, layer(inputs)).save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras").get_layer("d")
    assert isinstance(loaded, MCDropout)
    assert (loaded.rate, loaded.noise_shape, loaded.mc) == (0.25, (None, 1, 5), True)


def test_one_mask_per_sequence():
    inputs = keras.Input((6, 32))
    model = keras.Model(inputs, MCDropout(0.5, noise_shape=(None, 1, 32))(inputs))
    out = model.predict(np.ones((8, 6, 32), "float32"), verbose=0)
    # Every step of a sequence shares its mask.
    assert (out == out[:, :1, :]).all()


def test_reseed_makes_masks_repeat():
    model = _model(0.5)
    x = np.ones((4, 64), "float32")
    reseed_model(model, 3)
    first = keras.ops.convert_to_numpy(model(x))
    reseed_model(model, 3)
    again = keras.ops.convert_to_numpy(model(x))
    reseed_model(model, 4)
    other = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert len(mc_dropout_layers(model)) == 1


def test_rate_outside_range_is_refused():
    with pytest.raises(ValueError, match="`rate`"):
        MCDropout(1.0)
