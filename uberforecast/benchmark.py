"""How fast MC-dropout sampling and training run, against references.

`run_benchmark` times, for the default config's prediction network, the
package's samplers against a loop of `Model.predict` calls and a loop of
direct calls, relates them to a float32 matrix multiply measured in the same
run, measures the sampler's memory, and times training epochs on the Chicago
windows. The sampling part uses random weights: the work per sample does not
depend on them. `format_report` turns the results into Markdown tables.
"""

from __future__ import annotations

import logging
import os

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from uberforecast.measure import (
    best_times,
    forward_flops,
    matmul_gflops,
    memory_growth_mb,
    peak_memory_mb,
    status_mb,
)
from uberforecast.sampling import DEFAULT_CHUNK_ROWS, MCSampler, TwoStageSampler

logger = logging.getLogger(__name__)

# (chunk_rows, jit_compile) pairs; XLA only at two sizes, since on CPU each of
# its runs takes minutes and it was slower at every size tried.
SWEEP = tuple((rows, False) for rows in (1024, 2048, 4096, 16384, 65536)) + (
    (2048, True),
    (16384, True),
)


def default_network(seed=0):
    """The default config's prediction network, with random weights.

    The features per step are the Chicago run's: its weather and sports
    columns plus the calendar columns of daily data.

    Returns
    -------
    keras.Model
        As `uberforecast.networks.build_prediction_network` makes it.
    """
    from uberforecast.config import load_config
    from uberforecast.features import calendar_features
    from uberforecast.networks import build_encoder, build_prediction_network

    config = load_config()
    model = config["model"]
    num_features = len(config["data"]["features"])
    if model["calendar"]:
        daily = pd.date_range("2001-01-01", periods=14, freq="D")
        num_features += calendar_features(daily).shape[1]
    keras.utils.set_random_seed(seed)
    encoder = build_encoder(
        model["lookback"],
        tuple(model["encoder_units"]),
        model["dropout"],
        tuple(model["encoder_dropout_at"]),
    )
    return build_prediction_network(
        encoder,
        model["horizon"],
        num_features,
        model["recent_steps"],
        tuple(model["hidden_units"]),
        model["dropout"],
    )


def random_inputs(network, num_windows, seed=0):
    """Standard normal float32 inputs for `network`, `num_windows` rows each."""
    rng = np.random.default_rng(seed)
    return {
        name: rng.standard_normal((num_windows, *tensor.shape[1:])).astype("float32")
        for name, tensor in network.input.items()
    }


def matmul_shape(network, rows):
    """``(m, k, n)`` of the recurrent multiply of the encoder's first LSTM.

    That is ``(rows, units) @ (units, 4 * units)``, all four gates at once,
    the largest multiply of a pass; `rows` is the sampler's chunk.
    """
    encoder = network.get_layer("encoder")
    lstm = next(
        layer for layer in encoder.layers if isinstance(layer, keras.layers.LSTM)
    )
    return (int(rows), *(int(size) for size in lstm.cell.recurrent_kernel.shape))


def sampler_flops(network, num_samples, passes):
    """FLOPs per window that `TwoStageSampler` runs for `passes` encoder passes."""
    from uberforecast.networks import build_head, split_encoder

    prefix, suffix = split_encoder(network.get_layer("encoder"))
    prefix_flops = 0 if prefix is None else forward_flops(prefix)
    suffix_flops = 0 if suffix is None else forward_flops(suffix)
    head_flops = forward_flops(build_head(network))
    return prefix_flops + passes * suffix_flops + num_samples * head_flops


def _timed(function, repeats):
    """Wall and CPU seconds of the fastest of `repeats` calls, and peak memory."""
    times = []
    peak = peak_memory_mb(lambda: times.append(best_times(function, repeats)))
    return times[0], peak


def _speed_row(method, times, num_windows, num_samples, flops_per_window):
    seconds, cpu_seconds = times
    return {
        "method": method,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "window_samples_per_s": num_windows * num_samples / seconds,
        "ms_per_series": 1e3 * seconds / num_windows,
        "gflops": flops_per_window * num_windows / seconds / 1e9,
    }


def reference_rows(network, inputs, num_samples):
    """Loops of `num_samples` `predict` calls and direct calls, timed once.

    Both keep dropout on, since `MCDropout` drops at inference. ``predict``
    runs with its default batch of 32, the direct call on all windows.
    """
    num_windows = len(inputs["window"])
    flops = num_samples * forward_flops(network)
    tensors = {name: tf.convert_to_tensor(array) for name, array in inputs.items()}
    rows = []
    for method, call in (
        ("loop of Model.predict", lambda: network.predict(inputs, verbose=0)),
        ("loop of direct calls", lambda: network(tensors, training=False)),
    ):
        # The first call traces or builds; it is not timed.
        call()
        logger.info("Timing a %s, %d calls", method, num_samples)
        times = best_times(lambda c=call: [c() for _ in range(num_samples)], 1)
        rows.append(_speed_row(method, times, num_windows, num_samples, flops))
    return rows


