"""Key-link monitoring (S1 §3.2.2.5, DOMAIN §4.5/§6.2): watch cases live, raise warnings, remind people.

One ``scan(session, now)`` does, in the caller's transaction (it never commits):

1. **close** the warnings whose condition has ended (the case was received, accepted or ended; the
   special step ended; the review was invalidated) - set-based UPDATEs;
2. **detect** new warnings, one kind after another, each from a set-based candidate query that leaves out
   the targets already warned about:
   - ``receipt_response`` (status submitted, clock from submitted_at) and ``acceptance_response`` (status
     received, clock from received_at): working minutes on the hall's calendar; a yellow warning and the
     1st reminder at near_due_ratio x threshold, red and the 2nd at 100 %, then one every
     reminder_interval_minutes (working minutes, so nobody is dinged at night) up to reminder_count;
   - ``overdue`` (open past due_at + threshold working minutes) and ``near_due`` (open, at most threshold
     working minutes left): red / yellow, the handler and the department admins;
   - ``special_step_duration``: an open special step longer than the rule's threshold (working minutes),
     or - for a rule with threshold 0, the built-in default - longer than the P90 of that matter and step
     type over the last 180 days (natural minutes, nearest-rank, computed with window functions in SQL:
     the working-time calendar lives in Python, so the historic percentile is taken on elapsed time and
     compared with the open step's elapsed time);
   - ``abnormal_count``: per department (and matter, if the rule names one) in the current day, week or
     month, overdue + returned + voided + rejected cases (unit count) or that over received cases (unit
     ratio) above the threshold - one warning per department and period, its value kept up to date;
   - ``bad_review``: a valid review at or below the rule's threshold level (2 by default) in the last
     BAD_REVIEW_LOOKBACK, 15 working days to dispose of it;
3. **remind**: every open warning whose next_reminder_at has come gets its next reminder.

Reminders are outbox messages keyed ``warn:<warning id>:r<n>`` (further recipients of the same reminder
get that key extended by channel and recipient). The warning's reminders_sent is advanced with a
conditional UPDATE, and the outbox ignores a key it already holds, so a rescan at the same instant or two
schedulers running at once never send a reminder twice. Rule choice: the most specific enabled rule wins -
matter, then department (the nearest of the case's department and its ancestors), then hall, then a
district-wide rule. Built-in defaults (``default_rules``) are inserted as district-wide rules for every
rule type that has no rule at all (``ensure_default_rules``, run by each scan and by ``butler warnings
init``); to switch a default off, disable it rather than delete it.
"""

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core_app.access.models import Role, ScopeKind, User, UserRole
from core_app.access.scope import department_subtree
from core_app.cases.models import Case, CaseStatus, CaseStep, Review
from core_app.config import LOCAL_TZ
from core_app.db.sqltime import clock_minutes
from core_app.notify.models import Channel
from core_app.notify.outbox import ding_recipient, enqueue, notify_department, per_recipient_key
from core_app.org.calendar import WorkCalendar, parse_intervals
from core_app.org.models import Department, Hall, Staff
from core_app.sla.service import add_working_minutes as sla_working_minutes
from core_app.warnings.models import (
    RuleType,
    ThresholdUnit,
    Warning,
    WarningLevel,
    WarningRule,
    WarningStatus,
    WarningTarget,
)

log = logging.getLogger(__name__)

OPEN_CASE_STATUSES = (CaseStatus.ACCEPTED, CaseStatus.IN_APPROVAL, CaseStatus.SUSPENDED)
LIVE_WARNING_STATUSES = (WarningStatus.OPEN, WarningStatus.NOTIFIED)
P90_LOOKBACK = timedelta(days=180)
P90_MIN_SAMPLES = 5  # fewer finished steps of a matter and step type say nothing about its P90
BAD_REVIEW_LOOKBACK = timedelta(days=7)  # a first scan does not warn about a district's whole history
DEFAULT_BAD_LEVEL = 2  # DOMAIN §6.2: level <= 2
DISPOSE_WORKING_DAYS = {RuleType.BAD_REVIEW: 15}  # DOMAIN §6.2: rectify within 15 working days
DEFAULT_DISPOSE_WORKING_DAYS = 1
# The rule types whose warnings keep reminding while the case stays stuck; the others notify once.
REPEATING = frozenset({RuleType.RECEIPT_RESPONSE, RuleType.ACCEPTANCE_RESPONSE, RuleType.OVERDUE})
RESPONSE_WATCH = {
    RuleType.RECEIPT_RESPONSE: (CaseStatus.SUBMITTED, Case.submitted_at),
    RuleType.ACCEPTANCE_RESPONSE: (CaseStatus.RECEIVED, Case.received_at),
}
LABELS = {
    RuleType.RECEIPT_RESPONSE: "收件响应超时",
    RuleType.ACCEPTANCE_RESPONSE: "受理响应超时",
    RuleType.NEAR_DUE: "办件临近超期",
    RuleType.OVERDUE: "办件超期",
    RuleType.SPECIAL_STEP_DURATION: "特殊环节时长异常",
    RuleType.ABNORMAL_COUNT: "异常办件数超标",
    RuleType.BAD_REVIEW: "差评",
}


