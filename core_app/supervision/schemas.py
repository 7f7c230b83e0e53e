"""Request and response bodies of the supervision endpoints."""

from datetime import datetime

from pydantic import BaseModel, Field

from core_app.admin.org_schemas import WriteModel
from core_app.api.schemas import ReadModel
from core_app.supervision.models import SupervisionKind, SupervisionStatus, SupervisionTarget


class SupervisionCreate(WriteModel):
    kind: SupervisionKind = Field(
        description="remind 提醒, urge 催办, supervise 督办 (needs events:supervise)."
    )
    reason: str = Field(min_length=1, max_length=2000)
    respond_by: datetime | None = Field(
        default=None, description="Reply deadline; default: 催办 1 h, 督办 24 h, none for a reminder."
    )


class SupervisionResponse(WriteModel):
    response: str = Field(min_length=1, max_length=4000)


class SupervisionRead(ReadModel):
    id: int
    target_type: SupervisionTarget
    target_id: int
    event_id: int | None
    department_id: int | None
    kind: SupervisionKind
    issued_by: int | None = Field(description="The issuing user; null when the SLA scheduler issued it.")
    issued_at: datetime
    reason: str
    respond_by: datetime | None
    responded_at: datetime | None
    responded_by: int | None
    response: str | None
    status: SupervisionStatus
    source_key: str | None


class SummaryRow(BaseModel):
    department_id: int | None
    department_name: str | None
    kind: SupervisionKind
    total: int
    open: int
    responded: int
    overdue: int
    by_system: int = Field(description="Issued by the SLA scheduler rather than a person.")
