"""Does memory stay flat over many `predict` calls? Prints RSS as calls go by.

Fits a tiny model on a synthetic daily series, then calls `predict` on the
same frame `--calls` times and reports the process's resident memory (from
/proc/self/status, Linux only) after each checkpoint. A leak shows as growth
that keeps rising with the calls; a flat line after the first calls (which
trace the sampling function and fill caches) is what we want.

python pipelines/memory_growth.py --calls 1000
"""

import argparse
import logging
import time

import numpy as np
import pandas as pd

from uberforecast import TwoStageForecaster

# Tiny on purpose: the question is growth per call, not the size of one call.
MODEL = dict(
    lookback=14,
    encoder_units=(8, 4),
    decoder_units=4,
    hidden_units=(8,),
    encoder_epochs=1,
    network_epochs=1,
    validation_size=60,
    # The default number of passes, so each call moves realistic arrays.
    num_samples=100,
)


def rss_mb():
    """Resident set size of this process in MB, from /proc/self/status."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status (Linux only).")


def synthetic(num_days=400, seed=0):
    """A weekly cycle around 10 with noise, and one random-walk feature."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2020-01-01", periods=num_days, freq="D", name="date")
    cycle = 3 * np.sin(2 * np.pi * index.day_of_week / 7)
    return pd.DataFrame(
        {
            "y": 10 + cycle + rng.standard_normal(num_days),
            "x": np.cumsum(rng.standard_normal(num_days)),
        },
        index=index,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="predict calls")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    frame = synthetic()
    model = TwoStageForecaster("y", ("x",), **MODEL).fit(frame.iloc[:340])
    start = frame.index[340]
    # Checkpoints: the first call (tracing), then evenly through the run.
    checkpoints = sorted({1, 10, 100, *range(250, args.calls + 1, 250), args.calls})

    rows, started = [], time.perf_counter()
    baseline = rss_mb()
    for call in range(1, args.calls + 1):
        model.predict(frame, start=start, seed=call)
        if call in checkpoints:
            rows.append((call, rss_mb(), time.perf_counter() - started))

    print(f"RSS before the first predict: {baseline:.1f} MB")
    print(f"{'calls':>6} {'RSS MB':>8} {'growth MB':>10} {'seconds':>8}")
    for call, rss, seconds in rows:
        print(f"{call:>6} {rss:>8.1f} {rss - baseline:>10.1f} {seconds:>8.1f}")
    after_warmup = rows[-1][1] - next(rss for call, rss, _ in rows if call >= 100)
    print(f"growth from call 100 to call {args.calls}: {after_warmup:.1f} MB")


if __name__ == "__main__":
    main()
