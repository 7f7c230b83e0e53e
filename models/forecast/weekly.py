"""Next-week event counts per series (category): a LightGBM forecaster on lags and two baselines.

Input everywhere is a *panel*: a long DataFrame with columns ``series`` (any hashable label), ``week``
(the Monday of the week, a date or Timestamp) and ``count``. `complete_panel` fills weeks without events
with 0 so lags are true week offsets.

Models (all scikit-learn style: ``fit(panel)`` learns, ``predict(panel)`` forecasts the week after the
panel's last week for every series, as a DataFrame ``series, week, forecast``):

- `SeasonalNaive`: the value one season ago. For weekly data the season is 52 weeks; ``"auto"`` uses it when
  the history holds more than 52 weeks (a full season before the target, plus the possibly partial first
  week), else the last week's value (season length 1), the standard fallback when no full season exists (the
  demo district keeps one year, so its backtest uses last week's value).
- `RollingMean`: the mean of the last ``window`` weeks (a simple, robust benchmark).
- `WeeklyForecaster`: one LightGBM model pooled over all series. Target = count / level, level = mean of the
  last 8 weeks, so categories of very different size share one model; features = the lags 1..8 and rolling
  means over 2, 4 and 8 weeks divided by the level, log level, week of year, statutory holiday days in the
  target week and in the last week and a Spring Festival flag (chinese-calendar, where it knows the year;
  missing otherwise). L1 loss: the forecast is a median, which suits MAPE better than a mean.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

SEASON_WEEKS = 52
LAGS = 8
WEEK = pd.Timedelta(days=7)


class ForecastError(ValueError):
    """The panel cannot be used (missing columns, negative counts, too little history)."""


def complete_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """Every series on every week from the panel's first to last week (missing weeks count 0), sorted."""
    missing = {"series", "week", "count"} - set(panel.columns)
    if missing:
        raise ForecastError(f"the panel lacks the columns {sorted(missing)}")
    if panel.empty:
        return pd.DataFrame({"series": [], "week": pd.to_datetime([]), "count": []})
    frame = panel[["series", "week", "count"]].copy()
    frame["week"] = pd.to_datetime(frame["week"])
    if (frame["week"].dt.day_of_week != 0).any():
        raise ForecastError("every week must be given by its Monday")
    if (frame["count"] < 0).any():
        raise ForecastError("counts must not be negative")
    weeks = pd.date_range(frame["week"].min(), frame["week"].max(), freq="7D")
    index = pd.MultiIndex.from_product([sorted(frame["series"].unique()), weeks], names=["series", "week"])
    summed = frame.groupby(["series", "week"])["count"].sum()
    return summed.reindex(index, fill_value=0).astype(float).reset_index()


def _wide(panel: pd.DataFrame) -> pd.DataFrame:
    """Weeks as rows, series as columns."""
    return complete_panel(panel).pivot(index="week", columns="series", values="count")


def _next_week_frame(wide: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"series": wide.columns, "week": wide.index[-1] + WEEK, "forecast": np.maximum(values, 0.0)}
    )


class SeasonalNaive(BaseEstimator, RegressorMixin):
    """The value one season ago; ``season_length="auto"`` takes 52 weeks when the history has them, else 1."""

    def __init__(self, season_length: int | str = "auto"):
        self.season_length = season_length

    def fit(self, panel: pd.DataFrame, y=None) -> "SeasonalNaive":
        wide = _wide(panel)
        if wide.empty:
            raise ForecastError("the panel has no weeks")
        self.season_length_ = self._season(len(wide))
        return self

    def _season(self, weeks: int) -> int:
        if self.season_length == "auto":
            return SEASON_WEEKS if weeks > SEASON_WEEKS else 1
        return int(self.season_length)

    def predict(self, panel: pd.DataFrame) -> pd.DataFrame:
        wide = _wide(panel)
        season = self._season(len(wide)) if self.season_length == "auto" else self.season_length_
        if len(wide) < season:
            raise ForecastError(f"seasonal-naive needs {season} weeks of history, the panel has {len(wide)}")
        return _next_week_frame(wide, wide.iloc[-season].to_numpy())


class RollingMean(BaseEstimator, RegressorMixin):
    """The mean of the last ``window`` weeks."""

    def __init__(self, window: int = 4):
        self.window = window

    def fit(self, panel: pd.DataFrame, y=None) -> "RollingMean":
        return self

    def predict(self, panel: pd.DataFrame) -> pd.DataFrame:
        wide = _wide(panel)
        if wide.empty:
            raise ForecastError("the panel has no weeks")
        return _next_week_frame(wide, wide.tail(self.window).mean().to_numpy())


