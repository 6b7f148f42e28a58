"""Coverage of full and nested MC sampling on the Chicago test year.

Fits the default config once on the data before the test year, then forecasts
the test year with full sampling (one encoder pass per sample) and with nested
sampling (fewer encoder passes, the MLP's passes spread over them), each with a
few seeds, and prints coverage, width and seconds per prediction. The spread
between seeds of full sampling shows how much coverage moves by MC noise alone.

    python pipelines/nested_coverage.py --encoder-samples 5,10,20 --seeds 0,1,2
"""

import argparse
import logging
import time

import pandas as pd

from uberforecast import TwoStageForecaster
from uberforecast.config import load_config
from uberforecast.pipeline import load_data


def fit_default(config):
    """The default model fitted before the test year, and the test start."""
    data = config["data"]
    frame = load_data(data)
    arguments = {
        k: tuple(v) if isinstance(v, list) else v for k, v in config["model"].items()
    }
    test_start = frame.index[len(frame) - data["test_size"]]
    model = TwoStageForecaster(
        data["target"],
        tuple(data["features"]),
        validation_size=data["validation_size"],
        **arguments,
    ).fit(frame.loc[: test_start - frame.index.freq])
    return model, frame, test_start


def score(model, frame, test_start, encoder_samples, seed):
    started = time.perf_counter()
    forecast = model.predict(
        frame, start=test_start, seed=seed, encoder_samples=encoder_samples
    )
    seconds = time.perf_counter() - started
    row = {
        "sampling": "full" if encoder_samples is None else "nested",
        "encoder_samples": encoder_samples or model.num_samples,
        "seed": seed,
        "predict_s": seconds,
    }
    result = forecast.frame
    for level in forecast.levels:
        inside = result["actual"].between(
            result[f"lower_{level}"], result[f"upper_{level}"]
        )
        row[f"coverage_{level}"] = 100 * inside.mean()
        row[f"width_{level}"] = (
            result[f"upper_{level}"] - result[f"lower_{level}"]
        ).mean()
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder-samples", default="5,10,20")
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    started = time.perf_counter()
    model, frame, test_start = fit_default(load_config())
    fit_seconds = time.perf_counter() - started
    seeds = [int(seed) for seed in args.seeds.split(",")]
    passes = [None] + [int(n) for n in args.encoder_samples.split(",")]
    rows = [
        score(model, frame, test_start, encoder_samples, seed)
        for encoder_samples in passes
        for seed in seeds
    ]
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format="{:.2f}".format))
    print()
    means = table.groupby(["sampling", "encoder_samples"]).mean(numeric_only=True)
    print(means.drop(columns="seed").to_string(float_format="{:.2f}".format))
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in model.timings_.items())
    print(f"\nfit {fit_seconds:.1f}s ({timings})")


if __name__ == "__main__":
    main()
