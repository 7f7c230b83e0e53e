"""What the outbox API shows."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core_app.notify.models import Channel, OutboxStatus


class OutboxRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: Channel
    recipient: str
    subject: str
    body: str
    payload: dict[str, Any] | None
    dedup_key: str | None
    event_id: int | None
    status: OutboxStatus
    attempts: int
    max_attempts: int | None = Field(description="None: retried until delivered (city platform).")
    next_attempt_at: datetime
    locked_until: datetime | None
    last_error: str | None = Field(description="Why the last try failed, or 'channel not configured'.")
    created_at: datetime
    sent_at: datetime | None


class OutboxCount(BaseModel):
    channel: Channel
    status: OutboxStatus
    count: int


class OutboxSummary(BaseModel):
    """Messages per channel and status; ``dead`` needs an admin's look."""

    counts: list[OutboxCount]
    total: int
    dead: int
    oldest_pending_at: datetime | None = Field(
        description="When the longest-waiting pending message was written."
    )
