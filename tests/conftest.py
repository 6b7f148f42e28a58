"""Shared fixtures: small synthetic series and a tiny fitted forecaster."""

import numpy as np
import pandas as pd
import pytest

from uberforecast import TwoStageForecaster

# Small enough to fit in seconds on two cores; the checks that use it are about
# plumbing (shapes, seeds, saving), not accuracy.
TINY = dict(
    lookback=14,
    encoder_units=(8, 4),
    decoder_units=4,
    hidden_units=(8,),
    encoder_epochs=2,
    network_epochs=2,
    batch_size=64,
    num_samples=10,
    validation_size=60,
)

# The same tiny model as `--set` overrides of the command line.
TINY_SET = [
    "model.encoder_units=[8, 4]",
    "model.decoder_units=4",
    "model.hidden_units=[8]",
    "model.encoder_epochs=1",
    "model.network_epochs=1",
    "model.num_samples=5",
    # The Chicago config feeds all 28 days beside the embedding; the tiny
    # lookbacks of the tests (14) take a week.
    "model.recent_steps=7",
]


def weekly_series(num_days=400, noise=1.0, seed=0, start="2020-01-01"):
    """A daily series: a weekly cycle around 10 plus Gaussian noise, and one
    feature (a random walk) that the target does not depend on."""
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=num_days, freq="D", name="date")
    cycle = 3 * np.sin(2 * np.pi * index.dayofweek / 7)
    return pd.DataFrame(
        {
            "y": 10 + cycle + noise * rng.standard_normal(num_days),
            "x": np.cumsum(rng.standard_normal(num_days)),
        },
        index=index,
    )


@pytest.fixture(scope="session")
def series():
    return weekly_series()


@pytest.fixture(scope="session")
def fitted(series):
    """A tiny forecaster fitted on the first 340 days (60 of them validation)."""
    return TwoStageForecaster("y", ("x",), **TINY).fit(series.iloc[:340])