# ---------------------------------------------------------------- defaults


def default_rules(minutes_per_day: int) -> list[dict[str, Any]]:
    """The district-wide defaults of DOMAIN §6.2 (abnormal_count has none: the admin sets it)."""
    working = ThresholdUnit.WORKING_MINUTES
    return [
        {
            "name": "收件响应 4 工作小时",
            "rule_type": RuleType.RECEIPT_RESPONSE,
            "threshold": 240,
            "unit": working,
        },
        {
            "name": "受理响应 1 工作日",
            "rule_type": RuleType.ACCEPTANCE_RESPONSE,
            "threshold": minutes_per_day,
            "unit": working,
        },
        {
            "name": "办件超期",
            "rule_type": RuleType.OVERDUE,
            "threshold": 0,
            "unit": working,
            "recipients": "handler,dept_admin",
            "reminder_interval_minutes": minutes_per_day,
        },
        {
            "name": "特殊环节超 P90",
            "rule_type": RuleType.SPECIAL_STEP_DURATION,
            "threshold": 0,  # 0: the P90 of the matter and step type
            "unit": working,
            "recipients": "dept_admin",
        },
        {
            "name": "差评（≤2 级）",
            "rule_type": RuleType.BAD_REVIEW,
            "threshold": DEFAULT_BAD_LEVEL,
            "unit": ThresholdUnit.COUNT,
            "recipients": "dept_admin",
        },
    ]


def ensure_default_rules(session: Session, minutes_per_day: int | None = None) -> int:
    """Insert the default rule of each type that has no rule at all; return how many were inserted."""
    present = set(session.scalars(select(WarningRule.rule_type).distinct()))
    per_day = minutes_per_day or WorkCalendar.load(session).minutes_per_day
    missing = [values for values in default_rules(per_day) if values["rule_type"] not in present]
    for values in missing:
        session.add(WarningRule(**values))
    session.flush()
    return len(missing)


# ---------------------------------------------------------------- working time


def add_working_minutes(calendar: WorkCalendar, start: datetime, minutes: float) -> datetime:
    """``start`` plus ``minutes`` of working time (the SLA clock's arithmetic); ``start`` itself for none."""
    return start.astimezone(LOCAL_TZ) if minutes <= 0 else sla_working_minutes(calendar, start, minutes)


@dataclass
class Calendars:
    """The working calendar of each hall (its opening hours), else the settings' intervals."""

    base: WorkCalendar
    hall_hours: dict[int, str]
    _by_hours: dict[str, WorkCalendar] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> "Calendars":
        hours = dict(session.execute(select(Hall.id, Hall.opening_hours)).all())
        return cls(base=WorkCalendar.load(session), hall_hours={k: v for k, v in hours.items() if v})

    def for_hall(self, hall_id: int | None) -> WorkCalendar:
        hours = self.hall_hours.get(hall_id) if hall_id is not None else None
        if not hours:
            return self.base
        if hours not in self._by_hours:
            try:
                self._by_hours[hours] = replace(self.base, intervals=parse_intervals(hours))
            except ValueError:
                log.warning("hall %s has unreadable opening hours %r; using the default", hall_id, hours)
                self._by_hours[hours] = self.base
        return self._by_hours[hours]

    def all(self) -> list[WorkCalendar]:
        return [self.base, *(self.for_hall(hall) for hall in self.hall_hours)]


# ---------------------------------------------------------------- rules


@dataclass
class Rules:
    """The enabled rules by type, and the department tree to find the most specific one."""

    by_type: dict[RuleType, list[WarningRule]]
    parents: dict[int, int | None]

    @classmethod
    def load(cls, session: Session) -> "Rules":
        by_type: dict[RuleType, list[WarningRule]] = {}
        statement = (
            select(WarningRule)
            .where(WarningRule.enabled.is_(True))
            .order_by(WarningRule.id)
            .execution_options(populate_existing=True)  # enums as enums, even for rules added in this session
        )
        for rule in session.scalars(statement):
            by_type.setdefault(rule.rule_type, []).append(rule)
        parents = dict(session.execute(select(Department.id, Department.parent_id)).all())
        return cls(by_type, parents)

    def chain(self, department_id: int | None) -> list[int]:
        """The department and its ancestors, nearest first."""
        chain: list[int] = []
        while department_id is not None and department_id not in chain:
            chain.append(department_id)
            department_id = self.parents.get(department_id)
        return chain

    def of(self, rule_type: RuleType) -> list[WarningRule]:
        return self.by_type.get(rule_type, [])

    def resolve(
        self,
        rule_type: RuleType,
        *,
        matter_id: int | None,
        department_id: int | None,
        hall_id: int | None,
        candidates: Iterable[WarningRule] | None = None,
    ) -> WarningRule | None:
        """The most specific applicable rule: matter > department (nearest) > hall > district-wide."""
        chain = self.chain(department_id)
        best, best_rank = None, None
        for rule in self.of(rule_type) if candidates is None else candidates:
            if rule.matter_id is not None and rule.matter_id != matter_id:
                continue
            if rule.department_id is not None and rule.department_id not in chain:
                continue
            if rule.hall_id is not None and rule.hall_id != hall_id:
                continue
            nearness = len(chain) - chain.index(rule.department_id) if rule.department_id is not None else 0
            rank = (rule.matter_id is not None, nearness, rule.hall_id is not None)
            if best_rank is None or rank > best_rank:  # ties: the older rule (lower id) stays
                best, best_rank = rule, rank
        return best


