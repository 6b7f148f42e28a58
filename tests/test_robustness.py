"""Issue 4: every path is right or loudly refused, through API, CSV and CLI.

Each test names one kind of fault. The fits here use the tiny settings of
`conftest.TINY` (or smaller), so they check plumbing and numbers that do not
depend on accuracy.
"""

import copy
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, TINY_SET

from uberforecast import DataError, TwoStageForecaster, load_csv
from uberforecast.cli import format_table, main
from uberforecast.evaluation import score_frame
from uberforecast.inputs import feature_matrix, fit_scalers
from uberforecast.layers import mc_dropout_layers
from uberforecast.networks import deterministic_copy
from uberforecast.windows import TargetScaler

# Hourly data, 02:00 absent, 04:00 twice, 05:00 empty: the issue's example.
ISSUE_CSV = """time,y
2024-03-01 00:00:00,0
2024-03-01 01:00:00,1
2024-03-01 03:00:00,3
2024-03-01 04:00:00,4
2024-03-01 04:00:00,4
2024-03-01 05:00:00,
2024-03-01 06:00:00,6
2024-03-01 07:00:00,7
"""
ISSUE_PROBLEMS = (
    "missing timestamps for frequency 'h' (1): 2024-03-01 02:00:00",
    "duplicated timestamps at {word} {a} (2024-03-01 04:00:00), {word} {b} "
    "(2024-03-01 04:00:00)",
    "empty values in 'y' at {word} {c} (2024-03-01 05:00:00)",
)


def _run(tmp_path, csv_text, *extra):
    """`uberforecast run` on a CSV with a tiny model; the exit code."""
    (tmp_path / "in.csv").write_text(csv_text)
    sets = [item for pair in TINY_SET for item in ("--set", pair)]
    args = ["run", "--csv", str(tmp_path / "in.csv"), "--time-column", "time"]
    args += ["--target", "y", "--output", str(tmp_path / "out"), "--quiet"]
    return main([*args, *sets, *extra])


def _series(values, start="2021-03-01", **features):
    index = pd.date_range(start, periods=len(values), freq="D", name="time")
    return pd.DataFrame({"y": values, **features}, index=index).astype("float64")


# ---------------------------------------------------------------- bad input


def test_issue_example_is_one_error_in_csv_api_and_cli(tmp_path, capsys):
    (tmp_path / "in.csv").write_text(ISSUE_CSV)
    with pytest.raises(DataError) as from_csv:
        load_csv(tmp_path / "in.csv", "time", "y")
    for problem in ISSUE_PROBLEMS:
        assert problem.format(word="line", a=5, b=6, c=7) in str(from_csv.value)

    frame = pd.read_csv(tmp_path / "in.csv", index_col="time")
    with pytest.raises(DataError) as from_fit:
        TwoStageForecaster("y", **TINY).fit(frame)
    for problem in ISSUE_PROBLEMS:
        assert problem.format(word="row", a=3, b=4, c=5) in str(from_fit.value)

    assert _run(tmp_path, ISSUE_CSV) == 2
    err = capsys.readouterr().err
    assert err.startswith("uberforecast run: error: The data has problems:")
    for problem in ISSUE_PROBLEMS:
        assert problem.format(word="line", a=5, b=6, c=7) in err


def test_too_short_series_says_how_many_rows_in_fit_and_cli(tmp_path, capsys):
    frame = _series(np.arange(1.0, 31.0))
    params = {**TINY, "lookback": 24, "horizon": 12, "validation_size": 12}
    with pytest.raises(DataError, match="it has 30 rows") as error:
        TwoStageForecaster("y", **params).fit(frame)
    assert (
        "lookback 24 + horizon 12 (one training window) + validation 12 need "
        "at least 48 rows"
    ) in str(error.value)

    sizes = ["model.lookback=24", "model.horizon=12", "data.validation_size=12"]
    sets = [item for pair in [*sizes, "data.test_size=12"] for item in ("--set", pair)]
    assert _run(tmp_path, frame.to_csv(), *sets) == 2
    assert (
        "it has 30 rows; lookback 24 + horizon 12 (one training window) + "
        "validation 12 + test 12 need at least 60 rows"
    ) in capsys.readouterr().err


