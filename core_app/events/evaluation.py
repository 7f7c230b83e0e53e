"""Evaluation of departments on their event work (评价考核, DOMAIN §4.9), counted in SQL.

Three GROUP BY department queries (assignments, callbacks, supervisions) count over the assignments
dispatched in the period [start, end) (``Assignment.dispatched_at``), optionally narrowed by the event's
source, category (with its sub-categories) and street. Definitions:

- ``dispatched``: assignments of the department (lead and assist, later cancelled or returned included).
- ``sign_on_time_rate`` = on time / decided. An assignment answered by signing (or by returning it) by its
  ``sign_due_at`` is on time; one answered later, or still unanswered after the deadline, is late. One still
  within its deadline, or cancelled before it was answered, is not decided yet and counts in neither.
- ``closed_on_time_rate`` = completed by ``handle_due_at`` (extensions included) / completed.
- ``return_rate`` = returned / dispatched.
- ``redispatch_rate`` = assignments taken away by a ``redispatch`` action (改派) / dispatched: the assignment
  is cancelled and the event's redispatch action names it or a later assignment of the event.
- ``reopen_rate`` = lead assignments reopened (a ``reopen`` action on the event while the assignment was its
  lead, i.e. the latest lead assignment dispatched before the action) / lead assignments completed or reopened
  (a reopen clears ``completed_at`` until the work is done again).
- ``satisfaction_rate`` = (satisfied + basically) / callbacks, each callback counted for the assignment that
  was the event's lead when it was made.
- ``mean_handling_minutes``: mean of signed -> completed over completed assignments.
- ``urge_count`` / ``supervise_count``: 催办 and 督办 on the department issued in the period.
- ``score`` = weighted sum (DOMAIN defaults 0.3 sign on time, 0.3 closed on time, 0.2 satisfaction,
  0.2 (1 - return rate)). A component without data (no decided sign-off, no completion, no callback) is
  left out and the other weights are scaled up to sum to one, so it neither rewards nor penalises; every
  listed department has a return rate, hence a score. ``rank`` 1 is best; equal scores share a rank. A
  department with fewer assignments than ``min_dispatched`` is listed but neither scored nor ranked.

A rate whose divisor is zero is None (shown "—").
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from core_app.db.base import utcnow
from core_app.events.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Callback,
    Event,
    EventAction,
    EventCategory,
    EventSource,
    Satisfaction,
)
from core_app.org.models import Department
from core_app.supervision.models import Supervision, SupervisionKind

RATE_DIGITS = 4
MINUTE_DIGITS = 1


@dataclass(frozen=True)
class EventFilter:
    """Which events a figure covers: the period and the optional source, category and street."""

    start: datetime
    end: datetime
    source: EventSource | None = None
    category_id: int | None = None
    street_id: int | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("the period needs time-zone-aware datetimes")
        if self.start >= self.end:
            raise ValueError("the period must start before it ends")


@dataclass(frozen=True)
class Weights:
    """The score's weights (DOMAIN §4.9 defaults); they need not sum to one."""

    sign_on_time: float = 0.3
    closed_on_time: float = 0.3
    satisfaction: float = 0.2
    no_return: float = 0.2

    def __post_init__(self) -> None:
        values = [getattr(self, f.name) for f in fields(self)]
        if any(v < 0 for v in values) or sum(values) <= 0:
            raise ValueError("weights must be non-negative and not all zero")


@dataclass
class DepartmentEvaluation:
    """One department's figures, score and rank in the period."""

    department_id: int
    department_code: str
    department_name: str
    dispatched: int
    sign_decided: int
    signed_on_time: int
    sign_on_time_rate: float | None
    completed: int
    completed_on_time: int
    closed_on_time_rate: float | None
    returned: int
    return_rate: float | None
    redispatched: int
    redispatch_rate: float | None
    lead_completed: int
    reopened: int
    reopen_rate: float | None
    callbacks: int
    satisfied_callbacks: int
    satisfaction_rate: float | None
    mean_handling_minutes: float | None
    urge_count: int
    supervise_count: int
    score: float | None = None
    rank: int | None = None


COLUMNS = tuple(f.name for f in fields(DepartmentEvaluation))


def category_subtree(category_id: int) -> Select:
    """SELECT the id of the category and of every category below it."""
    tree = (
        select(EventCategory.id).where(EventCategory.id == category_id).cte("category_tree", recursive=True)
    )
    tree = tree.union_all(select(EventCategory.id).where(EventCategory.parent_id == tree.c.id))
    return select(tree.c.id)


def event_conditions(
    *, source: EventSource | None = None, category_id: int | None = None, street_id: int | None = None
) -> list[ColumnElement[bool]]:
    """Conditions on Event for the optional source, category (with sub-categories) and street."""
    conditions = []
    if source is not None:
        conditions.append(Event.source == source)
    if category_id is not None:
        conditions.append(Event.category_id.in_(category_subtree(category_id)))
    if street_id is not None:
        conditions.append(Event.street_id == street_id)
    return conditions


