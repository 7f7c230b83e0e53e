"""Lists that sit beside the analyses, under ``analytics:read``: rankings (好差评 by department or matter,
town intake), high-frequency matters, the staff-window-post bindings and window staffing guidance."""

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from core_app.analytics import cases, reviews, service, towns, windows
from core_app.analytics.periods import Granularity, Period, buckets
from core_app.analytics.routes import Reader
from core_app.api.deps import SessionDep
from core_app.api.params import INT_MAX
from core_app.api.problems import LIST_RESPONSES, InvalidParameterError
from core_app.org.models import Hall

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=LIST_RESPONSES)

From = Annotated[str | None, Query(alias="from", description="First day (default: this month)")]
To = Annotated[str | None, Query(alias="to", description="Day after the last (exclusive)")]
GranularityQuery = Annotated[
    str | None, Query(description="Sets what 环比/同比 compare with (default month)")
]


class Listing(BaseModel):
    period_from: str
    period_to: str
    rows: list[dict[str, Any]]


def _period(analysis_name: str, granularity: str | None, start: str | None, end: str | None) -> Period:
    """One period: the bucket the range is, else the range as a custom period (vs the one before)."""
    try:
        parsed = service.parse_request(
            service.find_analysis(analysis_name),
            granularity=granularity,
            start=start,
            end=end,
            by=None,
            filters={},
        )
    except service.AnalyticsInputError as error:
        raise InvalidParameterError(f"query.{error.field}", error.reason) from None
    spans = buckets(parsed.start, parsed.end, parsed.granularity)
    if len(spans) == 1 and (spans[0].start, spans[0].end) == (parsed.start, parsed.end):
        return spans[0]
    return Period(parsed.start, parsed.end, Granularity.CUSTOM)


def _listing(period: Period, rows: list[dict[str, Any]]) -> Listing:
    return Listing(period_from=period.start.isoformat(), period_to=period.end.isoformat(), rows=rows)


@router.get("/reviews/ranking", response_model=Listing)
def review_ranking(
    session: SessionDep,
    principal: Reader,
    granularity: GranularityQuery = None,
    period_from: From = None,
    period_to: To = None,
    by: Literal["department", "matter"] = "department",
    min_reviews: Annotated[int, Query(ge=1, le=100_000)] = reviews.MIN_RANKED_REVIEWS,
) -> Listing:
    """Departments or matters by good rate (好评率), ranked with at least ``min_reviews`` valid reviews."""
    period = _period("reviews", granularity, period_from, period_to)
    frame = reviews.ranking(session, period, by=by, min_reviews=min_reviews, principal=principal)
    return _listing(period, service.json_rows(frame))


@router.get("/towns/ranking", response_model=Listing)
def town_ranking(
    session: SessionDep,
    principal: Reader,
    granularity: GranularityQuery = None,
    period_from: From = None,
    period_to: To = None,
) -> Listing:
    """Towns by cases received (镇村收件), with each intake source and 环比/同比."""
    service.fresh_mart(session)
    period = _period("towns", granularity, period_from, period_to)
    return _listing(period, service.json_rows(towns.town_ranking(session, period, principal=principal)))


@router.get("/cases/high-frequency-matters", response_model=Listing)
def high_frequency_matters(
    session: SessionDep,
    principal: Reader,
    granularity: GranularityQuery = None,
    period_from: From = None,
    period_to: To = None,
    department: Annotated[int | None, Query(ge=1, le=INT_MAX)] = None,
    top: Annotated[int, Query(ge=1, le=500)] = cases.HIGH_FREQUENCY_TOP,
    coverage: Annotated[float, Query(gt=0, le=1)] = cases.HIGH_FREQUENCY_COVERAGE,
) -> Listing:
    """高频办件事项: the top matters by cases accepted, and the fewest covering ``coverage`` of them."""
    service.fresh_mart(session)
    period = _period("cases", granularity, period_from, period_to)
    filters = {} if department is None else {"department": department}
    found = cases.high_frequency_matters(session, period, filters, principal, top=top, coverage=coverage)
    return _listing(period, [asdict(row) for row in found])


@router.get("/windows/bindings", response_model=list[dict[str, Any]])
def staff_window_bindings(
    session: SessionDep,
    principal: Reader,
    on: Annotated[date | None, Query(description="The day (default today)")] = None,
) -> list[dict[str, Any]]:
    """人事岗: who is posted at which window, for which department and zone, on a day."""
    return windows.staff_window_bindings(session, on or service.today(), principal)


@router.get("/windows/staffing", response_model=Listing)
def staffing_guidance(
    session: SessionDep,
    principal: Reader,
    hall: Annotated[int, Query(ge=1, le=INT_MAX, description="The hall's id")],
    period_from: From = None,
    period_to: To = None,
) -> Listing:
    """Windows a hall needs per queue group: ceil(arrivals per open hour x mean service minutes / 48)."""
    if session.get(Hall, hall) is None:
        raise InvalidParameterError("query.hall", f"there is no hall {hall}")
    period = _period("windows", "custom", period_from, period_to)
    found = windows.staffing_guidance(session, hall, period.start, period.end, principal)
    return _listing(period, [asdict(row) for row in found])
