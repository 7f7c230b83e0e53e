"""Trend endpoints under /api/v1/trends (DOMAIN §7.3), all under ``events:read`` and the caller's data scope:
counts, rising categories, hot words, hot problems, hot spots and the next-week forecast."""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import ColumnElement

from core_app.access import scopes
from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.api.deps import SessionDep
from core_app.api.params import INT_MAX
from core_app.api.problems import LIST_RESPONSES, InvalidParameterError
from core_app.db.base import utcnow
from core_app.events.analytics_routes import FROM_HELP, TO_HELP, parse_instant, parse_period
from core_app.events.models import EventSource
from core_app.trends import service
from core_app.trends.schemas import (
    CountReport,
    ForecastReport,
    HotProblemReport,
    HotSpotReport,
    HotWordReport,
    RisingReport,
    TrendScope,
)

router = APIRouter(prefix="/trends", tags=["trends"])

PERMISSION = "events:read"
MAX_DAYS = 3 * 366  # longest period a trend query covers

Reader = Annotated[Principal, Depends(require(PERMISSION))]
RecordIdQuery = Annotated[int | None, Query(ge=1, le=INT_MAX)]
From = Annotated[str, Query(alias="from", description="Reported at or after. " + FROM_HELP)]
To = Annotated[str, Query(description="Reported before. " + TO_HELP)]
Top = Annotated[int, Query(ge=1, le=200, description="How many rows at most.")]


def _scope(principal: Principal) -> ColumnElement[bool]:
    return scopes.EVENTS.condition(principal, PERMISSION)


def _filter(raw_from: str, raw_to: str, source, category_id, street_id) -> service.TrendFilter:
    start, end = parse_period(raw_from, raw_to)
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidParameterError("query.from", f"the period may span at most {MAX_DAYS} days")
    return service.TrendFilter(start, end, source=source, category_id=category_id, street_id=street_id)


def _echo(where: service.TrendFilter) -> TrendScope:
    return TrendScope(
        period_from=where.start,
        period_to=where.end,
        source=where.source,
        category_id=where.category_id,
        street_id=where.street_id,
    )


@router.get(
    "/counts",
    response_model=CountReport,
    responses=LIST_RESPONSES,
    summary="Event counts per week or month and category or street",
    operation_id="trend_counts",
)
def trend_counts(
    session: SessionDep,
    principal: Reader,
    from_: From,
    to: To,
    granularity: service.Granularity = service.Granularity.WEEK,
    by: service.CountBy = service.CountBy.CATEGORY,
    category_level: Annotated[
        int, Query(ge=1, le=2, description="Category level: 2 (a level-3 event counts for its parent) or 1.")
    ] = 2,
    source: EventSource | None = None,
    category_id: RecordIdQuery = None,
    street_id: RecordIdQuery = None,
):
    """Weeks start on Monday (local time); an edge period cut by from/to holds only the days inside."""
    where = _filter(from_, to, source, category_id, street_id)
    rows = service.event_counts(
        session, where, scope=_scope(principal), granularity=granularity, by=by, category_level=category_level
    )
    return CountReport(
        scope=_echo(where),
        granularity=granularity.value,
        by=by.value,
        category_level=category_level,
        total=sum(r["count"] for r in rows),
        rows=rows,
    )


@router.get(
    "/rising",
    response_model=RisingReport,
    responses=LIST_RESPONSES,
    summary="Categories rising in the latest whole week against their own baseline",
    operation_id="trend_rising",
)
def trend_rising(
    session: SessionDep,
    principal: Reader,
    to: Annotated[
        str | None,
        Query(description="The latest whole week is the one before the week of this moment (default now)."),
    ] = None,
    baseline_weeks: Annotated[int, Query(ge=2, le=52)] = 8,
    z_threshold: Annotated[float, Query(gt=0, le=20)] = 3.0,
    min_count: Annotated[int, Query(ge=1, le=INT_MAX)] = 5,
    source: EventSource | None = None,
    street_id: RecordIdQuery = None,
):
    """z = (count - baseline mean) / max(baseline std, sqrt(mean), 1); rising when z > z_threshold and the
    count reaches min_count; each rising category comes with its hot words of the week."""
    end = utcnow() if to is None else parse_instant("to", to)
    where = service.TrendFilter(end - timedelta(days=7), end, source=source, street_id=street_id)
    result = service.rising_topics(
        session,
        where,
        scope=_scope(principal),
        baseline_weeks=baseline_weeks,
        z_threshold=z_threshold,
        min_count=min_count,
    )
    echo = TrendScope(
        period_from=result["week_start"] - timedelta(days=7 * baseline_weeks),
        period_to=result["week_start"] + timedelta(days=7),
        source=source,
        street_id=street_id,
    )
    return RisingReport(scope=echo, z_threshold=z_threshold, **result)


