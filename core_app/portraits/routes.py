"""Portraits (画像) and lifecycles (全生命周期) under /api/v1, with ``portraits:read`` and the caller's scope.

- ``GET /portraits/{subject_type}``: enterprise, citizen, staff or window portraits; ``tag`` (repeatable,
  all must hold), ``min_score``/``max_score``, ``department`` (staff, with sub-units), ``hall`` (windows),
  ``order=-score|score``, paging; ``format=csv`` exports every matching row (not only the page) in the
  same order with the same fields, features one column each.
- ``GET /portraits/{subject_type}/tags``: how many visible portraits carry each tag.
- ``GET /portraits/{subject_type}/{subject_id}``: one portrait (404 if none, or not in scope).
- ``POST /portraits:rebuild?full=``: run the pipeline now (incremental by default). It needs
  ``pushes:manage``, the permission of those who run the proactive-service pipeline (system admin,
  data scientist, hall manager); it rewrites derived rows only and returns what it did.
- ``GET /lifecycle/enterprises/{uscc}``, ``POST /lifecycle/citizens:lookup`` (the ID number in the body,
  never in a URL), ``GET /lifecycle/citizens/{citizen_id}``: one applicant's items in time order;
  ``from``/``to`` (dates or datetimes; a bare ``to`` date includes that day), ``format=csv``.
"""

import re
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import select

from core_app.access import scopes
from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.api import tables
from core_app.api.deps import SessionDep
from core_app.api.params import INT_MAX, RecordId
from core_app.api.problems import DETAIL_RESPONSES, LIST_RESPONSES, InvalidParameterError, NotFoundError
from core_app.config import get_settings
from core_app.db.base import utcnow
from core_app.people.models import Citizen, Enterprise
from core_app.portraits import export, lifecycle, queries
from core_app.portraits.models import SubjectType
from core_app.portraits.schemas import (
    CitizenLookup,
    FieldLabel,
    Lifecycle,
    LifecycleItem,
    PortraitPage,
    PortraitRead,
    RebuildReport,
    TagCount,
    TagCounts,
)
from core_app.portraits.scopes import PERMISSION, within
from core_app.portraits.service import build_portraits
from core_app.validation.identifiers import check_id_card, check_uscc, pii_hash
from features.portraits.labels import FEATURES, LABELS

router = APIRouter(tags=["portraits"])

REBUILD_PERMISSION = "pushes:manage"
MAX_EXPORT_ROWS = 100_000
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSV_RESPONSES = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}

Reader = Annotated[Principal, Depends(require(PERMISSION))]
Rebuilder = Annotated[Principal, Depends(require(REBUILD_PERMISSION))]
Format = Literal["json", "csv"]
FromQuery = Annotated[str | None, Query(alias="from", description="First day or instant (inclusive)")]
ToQuery = Annotated[str | None, Query(alias="to", description="Last day (inclusive) or instant")]


# ---------------------------------------------------------------- portraits


@router.post("/portraits:rebuild", response_model=RebuildReport, responses=DETAIL_RESPONSES)
def rebuild_portraits(
    session: SessionDep,
    _: Rebuilder,
    full: Annotated[bool, Query(description="Rebuild every portrait, not only changed ones")] = False,
) -> RebuildReport:
    """Bring the portraits up to date now (or rebuild them all); one transaction."""
    report = build_portraits(session, full=full)
    session.commit()
    return RebuildReport(
        full=report.full, skipped=report.skipped, as_of=report.as_of, seconds=report.seconds, rows=report.rows
    )


@router.get("/portraits/{subject_type}/fields", response_model=list[FieldLabel], responses=LIST_RESPONSES)
def portrait_fields(subject_type: str, _: Reader) -> list[FieldLabel]:
    """The features of this subject type's portraits, in order, with their Chinese labels (for screens)."""
    kind = _kind(subject_type)
    return [FieldLabel(name=name, label=LABELS.get(name, name)) for name in FEATURES[kind.value]]


@router.get(
    "/portraits/{subject_type}/tags",
    response_model=TagCounts,
    responses=LIST_RESPONSES,
)
def portrait_tags(subject_type: str, session: SessionDep, principal: Reader) -> TagCounts:
    """Each tag of this subject type with the number of visible portraits carrying it."""
    kind = _kind(subject_type)
    total, counts = queries.tag_counts(session, kind, principal)
    return TagCounts(subject_type=kind.value, total=total, tags=[TagCount(tag=t, count=n) for t, n in counts])


