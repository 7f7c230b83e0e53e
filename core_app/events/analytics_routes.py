"""Department evaluation (JSON or CSV for Excel) and event map data (GeoJSON), all under events:read."""

import csv
import io
from dataclasses import asdict
from datetime import date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from core_app.access import scopes
from core_app.access.deps import require
from core_app.access.models import ScopeKind
from core_app.access.principal import Principal
from core_app.access.scope import ScopeRule, in_department, in_region
from core_app.api.deps import SessionDep
from core_app.api.params import INT_MAX
from core_app.api.problems import LIST_RESPONSES, InvalidParameterError
from core_app.config import LOCAL_TZ
from core_app.db.base import utcnow
from core_app.events.evaluation import (
    COLUMNS,
    DepartmentEvaluation,
    EventFilter,
    Weights,
    evaluate_departments,
)
from core_app.events.geo import (
    DEFAULT_LIMIT,
    GEOJSON_MEDIA_TYPE,
    MAX_LIMIT,
    EventFeatureCollection,
    HeatFeatureCollection,
    HeatLevel,
    MapFilter,
    event_features,
    heat_points,
)
from core_app.events.models import EventSource, EventStatus
from core_app.org.models import Department

router = APIRouter(tags=["event analytics"])

PERMISSION = "events:read"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

# A department-scoped caller sees its own subtree's rows, a region-scoped one the departments of its region.
DEPARTMENTS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(Department.id),
        ScopeKind.REGION: in_region(Department.region_id),
    }
)

Reader = Annotated[Principal, Depends(require(PERMISSION))]
RecordIdQuery = Annotated[int | None, Query(ge=1, le=INT_MAX)]
FROM_HELP = (
    "Start (inclusive): ISO date (local midnight) or datetime; without offset it is Asia/Shanghai time."
)
TO_HELP = "End (exclusive): ISO date or datetime; to=2025-04-01 ends the period with March."


class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON_MEDIA_TYPE


class EvaluationReport(BaseModel):
    """Department figures over [period_from, period_to), best rank first."""

    period_from: datetime
    period_to: datetime
    source: EventSource | None
    category_id: int | None
    street_id: int | None
    weights: dict[str, float]
    min_dispatched: int
    generated_at: datetime
    rows: list[DepartmentEvaluation]