@lru_cache(maxsize=512)
def holiday_features(week_start: date) -> tuple[float, float]:
    """(statutory holiday days in the week, 1.0 if one is the Spring Festival); NaN where the calendar
    does not know the year (chinese-calendar covers 2004-2026 in version 1.11)."""
    import chinese_calendar

    days, festival = 0, 0.0
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        try:
            _, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return float("nan"), float("nan")
        if name is not None:
            days += 1
            festival = max(festival, float(name == "Spring Festival"))
    return float(days), festival


def _calendar_columns(weeks: pd.DatetimeIndex) -> pd.DataFrame:
    pairs = [holiday_features(w.date()) for w in weeks]
    return pd.DataFrame(
        {
            "week_of_year": weeks.isocalendar().week.to_numpy(dtype=float),
            "holiday_days": [p[0] for p in pairs],
            "spring_festival": [p[1] for p in pairs],
        },
        index=weeks,
    )


FEATURES = (
    *(f"lag{k}" for k in range(1, LAGS + 1)),
    "mean2",
    "mean4",
    "mean8",
    "log_level",
    "week_of_year",
    "holiday_days",
    "spring_festival",
    "last_holiday_days",
)


def _features(wide: pd.DataFrame, target_weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """One row per (target week, series): features from the 8 weeks before the target week.

    ``wide`` must hold the 8 weeks before every target week. Also returns the level (mean of the 8 lags)."""
    values = wide.to_numpy()
    position = {week: i for i, week in enumerate(wide.index)}
    calendar = _calendar_columns(target_weeks.append(target_weeks - WEEK).unique())
    frames = []
    for week in target_weeks:
        end = position[week] if week in position else len(wide)  # the week after the panel: all of it
        window = values[end - LAGS : end]  # oldest first
        level = window.mean(axis=0)
        scale = np.where(level > 0, level, 1.0)
        frame = pd.DataFrame({f"lag{k}": window[-k] / scale for k in range(1, LAGS + 1)})
        for span in (2, 4, 8):
            frame[f"mean{span}"] = window[-span:].mean(axis=0) / scale
        frame["log_level"] = np.log1p(level)
        for column in ("week_of_year", "holiday_days", "spring_festival"):
            frame[column] = calendar.at[week, column]
        frame["last_holiday_days"] = calendar.at[week - WEEK, "holiday_days"]
        frame["series"] = wide.columns
        frame["week"] = week
        frame["level"] = level
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class _Fitted:
    booster: lgb.LGBMRegressor
    rows: int


class WeeklyForecaster(BaseEstimator, RegressorMixin):
    """Next-week count per series: LightGBM on scaled lags and calendar features (module docstring)."""

    def __init__(
        self,
        n_estimators: int = 200,
        learning_rate: float = 0.03,
        num_leaves: int = 7,
        min_child_samples: int = 40,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        random_state: int = 0,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.random_state = random_state

    def fit(self, panel: pd.DataFrame, y=None) -> "WeeklyForecaster":
        """Learn from every week that has 8 weeks before it."""
        wide = _wide(panel)
        if len(wide) <= LAGS:
            raise ForecastError(f"the forecaster needs more than {LAGS} weeks of history, got {len(wide)}")
        rows = _features(wide, wide.index[LAGS:])
        actual = wide.stack().rename("actual").reset_index()
        rows = rows.merge(actual, on=["week", "series"])
        rows = rows[rows["level"] > 0]
        target = rows["actual"] / rows["level"]
        booster = lgb.LGBMRegressor(
            objective="l1",
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=self.subsample,
            subsample_freq=1,
            colsample_bytree=self.colsample_bytree,
            random_state=self.random_state,
            n_jobs=1,
            verbose=-1,
        )
        booster.fit(rows[list(FEATURES)], target)
        self.model_ = _Fitted(booster, len(rows))
        self.n_training_rows_ = len(rows)
        return self

    def predict(self, panel: pd.DataFrame) -> pd.DataFrame:
        """Forecast the week after the panel's last week (the panel needs at least 8 weeks)."""
        if not hasattr(self, "model_"):
            raise ForecastError("fit the forecaster before predicting")
        wide = _wide(panel)
        if len(wide) < LAGS:
            raise ForecastError(f"the forecaster needs {LAGS} weeks of history, the panel has {len(wide)}")
        target = pd.DatetimeIndex([wide.index[-1] + WEEK])
        rows = _features(wide, target)
        ratio = self.model_.booster.predict(rows[list(FEATURES)])
        return _next_week_frame(wide, ratio * rows["level"].to_numpy())