@router.get(
    "/hot-words",
    response_model=HotWordReport,
    responses=LIST_RESPONSES,
    summary="Words distinctive of a period against the time before it",
    operation_id="trend_hot_words",
)
def trend_hot_words(
    session: SessionDep,
    principal: Reader,
    from_: From,
    to: To,
    baseline_from: Annotated[
        str | None,
        Query(description="Start of the baseline, which ends at from (default: 4 periods before)."),
    ] = None,
    top: Top = 20,
    min_count: Annotated[int, Query(ge=1, le=INT_MAX)] = 3,
    source: EventSource | None = None,
    category_id: RecordIdQuery = None,
    street_id: RecordIdQuery = None,
):
    """Weighted log-odds with an informative Dirichlet prior; a word counts once per event."""
    where = _filter(from_, to, source, category_id, street_id)
    if baseline_from is None:
        baseline_start = where.start - 4 * (where.end - where.start)
    else:
        baseline_start = parse_instant("baseline_from", baseline_from)
        if baseline_start >= where.start:
            raise InvalidParameterError("query.baseline_from", "must be before from")
    result = service.period_hot_words(
        session, where, scope=_scope(principal), baseline_start=baseline_start, top=top, min_count=min_count
    )
    return HotWordReport(scope=_echo(where), baseline_from=baseline_start, **result)


@router.get(
    "/hot-problems",
    response_model=HotProblemReport,
    responses=LIST_RESPONSES,
    summary="Groups of events about the same place and matter, ranked by heat",
    operation_id="trend_hot_problems",
)
def trend_hot_problems(
    session: SessionDep,
    principal: Reader,
    from_: From,
    to: To,
    top: Top = 20,
    min_count: Annotated[int, Query(ge=2, le=INT_MAX)] = 2,
    source: EventSource | None = None,
    category_id: RecordIdQuery = None,
    street_id: RecordIdQuery = None,
):
    """heat = ln(1 + n) + 0.5 ln(1 + votes) + 0.5 ln(1 + n / weeks of span); events have no votes. Reads at
    most the 5,000 newest events of the period."""
    where = _filter(from_, to, source, category_id, street_id)
    rows = service.event_hot_problems(session, where, scope=_scope(principal), top=top, min_count=min_count)
    return HotProblemReport(scope=_echo(where), rows=rows)


@router.get(
    "/hotspots",
    response_model=HotSpotReport,
    responses=LIST_RESPONSES,
    summary="Clusters of nearby events (DBSCAN with haversine distance)",
    operation_id="trend_hotspots",
)
def trend_hotspots(
    session: SessionDep,
    principal: Reader,
    from_: From,
    to: To,
    eps_m: Annotated[float, Query(ge=10, le=5000, description="Neighbourhood radius in metres.")] = 200.0,
    min_samples: Annotated[int, Query(ge=2, le=10_000, description="Events a core point needs nearby.")] = 10,
    top: Top = 20,
    source: EventSource | None = None,
    category_id: RecordIdQuery = None,
    street_id: RecordIdQuery = None,
):
    """Reads at most the 20,000 newest events of the period that have coordinates."""
    where = _filter(from_, to, source, category_id, street_id)
    result = service.event_hot_spots(
        session, where, scope=_scope(principal), eps_m=eps_m, min_samples=min_samples, top=top
    )
    return HotSpotReport(scope=_echo(where), eps_m=eps_m, min_samples=min_samples, **result)


@router.get(
    "/forecast",
    response_model=ForecastReport,
    responses=LIST_RESPONSES,
    summary="Next week's event count per category, with the seasonal-naive forecast beside it",
    operation_id="trend_forecast",
)
def trend_forecast(
    session: SessionDep,
    principal: Reader,
    history_weeks: Annotated[int, Query(ge=10, le=156, description="Whole weeks learnt from.")] = 52,
    source: EventSource | None = None,
    street_id: RecordIdQuery = None,
    as_of: Annotated[
        str | None,
        Query(description="Forecast the week holding this date (default: today), e.g. 2026-06-01."),
    ] = None,
):
    """The week forecast is the one holding as_of (its Monday is week_start); the model learns from the whole
    weeks before it. With fewer than 10 weeks of data the seasonal-naive forecast is given."""
    now: datetime = parse_instant("as_of", as_of) if as_of else utcnow()
    result = service.forecast_next_week(
        session,
        scope=_scope(principal),
        now=now,
        source=source,
        street_id=street_id,
        history_weeks=history_weeks,
    )
    return ForecastReport(source=source, street_id=street_id, **result)
