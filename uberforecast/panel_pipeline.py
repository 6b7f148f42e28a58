"""The main job and the evaluation on many series: `data.layout` long or wide.

`uberforecast.pipeline.run_job` and `evaluate_job` hand a config whose
``data.layout`` is not ``"single"`` to `run_panel_job` and
`evaluate_panel_job`. Each series is split alike: its last ``test_size``
steps are the test period, the ``validation_size`` before them validate.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pandas as pd

from uberforecast import checks
from uberforecast.baselines import SeasonalNaive
from uberforecast.config import write_config
from uberforecast.data import from_start, load_chicago
from uberforecast.datasets import (
    CHICAGO_STATIONS,
    load_chicago_stations,
    load_m3,
    load_uci_bike,
)
from uberforecast.evaluation import season_for
from uberforecast.global_forecaster import GlobalForecaster
from uberforecast.panel import (
    check_panel,
    panel_from_long,
    panel_from_wide,
    read_panel_csv,
    split_panel,
)
from uberforecast.panel_comparison import naive_residual_size
from uberforecast.panel_evaluation import aggregate_scores, score_series

logger = logging.getLogger(__name__)

LAYOUTS = ("single", "long", "wide")
# Series printed one per row by the command line; more go to per_series.csv.
MAX_PRINTED_SERIES = 30


def is_panel(data_config):
    """Whether a `data` config section names many series."""
    checks.one_of("data.layout", data_config["layout"], LAYOUTS)
    return data_config["layout"] != "single"


def load_panel(data_config):
    """The checked panel a `data` config section names (see `check_panel`)."""
    series = list(data_config["series"]) or None
    if data_config["source"] == "chicago_stations" and series is None:
        series = list(CHICAGO_STATIONS)
    if data_config["layout"] == "wide" and series is None:
        raise ValueError(
            "Invalid value for config key `data.series`: expected the wide "
            "frame's series columns, received []."
        )
    panel = _unchecked_panel(data_config, series)
    target, features = data_config["target"], list(data_config["features"])
    freq, fill = data_config["freq"] or None, data_config["fill"] or None
    panel = check_panel(panel, target, features, freq, fill=fill)
    start = data_config["start"]
    return {sid: from_start(frame, start) for sid, frame in panel.items()}


def _unchecked_panel(data_config, series):
    source, layout = data_config["source"], data_config["layout"]
    target, features = data_config["target"], list(data_config["features"])
    time_column, series_column = (
        data_config["time_column"],
        data_config["series_column"],
    )
    if source == "csv":
        return read_panel_csv(
            _path(data_config),
            layout,
            time_column,
            target,
            features,
            series_column=series_column,
            series=series,
        )
    # M3 is in long form; the other data sets have one row per timestamp.
    expected = "long" if source == "m3" else "wide"
    loaders = {
        "chicago": load_chicago,
        "chicago_stations": load_chicago_stations,
        "uci_bike": lambda: load_uci_bike(_path(data_config)),
        "m3": lambda: load_m3(_path(data_config), "monthly"),
    }
    if source not in loaders:
        raise ValueError(
            "Invalid value for config key `data.source`: expected 'chicago', "
            f"'chicago_stations', 'csv', 'm3' or 'uci_bike', received {source!r}."
        )
    if layout != expected:
        raise ValueError(
            f"Invalid value for config key `data.layout`: data.source {source!r} "
            f"is in {expected} form, so expected {expected!r}, received {layout!r}."
        )
    frame = loaders[source]()
    if source == "m3":
        return panel_from_long(
            frame, series_column, time_column, target, features, series
        )
    return panel_from_wide(frame, series, target, features)


def _path(data_config):
    if not data_config["path"]:
        raise ValueError(
            f"data.source is {data_config['source']!r} but data.path is empty."
        )
    return data_config["path"]


def _split(config, panel):
    """Each series' fitting period and first test timestamp."""
    data_config, model_config = config["data"], config["model"]
    test_size = checks.positive_int("test_size", data_config["test_size"])
    split_panel(
        panel,
        data_config["validation_size"],
        test_size,
        model_config["lookback"],
        model_config["horizon"],
    )
    fitting = {sid: frame.iloc[:-test_size] for sid, frame in panel.items()}
    starts = {sid: frame.index[-test_size] for sid, frame in panel.items()}
    return fitting, starts