# ---------------------------------------------------------------- the scan


@dataclass
class ScanReport:
    """What one scan did."""

    now: datetime
    rules_created: int = 0
    opened: Counter = field(default_factory=Counter)  # rule type -> new warnings
    reminders: int = 0  # reminders issued (each may be several outbox messages)
    messages: int = 0  # outbox messages written
    closed: int = 0

    @property
    def opened_total(self) -> int:
        return sum(self.opened.values())

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.opened.items())) or "none"
        return (
            f"warnings opened {self.opened_total} ({kinds}), reminders {self.reminders} "
            f"({self.messages} messages), closed {self.closed}, default rules added {self.rules_created}"
        )


@dataclass
class Scan:
    """The state shared by the steps of one scan."""

    session: Session
    now: datetime
    report: ScanReport
    rules: Rules
    calendars: Calendars


def scan(session: Session, now: datetime) -> ScanReport:
    """Close ended warnings, open new ones, send due reminders; flush, never commit."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=LOCAL_TZ)
    now = now.astimezone(LOCAL_TZ)
    report = ScanReport(now=now)
    calendars = Calendars.load(session)
    report.rules_created = ensure_default_rules(session, calendars.base.minutes_per_day)
    state = Scan(session, now, report, Rules.load(session), calendars)
    report.closed = close_ended(session, now)
    for rule_type in RESPONSE_WATCH:
        detect_response(state, rule_type)
    detect_overdue(state)
    detect_near_due(state)
    detect_special_steps(state)
    detect_abnormal_counts(state)
    detect_bad_reviews(state)
    send_due_reminders(state)
    session.flush()
    return report


# ---------------------------------------------------------------- closing


def close_ended(session: Session, now: datetime) -> int:
    """Close the live warnings whose condition is over; return how many."""
    live = Warning.status.in_(LIVE_WARNING_STATUSES)
    closing = {"status": WarningStatus.CLOSED, "closed_at": now, "next_reminder_at": None}
    closed = 0
    for rule_type, (status, _) in RESPONSE_WATCH.items():
        moved_on = select(Case.id).where(Case.id == Warning.case_id, Case.status != status)
        closed += _close(session, and_(live, Warning.rule_type == rule_type, exists(moved_on)), closing)
    case_ended = select(Case.id).where(Case.id == Warning.case_id, Case.status.not_in(OPEN_CASE_STATUSES))
    for rule_type in (RuleType.OVERDUE, RuleType.NEAR_DUE):
        closed += _close(session, and_(live, Warning.rule_type == rule_type, exists(case_ended)), closing)
    step_ended = select(CaseStep.id).where(
        CaseStep.id == Warning.target_id,
        or_(CaseStep.ended_at.is_not(None), exists(case_ended.where(Case.id == CaseStep.case_id))),
    )
    step_gone = ~exists(select(CaseStep.id).where(CaseStep.id == Warning.target_id))
    closed += _close(
        session,
        and_(live, Warning.rule_type == RuleType.SPECIAL_STEP_DURATION, or_(exists(step_ended), step_gone)),
        closing,
    )
    review_void = select(Review.id).where(
        Review.id == Warning.target_id, or_(Review.is_valid.is_(False), Review.is_active.is_(False))
    )
    closed += _close(
        session, and_(live, Warning.rule_type == RuleType.BAD_REVIEW, exists(review_void)), closing
    )
    return closed


def _close(session: Session, condition: ColumnElement[bool], values: dict[str, Any]) -> int:
    result = session.execute(
        update(Warning).where(condition).values(**values), execution_options={"synchronize_session": False}
    )
    return result.rowcount or 0


# ---------------------------------------------------------------- detecting


@dataclass(frozen=True)
class Target:
    """What a new warning is about, and whom to tell."""

    target_type: WarningTarget
    target_id: int
    department_id: int | None
    matter_id: int | None = None
    case_id: int | None = None
    staff_id: int | None = None  # the handler to remind (a case's handler, a step's staff)
    hall_id: int | None = None
    label: str = ""  # the case number or what else names the target in a message
    period_key: str = ""


CASE_COLUMNS = (
    Case.id,
    Case.case_no,
    Case.department_id,
    Case.matter_id,
    Case.hall_id,
    func.coalesce(Case.handler_staff_id, Case.receiver_staff_id).label("staff_id"),
)


def _case_target(row: Any, period_key: str = "") -> Target:
    return Target(
        WarningTarget.CASE,
        row.id,
        row.department_id,
        matter_id=row.matter_id,
        case_id=row.id,
        staff_id=row.staff_id,
        hall_id=row.hall_id,
        label=row.case_no,
        period_key=period_key,
    )


def _not_warned(rule_type: RuleType, target_type: WarningTarget, target_id) -> ColumnElement[bool]:
    return ~exists(
        select(Warning.id).where(
            Warning.rule_type == rule_type, Warning.target_type == target_type, Warning.target_id == target_id
        )
    )


def _round_key(start: datetime) -> str:
    """Tells a resubmitted case's new round of waiting from the old one (yyMMddHHmm, local time)."""
    return start.astimezone(LOCAL_TZ).strftime("%y%m%d%H%M")


