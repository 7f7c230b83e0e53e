"""Calendar shapes of the demo district: the Spring Festival, seasons, weekdays."""

from datetime import date, timedelta

import numpy as np


def spring_festival(year: int) -> date:
    """Lunar new year's day for the years the demo can span."""
    known = {
        2023: date(2023, 1, 22),
        2024: date(2024, 2, 10),
        2025: date(2025, 1, 29),
        2026: date(2026, 2, 17),
        2027: date(2027, 2, 6),
        2028: date(2028, 1, 26),
        2029: date(2029, 2, 13),
        2030: date(2030, 2, 3),
    }
    return known.get(year, date(year, 2, 5))


MONTH_FACTOR = np.array([0.92, 0.78, 1.15, 1.16, 1.10, 1.14, 1.0, 0.95, 1.0, 0.92, 1.0, 1.06])


def seasonal_factor(days: np.ndarray) -> np.ndarray:
    """Busier March to June, quieter in summer and around the Spring Festival."""
    months = days.astype("datetime64[M]").astype(int) % 12
    factor = MONTH_FACTOR[months]
    years = days.astype("datetime64[Y]").astype(int) + 1970
    for year in np.unique(years):
        festival = np.datetime64(spring_festival(int(year)), "D")
        gap = (days - festival).astype(int)
        factor = np.where((gap >= -10) & (gap < -3), factor * 0.7, factor)
        factor = np.where((gap >= -3) & (gap <= 8), factor * 0.35, factor)
        factor = np.where((gap > 8) & (gap <= 15), factor * 0.8, factor)
    return factor


def day_range(start: date, end: date) -> np.ndarray:
    """Days in [start, end) as datetime64[D]."""
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D"))


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6."""
    return (days.astype("datetime64[D]").astype(np.int64) + 3) % 7


def pad(d: date, days: int) -> date:
    return d + timedelta(days=days)
