"""M3 monthly (1,428 series, the official 18-month hold-out): the classical
peers computed by this package's metrics, beside the published Theta figure.

    python pipelines/m3_benchmark.py --path ../shared/data/m3/m3_long.csv.gz

Each series is forecast 18 months ahead from the end of its training part.
Seasonal naive uses `uberforecast.baselines.SeasonalNaive`, its intervals
from the residuals of every 18-month window of the training part (the last
18 months alone hold one window, whose single residual per step gave
intervals of zero width); Theta is statsmodels' `ThetaModel` (period 12, its
own deseasonalising test and intervals). The global two-stage model, the
local ones and the same seasonal naive on the same split come from
`python pipelines/global_vs_local.py m3`.
"""

import argparse
import logging
import time
import warnings

import pandas as pd

from uberforecast import metrics
from uberforecast.baselines import SeasonalNaive
from uberforecast.datasets import load_m3
from uberforecast.pipeline import markdown_table

# Makridakis & Hibon (2000), monthly series, sMAPE averaged over horizons 1-18.
PUBLISHED_THETA_MONTHLY = 13.85
HORIZON, SEASON, LEVEL = 18, 12, 95


def seasonal_naive(series, train_size):
    model = SeasonalNaive(SEASON, HORIZON, (LEVEL,))
    # Every window with two years of lags before it: 24 = 12 * ceil(18 / 12).
    model.fit(series.iloc[:train_size], train_size - 24)
    frame = model.predict(series, series.index[train_size])
    return frame["mean"], frame["lower_95"], frame["upper_95"]


def theta(series, train_size):
    from statsmodels.tsa.forecasting.theta import ThetaModel

    train = pd.Series(series.to_numpy()[:train_size], dtype="float64")
    fitted = ThetaModel(train, period=SEASON).fit()
    mean = fitted.forecast(HORIZON).to_numpy()
    bounds = fitted.prediction_intervals(HORIZON, alpha=1 - LEVEL / 100).to_numpy()
    return mean, bounds[:, 0], bounds[:, 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="../shared/data/m3/m3_long.csv.gz")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data = load_m3(args.path, "monthly")
    methods = {"seasonal naive": seasonal_naive, "Theta (statsmodels)": theta}
    results = {name: {"rows": [], "seconds": 0.0} for name in methods}
    for _, rows in data.groupby("series", sort=False):
        series = pd.Series(
            rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["date"], freq="MS")
        )
        train_size = int((~rows["is_test"]).sum())
        history = series.iloc[:train_size]
        actual = series.to_numpy()[train_size:]
        for name, method in methods.items():
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mean, lower, upper = method(series, train_size)
            results[name]["seconds"] += time.perf_counter() - started
            results[name]["rows"].append(
                {
                    "smape": metrics.smape(actual, mean),
                    "mase": metrics.mase(actual, mean, history, SEASON),
                    "coverage_95": metrics.coverage(actual, lower, upper),
                    "msis_95": metrics.msis(actual, lower, upper, history, SEASON),
                }
            )
    table = pd.DataFrame(
        {
            name: {
                **pd.DataFrame(result["rows"]).mean().to_dict(),
                "seconds": result["seconds"],
            }
            for name, result in results.items()
        }
    ).T
    table.loc["Theta (published)", "smape"] = PUBLISHED_THETA_MONTHLY
    print(f"M3 monthly: {data['series'].nunique()} series, horizon {HORIZON}")
    print(markdown_table(table))


if __name__ == "__main__":
    main()
