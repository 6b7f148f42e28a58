"""Seasonal-naive baseline with intervals from empirical residual quantiles."""

from __future__ import annotations

import numpy as np
import pandas as pd

from uberforecast import checks
from uberforecast.forecast import level_name
from uberforecast.windows import window_positions


class SeasonalNaive:
    """Repeat the value one season back; intervals from validation residuals.

    For horizon step ``h`` (1-based) the forecast is the last observed value
    at the same phase of the season, ``season * ceil(h / season)`` steps
    before the target. The interval at level ``l`` adds the ``(1 - l) / 2``
    and ``(1 + l) / 2`` quantiles of that step's validation residuals.

    Parameters
    ----------
    season
        Steps in a season, e.g. 7 for daily data.
    horizon
        Steps forecast from each origin. Default: ``1``.
    levels
        Interval coverages in percent. Default: ``(80, 95)``.
    """

    def __init__(self, season, horizon=1, levels=(80, 95)):
        self.season = season
        self.horizon = horizon
        self.levels = levels

    def _lags(self):
        steps = np.arange(1, self.horizon + 1)
        return self.season * np.ceil(steps / self.season).astype(int)

    def _point(self, values, positions):
        """Forecasts and targets of the windows at `positions`, shape ``(W, H)``."""
        targets = positions[:, None] + np.arange(self.horizon)
        return values[targets - self._lags()[None, :]], targets

    def fit(self, series, validation_size):
        """Measure residual quantiles on the last `validation_size` steps.

        Parameters
        ----------
        series
            The fitting period, a pandas Series.
        validation_size
            Steps at its end whose residuals set the intervals.
        """
        checks.positive_int("season", self.season)
        checks.positive_int("horizon", self.horizon)
        self.levels_ = checks.levels(self.levels)
        values = np.asarray(series, dtype="float64")
        positions = window_positions(
            len(values),
            int(self._lags().max()),
            self.horizon,
            first_target=len(values) - validation_size,
        )
        point, targets = self._point(values, positions)
        # -> (W, H)
        residuals = values[targets] - point
        self.residual_std_ = residuals.std(axis=0, ddof=1)
        self.quantiles_ = {
            level: np.quantile(
                residuals, [0.5 - level / 200, 0.5 + level / 200], axis=0
            )
            for level in self.levels_
        }
        return self

    def predict(self, series, start):
        """Forecast every window whose targets start at or after `start`.

        Returns
        -------
        pandas.DataFrame
            Like `Forecast.frame`: ``origin``, ``step``, ``actual``, ``mean``,
            ``std`` and bounds per level, indexed by target timestamp.
        """
        values = np.asarray(series, dtype="float64")
        first = series.index.searchsorted(pd.Timestamp(start))
        positions = window_positions(
            len(values), int(self._lags().max()), self.horizon, first_target=first
        )
        point, targets = self._point(values, positions)
        columns = {
            "origin": np.repeat(series.index[positions - 1], self.horizon),
            "step": np.tile(np.arange(1, self.horizon + 1), len(positions)),
            "actual": values[targets].ravel(),
            "mean": point.ravel(),
            "std": np.tile(self.residual_std_, len(positions)),
        }
        for level, (low, high) in self.quantiles_.items():
            columns[f"lower_{level_name(level)}"] = (point + low[None, :]).ravel()
            columns[f"upper_{level_name(level)}"] = (point + high[None, :]).ravel()
        index = pd.DatetimeIndex(series.index[targets.ravel()], name="timestamp")
        return pd.DataFrame(columns, index=index)
