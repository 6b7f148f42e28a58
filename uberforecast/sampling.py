"""Seeded MC-dropout sampling in large batches through compiled functions.

`MCSampler` runs any model with `MCDropout` layers on windows tiled by the
number of samples. `TwoStageSampler` does the same for a prediction network
without repeating work that does not vary between passes: the encoder up to
its first active dropout runs once per window, and with ``encoder_samples``
the rest of the encoder runs fewer times than the MLP (nested sampling).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from uberforecast.layers import mc_dropout_layers, reseed_model
from uberforecast.networks import build_head, deterministic_copy, split_encoder

# Chosen by measurement on 2 cores (see docs/benchmarks.md, "Speed (issue 6)").
DEFAULT_CHUNK_ROWS = 2048


def _gathering_function(model, jit_compile):
    """`model` as a `tf.function` that first gathers rows of its inputs.

    The function takes ``sources``, arrays keyed by the model's input names,
    and ``rows``, int32 row numbers into each; it is traced once for any
    number of rows.
    """
    sources = {
        name: tf.TensorSpec((None, *tensor.shape[1:]), tensor.dtype, name=name)
        for name, tensor in model.input.items()
    }
    rows = {
        name: tf.TensorSpec((None,), tf.int32, name=f"{name}_rows") for name in sources
    }

    def call(sources, rows):
        gathered = {name: tf.gather(sources[name], rows[name]) for name in sources}
        return model(gathered, training=False)

    return tf.function(call, input_signature=[sources, rows], jit_compile=jit_compile)


def _run_chunked(function, sources, source_rows, total, chunk_rows):
    """Outputs of `function` for rows ``0 .. total - 1``, in chunks.

    `source_rows` maps an array of row numbers to the rows of each source
    that make them. Returns a tensor with `total` rows.
    """
    sources = {name: tf.convert_to_tensor(array) for name, array in sources.items()}
    outputs = []
    for start in range(0, total, chunk_rows):
        rows = np.arange(start, min(start + chunk_rows, total))
        indices = {
            name: tf.convert_to_tensor(index, tf.int32)
            for name, index in source_rows(rows).items()
        }
        outputs.append(function(sources, indices))
    return outputs[0] if len(outputs) == 1 else tf.concat(outputs, 0)


def _has_active_dropout(model):
    return any(layer.rate > 0 for layer in mc_dropout_layers(model))


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
        Rows per compiled call. Default: ``2048``.
    jit_compile
        Compile the function with XLA; slower on CPU (see
        ``docs/benchmarks.md``). Default: ``False``.
    """

    def __init__(self, model, chunk_rows=DEFAULT_CHUNK_ROWS, jit_compile=False):
        self.model = model
        self.chunk_rows = int(chunk_rows)
        self._call = _gathering_function(model, jit_compile)

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

        def source_rows(rows):
            # Row r of the tiled batch is sample r // B of window r % B.
            return dict.fromkeys(inputs, rows % num_windows)

        total = num_windows * num_samples
        # -> (S * B, H)
        outputs = _run_chunked(self._call, inputs, source_rows, total, self.chunk_rows)
        # -> (S, B, H)
        return outputs.numpy().reshape(num_samples, num_windows, -1)


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


