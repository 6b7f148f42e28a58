"""Seeded MC-dropout sampling in large batches through one compiled function."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from uberforecast.layers import mc_dropout_layers, reseed_model

DEFAULT_CHUNK_ROWS = 16384


class MCSampler:
    """Draws MC-dropout samples of a model's output.

    The windows are tiled ``num_samples`` times and fed in chunks of
    `chunk_rows` rows through a single `tf.function`, traced once for any
    batch size. Before every call the dropout layers are re-seeded from
    `seed`, so the same seed gives the same samples whatever was called
    before.

    Parameters
    ----------
    model
        A Keras model with `MCDropout` layers and dict inputs.
    chunk_rows
        Rows per compiled call. Default: ``16384``.
    jit_compile
        Compile the function with XLA. Default: ``False``.
    """

    def __init__(self, model, chunk_rows=DEFAULT_CHUNK_ROWS, jit_compile=False):
        self.model = model
        self.chunk_rows = int(chunk_rows)
        signature = {
            name: tf.TensorSpec((None, *tensor.shape[1:]), tensor.dtype, name=name)
            for name, tensor in model.input.items()
        }
        self._call = tf.function(
            lambda inputs: model(inputs, training=False),
            input_signature=[signature],
            jit_compile=jit_compile,
        )
        self.has_dropout = any(layer.rate > 0 for layer in mc_dropout_layers(model))

    def sample(self, inputs, num_samples, seed):
        """Samples of the model's output for each window.

        Legend: B windows, S samples, H outputs.

        Parameters
        ----------
        inputs
            Dict of arrays keyed by the model's input names, each with B rows.
        num_samples
            Passes per window.
        seed
            Integer seed of the dropout masks.

        Returns
        -------
        numpy.ndarray
            Shape ``(S, B, H)``.
        """
        num_windows = len(next(iter(inputs.values())))
        reseed_model(self.model, seed)
        total = num_windows * num_samples
        chunks = []
        for start in range(0, total, self.chunk_rows):
            # Row r of the tiled batch is sample r // B of window r % B.
            rows = np.arange(start, min(start + self.chunk_rows, total)) % num_windows
            chunk = {
                name: tf.convert_to_tensor(np.take(array, rows, axis=0), "float32")
                for name, array in inputs.items()
            }
            chunks.append(self._call(chunk).numpy())
        # -> (S, B, H)
        return np.concatenate(chunks).reshape(num_samples, num_windows, -1)


def check_spread(model, samples, rate):
    """Refuse MC samples that cannot carry the model variance.

    With ``rate > 0`` every `MCDropout` layer of `model` with a positive rate
    must drop at inference (``mc=True``), and there must be one; otherwise
    the samples would all be equal and the model variance silently zero, so
    this raises. Samples that are all equal although dropout is on are
    legitimate: the output does not depend on the dropped units, as for a
    constant series with no varying features, whose activations are all
    zero. That case is reported, not refused.

    Parameters
    ----------
    model
        The network that drew the samples.
    samples
        Shape ``(S, B, H)``.
    rate
        The dropout rate the model was built with.

    Returns
    -------
    bool
        Whether dropout is on and yet all samples are equal.

    Raises
    ------
    RuntimeError
        When dropout is meant to be on but is off at inference.
    """
    if rate == 0 or len(samples) < 2:
        return False
    layers = [layer for layer in mc_dropout_layers(model) if layer.rate > 0]
    off = [layer.name for layer in layers if not layer.mc]
    if off or not layers:
        raise RuntimeError(
            f"MC dropout is off at inference although the dropout rate is {rate}: "
            + (f"layers {off} have mc=False" if off else "no MCDropout layer drops")
            + ", so every sample would be the same and the model variance zero."
        )
    return bool(np.ptp(samples, axis=0).max() == 0)
