"""`uberforecast detect` on a small CSV with an injected spike."""

import conftest
import pandas as pd
import pytest
from conftest import weekly_series

from uberforecast.cli import main

# A tiny config: the job's plumbing is under test, and the spike is far
# outside any interval such a model draws (its predictive deviation is a few
# units on a series of 10 +- 3).
TINY_SET = ["model.lookback=14", *conftest.TINY_SET]
SIZES = ["data.validation_size=40", "data.test_size=40"]


def _args(*pairs):
    return [item for pair in pairs for item in ("--set", pair)]


@pytest.fixture(scope="module")
def spiked_csv(tmp_path_factory):
    frame = weekly_series(num_days=200)
    # Day 180 is in the test period (the last 40 days).
    frame.iloc[180, 0] += 40
    path = tmp_path_factory.mktemp("data") / "series.csv"
    frame.to_csv(path)
    return path, frame.index[180]


def _csv_args(path):
    return ["--csv", str(path), "--target", "y", "--features", "x", "--quiet"]


def test_detect_flags_the_spike_and_writes_both_files(spiked_csv, tmp_path, capsys):
    path, spike = spiked_csv
    out = tmp_path / "out"
    arguments = [*_csv_args(path), "--output", str(out), *_args(*TINY_SET, *SIZES)]
    assert main(["detect", *arguments]) == 0

    assert {p.name for p in out.iterdir()} == {"anomalies.csv", "anomalies.png"}
    flagged = pd.read_csv(out / "anomalies.csv", index_col=0, parse_dates=True)
    assert spike in flagged.index
    assert flagged.loc[spike, "side"] == "above" and flagged.loc[spike, "score"] > 1
    assert list(flagged.columns) == [
        "actual",
        "mean",
        "std",
        "lower_99",
        "upper_99",
        "score",
        "side",
    ]
    assert "steps flagged" in capsys.readouterr().out


def test_detect_with_a_saved_model_and_another_level(spiked_csv, tmp_path):
    path, spike = spiked_csv
    run_out, out = tmp_path / "run", tmp_path / "detect"
    code = main(
        ["run", *_csv_args(path), "--output", str(run_out)] + _args(*TINY_SET, *SIZES)
    )
    assert code == 0
    arguments = ["--model", str(run_out / "model"), "--level", "90", *_args(*SIZES)]
    code = main(["detect", *_csv_args(path), "--output", str(out), *arguments])
    assert code == 0
    flagged = pd.read_csv(out / "anomalies.csv", index_col=0, parse_dates=True)
    assert "lower_90" in flagged and spike in flagged.index


def test_a_bad_level_is_refused(spiked_csv, tmp_path, capsys):
    path, _ = spiked_csv
    arguments = [*_csv_args(path), "--output", str(tmp_path), "--level", "100"]
    assert main(["detect", *arguments]) == 2
    assert "argument `level`: expected a percentage in (0, 100)" in (
        capsys.readouterr().err
    )


def test_a_saved_model_needs_no_validation_period_and_keeps_its_target(
    spiked_csv, tmp_path, capsys
):
    path, spike = spiked_csv
    run_out, out = tmp_path / "run", tmp_path / "detect"
    code = main(
        ["run", *_csv_args(path), "--output", str(run_out)] + _args(*TINY_SET, *SIZES)
    )
    assert code == 0
    # The default validation_size (365) is longer than the 200-row series: a
    # loaded model only needs its lookback before the test period.
    model = ["--model", str(run_out / "model"), "--set", "data.test_size=40"]
    code = main(["detect", "--csv", str(path), "--output", str(out), *model])
    assert code == 0
    flagged = pd.read_csv(out / "anomalies.csv", index_col=0, parse_dates=True)
    assert spike in flagged.index

    wrong = ["--csv", str(path), "--target", "x", "--output", str(out), *model]
    assert main(["detect", *wrong]) == 2
    assert "the model was fitted with target 'y', received 'x'" in (
        capsys.readouterr().err
    )