@router.get(
    "/portraits/{subject_type}",
    response_model=PortraitPage,
    responses={**LIST_RESPONSES, **CSV_RESPONSES},
)
def list_portraits(
    subject_type: str,
    session: SessionDep,
    principal: Reader,
    tag: Annotated[list[str] | None, Query(description="Repeatable; every tag must be present")] = None,
    min_score: Annotated[float | None, Query()] = None,
    max_score: Annotated[float | None, Query()] = None,
    department: Annotated[int | None, Query(ge=1, le=INT_MAX, description="Staff: department")] = None,
    hall: Annotated[int | None, Query(ge=1, le=INT_MAX, description="Windows: hall")] = None,
    order: Annotated[str, Query(description="-score (default) or score")] = "-score",
    format: Format = "json",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
):
    """Portraits of one subject type, highest score first by default."""
    try:
        query = queries.parse_query(
            subject_type,
            tags=tag or (),
            min_score=min_score,
            max_score=max_score,
            department=department,
            hall=hall,
            order=order,
        )
    except queries.PortraitInputError as error:
        location = "path" if error.field == "subject_type" else "query"
        raise InvalidParameterError(f"{location}.{error.field}", error.reason) from None
    total = queries.count_portraits(session, query, principal)
    if format == "csv":
        if total > MAX_EXPORT_ROWS:
            reason = f"{total:,} portraits: narrow the filters to at most {MAX_EXPORT_ROWS:,} to export"
            raise InvalidParameterError("query.format", reason)
        rows = queries.list_portraits(session, query, principal)
        items = [PortraitRead(**row).model_dump(mode="json") for row in rows]
        filters = {"subject_type": query.kind.value, "tag": query.tags, "min_score": min_score}
        filters |= {"max_score": max_score, "department": department, "hall": hall, "order": order}
        content = tables.csv_text(
            export.portrait_header(query.kind.value),
            (export.portrait_cells(item, query.kind.value) for item in items),
            export.meta_lines("portraits", filters, utcnow()),
        )
        return _download(content, f"portraits-{query.kind.value}.csv")
    rows = queries.list_portraits(session, query, principal, offset=(page - 1) * page_size, limit=page_size)
    return PortraitPage(
        items=[PortraitRead(**row) for row in rows], total=total, page=page, page_size=page_size
    )


@router.get(
    "/portraits/{subject_type}/{subject_id}",
    response_model=PortraitRead,
    responses={**DETAIL_RESPONSES, **LIST_RESPONSES},
)
def get_portrait(
    subject_type: str,
    subject_id: RecordId,
    session: SessionDep,
    principal: Reader,
) -> PortraitRead:
    """One subject's portrait."""
    kind = _kind(subject_type)
    row = queries.get_portrait(session, kind, subject_id, principal)
    if row is None:
        raise NotFoundError(f"there is no {kind.value} portrait {subject_id}")
    return PortraitRead(**row)


def _kind(raw: str) -> SubjectType:
    try:
        return queries.parse_kind(raw)
    except queries.PortraitInputError as error:
        raise InvalidParameterError("path.subject_type", error.reason) from None


# ---------------------------------------------------------------- lifecycles


@router.get(
    "/lifecycle/enterprises/{uscc}",
    response_model=Lifecycle,
    responses={**DETAIL_RESPONSES, **LIST_RESPONSES, **CSV_RESPONSES},
)
def enterprise_lifecycle(
    uscc: str,
    session: SessionDep,
    principal: Reader,
    period_from: FromQuery = None,
    period_to: ToQuery = None,
    format: Format = "json",
):
    """An enterprise's 全生命周期 by its unified social credit code (public)."""
    try:
        code = check_uscc(uscc)
    except ValueError as error:
        raise InvalidParameterError("path.uscc", str(error)) from None
    period = _period(period_from, period_to)
    found = session.execute(
        select(Enterprise.id, Enterprise.name).where(
            Enterprise.uscc == code, within(scopes.ENTERPRISES, principal)
        )
    ).first()
    if found is None:
        raise NotFoundError(f"there is no enterprise with the unified social credit code {code}")
    body = _lifecycle(session, SubjectType.ENTERPRISE, found[0], principal, period)
    body.uscc, body.enterprise_name = code, found[1]
    return _answer(body, format)


