"""The event state machine of DOMAIN §5.2, as a table.

Each action names the states it starts from, the permissions that may take it (None: the system only),
a guard on the event as it stands, and an effect. An action not open to the caller in the current state
is refused with the actions that are. Every change writes an EventAction row and bumps Event.version,
so two people acting on the same event at once cannot both win (the second gets StaleEvent).

Stated rules (where DOMAIN leaves a choice):
- A second return sends the event to arbitration at once (S2: 推诿扯皮 goes to 组织部/编办).
- A ruling dispatches to the named department with mode=arbitration; such an assignment cannot be returned
  or re-dispatched by a dispatcher: the ruling binds.
- Duplicates linked at intake are closed together with the event they were linked to.
- Both limits run from the assignment's dispatch (DOMAIN §6.1); rejected feedback reopens the handling
  timer, so the clock continues from where it stood.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core_app.access import scopes
from core_app.access.principal import Principal
from core_app.arbitration.models import ArbitrationBody, ArbitrationRequest, ArbitrationStatus, DutyRuling
from core_app.db.base import utcnow
from core_app.db.session import session_memo
from core_app.dispatch.models import DispatchRecommendation
from core_app.events.models import (
    OPEN_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Callback,
    Complexity,
    DispatchMode,
    Event,
    EventAction,
    EventCategory,
    EventSourcePolicy,
    EventStatus,
    ExtensionRequest,
    Feedback,
    FeedbackResult,
    ReturnReason,
    ReviewState,
    Satisfaction,
)
from core_app.notify import outbox
from core_app.org.models import Department
from core_app.sla import service as sla
from core_app.sla.models import SlaTimer, TimerKind, TimerStatus

SYSTEM = "system"
DISPATCH = ("events:dispatch",)
HANDLE = ("events:handle",)
# DOMAIN §7.1: the model dispatches alone only when it is sure and clearly ahead of the runner-up.
DEFAULT_MIN_CONFIDENCE = 0.85
DEFAULT_MIN_MARGIN = 0.20
REOPEN_WINDOW = timedelta(days=7)
RETURNS_BEFORE_ARBITRATION = 2
MAX_EXTENSION_MINUTES = 30 * 24 * 60


class LifecycleError(Exception):
    """A state change that cannot be made; `status` is the HTTP status that says why."""

    status = 409

    def __init__(self, detail: str, *, field: str | None = None, allowed: list[str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.allowed = allowed


class InvalidTransition(LifecycleError):
    """The action is not open in the event's current state (or guard refused it)."""


class StaleEvent(LifecycleError):
    """Someone else changed the event since the caller read it."""


class InvalidInput(LifecycleError):
    """The action's input is missing or wrong; `field` names it."""

    status = 422


class EventNotFound(LifecycleError):
    status = 404


@dataclass
class Context:
    """Everything an action's guard and effect may look at."""

    session: Session
    event: Event
    principal: Principal | None
    payload: dict[str, Any]
    now: datetime
    assignment: Assignment | None = None
    to_status: EventStatus | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def user_id(self) -> int | None:
        return self.principal.user_id if self.principal else None

    def require(self, name: str) -> Any:
        value = self.payload.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidInput(f"{name} is required for this action", field=name)
        return value


Guard = Callable[[Context], str | None]
Effect = Callable[[Context], None]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[EventStatus, ...]
    target: EventStatus | None  # None: the state does not change (or the effect sets ctx.to_status)
    permissions: tuple[str, ...] | None  # None: only the system
    effect: Effect
    guard: Guard | None = None


# ---------------------------------------------------------------- helpers


# Only in these states may an event have an open lead assignment.
ASSIGNED_STATUSES = (EventStatus.DISPATCHED, EventStatus.SIGNED, EventStatus.IN_PROGRESS)


def open_assignment(session: Session, event_id: int) -> Assignment | None:
    """The event's current lead assignment that is still open, if any."""
    statement = (
        select(Assignment)
        .where(
            Assignment.event_id == event_id,
            Assignment.role == AssignmentRole.LEAD,
            Assignment.status.in_(OPEN_ASSIGNMENT_STATUSES),
        )
        .order_by(Assignment.id.desc())
        .limit(1)
    )
    return session.scalar(statement)


