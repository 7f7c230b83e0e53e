"""Vectorised working-time arithmetic on local (Asia/Shanghai) naive datetime64 values.

The hall calendar is a sorted array of working days plus the daily working intervals; every
function here takes and returns numpy arrays so that a million cases cost a few array passes.
"""

from dataclasses import dataclass
from datetime import date, time

import numpy as np

from core_app.org.calendar import WorkCalendar

MINUTE = np.timedelta64(1, "m")
DAY = np.timedelta64(1, "D")


def _minute_of_day(t: time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class WorkGrid:
    """Working days (datetime64[D], sorted) and the working intervals in minutes of the day."""

    workdays: np.ndarray
    intervals: tuple[tuple[int, int], ...]

    @classmethod
    def from_calendar(cls, calendar: WorkCalendar, start: date, end: date) -> "WorkGrid":
        intervals = tuple((_minute_of_day(a), _minute_of_day(b)) for a, b in calendar.intervals)
        return cls(workdays=calendar.workdays(start, end), intervals=intervals)

    @property
    def minutes_per_day(self) -> int:
        return sum(b - a for a, b in self.intervals)

    @property
    def day_start(self) -> int:
        return self.intervals[0][0]

    @property
    def day_end(self) -> int:
        return self.intervals[-1][1]

    def is_workday(self, days: np.ndarray) -> np.ndarray:
        """Whether each datetime64[D] day is a working day."""
        idx = np.searchsorted(self.workdays, days)
        idx = np.minimum(idx, len(self.workdays) - 1)
        return self.workdays[idx] == days

    def workday_index(self, days: np.ndarray) -> np.ndarray:
        """Index of each day's first working day on or after it."""
        return np.searchsorted(self.workdays, days, side="left")

    def nth_workday_after(self, days: np.ndarray, n: np.ndarray) -> np.ndarray:
        """The n-th working day after each day; n = 0 gives the day itself or the next working day."""
        n = np.asarray(n)
        after = np.searchsorted(self.workdays, days, side="right") + n - 1
        on_or_after = np.searchsorted(self.workdays, days, side="left")
        return self.workdays[np.where(n == 0, on_or_after, after)]

    def deadline(self, accepted: np.ndarray, limit_days: np.ndarray) -> np.ndarray:
        """End of the N-th working day after each acceptance day; N = 0 ends on the acceptance day."""
        return self.end_of_day(self.nth_workday_after(accepted.astype("datetime64[D]"), limit_days))

    def end_of_day(self, days: np.ndarray) -> np.ndarray:
        """The end of the last working interval on each day."""
        return days.astype("datetime64[s]") + np.timedelta64(self.day_end, "m")

    def start_of_day(self, days: np.ndarray) -> np.ndarray:
        return days.astype("datetime64[s]") + np.timedelta64(self.day_start, "m")

    def working_offset(self, days: np.ndarray, offset_minutes: np.ndarray) -> np.ndarray:
        """The instant ``offset_minutes`` of working time into each working day."""
        instant = days.astype("datetime64[s]")
        offset = np.asarray(offset_minutes, dtype=float)
        extra = np.zeros_like(offset)
        passed = 0
        for begin, end in self.intervals:
            inside = (offset >= passed) & (offset < passed + (end - begin))
            extra = np.where(inside, begin + offset - passed, extra)
            passed += end - begin
        extra = np.where(offset >= passed, self.day_end, extra)
        return instant + np.round(extra * 60).astype("timedelta64[s]")

    def is_working_time(self, instants: np.ndarray) -> np.ndarray:
        """Whether each instant lies inside a working interval of a working day."""
        days = instants.astype("datetime64[D]")
        minute = (instants - days.astype("datetime64[s]")).astype("timedelta64[s]").astype(np.int64) / 60
        inside = np.zeros(len(instants), dtype=bool)
        for begin, end in self.intervals:
            inside |= (minute >= begin) & (minute < end)
        return inside & self.is_workday(days)

    def next_working_instant(self, instants: np.ndarray) -> np.ndarray:
        """Each instant itself if it is working time, else the start of the next working interval."""
        days = instants.astype("datetime64[D]")
        minute = (instants - days.astype("datetime64[s]")).astype("timedelta64[s]").astype(np.int64) / 60
        result = instants.copy()
        snapped = np.zeros(len(instants), dtype=bool)
        workday = self.is_workday(days)
        for begin, end in self.intervals:
            before = workday & ~snapped & (minute < begin)
            result[before] = days[before].astype("datetime64[s]") + np.timedelta64(begin, "m")
            inside = workday & ~snapped & (minute >= begin) & (minute < end)
            snapped |= before | inside
        later = ~snapped
        next_day = self.nth_workday_after(days[later], np.ones(later.sum(), dtype=int))
        result[later] = self.start_of_day(next_day)
        return result

    def cumulative_minutes(self, instants: np.ndarray) -> np.ndarray:
        """Working minutes from the start of the grid's first working day to each instant (float).

        The working time between two instants is the difference of their values: wm(a, b) = cum(b) - cum(a).
        An instant on a non-working day counts as the end of the working day before it.
        """
        days = instants.astype("datetime64[D]")
        minute = (instants - days.astype("datetime64[s]")).astype("timedelta64[s]").astype(np.int64) / 60
        before = np.searchsorted(self.workdays, days, side="left").astype(float) * self.minutes_per_day
        within = np.zeros(len(instants), dtype=float)
        for begin, end in self.intervals:
            within += np.clip(minute - begin, 0, end - begin)
        return before + np.where(self.is_workday(days), within, 0.0)
