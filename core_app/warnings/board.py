"""The warning board: list and read warnings in the caller's data scope, dispose of them, sum them up.

A warning belongs to a department (the case's, the step's, the review's or the counted department), so
a department-scoped grant sees its department subtree; a hall-scoped grant the warnings on the hall's
cases; a region-scoped grant the warnings on cases taken in within the region.
超期处置 (overdue disposal): disposed after dispose_due_at, or still open (open/notified) past it.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session

from core_app.access.models import ScopeKind
from core_app.access.principal import Principal
from core_app.access.scope import ScopeRule, in_department, region_subtree, through
from core_app.admin.common import Audit, conflict, invalid
from core_app.api.pagination import Page
from core_app.api.problems import InvalidParameterError, NotFoundError
from core_app.audit.service import snapshot
from core_app.cases.models import Case, CaseStatus
from core_app.config import LOCAL_TZ
from core_app.org.models import Department
from core_app.warnings.board_schemas import DepartmentSummary, WarningRead, WarningSummary
from core_app.warnings.models import RuleType, Warning, WarningLevel, WarningStatus

READ = "warnings:read"
WRITE = "warnings:write"
LIVE = (WarningStatus.OPEN, WarningStatus.NOTIFIED)

WARNINGS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(Warning.department_id),
        ScopeKind.HALL: through(
            Warning.case_id, lambda g, _p: select(Case.id).where(Case.hall_id == g.scope_id)
        ),
        ScopeKind.REGION: through(
            Warning.case_id,
            lambda g, _p: select(Case.id).where(Case.intake_region_id.in_(region_subtree(g.scope_id))),
        ),
    }
)


def overdue_disposal(now: datetime) -> ColumnElement[bool]:
    """Disposed late, or still open past the disposal deadline."""
    late = and_(Warning.disposed_at.is_not(None), Warning.disposed_at > Warning.dispose_due_at)
    waiting = and_(Warning.status.in_(LIVE), Warning.dispose_due_at < now)
    return and_(Warning.dispose_due_at.is_not(None), or_(late, waiting))


@dataclass(frozen=True)
class BoardFilters:
    department_id: int | None = None
    matter_id: int | None = None
    rule_type: RuleType | None = None
    level: WarningLevel | None = None
    status: WarningStatus | None = None
    case_status: CaseStatus | None = None
    start: datetime | None = None  # triggered_at >= start
    end: datetime | None = None  # triggered_at < end
    overdue_disposal: bool | None = None


def parse_bound(raw: str | None, name: str, *, upper: bool) -> datetime | None:
    """An ISO date or datetime (naive = Asia/Shanghai); a bare date as upper bound covers that whole day."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if upper else day, time(), LOCAL_TZ)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidParameterError(f"query.{name}", f"{raw!r} is not an ISO 8601 date or datetime") from None
    value = value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)
    return value + timedelta(microseconds=1) if upper else value  # "to" is inclusive