def _last_assignment(session: Session, event_id: int) -> Assignment | None:
    statement = (
        select(Assignment)
        .where(Assignment.event_id == event_id, Assignment.role == AssignmentRole.LEAD)
        .order_by(Assignment.id.desc())
        .limit(1)
    )
    return session.scalar(statement)


def _department(session: Session, department_id: Any, field_name: str) -> Department:
    department = session.get(Department, department_id) if isinstance(department_id, int) else None
    if department is None:
        raise InvalidInput(f"there is no department with id {department_id!r}", field=field_name)
    if not (department.accepts_events and department.is_active):
        raise InvalidInput(f"department {department.code} does not take events", field=field_name)
    return department


def _assign(ctx: Context, department: Department, mode: DispatchMode, role=AssignmentRole.LEAD) -> Assignment:
    """Create an assignment, start its sign-off timer and tell the department."""
    assignment = Assignment(
        event_id=ctx.event.id,
        department_id=department.id,
        role=role,
        mode=mode,
        status=AssignmentStatus.PENDING_SIGN,
        dispatched_by=ctx.user_id,
        dispatched_at=ctx.now,
    )
    ctx.session.add(assignment)
    ctx.session.flush()
    sla.start_timer(ctx.session, assignment, TimerKind.SIGN, ctx.now)
    outbox.notify_department(
        ctx.session,
        department.id,
        subject=f"新派单 {ctx.event.event_no}",
        body=f"{ctx.event.title}（请在时限内签收）",
        event_id=ctx.event.id,
        now=ctx.now,  # no dedup key: a new assignment's notice cannot have been written before
    )
    return assignment


def _dispatch_to(ctx: Context, mode: DispatchMode) -> None:
    """Dispatch the event to payload department_id (lead) and assist_department_ids."""
    lead = _department(ctx.session, ctx.payload.get("department_id"), "department_id")
    assists = [
        _department(ctx.session, d, "assist_department_ids")
        for d in ctx.payload.get("assist_department_ids") or []
    ]
    if lead.id in {a.id for a in assists}:
        raise InvalidInput("the lead department cannot also assist", field="assist_department_ids")
    complexity = ctx.payload.get("complexity")
    if complexity is not None:
        ctx.event.complexity = Complexity(complexity)
    ctx.assignment = _assign(ctx, lead, mode)
    for department in assists:
        _assign(ctx, department, mode, role=AssignmentRole.ASSIST)
    ctx.event.department_id = lead.id
    ctx.event.dispatched_at = ctx.now
    ctx.details["department_id"] = lead.id
    if mode is not DispatchMode.AUTO:
        _record_decision(ctx, lead.id)


def _record_decision(ctx: Context, department_id: int) -> None:
    """Store the dispatcher's choice with the latest recommendation: it becomes a training label."""
    recommendation = _latest_recommendation(ctx.session, ctx.event.id)
    if recommendation is None:
        return
    agreed = recommendation.top1_department_id == department_id
    # A re-dispatch gives its reason and a ruling its basis; a first dispatch names why it overrides.
    reason = next(
        (ctx.payload[k] for k in ("override_reason", "reason", "ruling_basis") if ctx.payload.get(k)), None
    )
    if not agreed and not (reason and str(reason).strip()) and ctx.principal is not None:
        raise InvalidInput(
            "choosing another department than the model's first needs override_reason",
            field="override_reason",
        )
    recommendation.decision = "accepted" if agreed else "overridden"
    recommendation.final_department_id = department_id
    recommendation.decided_by = ctx.user_id
    recommendation.decided_at = ctx.now
    recommendation.override_reason = None if agreed else str(reason)


def _latest_recommendation(session: Session, event_id: int) -> DispatchRecommendation | None:
    statement = (
        select(DispatchRecommendation)
        .where(DispatchRecommendation.event_id == event_id)
        .order_by(DispatchRecommendation.id.desc())
        .limit(1)
    )
    return session.scalar(statement)


def _close_assignment(ctx: Context, status: AssignmentStatus) -> Assignment:
    assignment = ctx.assignment
    if assignment is None:  # a guard lets no action through without one
        raise InvalidTransition("the event has no open assignment")
    assignment.status = status
    timer_status = TimerStatus.CANCELLED if status is not AssignmentStatus.DONE else TimerStatus.MET
    sla.finish_timers(ctx.session, assignment.id, ctx.now, status=timer_status)
    return assignment


