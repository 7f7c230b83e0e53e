"""Supervision endpoints: issue 提醒/催办 (events:dispatch or events:supervise) and 督办 (events:supervise)
on an event, answer one (events:handle of the targeted department), list and count them."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from core_app.access.deps import require, require_any
from core_app.access.principal import Principal
from core_app.admin.common import local_time
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from core_app.api.params import RecordId
from core_app.api.problems import FieldError, InvalidParameterError, ProblemError
from core_app.audit.service import record, snapshot
from core_app.db.base import utcnow
from core_app.supervision import service
from core_app.supervision.models import SupervisionKind, SupervisionStatus
from core_app.supervision.schemas import SummaryRow, SupervisionCreate, SupervisionRead, SupervisionResponse

router = APIRouter(tags=["supervision"], responses=WRITE_RESPONSES)

Issuer = Annotated[Principal, Depends(require_any(*service.ISSUE_PERMISSIONS))]
Responder = Annotated[Principal, Depends(require(service.RESPOND_PERMISSION))]
Reader = Annotated[Principal, Depends(require_any(*service.READ_PERMISSIONS))]


def _problem(exc: service.SupervisionRefused) -> ProblemError:
    errors = [FieldError(field=f"body.{exc.field}", reason=exc.detail)] if exc.field else None
    slug = "validation-error" if exc.status == 422 else None
    return ProblemError(exc.status, exc.detail, slug=slug, errors=errors)


@router.post("/events/{event_id}/supervisions", response_model=SupervisionRead, status_code=201)
def issue_supervision(
    request: Request, session: SessionDep, principal: Issuer, event_id: RecordId, data: SupervisionCreate
):
    """Remind, urge (催办) or supervise (督办) the department holding the event's lead assignment."""
    try:
        supervision = service.issue(
            session,
            principal=principal,
            event_id=event_id,
            kind=data.kind,
            reason=data.reason,
            respond_by=local_time(data.respond_by),
            now=utcnow(),
        )
    except service.SupervisionRefused as exc:
        raise _problem(exc) from None
    record(
        session,
        principal=principal,
        action="create",
        entity="supervisions",
        entity_id=supervision.id,
        after=snapshot(supervision),
        request=request,
    )
    session.commit()
    return supervision


@router.post("/supervisions/{supervision_id}/response", response_model=SupervisionRead)
def respond_to_supervision(
    request: Request,
    session: SessionDep,
    principal: Responder,
    supervision_id: RecordId,
    data: SupervisionResponse,
):
    """Answer a supervision aimed at the caller's department."""
    try:
        supervision = service.respond(
            session, principal=principal, supervision_id=supervision_id, response=data.response, now=utcnow()
        )
    except service.SupervisionRefused as exc:
        raise _problem(exc) from None
    record(
        session,
        principal=principal,
        action="respond",
        entity="supervisions",
        entity_id=supervision.id,
        after=snapshot(supervision),
        request=request,
    )
    session.commit()
    return supervision


@router.get("/supervisions", response_model=Page[SupervisionRead])
def list_supervisions(
    session: SessionDep,
    principal: Reader,
    event_id: Annotated[int | None, Query(ge=1)] = None,
    department_id: Annotated[int | None, Query(ge=1)] = None,
    kind: SupervisionKind | None = None,
    status: SupervisionStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
):
    """Supervisions within the caller's data scope, newest first."""
    filters = service.Filters(event_id=event_id, department_id=department_id, kind=kind, status=status)
    rows, total = service.list_supervisions(session, principal, filters, page=page, page_size=page_size)
    items = [SupervisionRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/supervisions/summary", response_model=list[SummaryRow])
def supervision_summary(
    session: SessionDep,
    principal: Reader,
    start: Annotated[datetime | None, Query(alias="from", description="Issued at or after.")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="Issued before.")] = None,
):
    """Counts per department and kind (total, open, responded, overdue, issued by the system)."""
    start, end = local_time(start), local_time(end)
    if start is not None and end is not None and end <= start:
        raise InvalidParameterError("query.to", "must come after from")
    return service.summary(session, principal, start=start, end=end)
