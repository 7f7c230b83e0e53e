"""Supervision: reminders (提醒), 催办 and 督办 on events, by people or by the SLA scheduler.

A supervision targets the department that holds the event's open lead assignment, waits for that
department's written response by ``respond_by``, and turns overdue when none comes. It never changes the
event's state (DOMAIN §5.2); it is recorded and counted (§6.3, §4.9).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, false, func, or_, select, update
from sqlalchemy.orm import Session

from core_app.access import scopes
from core_app.access.models import ScopeKind
from core_app.access.principal import Principal
from core_app.access.scope import ScopeRule, in_department, through
from core_app.events.models import OPEN_ASSIGNMENT_STATUSES, Assignment, AssignmentRole, Event
from core_app.notify.outbox import notify_department
from core_app.org.models import Department
from core_app.supervision.models import Supervision, SupervisionKind, SupervisionStatus, SupervisionTarget

ISSUE_PERMISSIONS = ("events:dispatch", "events:supervise")
SUPERVISE_PERMISSION = "events:supervise"
RESPOND_PERMISSION = "events:handle"
# Who may read supervisions: those who issue them, those who answer them, and the cockpit's leaders.
READ_PERMISSIONS = ("events:supervise", "events:dispatch", "events:handle", "cockpit:view")
# DOMAIN §6.3: a 催办 on an event is answered within 1 h; a 督办 gets a written reply (proposed: 24 h).
RESPONSE_TIME = {
    SupervisionKind.REMIND: None,
    SupervisionKind.URGE: timedelta(hours=1),
    SupervisionKind.SUPERVISE: timedelta(hours=24),
}


KIND_LABELS = {
    SupervisionKind.REMIND: "提醒",
    SupervisionKind.URGE: "催办",
    SupervisionKind.SUPERVISE: "督办",
}


class SupervisionRefused(Exception):
    """The request cannot be carried out; ``status`` says how to answer (403, 404, 409, 422)."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field


def _events_in_region(grant, principal):
    return select(Event.id).where(scopes.EVENTS.clauses[ScopeKind.REGION](grant, principal))


# A department-scoped grant reaches the supervisions aimed at its departments; a region-scoped one those
# on events in its region. Citizens (self scope) reach none.
SUPERVISIONS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(Supervision.department_id),
        ScopeKind.REGION: through(Supervision.event_id, _events_in_region),
    }
)


def visible(principal: Principal, permissions: tuple[str, ...]) -> ColumnElement[bool]:
    """Supervisions the caller reaches through any of ``permissions``."""
    conditions = [SUPERVISIONS.condition(principal, p) for p in permissions if principal.can(p)]
    return or_(*conditions) if conditions else false()


def _event_reachable(
    session: Session, event_id: int, principal: Principal, permissions: tuple[str, ...]
) -> bool:
    conditions = [scopes.EVENTS.condition(principal, p) for p in permissions if principal.can(p)]
    if not conditions:
        return False
    return session.scalar(select(Event.id).where(Event.id == event_id, or_(*conditions))) is not None


def lead_assignment(session: Session, event_id: int) -> Assignment | None:
    """The event's open lead assignment (the latest, if a re-dispatch left more than one)."""
    return session.scalar(
        select(Assignment)
        .where(
            Assignment.event_id == event_id,
            Assignment.role == AssignmentRole.LEAD,
            Assignment.status.in_(OPEN_ASSIGNMENT_STATUSES),
        )
        .order_by(Assignment.dispatched_at.desc(), Assignment.id.desc())
        .limit(1)
    )


def issue(
    session: Session,
    *,
    principal: Principal,
    event_id: int,
    kind: SupervisionKind,
    reason: str,
    respond_by: datetime | None,
    now: datetime,
) -> Supervision:
    """Open a supervision by a person on the event's lead department (does not commit)."""
    if kind == SupervisionKind.SUPERVISE and not principal.can(SUPERVISE_PERMISSION):
        raise SupervisionRefused(
            403,
            f"督办 (supervise) needs the permission {SUPERVISE_PERMISSION!r}, "
            f"which {principal.username} lacks",
        )
    permissions = (SUPERVISE_PERMISSION,) if kind == SupervisionKind.SUPERVISE else ISSUE_PERMISSIONS
    if not _event_reachable(session, event_id, principal, permissions):
        raise SupervisionRefused(404, f"Event {event_id} does not exist")
    assignment = lead_assignment(session, event_id)
    if assignment is None:
        raise SupervisionRefused(
            409, f"event {event_id} has no open lead assignment: no department to supervise"
        )
    if respond_by is not None and respond_by <= now:
        raise SupervisionRefused(422, "respond_by must lie in the future", field="respond_by")
    default = RESPONSE_TIME[kind]
    supervision = Supervision(
        target_type=SupervisionTarget.EVENT,
        target_id=event_id,
        event_id=event_id,
        department_id=assignment.department_id,
        kind=kind,
        issued_by=principal.user_id,
        issued_at=now,
        reason=reason,
        respond_by=respond_by or (now + default if default else None),
        status=SupervisionStatus.OPEN,
    )
    session.add(supervision)
    session.flush()
    event = session.get(Event, event_id)
    notify_department(
        session,
        assignment.department_id,
        subject=f"【{KIND_LABELS[kind]}】事件 {event.event_no}",
        body=f"{reason}：{event.title}",
        event_id=event_id,
        dedup_key=f"supervision:{supervision.id}",
        now=now,
    )
    return supervision


