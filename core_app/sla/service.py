"""SLA timers ("153024"): resolve the policy, compute deadlines, and keep each timer's escalation schedule.

A timer is stored with its steps as instants (reminders at each reminder ratio, 催办 at the deadline,
督办 at the supervise ratio), so the scheduler only compares ``next_fire_at`` with the clock and a restart
loses nothing. The lifecycle calls these functions inside its own transaction: none of them commits.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.config import LOCAL_TZ
from core_app.db.session import session_memo
from core_app.events.models import Assignment, Complexity, Event, EventCategory, SlaClock
from core_app.org.calendar import WorkCalendar
from core_app.sla.models import SlaPolicy, SlaTimer, TimerKind, TimerStatus
from core_app.supervision.models import SupervisionKind

MAX_REMINDERS = 10
MAX_CATEGORY_DEPTH = 10


class InvalidSlaPolicy(ValueError):
    """A policy row that cannot drive a timer (fewer than two reminders, ratios out of range...)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    """The resolved limits of one event: what a policy row (or the built-in 153024) says."""

    sign_minutes: int
    handle_minutes: int
    handle_working_days: int | None
    clock: SlaClock
    reminder_ratios: tuple[float, ...]
    supervise_ratio: float


def builtin_limits(complexity: Complexity) -> Limits:
    """The 153024 defaults: sign in 15 min; handle simple events in 30 min, complex in 24 h."""
    return Limits(
        sign_minutes=15,
        handle_minutes=30 if complexity == Complexity.SIMPLE else 24 * 60,
        handle_working_days=None,
        clock=SlaClock.NATURAL,
        reminder_ratios=(0.5, 0.8),
        supervise_ratio=1.5,
    )


def parse_ratios(text: str) -> tuple[float, ...]:
    """Parse "0.5,0.8" into sorted distinct ratios; raise InvalidSlaPolicy if they cannot be used."""
    try:
        ratios = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise InvalidSlaPolicy(
            "reminder_ratios", f"{text!r} is not a comma-separated list of numbers"
        ) from None
    check_ratios(ratios)
    return tuple(ratios)


def check_ratios(ratios: list[float]) -> None:
    """Reject reminder ratios that do not give at least two distinct reminders before the deadline."""
    if len(set(ratios)) < 2:
        raise InvalidSlaPolicy("reminder_ratios", "at least two reminders before the deadline are required")
    if len(set(ratios)) > MAX_REMINDERS:
        raise InvalidSlaPolicy("reminder_ratios", f"at most {MAX_REMINDERS} reminders")
    if any(not 0 < r < 1 for r in ratios):
        raise InvalidSlaPolicy("reminder_ratios", "each ratio must lie strictly between 0 and 1")


def limits_of(policy: SlaPolicy) -> Limits:
    """Validate a policy row and return its limits."""
    if policy.sign_minutes <= 0:
        raise InvalidSlaPolicy("sign_minutes", "must be greater than 0")
    if policy.handle_minutes <= 0:
        raise InvalidSlaPolicy("handle_minutes", "must be greater than 0")
    if policy.handle_working_days is not None and policy.handle_working_days <= 0:
        raise InvalidSlaPolicy("handle_working_days", "must be greater than 0")
    if not policy.supervise_ratio > 1:
        raise InvalidSlaPolicy("supervise_ratio", "must be greater than 1 (督办 comes after the deadline)")
    return Limits(
        sign_minutes=policy.sign_minutes,
        handle_minutes=policy.handle_minutes,
        handle_working_days=policy.handle_working_days,
        clock=SlaClock(policy.clock),
        reminder_ratios=parse_ratios(policy.reminder_ratios),
        supervise_ratio=policy.supervise_ratio,
    )


def resolve_limits(session: Session, category_id: int | None, complexity: Complexity) -> Limits:
    """The limits for an event: its category's row (or its nearest ancestor's), else the default row."""
    return session_memo(
        session,
        ("sla-limits", category_id, complexity),
        lambda: _resolve_limits(session, category_id, complexity),
    )


