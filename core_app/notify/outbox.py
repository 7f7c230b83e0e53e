"""Write notifications to the outbox, in the caller's transaction; the worker delivers them later.

Nothing here commits: a message is written together with the business change that caused it, so both
are kept or both are rolled back. Delivery (core_app.notify.worker) happens after the commit.

Who hears about what (kept deliberately simple; recipients are data, not code):
- a department: every active user holding a role that grants ``events:handle`` with the data scope
  "department = that department" gets a DingTalk work notice (``ding_work``), addressed to their staff
  record's DingTalk user id, else their username. A department without such users gets one work notice
  addressed to the department (``dept:<code>``, sent with DingTalk's dept_id_list). When the group robot
  is configured (``dingtalk_robot_url``), the department's message also goes to the robot.
- a user: one work notice, addressed as above.
- the city platform: one ``city_platform`` message per closure, retried until acknowledged.
"""

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core_app.access.models import Permission, Role, ScopeKind, User, UserRole, role_permissions
from core_app.config import get_settings
from core_app.db.base import utcnow
from core_app.db.session import session_memo
from core_app.events.models import Event, Feedback
from core_app.notify.models import Channel, OutboxMessage
from core_app.org.models import Department, Staff

DEFAULT_MAX_ATTEMPTS = 8
HANDLE_PERMISSION = "events:handle"
DEPARTMENT_RECIPIENT_PREFIX = "dept:"  # a ding_work recipient naming a department, not a user
DEDUP_KEY_LENGTH = 120  # OutboxMessage.dedup_key


def enqueue(
    session: Session,
    *,
    channel: Channel | str,
    recipient: str,
    subject: str,
    body: str,
    payload: dict[str, Any] | None = None,
    dedup_key: str | None = None,
    event_id: int | None = None,
    max_attempts: int | None = DEFAULT_MAX_ATTEMPTS,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox without committing; None if its dedup_key is already there.

    ``now`` (default: the wall clock) is when it was written and first due; pass a frozen clock's time.
    """
    now = now or utcnow()
    values = {
        "channel": Channel(channel),
        "recipient": recipient[:200],
        "subject": subject[:200],
        "body": body,
        "payload": payload,
        "dedup_key": dedup_key,
        "event_id": event_id,
        "max_attempts": max_attempts,
        "created_at": now,
        "next_attempt_at": now,
    }
    if dedup_key is None:
        message = OutboxMessage(**values)
        session.add(message)
        return message
    return _insert_once(session, values)


def _insert_once(session: Session, values: dict[str, Any]) -> OutboxMessage | None:
    """INSERT ... ON CONFLICT (dedup_key) DO NOTHING, in the session's transaction.

    A plain existence check would race with a concurrent transaction and then fail its commit with a
    unique violation, rolling the business change back with it; ON CONFLICT waits for the other
    transaction instead and quietly does nothing if it committed the same key.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[OutboxMessage.dedup_key])
        .returning(OutboxMessage.id)
    )
    new_id = session.execute(statement).scalar_one_or_none()  # autoflushes pending changes first
    return None if new_id is None else session.get(OutboxMessage, new_id)


def find_by_dedup_key(session: Session, dedup_key: str) -> OutboxMessage | None:
    """Return the message with this dedup_key, if any."""
    return session.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key))


