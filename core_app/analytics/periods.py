"""Periods of an analysis (DOMAIN §4.0): buckets, the previous one (环比) and last year's (同比).

A period is a half-open range of local dates [start, end); its instants are local midnights. Week buckets
start on Monday. The previous period is the adjacent one of the same granularity (for custom ranges: the
same number of days just before); last year's is the same calendar period one year earlier (for weeks the
one 52 weeks earlier, so that it also starts on a Monday; 29 February maps to 28 February).
"""

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core_app.config import LOCAL_TZ

MAX_BUCKETS = 400  # a year day by day, with room to spare


class Granularity(enum.StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"
    WEEK = "week"
    DAY = "day"
    CUSTOM = "custom"


@dataclass(frozen=True, order=True)
class Period:
    """[start, end) in local dates, of one granularity."""

    start: date
    end: date
    granularity: Granularity

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def label(self) -> str:
        g, s = self.granularity, self.start
        if g is Granularity.YEAR:
            return f"{s.year}"
        if g is Granularity.QUARTER:
            return f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        if g is Granularity.MONTH:
            return f"{s:%Y-%m}"
        if g is Granularity.WEEK:
            year, week, _ = s.isocalendar()
            return f"{year}-W{week:02d}"
        if g is Granularity.DAY:
            return s.isoformat()
        return f"{s.isoformat()}..{(self.end - timedelta(days=1)).isoformat()}"

    @property
    def start_instant(self) -> datetime:
        return local_midnight(self.start)

    @property
    def end_instant(self) -> datetime:
        return local_midnight(self.end)

    def previous(self) -> "Period":
        """The adjacent period before this one (环比)."""
        if self.granularity is Granularity.CUSTOM:
            return Period(self.start - timedelta(days=self.days), self.start, self.granularity)
        return bucket_of(self.start - timedelta(days=1), self.granularity)

    def last_year(self) -> "Period":
        """The same period one year earlier (同比)."""
        if self.granularity is Granularity.WEEK:
            return Period(self.start - timedelta(weeks=52), self.end - timedelta(weeks=52), self.granularity)
        if self.granularity in (Granularity.DAY, Granularity.CUSTOM):
            return Period(_year_earlier(self.start), _year_earlier(self.end), self.granularity)
        return bucket_of(_year_earlier(self.start), self.granularity)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ)


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def bucket_of(day: date, granularity: Granularity) -> Period:
    """The bucket of a (non-custom) granularity that contains ``day``."""
    if granularity is Granularity.YEAR:
        return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), granularity)
    if granularity is Granularity.QUARTER:
        first = (day.month - 1) // 3 * 3 + 1
        return Period(date(day.year, first, 1), _month_start(day.year, first + 3), granularity)
    if granularity is Granularity.MONTH:
        return Period(date(day.year, day.month, 1), _month_start(day.year, day.month + 1), granularity)
    if granularity is Granularity.WEEK:
        monday = day - timedelta(days=day.weekday())
        return Period(monday, monday + timedelta(days=7), granularity)
    if granularity is Granularity.DAY:
        return Period(day, day + timedelta(days=1), granularity)
    raise ValueError("a custom period has no bucket of its own")


def buckets(start: date, end: date, granularity: Granularity) -> list[Period]:
    """The buckets covering [start, end): whole buckets, from the one holding ``start``.

    A custom granularity gives the range itself as one bucket.
    """
    if end <= start:
        raise ValueError("the range must end after it starts")
    if granularity is Granularity.CUSTOM:
        return [Period(start, end, granularity)]
    result = [bucket_of(start, granularity)]
    while result[-1].end < end:
        result.append(bucket_of(result[-1].end, granularity))
        if len(result) > MAX_BUCKETS:
            raise ValueError(
                f"more than {MAX_BUCKETS} {granularity.value} buckets: choose a coarser granularity"
            )
    return result


def default_range(today: date) -> tuple[date, date]:
    """The current month, as a leader opening the page expects."""
    month = bucket_of(today, Granularity.MONTH)
    return month.start, month.end