def _cancel_assists(ctx: Context) -> None:
    assists = ctx.session.scalars(
        select(Assignment).where(
            Assignment.event_id == ctx.event.id,
            Assignment.role == AssignmentRole.ASSIST,
            Assignment.status.in_(OPEN_ASSIGNMENT_STATUSES),
        )
    )
    for assist in assists:
        assist.status = AssignmentStatus.CANCELLED
        sla.finish_timers(ctx.session, assist.id, ctx.now, status=TimerStatus.CANCELLED)


# ---------------------------------------------------------------- guards


def _has_open_assignment(ctx: Context) -> str | None:
    return None if ctx.assignment is not None else "the event has no open assignment"


def _not_suspended(ctx: Context) -> str | None:
    if ctx.event.suspended_at is not None:
        return "the event is suspended; resume it first"
    return _has_open_assignment(ctx)


def _is_suspended(ctx: Context) -> str | None:
    return None if ctx.event.suspended_at is not None else "the event is not suspended"


def _not_bound_by_ruling(ctx: Context) -> str | None:
    if ctx.assignment is not None and ctx.assignment.mode is DispatchMode.ARBITRATION:
        return "the department was named by an arbitration ruling, which binds it"
    return None


def _returnable(ctx: Context) -> str | None:
    return _has_open_assignment(ctx) or _not_bound_by_ruling(ctx)


def _has_pending_extension(ctx: Context) -> str | None:
    if _pending_extension(ctx) is None:
        return "there is no pending extension request"
    return None


def _no_pending_extension(ctx: Context) -> str | None:
    if _pending_extension(ctx) is not None:
        return "an extension request is already waiting for a decision"
    return _not_suspended(ctx)


def _pending_extension(ctx: Context) -> ExtensionRequest | None:
    if ctx.assignment is None:
        return None
    return ctx.session.scalar(
        select(ExtensionRequest).where(
            ExtensionRequest.assignment_id == ctx.assignment.id,
            ExtensionRequest.status == ReviewState.PENDING,
        )
    )


def _dissatisfied_recently(ctx: Context) -> str | None:
    callback = ctx.session.scalar(
        select(Callback).where(Callback.event_id == ctx.event.id).order_by(Callback.at.desc()).limit(1)
    )
    if callback is None or callback.satisfaction is not Satisfaction.DISSATISFIED:
        return "only an event whose citizen follow-up was dissatisfied can be reopened"
    closed = ctx.event.closed_at
    if closed is not None and ctx.now - closed > REOPEN_WINDOW:
        return "the event was closed more than 7 days ago"
    return None


def _pending_arbitration(ctx: Context) -> ArbitrationRequest | None:
    return ctx.session.scalar(
        select(ArbitrationRequest)
        .where(
            ArbitrationRequest.event_id == ctx.event.id,
            ArbitrationRequest.status.in_((ArbitrationStatus.SUBMITTED, ArbitrationStatus.UNDER_REVIEW)),
        )
        .order_by(ArbitrationRequest.id.desc())
        .limit(1)
    )


# ---------------------------------------------------------------- effects


def _accept(ctx: Context) -> None:
    ctx.event.accepted_at = ctx.now
    if ctx.event.duplicate_of_id is not None:  # the dispatcher judged it a report of its own
        ctx.details["unlinked_from"] = ctx.event.duplicate_of_id
        ctx.event.duplicate_of_id = None


def _invalidate(ctx: Context) -> None:
    ctx.require("reason")
    if ctx.event.upstream_no:  # the city platform hears that the district will not handle it
        ctx.event.status = EventStatus.INVALID
        outbox.report_upstream(ctx.session, ctx.event, now=ctx.now)


def _dispatch(ctx: Context) -> None:
    _dispatch_to(ctx, DispatchMode.MANUAL)


def _auto_dispatch(ctx: Context) -> None:
    _dispatch_to(ctx, DispatchMode.AUTO)  # after_intake records the decision on its recommendation


def _sub_dispatch(ctx: Context) -> None:
    department = _department(ctx.session, ctx.payload.get("department_id"), "department_id")
    lead = ctx.assignment
    if department.parent_id != lead.department_id:
        raise InvalidInput(
            "a sub-dispatch goes to a unit directly below the lead department", field="department_id"
        )
    child = _assign(ctx, department, DispatchMode.MANUAL, role=AssignmentRole.ASSIST)
    child.parent_assignment_id = lead.id
    ctx.details["department_id"] = department.id


