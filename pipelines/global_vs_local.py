"""Global against local: one model for many series, one per series, and peers.

    python pipelines/global_vs_local.py chicago     # the 20 stations (hours)
    python pipelines/global_vs_local.py m3 --path ../shared/data/m3/m3_long.csv.gz
    python pipelines/global_vs_local.py chicago --quick   # a few minutes
    python pipelines/global_vs_local.py m3 --quick

Each runs `uberforecast evaluate` on a shipped config
(`pipelines/configs/chicago_stations.toml`, `m3_monthly.toml`): the global
two-stage model fitted once on every series, one two-stage model per series
with the same config (on M3 on a random subset, `--local-sample`), and the
classical peers per series; then prints the Markdown tables for
`docs/benchmarks.md` with the command that made them. `--quick` runs a tiny
model on a few series to check that everything runs; its numbers mean
nothing. Extra `--set section.key=value` options pass through.
"""

import argparse
import logging
import shlex
import sys
import time

import numpy as np

from uberforecast.config import load_config
from uberforecast.datasets import load_m3
from uberforecast.pipeline import evaluate_job, markdown_table

CONFIGS = {
    "chicago": "pipelines/configs/chicago_stations.toml",
    "m3": "pipelines/configs/m3_monthly.toml",
}
# A model that fits in seconds: the quick run checks plumbing, not accuracy.
QUICK_MODEL = [
    "model.encoder_units=[8, 4]",
    "model.decoder_units=4",
    "model.hidden_units=[8]",
    "model.encoder_epochs=2",
    "model.network_epochs=2",
    "model.num_samples=10",
]
QUICK = {
    # Three stations, a quarter each of validation and test: 1 minute a fit.
    "chicago": [
        'data.series=["Austin", "Clark_Lake", "Harlem"]',
        "data.validation_size=90",
        "data.test_size=90",
        "model.lookback=14",
        "evaluate.peers=['seasonal_naive', 'last_value']",
    ],
    # 30 series, local fits on 5 of them.
    "m3": ["evaluate.local_sample=5"],
}
QUICK_M3_SERIES = 30


def _overrides(args):
    overrides = []
    if args.data == "m3":
        overrides.append(f"data.path={args.path!r}")
        if args.local_sample is not None:
            overrides.append(f"evaluate.local_sample={args.local_sample}")
    if args.quick:
        overrides += QUICK_MODEL + QUICK[args.data]
        if args.data == "m3":
            # A random draw of series, so that the quick run sees every category.
            ids = load_m3(args.path)["series"].unique()
            chosen = np.random.default_rng(0).choice(
                ids, QUICK_M3_SERIES, replace=False
            )
            overrides.append(f"data.series={sorted(str(i) for i in chosen)!r}")
    if args.output:
        overrides.append(f"evaluate.output_dir={args.output!r}")
    return overrides + args.set


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", choices=sorted(CONFIGS))
    parser.add_argument("--path", default="../shared/data/m3/m3_long.csv.gz")
    parser.add_argument("--local-sample", type=int, help="M3: local fits on N series")
    parser.add_argument("--quick", action="store_true", help="tiny model, few series")
    parser.add_argument("--output", help="output folder (default: the config's)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    config = load_config(CONFIGS[args.data], _overrides(args))
    started = time.perf_counter()
    result = evaluate_job(config)
    minutes = (time.perf_counter() - started) / 60

    print(f"\nCommand: python pipelines/global_vs_local.py {shlex.join(sys.argv[1:])}")
    print(
        f"Whole run {minutes:.1f} min; global model's series input: "
        f"{result['series_input']}\n"
    )
    print(f"All {int(result['table']['series'].iloc[0])} series:\n")
    print(markdown_table(result["table"]))
    if result["subset_table"] is not None:
        count = int(result["subset_table"]["series"].iloc[0])
        print(f"\nThe {count} series of the local two-stage fits:\n")
        print(markdown_table(result["subset_table"]))
    print(f"\nTables, per-series scores and forecasts: {result['output_dir']}")


if __name__ == "__main__":
    main()
