"""Stage-two choices on one pretrained encoder, scored on the Chicago validation year.

Stage one is fitted once (the default config, changed by `--set`); every
variant then refits only stage two on a copy of that encoder
(`TwoStageForecaster.fit(..., encoder=)`), so the comparison is free of the
encoder's own seed-to-seed spread. The test year is never touched.

    python pipelines/validate_stage_two.py --variants patience_15,hidden_256
"""

import json
import logging
import time

import numpy as np
import pandas as pd

# A sibling script, importable when this one runs as `python pipelines/...`.
from validate_choices import variant_parser

from uberforecast import TwoStageForecaster, metrics
from uberforecast.config import load_config
from uberforecast.pipeline import load_data, model_arguments

# Each variant: overrides of the `model` config section for stage two. A
# changed `dropout` applies to the copied encoder's dropout layers too.
VARIANTS = {
    "patience_15": {"patience": 15, "network_epochs": 200},
    "patience_30": {"patience": 30, "network_epochs": 400},
    "batch_32": {"batch_size": 32, "patience": 10, "network_epochs": 100},
    "lr_3e-4": {"learning_rate": 3e-4, "patience": 15, "network_epochs": 200},
    "dropout_0.02": {"dropout": 0.02},
    "dropout_0.1": {"dropout": 0.1},
    "hidden_256": {"hidden_units": (256, 128, 32)},
    "hidden_256_dropout_0.1": {"hidden_units": (256, 128, 32), "dropout": 0.1},
    "hidden_256_recent_7": {"hidden_units": (256, 128, 32), "recent_steps": 7},
}


def score(name, model, fitting, seconds):
    """Validation-year scores of a fitted model."""
    start = fitting.index[-model.validation_size]
    frame = model.predict(fitting, start=start).frame
    actual, mean = frame["actual"], frame["mean"]
    # sMAPE's terms (no zeros here), for the median day.
    terms = 200 * (mean - actual).abs() / (actual.abs() + mean.abs())
    return {
        "variant": name,
        "val_smape": metrics.smape(actual, mean),
        "val_median_smape": float(np.median(terms)),
        "val_coverage_95": metrics.coverage(
            frame["actual"], frame["lower_95"], frame["upper_95"]
        ),
        "val_bias": float((frame["mean"] - frame["actual"]).mean()),
        "epochs": len(model.history_["network"]["loss"]),
        "fit_seconds": seconds,
    }


def main():
    args = variant_parser(__doc__, VARIANTS).parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = load_config(overrides=args.set)
    data_config = config["data"]
    frame = load_data(data_config)
    fitting = frame.iloc[: len(frame) - data_config["test_size"]]
    shared = dict(
        target=data_config["target"],
        features=tuple(data_config["features"]),
        validation_size=data_config["validation_size"],
    )

    started = time.perf_counter()
    arguments = model_arguments(config["model"])
    base = TwoStageForecaster(**shared, **arguments).fit(fitting)
    seconds = time.perf_counter() - started
    rows = [score("base " + json.dumps(args.set), base, fitting, seconds)]
    for name in args.variants.split(","):
        started = time.perf_counter()
        model = TwoStageForecaster(**shared, **{**arguments, **VARIANTS[name]})
        model.fit(fitting, encoder=base.encoder_)
        rows.append(score(name, model, fitting, time.perf_counter() - started))
        print(
            pd.DataFrame(rows).to_string(index=False, float_format="{:.3f}".format),
            flush=True,
        )


if __name__ == "__main__":
    main()
