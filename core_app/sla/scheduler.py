"""The SLA scheduler's tick: fire every escalation step whose instant has passed, exactly once.

Each timer stores its steps (reminders, 催办 at the deadline, 督办 at the supervise ratio) and how many
have fired (``stage``). A tick claims the due steps of a timer with a conditional UPDATE on ``stage``
(and, on PostgreSQL, locks the timer rows with FOR UPDATE SKIP LOCKED), so two schedulers running at
once, or one restarted half-way, never issue a step twice; ``Supervision.source_key`` ("sla:<timer>:<step>")
is the last guard. A late scheduler fires every missed step, in order, once each. A 催办 left
unanswered past its respond_by brings the 督办 forward (DOMAIN §6.3).
"""

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core_app.access.models import Permission, Role, ScopeKind, User, UserRole, role_permissions
from core_app.events.models import OPEN_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, Event
from core_app.notify.outbox import notify_department, notify_user
from core_app.sla.models import SlaTimer, TimerKind, TimerStatus
from core_app.sla.service import Step, decode_schedule
from core_app.supervision.models import Supervision, SupervisionKind, SupervisionTarget
from core_app.supervision.service import KIND_LABELS, RESPONSE_TIME, turn_overdue

log = logging.getLogger(__name__)

BATCH_SIZE = 200
DISPATCH_PERMISSION = "events:dispatch"
TIMER_LABELS = {TimerKind.SIGN: "签收", TimerKind.HANDLE: "办结"}


def tick(session: Session, now: datetime, *, batch_size: int = BATCH_SIZE) -> int:
    """Fire the steps due by ``now`` (committing per batch), mark overdue supervisions; return steps fired."""
    fired = 0
    seen: set[int] = set()
    while True:
        timers = [t for t in _due_timers(session, now, batch_size) if t.id not in seen]
        for timer in timers:
            seen.add(timer.id)
            fired += fire_due_steps(session, timer, now)
        session.commit()
        if not timers or len(timers) < batch_size:
            break
    # In the same transaction: an urge turning overdue and the 督办 it brings forward go together.
    fired += escalate_unanswered(session, turn_overdue(session, now), now)
    session.commit()
    return fired


