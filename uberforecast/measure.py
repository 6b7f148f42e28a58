"""Timing, memory and FLOP counting used by the speed benchmark.

Memory figures read ``/proc/self/status`` and so need Linux.
"""

from __future__ import annotations

import logging
import time

import keras
import numpy as np
import tensorflow as tf

logger = logging.getLogger(__name__)


def forward_flops(model):
    """FLOPs of one row through the LSTM and Dense layers of `model`.

    A multiply-add counts two; biases, activations and the LSTM's gate
    arithmetic are left out. Nested models count.
    """
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += forward_flops(layer)
        elif isinstance(layer, keras.layers.LSTM):
            inputs, gates = layer.cell.kernel.shape
            steps = layer.input.shape[1]
            total += 2 * steps * (inputs + layer.cell.units) * gates
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * int(np.prod(layer.kernel.shape))
    return int(total)


def matmul_gflops(shape, seconds=1.0, rounds=3):
    """Float32 GFLOP/s of ``(m, k) @ (k, n)`` in a compiled function.

    Repeats the multiply for about `seconds` per round and keeps the best of
    `rounds`, as for the samplers.
    """
    rows, inner, cols = shape
    a = tf.random.normal((rows, inner))
    b = tf.random.normal((inner, cols))
    product = tf.function(tf.linalg.matmul)
    product(a, b)
    best = 0.0
    for _ in range(rounds):
        repeats, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            product(a, b)
            repeats += 1
        best = max(best, 2 * rows * inner * cols * repeats / elapsed / 1e9)
    return best


def best_times(function, repeats):
    """Wall-clock and process CPU seconds of the fastest of `repeats` calls.

    CPU seconds add up over threads; on a shared machine wall time also
    holds the waits for other processes, CPU time does not.
    """
    best = None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        times = (time.perf_counter() - wall, time.process_time() - cpu)
        best = times if best is None or times[0] < best[0] else best
    return best


def status_mb(key="VmRSS"):
    """A memory line of ``/proc/self/status`` (Linux), in MB.

    ``"VmRSS"`` is the resident memory now, ``"VmHWM"`` its peak.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def peak_memory_mb(function):
    """Peak resident memory while `function` runs, above that before it.

    Resets Linux's peak counter through ``/proc/self/clear_refs``; returns
    ``None`` where that is not possible.
    """
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        before = status_mb("VmRSS")
    except (OSError, KeyError):
        logger.warning("Peak memory not measured: /proc/self is not writable here.")
        return None
    function()
    return status_mb("VmHWM") - before


def memory_growth_mb(function, calls, warmup=10):
    """Growth of resident memory over `calls` calls, after `warmup` calls."""
    for _ in range(warmup):
        function()
    before = status_mb("VmRSS")
    for _ in range(calls):
        function()
    return status_mb("VmRSS") - before
