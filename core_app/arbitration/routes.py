"""Arbitration requests: the list the arbitration bodies work from, and taking one under review.

The ruling itself is an event action (POST /events/{id}/rule), so it runs through the state machine.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import or_, select

from core_app.access import scopes
from core_app.access.deps import require, require_any
from core_app.access.principal import Principal
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.params import RecordId
from core_app.api.problems import NotFoundError, ProblemError
from core_app.arbitration.models import ArbitrationRequest, ArbitrationStatus
from core_app.arbitration.schemas import ArbitrationRead
from core_app.audit.service import record
from core_app.events.models import Event

router = APIRouter(tags=["arbitration"])

Reader = Annotated[Principal, Depends(require_any("events:arbitrate", "events:dispatch", "events:supervise"))]
Arbitrator = Annotated[Principal, Depends(require("events:arbitrate"))]
MAX_LISTED = 500


def _in_scope(principal: Principal):
    """Requests on events that one of the caller's reading grants reaches."""
    permissions = ("events:arbitrate", "events:dispatch", "events:supervise")
    conditions = [scopes.EVENTS.condition(principal, p) for p in permissions if principal.can(p)]
    return ArbitrationRequest.event_id.in_(select(Event.id).where(or_(*conditions)))


@router.get("/arbitration-requests", response_model=list[ArbitrationRead])
def list_requests(
    session: SessionDep,
    principal: Reader,
    status: Annotated[ArbitrationStatus | None, Query(description="Only requests in this state.")] = None,
    event_id: Annotated[int | None, Query(ge=1)] = None,
):
    """Arbitration requests, oldest first (at most 500): what 组织部/编办 have to rule on."""
    statement = select(ArbitrationRequest).where(_in_scope(principal))
    if status is not None:
        statement = statement.where(ArbitrationRequest.status == status)
    if event_id is not None:
        statement = statement.where(ArbitrationRequest.event_id == event_id)
    return list(session.scalars(statement.order_by(ArbitrationRequest.id).limit(MAX_LISTED)))


@router.post(
    "/arbitration-requests/{request_id}/review", response_model=ArbitrationRead, responses=WRITE_RESPONSES
)
def take_under_review(request: Request, session: SessionDep, principal: Arbitrator, request_id: RecordId):
    """Mark a submitted request as under review, so the other body knows it is being handled."""
    arbitration = session.scalar(
        select(ArbitrationRequest).where(ArbitrationRequest.id == request_id, _in_scope(principal))
    )
    if arbitration is None:
        raise NotFoundError(f"Arbitration request {request_id} does not exist")
    if arbitration.status is not ArbitrationStatus.SUBMITTED:
        raise ProblemError(409, f"the request is {arbitration.status.value}, not submitted")
    arbitration.status = ArbitrationStatus.UNDER_REVIEW
    record(
        session,
        principal=principal,
        action="update",
        entity="arbitration_requests",
        entity_id=arbitration.id,
        after={"status": arbitration.status.value},
        request=request,
    )
    session.commit()
    return arbitration
