"""Deadlines a case file leaves empty, computed as the seed and analytics compute them (DOMAIN §4.0)."""

from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from core_app.config import LOCAL_TZ
from core_app.matters.models import LimitUnit
from core_app.org.calendar import WorkCalendar
from core_app.org.workgrid import WorkGrid

LIMITS = {"due_at": "_promised_limit_days", "legal_due_at": "_legal_limit_days"}


def fill_deadlines(conn: Connection, frame: pd.DataFrame) -> None:
    """Set due_at / legal_due_at of accepted cases from their matter's limits where the file has none."""
    todo = {
        target: frame["accepted_at"].notna() & frame[target].isna() & frame[limit].notna()
        for target, limit in LIMITS.items()
    }
    if not any(mask.any() for mask in todo.values()):
        return
    accepted = _local_naive(frame["accepted_at"])
    grid = _grid_for(conn, accepted, frame[list(LIMITS.values())])
    for target, mask in todo.items():
        if mask.any():
            frame.loc[mask, target] = _deadlines(
                grid,
                accepted[mask.to_numpy()],
                frame.loc[mask, LIMITS[target]],
                frame.loc[mask, "_limit_unit"],
            )


def _deadlines(grid: WorkGrid, accepted: np.ndarray, limits: pd.Series, units: pd.Series) -> list:
    n = limits.astype(int).to_numpy()
    unit = units.astype(str).to_numpy()
    working = grid.deadline(accepted, n)
    calendar_days = grid.end_of_day(accepted.astype("datetime64[D]") + n.astype("timedelta64[D]"))
    hours = accepted + (n * 3600).astype("timedelta64[s]")
    result = np.where(
        unit == LimitUnit.HOUR, hours, np.where(unit == LimitUnit.CALENDAR_DAY, calendar_days, working)
    )
    return list(pd.DatetimeIndex(result).tz_localize(LOCAL_TZ).to_pydatetime())


def _grid_for(conn: Connection, accepted: np.ndarray, limits: pd.DataFrame) -> WorkGrid:
    """A working-day grid wide enough for the longest limit after the latest acceptance."""
    days = accepted[~np.isnat(accepted)].astype("datetime64[D]").astype(object)
    longest = int(pd.to_numeric(limits.stack(), errors="coerce").max())
    end = max(days) + timedelta(days=2 * longest + 60)
    return WorkGrid.from_calendar(WorkCalendar.load(conn), min(days), end)


def _local_naive(values: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(values, utc=True).dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    return stamps.to_numpy(dtype="datetime64[s]")