def test_fill_flag_repairs_gaps_in_the_cli(fitted, series, tmp_path, capsys, caplog):
    fitted.save(tmp_path / "model")
    frame = series.iloc[300:].drop(series.index[[330, 331]])
    frame.iloc[40, 0] = np.nan
    frame.to_csv(tmp_path / "gappy.csv")
    args = ["predict", "--model", str(tmp_path / "model"), "--quiet"]
    args += ["--csv", str(tmp_path / "gappy.csv")]
    assert main(args) == 2
    assert "missing timestamps for frequency 'D' (2)" in capsys.readouterr().err

    out = tmp_path / "forecasts.csv"
    assert main([*args, "--fill", "interpolate", "--output", str(out)]) == 0
    assert "Filled 2 missing timestamps and 1 empty values" in caplog.text
    written = pd.read_csv(out, index_col=0, parse_dates=True)
    # The filled frame has all 100 days; the first 14 only feed the lookback.
    assert len(written) == 100 - 14
    assert np.isfinite(written.drop(columns="origin").to_numpy()).all()


def test_constant_scale_is_one_not_rounding_error():
    # 36 sevens: the log's std comes out as 4e-16, not 0; dividing by it turned
    # each value into a whole unit (1.0) instead of 0.
    scaler = TargetScaler().fit(np.full(36, 7.0))
    assert scaler.scale_ == 1.0
    assert np.abs(scaler.forward(np.full(3, 7.0))).max() < 1e-12
    np.testing.assert_allclose(scaler.inverse(scaler.forward([7.0])), [7.0])


def test_feature_constant_over_training_is_centred_only():
    frame = _series(np.arange(1.0, 41.0), x=np.full(40, 0.1))
    model = TwoStageForecaster("y", ("x",), **TINY)
    fit_scalers(model, frame)
    assert model.feature_scale_.tolist() == [1.0]
    later = _series(np.arange(1.0, 3.0), x=[0.1, 0.2])
    # A later change of 0.1 stays 0.1, not 1e16.
    np.testing.assert_allclose(feature_matrix(model, later)[:, -1], [0.0, 0.1])


