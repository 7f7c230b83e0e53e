"""Schemas of arbitration requests."""

from datetime import datetime

from core_app.api.schemas import ReadModel
from core_app.arbitration.models import ArbitrationBody, ArbitrationStatus


class ArbitrationRead(ReadModel):
    id: int
    event_id: int
    requested_by: int | None
    requested_at: datetime
    reason: str
    candidate_department_ids: list[int]
    body: ArbitrationBody
    status: ArbitrationStatus
    lead_department_id: int | None
    assist_department_ids: list[int]
    ruling_basis: str | None
    ruled_by: int | None
    ruled_at: datetime | None
