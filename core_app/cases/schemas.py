"""Read schemas of cases, their steps, queue tickets and reviews."""

from datetime import date, datetime

from pydantic import Field

from core_app.api.schemas import RecordRead
from core_app.cases.models import (
    ApplicantType,
    CaseResult,
    CaseStatus,
    Channel,
    ReviewRound,
    SourceSystem,
    StepType,
    TicketStatus,
)
from core_app.privacy.masking import MaskedText


class CaseStepRead(RecordRead):
    case_id: int
    step_type: StepType
    is_special: bool
    staff_id: int | None
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    comment: MaskedText | None


class CaseRead(RecordRead):
    case_no: str
    matter_id: int
    bundle_id: int | None
    department_id: int
    hall_id: int | None
    window_id: int | None
    intake_region_id: int | None
    channel: Channel
    source_system: SourceSystem
    applicant_type: ApplicantType
    citizen_id: int | None
    enterprise_id: int | None
    receiver_staff_id: int | None
    handler_staff_id: int | None
    status: CaseStatus
    is_commitment: bool
    is_gap_tolerant: bool
    submitted_at: datetime
    received_at: datetime | None
    accepted_at: datetime | None
    rejected_at: datetime | None
    returned_at: datetime | None
    voided_at: datetime | None
    completed_at: datetime | None
    due_at: datetime | None
    legal_due_at: datetime | None
    special_minutes: int
    result: CaseResult | None
    visit_count: int
    is_no_rest: bool


class CaseDetailRead(CaseRead):
    steps: list[CaseStepRead] = Field(description="Approval steps in the order they started.")


class QueueTicketRead(RecordRead):
    hall_id: int
    ticket_no: str
    taken_on: date
    queue_group: str
    is_booking: bool
    citizen_id: int | None
    taken_at: datetime
    called_at: datetime | None
    window_id: int | None
    staff_id: int | None
    service_started_at: datetime | None
    service_ended_at: datetime | None
    status: TicketStatus
    case_id: int | None


class ReviewRead(RecordRead):
    case_id: int
    matter_id: int
    department_id: int
    staff_id: int | None
    channel: Channel
    level: int
    is_good: bool
    round: ReviewRound
    is_active: bool
    is_valid: bool
    comment: MaskedText | None
    reviewed_at: datetime