def _sign(ctx: Context) -> None:
    assignment = ctx.assignment
    assignment.status = AssignmentStatus.SIGNED
    assignment.signed_at = ctx.now
    assignment.signed_by = ctx.user_id
    sla.finish_timers(ctx.session, assignment.id, ctx.now, kinds=[TimerKind.SIGN])
    # DOMAIN §6.1: the handling limit, like the sign-off one, runs from the dispatch.
    sla.start_timer(ctx.session, assignment, TimerKind.HANDLE, assignment.dispatched_at)
    ctx.event.signed_at = ctx.now


def _start(ctx: Context) -> None:
    ctx.assignment.status = AssignmentStatus.IN_PROGRESS


def _feedback(ctx: Context) -> None:
    result = FeedbackResult(ctx.require("result"))
    content = ctx.require("content")
    ctx.session.add(
        Feedback(
            event_id=ctx.event.id,
            assignment_id=ctx.assignment.id,
            result=result,
            content=content,
            submitted_by=ctx.user_id,
            submitted_at=ctx.now,
        )
    )
    _close_assignment(ctx, AssignmentStatus.DONE).completed_at = ctx.now
    ctx.event.completed_at = ctx.now
    ctx.details["result"] = result.value


def _return(ctx: Context) -> None:
    reason = ReturnReason(ctx.require("reason_code"))
    assignment = _close_assignment(ctx, AssignmentStatus.RETURNED)
    assignment.return_reason = reason
    assignment.return_note = ctx.payload.get("note")
    assignment.returned_at = ctx.now
    _cancel_assists(ctx)
    ctx.event.return_count += 1
    ctx.event.department_id = None
    ctx.to_status = EventStatus.PENDING_DISPATCH
    if ctx.event.return_count >= RETURNS_BEFORE_ARBITRATION:
        ctx.event.is_difficult = True
        _open_arbitration(ctx, f"returned {ctx.event.return_count} times; last: {reason.value}")
        ctx.to_status = EventStatus.IN_ARBITRATION


def _redispatch(ctx: Context) -> None:
    ctx.require("reason")
    old = ctx.assignment
    new_department = ctx.payload.get("department_id")
    if old is not None:
        if old.department_id == new_department:
            raise InvalidInput("the event is already with this department", field="department_id")
        _close_assignment(ctx, AssignmentStatus.CANCELLED)
        ctx.details["from_department_id"] = old.department_id
    _cancel_assists(ctx)
    ctx.event.suspended_at = None
    ctx.event.signed_at = None
    _dispatch_to(ctx, DispatchMode.MANUAL)


def _request_extension(ctx: Context) -> None:
    minutes = ctx.require("minutes")
    if not isinstance(minutes, int) or not 0 < minutes <= MAX_EXTENSION_MINUTES:
        raise InvalidInput(f"minutes must be between 1 and {MAX_EXTENSION_MINUTES}", field="minutes")
    request = ExtensionRequest(
        event_id=ctx.event.id,
        assignment_id=ctx.assignment.id,
        minutes=minutes,
        reason=ctx.require("reason"),
        requested_by=ctx.user_id,
        requested_at=ctx.now,
    )
    ctx.session.add(request)
    ctx.session.flush()
    ctx.details.update(extension_id=request.id, minutes=minutes)


def _decide_extension(approve: bool) -> Effect:
    def effect(ctx: Context) -> None:
        request = _pending_extension(ctx)
        request.status = ReviewState.APPROVED if approve else ReviewState.REJECTED
        request.decided_by = ctx.user_id
        request.decided_at = ctx.now
        if approve:
            ctx.assignment.extension_minutes += request.minutes
            sla.extend_timers(ctx.session, ctx.assignment.id, request.minutes)
        ctx.details.update(extension_id=request.id, minutes=request.minutes)

    return effect


def _suspend(ctx: Context) -> None:
    ctx.require("reason")
    ctx.event.suspended_at = ctx.now
    sla.pause_timers(ctx.session, ctx.assignment.id, ctx.now)


