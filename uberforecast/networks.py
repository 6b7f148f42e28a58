"""The three Keras models of the two-stage forecaster.

- the **encoder** reads a window of ``lookback`` scaled values, shape
  ``(B, L, 1)``, and returns the **embedding**, shape ``(B, E)``;
- the **decoder** turns an embedding into the next ``horizon`` values, and the
  encoder followed by the decoder is the stage-one **autoencoder**;
- the **prediction network** calls the (frozen) encoder, joins the embedding
  with the external features of the target steps and maps them through an MLP
  to the forecast, shape ``(B, H)``.

The encoder is a `keras.Model` of its own: `TwoStageForecaster.encoder_` is
that object, and ``encoder_.predict(windows)`` gives the embeddings.
"""

from __future__ import annotations

import keras

from uberforecast.layers import MCDropout

ENCODER_DROPOUT_PLACES = ("input", "between", "embedding")
# How a global model's prediction network is told which series a window is of.
SERIES_INPUTS = ("none", "onehot", "embedding")


def build_encoder(
    lookback,
    units=(128, 32),
    dropout=0.1,
    dropout_at=("between", "embedding"),
):
    """The stage-one encoder: stacked LSTMs from a window to its embedding.

    Parameters
    ----------
    lookback
        Steps in a window.
    units
        Units of each LSTM layer; the last one is the embedding size.
        Default: ``(128, 32)``.
    dropout
        MC-dropout rate. Default: ``0.1``.
    dropout_at
        Where the encoder drops: ``"input"`` (the raw window, one mask per
        sequence, so a dropped window is all zeros), ``"between"`` (the
        sequence passed from one LSTM to the next, one mask per sequence) and
        ``"embedding"`` (the output vector). Default: ``("between",
        "embedding")``, chosen on validation (see ``docs/benchmarks.md``).

    Returns
    -------
    keras.Model
        Input ``window`` of shape ``(B, L, 1)``; output the embedding, shape
        ``(B, units[-1])``.
    """
    window = keras.Input((lookback, 1), name="window")
    x = window
    if "input" in dropout_at:
        x = MCDropout(dropout, noise_shape=(None, 1, 1), name="input_dropout")(x)
    for i, size in enumerate(units):
        if i > 0 and "between" in dropout_at:
            # One mask per sequence over the previous layer's units.
            mask_shape = (None, 1, units[i - 1])
            x = MCDropout(dropout, noise_shape=mask_shape, name=f"dropout_{i}")(x)
        last = i == len(units) - 1
        x = keras.layers.LSTM(size, return_sequences=not last, name=f"lstm_{i + 1}")(x)
    if "embedding" in dropout_at:
        x = MCDropout(dropout, name="embedding_dropout")(x)
    return keras.Model(window, x, name="encoder")


def build_autoencoder(encoder, output_steps, units=32):
    """Stage one: the encoder followed by an LSTM decoder.

    Parameters
    ----------
    encoder
        The model from `build_encoder`.
    output_steps
        Steps the decoder emits: ``horizon``, or ``lookback + horizon`` when
        it also reconstructs the window.
    units
        Units of the decoder's LSTM. Default: ``32``.

    Returns
    -------
    keras.Model
        Input ``window`` ``(B, L, 1)``; output ``(B, output_steps)``.
    """
    embedding = keras.Input(encoder.output.shape[1:], name="embedding")
    x = keras.layers.RepeatVector(output_steps, name="repeat")(embedding)
    x = keras.layers.LSTM(units, return_sequences=True, name="decoder_lstm")(x)
    x = keras.layers.TimeDistributed(keras.layers.Dense(1), name="decoder_out")(x)
    x = keras.layers.Reshape((output_steps,), name="decoder_steps")(x)
    decoder = keras.Model(embedding, x, name="decoder")

    window = keras.Input(encoder.input.shape[1:], name="window")
    return keras.Model(window, decoder(encoder(window)), name="autoencoder")


def build_prediction_network(
    encoder,
    horizon,
    num_features,
    recent_steps=0,
    hidden=(128, 64, 16),
    dropout=0.1,
    activation="tanh",
    series_input="none",
    num_series=0,
    series_embedding_size=4,
):
    """Stage two: embedding and external features through an MLP.

    Parameters
    ----------
    encoder
        The stage-one encoder; freeze it before compiling this model.
    horizon
        Steps forecast.
    num_features
        External feature columns per target step; 0 for none.
    recent_steps
        The last values of the window fed to the MLP beside the embedding.
        Default: ``0``.
    hidden
        Sizes of the MLP's hidden layers. Default: ``(128, 64, 16)``.
    dropout
        MC-dropout rate after each hidden layer. Default: ``0.1``.
    activation
        Activation of the hidden layers. Default: ``"tanh"``.
    series_input
        How the MLP learns which series a window is of (a global model):
        ``"none"``, ``"onehot"`` (the id's indicator vector) or
        ``"embedding"`` (a learned `keras.layers.Embedding` of
        `series_embedding_size` numbers). Default: ``"none"``.
    num_series
        Series the ids run over, ``0 .. num_series - 1``. Default: ``0``.
    series_embedding_size
        Size of the learned series vector. Default: ``4``.

    Returns
    -------
    keras.Model
        Inputs ``window`` ``(B, L, 1)``, when ``num_features > 0``
        ``features`` ``(B, H * F)``, and with a series input ``series``
        ``(B, 1)`` int32; output ``(B, H)``.
    """
    lookback = encoder.input.shape[1]
    window = keras.Input((lookback, 1), name="window")
    inputs = {"window": window}
    parts = [encoder(window)]
    if recent_steps:
        recent = keras.layers.Cropping1D((lookback - recent_steps, 0))(window)
        parts.append(keras.layers.Flatten(name="recent")(recent))
    if num_features:
        inputs["features"] = keras.Input((horizon * num_features,), name="features")
        parts.append(inputs["features"])
    if series_input != "none":
        inputs["series"] = keras.Input((1,), dtype="int32", name="series")
        identity = _series_identity(series_input, num_series, series_embedding_size)
        # -> (B, num_series) or (B, series_embedding_size)
        vector = keras.layers.Flatten(name="series_vector")(identity(inputs["series"]))
        parts.append(vector)

    x = parts[0] if len(parts) == 1 else keras.layers.Concatenate()(parts)
    for i, size in enumerate(hidden):
        x = keras.layers.Dense(size, activation=activation, name=f"dense_{i + 1}")(x)
        x = MCDropout(dropout, name=f"mlp_dropout_{i + 1}")(x)
    forecast = keras.layers.Dense(horizon, name="forecast")(x)
    return keras.Model(inputs, forecast, name="prediction_network")


