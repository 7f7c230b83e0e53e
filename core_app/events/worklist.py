"""A handler's worklist: the events their department leads and still has to sign off or finish.

One row per event with an open lead assignment in the caller's ``events:handle`` scope, with the
assignment's 153024 deadlines, so a phone can show every countdown without one request per event.
Ordered by the deadline that runs now (sign-off until signed, then handling), then priority.
"""

from datetime import datetime

from pydantic import Field
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from core_app.access import scopes
from core_app.access.principal import Principal
from core_app.api.schemas import ReadModel
from core_app.events.lifecycle import ASSIGNED_STATUSES
from core_app.events.models import (
    OPEN_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Complexity,
    Event,
    EventCategory,
    EventSource,
    EventStatus,
    Priority,
)
from core_app.privacy.masking import MaskedAddress, MaskedText

HANDLE_PERMISSION = "events:handle"
DEFAULT_LIMIT = 200


class WorkItem(ReadModel):
    """An event the caller's department leads, with the deadline that runs now."""

    id: int
    event_no: str
    title: MaskedText
    address: MaskedAddress | None
    source: EventSource
    category_id: int | None
    category: str | None
    status: EventStatus
    priority: Priority
    complexity: Complexity
    version: int
    reported_at: datetime
    suspended_at: datetime | None
    assignment_id: int
    department_id: int
    assignment_status: AssignmentStatus
    dispatched_at: datetime
    sign_due_at: datetime | None
    signed_at: datetime | None
    handle_due_at: datetime | None
    extension_minutes: int
    due_at: datetime | None = Field(description="sign_due_at until signed, then handle_due_at.")
    due_kind: str = Field(description="sign (签收) or handle (办结): which limit due_at is.")


def worklist(session: Session, principal: Principal, limit: int = DEFAULT_LIMIT) -> list[dict]:
    """Open lead assignments of events in the caller's handle scope: the nearest deadline first."""
    signed = Assignment.signed_at.is_not(None)
    due = case((signed, Assignment.handle_due_at), else_=Assignment.sign_due_at)
    statement = (
        select(
            Event.id,
            Event.event_no,
            Event.title,
            Event.address,
            Event.source,
            Event.category_id,
            EventCategory.name.label("category"),
            Event.status,
            Event.priority,
            Event.complexity,
            Event.version,
            Event.reported_at,
            Event.suspended_at,
            Assignment.id.label("assignment_id"),
            Assignment.department_id,
            Assignment.status.label("assignment_status"),
            Assignment.dispatched_at,
            Assignment.sign_due_at,
            Assignment.signed_at,
            Assignment.handle_due_at,
            Assignment.extension_minutes,
            due.label("due_at"),
            case((signed, "handle"), else_="sign").label("due_kind"),
        )
        .join(Assignment, Assignment.event_id == Event.id)
        .outerjoin(EventCategory, EventCategory.id == Event.category_id)
        .where(
            Event.status.in_(ASSIGNED_STATUSES),
            Assignment.role == AssignmentRole.LEAD,
            Assignment.status.in_(OPEN_ASSIGNMENT_STATUSES),
            Assignment.department_id == Event.department_id,
            scopes.EVENTS.condition(principal, HANDLE_PERMISSION),
        )
        .order_by(due.is_(None), due, Event.priority, Event.id)
        .limit(limit)
    )
    return [row._asdict() for row in session.execute(statement)]