def detect_response(state: Scan, rule_type: RuleType) -> None:
    """Cases waiting to be received (or decided) past near_due_ratio x threshold working minutes."""
    if not state.rules.of(rule_type):
        return
    status, clock = RESPONSE_WATCH[rule_type]
    rows = state.session.execute(
        select(*CASE_COLUMNS, clock.label("start")).where(Case.status == status)
    ).all()
    if not rows:
        return
    warned = set(
        state.session.execute(
            select(Warning.target_id, Warning.period_key).where(
                Warning.rule_type == rule_type,
                Warning.target_type == WarningTarget.CASE,
                Warning.target_id.in_([row.id for row in rows]),
            )
        ).all()
    )
    for row in rows:
        if row.start is None or (row.id, _round_key(row.start)) in warned:
            continue
        rule = state.rules.resolve(
            rule_type, matter_id=row.matter_id, department_id=row.department_id, hall_id=row.hall_id
        )
        if rule is None:
            continue
        calendar = state.calendars.for_hall(row.hall_id)
        elapsed = _elapsed(rule, calendar, row.start, state.now)
        if elapsed < rule.near_due_ratio * rule.threshold:
            continue
        _open(state, rule, _case_target(row, _round_key(row.start)), elapsed, start=row.start)


def _elapsed(rule: WarningRule, calendar: WorkCalendar, start: datetime, end: datetime) -> float:
    if rule.unit == ThresholdUnit.MINUTES:
        return max((end - start).total_seconds() / 60, 0.0)
    return float(calendar.working_minutes(start, end))


def _after(rule: WarningRule, calendar: WorkCalendar, start: datetime, minutes: float) -> datetime:
    if rule.unit == ThresholdUnit.MINUTES:
        return start + timedelta(minutes=minutes)
    return add_working_minutes(calendar, start, minutes)


def detect_overdue(state: Scan) -> None:
    """Open cases past due_at (+ threshold working minutes): red, handler and department admins."""
    if not state.rules.of(RuleType.OVERDUE):
        return
    statement = select(*CASE_COLUMNS, Case.due_at).where(
        Case.status.in_(OPEN_CASE_STATUSES),
        Case.due_at < state.now,
        _not_warned(RuleType.OVERDUE, WarningTarget.CASE, Case.id),
    )
    for row in state.session.execute(statement.order_by(Case.id)):
        rule = state.rules.resolve(
            RuleType.OVERDUE, matter_id=row.matter_id, department_id=row.department_id, hall_id=row.hall_id
        )
        if rule is None:
            continue
        late = _elapsed(rule, state.calendars.for_hall(row.hall_id), row.due_at, state.now)
        if row.due_at < state.now and late >= rule.threshold:
            _open(state, rule, _case_target(row), late, start=row.due_at)


def detect_near_due(state: Scan) -> None:
    """Open cases with at most threshold working minutes left before due_at: yellow, to the handler."""
    rules = [r for r in state.rules.of(RuleType.NEAR_DUE) if r.unit != ThresholdUnit.RATIO]
    if len(rules) != len(state.rules.of(RuleType.NEAR_DUE)):
        log.warning("near_due rules measured as a ratio are not watched live; give them working minutes")
    if not rules:
        return
    widest = max(rule.threshold for rule in rules)
    horizon = max(add_working_minutes(cal, state.now, widest) for cal in state.calendars.all())
    statement = select(*CASE_COLUMNS, Case.due_at).where(
        Case.status.in_(OPEN_CASE_STATUSES),
        Case.due_at > state.now,
        Case.due_at <= max(horizon, state.now + timedelta(minutes=widest)),
        _not_warned(RuleType.NEAR_DUE, WarningTarget.CASE, Case.id),
    )
    for row in state.session.execute(statement.order_by(Case.id)):
        rule = state.rules.resolve(
            RuleType.NEAR_DUE,
            matter_id=row.matter_id,
            department_id=row.department_id,
            hall_id=row.hall_id,
            candidates=rules,
        )
        if rule is None:
            continue
        left = _elapsed(rule, state.calendars.for_hall(row.hall_id), state.now, row.due_at)
        if left <= rule.threshold:
            _open(state, rule, _case_target(row), left, level=WarningLevel.YELLOW)