def sampler_rows(network, inputs, num_samples, encoder_samples, repeats, **options):
    """The two-stage sampler, full and nested, timed with its peak memory.

    `options` go to `TwoStageSampler` (``chunk_rows``, ``jit_compile``).
    """
    num_windows = len(inputs["window"])
    sampler = TwoStageSampler(network, **options)
    rows = []
    for mode, passes in (("full", None), ("nested", encoder_samples)):
        passes = sampler.encoder_passes(num_samples, passes)
        method = f"two-stage sampler, {mode} ({passes} encoder passes)"

        def sample(passes=passes):
            return sampler.sample(inputs, num_samples, 0, passes)

        # The first call traces (XLA compiles for each shape, so at full size).
        sample()
        logger.info("Timing the %s", method)
        times, peak = _timed(sample, repeats)
        flops = sampler_flops(network, num_samples, passes)
        row = _speed_row(method, times, num_windows, num_samples, flops)
        rows.append(row | {"peak_mb": peak, "encoder_passes": passes})
    return rows


def whole_network_row(network, inputs, num_samples, **options):
    """`MCSampler` on the whole network: every pass runs every layer."""
    num_windows = len(inputs["window"])
    sampler = MCSampler(network, **options)
    sampler.sample(inputs, num_samples, 0)
    logger.info("Timing the whole-network sampler")
    times, peak = _timed(lambda: sampler.sample(inputs, num_samples, 0), 1)
    flops = num_samples * forward_flops(network)
    row = _speed_row(
        "whole-network sampler (MCSampler)", times, num_windows, num_samples, flops
    )
    return row | {"peak_mb": peak}


def sweep_rows(network, inputs, num_samples, encoder_samples, settings):
    """The two-stage sampler at each ``(chunk_rows, jit_compile)`` pair."""
    rows = []
    for chunk_rows, jit_compile in settings:
        options = {"chunk_rows": chunk_rows, "jit_compile": jit_compile}
        timed = sampler_rows(
            network, inputs, num_samples, encoder_samples, 1, **options
        )
        rows += [row | options for row in timed]
    return rows


def chicago_fitting():
    """The default config's fitting period of the Chicago data, and its settings.

    Returns
    -------
    tuple
        ``(frame, target, features, params)``: the training and validation
        steps (the test year left out, as `uberforecast run` does), and the
        forecaster's arguments from the config.
    """
    from uberforecast.config import load_config
    from uberforecast.pipeline import load_data

    config = load_config()
    data = config["data"]
    frame = load_data(data)
    params = {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in config["model"].items()
    }
    params["validation_size"] = data["validation_size"]
    fitting = frame.iloc[: len(frame) - data["test_size"]]
    return fitting, data["target"], tuple(data["features"]), params


def training_rows(frame, target, features=(), batch_sizes=(128,), epochs=2, **params):
    """Seconds per epoch of both stages, fitting for `epochs` epochs each.

    The first epoch traces the training function, so the figure is the mean
    of the later ones. `params` go to `TwoStageForecaster`.
    """
    from uberforecast.forecaster import TwoStageForecaster
    from uberforecast.windows import window_positions

    _check_epochs(epochs)
    rows = []
    for batch_size in batch_sizes:
        settings = dict(encoder_epochs=epochs, network_epochs=epochs, patience=epochs)
        model = TwoStageForecaster(
            target, features, **{**params, **settings, "batch_size": batch_size}
        )
        logger.info("Timing training at batch size %d", batch_size)
        model.fit(frame)
        train_steps = len(frame) - model.validation_size
        windows = window_positions(train_steps, model.lookback, model.horizon)
        seconds = {name: h["seconds"] for name, h in model.history_.items()}
        rows.append(
            {
                "batch_size": batch_size,
                "train_windows": len(windows),
                "stage_one": float(np.mean(seconds["encoder"][1:])),
                "stage_two": float(np.mean(seconds["network"][1:])),
                "first_epochs": (seconds["encoder"][0], seconds["network"][0]),
                "jit_compile": bool(model.network_.jit_compile),
            }
        )
    return rows


def _check_epochs(epochs):
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 2:
        raise ValueError(
            "Invalid value for argument `epochs`: expected an integer of at least "
            f"2 (the first epoch includes tracing), received {epochs!r}."
        )


