"""The detection job: fit (or load) the model of a config, flag its test period.

It splits the data like `uberforecast.pipeline.run_job`, forecasts the test
period with the interval at the detection level, and writes the flagged rows
and a fan chart that marks them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from uberforecast import checks
from uberforecast.anomaly import flag_anomalies
from uberforecast.forecaster import TwoStageForecaster
from uberforecast.pipeline import load_data, model_arguments
from uberforecast.windows import split_sizes

logger = logging.getLogger(__name__)


def detect_job(config, level=99, model_path=None, requested=None):
    """Flag the observations of the test period outside the `level` interval.

    Parameters
    ----------
    config
        A resolved config (see `uberforecast.config.load_config`); its
        ``data`` section names the data and the validation and test sizes,
        ``run.output_dir`` the folder written.
    level
        Interval coverage in percent. Default: ``99``.
    model_path
        Folder of a saved model (``model/`` of a ``run``) to use instead of
        fitting the config's model; its target and features replace the
        config's, and only the test period (``data.test_size``, with the
        model's lookback before it) is needed. Default: ``None``.
    requested
        ``target`` and/or ``features`` the caller asked for explicitly (the
        command line's ``--target``, ``--features``); with `model_path`, a
        value other than the model's raises. Default: ``None``.

    Returns
    -------
    dict
        ``flags`` (every test step, see `flag_anomalies`), ``forecast``,
        ``output_dir`` and ``files`` (the paths written: ``anomalies.csv``
        with the flagged rows, ``anomalies.png``).
    """
    if (
        isinstance(level, bool)
        or not isinstance(level, int | float)
        or not (0 < level < 100)
    ):
        raise ValueError(
            "Invalid value for argument `level`: expected a percentage in (0, 100), "
            f"received {level!r}."
        )
    data_config = dict(config["data"])
    if model_path is None:
        frame = load_data(data_config)
        sizes = config["model"]["lookback"], config["model"]["horizon"]
        test_start, fitting = _split(frame, data_config, *sizes)
        model = TwoStageForecaster(
            data_config["target"],
            tuple(data_config["features"]),
            validation_size=data_config["validation_size"],
            **model_arguments(config["model"]),
        ).fit(fitting)
    else:
        model = TwoStageForecaster.load(model_path)
        _check_requested(model, requested or {})
        data_config.update(target=model.target, features=list(model.features))
        frame = load_data(data_config)
        test_start = _loaded_test_start(frame, data_config, model.lookback)
    levels = tuple(sorted({*model.levels, level}))
    forecast = model.predict(frame, start=test_start, levels=levels)
    flags = flag_anomalies(forecast.frame, level)
    logger.info(
        "Flagged %d of %d test steps outside the %s%% interval",
        int(flags["flagged"].sum()),
        len(flags),
        level,
    )

    output_dir = Path(config["run"]["output_dir"])
    files = _write(output_dir, forecast, flags, level, data_config["target"])
    return {
        "flags": flags,
        "forecast": forecast,
        "output_dir": output_dir,
        "files": files,
    }


def _split(frame, data_config, lookback, horizon):
    """The first test timestamp and the fitting data (training + validation)."""
    validation_size = data_config["validation_size"]
    test_size = checks.positive_int("test_size", data_config["test_size"])
    train_size = split_sizes(len(frame), validation_size, test_size, lookback, horizon)
    end = train_size + validation_size
    return frame.index[end], frame.iloc[:end]


def _check_requested(model, requested):
    """Refuse a --target or --features that the loaded model does not use."""
    own = {"target": model.target, "features": list(model.features)}
    for name, value in requested.items():
        if value is not None and value != own[name]:
            raise ValueError(
                f"Invalid value for `{name}` with a saved model: the model was "
                f"fitted with {name} {own[name]!r}, received {value!r}. Leave it "
                "out to use the model's, or fit a new model."
            )


def _loaded_test_start(frame, data_config, lookback):
    """The first test timestamp for a loaded model: it needs no validation
    period, only `lookback` steps before the last `test_size`."""
    test_size = checks.positive_int("test_size", data_config["test_size"])
    if len(frame) < lookback + test_size:
        raise ValueError(
            f"The series is too short for the loaded model: it has {len(frame)} "
            f"rows; lookback {lookback} + test {test_size} (data.test_size) need "
            f"at least {lookback + test_size}."
        )
    return frame.index[len(frame) - test_size]


def _write(output_dir, forecast, flags, level, target):
    import matplotlib.pyplot as plt

    from uberforecast.plotting import fan_chart

    output_dir.mkdir(parents=True, exist_ok=True)
    table = output_dir / "anomalies.csv"
    flags[flags["flagged"]].drop(columns="flagged").to_csv(table)

    ax = fan_chart(
        forecast.frame,
        (level,),
        anomalies=flags,
        title=f"{target}: observations outside the {level}% interval",
    )
    ax.figure.tight_layout()
    chart = output_dir / "anomalies.png"
    ax.figure.savefig(chart, dpi=110)
    plt.close(ax.figure)
    logger.info("Wrote %s and %s", table, chart)
    return {"table": table, "chart": chart}
