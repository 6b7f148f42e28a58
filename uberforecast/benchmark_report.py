"""The speed benchmark's results as Markdown, and their place in the docs."""

from __future__ import annotations

from pathlib import Path

SECTION = "## Speed (issue 6)"
START = "<!-- speed benchmark: start (written by `uberforecast bench`) -->"
END = "<!-- speed benchmark: end -->"

# The targets of issue 6.
TARGET_SPEEDUP = 30
TARGET_MATMUL_SHARE = 0.35
TARGET_MS_PER_SERIES = 10
TARGET_GROWTH_MB = 50


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _ratio(value):
    return "" if value is None else f"{value:.1f}x"


def _megabytes(value):
    return "" if value is None else f"{value:.0f}"


def _sampling_table(rows):
    header = [
        "method",
        "seconds",
        "CPU s",
        "window-samples/s",
        "ms per series",
        "vs predict loop",
        "vs direct loop",
        "GFLOP/s run",
        "% of matmul",
        "full-pass GFLOP/s",
        "peak MB",
    ]
    cells = [
        [
            row["method"],
            f"{row['seconds']:.2f}",
            f"{row['cpu_seconds']:.2f}",
            f"{row['window_samples_per_s']:,.0f}",
            f"{row['ms_per_series']:.2f}",
            _ratio(row["vs_predict"]),
            _ratio(row["vs_direct"]),
            f"{row['gflops']:.1f}",
            f"{100 * row['matmul_share']:.0f}",
            f"{row['full_pass_gflops']:.1f}",
            _megabytes(row.get("peak_mb")),
        ]
        for row in rows
    ]
    return _table(header, cells)


def _training_table(rows):
    header = [
        "batch size",
        "training windows",
        "stage one s/epoch",
        "stage two s/epoch",
        "first epochs s (with tracing)",
        "XLA",
    ]
    cells = [
        [
            row["batch_size"],
            row["train_windows"],
            f"{row['stage_one']:.1f}",
            f"{row['stage_two']:.1f}",
            " / ".join(f"{seconds:.1f}" for seconds in row["first_epochs"]),
            "on" if row["jit_compile"] else "off",
        ]
        for row in rows
    ]
    return _table(header, cells)


def _sweep_table(rows):
    header = ["chunk rows", "XLA", "method", "seconds", "CPU s", "ms per series"]
    cells = [
        [
            row["chunk_rows"],
            "on" if row["jit_compile"] else "off",
            row["method"],
            f"{row['seconds']:.2f}",
            f"{row['cpu_seconds']:.2f}",
            f"{row['ms_per_series']:.2f}",
        ]
        for row in rows
    ]
    return _table(header, cells)


def _verdict(met):
    return "met" if met else "not met"


def _targets(results):
    """One line per target of issue 6 and two-stage sampler, and memory."""
    lines = []
    for row in results["sampling"]:
        if not row["method"].startswith("two-stage"):
            continue
        speedup, share = row["vs_predict"], row["matmul_share"]
        faster = speedup is not None and speedup >= TARGET_SPEEDUP
        lines.append(
            f"- {row['method']}: {_ratio(speedup) or 'not measured against'} the "
            "predict loop (target "
            f"{TARGET_SPEEDUP}x: {_verdict(faster)}); {100 * share:.0f}% of the "
            f"matmul rate (target {100 * TARGET_MATMUL_SHARE:.0f}%: "
            f"{_verdict(share >= TARGET_MATMUL_SHARE)}); "
            f"{row['ms_per_series']:.2f} ms per series (target under "
            f"{TARGET_MS_PER_SERIES}: "
            f"{_verdict(row['ms_per_series'] < TARGET_MS_PER_SERIES)})"
        )
    growth = results["memory"]["growth_mb"]
    lines.append(
        f"- memory growth: {growth:.1f} MB (target under {TARGET_GROWTH_MB} MB: "
        f"{_verdict(growth < TARGET_GROWTH_MB)})"
    )
    return "\n".join(lines)


def _preamble(results, command):
    settings = results["settings"]
    rows, inner, cols = results["matmul_shape"]
    return [
        f"Made by `{command}`.",
        "",
        f"{settings['cpu_count']} CPU cores, TensorFlow {settings['tensorflow']}, "
        f"Keras {settings['keras']}; load average (1 min) "
        f"{settings['load_before']:.1f} before, {settings['load_after']:.1f} after "
        "(other processes share the cores).",
        f"{settings['windows']} windows x {settings['num_samples']} samples; "
        f"chunk {settings['chunk_rows']} rows, XLA "
        f"{'on' if settings['jit_compile'] else 'off'}; the samplers' times are "
        f"the best of {settings['repeats']} calls, the loops' of one.",
        "Default architecture with random weights (speed does not depend on "
        f"them): {results['flops_per_sample'] / 1e6:.2f} MFLOP per full forward "
        "pass (LSTM and Dense multiply-adds, 2 FLOPs each).",
        f"Float32 matmul ({rows} x {inner}) @ ({inner} x {cols}) in the same run: "
        f"{results['matmul_gflops']:.1f} GFLOP/s.",
    ]


def format_report(results, command):
    """The results of `uberforecast.benchmark.run_benchmark` as Markdown.

    Parameters
    ----------
    results
        As `run_benchmark` returns them.
    command
        The command that made them, quoted in the text.

    Returns
    -------
    str
    """
    parts = _preamble(results, command) + ["", _sampling_table(results["sampling"])]
    parts += [
        "",
        "GFLOP/s run counts the FLOPs each method executes; the two-stage "
        "sampler skips repeated work, so full-pass GFLOP/s (throughput times "
        "one full forward pass) is what a whole-network pass would need for "
        "the same speed. ms per series: seconds per window for all samples. CPU "
        "s: the process's CPU time of the same call, summed over threads; on a "
        "shared machine the wall time also holds waits for other processes.",
        "",
        "Targets:",
        "",
        _targets(results),
    ]
    memory = results["memory"]
    parts += [
        "",
        f"Memory growth over {memory['calls']} calls of the full sampler "
        f"({memory['windows_per_call']} windows x {memory['samples_per_call']} "
        f"samples each): {memory['growth_mb']:.1f} MB; resident memory after: "
        f"{memory['rss_mb']:.0f} MB. Peak MB: resident memory above that before "
        "the call.",
    ]
    if results["training"]:
        parts += ["", _training_table(results["training"]), "", TRAINING_NOTE]
    if results["sweep"]:
        parts += ["", _sweep_table(results["sweep"])]
    return "\n".join(parts)


TRAINING_NOTE = (
    "Training: both stages of the default config on the Chicago fitting period, "
    "Adam and MSE compiled with Keras's defaults (`jit_compile='auto'`, which is "
    "off on a machine without an accelerator; `steps_per_execution=1`); NumPy "
    "arrays go through Keras's array adapter, a `tf.data` pipeline with "
    "`prefetch(AUTOTUNE)`. s/epoch is the mean of the epochs after the first."
)


def write_report(path, text):
    """Put `text` in the speed section of the Markdown file `path`.

    Replaces what lies between the section's markers, or adds the section at
    the end; the rest of the file stays as it is.
    """
    path = Path(path)
    old = path.read_text() if path.exists() else ""
    block = f"{START}\n{text}\n{END}"
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + block + rest.split(END, 1)[1]
    elif SECTION in old:
        head, rest = old.split(SECTION, 1)
        new = f"{head}{SECTION}\n\n{block}\n{rest}"
    else:
        separator = "\n\n" if old.strip() else ""
        new = f"{old.rstrip()}{separator}{SECTION}\n\n{block}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new)
