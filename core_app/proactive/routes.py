"""Push endpoints under ``pushes:manage``: the listing (JSON or CSV), generation and acceptance figures."""

from datetime import datetime
from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.api import tables
from core_app.api.deps import SessionDep
from core_app.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from core_app.api.params import INT_MAX
from core_app.api.problems import (
    LIST_RESPONSES,
    PROBLEM_CONTENT,
    InvalidParameterError,
    Problem,
    ProblemError,
)
from core_app.audit.service import record
from core_app.config import LOCAL_TZ, get_settings
from core_app.db.base import utcnow
from core_app.events.analytics_routes import FROM_HELP, TO_HELP, parse_period
from core_app.proactive import measure, service
from core_app.proactive.models import Push, PushChannel, PushStatus
from core_app.proactive.schemas import (
    GenerateRequest,
    GenerateResult,
    PushDecision,
    PushFigures,
    PushRead,
    PushStatsReport,
    PushStatsRow,
)

router = APIRouter(tags=["pushes"])

PERMISSION = "pushes:manage"
MAX_EXPORT = 50_000
SHOWN_DECISIONS = 500
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSV_RESPONSES = {**LIST_RESPONSES, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}
NO_RECOMMENDER_RESPONSES = {
    409: {"model": Problem, "description": "No recommender is registered", "content": PROBLEM_CONTENT}
}
LIST_COLUMNS = tuple(name for name in PushRead.model_fields if name != "reasons") + ("reasons",)

Manager = Annotated[Principal, Depends(require(PERMISSION))]
From = Annotated[str | None, Query(alias="from", description=FROM_HELP)]
To = Annotated[str | None, Query(description=TO_HELP)]
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv (every matching row)")]


def push_read(push: Push, matter_name: str) -> PushRead:
    """The push as the API shows it, with its subject type and matter name."""
    subject_type = (
        measure.SubjectType.CITIZEN if push.citizen_id is not None else measure.SubjectType.ENTERPRISE
    )
    fields = {name: getattr(push, name) for name in PushRead.model_fields if hasattr(push, name)}
    return PushRead(**fields, subject_type=subject_type.value, matter_name=matter_name)


