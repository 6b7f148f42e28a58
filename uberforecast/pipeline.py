"""The main job: load, fit both stages, forecast the test period, score, write."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from uberforecast import checks
from uberforecast.baselines import SeasonalNaive
from uberforecast.config import write_config
from uberforecast.data import check_frame, from_start, load_chicago, load_csv
from uberforecast.datasets import load_uci_bike
from uberforecast.evaluation import score_frame, season_for
from uberforecast.forecaster import TwoStageForecaster
from uberforecast.windows import split_sizes

logger = logging.getLogger(__name__)


def load_data(data_config):
    """The frame a `data` config section names, checked, from `data.start` on."""
    return from_start(_load_data(data_config), data_config["start"])


def _load_data(data_config):
    if data_config.get("layout", "single") != "single":
        raise NotImplementedError(
            "This command takes one series (data.layout = 'single'); for many "
            "series use `uberforecast run` or `evaluate`."
        )
    target, features = data_config["target"], list(data_config["features"])
    freq, fill = data_config["freq"] or None, data_config["fill"] or None
    if data_config["source"] == "chicago":
        return check_frame(load_chicago(), target, features, freq, fill=fill)
    if data_config["source"] == "uci_bike":
        frame = load_uci_bike(_path(data_config))
        return check_frame(frame, target, features, freq, fill=fill)
    if data_config["source"] == "csv":
        path, time_column = _path(data_config), data_config["time_column"]
        return load_csv(path, time_column, target, features, freq, fill=fill)
    raise ValueError(
        "Invalid value for config key `data.source`: expected 'chicago', 'csv' or "
        f"'uci_bike', received {data_config['source']!r}."
    )


def _path(data_config):
    if not data_config["path"]:
        raise ValueError(
            f"data.source is {data_config['source']!r} but data.path is empty."
        )
    return data_config["path"]


def run_job(config):
    """Run the whole job for a resolved config (see `uberforecast.config`).

    Returns
    -------
    dict
        ``scores`` (model name to metrics), ``timings`` (seconds per stage),
        ``forecast`` (the model's `Forecast`) and ``output_dir``. For many
        series (``data.layout`` long or wide) see
        `uberforecast.panel_pipeline.run_panel_job`.
    """
    from uberforecast.panel_pipeline import is_panel, run_panel_job

    if is_panel(config["data"]):
        return run_panel_job(config)
    data_config, model_config = config["data"], config["model"]
    frame = load_data(data_config)
    validation_size, test_size = (
        data_config["validation_size"],
        data_config["test_size"],
    )
    horizon, lookback = model_config["horizon"], model_config["lookback"]
    # The job forecasts a test period, so it cannot be empty here.
    checks.positive_int("test_size", test_size)
    train_size = split_sizes(len(frame), validation_size, test_size, lookback, horizon)
    test_start = frame.index[train_size + validation_size]
    fitting = frame.iloc[: train_size + validation_size]
    logger.info(
        "%d steps: training to %s, validation to %s, test from %s to %s",
        len(frame),
        frame.index[train_size - 1],
        fitting.index[-1],
        test_start,
        frame.index[-1],
    )

    timings = {}
    started = time.perf_counter()
    model = TwoStageForecaster(
        data_config["target"],
        tuple(data_config["features"]),
        validation_size=validation_size,
        **model_arguments(model_config),
    ).fit(fitting)
    timings.update({f"fit_{name}": value for name, value in model.timings_.items()})
    timings["fit_total"] = time.perf_counter() - started
    logger.info(
        "Fitted: stage one %.1fs, stage two %.1fs, noise %.1fs",
        model.timings_["stage_one"],
        model.timings_["stage_two"],
        model.timings_["noise"],
    )

    started = time.perf_counter()
    forecast = model.predict(frame, start=test_start)
    timings["predict"] = time.perf_counter() - started
    logger.info("Forecast the test period in %.1fs", timings["predict"])

    target = frame[data_config["target"]]
    season = config["run"]["season"] or season_for(frame.index.freqstr)
    naive = SeasonalNaive(season, horizon, model_config["levels"])
    naive_frame = naive.fit(fitting[target.name], validation_size).predict(
        target, test_start
    )
    history = target.iloc[:train_size]
    levels = forecast.levels
    scores = {
        "two-stage": score_frame(forecast.frame, levels, history, season),
        "seasonal naive": score_frame(naive_frame, levels, history, season),
    }

    output_dir = Path(config["run"]["output_dir"])
    _write_outputs(output_dir, config, model, forecast, scores, timings)
    return {
        "scores": scores,
        "timings": timings,
        "forecast": forecast,
        "output_dir": output_dir,
    }


def model_arguments(model_config):
    """Constructor arguments from the `model` config section, lists as tuples."""
    return {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in model_config.items()
    }


def _write_outputs(output_dir, config, model, forecast, scores, timings):
    from uberforecast.plotting import fan_chart

    output_dir.mkdir(parents=True, exist_ok=True)
    forecast.frame.to_csv(output_dir / "forecasts.csv")
    metrics = {
        "scores": scores,
        "timings_seconds": timings,
        "noise_variance": model.noise_variance_.tolist(),
    }
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    write_config(config, output_dir / "config.toml")
    model.save(output_dir / "model")

    ax = fan_chart(
        forecast.frame,
        forecast.levels,
        title=f"{config['data']['target']}: test period",
    )
    ax.figure.tight_layout()
    ax.figure.savefig(output_dir / "fan_chart.png", dpi=110)
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
    logger.info(
        "Wrote forecasts, metrics, config, model and fan chart to %s", output_dir
    )


def scores_table(scores):
    """The scores as a frame, one row per model, for printing."""
    table = pd.DataFrame(scores).T
    table.index.name = "model"
    return table


def evaluate_job(config):
    """Every model of the evaluation on the config's data; write the table.

    Returns
    -------
    dict
        ``table`` (see `uberforecast.comparison.evaluate_models`),
        ``forecasts`` and ``output_dir``, which holds ``table.csv``,
        ``table.md``, each model's forecasts in ``forecasts/`` and the
        resolved ``config.toml``. For many series see
        `uberforecast.panel_pipeline.evaluate_panel_job`.
    """
    from uberforecast.comparison import evaluate_models
    from uberforecast.panel_pipeline import evaluate_panel_job, is_panel

    if is_panel(config["data"]):
        return evaluate_panel_job(config)
    data_config, model_config = config["data"], config["model"]
    evaluate_config = config["evaluate"]
    frame = load_data(data_config)
    checks.positive_int("test_size", data_config["test_size"])
    season = config["run"]["season"] or season_for(frame.index.freqstr)
    result = evaluate_models(
        frame,
        data_config["target"],
        data_config["features"],
        model_arguments(model_config),
        validation_size=data_config["validation_size"],
        test_size=data_config["test_size"],
        season=season,
        peers=tuple(evaluate_config["peers"]),
        origins=evaluate_config["origins"],
    )
    output_dir = Path(evaluate_config["output_dir"])
    (output_dir / "forecasts").mkdir(parents=True, exist_ok=True)
    result["table"].to_csv(output_dir / "table.csv")
    (output_dir / "table.md").write_text(markdown_table(result["table"]) + "\n")
    for name, forecast in result["forecasts"].items():
        forecast.to_csv(output_dir / "forecasts" / f"{_file_name(name)}.csv")
    write_config(config, output_dir / "config.toml")
    logger.info("Wrote the table, forecasts and config to %s", output_dir)
    return {**result, "output_dir": output_dir}


def _file_name(name):
    kept = "".join(c if c.isalnum() else "_" for c in name.lower())
    return "_".join(part for part in kept.split("_") if part)


def markdown_table(table):
    """A scores table as Markdown, coverages in percent."""
    header = ["model", *table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, row in table.iterrows():
        cells = [name] + [_cell(column, value) for column, value in row.items()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(column, value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    if column.startswith("coverage_"):
        return f"{100 * value:.1f}"
    if column in ("series", "fitted_series"):
        return f"{value:.0f}"
    if column in ("smape",) or column.endswith("_seconds"):
        return f"{value:.2f}" if column == "smape" else f"{value:.1f}"
    return f"{value:.3f}"
