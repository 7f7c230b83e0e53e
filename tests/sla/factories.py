"""Rows for SLA and supervision tests, built directly (not through the lifecycle)."""

from datetime import datetime
from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.access.models import Role, User, UserRole
from core_app.config import LOCAL_TZ
from core_app.events.models import Assignment, AssignmentStatus, Complexity, Event, EventStatus
from core_app.org.models import Department

_serial = count(1)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=LOCAL_TZ)  # a Monday morning


def department(session: Session, code: str | None = None) -> Department:
    n = next(_serial)
    row = Department(code=code or f"D{n}", name=f"部门{n}", kind="functional")
    session.add(row)
    session.flush()
    return row


def user(session: Session, role: str, *, scope: str = "all", scope_id: int | None = None) -> User:
    role_id = session.scalar(select(Role.id).where(Role.code == role))
    row = User(
        username=f"{role}-{next(_serial)}", roles=[UserRole(role_id=role_id, scope=scope, scope_id=scope_id)]
    )
    session.add(row)
    session.flush()
    return row


def event(
    session: Session,
    *,
    department_id: int | None = None,
    complexity: Complexity = Complexity.SIMPLE,
    category_id: int | None = None,
    status: EventStatus = EventStatus.DISPATCHED,
    at: datetime = T0,
) -> Event:
    n = next(_serial)
    row = Event(
        event_no=f"E{n:06d}",
        source="hotline_12345",
        external_id=f"x{n}",
        reporter_type="citizen",
        title=f"路灯不亮 {n}",
        description="小区门口路灯不亮",
        reported_at=at,
        department_id=department_id,
        category_id=category_id,
        complexity=complexity,
        status=status,
    )
    session.add(row)
    session.flush()
    return row


def assignment(
    session: Session,
    event_row: Event,
    department_id: int,
    *,
    at: datetime = T0,
    dispatched_by: int | None = None,
    status: AssignmentStatus = AssignmentStatus.PENDING_SIGN,
) -> Assignment:
    row = Assignment(
        event_id=event_row.id,
        department_id=department_id,
        dispatched_at=at,
        dispatched_by=dispatched_by,
        status=status,
    )
    session.add(row)
    session.flush()
    return row
