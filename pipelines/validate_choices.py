"""Compare model choices on the Chicago validation period (never the test year).

Each variant changes the default config in one or two places, is fitted on the
data before the test year, and is scored on its validation year: sMAPE of the
MC mean and the validation MSE on the network's scale. Pick by these columns;
test-year figures belong to `uberforecast evaluate`.

    python pipelines/validate_choices.py --variants base,norm_mean,recent_7
"""

import argparse
import logging
import time

import pandas as pd

from uberforecast import TwoStageForecaster, metrics
from uberforecast.config import load_config
from uberforecast.peers import BoostingForecaster
from uberforecast.pipeline import load_data, model_arguments

# Each variant: overrides of the `model` config section.
VARIANTS = {
    "base": {},
    "norm_mean": {"window_normalisation": "mean"},
    "norm_none": {"window_normalisation": "none"},
    "norm_last": {"window_normalisation": "last"},
    "recent_7": {"recent_steps": 7},
    "norm_mean_recent_7": {"window_normalisation": "mean", "recent_steps": 7},
    "norm_none_recent_7": {"window_normalisation": "none", "recent_steps": 7},
    "transform_none": {"transform": "none"},
    "lr_3e-3": {"learning_rate": 3e-3},
    "batch_256": {"batch_size": 256},
    "dropout_input": {"encoder_dropout_at": ("input", "between", "embedding")},
    "dropout_0.05": {"dropout": 0.05},
    "dropout_0.2": {"dropout": 0.2},
    "lookback_14": {"lookback": 14},
    "lookback_56": {"lookback": 56},
    "no_weather": {"features": ()},
    "reconstruct": {"reconstruct": True},
    "recent_14": {"recent_steps": 14},
    "recent_28": {"recent_steps": 28},
    "patience_10": {"patience": 10},
    "dropout_0.02": {"dropout": 0.02},
    "hidden_256": {"hidden_units": (256, 128, 32)},
    "encoder_64_16": {"encoder_units": (64, 16), "decoder_units": 16},
    "norm_mean_recent_28": {"window_normalisation": "mean", "recent_steps": 28},
    "patience_30": {"patience": 30},
    "lookback_14_recent_14": {"lookback": 14, "recent_steps": 14},
    "dropout_0.1": {"dropout": 0.1},
    "transform_log": {"transform": "log"},
    "norm_standardise": {"window_normalisation": "standardise"},
}


def score_variant(name, frame, config):
    data_config = config["data"]
    arguments = model_arguments(config["model"])
    arguments["features"] = tuple(data_config["features"])
    arguments.update(VARIANTS[name])
    fitting = frame.iloc[: len(frame) - data_config["test_size"]]
    validation_start = fitting.index[-data_config["validation_size"]]

    started = time.perf_counter()
    model = TwoStageForecaster(
        data_config["target"],
        validation_size=data_config["validation_size"],
        **arguments,
    ).fit(fitting)
    seconds = time.perf_counter() - started
    forecast = model.predict(fitting, start=validation_start)
    frame = forecast.frame
    return {
        "variant": name,
        "val_smape": metrics.smape(frame["actual"], frame["mean"]),
        "val_coverage_95": metrics.coverage(
            frame["actual"], frame["lower_95"], frame["upper_95"]
        ),
        "val_mse_scaled": min(model.history_["network"]["val_loss"]),
        "noise_std_scaled": float(model.noise_variance_[0] ** 0.5),
        "model_std_scaled": float(forecast.model_variance.mean() ** 0.5),
        "epochs": f"{len(model.history_['encoder']['loss'])}+"
        f"{len(model.history_['network']['loss'])}",
        "fit_seconds": seconds,
    }


def score_boosting(intervals, frame, config):
    """The boosting peer on the same validation year, fitted on the years
    before it (its own early stopping uses their last `validation_size` days)."""
    data_config, model_config = config["data"], config["model"]
    fitting = frame.iloc[: len(frame) - data_config["test_size"]]
    validation_size = data_config["validation_size"]
    started = time.perf_counter()
    model = BoostingForecaster(
        data_config["target"],
        tuple(data_config["features"]),
        model_config["lookback"],
        model_config["horizon"],
        tuple(model_config["levels"]),
        intervals,
    ).fit(fitting.iloc[:-validation_size], validation_size)
    seconds = time.perf_counter() - started
    forecast = model.predict(fitting, fitting.index[-validation_size])
    return {
        "variant": f"boosting, {intervals} intervals",
        "val_smape": metrics.smape(forecast["actual"], forecast["mean"]),
        "val_coverage_95": metrics.coverage(
            forecast["actual"], forecast["lower_95"], forecast["upper_95"]
        ),
        "fit_seconds": seconds,
    }


def variant_parser(doc, variants):
    """The command line of a validation script: --variants and --set."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(
        "--variants",
        default=",".join(variants),
        help=f"comma-separated, from {', '.join(variants)}",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        help="config override applied to the base and every variant",
    )
    return parser


def main():
    parser = variant_parser(__doc__, VARIANTS)
    parser.add_argument(
        "--boosting",
        action="store_true",
        help="also score the boosting peer (Gaussian and quantile intervals)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = load_config(overrides=args.set)
    frame = load_data(config["data"])
    rows = []
    if args.boosting:
        rows += [
            score_boosting(kind, frame, config) for kind in ("gaussian", "quantile")
        ]
    for name in filter(None, args.variants.split(",")):
        rows.append(score_variant(name, frame, config))
        _print(rows)
    if not args.variants:
        _print(rows)


def _print(rows):
    table = pd.DataFrame(rows).to_string(index=False, float_format="{:.4f}".format)
    print(table, flush=True)


if __name__ == "__main__":
    main()