def _resume(ctx: Context) -> None:
    ctx.details["suspended_minutes"] = int((ctx.now - ctx.event.suspended_at).total_seconds() // 60)
    ctx.event.suspended_at = None
    sla.resume_timers(ctx.session, ctx.assignment.id, ctx.now)


def _latest_feedback(ctx: Context) -> Feedback | None:
    return ctx.session.scalar(
        select(Feedback).where(Feedback.event_id == ctx.event.id).order_by(Feedback.id.desc()).limit(1)
    )


def _review_feedback(ctx: Context, state: ReviewState) -> Feedback | None:
    feedback = _latest_feedback(ctx)
    if feedback is not None:
        feedback.review = state
        feedback.reviewed_by = ctx.user_id
        feedback.reviewed_at = ctx.now
        feedback.review_note = ctx.payload.get("note") or ctx.payload.get("reason")
    return feedback


def _approve(ctx: Context) -> None:
    _review_feedback(ctx, ReviewState.APPROVED)
    _close(ctx.session, ctx.event, ctx.now)
    for duplicate in ctx.session.scalars(
        select(Event).where(Event.duplicate_of_id == ctx.event.id, Event.status == EventStatus.RECEIVED)
    ):
        ctx.session.add(
            EventAction(
                event_id=duplicate.id,
                action="close_duplicate",
                from_status=duplicate.status.value,
                to_status=EventStatus.CLOSED.value,
                actor_id=ctx.user_id,
                actor=_actor(ctx.principal),
                details={"duplicate_of_id": ctx.event.id},
                created_at=ctx.now,
            )
        )
        duplicate.status = EventStatus.CLOSED
        _close(ctx.session, duplicate, ctx.now)


def _close(session: Session, event: Event, now: datetime) -> None:
    event.status = EventStatus.CLOSED  # before the upstream report, which carries it
    event.closed_at = now
    if event.upstream_no:
        session.flush()
        outbox.report_upstream(session, event, now=now)
    if event.reporter_phone:
        outbox.enqueue(
            session,
            channel=outbox.Channel.SMS,
            recipient=event.reporter_phone,
            subject="诉求办结",
            body=f"您反映的诉求（{event.event_no}）已办结，感谢您的监督。",
            event_id=event.id,
            dedup_key=f"closed-sms:{event.id}:{now.isoformat()}",
            now=now,
        )


def _reject_feedback(ctx: Context) -> None:
    ctx.require("reason")
    _review_feedback(ctx, ReviewState.REJECTED)
    _reopen_lead(ctx)


def _reopen_lead(ctx: Context) -> None:
    """Put the last lead assignment back in progress, its handling clock running again."""
    assignment = _last_assignment(ctx.session, ctx.event.id)
    assignment.status = AssignmentStatus.IN_PROGRESS
    assignment.completed_at = None
    ctx.assignment = assignment
    ctx.event.completed_at = None
    timer = ctx.session.scalar(
        select(SlaTimer)
        .where(SlaTimer.assignment_id == assignment.id, SlaTimer.kind == TimerKind.HANDLE)
        .order_by(SlaTimer.id.desc())
        .limit(1)
    )
    if timer is not None and timer.due_at > ctx.now:
        timer.status = TimerStatus.ACTIVE
        timer.finished_at = None
        timer.next_fire_at = sla.next_step_at(timer)
    else:  # past its limit already (or never started): the rework gets a fresh one
        sla.start_timer(ctx.session, assignment, TimerKind.HANDLE, ctx.now)


def _callback(ctx: Context) -> None:
    satisfaction = Satisfaction(ctx.require("satisfaction"))
    ctx.session.add(
        Callback(
            event_id=ctx.event.id,
            at=ctx.now,
            satisfaction=satisfaction,
            comment=ctx.payload.get("comment"),
            recorded_by=ctx.user_id,
        )
    )
    ctx.session.flush()
    ctx.event.satisfaction = satisfaction
    ctx.details["satisfaction"] = satisfaction.value


def _reopen(ctx: Context) -> None:
    ctx.require("reason")
    ctx.event.closed_at = None
    _reopen_lead(ctx)


def _open_arbitration(ctx: Context, reason: str) -> ArbitrationRequest:
    returned_by = ctx.session.scalars(
        select(Assignment.department_id)
        .where(Assignment.event_id == ctx.event.id, Assignment.status == AssignmentStatus.RETURNED)
        .distinct()
    ).all()
    candidates = ctx.payload.get("candidate_department_ids") or list(returned_by)
    request = ArbitrationRequest(
        event_id=ctx.event.id,
        requested_by=ctx.user_id,
        requested_at=ctx.now,
        reason=reason,
        candidate_department_ids=sorted(set(candidates)),
        body=ArbitrationBody(ctx.payload.get("body") or ArbitrationBody.ESTABLISHMENT_OFFICE),
    )
    ctx.session.add(request)
    ctx.session.flush()
    ctx.details["arbitration_id"] = request.id
    return request


def _request_arbitration(ctx: Context) -> None:
    reason = ctx.require("reason")
    if ctx.assignment is not None:
        ctx.details["from_department_id"] = ctx.assignment.department_id
        _close_assignment(ctx, AssignmentStatus.CANCELLED)
        _cancel_assists(ctx)
    ctx.event.is_disputed = True
    ctx.event.department_id = None
    _open_arbitration(ctx, reason)


def _rule(ctx: Context) -> None:
    basis = ctx.require("ruling_basis")
    request = _pending_arbitration(ctx)
    ctx.payload.setdefault("department_id", ctx.payload.get("lead_department_id"))
    _dispatch_to(ctx, DispatchMode.ARBITRATION)
    request.status = ArbitrationStatus.RULED
    request.lead_department_id = ctx.event.department_id
    request.assist_department_ids = list(ctx.payload.get("assist_department_ids") or [])
    request.ruling_basis = basis
    request.ruled_by = ctx.user_id
    request.ruled_at = ctx.now
    ctx.session.add(
        DutyRuling(
            category_id=ctx.event.category_id,
            keywords=str(ctx.payload.get("keywords") or "")[:200],
            department_id=ctx.event.department_id,
            arbitration_id=request.id,
            created_at=ctx.now,
        )
    )
    ctx.details["arbitration_id"] = request.id


def _has_pending_arbitration(ctx: Context) -> str | None:
    return None if _pending_arbitration(ctx) is not None else "there is no open arbitration request"


S = EventStatus
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("accept", (S.RECEIVED,), S.PENDING_DISPATCH, DISPATCH, _accept),
        Transition("invalidate", (S.RECEIVED, S.PENDING_DISPATCH), S.INVALID, DISPATCH, _invalidate),
        Transition("dispatch", (S.PENDING_DISPATCH,), S.DISPATCHED, DISPATCH, _dispatch),
        Transition("auto_dispatch", (S.PENDING_DISPATCH,), S.DISPATCHED, None, _auto_dispatch),
        Transition(
            "sub_dispatch",
            (S.DISPATCHED, S.SIGNED, S.IN_PROGRESS),
            None,
            HANDLE,
            _sub_dispatch,
            _not_suspended,
        ),
        Transition("sign", (S.DISPATCHED,), S.SIGNED, HANDLE, _sign, _has_open_assignment),
        Transition("start", (S.SIGNED,), S.IN_PROGRESS, HANDLE, _start, _has_open_assignment),
        Transition("feedback", (S.IN_PROGRESS,), S.HANDLED, HANDLE, _feedback, _not_suspended),
        Transition("return", (S.DISPATCHED, S.SIGNED), None, HANDLE, _return, _returnable),
        Transition(
            "redispatch",
            (S.DISPATCHED, S.SIGNED, S.IN_PROGRESS),
            S.DISPATCHED,
            DISPATCH,
            _redispatch,
            _not_bound_by_ruling,
        ),
        Transition(
            "request_extension",
            (S.SIGNED, S.IN_PROGRESS),
            None,
            HANDLE,
            _request_extension,
            _no_pending_extension,
        ),
        Transition(
            "approve_extension",
            (S.SIGNED, S.IN_PROGRESS),
            None,
            DISPATCH,
            _decide_extension(True),
            _has_pending_extension,
        ),
        Transition(
            "reject_extension",
            (S.SIGNED, S.IN_PROGRESS),
            None,
            DISPATCH,
            _decide_extension(False),
            _has_pending_extension,
        ),
        Transition("suspend", (S.IN_PROGRESS,), None, HANDLE, _suspend, _not_suspended),
        Transition(
            "resume", (S.IN_PROGRESS,), None, ("events:handle", "events:dispatch"), _resume, _is_suspended
        ),
        Transition("approve", (S.HANDLED,), S.CLOSED, DISPATCH, _approve),
        Transition("reject_feedback", (S.HANDLED,), S.IN_PROGRESS, DISPATCH, _reject_feedback),
        Transition("callback", (S.CLOSED,), None, DISPATCH, _callback),
        Transition(
            "reopen",
            (S.CLOSED,),
            S.IN_PROGRESS,
            ("events:dispatch", "events:supervise"),
            _reopen,
            _dissatisfied_recently,
        ),
        Transition(
            "request_arbitration",
            (S.PENDING_DISPATCH, S.DISPATCHED, S.SIGNED),
            S.IN_ARBITRATION,
            ("events:dispatch", "events:handle"),
            _request_arbitration,
            _not_bound_by_ruling,
        ),
        Transition(
            "rule", (S.IN_ARBITRATION,), S.DISPATCHED, ("events:arbitrate",), _rule, _has_pending_arbitration
        ),
    )
}