def detect_special_steps(state: Scan) -> None:
    """Open special steps longer than the rule's threshold, or than the P90 of their matter and type."""
    if not state.rules.of(RuleType.SPECIAL_STEP_DURATION):
        return
    statement = (
        select(
            CaseStep.id.label("step_id"),
            CaseStep.step_type,
            CaseStep.started_at,
            CaseStep.staff_id.label("step_staff_id"),
            *CASE_COLUMNS,
        )
        .join(Case, Case.id == CaseStep.case_id)
        .where(
            CaseStep.is_special.is_(True),
            CaseStep.ended_at.is_(None),
            CaseStep.started_at < state.now,
            Case.status.in_(OPEN_CASE_STATUSES),
            _not_warned(RuleType.SPECIAL_STEP_DURATION, WarningTarget.CASE_STEP, CaseStep.id),
        )
        .order_by(CaseStep.id)
    )
    rows = state.session.execute(statement).all()
    if not rows:
        return
    p90 = special_step_p90(state.session, state.now, {(row.matter_id, row.step_type) for row in rows})
    for row in rows:
        rule = state.rules.resolve(
            RuleType.SPECIAL_STEP_DURATION,
            matter_id=row.matter_id,
            department_id=row.department_id,
            hall_id=row.hall_id,
        )
        if rule is None:
            continue
        if rule.threshold > 0:
            value = _elapsed(rule, state.calendars.for_hall(row.hall_id), row.started_at, state.now)
            limit = rule.threshold
        else:
            limit = p90.get((row.matter_id, row.step_type))
            value = (state.now - row.started_at).total_seconds() / 60
            if limit is None:
                continue
        if value > limit:
            target = Target(
                WarningTarget.CASE_STEP,
                row.step_id,
                row.department_id,
                matter_id=row.matter_id,
                case_id=row.id,
                staff_id=row.step_staff_id or row.staff_id,
                hall_id=row.hall_id,
                label=f"{row.case_no} {row.step_type.value}",
            )
            _open(state, rule, target, value, threshold=limit)


def special_step_p90(
    session: Session, now: datetime, pairs: set[tuple[int, Any]]
) -> dict[tuple[int, Any], float]:
    """Nearest-rank P90 of finished special steps' natural minutes per (matter, step type), last 180 days.

    ROW_NUMBER and COUNT over the same partition give each step's rank; the P90 is the smallest value whose
    rank reaches 0.9 n (rank * 10 >= n * 9 keeps the arithmetic in integers). Both SQLite and PostgreSQL.
    """
    if not pairs:
        return {}
    minutes = clock_minutes(CaseStep.started_at, CaseStep.ended_at)
    partition = (Case.matter_id, CaseStep.step_type)
    ranked = (
        select(
            Case.matter_id,
            CaseStep.step_type,
            minutes.label("minutes"),
            func.row_number().over(partition_by=partition, order_by=minutes).label("rank"),
            func.count().over(partition_by=partition).label("n"),
        )
        .join(Case, Case.id == CaseStep.case_id)
        .where(
            CaseStep.is_special.is_(True),
            CaseStep.ended_at.is_not(None),
            CaseStep.ended_at >= now - P90_LOOKBACK,
            CaseStep.ended_at <= now,
            Case.matter_id.in_({matter for matter, _ in pairs}),
            CaseStep.step_type.in_({step for _, step in pairs}),
        )
        .subquery()
    )
    statement = (
        select(ranked.c.matter_id, ranked.c.step_type, func.min(ranked.c.minutes))
        .where(ranked.c.rank * 10 >= ranked.c.n * 9, ranked.c.n >= P90_MIN_SAMPLES)
        .group_by(ranked.c.matter_id, ranked.c.step_type)
    )
    return {(matter, step): float(value) for matter, step, value in session.execute(statement)}


# ---------------------------------------------------------------- abnormal counts


def current_period(now: datetime, period: str | None) -> tuple[datetime, datetime, str]:
    """The day, ISO week or month (default) holding ``now``: its bounds and key ("2026-10")."""
    today = now.astimezone(LOCAL_TZ).date()
    kind = (period or "month").lower()
    if kind == "day":
        start, end, key = today, today + timedelta(days=1), today.isoformat()
    elif kind == "week":
        start = today - timedelta(days=today.weekday())
        end = start + timedelta(days=7)
        year, week, _ = today.isocalendar()
        key = f"{year}-W{week:02d}"
    else:
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        key = f"{start:%Y-%m}"
    return (datetime.combine(start, time(), LOCAL_TZ), datetime.combine(end, time(), LOCAL_TZ), key)