def _series_identity(kind, num_series, size):
    """The layer from a series id ``(B, 1)`` to its indicator or learned vector."""
    if kind == "onehot":
        return keras.layers.CategoryEncoding(
            num_series, output_mode="one_hot", name="series_identity"
        )
    if kind == "embedding":
        return keras.layers.Embedding(num_series, size, name="series_identity")
    raise ValueError(
        f"Invalid value for argument `series_input`: expected one of "
        f"{SERIES_INPUTS}, received {kind!r}."
    )


def deterministic_copy(model):
    """A copy of `model` with every `MCDropout` off, sharing no weights."""

    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, MCDropout):
            config["mc"] = False
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone, recursive=True)
    copy.set_weights(model.get_weights())
    return copy


def split_encoder(encoder):
    """The encoder cut before its first active dropout, for sampling.

    Everything before the first `MCDropout` with a positive rate gives the
    same output on every MC pass, so a sampler runs it once per window and
    only repeats the rest. Both parts share the encoder's layers.

    Parameters
    ----------
    encoder
        A chain of single-input layers, as `build_encoder` makes.

    Returns
    -------
    tuple
        ``(prefix, suffix)``: ``prefix`` maps ``{"window": (B, L, 1)}`` to
        the last deterministic output, ``suffix`` maps ``{"sequence": ...}``
        (that output) to the embedding ``(B, E)``. ``prefix`` is ``None``
        when the window itself is dropped, ``suffix`` when nothing is.
    """
    layers = encoder.layers[1:]
    cut = next(
        (
            i
            for i, layer in enumerate(layers)
            if isinstance(layer, MCDropout) and layer.rate > 0
        ),
        len(layers),
    )
    prefix = suffix = None
    if cut > 0:
        window = keras.Input(encoder.input.shape[1:], name="window")
        prefix = keras.Model({"window": window}, _chain(layers[:cut], window))
    if cut < len(layers):
        shape = (prefix.output if prefix else encoder.input).shape[1:]
        sequence = keras.Input(shape, name="sequence")
        suffix = keras.Model({"sequence": sequence}, _chain(layers[cut:], sequence))
    return prefix, suffix


def _chain(layers, x):
    for layer in layers:
        x = layer(x)
    return x


def build_head(network):
    """The prediction network after its encoder, as a model sharing its layers.

    Parameters
    ----------
    network
        A model from `build_prediction_network`, fitted or loaded.

    Returns
    -------
    keras.Model
        Inputs ``embedding`` ``(B, E)``, ``features`` ``(B, H * F)`` when the
        network has them, ``window`` ``(B, L, 1)`` when it feeds recent steps
        to the MLP, and ``series`` ``(B, 1)`` when it has a series input;
        output ``(B, H)``, equal to the network's output for the embedding of
        the same window.
    """
    embedding_size = network.get_layer("encoder").output.shape[1:]
    inputs = {"embedding": keras.Input(embedding_size, name="embedding")}
    parts = [inputs["embedding"]]
    crops = _layers_of_type(network, keras.layers.Cropping1D)
    if crops:
        window_shape = network.input["window"].shape[1:]
        inputs["window"] = keras.Input(window_shape, name="window")
        parts.append(network.get_layer("recent")(crops[0](inputs["window"])))
    if "features" in network.input:
        features_shape = network.input["features"].shape[1:]
        inputs["features"] = keras.Input(features_shape, name="features")
        parts.append(inputs["features"])
    if "series" in network.input:
        inputs["series"] = keras.Input((1,), dtype="int32", name="series")
        identity = network.get_layer("series_identity")(inputs["series"])
        parts.append(network.get_layer("series_vector")(identity))

    joins = _layers_of_type(network, keras.layers.Concatenate)
    x = joins[0](parts) if joins else parts[0]
    names = {layer.name for layer in network.layers}
    i = 1
    while f"dense_{i}" in names:
        x = network.get_layer(f"dense_{i}")(x)
        x = network.get_layer(f"mlp_dropout_{i}")(x)
        i += 1
    forecast = network.get_layer("forecast")(x)
    return keras.Model(inputs, forecast, name="head")


def _layers_of_type(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]