# ---------------------------------------------------------------- the machine


def _may(principal: Principal | None, transition: Transition, session: Session, event: Event) -> bool:
    """Whether the caller holds one of the action's permissions with a grant that reaches the event."""
    if transition.permissions is None:
        return principal is None
    if principal is None:
        return True  # the system may take any action
    for permission in transition.permissions:
        if not principal.can(permission):
            continue
        condition = scopes.EVENTS.condition(principal, permission)
        if session.scalar(select(Event.id).where(Event.id == event.id, condition)) is not None:
            return True
    return False


def _open_to(ctx: Context, transition: Transition) -> str | None:
    """Why the action is closed to this caller now, or None if it is open."""
    if ctx.event.status not in transition.sources:
        return f"{transition.action} is not possible while the event is {ctx.event.status.value}"
    if not _may(ctx.principal, transition, ctx.session, ctx.event):
        needed = ", ".join(transition.permissions or (SYSTEM,))
        return f"{transition.action} needs one of {needed} over this event"
    return transition.guard(ctx) if transition.guard else None


def allowed_actions(
    session: Session, event: Event, principal: Principal | None, now: datetime | None = None
) -> list[str]:
    """The actions the caller may take on the event as it stands."""
    assignment = open_assignment(session, event.id) if event.status in ASSIGNED_STATUSES else None
    ctx = Context(session, event, principal, {}, now or utcnow(), assignment)
    return [name for name, transition in TRANSITIONS.items() if _open_to(ctx, transition) is None]