def minutes_between(start, end, dialect: str) -> ColumnElement[float]:
    """``end - start`` in minutes, as SQL the backend can evaluate."""
    if dialect == "sqlite":
        # TZDateTime stores UTC text on SQLite, which julianday() reads.
        return (func.julianday(end) - func.julianday(start)) * 1440.0
    return (func.extract("epoch", end) - func.extract("epoch", start)) / 60.0


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _redispatched() -> ColumnElement[bool]:
    # Whether the lifecycle names the old or the new assignment on its redispatch action, the action's
    # assignment is this one or a later one of the same event.
    action = aliased(EventAction)
    later = aliased(Assignment)
    return and_(
        Assignment.status == AssignmentStatus.CANCELLED,
        exists().where(
            action.event_id == Assignment.event_id,
            action.action == "redispatch",
            or_(
                action.assignment_id == Assignment.id,
                action.assignment_id.in_(
                    select(later.id)
                    .where(later.event_id == Assignment.event_id, later.id > Assignment.id)
                    .correlate_except(later)
                ),
            ),
        ),
    )


def _lead_at(moment) -> ColumnElement[bool]:
    """Whether Assignment was the event's lead at ``moment``: the latest lead dispatched before it."""
    later = aliased(Assignment)
    return and_(
        Assignment.role == AssignmentRole.LEAD,
        Assignment.dispatched_at <= moment,
        ~exists()
        .where(
            later.event_id == Assignment.event_id,
            later.role == AssignmentRole.LEAD,
            later.id > Assignment.id,
            later.dispatched_at <= moment,
        )
        .correlate_except(later),  # nested two deep: Assignment is the outermost query's
    )


def _reopened() -> ColumnElement[bool]:
    # A reopen puts the lead assignment back in progress (its completed_at is cleared until it is done
    # again), so it is found through the action: a reopen while this assignment was the lead.
    action = aliased(EventAction)
    return exists().where(
        action.event_id == Assignment.event_id,
        action.action == "reopen",
        _lead_at(action.created_at),
    )


def _assignment_conditions(scope: EventFilter) -> list[ColumnElement[bool]]:
    return [
        Assignment.dispatched_at >= scope.start,
        Assignment.dispatched_at < scope.end,
        *event_conditions(source=scope.source, category_id=scope.category_id, street_id=scope.street_id),
    ]


def _assignment_figures(session: Session, scope: EventFilter, now: datetime, departments) -> Select:
    """One row per department: the counts taken from its assignments."""
    dialect = session.get_bind().dialect.name
    answered_at = func.coalesce(Assignment.signed_at, Assignment.returned_at)
    no_deadline = Assignment.sign_due_at.is_(None)
    on_time = and_(answered_at.is_not(None), or_(no_deadline, answered_at <= Assignment.sign_due_at))
    late = or_(
        and_(answered_at.is_not(None), answered_at > Assignment.sign_due_at),
        and_(
            answered_at.is_(None),
            Assignment.status != AssignmentStatus.CANCELLED,
            Assignment.sign_due_at <= now,
        ),
    )
    completed = Assignment.completed_at.is_not(None)
    done_on_time = and_(
        completed,
        or_(Assignment.handle_due_at.is_(None), Assignment.completed_at <= Assignment.handle_due_at),
    )
    returned = or_(Assignment.status == AssignmentStatus.RETURNED, Assignment.returned_at.is_not(None))
    lead_done = and_(Assignment.role == AssignmentRole.LEAD, completed)
    reopened = _reopened()
    handled = and_(completed, Assignment.signed_at.is_not(None))
    minutes = minutes_between(Assignment.signed_at, Assignment.completed_at, dialect)
    return (
        select(
            Assignment.department_id,
            func.count().label("dispatched"),
            _count(or_(on_time, late)).label("sign_decided"),
            _count(on_time).label("signed_on_time"),
            _count(completed).label("completed"),
            _count(done_on_time).label("completed_on_time"),
            _count(returned).label("returned"),
            _count(_redispatched()).label("redispatched"),
            _count(or_(lead_done, reopened)).label("lead_completed"),
            _count(reopened).label("reopened"),
            func.avg(case((handled, minutes))).label("mean_handling_minutes"),
        )
        .join(Event, Event.id == Assignment.event_id)
        .where(*_assignment_conditions(scope), Assignment.department_id.in_(departments))
        .group_by(Assignment.department_id)
    )


def _callback_figures(scope: EventFilter, departments) -> Select:
    """Callbacks per department: each goes to the assignment that was the event's lead when it was made."""
    good = Callback.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASICALLY])
    return (
        select(
            Assignment.department_id,
            func.count().label("callbacks"),
            _count(good).label("satisfied_callbacks"),
        )
        .select_from(Callback)
        .join(Assignment, and_(Assignment.event_id == Callback.event_id, _lead_at(Callback.at)))
        .join(Event, Event.id == Assignment.event_id)
        .where(*_assignment_conditions(scope), Assignment.department_id.in_(departments))
        .group_by(Assignment.department_id)
    )


