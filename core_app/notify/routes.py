"""The outbox for admins: list messages, counts per channel and status, retry a dead or waiting one."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.api.deps import SessionDep
from core_app.api.listing import ResourceSpec, add_resource_routes
from core_app.api.params import RecordId
from core_app.api.problems import AUTH_RESPONSES, DETAIL_RESPONSES, NotFoundError, ProblemError
from core_app.audit.service import record
from core_app.db.base import utcnow
from core_app.notify.models import OutboxMessage, OutboxStatus
from core_app.notify.schemas import OutboxCount, OutboxRead, OutboxSummary

PERMISSION = "notifications:manage"
Manager = Annotated[Principal, Depends(require(PERMISSION))]

router = APIRouter(tags=["notifications"])

OUTBOX = ResourceSpec(
    model=OutboxMessage,
    read_schema=OutboxRead,
    permission=PERMISSION,
    filters=("status", "channel", "event_id", "recipient"),
    ranges=("created_at", "next_attempt_at"),
    search=("subject", "last_error"),
    sort_fields=("id", "created_at", "next_attempt_at", "attempts"),
    default_sort="-id",
    label="outbox message",
)


@router.get("/outbox/summary", response_model=OutboxSummary, responses=AUTH_RESPONSES)
def outbox_summary(session: SessionDep, _: Manager) -> OutboxSummary:
    """Count messages per channel and status."""
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count())
        .group_by(OutboxMessage.channel, OutboxMessage.status)
        .order_by(OutboxMessage.channel, OutboxMessage.status)
    ).all()
    counts = [OutboxCount(channel=channel, status=status, count=n) for channel, status, n in rows]
    oldest = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    return OutboxSummary(
        counts=counts,
        total=sum(c.count for c in counts),
        dead=sum(c.count for c in counts if c.status == OutboxStatus.DEAD),
        oldest_pending_at=oldest,
    )


add_resource_routes(router, "/outbox", OUTBOX)


@router.post(
    "/outbox/{message_id}/retry",
    response_model=OutboxRead,
    responses={
        **DETAIL_RESPONSES,
        409: DETAIL_RESPONSES[404] | {"description": "Already sent, or being sent"},
    },
)
def retry_message(
    request: Request,
    session: SessionDep,
    principal: Manager,
    message_id: RecordId,
) -> OutboxRead:
    """Send a dead or waiting message again now, with a fresh budget of attempts."""
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFoundError(f"outbox message {message_id} does not exist")
    if message.status in (OutboxStatus.SENT, OutboxStatus.SENDING):
        detail = (
            f"outbox message {message_id} is {message.status.value}; only dead or pending ones are retried"
        )
        raise ProblemError(409, detail)
    before = {"status": message.status.value, "attempts": message.attempts, "last_error": message.last_error}
    message.status, message.attempts, message.next_attempt_at = OutboxStatus.PENDING, 0, utcnow()
    record(
        session,
        principal=principal,
        action="outbox_retry",
        entity=OutboxMessage.__tablename__,
        entity_id=message_id,
        before=before,
        after={"status": message.status.value},
        request=request,
    )
    session.commit()
    return OutboxRead.model_validate(message)
