"""Bodies of the SLA policy and event source policy endpoints (configuration as data)."""

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from core_app.admin.org_schemas import WriteModel
from core_app.events.models import Complexity, EventSource, SlaClock
from core_app.sla.service import InvalidSlaPolicy, check_ratios

MAX_MINUTES = 365 * 24 * 60


class SlaPolicyWrite(WriteModel):
    """One row of limits; a null category_id is the district default for that complexity."""

    category_id: int | None = Field(default=None, ge=1)
    complexity: Complexity
    sign_minutes: int = Field(default=15, gt=0, le=MAX_MINUTES)
    handle_minutes: int = Field(default=30, gt=0, le=MAX_MINUTES)
    handle_working_days: int | None = Field(
        default=None, gt=0, le=365, description="Count the handling limit in working days instead."
    )
    clock: SlaClock = SlaClock.NATURAL
    reminder_ratios: list[float] = Field(
        default_factory=lambda: [0.5, 0.8],
        description="Fractions of the limit at which reminders go out: at least two, each in (0, 1).",
    )
    supervise_ratio: float = Field(
        default=1.5, gt=1, le=100, description="督办 at this multiple of the limit."
    )

    @field_validator("reminder_ratios")
    @classmethod
    def _two_reminders_at_least(cls, ratios: list[float]) -> list[float]:
        try:
            check_ratios(ratios)
        except InvalidSlaPolicy as exc:
            raise ValueError(exc.reason) from None
        return sorted(set(ratios))


class SlaPolicyRead(BaseModel):
    id: int
    category_id: int | None
    complexity: Complexity
    sign_minutes: int
    handle_minutes: int
    handle_working_days: int | None
    clock: SlaClock
    reminder_ratios: list[float]
    supervise_ratio: float
    updated_at: datetime


class SourcePolicyWrite(WriteModel):
    auto_dispatch: bool = Field(description="Whether the model may dispatch events of this source alone.")
    min_confidence: float = Field(ge=0, le=1, description="Least top-1 probability for auto-dispatch.")
    min_margin: float = Field(ge=0, le=1, description="Least gap between the top two departments.")
    dedup_window_hours: int = Field(ge=0, le=24 * 90, description="Look-back window for likely duplicates.")


class SourcePolicyRead(BaseModel):
    source: EventSource
    configured: bool = Field(description="False: no row yet, these are the built-in defaults.")
    auto_dispatch: bool
    min_confidence: float
    min_margin: float
    dedup_window_hours: int
    updated_at: datetime | None