@router.post(
    "/lifecycle/citizens:lookup",
    response_model=Lifecycle,
    responses={**DETAIL_RESPONSES, **LIST_RESPONSES, **CSV_RESPONSES},
)
def citizen_lifecycle_by_id_card(
    lookup: CitizenLookup,
    session: SessionDep,
    principal: Reader,
    period_from: FromQuery = None,
    period_to: ToQuery = None,
    format: Format = "json",
):
    """A citizen's 全生命周期 found by resident ID number (matched by its HMAC; never logged in a URL)."""
    try:
        number = check_id_card(lookup.id_card_no)
    except ValueError as error:
        # The reason names the check that failed; digits of the number are not echoed back.
        raise InvalidParameterError("body.id_card_no", _without_digits(str(error))) from None
    period = _period(period_from, period_to)
    digest = pii_hash(number, get_settings().pii_hash_key)
    citizen_id = session.scalar(
        select(Citizen.id).where(Citizen.id_card_hash == digest, within(scopes.CITIZENS, principal))
    )
    if citizen_id is None:
        raise NotFoundError("there is no citizen with this ID number")
    return _citizen_answer(session, citizen_id, principal, period, format)


@router.get(
    "/lifecycle/citizens/{citizen_id}",
    response_model=Lifecycle,
    responses={**DETAIL_RESPONSES, **LIST_RESPONSES, **CSV_RESPONSES},
)
def citizen_lifecycle(
    citizen_id: RecordId,
    session: SessionDep,
    principal: Reader,
    period_from: FromQuery = None,
    period_to: ToQuery = None,
    format: Format = "json",
):
    """A citizen's 全生命周期 by the citizen's internal id."""
    period = _period(period_from, period_to)
    visible = session.scalar(
        select(Citizen.id).where(Citizen.id == citizen_id, within(scopes.CITIZENS, principal))
    )
    if visible is None:
        raise NotFoundError(f"there is no citizen {citizen_id}")
    return _citizen_answer(session, citizen_id, principal, period, format)


def _citizen_answer(session, citizen_id: int, principal, period: lifecycle.Period, format: str):
    body = _lifecycle(session, SubjectType.CITIZEN, citizen_id, principal, period)
    body.citizen_name = session.scalar(select(Citizen.name).where(Citizen.id == citizen_id))
    return _answer(body, format)


def _lifecycle(session, kind: SubjectType, subject_id: int, principal, period: lifecycle.Period) -> Lifecycle:
    items = lifecycle.records(lifecycle.lifecycle(session, kind, subject_id, principal, period))
    return Lifecycle(
        subject_type=kind.value,
        subject_id=subject_id,
        period_from=period.start,
        period_to=period.end,
        total=len(items),
        items=[LifecycleItem(**item) for item in items],
    )


def _answer(body: Lifecycle, format: str):
    if format != "csv":
        return body
    dumped = body.model_dump(mode="json")
    subject = dumped["uscc"] or f"citizen {body.subject_id}"
    filters = {"subject": subject, "from": dumped["period_from"], "to (exclusive)": dumped["period_to"]}
    content = tables.csv_text(
        export.lifecycle_header(),
        (export.lifecycle_cells(item) for item in dumped["items"]),
        export.meta_lines("lifecycle", filters, utcnow()),
    )
    return _download(content, f"lifecycle-{body.subject_type}-{body.subject_id}.csv")


def _period(raw_from: str | None, raw_to: str | None) -> lifecycle.Period:
    bounds: dict[str, datetime | None] = {}
    for name, raw, upper in (("from", raw_from, False), ("to", raw_to, True)):
        try:
            bounds[name] = lifecycle.parse_moment(raw, upper=upper)
        except (ValueError, OverflowError) as error:
            raise InvalidParameterError(f"query.{name}", str(error)) from None
    if bounds["from"] and bounds["to"] and bounds["from"] >= bounds["to"]:
        raise InvalidParameterError("query.to", "must be after from")
    return lifecycle.Period(bounds["from"], bounds["to"])


def _without_digits(reason: str) -> str:
    return re.sub(r"\d{4,}", "…", reason)


def _download(content: str, filename: str) -> Response:
    return Response(
        content=content,
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