def parse_instant(name: str, raw: str) -> datetime:
    """An ISO date (local midnight) or datetime (naive = local time); 422 naming the parameter otherwise."""
    text = raw.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), LOCAL_TZ)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidParameterError(
            f"query.{name}", f"{raw!r} is not an ISO 8601 date or datetime (e.g. 2025-03-01)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)


def parse_period(raw_from: str | None, raw_to: str | None) -> tuple[datetime | None, datetime | None]:
    start = None if raw_from is None else parse_instant("from", raw_from)
    end = None if raw_to is None else parse_instant("to", raw_to)
    if start is not None and end is not None and start >= end:
        raise InvalidParameterError("query.to", "must be after from")
    return start, end


def parse_statuses(raw: str | None) -> tuple[EventStatus, ...]:
    if raw is None:
        return ()
    try:
        return tuple(EventStatus(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError:
        allowed = ", ".join(s.value for s in EventStatus)
        raise InvalidParameterError(
            "query.status", f"{raw!r}: each status must be one of {allowed}"
        ) from None


@router.get(
    "/event-evaluation",
    response_model=EvaluationReport,
    responses={**LIST_RESPONSES, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    summary="Evaluate departments on their event work (JSON or CSV)",
    operation_id="event_evaluation",
)
def event_evaluation(
    session: SessionDep,
    principal: Reader,
    from_: Annotated[str, Query(alias="from", description=FROM_HELP)],
    to: Annotated[str, Query(description=TO_HELP)],
    source: EventSource | None = None,
    category_id: RecordIdQuery = None,
    street_id: RecordIdQuery = None,
    format: Literal["json", "csv"] = "json",
    weight_sign_on_time: Annotated[float, Query(ge=0, le=100)] = Weights.sign_on_time,
    weight_closed_on_time: Annotated[float, Query(ge=0, le=100)] = Weights.closed_on_time,
    weight_satisfaction: Annotated[float, Query(ge=0, le=100)] = Weights.satisfaction,
    weight_no_return: Annotated[float, Query(ge=0, le=100)] = Weights.no_return,
    min_dispatched: Annotated[
        int, Query(ge=1, le=INT_MAX, description="Rank only departments with at least this many assignments.")
    ] = 1,
):
    """Sign-off and closing on time, return, re-dispatch and reopen rates, satisfaction, handling time,
    supervision counts, score and rank per department; a scoped caller sees its own departments only."""
    start, end = parse_period(from_, to)
    weights_given = (weight_sign_on_time, weight_closed_on_time, weight_satisfaction, weight_no_return)
    if sum(weights_given) <= 0:
        raise InvalidParameterError("query.weight_sign_on_time", "the weights must not all be zero")
    weights = Weights(*weights_given)
    scope = EventFilter(start, end, source=source, category_id=category_id, street_id=street_id)
    now = utcnow()
    rows = evaluate_departments(
        session,
        scope,
        departments=DEPARTMENTS.condition(principal, PERMISSION),
        weights=weights,
        now=now,
        min_dispatched=min_dispatched,
    )
    report = EvaluationReport(
        period_from=start,
        period_to=end,
        source=source,
        category_id=category_id,
        street_id=street_id,
        weights=asdict(weights),
        min_dispatched=min_dispatched,
        generated_at=now.astimezone(LOCAL_TZ),
        rows=rows,
    )
    if format == "csv":
        return evaluation_csv(report)
    return report


def evaluation_csv(report: EvaluationReport) -> Response:
    """The report as CSV: the filters first, a blank line, then one row per department (UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["# 部门考核评价 department evaluation"])
    writer.writerow(["# from", report.period_from.isoformat()])
    writer.writerow(["# to", report.period_to.isoformat()])
    for name in ("source", "category_id", "street_id"):
        value = getattr(report, name)
        writer.writerow([f"# {name}", "all" if value is None else str(value)])
    writer.writerow(["# weights", *(f"{k}={v}" for k, v in report.weights.items())])
    writer.writerow(["# min_dispatched", report.min_dispatched])
    writer.writerow([])
    writer.writerow(COLUMNS)
    for row in report.rows:
        writer.writerow(["" if getattr(row, c) is None else getattr(row, c) for c in COLUMNS])
    filename = f"event-evaluation-{report.period_from:%Y%m%d}-{report.period_to:%Y%m%d}.csv"
    # BOM: Excel then reads the file as UTF-8 and shows the department names (as the import rejects CSV).
    return Response(
        buffer.getvalue().encode("utf-8-sig"),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _map_filter(raw_from, raw_to, category_id, status, street_id) -> MapFilter:
    start, end = parse_period(raw_from, raw_to)
    return MapFilter(start, end, category_id, parse_statuses(status), street_id)


StatusQuery = Annotated[
    str | None,
    Query(description="Comma-separated event statuses: " + ", ".join(s.value for s in EventStatus)),
]
MapFrom = Annotated[str | None, Query(alias="from", description="Reported at or after. " + FROM_HELP)]
MapTo = Annotated[str | None, Query(description="Reported before. " + TO_HELP)]


@router.get(
    "/event-map",
    response_model=EventFeatureCollection,
    response_class=GeoJSONResponse,
    responses=LIST_RESPONSES,
    summary="Events with coordinates as a GeoJSON FeatureCollection",
    operation_id="event_map",
)
def event_map(
    session: SessionDep,
    principal: Reader,
    from_: MapFrom = None,
    to: MapTo = None,
    category_id: RecordIdQuery = None,
    status: StatusQuery = None,
    street_id: RecordIdQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
):
    """Newest events first, in the caller's data scope; titles are masked like the event list's."""
    where = _map_filter(from_, to, category_id, status, street_id)
    scope = scopes.EVENTS.condition(principal, PERMISSION)
    return event_features(session, where, scope=scope, limit=limit)


@router.get(
    "/event-map/heat",
    response_model=HeatFeatureCollection,
    response_class=GeoJSONResponse,
    responses=LIST_RESPONSES,
    summary="Event counts per street or community, as GeoJSON points for a heat layer",
    operation_id="event_map_heat",
)
def event_map_heat(
    session: SessionDep,
    principal: Reader,
    from_: MapFrom = None,
    to: MapTo = None,
    category_id: RecordIdQuery = None,
    status: StatusQuery = None,
    street_id: RecordIdQuery = None,
    level: HeatLevel = HeatLevel.STREET,
):
    """Counts of the caller's events per region at the region's coordinates."""
    where = _map_filter(from_, to, category_id, status, street_id)
    scope = scopes.EVENTS.condition(principal, PERMISSION)
    return heat_points(session, where, scope=scope, level=level)
