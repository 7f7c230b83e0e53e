"""Event figures for the cockpit, counted in the database in a few GROUP BY statements."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from core_app.cases.models import Case
from core_app.events.models import OPEN_ASSIGNMENT_STATUSES, Assignment, Event, EventStatus, Satisfaction

# Events nobody works on any more: finished, closed, or thrown out as invalid.
FINISHED = (EventStatus.HANDLED, EventStatus.CLOSED, EventStatus.INVALID)
CONTENT = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def previous(self) -> "Period":
        """The period just before this one: last month for a calendar month, else the same length."""
        start = self.start
        if start.day == 1 and self.end == start.replace(
            year=start.year + start.month // 12, month=start.month % 12 + 1
        ):
            return Period(
                start.replace(year=start.year - (start.month == 1), month=(start.month - 2) % 12 + 1), start
            )
        return Period(start - (self.end - start), start)


def _count_by(session: Session, column, conditions: list) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).where(*conditions).group_by(column)).all()
    return {str(getattr(key, "value", key)): int(n) for key, n in rows if key is not None}


def _reported_in(period: Period) -> list[ColumnElement[bool]]:
    return [Event.reported_at >= period.start, Event.reported_at < period.end]


def event_breakdown(session: Session, period: Period, *, scope: ColumnElement[bool], now: datetime) -> dict:
    """Events reported in PERIOD by source and status, the previous period's total, satisfaction among
    the rated ones, and, now, the events still open and those past an open assignment's deadline."""
    in_period = [scope, *_reported_in(period)]
    total = session.scalar(select(func.count()).select_from(Event).where(*in_period)) or 0
    previous = session.scalar(
        select(func.count()).select_from(Event).where(scope, *_reported_in(period.previous()))
    )
    rated, content = session.execute(
        select(
            func.count(Event.satisfaction),
            func.coalesce(func.sum(case((Event.satisfaction.in_(CONTENT), 1), else_=0)), 0),
        ).where(*in_period)
    ).one()
    open_now = session.scalar(
        select(func.count()).select_from(Event).where(scope, Event.status.not_in(FINISHED))
    )
    late = (
        select(Assignment.event_id)
        .where(
            Assignment.status.in_(OPEN_ASSIGNMENT_STATUSES),
            Assignment.handle_due_at.is_not(None),
            Assignment.handle_due_at < now,
        )
        .distinct()
    )
    overdue = session.scalar(
        select(func.count())
        .select_from(Event)
        .where(scope, Event.status.not_in(FINISHED), Event.id.in_(late))
    )
    return {
        "period_from": period.start,
        "period_to": period.end,
        "total": int(total),
        "previous_total": int(previous or 0),
        "rated": int(rated),
        "satisfaction_rate": (int(content) / int(rated)) if rated else None,
        "open_now": int(open_now or 0),
        "overdue_now": int(overdue or 0),
        "by_source": _count_by(session, Event.source, in_period),
        "by_status": _count_by(session, Event.status, in_period),
    }


def month_periods(last_month_start: datetime, months: int) -> list[Period]:
    """MONTHS calendar months ending with the one starting at LAST_MONTH_START, oldest first."""
    periods = []
    start = last_month_start
    for _ in range(months):
        end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        periods.append(Period(start, end))
        start = start.replace(year=start.year - (start.month == 1), month=(start.month - 2) % 12 + 1)
    return periods[::-1]


def case_trend(session: Session, periods: list[Period], *, scope: ColumnElement[bool]) -> list[dict]:
    """Cases accepted and cases completed per period: two counts a month, each a range of an index
    (on SQLite one pass with a CASE per month is several times slower than these small counts)."""

    def count(column, period: Period) -> int:
        inside = [scope, column >= period.start, column < period.end]
        return int(session.scalar(select(func.count()).select_from(Case).where(*inside)) or 0)

    return [
        {
            "month": period.start.strftime("%Y-%m"),
            "accepted": count(Case.accepted_at, period),
            "completed": count(Case.completed_at, period),
        }
        for period in periods
    ]