def abnormal_counts(
    session: Session,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    department_id: int | None = None,
    matter_id: int | None = None,
    hall_id: int | None = None,
) -> list[Any]:
    """Per department: overdue, returned, voided, rejected and received cases in [start, end), as of now.

    Overdue: due in the period (before now) and completed after due_at, or still open.
    """

    def within(column) -> ColumnElement[bool]:
        return and_(column >= start, column < end)

    overdue = and_(
        within(Case.due_at),
        Case.due_at < now,
        or_(
            Case.completed_at > Case.due_at,
            and_(Case.completed_at.is_(None), Case.status.in_(OPEN_CASE_STATUSES)),
        ),
    )
    parts = {
        "overdue": overdue,
        "returned": within(Case.returned_at),
        "voided": within(Case.voided_at),
        "rejected": within(Case.rejected_at),
        "received": within(Case.received_at),
    }
    columns = [func.sum(case((condition, 1), else_=0)).label(name) for name, condition in parts.items()]
    conditions = [or_(*parts.values())]
    if department_id is not None:
        conditions.append(Case.department_id.in_(department_subtree(department_id)))
    if matter_id is not None:
        conditions.append(Case.matter_id == matter_id)
    if hall_id is not None:
        conditions.append(Case.hall_id == hall_id)
    statement = select(Case.department_id, *columns).where(*conditions).group_by(Case.department_id)
    return list(session.execute(statement))


def detect_abnormal_counts(state: Scan) -> None:
    """One warning per rule, department and period when its abnormal count (or rate) passes the threshold."""
    rules = state.rules.of(RuleType.ABNORMAL_COUNT)
    for rule in rules:
        start, end, key = current_period(state.now, rule.period)
        # Rules naming the same matter (or none) compete per department; the most specific one counts it.
        rivals = [r for r in rules if r.matter_id == rule.matter_id]
        rows = abnormal_counts(
            state.session,
            start,
            end,
            state.now,
            department_id=rule.department_id,
            matter_id=rule.matter_id,
            hall_id=rule.hall_id,
        )
        for row in rows:
            chosen = state.rules.resolve(
                RuleType.ABNORMAL_COUNT,
                matter_id=rule.matter_id,
                department_id=row.department_id,
                hall_id=rule.hall_id,
                candidates=rivals,
            )
            if chosen is not rule:
                continue
            abnormal = int(row.overdue or 0) + int(row.returned or 0) + int(row.voided or 0)
            abnormal += int(row.rejected or 0)
            if rule.unit == ThresholdUnit.RATIO:
                if not row.received:
                    continue
                value = abnormal / int(row.received)
            else:
                value = float(abnormal)
            target = Target(
                WarningTarget.DEPARTMENT,
                row.department_id,
                row.department_id,
                matter_id=rule.matter_id,
                label=key,
                period_key=key,
            )
            existing = state.session.scalar(
                select(Warning).where(
                    Warning.rule_id == rule.id,
                    Warning.target_type == WarningTarget.DEPARTMENT,
                    Warning.target_id == row.department_id,
                    Warning.period_key == key,
                )
            )
            if existing is not None:
                if existing.value != value:
                    existing.value = value  # the count of the running period keeps growing
                continue
            if value > rule.threshold:
                _open(state, rule, target, value)


# ---------------------------------------------------------------- bad reviews


def detect_bad_reviews(state: Scan) -> None:
    """Valid reviews at or below the rule's level (2 by default): a warning to the department admin."""
    if not state.rules.of(RuleType.BAD_REVIEW):
        return
    statement = (
        select(
            Review.id,
            Review.level,
            Review.department_id,
            Review.matter_id,
            Review.staff_id,
            Case.case_no,
            Case.hall_id,
            Review.case_id,
        )
        .join(Case, Case.id == Review.case_id)
        .where(
            Review.is_valid.is_(True),
            Review.is_active.is_(True),
            Review.level <= max(rule.threshold for rule in state.rules.of(RuleType.BAD_REVIEW)),
            Review.reviewed_at >= state.now - BAD_REVIEW_LOOKBACK,
            Review.reviewed_at <= state.now,
            _not_warned(RuleType.BAD_REVIEW, WarningTarget.REVIEW, Review.id),
        )
        .order_by(Review.id)
    )
    for row in state.session.execute(statement):
        rule = state.rules.resolve(
            RuleType.BAD_REVIEW, matter_id=row.matter_id, department_id=row.department_id, hall_id=row.hall_id
        )
        if rule is None or row.level > rule.threshold:
            continue
        target = Target(
            WarningTarget.REVIEW,
            row.id,
            row.department_id,
            matter_id=row.matter_id,
            case_id=row.case_id,
            staff_id=row.staff_id,
            hall_id=row.hall_id,
            label=f"{row.case_no} {row.level} 星",
        )
        _open(state, rule, target, float(row.level))


# ---------------------------------------------------------------- warnings and reminders


def stage_marks(rule: WarningRule) -> list[float]:
    """The elapsed values at which reminders fall due: ratio x T (response rules only), T, T + k x interval.

    Only the first reminder_count + 1 marks can ever matter (one reminder per mark at most).
    """
    threshold = float(rule.threshold)
    marks = []
    if rule.rule_type in RESPONSE_WATCH and rule.near_due_ratio < 1:
        marks.append(rule.near_due_ratio * threshold)
    marks.append(threshold)
    while len(marks) < rule.reminder_count + 1:
        marks.append(marks[-1] + rule.reminder_interval_minutes)
    return marks