class TwoStageSampler:
    """MC-dropout samples of a prediction network, sharing fixed work.

    The network is run in three parts that share its layers (see
    `split_encoder` and `build_head`): the encoder up to its first active
    dropout, once per window, since it gives the same output on every pass;
    the rest of the encoder, once per encoder pass; and the MLP head, once
    per sample. With ``encoder_samples=None`` every sample has its own
    encoder pass, which draws exactly the distribution of running the whole
    network ``num_samples`` times.

    Nested sampling (``encoder_samples`` below ``num_samples``) draws that
    many embeddings per window and spreads the MLP passes over them, sample
    ``s`` taking embedding ``s % encoder_samples``. Each sample still has
    the full model's distribution, but samples sharing an embedding are
    correlated: the sample variance then misses a fraction of about
    ``(num_samples / encoder_samples - 1) / (num_samples - 1)`` of the
    encoder's share of the variance (about 9% of it for 100 samples over 10
    embeddings).

    The fixed part runs on up to `chunk_rows` windows at a time; those go
    on in blocks of ``chunk_rows // passes`` windows, so that one block's
    encoder passes fill one compiled call and memory stays bounded.

    Parameters
    ----------
    network
        A model from `build_prediction_network` with dict inputs.
    chunk_rows
        Rows per compiled call. Default: ``2048``.
    jit_compile
        Compile the functions with XLA; slower on CPU (see
        ``docs/benchmarks.md``). Default: ``False``.
    """

    def __init__(self, network, chunk_rows=DEFAULT_CHUNK_ROWS, jit_compile=False):
        self.network = network
        self.chunk_rows = int(chunk_rows)
        prefix, suffix = split_encoder(network.get_layer("encoder"))
        head = build_head(network)
        self._prefix = (
            None if prefix is None else _gathering_function(prefix, jit_compile)
        )
        self._suffix = (
            None if suffix is None else _gathering_function(suffix, jit_compile)
        )
        self._head = _gathering_function(head, jit_compile)
        self._jit_compile = jit_compile
        self._fixed_suffix = None
        self._head_inputs = [name for name in head.input if name != "embedding"]
        self._head_has_dropout = _has_active_dropout(head)

    def encoder_passes(self, num_samples, encoder_samples=None):
        """Encoder passes per window that `sample` runs.

        One when the encoder has no active dropout (its output is fixed),
        else `encoder_samples`, or `num_samples` when that is ``None``.
        """
        if encoder_samples is None:
            encoder_samples = num_samples
        if (
            isinstance(encoder_samples, bool)
            or not isinstance(encoder_samples, int | np.integer)
            or not 1 <= encoder_samples <= num_samples
        ):
            raise ValueError(
                "Invalid value for argument `encoder_samples`: expected None or an "
                f"integer from 1 to num_samples={num_samples}, received "
                f"{encoder_samples!r}."
            )
        if self._suffix is None:
            return 1
        if encoder_samples < num_samples and not self._head_has_dropout:
            raise ValueError(
                f"Invalid value for argument `encoder_samples`: {encoder_samples} "
                "encoder passes would repeat samples, since the MLP has no active "
                "dropout. Use encoder_samples=None."
            )
        return int(encoder_samples)

    def sample(
        self, inputs, num_samples, seed, encoder_samples=None, encoder_dropout=True
    ):
        """Samples of the network's output for each window.

        Legend: B windows, S samples, H outputs.

        Parameters
        ----------
        inputs
            Dict of arrays keyed by the network's input names, each with B
            rows.
        num_samples
            Samples per window.
        seed
            Integer seed of the dropout masks.
        encoder_samples
            Encoder passes per window; ``None`` for one per sample.
            Default: ``None``.
        encoder_dropout
            Drop in the encoder; ``False`` gives every sample the
            deterministic embedding, so only the MLP's dropout varies (the
            reference's "prediction network alone" variant). Default:
            ``True``.

        Returns
        -------
        numpy.ndarray
            Shape ``(S, B, H)``.
        """
        passes = self.encoder_passes(num_samples, encoder_samples)
        suffix = self._suffix
        if not encoder_dropout and suffix is not None:
            passes, suffix = 1, self._deterministic_suffix()
        reseed_model(self.network, seed)
        parts = []
        for start in range(0, len(inputs["window"]), self.chunk_rows):
            part = _slice(inputs, start, self.chunk_rows)
            # -> (B, ...): the encoder before its first active dropout, once.
            fixed = self._fixed_part(part["window"])
            # Blocks whose encoder passes fill one call keep memory bounded.
            block = max(1, self.chunk_rows // passes)
            for first in range(0, len(fixed), block):
                parts.append(
                    self._sample_block(
                        _slice(part, first, block),
                        fixed[first : first + block],
                        num_samples,
                        passes,
                        suffix,
                    )
                )
        # -> (S, B, H)
        return np.concatenate(parts, axis=1)

    def _fixed_part(self, window):
        """The encoder's output before its first active dropout."""
        if self._prefix is None:
            return window
        return _run_chunked(
            self._prefix,
            {"window": window},
            lambda rows: {"window": rows},
            len(window),
            self.chunk_rows,
        )

    def _deterministic_suffix(self):
        """The rest of the encoder with its dropout off, built on first use."""
        if self._fixed_suffix is None:
            _, suffix = split_encoder(self.network.get_layer("encoder"))
            self._fixed_suffix = _gathering_function(
                deterministic_copy(suffix), self._jit_compile
            )
        return self._fixed_suffix

    def _sample_block(self, inputs, fixed, num_samples, passes, suffix):
        """`sample` for one block of windows with `passes` encoder passes.

        Legend: B windows, P passes, E embedding, S samples, H outputs.
        """
        num_windows = len(inputs["window"])
        # -> (P * B, E)
        embeddings = self._embeddings(fixed, passes, suffix)

        def source_rows(rows):
            # Row r is sample r // B of window r % B, on encoder pass r // B % P.
            window = rows % num_windows
            index = dict.fromkeys(self._head_inputs, window)
            index["embedding"] = rows // num_windows % passes * num_windows + window
            return index

        sources = {name: inputs[name] for name in self._head_inputs}
        sources["embedding"] = embeddings
        total = num_samples * num_windows
        # -> (S * B, H)
        outputs = _run_chunked(self._head, sources, source_rows, total, self.chunk_rows)
        # -> (S, B, H)
        return outputs.numpy().reshape(num_samples, num_windows, -1)

    def _embeddings(self, fixed, passes, suffix):
        """Embeddings of `passes` encoder passes, pass-major, ``(P * B, E)``."""
        if suffix is None:
            return fixed
        num_windows = len(fixed)
        return _run_chunked(
            suffix,
            {"sequence": fixed},
            lambda rows: {"sequence": rows % num_windows},
            passes * num_windows,
            self.chunk_rows,
        )


def _slice(inputs, start, size):
    return {name: array[start : start + size] for name, array in inputs.items()}
