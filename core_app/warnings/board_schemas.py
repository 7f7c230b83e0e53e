"""Warning board (预警看板) schemas: warnings with their case status, disposal, per-department summary."""

from datetime import date, datetime

from pydantic import Field

from core_app.admin.org_schemas import WriteModel
from core_app.api.schemas import ReadModel, RecordRead
from core_app.cases.models import CaseStatus
from core_app.warnings.models import RuleType, WarningLevel, WarningStatus, WarningTarget


class WarningRead(RecordRead):
    rule_id: int
    rule_type: RuleType
    target_type: WarningTarget
    target_id: int
    period_key: str
    department_id: int | None
    matter_id: int | None
    case_id: int | None
    case_status: CaseStatus | None = Field(default=None, description="The warned case's status now.")
    staff_id: int | None
    level: WarningLevel
    value: float
    threshold: float
    triggered_at: datetime
    status: WarningStatus
    reminders_sent: int
    last_reminded_at: datetime | None
    next_reminder_at: datetime | None
    dispose_due_at: datetime | None
    disposed_at: datetime | None
    disposed_by: int | None
    disposal_note: str | None
    closed_at: datetime | None
    overdue_disposal: bool = Field(
        description="超期处置: disposed after dispose_due_at, or still open past it."
    )


class DisposeRequest(WriteModel):
    note: str = Field(min_length=1, max_length=2000, description="What was done (处置说明).")


class DepartmentSummary(ReadModel):
    department_id: int | None
    department_name: str | None
    triggered: int
    yellow: int
    red: int
    disposed: int
    open: int
    closed: int
    overdue_disposal_count: int


class WarningSummary(ReadModel):
    from_: date | None = Field(default=None, alias="from", serialization_alias="from")
    to: date | None = None
    departments: list[DepartmentSummary]
    total: DepartmentSummary