@pytest.fixture(scope="module")
def constant_fit():
    """48 days of 7.0 with a feature constant at 1.0, calendar features on.

    Forty one-batch epochs at a higher rate, so the network has learned to
    output the constant's zero; March has no federal holiday, whose unseen
    calendar column would move the forecast.
    """
    frame = _series(np.full(48, 7.0), x=np.full(48, 1.0))
    params = {**TINY, "lookback": 7, "validation_size": 12, "encoder_epochs": 1}
    params.update(network_epochs=40, patience=40, learning_rate=1e-2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = TwoStageForecaster("y", ("x",), **params).fit(frame.iloc[:40])
        forecast = model.predict(frame, start=frame.index[40]).frame
    return model, forecast, caught


def test_constant_series_gives_finite_honest_intervals(constant_fit):
    model, forecast, caught = constant_fit
    assert [str(w.message) for w in caught] == []
    values = forecast.drop(columns="origin").to_numpy()
    assert len(forecast) == 8 and np.isfinite(values).all()
    # The noise variance is positive, so no interval may collapse to a point
    # (the rounding-error scale made every one exactly 7.0 to 7.0).
    assert model.noise_variance_[0] > 0
    assert (forecast["upper_80"] > forecast["lower_80"]).all()
    # The truth lies inside every 95% interval.
    assert (forecast["lower_95"] < 7.0).all() and (forecast["upper_95"] > 7.0).all()


def test_constant_inputs_give_the_value_without_a_warning_storm():
    # No calendar and a constant feature: every input of the network is 0 up
    # to rounding (log(7) minus its own mean), so no dropout mask moves the
    # output by more than rounding. The forecast is the constant; if the
    # samples come out exactly equal that is reported once, never per call.
    frame = _series(np.full(48, 7.0), x=np.full(48, 1.0))
    params = {**TINY, "lookback": 7, "validation_size": 12, "calendar": False}
    params.update(encoder_epochs=1, network_epochs=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = TwoStageForecaster("y", ("x",), **params).fit(frame.iloc[:40])
        forecast = model.predict(frame, start=frame.index[40]).frame
    assert len(caught) <= 1
    assert all("samples are identical" in str(w.message) for w in caught)
    bounds = forecast[["mean", "lower_95", "upper_95"]].to_numpy()
    # Rounding of the transform leaves differences near 1e-12; 1e-9 is far
    # below any width an interval of a real series would have.
    np.testing.assert_allclose(bounds, 7.0, rtol=1e-9)


def test_scores_of_a_constant_history_leave_mase_out():
    frame = _series(np.full(8, 7.0)).rename(columns={"y": "actual"})
    frame["mean"] = frame["lower_80"] = frame["upper_80"] = 7.0
    with pytest.warns(UserWarning, match="no seasonal change. It is reported as None"):
        scores = score_frame(frame, (80,), np.full(30, 7.0), season=7)
    assert scores["mase"] is None and scores["smape"] == 0
    table = format_table(pd.DataFrame({"two-stage": scores}).T)
    assert "n/a" in table and "nan" not in table


@pytest.mark.parametrize(
    "transform,value,match",
    [
        ("log", 0.0, "log transform needs positive values; found 1 outside"),
        ("log", -2.0, "log transform needs positive values.*the smallest -2.0"),
        ("log1p", -2.0, "log1p transform needs values of at least 0.*-2.0"),
    ],
)
def test_values_outside_the_transform_are_refused_with_their_time(
    transform, value, match
):
    values = np.arange(1.0, 101.0)
    values[20] = value
    model = TwoStageForecaster("y", transform=transform, **TINY)
    with pytest.raises(ValueError, match=match) as error:
        model.fit(_series(values))
    assert "2021-03-21" in str(error.value)


def test_zeros_with_auto_transform_use_log1p_and_forecast():
    counts = np.random.default_rng(0).poisson(1.0, 160).astype(float)
    assert (counts == 0).sum() > 30
    model = TwoStageForecaster("y", **{**TINY, "validation_size": 40})
    forecast = model.fit(_series(counts).iloc[:120]).predict(
        _series(counts), start=_series(counts).index[120]
    )
    assert model.target_scaler_.transform_ == "log1p"
    values = forecast.frame.drop(columns="origin").to_numpy()
    assert len(forecast.frame) == 40 and np.isfinite(values).all()
    # expm1 maps every bound above -1.
    assert (forecast.frame["lower_95"] > -1).all()


def test_predict_refuses_a_value_outside_the_fitted_transform(fitted, series):
    assert fitted.target_scaler_.transform_ == "log"
    later = series.copy()
    later.iloc[345, 0] = 0.0
    with pytest.raises(ValueError, match="log transform needs positive") as error:
        fitted.predict(later, start=series.index[340])
    assert str(series.index[345]) in str(error.value)


def test_a_value_outside_the_transform_that_no_window_reads_is_only_compared(
    fitted, series
):
    # The last row is a target of the last window and an input of none (M3's
    # N2786 ends its hold-out on -1200 under a log fitted on positive values).
    later = series.copy()
    later.iloc[-1, 0] = -5.0
    frame = fitted.predict(later, start=series.index[340]).frame
    assert frame["actual"].iloc[-1] == -5.0
    assert np.isfinite(frame.drop(columns="origin").to_numpy()).all()


def test_feature_absent_or_empty_at_predict_time_is_named(fitted, series):
    with pytest.raises(DataError, match=r"lacks the feature columns \['x'\];"):
        fitted.predict(series[["y"]], start=series.index[340])
    future = series.copy()
    future.iloc[350:, 1] = np.nan
    with pytest.raises(DataError, match=r"empty values in 'x' at row 350 \(") as error:
        fitted.predict(future, start=series.index[340])
    assert "and 40 more" in str(error.value)


def test_target_column_that_does_not_exist(series, tmp_path, capsys):
    with pytest.raises(DataError, match="lacks the target column 'trips';"):
        TwoStageForecaster("trips", **TINY).fit(series)
    series.to_csv(tmp_path / "s.csv")
    assert main(["run", "--csv", str(tmp_path / "s.csv"), "--target", "trips"]) == 2
    assert "The data lacks the target column 'trips';" in capsys.readouterr().err


def test_empty_file_in_the_cli(tmp_path, capsys):
    assert _run(tmp_path, "") == 2
    assert "in.csv is empty" in capsys.readouterr().err


def test_other_frequency_at_predict_time_is_refused(fitted, series):
    hourly = series.set_axis(pd.date_range("2020-01-01", periods=400, freq="h"))
    with pytest.raises(DataError, match="frequency 'h', but the model was fitted"):
        fitted.predict(hourly)


@pytest.mark.parametrize(
    "name,value,expected",
    [
        ("horizon", 0, "a positive integer"),
        ("lookback", -3, "a positive integer"),
        ("levels", (80, 100), "a sequence of percentages in (0, 100)"),
        ("levels", (0,), "a sequence of percentages in (0, 100)"),
        ("num_samples", 0, "a positive integer"),
        ("dropout", 1.0, "a float in [0, 1)"),
        ("dropout", -0.1, "a float in [0, 1)"),
    ],
)
def test_argument_errors_name_argument_expectation_and_value(
    series, name, value, expected
):
    model = TwoStageForecaster("y", **{**TINY, name: value})
    with pytest.raises(ValueError) as error:
        model.fit(series)
    assert str(error.value) == (
        f"Invalid value for argument `{name}`: expected {expected}, received {value!r}."
    )


@pytest.mark.parametrize(
    "name,value", [("num_samples", 0), ("levels", (50, 100)), ("seed", -1)]
)
def test_predict_checks_its_arguments(fitted, series, name, value):
    with pytest.raises(ValueError, match=f"Invalid value for argument `{name}`"):
        fitted.predict(series, start=series.index[340], **{name: value})


def test_lookback_larger_than_the_series_is_an_argument_error(series):
    model = TwoStageForecaster("y", **{**TINY, "lookback": 500})
    with pytest.raises(ValueError, match="argument `lookback`: expected fewer") as e:
        model.fit(series)
    assert "than the series has rows (400), received 500. Lookback 500 + " in str(
        e.value
    )


def test_predict_on_too_few_rows_says_how_many(fitted, series):
    with pytest.raises(DataError, match="expected at least lookback \\+ horizon"):
        fitted.predict(series.iloc[:10])
    with pytest.raises(ValueError, match="argument `start`: expected a timestamp"):
        fitted.predict(series, start=series.index[5])
    with pytest.raises(ValueError, match="`start`: .* received 'garbage'"):
        fitted.predict(series, start="garbage")


# ------------------------------------------------- repetition and reloading


def test_same_seed_is_bitwise_identical_whatever_came_before(fitted, series):
    start = series.index[340]
    first = fitted.predict(series, start=start, seed=3)
    fitted.predict(series, start=start, seed=4, num_samples=7)
    again = fitted.predict(series, start=start, seed=3)
    assert first.samples.tobytes() == again.samples.tobytes()
    pd.testing.assert_frame_equal(first.frame, again.frame, check_exact=True)
    other = fitted.predict(series, start=start, seed=4)
    assert not np.array_equal(first.samples, other.samples)


_RELOAD = """
import sys
import numpy as np
import pandas as pd
from uberforecast import TwoStageForecaster

folder, data, out = sys.argv[1:]
series = pd.read_pickle(data)
model = TwoStageForecaster.load(folder)
forecast = model.predict(series, start=series.index[340], seed=3)
np.save(out + ".npy", forecast.samples)
forecast.frame.to_pickle(out + ".pkl")
"""


def test_reload_in_a_new_process_gives_the_same_forecast(fitted, series, tmp_path):
    fitted.save(tmp_path / "model")
    series.to_pickle(tmp_path / "series.pkl")
    (tmp_path / "reload.py").write_text(_RELOAD)
    folder, data, out = (str(tmp_path / name) for name in ("model", "series.pkl", "o"))
    # The new process imports this checkout's package, as the tests do.
    paths = [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
    done = subprocess.run(
        [sys.executable, str(tmp_path / "reload.py"), folder, data, out],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    here = fitted.predict(series, start=series.index[340], seed=3)
    assert np.load(out + ".npy").tobytes() == here.samples.tobytes()
    there = pd.read_pickle(out + ".pkl")
    pd.testing.assert_frame_equal(there, here.frame, check_exact=True)


def _plain(config):
    """Tuples as lists: a reloaded config may hold either for the same shape."""
    if isinstance(config, dict):
        return {key: _plain(value) for key, value in config.items()}
    if isinstance(config, list | tuple):
        return [_plain(value) for value in config]
    return config


def _layer_configs(model):
    """Class name and config of every layer, nested models included."""
    configs = []
    for layer in model.layers:
        configs.append((type(layer).__name__, _plain(layer.get_config())))
        if hasattr(layer, "layers"):
            configs.extend(_layer_configs(layer))
    return configs


def test_every_layer_keeps_its_settings_through_save_and_load(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    loaded = TwoStageForecaster.load(tmp_path / "model")
    for mine, theirs in [
        (fitted.network_, loaded.network_),
        (fitted.autoencoder_, loaded.autoencoder_),
    ]:
        before, after = _layer_configs(mine), _layer_configs(theirs)
        assert [name for name, _ in before].count("MCDropout") >= 2
        assert after == before
        # And the settings themselves (test_layers checks non-default ones).
        for old, new in zip(
            mc_dropout_layers(mine), mc_dropout_layers(theirs), strict=True
        ):
            settings = ("name", "rate", "noise_shape", "seed", "mc")
            assert [getattr(new, s) for s in settings] == [
                getattr(old, s) for s in settings
            ]


def test_loaded_model_names_the_feature_columns_it_lacks(fitted, series, tmp_path):
    fitted.save(tmp_path / "model")
    loaded = TwoStageForecaster.load(tmp_path / "model")
    other = series.rename(columns={"x": "rain"})
    with pytest.raises(DataError, match=r"lacks the feature columns \['x'\];"):
        loaded.predict(other, start=series.index[340])


@pytest.fixture
def saved(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    return tmp_path / "model"


def _damage(folder, how):
    if how == "truncated network":
        network = folder / "prediction_network.keras"
        network.write_bytes(network.read_bytes()[:500])
    elif how == "garbage state":
        (folder / "forecaster.json").write_text("{not json")
    elif how == "state without keys":
        (folder / "forecaster.json").write_text('{"format": 1}')
    elif how == "other format":
        (folder / "forecaster.json").write_text('{"format": 99}')
    elif how == "missing file":
        (folder / "autoencoder.keras").unlink()


@pytest.mark.parametrize(
    "how,error,match",
    [
        ("truncated network", ValueError, "prediction_network.keras is not a .keras"),
        ("garbage state", ValueError, "forecaster.json is damaged or from another"),
        ("state without keys", ValueError, "json is damaged .*lacks the key 'params'"),
        ("other format", ValueError, "holds format 99; this version reads format"),
        ("missing file", FileNotFoundError, "autoencoder.keras missing"),
    ],
)
def test_damaged_model_folder_is_a_clear_error(saved, how, error, match):
    _damage(saved, how)
    with pytest.raises(error, match=match) as raised:
        TwoStageForecaster.load(saved)
    assert str(saved) in str(raised.value)


def test_cli_reports_a_missing_or_corrupt_model(saved, tmp_path, capsys):
    (tmp_path / "s.csv").write_text("date,y,x\n")
    args = ["predict", "--csv", str(tmp_path / "s.csv"), "--quiet", "--model"]
    assert main([*args, str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err == (
        "uberforecast predict: error: No saved forecaster at "
        f"{tmp_path / 'nowhere'}: not a folder.\n"
    )
    _damage(saved, "truncated network")
    assert main([*args, str(saved)]) == 2
    err = capsys.readouterr().err
    assert "error: Could not load the saved forecaster: " in err
    assert "prediction_network.keras is not a .keras archive" in err
    assert "Traceback" not in err


def test_dropout_off_at_inference_is_refused(fitted, series):
    broken = copy.copy(fitted)
    # The fault: the network's MCDropout layers have mc=False, so every sample
    # is the deterministic forecast and the model variance would be zero.
    broken.network_ = deterministic_copy(fitted.network_)
    broken._sampler = None
    with pytest.raises(RuntimeError, match=r"MC dropout is off at inference"):
        broken.predict(series, start=series.index[340])
    # With dropout rate 0 the same network is right: nothing to sample.
    broken.dropout = 0.0
    forecast = broken.predict(series, start=series.index[340])
    assert np.ptp(forecast.samples, axis=0).max() == 0