def run_panel_job(config):
    """`run_job` for many series: one global model, scored per series.

    Returns
    -------
    dict
        ``scores`` (model name to the aggregated scores of
        `panel_evaluation.aggregate_scores`), ``per_series`` (each model's
        per-series scores, indexed by model and series), ``timings``,
        ``forecast`` (the `PanelForecast`), ``series_input`` and
        ``output_dir``.
    """
    from uberforecast.pipeline import model_arguments

    data_config = config["data"]
    panel = load_panel(data_config)
    fitting, starts = _split(config, panel)
    logger.info("%d series; test periods from %s", len(panel), min(starts.values()))

    timings, started = {}, time.perf_counter()
    model = GlobalForecaster(
        data_config["target"],
        tuple(data_config["features"]),
        validation_size=data_config["validation_size"],
        **config["global"],
        **model_arguments(config["model"]),
    ).fit(fitting)
    timings.update({f"fit_{name}": value for name, value in model.timings_.items()})
    timings["fit_total"] = time.perf_counter() - started
    started = time.perf_counter()
    forecast = model.predict(panel, start=starts)
    timings["predict"] = time.perf_counter() - started

    per_series, scores = _score(config, panel, fitting, starts, forecast)
    output_dir = Path(config["run"]["output_dir"])
    _write_run(output_dir, config, model, forecast, scores, per_series, timings)
    return {
        "scores": scores,
        "per_series": per_series,
        "timings": timings,
        "forecast": forecast,
        "series_input": model.series_input_,
        "output_dir": output_dir,
    }


def _score(config, panel, fitting, starts, forecast):
    """Per-series and aggregated scores of the global model and seasonal naive."""
    target, levels = config["data"]["target"], forecast.levels
    season = config["run"]["season"] or season_for(
        next(iter(panel.values())).index.freqstr
    )
    frames = {
        "two-stage (global)": {sid: part.frame for sid, part in forecast.items()},
        "seasonal naive": _seasonal_naive(config, panel, fitting, starts, season),
    }
    # MASE's scale: each series' whole fitting period, as the M competitions.
    histories = {sid: frame[target] for sid, frame in fitting.items()}
    per_series = {
        name: score_series(parts, histories, levels, season)
        for name, parts in frames.items()
    }
    scores = {
        name: aggregate_scores(per_series[name], frames[name], levels)
        for name in frames
    }
    return pd.concat(per_series, names=["model", "series"]), scores


def _seasonal_naive(config, panel, fitting, starts, season):
    """Each series' seasonal-naive forecast frame of its test period."""
    target, horizon = config["data"]["target"], config["model"]["horizon"]
    levels = config["model"]["levels"]
    windows = config["data"]["validation_size"] - horizon + 1
    if windows < 2 and config["run"]["naive_residuals"] == "validation":
        raise ValueError(
            f"Invalid value for config key `run.naive_residuals`: the validation "
            f"period holds {windows} window per series, too few for the seasonal-"
            "naive intervals; expected 'fitting' (every fitting window), received "
            "'validation'."
        )
    frames = {}
    for sid, frame in panel.items():
        steps = naive_residual_size(
            len(fitting[sid]),
            config["data"]["validation_size"],
            season,
            horizon,
            config["run"]["naive_residuals"],
        )
        model = SeasonalNaive(season, horizon, levels).fit(fitting[sid][target], steps)
        frames[sid] = model.predict(frame[target], starts[sid])
    return frames