def _level_of(rule: WarningRule, value: float) -> WarningLevel:
    if rule.rule_type in RESPONSE_WATCH:
        return WarningLevel.RED if value >= rule.threshold else WarningLevel.YELLOW
    if rule.rule_type == RuleType.NEAR_DUE:
        return WarningLevel.YELLOW
    return WarningLevel.RED


def _dispose_due(state: Scan, rule: WarningRule, hall_id: int | None) -> datetime:
    calendar = state.calendars.for_hall(hall_id)
    days = DISPOSE_WORKING_DAYS.get(rule.rule_type, DEFAULT_DISPOSE_WORKING_DAYS)
    return add_working_minutes(calendar, state.now, days * calendar.minutes_per_day)


def _open(
    state: Scan,
    rule: WarningRule,
    target: Target,
    value: float,
    *,
    start: datetime | None = None,
    threshold: float | None = None,
    level: WarningLevel | None = None,
) -> Warning | None:
    """Insert the warning (unless another scan just did) and issue its first reminder."""
    values = {
        "rule_id": rule.id,
        "rule_type": rule.rule_type,
        "target_type": target.target_type,
        "target_id": target.target_id,
        "period_key": target.period_key,
        "department_id": target.department_id,
        "matter_id": target.matter_id,
        "case_id": target.case_id,
        "staff_id": target.staff_id,
        "level": level or _level_of(rule, value),
        "value": value,
        "threshold": rule.threshold if threshold is None else threshold,
        "triggered_at": state.now,
        "status": WarningStatus.OPEN,
        "reminders_sent": 0,
        "dispose_due_at": _dispose_due(state, rule, target.hall_id),
        "created_at": state.now,
        "updated_at": state.now,
    }
    warning = _insert_once(state.session, values)
    if warning is None:
        return None  # another scheduler got there first; it reminds
    state.report.opened[rule.rule_type.value] += 1
    _remind(state, warning, rule, target, value, start)
    return warning


def _insert_once(session: Session, values: dict[str, Any]) -> Warning | None:
    """INSERT ... ON CONFLICT DO NOTHING on the (rule, target, period) key; the new row, or None."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Warning)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["rule_id", "target_type", "target_id", "period_key"])
        .returning(Warning.id)
    )
    new_id = session.execute(statement).scalar_one_or_none()
    return None if new_id is None else session.get(Warning, new_id)


def _remind(
    state: Scan, warning: Warning, rule: WarningRule, target: Target, value: float, start: datetime | None
) -> None:
    """Issue reminder n = reminders_sent + 1 if the warning still has one to give; plan the next one."""
    n = warning.reminders_sent + 1
    if n > rule.reminder_count or warning.status not in LIVE_WARNING_STATUSES:
        return
    next_at = None
    if rule.rule_type in REPEATING and start is not None and n < rule.reminder_count:
        calendar = state.calendars.for_hall(target.hall_id)
        later = [mark for mark in stage_marks(rule) if mark > value]
        if later:
            next_at = _after(rule, calendar, start, later[0])
    level = _level_of(rule, value) if warning.level != WarningLevel.RED else WarningLevel.RED
    claimed = state.session.execute(
        update(Warning)
        .where(Warning.id == warning.id, Warning.reminders_sent == n - 1)
        .values(
            reminders_sent=n,
            last_reminded_at=state.now,
            next_reminder_at=next_at,
            status=WarningStatus.NOTIFIED,
            level=level,
            value=value,
            updated_at=state.now,
        ),
        execution_options={"synchronize_session": False},
    ).rowcount
    state.session.refresh(warning)
    if not claimed:
        return  # another scheduler sent this one
    state.report.reminders += 1
    state.report.messages += send_reminder(state, warning, rule, target, n)


def send_due_reminders(state: Scan) -> None:
    """The live warnings whose next reminder has come: recompute the elapsed time and remind."""
    statement = (
        select(Warning)
        .where(Warning.status.in_(LIVE_WARNING_STATUSES), Warning.next_reminder_at <= state.now)
        .order_by(Warning.next_reminder_at, Warning.id)
    )
    rules = {rule.id: rule for rules in state.rules.by_type.values() for rule in rules}
    for warning in state.session.scalars(statement).all():
        rule = rules.get(warning.rule_id)  # a rule disabled or deleted since reminds no more
        case_row = state.session.execute(
            select(*CASE_COLUMNS, Case.submitted_at, Case.received_at, Case.due_at).where(
                Case.id == warning.case_id
            )
        ).one_or_none()
        if rule is None or case_row is None:
            continue
        start = _clock_start(rule.rule_type, case_row)
        if start is None:
            continue
        calendar = state.calendars.for_hall(case_row.hall_id)
        value = _elapsed(rule, calendar, start, state.now)
        target = _case_target(case_row, warning.period_key)
        _remind(state, warning, rule, target, value, start)


def _clock_start(rule_type: RuleType, case_row: Any) -> datetime | None:
    if rule_type == RuleType.RECEIPT_RESPONSE:
        return case_row.submitted_at
    if rule_type == RuleType.ACCEPTANCE_RESPONSE:
        return case_row.received_at
    return case_row.due_at


# ---------------------------------------------------------------- recipients


def send_reminder(state: Scan, warning: Warning, rule: WarningRule, target: Target, n: int) -> int:
    """Write reminder n of the warning to the outbox for each of the rule's recipients; messages written."""
    session, key = state.session, f"warn:{warning.id}:r{n}"
    subject, body = _message(warning, rule, target, n)
    recipients = [part for part in rule.recipients.split(",") if part] or ["handler"]
    targets: list[tuple[Channel, str]] = []
    fallback_departments: list[int] = []
    for recipient in recipients:
        if recipient == "handler":
            found = _handler_targets(session, target.staff_id)
        else:
            found = _role_targets(session, state.rules, recipient, target.department_id, target.hall_id)
        if found:
            targets.extend(found)
        elif recipient in ("handler", "dept_admin") and target.department_id is not None:
            fallback_departments.append(target.department_id)
    if "sms" in rule.channels.split(","):
        targets.extend(_sms_twins(session, targets))
    written = 0
    for index, (channel, address) in enumerate(dict.fromkeys(targets)):
        dedup = key if index == 0 else per_recipient_key(key, channel, address)
        message = enqueue(
            session,
            channel=channel,
            recipient=address,
            subject=subject,
            body=body,
            payload={"warning_id": warning.id, "reminder": n, "rule_type": rule.rule_type.value},
            dedup_key=dedup,
            now=state.now,
        )
        written += message is not None
    for department_id in dict.fromkeys(fallback_departments):
        written += len(
            notify_department(
                session, department_id, subject=subject, body=body, dedup_key=key, now=state.now
            )
        )
    return written