def _supervision_figures(scope: EventFilter, departments) -> Select:
    """催办 and 督办 on each department issued in the period (on events matching the filters)."""
    statement = select(
        Supervision.department_id,
        _count(Supervision.kind == SupervisionKind.URGE).label("urge_count"),
        _count(Supervision.kind == SupervisionKind.SUPERVISE).label("supervise_count"),
    ).where(
        Supervision.issued_at >= scope.start,
        Supervision.issued_at < scope.end,
        Supervision.department_id.in_(departments),
    )
    conditions = event_conditions(
        source=scope.source, category_id=scope.category_id, street_id=scope.street_id
    )
    if conditions:
        statement = statement.join(Event, Event.id == Supervision.event_id).where(*conditions)
    return statement.group_by(Supervision.department_id)


def evaluate_departments(
    session: Session,
    scope: EventFilter,
    *,
    departments: ColumnElement[bool] | None = None,
    weights: Weights = Weights(),
    now: datetime | None = None,
    min_dispatched: int = 1,
) -> list[DepartmentEvaluation]:
    """Figures, score and rank of every department with an assignment in the period, best first.

    ``departments`` is a condition on Department (the caller's data scope); None means all. Departments with
    fewer than ``min_dispatched`` assignments are listed with their figures but neither scored nor ranked.
    """
    now = now or utcnow()
    allowed = select(Department.id)
    if departments is not None:
        allowed = allowed.where(departments)
    figures = {
        row.department_id: row._asdict()
        for row in session.execute(_assignment_figures(session, scope, now, allowed))
    }
    if not figures:
        return []
    extra = [
        *session.execute(_callback_figures(scope, allowed)),
        *session.execute(_supervision_figures(scope, allowed)),
    ]
    for row in extra:
        if row.department_id in figures:
            figures[row.department_id].update(row._asdict())
    names = session.execute(
        select(Department.id, Department.code, Department.name).where(Department.id.in_(figures))
    )
    results = [_evaluation(figures[d], code, name) for d, code, name in names]
    for result in results:
        result.score = score(result, weights) if result.dispatched >= min_dispatched else None
    rank(results)
    return sorted(results, key=lambda r: (r.rank is None, r.rank or 0, -r.dispatched, r.department_code))


def _rate(numerator: int, divisor: int) -> float | None:
    return None if divisor == 0 else round(numerator / divisor, RATE_DIGITS)


def _evaluation(row: dict, code: str, name: str) -> DepartmentEvaluation:
    counts = {key: int(row.get(key) or 0) for key in COLUMNS if key in row and key != "mean_handling_minutes"}
    counts.setdefault("callbacks", 0)
    counts.setdefault("satisfied_callbacks", 0)
    counts.setdefault("urge_count", 0)
    counts.setdefault("supervise_count", 0)
    mean = row.get("mean_handling_minutes")
    return DepartmentEvaluation(
        department_code=code,
        department_name=name,
        sign_on_time_rate=_rate(counts["signed_on_time"], counts["sign_decided"]),
        closed_on_time_rate=_rate(counts["completed_on_time"], counts["completed"]),
        return_rate=_rate(counts["returned"], counts["dispatched"]),
        redispatch_rate=_rate(counts["redispatched"], counts["dispatched"]),
        reopen_rate=_rate(counts["reopened"], counts["lead_completed"]),
        satisfaction_rate=_rate(counts["satisfied_callbacks"], counts["callbacks"]),
        mean_handling_minutes=None if mean is None else round(float(mean), MINUTE_DIGITS),
        **counts,
    )


def score(result: DepartmentEvaluation, weights: Weights) -> float | None:
    """The weighted score over the components that have data, weights scaled to sum to one."""
    parts = [
        (weights.sign_on_time, result.sign_on_time_rate),
        (weights.closed_on_time, result.closed_on_time_rate),
        (weights.satisfaction, result.satisfaction_rate),
        (weights.no_return, None if result.return_rate is None else 1 - result.return_rate),
    ]
    present = [(w, v) for w, v in parts if v is not None and w > 0]
    total = sum(w for w, _ in present)
    if total == 0:
        return None
    return round(sum(w * v for w, v in present) / total, RATE_DIGITS)


def rank(results: Sequence[DepartmentEvaluation]) -> None:
    """Competition ranking on the score (1 = best, 1-2-2-4 on ties); no score, no rank."""
    scored = sorted((r for r in results if r.score is not None), key=lambda r: -r.score)
    for position, result in enumerate(scored, start=1):
        previous = scored[position - 2] if position > 1 else None
        result.rank = previous.rank if previous is not None and previous.score == result.score else position