def _write_run(output_dir, config, model, forecast, scores, per_series, timings):
    output_dir.mkdir(parents=True, exist_ok=True)
    forecast.frame.to_csv(output_dir / "forecasts.csv")
    per_series.to_csv(output_dir / "per_series.csv")
    metrics = {
        "scores": scores,
        "timings_seconds": timings,
        "series_input": model.series_input_,
        "series_input_losses": model.series_input_losses_,
        "noise_variance": {
            str(sid): variance.tolist()
            for sid, variance in model.noise_variance_.items()
        },
        "noise_source": {
            str(sid): source for sid, source in model.noise_source_.items()
        },
    }
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    write_config(config, output_dir / "config.toml")
    model.save(output_dir / "model")
    _fan_charts(output_dir / "fan_chart.png", forecast, config["data"]["target"])
    logger.info(
        "Wrote forecasts, scores, config, model and fan charts to %s", output_dir
    )


def _fan_charts(path, forecast, target, shown=4):
    """Fan charts of the first `shown` series' test periods, one per row."""
    import matplotlib.pyplot as plt

    from uberforecast.plotting import fan_chart

    series = forecast.series[:shown]
    figure, axes = plt.subplots(
        len(series), 1, figsize=(10, 2.6 * len(series)), squeeze=False
    )
    for sid, ax in zip(series, axes[:, 0], strict=True):
        fan_chart(forecast[sid].frame, forecast.levels, ax=ax, title=f"{target}: {sid}")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def evaluate_panel_job(config):
    """`evaluate_job` for many series: global against local and the peers.

    Returns
    -------
    dict
        As `uberforecast.panel_comparison.evaluate_panel`, plus
        ``output_dir``, which holds ``table.csv`` and ``table.md`` (all
        series), ``subset_table.csv`` and ``.md`` (the local models'
        series, when they are a subset), ``per_series.csv``, each model's
        forecasts in ``forecasts/`` and the resolved ``config.toml``.
    """
    from uberforecast.panel_comparison import evaluate_panel, sample_series
    from uberforecast.pipeline import model_arguments

    data_config, evaluate_config = config["data"], config["evaluate"]
    if evaluate_config["origins"] != 1:
        raise NotImplementedError(
            "Rolling origins (evaluate.origins > 1) are not implemented for many "
            "series; use evaluate.origins = 1, or evaluate one series with "
            "data.layout = 'single'."
        )
    panel = load_panel(data_config)
    season = config["run"]["season"] or season_for(
        next(iter(panel.values())).index.freqstr
    )
    local_series = sample_series(
        list(panel), evaluate_config["local_sample"], evaluate_config["sample_seed"]
    )
    result = evaluate_panel(
        panel,
        data_config["target"],
        data_config["features"],
        model_arguments(config["model"]),
        dict(config["global"]),
        validation_size=data_config["validation_size"],
        test_size=data_config["test_size"],
        season=season,
        peers=tuple(evaluate_config["peers"]),
        local=evaluate_config["local"],
        local_series=local_series,
        naive_residuals=config["run"]["naive_residuals"],
    )
    output_dir = Path(evaluate_config["output_dir"])
    _write_evaluation(output_dir, config, result)
    return {**result, "output_dir": output_dir}


def _write_evaluation(output_dir, config, result):
    from uberforecast.pipeline import _file_name, markdown_table

    (output_dir / "forecasts").mkdir(parents=True, exist_ok=True)
    for name in ("table", "subset_table"):
        if result[name] is not None:
            result[name].to_csv(output_dir / f"{name}.csv")
            (output_dir / f"{name}.md").write_text(markdown_table(result[name]) + "\n")
    result["per_series"].to_csv(output_dir / "per_series.csv")
    for name, forecast in result["forecasts"].items():
        forecast.to_csv(output_dir / "forecasts" / f"{_file_name(name)}.csv")
    write_config(config, output_dir / "config.toml")
    logger.info("Wrote the tables, forecasts and config to %s", output_dir)