def notify_department(
    session: Session,
    department_id: int,
    *,
    subject: str,
    body: str,
    event_id: int | None = None,
    dedup_key: str | None = None,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Tell a department's handlers (or the department itself) about something; see the module doc."""
    department = session.get(Department, department_id)
    if department is None:
        raise ValueError(f"department {department_id} does not exist")
    recipients = session_memo(
        session,
        ("department-recipients", department_id),
        lambda: [ding_recipient(session, user) for user in department_handlers(session, department_id)],
    )
    if not recipients:
        recipients = [DEPARTMENT_RECIPIENT_PREFIX + department.code]
    targets = [(Channel.DING_WORK, recipient) for recipient in dict.fromkeys(recipients)]
    if get_settings().dingtalk_robot_url:
        targets.append((Channel.DING_ROBOT, department.code))
    return _fan_out(
        session, targets, subject=subject, body=body, event_id=event_id, dedup_key=dedup_key, now=now
    )


def notify_user(
    session: Session,
    user_id: int,
    *,
    subject: str,
    body: str,
    event_id: int | None = None,
    dedup_key: str | None = None,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Send one user a DingTalk work notice."""
    user = session.get(User, user_id)
    if user is None:
        raise ValueError(f"user {user_id} does not exist")
    targets = [(Channel.DING_WORK, ding_recipient(session, user))]
    return _fan_out(
        session, targets, subject=subject, body=body, event_id=event_id, dedup_key=dedup_key, now=now
    )


def _fan_out(
    session: Session,
    targets: list[tuple[Channel, str]],
    *,
    subject: str,
    body: str,
    event_id: int | None,
    dedup_key: str | None,
    now: datetime | None,
) -> list[OutboxMessage]:
    messages = []
    for channel, recipient in targets:
        key = None if dedup_key is None else per_recipient_key(dedup_key, channel, recipient)
        message = enqueue(
            session,
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=body,
            dedup_key=key,
            event_id=event_id,
            now=now,
        )
        if message is not None:
            messages.append(message)
    return messages


def per_recipient_key(dedup_key: str, channel: Channel, recipient: str) -> str:
    """One logical notification fans out to many rows: each gets its own key, within the column's length."""
    key = f"{dedup_key}:{channel.value}:{recipient}"
    if len(key) <= DEDUP_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: DEDUP_KEY_LENGTH - 33]}#{digest}"


def department_handlers(session: Session, department_id: int) -> list[User]:
    """Active users holding events:handle over exactly this department, in id order."""
    statement = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Role, Role.id == UserRole.role_id)
        .join(role_permissions, role_permissions.c.role_id == Role.id)
        .join(Permission, Permission.id == role_permissions.c.permission_id)
        .where(
            Permission.code == HANDLE_PERMISSION,
            UserRole.scope == ScopeKind.DEPARTMENT,
            UserRole.scope_id == department_id,
            User.is_active.is_(True),
        )
        .distinct()
        .order_by(User.id)
    )
    return list(session.scalars(statement))


def ding_recipient(session: Session, user: User) -> str:
    """The user's DingTalk user id from their staff record, else their username."""
    if user.staff_id is not None:
        staff = session.get(Staff, user.staff_id)
        if staff is not None and staff.ding_user_id:
            return staff.ding_user_id
    return user.username


def report_upstream(session: Session, event: Event, *, now: datetime | None = None) -> OutboxMessage:
    """Queue the event's result for the city platform, retried until the platform acknowledges it.

    The key includes closed_at, so an event reopened and closed again reports again.
    """
    closed = event.closed_at.isoformat() if event.closed_at else event.status.value
    dedup_key = f"upstream:{event.id}:{closed}"
    payload = upstream_payload(session, event)
    message = enqueue(
        session,
        channel=Channel.CITY_PLATFORM,
        recipient=event.upstream_no or event.event_no,
        subject=f"{event.event_no} {event.status.value}",
        body=payload["content"] or "",
        payload=payload,
        dedup_key=dedup_key,
        event_id=event.id,
        max_attempts=None,
        now=now,
    )
    return message if message is not None else find_by_dedup_key(session, dedup_key)


def upstream_payload(session: Session, event: Event) -> dict[str, Any]:
    """What the city platform gets: its own number, ours, the outcome and who handled it."""
    feedback = session.scalar(
        select(Feedback)
        .where(Feedback.event_id == event.id)
        .order_by(Feedback.submitted_at.desc(), Feedback.id.desc())
        .limit(1)
    )
    department = session.get(Department, event.department_id) if event.department_id else None
    return {
        "upstream_no": event.upstream_no,
        "event_no": event.event_no,
        "status": event.status.value,
        "result": feedback.result.value if feedback else None,
        "content": feedback.content if feedback else None,
        "department": {"code": department.code, "name": department.name} if department else None,
        "completed_at": event.completed_at.isoformat() if event.completed_at else None,
        "closed_at": event.closed_at.isoformat() if event.closed_at else None,
    }
