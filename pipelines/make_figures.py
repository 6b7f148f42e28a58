"""Write the README's figures of the Chicago test year to docs/images/.

- ``fan_chart.png``: actuals, forecast, 80% and 95% intervals, and the days
  outside the 99% interval (`uberforecast.flag_anomalies`);
- ``decomposition.png``: the predictive variance split into MLP dropout,
  encoder dropout and inherent noise (`uberforecast.uncertainty.decompose`).

    python pipelines/make_figures.py [--output docs/images]

The model is the default Chicago config with fewer epochs, so this runs in a
few minutes on two cores; ``make run`` trains the full one.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import matplotlib.pyplot as plt

from uberforecast import TwoStageForecaster, flag_anomalies
from uberforecast.config import load_config
from uberforecast.pipeline import load_data
from uberforecast.plotting import fan_chart, uncertainty_decomposition
from uberforecast.uncertainty import decompose

# Early stopping ends most default runs in 25 to 40 epochs; 15 and 20 keep the
# figure's shape at a third of the time.
OVERRIDES = ["model.encoder_epochs=15", "model.network_epochs=20"]
# The interval whose outliers the fan chart marks, as `uberforecast detect`.
FLAG_LEVEL = 99
# Small enough to commit, sharp enough to read on GitHub.
DPI = 80


def fit(config):
    """The data, the first test timestamp and the model fitted before it."""
    data_config = config["data"]
    frame = load_data(data_config)
    test_start = frame.index[-data_config["test_size"]]
    model = TwoStageForecaster(
        data_config["target"],
        tuple(data_config["features"]),
        validation_size=data_config["validation_size"],
        **{
            k: tuple(v) if isinstance(v, list) else v
            for k, v in config["model"].items()
        },
    )
    model.fit(frame.loc[: test_start - frame.index.freq])
    return frame, test_start, model


def write_fan_chart(model, frame, test_start, path):
    forecast = model.predict(frame, start=test_start, levels=(80, 95, FLAG_LEVEL))
    flags = flag_anomalies(forecast.frame, FLAG_LEVEL)
    fig, ax = plt.subplots(figsize=(11, 3.6))
    fan_chart(
        forecast.frame,
        (80, 95),
        ax=ax,
        anomalies=flags,
        title=f"Clark/Lake boardings (thousands), test year; red: outside the "
        f"{FLAG_LEVEL}% interval",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return flags[flags["flagged"]]


def write_decomposition(model, frame, test_start, path):
    parts = decompose(model, frame, start=test_start)
    fig, axes = plt.subplots(2, 1, figsize=(11, 5), sharex=True)
    uncertainty_decomposition(parts, ax=axes[0])
    uncertainty_decomposition(parts, ax=axes[1], share=True)
    axes[1].get_legend().remove()
    axes[0].set_ylabel("variance (thousands²)")
    axes[0].set_title("Predictive variance of the test year by source")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return parts[["mlp", "encoder", "noise"]].sum() / parts["total"].sum()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="docs/images", help="folder to write")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    frame, test_start, model = fit(load_config(overrides=OVERRIDES))
    flagged = write_fan_chart(model, frame, test_start, output / "fan_chart.png")
    shares = write_decomposition(model, frame, test_start, output / "decomposition.png")

    print(f"flagged outside the {FLAG_LEVEL}% interval:")
    print(flagged[["actual", "mean", "score", "side"]].round(2).to_string())
    print("share of the variance:", shares.round(3).to_dict())
    print(
        f"wrote {output}/fan_chart.png, decomposition.png in "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