def visible_event(session: Session, event_id: int, principal: Principal | None) -> Event | None:
    """The event if the caller may read it (out of scope looks exactly like missing)."""
    if principal is None:
        return session.get(Event, event_id)
    statement = select(Event).where(Event.id == event_id, scopes.EVENTS.condition(principal, "events:read"))
    return session.scalar(statement)


def perform(
    session: Session,
    *,
    event_id: int,
    action: str,
    principal: Principal | None,
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
    expected_version: int | None = None,
    flush: bool = True,
) -> Event:
    """Take ACTION on the event (flushed unless told not to; not committed); raise a LifecycleError why not.

    Callers that change many events in one transaction (after_intake) skip the flush and flush once.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise InvalidInput(f"unknown action {action!r}", field="action")
    event = visible_event(session, event_id, principal)
    if event is None:
        raise EventNotFound(f"Event {event_id} does not exist")
    if expected_version is not None and expected_version != event.version:
        raise StaleEvent(
            f"the event changed since version {expected_version} (now {event.version}); reload it",
            allowed=allowed_actions(session, event, principal, now),
        )
    now = now or utcnow().replace(microsecond=0)  # deadlines are kept to the second
    assignment = open_assignment(session, event.id) if event.status in ASSIGNED_STATUSES else None
    ctx = Context(session, event, principal, dict(payload or {}), now, assignment)
    refusal = _open_to(ctx, transition)
    if refusal is not None:
        raise InvalidTransition(refusal, allowed=allowed_actions(session, event, principal, ctx.now))
    from_status = event.status
    transition.effect(ctx)
    to_status = ctx.to_status or transition.target or from_status
    event.status = to_status
    _record(session, event, action, from_status, to_status, ctx)
    if not flush:
        return event
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise StaleEvent("someone else changed the event at the same time; reload it") from None
    return event


def _record(
    session: Session,
    event: Event,
    action: str,
    from_status: EventStatus | None,
    to_status: EventStatus,
    ctx: Context,
) -> None:
    session.add(
        EventAction(
            event_id=event.id,
            assignment_id=ctx.assignment.id if ctx.assignment is not None else None,
            action=action,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value,
            actor_id=ctx.user_id,
            actor=_actor(ctx.principal),
            reason_code=_reason_code(ctx.payload),
            note=ctx.payload.get("note") or ctx.payload.get("reason") or ctx.payload.get("override_reason"),
            details=ctx.details or None,
            created_at=ctx.now,
        )
    )


def _actor(principal: Principal | None) -> str:
    return SYSTEM if principal is None else (principal.username or principal.source or "api-key")


def _reason_code(payload: dict[str, Any]) -> str | None:
    code = payload.get("reason_code")
    return str(code) if code is not None else None


def history(session: Session, event_id: int) -> list[EventAction]:
    """The event's actions, oldest first."""
    statement = select(EventAction).where(EventAction.event_id == event_id).order_by(EventAction.id)
    return list(session.scalars(statement))


