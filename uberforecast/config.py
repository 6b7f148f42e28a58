"""Run configuration: defaults, TOML files and command-line overrides.

The defaults below are the Chicago run; ``pipelines/configs/chicago.toml``
spells them out (a test keeps the two equal). A config file or a
``--set section.key=value`` override changes only what it names; an unknown
section or key is an error.
"""

from __future__ import annotations

import copy
import datetime
import tomllib
from pathlib import Path

import tomli_w

from uberforecast.data import CHICAGO_EVENTS, CHICAGO_WEATHER

DEFAULTS = {
    "data": {
        # "chicago" or "chicago_stations" (embedded), "csv", "uci_bike" or "m3"
        # (read from `path`).
        "source": "chicago",
        "path": "",
        "time_column": "date",
        "target": "ridership",
        "features": list(CHICAGO_WEATHER + CHICAGO_EVENTS),
        # Empty: inferred from the timestamps.
        "freq": "",
        # Empty: refuse missing timestamps and empty values; or "interpolate",
        # "ffill" to fill them (see `uberforecast.check_frame`).
        "fill": "",
        "validation_size": 365,
        "test_size": 365,
        # First timestamp used, e.g. "2011-09-01"; empty: from the data's start.
        "start": "",
        # "single": one series. Many series (a global model): "long" (a row per
        # series and timestamp, ids in `series_column`) or "wide" (a column per
        # series, named in `series`; the series' values take the name `target`).
        "layout": "single",
        "series_column": "series",
        # Series to use; empty: every series (long form, chicago_stations).
        "series": [],
    },
    "model": {
        "lookback": 28,
        "horizon": 1,
        "transform": "none",
        "window_normalisation": "standardise",
        "calendar": True,
        "encoder_units": [128, 32],
        "decoder_units": 32,
        "reconstruct": False,
        "encoder_dropout_at": ["between", "embedding"],
        "hidden_units": [256, 128, 32],
        "recent_steps": 28,
        "dropout": 0.05,
        "encoder_epochs": 100,
        "network_epochs": 200,
        "batch_size": 128,
        "learning_rate": 0.001,
        "patience": 15,
        "num_samples": 100,
        "levels": [80, 95],
        "seed": 0,
    },
    # `GlobalForecaster`'s own arguments, for many series.
    "global": {
        # "auto": chosen on validation among "none", "onehot" and "embedding".
        "series_input": "auto",
        "series_embedding_size": 4,
        # Fewer validation windows than this: the series takes the pooled noise.
        "min_noise_windows": 30,
        "noise_shrinkage": 0.0,
    },
    "run": {
        "output_dir": "outputs/chicago",
        # 0: the frequency's natural season (7 for daily data).
        "season": 0,
        # Many series: the seasonal-naive intervals from the residuals of each
        # series' "validation" period or of its whole "fitting" period.
        "naive_residuals": "validation",
    },
    "evaluate": {
        "output_dir": "outputs/chicago_evaluate",
        # Short names of `uberforecast.comparison.PEERS` beside the two-stage rows.
        "peers": [
            "lstm",
            "boosting",
            "boosting_gaussian",
            "ets",
            "seasonal_naive",
            "last_value",
        ],
        # 1: fit once; more: refit before each of that many test blocks.
        "origins": 1,
        # Many series: also fit one two-stage model per series (local), on
        # `local_sample` series drawn with `sample_seed` (0: all of them).
        "local": True,
        "local_sample": 0,
        "sample_seed": 0,
    },
}


def load_config(path=None, overrides=()):
    """The defaults, updated by a TOML file and then by overrides.

    Parameters
    ----------
    path
        A TOML file with any of the sections ``data``, ``model``,
        ``global``, ``run``, ``evaluate``.
        Default: ``None`` (the defaults alone).
    overrides
        Strings ``"section.key=value"``, the value in TOML syntax (strings
        may go unquoted). Default: ``()``.

    Returns
    -------
    dict
        The resolved configuration.
    """
    config = copy.deepcopy(DEFAULTS)
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"Config file not found: {path}")
        with path.open("rb") as file:
            try:
                update(config, tomllib.load(file), source=str(path))
            except tomllib.TOMLDecodeError as error:
                raise ValueError(
                    f"Config file {path} is not valid TOML: {error}"
                ) from None
    for override in overrides:
        key, value = parse_override(override)
        section, name = key.split(".", 1)
        update(config, {section: {name: value}}, source=f"--set {override}")
    return config


def parse_override(text):
    """``"model.lookback=14"`` to ``("model.lookback", 14)``."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or key.count(".") != 1:
        raise ValueError(
            f"Invalid override {text!r}: expected 'section.key=value', e.g. "
            "'model.lookback=14'."
        )
    raw = raw.strip()
    try:
        value = tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        if raw[:1] in "[{\"'" or not raw:
            raise ValueError(
                f"Invalid override {text!r}: {raw!r} is not a TOML value; lists "
                'are written [4, 2] or ["temp", "rain"].'
            ) from None
        # A bare word is taken as a string: data.path=trips.csv.
        value = raw
    return key, value


def update(config, changes, source):
    """Apply `changes` to `config` in place, refusing unknown names."""
    for section, values in changes.items():
        if section not in config:
            raise ValueError(
                f"Unknown config section {section!r} in {source}; expected one of "
                f"{list(config)}."
            )
        if not isinstance(values, dict):
            raise ValueError(f"Config section {section!r} in {source} must be a table.")
        for name, value in values.items():
            if name not in config[section]:
                raise ValueError(
                    f"Unknown config key {section}.{name} in {source}; "
                    f"{section} has {sorted(config[section])}."
                )
            value = _dates_as_text(config[section][name], value)
            _check_kind(f"{section}.{name}", config[section][name], value, source)
            config[section][name] = value


def _dates_as_text(default, value):
    """A TOML date where a string is expected (``data.start = 2011-08-16``,
    unquoted) is that date's ISO text, as pandas reads it."""
    is_date = isinstance(value, datetime.date | datetime.time)
    if isinstance(default, str) and is_date:
        return value.isoformat()
    return value


def _check_kind(key, default, value, source):
    """Refuse a value of another kind than the default (a word for a list)."""
    if isinstance(default, list) and not isinstance(value, list):
        raise ValueError(
            f"Invalid value for config key `{key}` in {source}: expected a list "
            f'in TOML syntax, e.g. ["a", "b"] or [1, 2], received {value!r}.'
        )
    if isinstance(default, str) and not isinstance(value, str):
        raise ValueError(
            f"Invalid value for config key `{key}` in {source}: expected a "
            f"string, received {value!r}."
        )


def write_config(config, path):
    """Write a resolved configuration as TOML."""
    Path(path).write_text(tomli_w.dumps(config))
