"""Hall analyses under /api/v1/analytics (S1 §3.2.2), under ``analytics:read`` and the caller's data scope.

``GET /analytics`` lists the analyses with their indicators and dimensions. ``GET /analytics/{analysis}``
answers at any level: the district total, then ``by=department``, ``by=staff&department=5``... and
``by=cases&indicator=overdue_count`` lists the records behind a number; ``format=csv|xlsx`` exports exactly
the rows the JSON holds, with the filters.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.analytics import export, service
from core_app.analytics.engine import PERMISSION
from core_app.analytics.registry import analyses
from core_app.analytics.sources import CASE_RECORD_COLUMNS
from core_app.api.deps import SessionDep
from core_app.api.problems import LIST_RESPONSES, InvalidParameterError
from core_app.db.base import utcnow

router = APIRouter(prefix="/analytics", tags=["analytics"])

Reader = Annotated[Principal, Depends(require(PERMISSION))]
RESERVED = {"granularity", "from", "to", "by", "indicator", "format", "page", "page_size"}
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class IndicatorInfo(BaseModel):
    name: str
    label: str
    unit: str
    appraisal: bool
    listable: bool
    help: str


class AnalysisInfo(BaseModel):
    name: str
    title: str
    section: str
    dimensions: list[str]
    drill: list[str]
    compare: bool
    indicators: list[IndicatorInfo]


class AnalysisReport(BaseModel):
    analysis: str
    title: str
    granularity: str
    period_from: str
    period_to: str
    by: list[str]
    filters: dict[str, Any]
    generated_at: datetime
    indicators: list[IndicatorInfo]
    rows: list[dict[str, Any]]


class RecordPage(BaseModel):
    analysis: str
    indicator: str
    period_from: str
    period_to: str
    filters: dict[str, Any]
    total: int
    page: int
    page_size: int
    items: list[dict[str, Any]]


def _info(analysis) -> AnalysisInfo:
    indicators = []
    for measure in analysis.measures:
        indicators.append(
            IndicatorInfo(
                name=measure.name,
                label=measure.label,
                unit=measure.unit.value,
                appraisal=measure.appraisal,
                listable=service.listable(measure, analysis),
                help=measure.help,
            )
        )
    return AnalysisInfo(
        name=analysis.name,
        title=analysis.title,
        section=analysis.section,
        dimensions=list(analysis.dimensions),
        drill=list(analysis.drill),
        compare=analysis.compare,
        indicators=indicators,
    )


@router.get("", response_model=list[AnalysisInfo])
def list_analyses(_: Reader) -> list[AnalysisInfo]:
    """The analyses of S1 §3.2.2, their indicators (unit, ⇄ appraisal) and dimensions."""
    return [_info(a) for a in analyses().values()]


@router.get(
    "/{analysis}",
    response_model=AnalysisReport | RecordPage,
    responses={
        **LIST_RESPONSES,
        200: {"content": {"text/csv": {"schema": {"type": "string"}}, XLSX_MEDIA_TYPE: {}}},
    },
)
def analysis_report(
    analysis: str,
    request: Request,
    session: SessionDep,
    principal: Reader,
    granularity: Annotated[
        str | None, Query(description="year, quarter, month (default), week, day, custom")
    ] = None,
    period_from: Annotated[
        str | None, Query(alias="from", description="First day (default: this month)")
    ] = None,
    period_to: Annotated[str | None, Query(alias="to", description="Day after the last (exclusive)")] = None,
    by: Annotated[
        str | None, Query(description="Dimensions, comma-separated; or 'cases' to list records")
    ] = None,
    indicator: Annotated[str | None, Query(description="With by=cases: whose records to list")] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 50,
):
    """One analysis per period (with 环比/同比) and dimension key; or the records behind one indicator.

    Dimension filters are query parameters named after the dimension (``department=5``, ``channel=pc_web``).
    """
    filters = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    try:
        found = service.find_analysis(analysis)
        parsed = service.parse_request(
            found,
            granularity=granularity,
            start=period_from,
            end=period_to,
            by=by,
            filters=filters,
            indicator=indicator,
        )
    except service.AnalyticsInputError as error:
        field = "path.analysis" if error.field == "analysis" else f"query.{error.field}"
        raise InvalidParameterError(field, error.reason) from None
    if parsed.wants_records:
        return _records(session, parsed, principal, page, page_size, format)
    result = service.run(session, parsed, principal)
    if format == "csv":
        return _download(
            export.to_csv(parsed, result.frame, result.generated_at), "text/csv; charset=utf-8", parsed, "csv"
        )
    if format == "xlsx":
        return _download(
            export.to_xlsx(parsed, result.frame, result.generated_at), XLSX_MEDIA_TYPE, parsed, "xlsx"
        )
    return AnalysisReport(
        analysis=found.name,
        title=found.title,
        granularity=parsed.granularity.value,
        period_from=parsed.start.isoformat(),
        period_to=parsed.end.isoformat(),
        by=list(parsed.by),
        filters=dict(parsed.filters),
        generated_at=result.generated_at,
        indicators=_info(found).indicators,
        rows=service.json_rows(result.frame),
    )


def _records(session, parsed: service.Request, principal, page: int, page_size: int, format: str):
    if format != "json":
        items, total = service.records(
            session, parsed, principal, page=1, page_size=service.MAX_EXPORT_RECORDS
        )
        if total > service.MAX_EXPORT_RECORDS:
            reason = (
                f"{total:,} records: narrow the filters to at most {service.MAX_EXPORT_RECORDS:,} to export"
            )
            raise InvalidParameterError("query.format", reason)
        frame = pd.DataFrame(items, columns=list(items[0]) if items else list(CASE_RECORD_COLUMNS))
        generated_at = utcnow()
        if format == "csv":
            content = export.to_csv(parsed, frame, generated_at)
            return _download(content, "text/csv; charset=utf-8", parsed, "csv")
        return _download(export.to_xlsx(parsed, frame, generated_at), XLSX_MEDIA_TYPE, parsed, "xlsx")
    items, total = service.records(session, parsed, principal, page=page, page_size=page_size)
    return RecordPage(
        analysis=parsed.analysis.name,
        indicator=parsed.indicator,
        period_from=parsed.start.isoformat(),
        period_to=parsed.end.isoformat(),
        filters=dict(parsed.filters),
        total=total,
        page=page,
        page_size=page_size,
        items=items,
    )


def _download(content: str | bytes, media_type: str, parsed: service.Request, suffix: str) -> Response:
    name = f"{parsed.analysis.name}-{parsed.start:%Y%m%d}-{parsed.end:%Y%m%d}.{suffix}"
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Generated-At": utcnow().isoformat(),
        },
    )
