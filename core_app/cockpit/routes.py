"""GET /api/v1/cockpit/events: the event figures of the leaders' big screen, under events:read and scope."""

from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from core_app.access import scopes
from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.api.deps import SessionDep
from core_app.api.problems import LIST_RESPONSES, InvalidParameterError
from core_app.cockpit.service import Period, case_trend, event_breakdown, month_periods
from core_app.config import LOCAL_TZ
from core_app.db.base import utcnow
from core_app.events.analytics_routes import FROM_HELP, TO_HELP, parse_period

router = APIRouter(prefix="/cockpit", tags=["cockpit"])

PERMISSION = "events:read"
CASES_PERMISSION = "cases:read"
MAX_DAYS = 366
CasesReader = Annotated[Principal, Depends(require(CASES_PERMISSION))]
Reader = Annotated[Principal, Depends(require(PERMISSION))]


class EventBreakdown(BaseModel):
    period_from: datetime
    period_to: datetime
    total: int
    previous_total: int
    rated: int
    satisfaction_rate: float | None
    open_now: int
    overdue_now: int
    by_source: dict[str, int]
    by_status: dict[str, int]


class CaseMonth(BaseModel):
    month: str
    accepted: int
    completed: int


class CaseTrend(BaseModel):
    months: list[CaseMonth]


def this_month(now: datetime) -> Period:
    local = now.astimezone(LOCAL_TZ)
    start = datetime.combine(local.date().replace(day=1), time(), LOCAL_TZ)
    end_month = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return Period(start, end_month)


@router.get("/events", response_model=EventBreakdown, responses=LIST_RESPONSES)
def cockpit_events(
    session: SessionDep,
    principal: Reader,
    from_: Annotated[
        str | None, Query(alias="from", description="Reported at or after. " + FROM_HELP)
    ] = None,
    to: Annotated[str | None, Query(description="Reported before. " + TO_HELP)] = None,
) -> EventBreakdown:
    """Events reported in the period (default this month) by source and status, with the previous period's
    total (环比), satisfaction among rated events, and the open and overdue events now; scoped."""
    now = utcnow()
    default = this_month(now)
    start, end = parse_period(from_, to)
    period = Period(start or default.start, end or default.end)
    if period.end <= period.start:
        raise InvalidParameterError("query.to", "must be after from")
    if (period.end - period.start).days > MAX_DAYS:
        raise InvalidParameterError("query.from", f"the period may span at most {MAX_DAYS} days")
    scope = scopes.EVENTS.condition(principal, PERMISSION)
    return EventBreakdown(**event_breakdown(session, period, scope=scope, now=now))


@router.get("/case-trend", response_model=CaseTrend, responses=LIST_RESPONSES)
def cockpit_case_trend(
    session: SessionDep,
    principal: CasesReader,
    months: Annotated[int, Query(ge=1, le=36, description="How many months, this one included.")] = 12,
) -> CaseTrend:
    """Cases accepted (受理) and completed (办结) per calendar month (local time), this month last; scoped
    like the case list. One pass over the cases: cheaper than a 12-month analytics series."""
    periods = month_periods(this_month(utcnow()).start, months)
    scope = scopes.CASES.condition(principal, CASES_PERMISSION)
    return CaseTrend(months=[CaseMonth(**row) for row in case_trend(session, periods, scope=scope)])