def _resolve_limits(session: Session, category_id: int | None, complexity: Complexity) -> Limits:
    for candidate in [*_category_chain(session, category_id), None]:
        policy = session.scalar(
            select(SlaPolicy).where(
                SlaPolicy.category_id.is_(None) if candidate is None else SlaPolicy.category_id == candidate,
                SlaPolicy.complexity == complexity,
            )
        )
        if policy is not None:
            return limits_of(policy)
    return builtin_limits(complexity)


def _category_chain(session: Session, category_id: int | None) -> list[int]:
    """The category and its ancestors, nearest first (a level-3 category inherits its parents' rows)."""
    chain: list[int] = []
    while category_id is not None and category_id not in chain and len(chain) < MAX_CATEGORY_DEPTH:
        chain.append(category_id)
        category_id = session.scalar(select(EventCategory.parent_id).where(EventCategory.id == category_id))
    return chain


# ---- clocks -------------------------------------------------------------------------------------------


class Clock:
    """Natural time: minutes are minutes."""

    working = False

    def add(self, start: datetime, minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    def span(self, start: datetime, end: datetime) -> float:
        return (end - start).total_seconds() / 60


class WorkingClock(Clock):
    """Working time from the work calendar: only minutes inside working intervals of working days count."""

    working = True

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar

    def add(self, start: datetime, minutes: float) -> datetime:
        return add_working_minutes(self.calendar, start, minutes)

    def span(self, start: datetime, end: datetime) -> float:
        return working_seconds(self.calendar, start, end) / 60


def add_working_minutes(calendar: WorkCalendar, start: datetime, minutes: float) -> datetime:
    """The instant ``minutes`` of working time after ``start`` (skipping nights, weekends, holidays)."""
    if not calendar.intervals:
        raise ValueError("the work calendar has no working intervals")
    remaining = timedelta(minutes=minutes)
    local = start.astimezone(LOCAL_TZ)
    day = local.date()
    while True:
        if calendar.is_workday(day):
            for begin, finish in calendar.intervals:
                lo = max(local, datetime.combine(day, begin, LOCAL_TZ))
                hi = datetime.combine(day, finish, LOCAL_TZ)
                if hi <= lo:
                    continue
                if lo + remaining <= hi:
                    return lo + remaining
                remaining -= hi - lo
        day += timedelta(days=1)


def working_seconds(calendar: WorkCalendar, start: datetime, end: datetime) -> float:
    """Seconds of working time between two instants (0 if end precedes start)."""
    start, end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if calendar.is_workday(day):
            for begin, finish in calendar.intervals:
                lo = max(start, datetime.combine(day, begin, LOCAL_TZ))
                hi = min(end, datetime.combine(day, finish, LOCAL_TZ))
                total += max((hi - lo).total_seconds(), 0.0)
        day += timedelta(days=1)
    return total


def end_of_working_day(calendar: WorkCalendar, day: date) -> datetime:
    """When the last working interval of ``day`` ends."""
    return datetime.combine(day, calendar.intervals[-1][1], LOCAL_TZ)


# ---- schedules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One escalation step of a timer: what to issue and when."""

    kind: SupervisionKind
    at: datetime


def encode_schedule(clock: Clock, steps: list[Step]) -> str:
    """Store the steps as "n|remind@<epoch>,..." (n natural, w working): compact and exact to the second."""
    body = ",".join(f"{step.kind.value}@{int(step.at.timestamp())}" for step in steps)
    return f"{'w' if clock.working else 'n'}|{body}"


def decode_schedule(text: str) -> tuple[bool, list[Step]]:
    """Return (working clock?, steps) of a stored schedule."""
    mode, _, body = text.partition("|")
    steps = []
    for part in filter(None, body.split(",")):
        kind, _, epoch = part.partition("@")
        steps.append(
            Step(SupervisionKind(kind), datetime.fromtimestamp(int(epoch), UTC).astimezone(LOCAL_TZ))
        )
    return mode == "w", steps


def build_steps(clock: Clock, start: datetime, due: datetime, limits: Limits) -> list[Step]:
    """Reminders at each ratio of the span, 催办 at the deadline, 督办 at the supervise ratio."""
    span = clock.span(start, due)
    steps = [Step(SupervisionKind.REMIND, clock.add(start, span * ratio)) for ratio in limits.reminder_ratios]
    steps.append(Step(SupervisionKind.URGE, due))
    steps.append(Step(SupervisionKind.SUPERVISE, clock.add(start, span * limits.supervise_ratio)))
    return [Step(step.kind, _whole_seconds(step.at)) for step in steps]


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _clock_for(session: Session, working: bool) -> Clock:
    return WorkingClock(WorkCalendar.load(session)) if working else Clock()


# ---- the interface the lifecycle calls ---------------------------------------------------------------


def start_timer(session: Session, assignment: Assignment, kind: TimerKind, now: datetime) -> SlaTimer:
    """Start the assignment's sign or handle timer at ``now``; set its due column; return the timer."""
    event = session.get(Event, assignment.event_id)
    if event is None:
        raise ValueError(f"assignment {assignment.id} has no event")
    limits = resolve_limits(session, event.category_id, Complexity(event.complexity))
    for old in _timers(session, assignment.id, [kind], (TimerStatus.ACTIVE, TimerStatus.PAUSED)):
        _finish(old, now, TimerStatus.CANCELLED)  # a restarted clock replaces the old one
    working = limits.clock == SlaClock.WORKING or (
        kind == TimerKind.HANDLE and bool(limits.handle_working_days)
    )
    clock = _clock_for(session, working)
    due = _due(clock, now, kind, limits)
    if assignment.extension_minutes:
        due = clock.add(due, assignment.extension_minutes)
    due = _whole_seconds(due)
    steps = build_steps(clock, now, due, limits)
    if assignment.id is None:
        session.flush()
    timer = SlaTimer(
        event_id=assignment.event_id,
        assignment_id=assignment.id,
        kind=kind,
        started_at=now,
        due_at=due,
        schedule=encode_schedule(clock, steps),
        stage=0,
        next_fire_at=steps[0].at,
        status=TimerStatus.ACTIVE,
    )
    session.add(timer)
    _set_due_column(assignment, kind, due)
    return timer


def handling_due(
    session: Session, category_id: int | None, complexity: Complexity, start: datetime
) -> datetime:
    """When an event whose clock started at START must be done: its handling limit (153024), no extension.

    The dispatch queue counts it from acceptance: the end-to-end target the citizen sees (DOMAIN §6.1).
    """
    limits = resolve_limits(session, category_id, complexity)
    working = limits.clock == SlaClock.WORKING or bool(limits.handle_working_days)
    clock = session_memo(session, ("sla-clock", working), lambda: _clock_for(session, working))
    return _whole_seconds(_due(clock, start, TimerKind.HANDLE, limits))


def _due(clock: Clock, start: datetime, kind: TimerKind, limits: Limits) -> datetime:
    if kind == TimerKind.SIGN:
        return clock.add(start, limits.sign_minutes)
    if limits.handle_working_days:
        # N working days: the deadline is the end of the N-th working day after the start day.
        calendar = clock.calendar  # type: ignore[attr-defined]
        last_day = calendar.add_working_days(start.astimezone(LOCAL_TZ).date(), limits.handle_working_days)
        return end_of_working_day(calendar, last_day)
    return clock.add(start, limits.handle_minutes)


def _set_due_column(assignment: Assignment, kind: TimerKind, due: datetime) -> None:
    if kind == TimerKind.SIGN:
        assignment.sign_due_at = due
    else:
        assignment.handle_due_at = due


def _timers(
    session: Session,
    assignment_id: int,
    kinds: list[TimerKind] | None,
    statuses: tuple[TimerStatus, ...],
) -> list[SlaTimer]:
    query = select(SlaTimer).where(SlaTimer.assignment_id == assignment_id, SlaTimer.status.in_(statuses))
    if kinds:
        query = query.where(SlaTimer.kind.in_(kinds))
    # Fresh values: the scheduler advances timers in its own transactions, behind this session's back.
    return list(session.scalars(query.order_by(SlaTimer.id).execution_options(populate_existing=True)))


def _finish(timer: SlaTimer, now: datetime, status: TimerStatus) -> None:
    timer.status = status
    timer.finished_at = now
    timer.next_fire_at = None
    timer.paused_at = None


def finish_timers(
    session: Session,
    assignment_id: int,
    now: datetime,
    *,
    kinds: list[TimerKind] | None = None,
    status: TimerStatus = TimerStatus.MET,
) -> None:
    """Stop the assignment's running or paused timers (met when the step was done, cancelled otherwise)."""
    for timer in _timers(session, assignment_id, kinds, (TimerStatus.ACTIVE, TimerStatus.PAUSED)):
        _finish(timer, now, status)


def pause_timers(session: Session, assignment_id: int, now: datetime) -> None:
    """Stop the clock of the assignment's active timers (suspension); nothing fires while paused."""
    for timer in _timers(session, assignment_id, None, (TimerStatus.ACTIVE,)):
        timer.status = TimerStatus.PAUSED
        timer.paused_at = now
        timer.next_fire_at = None


def resume_timers(session: Session, assignment_id: int, now: datetime) -> None:
    """Restart paused timers: the deadline and the steps not yet fired move by the time spent paused."""
    assignment = session.get(Assignment, assignment_id)
    paused_minutes = 0
    for timer in _timers(session, assignment_id, None, (TimerStatus.PAUSED,)):
        working, steps = decode_schedule(timer.schedule)
        clock = _clock_for(session, working)
        paused_at = timer.paused_at or now

        def shift(moment: datetime, clock=clock, paused_at=paused_at) -> datetime:
            # What was left at the pause is left again at the resumption (in the timer's own clock).
            return _whole_seconds(
                clock.add(now, clock.span(paused_at, moment)) if moment > paused_at else moment
            )

        _reschedule(timer, clock, steps, shift)
        timer.status = TimerStatus.ACTIVE
        timer.paused_at = None
        _reschedule_next(timer)
        paused_minutes = max(paused_minutes, round(clock.span(paused_at, now)))
        if assignment is not None:
            _set_due_column(assignment, timer.kind, timer.due_at)
    if assignment is not None and paused_minutes:
        assignment.suspended_minutes = (assignment.suspended_minutes or 0) + paused_minutes


def extend_timers(session: Session, assignment_id: int, minutes: int) -> None:
    """Apply an approved extension: the deadline and the steps not yet fired move by ``minutes``.

    The caller records the extension on ``assignment.extension_minutes`` (a timer started later adds it).
    """
    if minutes <= 0:
        raise ValueError("an extension must add time")
    assignment = session.get(Assignment, assignment_id)
    for timer in _timers(session, assignment_id, None, (TimerStatus.ACTIVE, TimerStatus.PAUSED)):
        working, steps = decode_schedule(timer.schedule)
        clock = _clock_for(session, working)
        _reschedule(
            timer, clock, steps, lambda moment, clock=clock: _whole_seconds(clock.add(moment, minutes))
        )
        _reschedule_next(timer)
        if assignment is not None:
            _set_due_column(assignment, timer.kind, timer.due_at)


def _reschedule(timer: SlaTimer, clock: Clock, steps: list[Step], shift) -> None:
    """Move the deadline and every step not yet fired; fired steps stay as they were."""
    moved = [
        step if index < timer.stage else Step(step.kind, shift(step.at)) for index, step in enumerate(steps)
    ]
    timer.due_at = shift(timer.due_at)
    timer.schedule = encode_schedule(clock, moved)


def _reschedule_next(timer: SlaTimer) -> None:
    if timer.status != TimerStatus.ACTIVE:
        return
    timer.next_fire_at = next_step_at(timer)


def next_step_at(timer: SlaTimer) -> datetime | None:
    """When the timer's next unfired step is due, or None when all have fired."""
    _, steps = decode_schedule(timer.schedule)
    return steps[timer.stage].at if timer.stage < len(steps) else None
