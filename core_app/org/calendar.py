"""Working days and working time from the editable WorkCalendarDay table.

chinese-calendar seeds the table for the years it knows (2004-2026). For any other year
the weekday rule answers, with a logged warning, until an admin enters that year.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import chinese_calendar
import numpy as np
from chinese_calendar import constants as cc_constants
from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from core_app.config import LOCAL_TZ, get_settings
from core_app.org.models import CalendarSource, WorkCalendarDay

log = logging.getLogger(__name__)

CHINESE_CALENDAR_YEARS = range(min(cc_constants.holidays).year, max(cc_constants.holidays).year + 1)

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def parse_intervals(text: str) -> list[tuple[time, time]]:
    """Parse "08:30-12:00,13:30-17:30" into ordered (start, end) pairs."""
    intervals = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        start, _, end = part.partition("-")
        begin, finish = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
        if finish <= begin:
            raise ValueError(f"working interval {part!r} ends before it starts")
        intervals.append((begin, finish))
    return sorted(intervals)


def chinese_calendar_exceptions(year: int) -> list[WorkCalendarDay]:
    """Rows where chinese-calendar disagrees with the weekday rule in ``year``."""
    rows = []
    day = date(year, 1, 1)
    while day.year == year:
        is_workday = chinese_calendar.is_workday(day)
        if is_workday != (day.weekday() < 5):
            _, name = chinese_calendar.get_holiday_detail(day)
            label = HOLIDAY_NAMES_ZH.get(name, name or "") if not is_workday else "调休上班"
            rows.append(
                WorkCalendarDay(
                    day=day, is_workday=is_workday, name=label, source=CalendarSource.CHINESE_CALENDAR
                )
            )
        day += timedelta(days=1)
    return rows


def seed_calendar_years(session: Session, years: Iterable[int]) -> int:
    """Load chinese-calendar's holidays and make-up workdays for ``years``; keep admins' rows."""
    inserted = 0
    for year in sorted(set(years)):
        if year not in CHINESE_CALENDAR_YEARS:
            log.warning("chinese-calendar has no data for %s; an admin must enter that year's holidays", year)
            continue
        in_year = WorkCalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))
        admin_days = set(
            session.scalars(
                select(WorkCalendarDay.day).where(in_year, WorkCalendarDay.source == CalendarSource.ADMIN)
            )
        )
        session.execute(
            delete(WorkCalendarDay).where(in_year, WorkCalendarDay.source == CalendarSource.CHINESE_CALENDAR)
        )
        rows = [r for r in chinese_calendar_exceptions(year) if r.day not in admin_days]
        session.add_all(rows)
        inserted += len(rows)
    session.flush()
    return inserted


@dataclass
class WorkCalendar:
    """Answers working-day questions from the table's exceptions plus the weekday rule."""

    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    known_years: frozenset[int]
    intervals: list[tuple[time, time]] = field(default_factory=list)
    _warned_years: set[int] = field(default_factory=set, repr=False)

    @classmethod
    def load(cls, session: Session | Connection, intervals: str | None = None) -> "WorkCalendar":
        rows = session.execute(select(WorkCalendarDay.day, WorkCalendarDay.is_workday)).all()
        return cls(
            holidays=frozenset(day for day, work in rows if not work),
            makeup_workdays=frozenset(day for day, work in rows if work),
            known_years=frozenset(day.year for day, _ in rows),
            intervals=parse_intervals(intervals or get_settings().work_intervals),
        )

    @property
    def minutes_per_day(self) -> int:
        return sum(_minutes_between(a, b) for a, b in self.intervals)

    def is_workday(self, day: date) -> bool:
        self._warn_if_unknown(day.year)
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def workdays(self, start: date, end: date) -> np.ndarray:
        """Working days in [start, end] as a sorted datetime64[D] array."""
        for year in range(start.year, end.year + 1):
            self._warn_if_unknown(year)
        days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
        weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday (3)
        holidays = np.array(sorted(self.holidays), dtype="datetime64[D]")
        makeup = np.array(sorted(self.makeup_workdays), dtype="datetime64[D]")
        working = ((weekday < 5) & ~np.isin(days, holidays)) | np.isin(days, makeup)
        return days[working]

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day``; n=0 gives ``day`` itself or the next working day."""
        if n < 0:
            raise ValueError("n must not be negative")
        first = day if n == 0 else day + timedelta(days=1)
        span = self.workdays(first, first + timedelta(days=2 * n + 40))
        return span[max(n - 1, 0)].astype(date)

    def working_minutes(self, start: datetime, end: datetime) -> int:
        """Minutes of working time between two instants (0 if end precedes start)."""
        start, end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
        if end <= start:
            return 0
        total = 0.0
        for day in self.workdays(start.date(), end.date()).astype(date):
            for begin, finish in self.intervals:
                lo = max(start, datetime.combine(day, begin, LOCAL_TZ))
                hi = min(end, datetime.combine(day, finish, LOCAL_TZ))
                total += max((hi - lo).total_seconds(), 0.0)
        return int(total // 60)

    def _warn_if_unknown(self, year: int) -> None:
        if year not in self.known_years and year not in self._warned_years:
            self._warned_years.add(year)
            log.warning("no holiday table for %s: weekday rule until an admin enters that year", year)


def _minutes_between(a: time, b: time) -> int:
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)
