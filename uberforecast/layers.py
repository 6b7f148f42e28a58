"""Keras layers that keep MC dropout on at inference."""

from __future__ import annotations

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="uberforecast")
class MCDropout(keras.layers.Layer):
    """Dropout that stays active at inference while its `mc` flag is set.

    Keras' own `Dropout` follows the `training` argument, which
    `Model.predict()` forces to `False`; MC dropout needs the opposite. This
    layer drops units whenever `mc=True` or `training=True`, so a model built
    from it samples on every call, `predict()` included. Build a copy with
    `mc=False` (see `uberforecast.networks.deterministic_copy`) for the
    deterministic network.

    Parameters
    ----------
    rate
        Fraction of units to drop, in ``[0, 1)``.
    noise_shape
        Shape of the binary mask, broadcast over the input; ``None`` entries
        take the input's size. ``(None, 1, units)`` on a sequence draws one mask
        per sequence, shared by all its steps. Default: ``None``.
    seed
        Seed of the layer's generator. The sampler re-seeds every layer before
        each call, so this only matters for direct calls. Default: ``None``.
    mc
        Drop units at inference too. Default: ``True``.
    """

    def __init__(self, rate, noise_shape=None, seed=None, mc=True, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(
                "Invalid value for argument `rate`: expected a float in [0, 1), "
                f"received {rate}."
            )
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.mc = bool(mc)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if self.rate > 0 and (self.mc or training):
            return keras.random.dropout(
                inputs,
                self.rate,
                noise_shape=self.noise_shape,
                seed=self.seed_generator,
            )
        return inputs

    def reseed(self, state):
        """Set the generator's state, a pair of non-negative integers."""
        state = np.asarray(state, dtype=np.int64).reshape(2)
        self.seed_generator.state.assign(state.astype(self.seed_generator.state.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rate": self.rate,
                "noise_shape": self.noise_shape,
                "seed": self.seed,
                "mc": self.mc,
            }
        )
        return config


def mc_dropout_layers(model):
    """All `MCDropout` layers of `model`, nested models included, in order."""
    found = []
    for layer in model.layers:
        if isinstance(layer, MCDropout):
            found.append(layer)
        elif isinstance(layer, keras.Model):
            found.extend(mc_dropout_layers(layer))
    return found


def reseed_model(model, seed):
    """Give every `MCDropout` layer of `model` a state derived from `seed`.

    Each layer gets its own stream from `numpy.random.SeedSequence`, so the
    same seed gives the same masks on every call sequence, and layers never
    share masks.
    """
    layers = mc_dropout_layers(model)
    children = np.random.SeedSequence(seed).spawn(len(layers))
    for layer, child in zip(layers, children, strict=True):
        # The generator adds 1 to the second word per draw: leave it room.
        first, second = child.generate_state(2).astype(np.int64)
        layer.reseed((first >> 1, second >> 8))