def _message(warning: Warning, rule: WarningRule, target: Target, n: int) -> tuple[str, str]:
    label = LABELS.get(rule.rule_type, rule.rule_type.value)
    level = "红色" if warning.level == WarningLevel.RED else "黄色"
    subject = f"【{level}预警】{label} {target.label}".strip()
    unit = {"working_minutes": "工作分钟", "minutes": "分钟", "count": "件", "ratio": ""}[rule.unit.value]
    body = (
        f"{label}：{target.label}，当前 {_figure(warning.value)}{unit}，"
        f"阈值 {_figure(warning.threshold)}{unit}。"
        f"第 {n} 次提醒，请及时处置（处置期限 {warning.dispose_due_at:%Y-%m-%d %H:%M}）。"
    )
    return subject, body


def _figure(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or abs(value) >= 10 else f"{value:.2f}"


def _handler_targets(session: Session, staff_id: int | None) -> list[tuple[Channel, str]]:
    """The handler's DingTalk id (its own, or its user's), else an SMS to its phone, else nothing."""
    staff = session.get(Staff, staff_id) if staff_id is not None else None
    if staff is None:
        return []
    if staff.ding_user_id:
        return [(Channel.DING_WORK, staff.ding_user_id)]
    user = session.scalar(
        select(User).where(User.staff_id == staff.id, User.is_active.is_(True)).order_by(User.id).limit(1)
    )
    if user is not None:
        return [(Channel.DING_WORK, ding_recipient(session, user))]
    if staff.phone:
        return [(Channel.SMS, staff.phone)]
    return []


def role_holders(
    session: Session, rules: Rules, role: str, department_id: int | None, hall_id: int | None
) -> Sequence[User]:
    """Active users holding ``role`` over the department or one above it (or over the hall).

    dept_admin must be scoped to the department's chain; a hall manager or supervisor may also be
    scoped to the whole district.
    """
    reach = []
    chain = rules.chain(department_id)
    if chain:
        reach.append(and_(UserRole.scope == ScopeKind.DEPARTMENT, UserRole.scope_id.in_(chain)))
    if hall_id is not None:
        reach.append(and_(UserRole.scope == ScopeKind.HALL, UserRole.scope_id == hall_id))
    if role != "dept_admin":
        reach.append(UserRole.scope == ScopeKind.ALL)
    if not reach:
        return []
    statement = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Role, Role.id == UserRole.role_id)
        .where(Role.code == role, User.is_active.is_(True), or_(*reach))
        .distinct()
        .order_by(User.id)
    )
    return session.scalars(statement).all()


def _role_targets(
    session: Session, rules: Rules, role: str, department_id: int | None, hall_id: int | None
) -> list[tuple[Channel, str]]:
    users = role_holders(session, rules, role, department_id, hall_id)
    return [(Channel.DING_WORK, ding_recipient(session, user)) for user in users]


def _sms_twins(session: Session, targets: list[tuple[Channel, str]]) -> list[tuple[Channel, str]]:
    """For a rule that also wants SMS: each DingTalk recipient's staff phone, when it has one."""
    ding_ids = [address for channel, address in targets if channel == Channel.DING_WORK]
    if not ding_ids:
        return []
    phones = session.scalars(
        select(Staff.phone).where(Staff.ding_user_id.in_(ding_ids), Staff.phone.is_not(None))
    ).all()
    return [(Channel.SMS, phone) for phone in phones]