def run_benchmark(
    windows=1000,
    num_samples=100,
    encoder_samples=10,
    repeats=2,
    memory_calls=1000,
    references=True,
    sweep=(),
    training_batch_sizes=(128,),
    training_epochs=2,
    training_data=None,
    matmul_seconds=1.0,
    **options,
):
    """Every measurement of the speed benchmark, in one run.

    Parameters
    ----------
    windows, num_samples
        Windows sampled and samples per window. Defaults: ``1000``, ``100``.
    encoder_samples
        Encoder passes per window in nested sampling. Default: ``10``.
    repeats
        Timed calls of each sampler; the least time counts. Default: ``2``.
    memory_calls
        Calls of the sampler (10 windows, 10 samples) over which memory
        growth is measured. Default: ``1000``.
    references
        Time the loops of `predict` and of direct calls and the
        whole-network sampler. Default: ``True``.
    sweep
        ``(chunk_rows, jit_compile)`` pairs at which to time the sampler
        again, such as `SWEEP`; empty for none. Default: ``()``.
    training_batch_sizes, training_epochs
        Batch sizes at which to time training; empty for none.
        Defaults: ``(128,)``, ``2``.
    training_data
        ``(frame, target, features, params)`` to train on; ``None`` for the
        Chicago fitting period (see `chicago_fitting`). Default: ``None``.
    matmul_seconds
        Seconds per round of the matrix-multiply reference. Default: ``1.0``.
    **options
        ``chunk_rows`` and ``jit_compile`` of the samplers.

    Returns
    -------
    dict
        ``settings``, ``flops_per_sample`` (one full forward pass),
        ``matmul_shape`` and ``matmul_gflops``, ``sampling`` (one dict per
        method), ``memory``, ``sweep`` and ``training`` (lists of dicts).
    """
    if training_batch_sizes:
        # Refused before the sampling part, which takes minutes.
        _check_epochs(training_epochs)
    options = {"chunk_rows": DEFAULT_CHUNK_ROWS, "jit_compile": False} | options
    network = default_network()
    inputs = random_inputs(network, windows)
    shape = matmul_shape(network, options["chunk_rows"])
    results = {
        "settings": _settings(windows, num_samples, encoder_samples, repeats, options),
        "flops_per_sample": forward_flops(network),
        "matmul_shape": shape,
        "matmul_gflops": matmul_gflops(shape, seconds=matmul_seconds),
    }
    sampling = []
    if references:
        sampling += reference_rows(network, inputs, num_samples)
        sampling.append(whole_network_row(network, inputs, num_samples, **options))
    sampling += sampler_rows(
        network, inputs, num_samples, encoder_samples, repeats, **options
    )
    results["sampling"] = _with_ratios(sampling, results)
    results["memory"] = _memory(network, inputs, memory_calls, options)
    results["sweep"] = sweep_rows(network, inputs, num_samples, encoder_samples, sweep)
    results["training"] = []
    if training_batch_sizes:
        frame, target, features, params = training_data or chicago_fitting()
        results["training"] = training_rows(
            frame, target, features, training_batch_sizes, training_epochs, **params
        )
    results["settings"]["load_after"] = os.getloadavg()[0]
    return results


def _settings(windows, num_samples, encoder_samples, repeats, options):
    return {
        "windows": windows,
        "num_samples": num_samples,
        "encoder_samples": encoder_samples,
        "repeats": repeats,
        **options,
        "cpu_count": os.cpu_count(),
        "load_before": os.getloadavg()[0],
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def _with_ratios(rows, results):
    """Rows with speed-ups over the references and the share of the matmul rate."""
    baselines = {row["method"]: row["seconds"] for row in rows}
    full_pass = results["flops_per_sample"]
    samples = results["settings"]["num_samples"]
    for row in rows:
        for name, method in (
            ("vs_predict", "loop of Model.predict"),
            ("vs_direct", "loop of direct calls"),
        ):
            row[name] = (
                baselines[method] / row["seconds"] if method in baselines else None
            )
        row["matmul_share"] = row["gflops"] / results["matmul_gflops"]
        row["full_pass_gflops"] = row["window_samples_per_s"] * full_pass / 1e9
        row["samples"] = samples
    return rows


def _memory(network, inputs, calls, options):
    """Memory growth over `calls` small sampler calls, full sampling."""
    sampler = TwoStageSampler(network, **options)
    small = {name: array[:10] for name, array in inputs.items()}
    logger.info("Measuring memory growth over %d sampler calls", calls)
    growth = memory_growth_mb(lambda: sampler.sample(small, 10, 0), calls)
    return {
        "calls": calls,
        "windows_per_call": len(small["window"]),
        "samples_per_call": 10,
        "growth_mb": growth,
        "rss_mb": status_mb("VmRSS"),
    }
