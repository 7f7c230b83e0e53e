"""Small hand-built halls for the warning tests: one department, matter, hall and handler each."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.access.models import Role, ScopeKind, User, UserRole
from core_app.cases.models import Case, CaseStatus
from core_app.matters.models import Matter
from core_app.notify.models import OutboxMessage
from core_app.org.models import Department, Hall, Staff
from core_app.warnings.models import Warning, WarningRule
from tests.api import builders as b

local = b.local


@dataclass
class Hall1:
    department: Department
    matter: Matter
    hall: Hall
    handler: Staff


def hall_with_handler(session: Session, *, ding_user_id: str | None = "ding-wang", **staff: object) -> Hall1:
    """A department with a matter, a hall open 08:30-12:00 and 13:30-17:30, and a handler."""
    department = b.department(session, name="市场监管局")
    matter = b.matter(session, department_id=department.id)
    hall = b.hall(session, opening_hours="08:30-12:00,13:30-17:30")
    handler = b.staff(session, department_id=department.id, ding_user_id=ding_user_id, **staff)
    return Hall1(department, matter, hall, handler)


def waiting_case(session: Session, setup: Hall1, submitted_at: datetime, **fields: object) -> Case:
    """A case submitted and not yet received, taken in by the setup's handler."""
    values = {
        "matter_id": setup.matter.id,
        "hall_id": setup.hall.id,
        "status": CaseStatus.SUBMITTED,
        "submitted_at": submitted_at,
        "received_at": None,
        "accepted_at": None,
        "receiver_staff_id": setup.handler.id,
    }
    return b.case(session, **(values | fields))


def rule(session: Session, **fields: object) -> WarningRule:
    record = WarningRule(**({"name": "rule"} | fields))
    session.add(record)
    session.flush()
    return record


def outbox(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def warnings(session: Session, **where: object) -> list[Warning]:
    statement = select(Warning).order_by(Warning.id).execution_options(populate_existing=True)
    for name, value in where.items():
        statement = statement.where(getattr(Warning, name) == value)
    return list(session.scalars(statement))


def admin_user(session: Session, department: Department, ding_user_id: str, role: str = "dept_admin") -> User:
    """A user holding ``role`` over ``department``, with a staff record carrying its DingTalk id."""
    staff = b.staff(session, department_id=department.id, ding_user_id=ding_user_id)
    role_id = session.scalar(select(Role.id).where(Role.code == role))
    user = User(
        username=f"{role}-{ding_user_id}",
        staff_id=staff.id,
        roles=[UserRole(role_id=role_id, scope=ScopeKind.DEPARTMENT, scope_id=department.id)],
    )
    session.add(user)
    session.flush()
    return user


def messages_of(session: Session, warning: Warning) -> list[OutboxMessage]:
    prefix = f"warn:{warning.id}:"
    return [m for m in outbox(session) if m.dedup_key and m.dedup_key.startswith(prefix)]