def _due_timers(session: Session, now: datetime, limit: int) -> list[SlaTimer]:
    """Active timers with a step due, oldest first; rows another scheduler holds are skipped (PostgreSQL)."""
    query = (
        select(SlaTimer)
        .where(SlaTimer.status == TimerStatus.ACTIVE, SlaTimer.next_fire_at <= now)
        .order_by(SlaTimer.next_fire_at, SlaTimer.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def fire_due_steps(session: Session, timer: SlaTimer, now: datetime, *, through: int = 0) -> int:
    """Issue the timer's steps whose instant has passed (and any before index ``through``), in order;
    return how many this call issued."""
    _, steps = decode_schedule(timer.schedule)
    start = timer.stage
    end = max(start, min(through, len(steps)))
    while end < len(steps) and steps[end].at <= now:
        end += 1
    assignment = session.get(Assignment, timer.assignment_id)
    if assignment is None or not _still_running(assignment, timer):
        # The lifecycle finished the step without stopping its timer: nothing to chase any more.
        _stop(session, timer, assignment, now)
        return 0
    next_at = steps[end].at if end < len(steps) else None
    if not _claim(session, timer, start, end, next_at):
        return 0
    event = session.get(Event, timer.event_id)
    issued = 0
    for index in range(start, end):
        issued += issue_step(session, timer, assignment, event, index, steps[index], now)
    return issued


def escalate_unanswered(session: Session, urge_keys: list[str | None], now: datetime) -> int:
    """DOMAIN §6.3: a 催办 left unanswered brings the 督办 forward (if it is the timer's next step)."""
    fired = 0
    for key in urge_keys:
        parsed = parse_source_key(key)
        if parsed is None:
            continue  # issued by a person: nothing scheduled to bring forward
        timer = session.get(SlaTimer, parsed[0], populate_existing=True)
        if timer is None or timer.status != TimerStatus.ACTIVE:
            continue
        _, steps = decode_schedule(timer.schedule)
        urge_index = parsed[1]
        follows = urge_index + 1
        if (
            steps[urge_index].kind == SupervisionKind.URGE
            and timer.stage == follows < len(steps)
            and steps[follows].kind == SupervisionKind.SUPERVISE
        ):
            fired += fire_due_steps(session, timer, now, through=follows + 1)
    return fired


def parse_source_key(key: str | None) -> tuple[int, int] | None:
    """(timer id, step index) of an SLA supervision's source_key, None for others."""
    prefix, _, rest = (key or "").partition(":")
    timer_id, _, index = rest.partition(":")
    if prefix != "sla" or not timer_id.isdigit() or not index.isdigit():
        return None
    return int(timer_id), int(index)


def _still_running(assignment: Assignment, timer: SlaTimer) -> bool:
    if assignment.status not in OPEN_ASSIGNMENT_STATUSES:
        return False
    return not (timer.kind == TimerKind.SIGN and assignment.signed_at is not None)


def _stop(session: Session, timer: SlaTimer, assignment: Assignment | None, now: datetime) -> None:
    done = assignment is not None and (
        assignment.status == AssignmentStatus.DONE
        or (timer.kind == TimerKind.SIGN and assignment.signed_at is not None)
    )
    session.execute(
        update(SlaTimer)
        .where(SlaTimer.id == timer.id, SlaTimer.status == TimerStatus.ACTIVE)
        .values(status=TimerStatus.MET if done else TimerStatus.CANCELLED, finished_at=now, next_fire_at=None)
        .execution_options(synchronize_session=False)
    )
    session.expire(timer)


def _claim(session: Session, timer: SlaTimer, start: int, end: int, next_at: datetime | None) -> bool:
    """Advance the timer from ``start`` to ``end`` unless someone else did: then the steps are ours."""
    result = session.execute(
        update(SlaTimer)
        .where(SlaTimer.id == timer.id, SlaTimer.stage == start, SlaTimer.status == TimerStatus.ACTIVE)
        .values(stage=end, next_fire_at=next_at)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.expire(timer)
        return False
    set_committed_value(timer, "stage", end)
    set_committed_value(timer, "next_fire_at", next_at)
    return end > start


def issue_step(
    session: Session,
    timer: SlaTimer,
    assignment: Assignment,
    event: Event | None,
    index: int,
    step: Step,
    now: datetime,
) -> int:
    """Record one step as a system Supervision and notify; 0 if its source_key was issued before."""
    key = source_key(timer.id, index)
    if session.scalar(select(Supervision.id).where(Supervision.source_key == key)) is not None:
        return 0
    supervision = Supervision(
        target_type=SupervisionTarget.ASSIGNMENT,
        target_id=assignment.id,
        event_id=timer.event_id,
        department_id=assignment.department_id,
        kind=step.kind,
        issued_by=None,
        issued_at=now,
        reason=_reason(timer, step),
        respond_by=_respond_by(timer, step, now),
        source_key=key,
    )
    session.add(supervision)
    subject, body = _message(timer, step, event)
    # Messages are due at the scheduler's clock, so a frozen-clock run delivers them at that time.
    notify_department(
        session,
        assignment.department_id,
        subject=subject,
        body=body,
        event_id=timer.event_id,
        dedup_key=key,
        now=now,
    )
    if step.kind != SupervisionKind.REMIND:
        _notify_dispatch_side(session, assignment, subject, body, timer.event_id, key, now)
    return 1


def source_key(timer_id: int, index: int) -> str:
    return f"sla:{timer_id}:{index}"


def _respond_by(timer: SlaTimer, step: Step, now: datetime) -> datetime | None:
    """催办: reply within the response time of the deadline; 督办: of the step's instant."""
    allowed = RESPONSE_TIME[step.kind]
    if allowed is None:
        return None
    if step.kind == SupervisionKind.URGE:
        return timer.due_at + allowed
    return min(step.at, now) + allowed  # a 督办 brought forward answers from when it is issued


def _reason(timer: SlaTimer, step: Step) -> str:
    what = TIMER_LABELS[TimerKind(timer.kind)]
    due = f"{timer.due_at:%Y-%m-%d %H:%M}"
    if step.kind == SupervisionKind.REMIND:
        return f"{what}时限将至（{due}）"
    if step.kind == SupervisionKind.URGE:
        return f"已到{what}时限（{due}），请于1小时内回复"
    return f"超过{what}时限（{due}）未完成，转入督办"


def _message(timer: SlaTimer, step: Step, event: Event | None) -> tuple[str, str]:
    label = KIND_LABELS[step.kind]
    number = event.event_no if event else f"#{timer.event_id}"
    subject = f"【{label}】事件 {number}"
    body = _reason(timer, step) + (f"：{event.title}" if event else "")
    return subject, body


def _notify_dispatch_side(
    session: Session, assignment: Assignment, subject: str, body: str, event_id: int, key: str, now: datetime
) -> None:
    """催办 and 督办 go to the dispatcher too: the one who dispatched, else the district's dispatchers."""
    user_ids = [assignment.dispatched_by] if assignment.dispatched_by else district_dispatchers(session)
    for user_id in user_ids:
        notify_user(
            session,
            user_id,
            subject=subject,
            body=body,
            event_id=event_id,
            dedup_key=f"{key}:dispatch",
            now=now,
        )


def district_dispatchers(session: Session) -> list[int]:
    """Active users holding events:dispatch over the whole district (the dispatch centre)."""
    statement = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .join(role_permissions, role_permissions.c.role_id == UserRole.role_id)
        .join(Role, Role.id == UserRole.role_id)
        .join(Permission, Permission.id == role_permissions.c.permission_id)
        .where(
            Permission.code == DISPATCH_PERMISSION,
            UserRole.scope == ScopeKind.ALL,
            User.is_active.is_(True),
            Role.code != "system_admin",
        )
        .distinct()
        .order_by(User.id)
    )
    return list(session.scalars(statement))
