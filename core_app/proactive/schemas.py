"""Schemas of the push endpoints: the listing, generation and acceptance figures."""

from datetime import datetime

from pydantic import BaseModel, Field

from core_app.api.params import INT_MAX
from core_app.api.schemas import ReadModel
from core_app.privacy.masking import MaskedText
from core_app.proactive.models import PushChannel, PushStatus


class PushRead(ReadModel):
    """One push: the reasons are the sentences the subject sees (no personal data; masked regardless)."""

    id: int
    subject_type: str
    citizen_id: int | None
    enterprise_id: int | None
    matter_id: int
    matter_name: str
    bundle_id: int | None
    score: float
    reasons: list[MaskedText]
    model_version: str
    channel: PushChannel
    status: PushStatus
    suppressed_reason: str | None
    generated_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    dismissed_at: datetime | None
    converted_at: datetime | None
    converted_case_id: int | None
    outbox_message_id: int | None


class GenerateRequest(BaseModel):
    dry_run: bool = Field(default=False, description="Decide and explain, write nothing.")
    limit: int | None = Field(
        default=None, ge=1, le=INT_MAX, description="At most this many subjects, the most recently active."
    )


class PushDecision(BaseModel):
    """A recommended (subject, matter) and what generation decided about it."""

    subject: str
    matter_id: int
    matter_name: str
    rank: int
    score: float
    because: str
    because_matter_id: int | None
    decision: str = Field(description="send, opted_out, capped or repeat")
    channel: str | None
    release_at: datetime | None = Field(description="When the message goes out (after quiet hours).")
    bundle_id: int | None
    reasons: list[MaskedText]


class GenerateResult(BaseModel):
    model_version: str
    dry_run: bool
    subjects: int = Field(description="Recently active subjects asked about.")
    recommendations: int
    counts: dict[str, int] = Field(description="Decisions: send, opted_out, capped, repeat, below_threshold.")
    channels: dict[str, int] = Field(description="Pushes sent per channel.")
    messages: int = Field(description="Outbox messages queued (app pushes without an account queue none).")
    decisions: list[PushDecision] = Field(description="Dry run only: the best-scored decisions shown.")
    decisions_total: int
    seconds: float


class PushFigures(BaseModel):
    sent: int
    opened: int
    dismissed: int
    converted: int
    matured_sent: int = Field(description="Sent at least conversion_days ago: their window has ended.")
    matured_converted: int
    suppressed: int = Field(description="Suppressed (opted out), counted by generated_at.")
    acceptance_rate: float | None = Field(description="matured_converted / matured_sent.")


class PushStatsRow(PushFigures):
    key: str | int | None = Field(description="The group's value (None without by).")
    matter_name: str | None = None


class PushStatsReport(BaseModel):
    period_from: datetime | None
    period_to: datetime | None
    by: str | None
    conversion_days: int
    generated_at: datetime
    note: str
    rows: list[PushStatsRow]
    total: PushFigures