def parse_statuses(raw: str | None) -> tuple[PushStatus, ...]:
    """Push statuses from a comma list; 422 naming query.status otherwise."""
    if raw is None:
        return ()
    try:
        return tuple(PushStatus(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError:
        allowed = ", ".join(s.value for s in PushStatus)
        raise InvalidParameterError(
            "query.status", f"{raw!r}: each status must be one of {allowed}"
        ) from None


@router.get("/pushes", response_model=Page[PushRead], responses=CSV_RESPONSES, operation_id="list_pushes")
def list_pushes(
    session: SessionDep,
    _: Manager,
    status: Annotated[str | None, Query(description="One status or a comma list.")] = None,
    channel: PushChannel | None = None,
    matter_id: Annotated[int | None, Query(ge=1, le=INT_MAX)] = None,
    subject_type: measure.SubjectType | None = None,
    from_: Annotated[
        str | None, Query(alias="from", description="Generated at or after. " + FROM_HELP)
    ] = None,
    to: Annotated[str | None, Query(description="Generated before. " + TO_HELP)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    format: Format = "json",
):
    """Pushes newest first, with their reasons (masked) and outcome; format=csv exports every match."""
    start, end = parse_period(from_, to)
    where = measure.PushFilter(
        statuses=parse_statuses(status),
        channel=channel,
        matter_id=matter_id,
        subject_type=subject_type,
        period=measure.Period(start, end),
    )
    if format == "csv":
        rows, total = measure.list_pushes(session, where, offset=0, limit=MAX_EXPORT + 1)
        if total > MAX_EXPORT:
            reason = f"{total:,} pushes: narrow the filters to at most {MAX_EXPORT:,} to export"
            raise InvalidParameterError("query.format", reason)
        return pushes_csv([push_read(push, name) for push, name in rows])
    rows, total = measure.list_pushes(session, where, offset=(page - 1) * page_size, limit=page_size)
    items = [push_read(push, name) for push, name in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def pushes_csv(items: list[PushRead]) -> Response:
    """The pushes as CSV (UTF-8 with BOM for Excel); reasons joined by " | ", masked as in JSON."""
    rows = []
    for item in items:
        row = item.model_dump(mode="json")
        row["reasons"] = " | ".join(row["reasons"])
        rows.append(["" if row[c] is None else row[c] for c in LIST_COLUMNS])
    return _download(tables.csv_text(LIST_COLUMNS, rows), "pushes.csv")


def _download(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8"),  # the text starts with its BOM
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/pushes/stats", response_model=PushStatsReport, responses=CSV_RESPONSES, operation_id="push_stats"
)
def push_stats(
    session: SessionDep,
    _: Manager,
    from_: Annotated[str | None, Query(alias="from", description="Sent at or after. " + FROM_HELP)] = None,
    to: Annotated[str | None, Query(description="Sent before. " + TO_HELP)] = None,
    by: measure.StatsBy | None = None,
    format: Literal["json", "csv"] = "json",
):
    """Pushes sent, opened, dismissed and converted per channel, model version, matter or subject type;
    acceptance_rate = converted / sent over the pushes whose conversion window has ended."""
    start, end = parse_period(from_, to)
    now = utcnow()
    rows = measure.push_stats(session, measure.Period(start, end), by, now)
    days = get_settings().push_conversion_days
    report = PushStatsReport(
        period_from=start,
        period_to=end,
        by=None if by is None else by.value,
        conversion_days=days,
        generated_at=now.astimezone(LOCAL_TZ),
        note=(
            f"acceptance_rate = matured_converted / matured_sent: pushes sent at least {days} days ago, "
            "whose window to convert has ended; sent..converted count every push sent in the period"
        ),
        rows=[PushStatsRow(**row) for row in rows],
        total=PushFigures(**measure.totals(rows)),
    )
    return stats_csv(report) if format == "csv" else report


def stats_csv(report: PushStatsReport) -> Response:
    """The figures as CSV: the request first, a blank line, the groups and the total (UTF-8 with BOM)."""
    lines = [("精准推送接受率 push acceptance",)]
    for name in ("period_from", "period_to", "by", "conversion_days", "generated_at", "note"):
        value = getattr(report, name)
        lines.append((name, "all" if value is None else _text(value)))
    columns = ["key", "matter_name", *PushFigures.model_fields]
    rows = []
    for row in [*report.rows, PushStatsRow(key="total", **report.total.model_dump())]:
        values = row.model_dump()
        rows.append(["" if values[c] is None else values[c] for c in columns])
    return _download(tables.csv_text(columns, rows, lines), "push-stats.csv")


def _text(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@router.post(
    "/pushes:generate",
    response_model=GenerateResult,
    responses={**LIST_RESPONSES, **NO_RECOMMENDER_RESPONSES},
    operation_id="generate_pushes",
)
def generate(request: Request, session: SessionDep, principal: Manager, body: GenerateRequest | None = None):
    """Ask the recommender about the recently active subjects, decide and send today's pushes (frequency
    cap, 90-day repeat rule, opt-out, quiet hours); dry_run returns the decisions and writes nothing."""
    body = body or GenerateRequest()
    try:
        report = service.generate_pushes(session, limit=body.limit, dry_run=body.dry_run)
    except service.RecommenderUnavailable as exc:
        raise ProblemError(409, str(exc), slug="no-recommender") from None
    if not body.dry_run:
        after = {"subjects": report.subjects, "counts": report.counts, "messages": report.messages}
        record(
            session,
            principal=principal,
            action="pushes.generate",
            entity="pushes",
            after=after,
            request=request,
        )
        session.commit()
    decisions = report.decision_frame()
    return GenerateResult(
        model_version=report.model_version,
        dry_run=report.dry_run,
        subjects=report.subjects,
        recommendations=report.recommendations,
        counts=report.counts,
        channels=report.channels,
        messages=report.messages,
        decisions=decision_items(decisions),
        decisions_total=len(decisions),
        seconds=round(report.seconds, 3),
    )


def decision_items(decisions) -> list[PushDecision]:
    """The best-scored decisions (at most SHOWN_DECISIONS) as response items."""
    if decisions.empty:
        return []
    shown = decisions.sort_values(["score", "subject"], ascending=[False, True]).head(SHOWN_DECISIONS)
    return [
        PushDecision(
            subject=row.subject,
            matter_id=int(row.matter_id),
            matter_name=row.matter_name,
            rank=int(row.rank),
            score=float(row.score),
            because=str(row.because),
            because_matter_id=None if _missing(row.because_matter_id) else int(row.because_matter_id),
            decision=row.decision,
            channel=None if _missing(row.channel) else str(row.channel),
            release_at=None if _missing(row.release_at) else row.release_at.to_pydatetime(),
            bundle_id=None if _missing(row.bundle_id) else int(row.bundle_id),
            reasons=list(row.reasons),
        )
        for row in shown.itertuples(index=False)
    ]


def _missing(value) -> bool:
    return value is None or bool(pd.isna(value))
