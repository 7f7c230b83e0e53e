"""Weekly event-count forecasts: LightGBM forecaster, seasonal-naive and rolling-mean baselines, backtest."""

from models.forecast.backtest import backtest, error_table, errors
from models.forecast.weekly import (
    ForecastError,
    RollingMean,
    SeasonalNaive,
    WeeklyForecaster,
    complete_panel,
)

__all__ = [
    "ForecastError",
    "RollingMean",
    "SeasonalNaive",
    "WeeklyForecaster",
    "backtest",
    "complete_panel",
    "error_table",
    "errors",
]
