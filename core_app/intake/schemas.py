"""Request and response bodies of the REST intake."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from core_app.events.models import EventSource, EventStatus, ReporterType

CITY_SOURCES = frozenset(
    {
        EventSource.CITY_12345,
        EventSource.CITY_CROSS_BORDER_TRUCK,
        EventSource.CITY_LIVELIHOOD,
        EventSource.CITY_GRID,
    }
)
MAX_BATCH = 500


def _stripped(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, AfterValidator(_stripped)]


class EventIn(BaseModel):
    """One event as a source system reports it."""

    model_config = ConfigDict(extra="forbid")

    source: EventSource | None = Field(
        default=None, description="Needed when a user submits; an API key's own source is used otherwise."
    )
    external_id: Annotated[
        Text, Field(max_length=64, description="The source's own id: the idempotency key.")
    ]
    upstream_no: str | None = Field(
        default=None, max_length=64, description="The city platform's number; required for city_* sources."
    )
    title: Annotated[Text, Field(max_length=200)]
    description: Annotated[Text, Field(max_length=10_000)]
    reporter_type: ReporterType
    reporter_name: str | None = Field(default=None, max_length=32)
    reporter_phone: str | None = Field(default=None, max_length=32)
    reporter_id_card: str | None = Field(default=None, max_length=18)
    address: str | None = Field(default=None, max_length=200)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    category_code: str | None = Field(default=None, max_length=32)
    reported_at: datetime | None = Field(default=None, description="With a UTC offset; defaults to now.")

    @field_validator("reported_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-03-01T08:30:00+08:00")
        return value

    @field_validator(
        "upstream_no", "reporter_name", "reporter_phone", "reporter_id_card", "address", "category_code"
    )
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class IntakeRead(BaseModel):
    """What intake made of an event; no personal data."""

    id: int
    event_no: str
    source: EventSource
    external_id: str
    upstream_no: str | None
    status: EventStatus
    duplicate_of_id: int | None
    duplicate_of_no: str | None = None
    category_id: int | None
    street_id: int | None
    region_id: int | None
    lon: float | None
    lat: float | None
    department_id: int | None
    reported_at: datetime
    received_at: datetime | None
    created: bool = Field(description="False when this was a replay of an event already received.")


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[EventIn] = Field(min_length=1, max_length=MAX_BATCH)


class BatchRead(BaseModel):
    created: int
    replayed: int
    duplicates: int
    events: list[IntakeRead]