# ---------------------------------------------------------------- intake to dispatch


def source_policy(session: Session, source) -> EventSourcePolicy:
    """The source's dispatch policy; DOMAIN §7.1 defaults where none is configured."""
    return session_memo(session, ("source-policy", source), lambda: _source_policy(session, source))


def _source_policy(session: Session, source) -> EventSourcePolicy:
    policy = session.scalar(select(EventSourcePolicy).where(EventSourcePolicy.source == source))
    return policy or EventSourcePolicy(
        source=source,
        auto_dispatch=True,
        min_confidence=DEFAULT_MIN_CONFIDENCE,
        min_margin=DEFAULT_MIN_MARGIN,
        dedup_window_hours=24,
    )


def after_intake(session: Session, events: list[Event], *, now: datetime) -> None:
    """Accept new events, assess their priority, ask the dispatch model, and dispatch those it is sure of.

    The rest wait in the dispatcher queue (pending_dispatch). Without a registered model every event waits.
    """
    from core_app.dispatch.service import recommend_many  # dispatch builds on this module's models
    from core_app.emotion.priority import assess_events
    from serving.predictor import DispatchModelUnavailable, predictor_for_app

    received = [e for e in events if e.status is EventStatus.RECEIVED and e.duplicate_of_id is None]
    for event in received:
        perform(session, event_id=event.id, action="accept", principal=None, now=now, flush=False)
    if not received:
        return
    session.flush()
    assess_events(session, received, now=now, skip_without_model=True)  # priority, DOMAIN §7.2
    try:
        predictor = predictor_for_app()
    except DispatchModelUnavailable:
        return
    recommendations = recommend_many(session, [e.id for e in received], predictor, created_by=None)
    sensitive = _sensitive_categories(session, {e.category_id for e in received})
    for event, recommendation in zip(received, recommendations, strict=True):
        if _model_may_dispatch(session, event, recommendation, sensitive):
            payload = {"department_id": recommendation.top1_department_id}
            perform(
                session, event_id=event.id, action="auto_dispatch", principal=None, payload=payload, now=now
            )
            recommendation.decision = "auto"
            recommendation.final_department_id = event.department_id
            recommendation.decided_at = now


def _sensitive_categories(session: Session, category_ids: Iterable[int | None]) -> set[int]:
    ids = [c for c in category_ids if c is not None]
    if not ids:
        return set()
    rows = session.scalars(select(EventCategory.id).where(EventCategory.id.in_(ids), EventCategory.sensitive))
    return set(rows)


def _model_may_dispatch(
    session: Session, event: Event, recommendation: DispatchRecommendation, sensitive: set[int]
) -> bool:
    """DOMAIN §7.1: sure (p1), clearly ahead (p1 - p2), not sensitive, and the source allows it."""
    policy = source_policy(session, event.source)
    table = recommendation.table
    if not policy.auto_dispatch or recommendation.abstain or not table or event.category_id in sensitive:
        return False
    if recommendation.top1_department_id is None:
        return False
    runner_up = table[1]["probability"] if len(table) > 1 else 0.0
    p1 = recommendation.top1_probability
    if p1 < policy.min_confidence or p1 - runner_up < policy.min_margin:
        return False
    department = session.get(Department, recommendation.top1_department_id)
    return bool(department and department.accepts_events and department.is_active)