def respond(
    session: Session, *, principal: Principal, supervision_id: int, response: str, now: datetime
) -> Supervision:
    """Record the targeted department's response (does not commit)."""
    supervision = session.scalar(
        select(Supervision).where(Supervision.id == supervision_id, visible(principal, (RESPOND_PERMISSION,)))
    )
    if supervision is None:
        raise SupervisionRefused(404, f"Supervision {supervision_id} does not exist")
    if supervision.status not in (SupervisionStatus.OPEN, SupervisionStatus.OVERDUE):
        raise SupervisionRefused(409, f"supervision {supervision_id} is {supervision.status.value}, not open")
    supervision.response = response
    supervision.responded_at = now
    supervision.responded_by = principal.user_id
    supervision.status = SupervisionStatus.RESPONDED
    session.flush()
    return supervision


def mark_overdue(session: Session, now: datetime) -> int:
    """Turn open supervisions whose respond_by has passed into overdue; return how many (no commit)."""
    return len(turn_overdue(session, now))


def turn_overdue(session: Session, now: datetime) -> list[str | None]:
    """Like mark_overdue, returning the source_key of each supervision it turned (None: by a person)."""
    result = session.execute(
        update(Supervision)
        .where(
            Supervision.status == SupervisionStatus.OPEN,
            Supervision.respond_by.is_not(None),
            Supervision.respond_by < now,
        )
        .values(status=SupervisionStatus.OVERDUE)
        .returning(Supervision.source_key)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


@dataclass(frozen=True)
class Filters:
    event_id: int | None = None
    department_id: int | None = None
    kind: SupervisionKind | None = None
    status: SupervisionStatus | None = None


def list_supervisions(
    session: Session, principal: Principal, filters: Filters, *, page: int, page_size: int
) -> tuple[list[Supervision], int]:
    """One page of the supervisions the caller reaches, newest first, and the total."""
    conditions = [visible(principal, READ_PERMISSIONS)]
    for column, value in (
        (Supervision.event_id, filters.event_id),
        (Supervision.department_id, filters.department_id),
        (Supervision.kind, filters.kind),
        (Supervision.status, filters.status),
    ):
        if value is not None:
            conditions.append(column == value)
    total = session.scalar(select(func.count()).select_from(Supervision).where(*conditions)) or 0
    rows = session.scalars(
        select(Supervision)
        .where(*conditions)
        .order_by(Supervision.issued_at.desc(), Supervision.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return list(rows), total


def summary(
    session: Session, principal: Principal, *, start: datetime | None, end: datetime | None
) -> list[dict]:
    """Counts per department and kind of the supervisions issued in [start, end)."""
    conditions = [visible(principal, READ_PERMISSIONS)]
    if start is not None:
        conditions.append(Supervision.issued_at >= start)
    if end is not None:
        conditions.append(Supervision.issued_at < end)

    def count_status(status: SupervisionStatus):
        return func.sum(case((Supervision.status == status, 1), else_=0))

    statement = (
        select(
            Supervision.department_id,
            Department.name,
            Supervision.kind,
            func.count(Supervision.id),
            count_status(SupervisionStatus.OPEN),
            count_status(SupervisionStatus.RESPONDED),
            count_status(SupervisionStatus.OVERDUE),
            func.sum(case((Supervision.issued_by.is_(None), 1), else_=0)),
        )
        .outerjoin(Department, Department.id == Supervision.department_id)
        .where(*conditions)
        .group_by(Supervision.department_id, Department.name, Supervision.kind)
        .order_by(Supervision.department_id, Supervision.kind)
    )
    return [
        {
            "department_id": department_id,
            "department_name": name,
            "kind": kind,
            "total": total,
            "open": int(open_ or 0),
            "responded": int(responded or 0),
            "overdue": int(overdue or 0),
            "by_system": int(by_system or 0),
        }
        for department_id, name, kind, total, open_, responded, overdue, by_system in session.execute(
            statement
        )
    ]
