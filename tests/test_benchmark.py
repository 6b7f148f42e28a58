"""The speed benchmark runs end to end on tiny sizes; no timing is asserted."""

import keras
import pytest
from conftest import TINY

from uberforecast.benchmark import run_benchmark, sampler_flops
from uberforecast.benchmark_report import END, SECTION, START, write_report
from uberforecast.cli import main
from uberforecast.measure import forward_flops
from uberforecast.networks import build_encoder, build_prediction_network


def test_forward_flops_of_a_known_model():
    window = keras.Input((3, 1))
    hidden = keras.layers.LSTM(2)(window)
    inner = keras.Model(window, hidden)
    outer_input = keras.Input((3, 1))
    model = keras.Model(outer_input, keras.layers.Dense(1)(inner(outer_input)))
    # LSTM: 3 steps x 2 FLOPs x (1 input + 2 units) x 8 gate units = 144;
    # Dense: 2 x 2 x 1 = 4; the nested model counts.
    assert forward_flops(model) == 148


def test_sampler_flops_count_each_part_as_often_as_it_runs():
    keras.utils.set_random_seed(0)
    encoder = build_encoder(5, (4, 2), 0.1)
    network = build_prediction_network(encoder, 1, 0, hidden=(3,))
    lstm_1 = 2 * 5 * (1 + 4) * 16
    lstm_2 = 2 * 5 * (4 + 2) * 8
    head = 2 * (2 * 3 + 3 * 1)
    assert forward_flops(network) == lstm_1 + lstm_2 + head
    # The first LSTM runs once per window, the second per pass, the head per sample.
    assert sampler_flops(network, 10, 4) == lstm_1 + 4 * lstm_2 + 10 * head


def test_run_benchmark_on_tiny_sizes(series):
    params = {**TINY, "batch_size": 32}
    results = run_benchmark(
        windows=4,
        num_samples=3,
        encoder_samples=2,
        repeats=1,
        memory_calls=2,
        sweep=((64, False), (64, True)),
        training_batch_sizes=(32,),
        training_data=(series.iloc[:340], "y", ("x",), params),
        matmul_seconds=0.05,
    )
    assert set(results) == {
        "settings",
        "flops_per_sample",
        "matmul_shape",
        "matmul_gflops",
        "sampling",
        "memory",
        "sweep",
        "training",
    }
    methods = [row["method"] for row in results["sampling"]]
    assert methods == [
        "loop of Model.predict",
        "loop of direct calls",
        "whole-network sampler (MCSampler)",
        "two-stage sampler, full (3 encoder passes)",
        "two-stage sampler, nested (2 encoder passes)",
    ]
    for row in results["sampling"]:
        assert row["seconds"] > 0 and row["vs_predict"] > 0 and row["gflops"] > 0
    assert [(row["chunk_rows"], row["jit_compile"]) for row in results["sweep"]] == [
        (64, False),
        (64, False),
        (64, True),
        (64, True),
    ]
    (training,) = results["training"]
    assert training["batch_size"] == 32 and training["stage_one"] > 0
    assert results["memory"]["calls"] == 2


def test_bench_command_prints_and_writes_its_section(tmp_path, capsys):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("## Accuracy\n\nOther figures.\n")
    arguments = ["--windows", "4", "--samples", "3", "--encoder-samples", "2"]
    arguments += ["--repeats", "1", "--memory-calls", "2", "--no-training"]
    code = main(["bench", *arguments, "--output", str(docs), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "| loop of Model.predict |" in printed and "Targets:" in printed
    assert "Made by `uberforecast bench --windows 4" in printed
    text = docs.read_text()
    assert text.startswith("## Accuracy\n\nOther figures.\n")
    assert text.count(SECTION) == 1 and "| two-stage sampler, full" in text


def test_one_training_epoch_is_refused_before_any_timing(capsys):
    code = main(["bench", "--windows", "2", "--epochs", "1", "--no-write"])
    assert code == 2
    captured = capsys.readouterr()
    assert "`epochs`" in captured.err and "Made by" not in captured.out


@pytest.mark.parametrize("existing", ["", "## Other\n\ntext\n"])
def test_write_report_replaces_only_its_block(tmp_path, existing):
    path = tmp_path / "benchmarks.md"
    if existing:
        path.write_text(existing)
    write_report(path, "first")
    path.write_text(path.read_text() + "\nNotes written by hand.\n")
    write_report(path, "second")
    text = path.read_text()
    assert text.startswith(existing) and text.count(SECTION) == 1
    assert f"{START}\nsecond\n{END}" in text and "first" not in text
    assert text.endswith("Notes written by hand.\n")