def check_range(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise InvalidParameterError("query.to", "must not be before from")


def _conditions(filters: BoardFilters, now: datetime) -> list[ColumnElement[bool]]:
    conditions = []
    for name in ("department_id", "matter_id", "rule_type", "level", "status"):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(getattr(Warning, name) == value)
    if filters.case_status is not None:
        conditions.append(Case.status == filters.case_status)
    if filters.start is not None:
        conditions.append(Warning.triggered_at >= filters.start)
    if filters.end is not None:
        conditions.append(Warning.triggered_at < filters.end)
    if filters.overdue_disposal is not None:
        late = overdue_disposal(now)
        conditions.append(late if filters.overdue_disposal else not_(late))
    return conditions


def _select(principal: Principal, permission: str) -> Select:
    return (
        select(Warning, Case.status.label("case_status"))
        .outerjoin(Case, Case.id == Warning.case_id)
        .where(WARNINGS.condition(principal, permission))
    )


def _read(row: Any, now: datetime) -> WarningRead:
    warning, case_status = row
    due = warning.dispose_due_at
    late = due is not None and (
        (warning.disposed_at is not None and warning.disposed_at > due)
        or (warning.status in LIVE and due < now)
    )
    values = {name: getattr(warning, name) for name in WarningRead.model_fields if hasattr(warning, name)}
    return WarningRead(**(values | {"case_status": case_status, "overdue_disposal": late}))


def list_warnings(
    session: Session, principal: Principal, filters: BoardFilters, *, page: int, page_size: int, now: datetime
) -> Page[WarningRead]:
    """One page of warnings in the caller's scope, newest first; count and page both in SQL."""
    statement = _select(principal, READ).where(*_conditions(filters, now))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(
        statement.order_by(Warning.triggered_at.desc(), Warning.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return Page(items=[_read(row, now) for row in rows], total=total, page=page, page_size=page_size)


def get_warning(session: Session, principal: Principal, warning_id: int, now: datetime) -> WarningRead:
    """One warning in the caller's scope; outside it, answered like a missing one."""
    row = session.execute(_select(principal, READ).where(Warning.id == warning_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"Warning {warning_id} does not exist")
    return _read(row, now)


def dispose(audit: Audit, warning_id: int, note: str, now: datetime) -> WarningRead:
    """Mark a live warning disposed (处置) with the caller's note, audited; 409 if it is not live."""
    session, principal = audit.session, audit.principal
    if not note.strip():
        raise invalid("note", "must not be blank: say what was done")
    row = session.execute(
        _select(principal, WRITE).where(Warning.id == warning_id).with_for_update(of=Warning)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"Warning {warning_id} does not exist")
    warning = row[0]
    if warning.status not in LIVE:
        raise conflict(
            "status", f"the warning is already {warning.status.value}; only a live warning is disposed of"
        )
    before = snapshot(warning)
    warning.status = WarningStatus.DISPOSED
    warning.disposed_at = now
    warning.disposed_by = principal.user_id
    warning.disposal_note = note.strip()
    warning.next_reminder_at = None
    session.flush()
    audit.write("dispose", Warning.__tablename__, warning.id, before, snapshot(warning))
    return _read((warning, row[1]), now)


def summary(
    session: Session, principal: Principal, start: datetime | None, end: datetime | None, now: datetime
) -> WarningSummary:
    """Per department: warnings triggered in [start, end), by level, disposed, open, closed, disposed late."""

    def count(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    measures = (
        func.count(Warning.id).label("triggered"),
        count(Warning.level == WarningLevel.YELLOW).label("yellow"),
        count(Warning.level == WarningLevel.RED).label("red"),
        count(Warning.status == WarningStatus.DISPOSED).label("disposed"),
        count(Warning.status.in_(LIVE)).label("open"),
        count(Warning.status == WarningStatus.CLOSED).label("closed"),
        count(overdue_disposal(now)).label("overdue_disposal_count"),
    )
    conditions = [WARNINGS.condition(principal, READ)]
    if start is not None:
        conditions.append(Warning.triggered_at >= start)
    if end is not None:
        conditions.append(Warning.triggered_at < end)
    statement = (
        select(Warning.department_id, Department.name, *measures)
        .outerjoin(Department, Department.id == Warning.department_id)
        .where(*conditions)
        .group_by(Warning.department_id, Department.name)
        .order_by(Warning.department_id)
    )
    fields = ("triggered", "yellow", "red", "disposed", "open", "closed", "overdue_disposal_count")
    departments = [
        DepartmentSummary(
            department_id=row.department_id,
            department_name=row.name,
            **{name: int(getattr(row, name) or 0) for name in fields},
        )
        for row in session.execute(statement)
    ]
    total = DepartmentSummary(
        department_id=None,
        department_name=None,
        **{name: sum(getattr(d, name) for d in departments) for name in fields},
    )
    return WarningSummary.model_validate(
        {
            "from": start.astimezone(LOCAL_TZ).date() if start else None,
            "to": (end - timedelta(microseconds=1)).astimezone(LOCAL_TZ).date() if end else None,
            "departments": departments,
            "total": total,
        }
    )
