"""Sources shared by several analyses: the case mart, with its dimensions, data scope and drill-down rows."""

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from core_app.access.models import ScopeKind
from core_app.access.scope import ScopeRule, equals_scope_id, in_department, in_region
from core_app.analytics.engine import Source
from core_app.analytics.models import CaseFact
from core_app.cases.models import Case, QueueTicket, Review
from core_app.matters.models import Matter
from core_app.org.models import Department, Hall, Staff, Window
from core_app.privacy.masking import mask_name

CASE_SCOPE = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(CaseFact.department_id),
        ScopeKind.REGION: in_region(CaseFact.region_id),
        ScopeKind.HALL: equals_scope_id(CaseFact.hall_id),
    }
)

CASE_DIMENSIONS = {
    "department": CaseFact.department_id,
    "matter": CaseFact.matter_id,
    "matter_type": CaseFact.matter_type,
    "bundle": CaseFact.bundle_id,
    "staff": CaseFact.handler_staff_id,
    "receiver": CaseFact.receiver_staff_id,
    "hall": CaseFact.hall_id,
    "window": CaseFact.window_id,
    "town": CaseFact.town_id,
    "village": CaseFact.village_id,
    "channel": CaseFact.channel,
    "source_system": CaseFact.source_system,
    "intake_source": CaseFact.intake_source,
    "applicant_type": CaseFact.applicant_type,
}

CASE_RECORD_COLUMNS = (
    "case_id",
    "case_no",
    "matter",
    "department",
    "handler",
    "channel",
    "status",
    "submitted_at",
    "received_at",
    "accepted_at",
    "completed_at",
    "due_at",
    "receipt_minutes",
    "acceptance_minutes",
    "elapsed_days",
)


def case_records(session: Session, ids: Select) -> list[dict[str, Any]]:
    """The cases behind a number, as the drill-down lists them (names of people masked)."""
    handler = aliased(Staff)
    statement = (
        select(
            CaseFact.case_id,
            Case.case_no,
            Matter.name,
            Department.name,
            handler.name,
            CaseFact.channel,
            CaseFact.status,
            CaseFact.submitted_at,
            CaseFact.received_at,
            CaseFact.accepted_at,
            CaseFact.completed_at,
            CaseFact.due_at,
            CaseFact.receipt_minutes,
            CaseFact.acceptance_minutes,
            CaseFact.elapsed_days,
        )
        .join(Case, Case.id == CaseFact.case_id)
        .join(Matter, Matter.id == CaseFact.matter_id)
        .join(Department, Department.id == CaseFact.department_id)
        .outerjoin(handler, handler.id == CaseFact.handler_staff_id)
        .where(CaseFact.case_id.in_(ids))
        .order_by(CaseFact.submitted_at.desc(), CaseFact.case_id.desc())
    )
    rows = [dict(zip(CASE_RECORD_COLUMNS, row, strict=True)) for row in session.execute(statement)]
    for row in rows:
        row["handler"] = mask_name(row["handler"]) if row["handler"] else None
    return rows


CASE_FACTS = Source(
    name="cases",
    table=CaseFact.__table__,
    dimensions=CASE_DIMENSIONS,
    scope=CASE_SCOPE,
    record_id=CaseFact.case_id,
    records=case_records,
)


def review_records(session: Session, ids: Select) -> list[dict[str, Any]]:
    """The reviews behind a number, with their case and its window (the comment is left out: free text may
    name people; staff names masked)."""
    staff, case_ = aliased(Staff), aliased(Case)
    keys = (
        "review_id",
        "case_no",
        "window_id",
        "matter",
        "department",
        "staff",
        "level",
        "round",
        "is_active",
        "is_valid",
        "reviewed_at",
    )
    statement = (
        select(
            Review.id,
            case_.case_no,
            case_.window_id,
            Matter.name,
            Department.name,
            staff.name,
            Review.level,
            Review.round,
            Review.is_active,
            Review.is_valid,
            Review.reviewed_at,
        )
        .join(case_, case_.id == Review.case_id)
        .join(Matter, Matter.id == Review.matter_id)
        .join(Department, Department.id == Review.department_id)
        .outerjoin(staff, staff.id == Review.staff_id)
        .where(Review.id.in_(ids))
        .order_by(Review.reviewed_at.desc(), Review.id.desc())
    )
    return _masked_staff([dict(zip(keys, row, strict=True)) for row in session.execute(statement)])


def ticket_records(session: Session, ids: Select) -> list[dict[str, Any]]:
    """The queue tickets behind a number: their hall, window, staff (masked), stamps and case."""
    staff, window, case_ = aliased(Staff), aliased(Window), aliased(Case)
    keys = (
        "ticket_id",
        "hall",
        "ticket_no",
        "queue_group",
        "window_no",
        "staff",
        "status",
        "taken_at",
        "called_at",
        "service_started_at",
        "service_ended_at",
        "case_no",
    )
    statement = (
        select(
            QueueTicket.id,
            Hall.name,
            QueueTicket.ticket_no,
            QueueTicket.queue_group,
            window.window_no,
            staff.name,
            QueueTicket.status,
            QueueTicket.taken_at,
            QueueTicket.called_at,
            QueueTicket.service_started_at,
            QueueTicket.service_ended_at,
            case_.case_no,
        )
        .join(Hall, Hall.id == QueueTicket.hall_id)
        .outerjoin(window, window.id == QueueTicket.window_id)
        .outerjoin(staff, staff.id == QueueTicket.staff_id)
        .outerjoin(case_, case_.id == QueueTicket.case_id)
        .where(QueueTicket.id.in_(ids))
        .order_by(QueueTicket.taken_at.desc(), QueueTicket.id.desc())
    )
    return _masked_staff([dict(zip(keys, row, strict=True)) for row in session.execute(statement)])


def _masked_staff(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["staff"] = mask_name(row["staff"]) if row["staff"] else None  # personal data (DOMAIN §9)
    return rows
