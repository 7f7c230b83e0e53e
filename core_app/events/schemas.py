"""Read schemas of event categories and events; reporter data and free text are masked."""

from datetime import datetime

from core_app.api.schemas import RecordRead
from core_app.events.models import (
    Complexity,
    EventSource,
    EventStatus,
    Polarity,
    Priority,
    ReporterType,
    Satisfaction,
)
from core_app.privacy.masking import MaskedAddress, MaskedIdCard, MaskedName, MaskedPhone, MaskedText


class EventCategoryRead(RecordRead):
    code: str
    name: str
    parent_id: int | None
    level: int
    default_complexity: Complexity
    default_department_id: int | None
    sensitive: bool


class EventRead(RecordRead):
    event_no: str
    source: EventSource
    external_id: str
    upstream_no: str | None
    reporter_type: ReporterType
    reporter_name: MaskedName | None
    reporter_phone: MaskedPhone | None
    reporter_id_card: MaskedIdCard | None
    citizen_id: int | None
    enterprise_id: int | None
    title: MaskedText
    description: MaskedText
    address: MaskedAddress | None
    lon: float | None
    lat: float | None
    street_id: int | None
    region_id: int | None
    category_id: int | None
    department_id: int | None
    complexity: Complexity
    emotion_polarity: Polarity | None
    emotion_score: float | None
    urgency: bool
    importance: bool
    risk_tags: str
    priority: Priority
    is_difficult: bool
    return_count: int
    status: EventStatus
    reported_at: datetime
    received_at: datetime | None
    accepted_at: datetime | None
    dispatched_at: datetime | None
    signed_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    upstream_reported_at: datetime | None
    satisfaction: Satisfaction | None
    duplicate_of_id: int | None = None
