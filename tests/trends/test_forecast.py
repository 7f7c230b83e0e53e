"""The weekly forecaster: fit/predict shapes, seasonal-naive and rolling mean by hand, and a backtest in
which it must beat seasonal-naive on series with a clear trend and noise."""

import numpy as np
import pandas as pd
import pytest

from models.forecast import (
    ForecastError,
    RollingMean,
    SeasonalNaive,
    WeeklyForecaster,
    backtest,
    complete_panel,
    error_table,
    errors,
)

MONDAY = pd.Timestamp("2024-01-01")  # a Monday


def _panel(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        (series, MONDAY + pd.Timedelta(weeks=i), count)
        for series, counts in values.items()
        for i, count in enumerate(counts)
    ]
    return pd.DataFrame(rows, columns=["series", "week", "count"])


def _trend_panel(weeks: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    return _panel(
        {
            "up": np.round(20 + 0.6 * t + rng.normal(0, 4, weeks)).clip(0).tolist(),
            "flat": np.round(30 + rng.normal(0, 5, weeks)).clip(0).tolist(),
            "down": np.round(60 - 0.5 * t + rng.normal(0, 4, weeks)).clip(0).tolist(),
        }
    )


def test_complete_panel_fills_missing_weeks_with_zero():
    panel = pd.DataFrame(
        {
            "series": ["a", "a", "b"],
            "week": [MONDAY, MONDAY + pd.Timedelta(weeks=2), MONDAY],
            "count": [3, 5, 1],
        }
    )
    full = complete_panel(panel)
    assert full.pivot(index="week", columns="series", values="count").to_numpy().tolist() == [
        [3, 1],
        [0, 0],
        [5, 0],
    ]
    with pytest.raises(ForecastError):
        complete_panel(panel.assign(week=MONDAY + pd.Timedelta(days=1)))


def test_baselines_by_hand():
    panel = _panel({"a": [1, 2, 3, 4, 10], "b": [5, 5, 5, 5, 0]})
    naive = SeasonalNaive().fit(panel).predict(panel).set_index("series")
    assert naive["forecast"].to_dict() == {"a": 10, "b": 0}  # fewer than 52 weeks: last week's value
    assert (naive["week"] == MONDAY + pd.Timedelta(weeks=5)).all()
    mean = RollingMean(window=4).fit(panel).predict(panel).set_index("series")["forecast"]
    assert mean.to_dict() == {"a": 4.75, "b": 3.75}
    long = _panel({"a": list(range(60))})
    assert SeasonalNaive().fit(long).predict(long)["forecast"].iloc[0] == 60 - 52  # 52 weeks before week 60


def test_forecaster_fit_predict_shape():
    panel = _trend_panel()
    model = WeeklyForecaster().fit(panel)
    assert model.n_training_rows_ == 3 * (60 - 8)
    forecast = model.predict(panel)
    assert list(forecast.columns) == ["series", "week", "forecast"]
    assert sorted(forecast["series"]) == ["down", "flat", "up"]
    assert (forecast["week"] == MONDAY + pd.Timedelta(weeks=60)).all()
    assert (forecast["forecast"] >= 0).all()
    with pytest.raises(ForecastError):
        WeeklyForecaster().fit(_panel({"a": [1] * 8}))
    with pytest.raises(ForecastError):
        WeeklyForecaster().predict(panel)


def test_errors_by_hand():
    measured = errors([10, 0, 20], [12, 1, 15])
    assert measured["mape"] == pytest.approx((0.2 + 0.25) / 2)  # the zero week has no percentage error
    assert measured["smape"] == pytest.approx((4 / 22 + 2 + 10 / 35) / 3)
    assert measured["mae"] == pytest.approx(8 / 3)


def test_forecaster_beats_seasonal_naive_on_trend_and_noise():
    panel = _trend_panel(weeks=80, seed=1)
    ours = error_table(backtest(WeeklyForecaster(), panel, k=20)).loc["overall"]
    naive = error_table(backtest(SeasonalNaive(), panel, k=20)).loc["overall"]
    assert ours["n"] == naive["n"] == 60
    assert ours["mape"] < naive["mape"]
    assert ours["mae"] < naive["mae"]
