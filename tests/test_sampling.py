import keras
import numpy as np
import pytest
from scipy import stats

from uberforecast.networks import (
    build_encoder,
    build_head,
    build_prediction_network,
    deterministic_copy,
    split_encoder,
)
from uberforecast.sampling import MCSampler, TwoStageSampler

LOOKBACK, FEATURES = 8, 3


def _network(
    dropout=0.2,
    mlp_dropout=None,
    dropout_at=("between", "embedding"),
    recent_steps=0,
    features=FEATURES,
):
    keras.utils.set_random_seed(0)
    encoder = build_encoder(LOOKBACK, (16, 8), dropout, dropout_at)
    return build_prediction_network(
        encoder,
        horizon=1,
        num_features=features,
        recent_steps=recent_steps,
        hidden=(16, 8),
        dropout=dropout if mlp_dropout is None else mlp_dropout,
    )


def _inputs(num_windows, features=FEATURES, seed=0):
    rng = np.random.default_rng(seed)
    inputs = {"window": rng.standard_normal((num_windows, LOOKBACK, 1))}
    if features:
        inputs["features"] = rng.standard_normal((num_windows, features))
    return {name: array.astype("float32") for name, array in inputs.items()}


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"dropout_at": ("input", "between")},
        {"dropout_at": ()},
        {"recent_steps": 3, "features": 0},
    ],
    ids=["default", "window-dropped", "encoder-without-dropout", "recent-steps"],
)
def test_parts_rebuild_the_network(options):
    network = deterministic_copy(_network(**options))
    inputs = _inputs(5, options.get("features", FEATURES))
    prefix, suffix = split_encoder(network.get_layer("encoder"))
    embedding = inputs["window"]
    if prefix is not None:
        embedding = prefix({"window": embedding})
    if suffix is not None:
        embedding = suffix({"sequence": embedding})
    head = build_head(network)
    parts = {name: keras.ops.convert_to_tensor(inputs[name]) for name in inputs}
    parts = {"embedding": embedding, **{k: parts[k] for k in head.input if k in parts}}
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(head(parts)),
        keras.ops.convert_to_numpy(network(inputs)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_split_cuts_at_the_first_active_dropout():
    encoder = _network().get_layer("encoder")
    prefix, suffix = split_encoder(encoder)
    assert [layer.name for layer in prefix.layers[1:]] == ["lstm_1"]
    assert suffix.layers[1].name == "dropout_1"
    assert split_encoder(_network(dropout_at=()).get_layer("encoder"))[1] is None
    window_dropped = _network(dropout_at=("input",)).get_layer("encoder")
    assert split_encoder(window_dropped)[0] is None


def test_full_sampling_draws_what_the_whole_network_draws():
    """One chunk each: both samplers draw the same masks in the same order,
    so the samples agree up to float rounding of the once-per-window part."""
    network = _network()
    inputs = _inputs(6)
    whole = MCSampler(network).sample(inputs, 7, seed=3)
    parts = TwoStageSampler(network).sample(inputs, 7, seed=3)
    assert parts.shape == whole.shape == (7, 6, 1)
    assert np.ptp(parts, axis=0).min() > 0
    np.testing.assert_allclose(parts, whole, rtol=1e-5, atol=1e-6)


def test_nested_and_full_sampling_agree_in_distribution():
    """Nested sample s uses embedding s % P, so any P consecutive samples use
    P distinct encoder passes and independent MLP masks: they are an i.i.d.
    draw from the same distribution as full sampling, and a two-sample KS
    test applies. Each test rejects a true match with probability 0.001.
    """
    network = _network()
    inputs = _inputs(3)
    num_samples, passes = 3000, 300
    sampler = TwoStageSampler(network, chunk_rows=4096)
    full = sampler.sample(inputs, num_samples, seed=1)[..., 0]
    nested = sampler.sample(inputs, num_samples, seed=2, encoder_samples=passes)[..., 0]
    assert nested.shape == full.shape == (num_samples, 3)
    for window in range(3):
        for draw in (nested[:passes, window], nested[-passes:, window]):
            assert stats.ks_2samp(draw, full[:, window]).pvalue > 1e-3

    # All samples together. Standard errors, with sigma the spread: the full
    # mean's is sigma / sqrt(3000), the nested mean's at most sigma / sqrt(300)
    # (as if samples sharing an embedding were equal); 4 combined errors is
    # 0.24 sigma. The std's errors are sigma / sqrt(2 n) with the same n.
    sigma = full.std(axis=0)
    error = sigma * np.sqrt(1 / passes + 1 / num_samples)
    assert (np.abs(nested.mean(0) - full.mean(0)) < 4 * error).all()
    assert (np.abs(nested.std(0) - sigma) < 4 * error / np.sqrt(2)).all()


def test_nested_samples_share_embeddings():
    """With an MLP dropout of 1e-4, a pass drops one of its 24 units with
    probability 0.0024: samples P apart (same embedding) are nearly always
    equal, neighbours (different encoder masks) nearly never."""
    network = _network(dropout=0.3, mlp_dropout=1e-4)
    samples = TwoStageSampler(network).sample(
        _inputs(4), 40, seed=0, encoder_samples=10
    )
    assert (samples[10:] == samples[:-10]).mean() > 0.9
    assert (samples[1:] == samples[:-1]).mean() < 0.1


@pytest.mark.parametrize("encoder_samples", [None, 5])
def test_windows_keep_their_order_across_chunks_and_blocks(encoder_samples):
    """A rate of 1e-9 keeps the dropout layers active but drops nothing (about
    1e-9 x 48 units x 1,000 rows = 5e-5 chances of a drop), so every sample
    equals the deterministic output of its own window."""
    network = _network(dropout=1e-9)
    inputs = _inputs(50)
    expected = keras.ops.convert_to_numpy(deterministic_copy(network)(inputs))
    samples = TwoStageSampler(network, chunk_rows=16).sample(
        inputs, 20, seed=0, encoder_samples=encoder_samples
    )
    np.testing.assert_allclose(
        samples, np.broadcast_to(expected, samples.shape), rtol=1e-5, atol=1e-6
    )


def test_nested_sampling_repeats_with_the_seed_across_chunks():
    network = _network()
    # 50 windows in chunks of 16, blocks of 3: every loop of `sample` turns.
    sampler = TwoStageSampler(network, chunk_rows=16)
    inputs = _inputs(50)
    first = sampler.sample(inputs, 20, seed=4, encoder_samples=5)
    MCSampler(network).sample(inputs, 3, seed=9)
    again = sampler.sample(inputs, 20, seed=4, encoder_samples=5)
    other = sampler.sample(inputs, 20, seed=5, encoder_samples=5)
    assert first.tobytes() == again.tobytes()
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("encoder_samples", [0, 21, 2.5, True])
def test_bad_encoder_samples_are_refused(encoder_samples):
    sampler = TwoStageSampler(_network())
    with pytest.raises(ValueError, match="`encoder_samples`"):
        sampler.sample(_inputs(2), 20, seed=0, encoder_samples=encoder_samples)


def test_nested_sampling_needs_mlp_dropout():
    sampler = TwoStageSampler(_network(mlp_dropout=0.0))
    with pytest.raises(ValueError, match="no active dropout"):
        sampler.sample(_inputs(2), 20, seed=0, encoder_samples=5)
    # Without encoder dropout there is one embedding per window anyway.
    fixed = TwoStageSampler(_network(dropout_at=()))
    assert fixed.encoder_passes(20, 5) == fixed.encoder_passes(20) == 1


def test_without_encoder_dropout_only_the_mlp_varies():
    """With no MLP dropout, turning the encoder's off leaves nothing random:
    every sample is the deterministic network's output."""
    network = _network(dropout=0.3, mlp_dropout=0.0)
    inputs = _inputs(5)
    sampler = TwoStageSampler(network)
    fixed = sampler.sample(inputs, 6, seed=0, encoder_dropout=False)
    expected = keras.ops.convert_to_numpy(deterministic_copy(network)(inputs))
    np.testing.assert_allclose(fixed, np.broadcast_to(expected, fixed.shape), rtol=1e-5)
    assert np.ptp(sampler.sample(inputs, 6, seed=0), axis=0).min() > 0
