"""Sources shared by several analyses: the case mart, with its dimensions, data scope and drill-down rows."""

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from core_app.access.models import ScopeKind
from core_app.access.scope import ScopeRule, equals_scope_id, in_department, in_region
from core_app.analytics.engine import Source
from core_app.analytics.models import CaseFact
from core_app.cases.models import Case
from core_app.matters.models import Matter
from core_app.org.models import Department, Staff
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
