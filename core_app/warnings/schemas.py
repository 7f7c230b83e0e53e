"""Schemas of warning rules: recipients and channels are validated lists, stored comma-separated."""

import enum
from typing import Any

from pydantic import Field, field_validator

from core_app.admin.org_schemas import WriteModel
from core_app.api.schemas import RecordRead
from core_app.warnings.models import RuleType, ThresholdUnit

MIN_REMINDERS = 2  # S1 §3.2.2.5: the handler is reminded 不少于两次

# A zero threshold means something only for these: overdue at due_at, a special step over the P90 of its
# matter and step type (core_app.warnings.monitor).
ZERO_THRESHOLD_TYPES = frozenset({RuleType.OVERDUE, RuleType.SPECIAL_STEP_DURATION})
ZERO_HELP = "Must be > 0, except 0 for overdue (at due_at) and special_step_duration (the P90 of the matter)."


class Recipient(enum.StrEnum):
    HANDLER = "handler"
    DEPT_ADMIN = "dept_admin"
    HALL_MANAGER = "hall_manager"
    SUPERVISOR = "supervisor"


class WarningChannel(enum.StrEnum):
    DING = "ding"
    SMS = "sms"
    IN_APP = "in_app"


# The units a threshold of each rule type can be measured in.
UNITS: dict[RuleType, frozenset[ThresholdUnit]] = {
    RuleType.RECEIPT_RESPONSE: frozenset({ThresholdUnit.WORKING_MINUTES, ThresholdUnit.MINUTES}),
    RuleType.ACCEPTANCE_RESPONSE: frozenset({ThresholdUnit.WORKING_MINUTES, ThresholdUnit.MINUTES}),
    RuleType.NEAR_DUE: frozenset({ThresholdUnit.RATIO, ThresholdUnit.WORKING_MINUTES, ThresholdUnit.MINUTES}),
    RuleType.OVERDUE: frozenset({ThresholdUnit.WORKING_MINUTES, ThresholdUnit.MINUTES}),
    RuleType.SPECIAL_STEP_DURATION: frozenset({ThresholdUnit.WORKING_MINUTES, ThresholdUnit.MINUTES}),
    RuleType.ABNORMAL_COUNT: frozenset({ThresholdUnit.COUNT, ThresholdUnit.RATIO}),
    RuleType.BAD_REVIEW: frozenset({ThresholdUnit.COUNT, ThresholdUnit.RATIO}),
    RuleType.SIGN_SLA: frozenset({ThresholdUnit.MINUTES, ThresholdUnit.WORKING_MINUTES}),
    RuleType.HANDLE_SLA: frozenset({ThresholdUnit.MINUTES, ThresholdUnit.WORKING_MINUTES}),
}


def _at_least_two(value: int | None) -> int | None:
    if value is not None and value < MIN_REMINDERS:
        raise ValueError(f"S1 requires at least {MIN_REMINDERS} reminders (不少于两次), got {value}")
    return value


class WarningRuleCreate(WriteModel):
    name: str = Field(min_length=1, max_length=100)
    rule_type: RuleType
    department_id: int | None = None
    matter_id: int | None = None
    hall_id: int | None = None
    threshold: float = Field(ge=0, description=ZERO_HELP)
    unit: ThresholdUnit
    period: str | None = Field(default=None, max_length=16)
    near_due_ratio: float = Field(default=0.8, gt=0, le=1)
    reminder_count: int = Field(default=MIN_REMINDERS, le=20)
    reminder_interval_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    recipients: list[Recipient] = Field(default_factory=lambda: [Recipient.HANDLER], min_length=1)
    channels: list[WarningChannel] = Field(default_factory=lambda: [WarningChannel.DING], min_length=1)
    enabled: bool = True

    _reminders = field_validator("reminder_count")(_at_least_two)


class WarningRuleUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    rule_type: RuleType | None = None
    department_id: int | None = None
    matter_id: int | None = None
    hall_id: int | None = None
    threshold: float | None = Field(default=None, ge=0, description=ZERO_HELP)
    unit: ThresholdUnit | None = None
    period: str | None = Field(default=None, max_length=16)
    near_due_ratio: float | None = Field(default=None, gt=0, le=1)
    reminder_count: int | None = Field(default=None, le=20)
    reminder_interval_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    recipients: list[Recipient] | None = Field(default=None, min_length=1)
    channels: list[WarningChannel] | None = Field(default=None, min_length=1)
    enabled: bool | None = None

    _reminders = field_validator("reminder_count")(_at_least_two)


class WarningRuleRead(RecordRead):
    name: str
    rule_type: RuleType
    department_id: int | None
    matter_id: int | None
    hall_id: int | None
    threshold: float
    unit: ThresholdUnit
    period: str | None
    near_due_ratio: float
    reminder_count: int
    reminder_interval_minutes: int
    recipients: list[Recipient]
    channels: list[WarningChannel]
    enabled: bool

    @field_validator("recipients", "channels", mode="before")
    @classmethod
    def _stored_lists(cls, value: Any) -> list[str]:
        return [part for part in value.split(",") if part] if isinstance(value, str) else list(value)
