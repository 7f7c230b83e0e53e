"""Schemas of the personal space: only what the owner needs, personal text masked as everywhere."""

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from core_app.cases.models import CaseResult, CaseStatus, Channel, ReviewRound, StepType
from core_app.events.models import EventStatus, Satisfaction
from core_app.privacy.masking import MaskedText
from core_app.proactive.models import PushChannel, PushStatus
from core_app.proactive.rules import clock_minutes


class SpaceSummary(BaseModel):
    subject_type: str = Field(description="citizen or enterprise")
    citizen_id: int | None
    enterprise_id: int | None
    cases_total: int
    cases_open: int = Field(description="Submitted, received, accepted, in approval or suspended.")
    cases_completed: int
    reviews: int
    events_total: int
    events_open: int = Field(description="Not yet closed (nor invalid).")
    recommendations: int = Field(description="Recommended matters sent or opened, not dismissed.")
    recommendations_unread: int = Field(description="Of those, not opened yet.")
    notices: int


class MyCase(BaseModel):
    id: int
    case_no: str
    matter_id: int
    matter_name: str
    department_name: str
    bundle_id: int | None
    bundle_name: str | None
    channel: Channel
    status: CaseStatus
    submitted_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    due_at: datetime | None
    result: CaseResult | None


class MyCaseStep(BaseModel):
    step_type: StepType
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None


class MyReview(BaseModel):
    id: int
    case_id: int
    case_no: str
    matter_name: str
    level: int = Field(description="5 非常满意 … 1 非常不满意")
    is_good: bool
    round: ReviewRound
    comment: MaskedText | None
    reviewed_at: datetime


class MyCaseDetail(MyCase):
    steps: list[MyCaseStep]
    reviews: list[MyReview]


class MyEvent(BaseModel):
    id: int
    event_no: str
    title: MaskedText
    status: EventStatus
    reported_at: datetime
    completed_at: datetime | None
    closed_at: datetime | None
    satisfaction: Satisfaction | None


class MyRecommendation(BaseModel):
    id: int
    matter_id: int
    matter_name: str
    online_capable: bool
    mobile_capable: bool
    bundle_id: int | None
    bundle_name: str | None
    reasons: list[MaskedText]
    status: PushStatus
    sent_at: datetime | None
    opened_at: datetime | None
    dismissed_at: datetime | None


class PreferencesRead(BaseModel):
    opted_out: bool
    channel: PushChannel | None = Field(description="None: SMS when a phone is on record, else the app.")
    quiet_start: str | None = Field(description="Own quiet hours (HH:MM); None: the district's.")
    quiet_end: str | None
    district_quiet_start: str
    district_quiet_end: str


class PreferencesUpdate(BaseModel):
    """The whole set of preferences (PUT replaces them)."""

    opted_out: bool = False
    channel: PushChannel | None = None
    quiet_start: str | None = Field(default=None, description="HH:MM; give both ends or neither.")
    quiet_end: str | None = Field(default=None, description="HH:MM; may be earlier (crosses midnight).")

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None:
            clock_minutes(value, "time")
        return value
