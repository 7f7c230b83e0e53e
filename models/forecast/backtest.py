"""Rolling-origin backtest and error measures for next-week forecasts.

For each of the last ``k`` weeks of the panel (the origins), a fresh copy of the model is fitted on the weeks
before it and forecasts that week; nothing of the week itself or later is seen. Errors per forecast:

- MAPE = mean(|y - f| / y) over forecasts with y > 0 (a week with no events has no percentage error),
- sMAPE = mean(2 |y - f| / (|y| + |f|)) (0 when both are 0),
- MAE = mean(|y - f|).
"""

import numpy as np
import pandas as pd
from sklearn.base import clone

from models.forecast.weekly import complete_panel


def backtest(model, panel: pd.DataFrame, k: int) -> pd.DataFrame:
    """Forecasts of the last ``k`` weeks, each from the weeks before it: series, week, actual, forecast."""
    full = complete_panel(panel)
    weeks = np.sort(full["week"].unique())
    if k < 1 or k >= len(weeks):
        raise ValueError(f"k must be between 1 and {len(weeks) - 1} for a panel of {len(weeks)} weeks")
    results = []
    for origin in weeks[-k:]:
        history = full[full["week"] < origin]
        fitted = clone(model).fit(history)
        forecast = fitted.predict(history)
        assert (forecast["week"] == pd.Timestamp(origin)).all(), "a forecast must be for the origin week"
        actual = full[full["week"] == origin][["series", "count"]].rename(columns={"count": "actual"})
        results.append(forecast.merge(actual, on="series"))
    frame = pd.concat(results, ignore_index=True)
    return frame[["series", "week", "actual", "forecast"]]


def errors(actual, forecast) -> dict[str, float]:
    """MAPE, sMAPE and MAE (see the module docstring) and the number of forecasts."""
    y = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    positive = y > 0
    denominator = np.abs(y) + np.abs(f)
    symmetric = np.where(denominator > 0, 2 * np.abs(y - f) / np.where(denominator > 0, denominator, 1), 0.0)
    return {
        "mape": float(np.mean(np.abs(y - f)[positive] / y[positive])) if positive.any() else float("nan"),
        "smape": float(symmetric.mean()) if len(y) else float("nan"),
        "mae": float(np.mean(np.abs(y - f))) if len(y) else float("nan"),
        "n": int(len(y)),
    }


def error_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Errors per series and an ``overall`` row (over all forecasts) from a `backtest` frame."""
    rows = {series: errors(group["actual"], group["forecast"]) for series, group in frame.groupby("series")}
    rows["overall"] = errors(frame["actual"], frame["forecast"])
    return pd.DataFrame.from_dict(rows, orient="index")


__all__ = ["backtest", "error_table", "errors"]
