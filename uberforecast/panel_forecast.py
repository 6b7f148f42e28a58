"""The forecasts of many series, keyed by series id."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class PanelForecast:
    """One `Forecast` per series, from one call of `GlobalForecaster.predict`.

    ``forecast[series_id]`` is that series' `Forecast`; ``forecast.frame``
    stacks their frames with a ``series`` column first.

    Attributes
    ----------
    forecasts
        Series id to its `Forecast`, in the panel's order.
    levels
        Interval coverages in percent.
    """

    forecasts: dict
    levels: tuple

    def __getitem__(self, series_id):
        try:
            return self.forecasts[series_id]
        except KeyError:
            raise KeyError(
                f"No forecast for series {series_id!r}; the forecast holds "
                f"{list(self.forecasts)[:10]}"
                + (" and more" if len(self.forecasts) > 10 else "")
                + "."
            ) from None

    def __iter__(self):
        return iter(self.forecasts)

    def __len__(self):
        return len(self.forecasts)

    @property
    def series(self):
        """The series ids, in order."""
        return list(self.forecasts)

    def items(self):
        return self.forecasts.items()

    @property
    def frame(self):
        """Every series' `Forecast.frame` stacked, a ``series`` column first,
        indexed by target ``timestamp``."""
        return stack_frames(
            {sid: forecast.frame for sid, forecast in self.forecasts.items()}
        )


def stack_frames(frames):
    """Series id to forecast frame, stacked with a ``series`` column first."""
    parts = []
    for series_id, frame in frames.items():
        part = frame.copy()
        part.insert(0, "series", series_id)
        parts.append(part)
    return pd.concat(parts)
