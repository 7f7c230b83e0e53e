"""Warning rules: thresholds per department, matter or hall, with reminders and recipients (DOMAIN §6.2)."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum


class RuleType(enum.StrEnum):
    RECEIPT_RESPONSE = "receipt_response"
    ACCEPTANCE_RESPONSE = "acceptance_response"
    NEAR_DUE = "near_due"
    OVERDUE = "overdue"
    SPECIAL_STEP_DURATION = "special_step_duration"
    ABNORMAL_COUNT = "abnormal_count"
    BAD_REVIEW = "bad_review"
    SIGN_SLA = "sign_sla"
    HANDLE_SLA = "handle_sla"


class ThresholdUnit(enum.StrEnum):
    WORKING_MINUTES = "working_minutes"
    MINUTES = "minutes"
    COUNT = "count"
    RATIO = "ratio"


class WarningRule(IdMixin, TimestampMixin, Base):
    __tablename__ = "warning_rules"
    __table_args__ = (
        # S1 §3.2.2.5: the handler is reminded "不少于两次".
        CheckConstraint("reminder_count >= 2", name="at_least_two_reminders"),
        CheckConstraint("near_due_ratio > 0 AND near_due_ratio <= 1", name="near_due_ratio_range"),
    )

    name: Mapped[str] = mapped_column(String(100))
    rule_type: Mapped[RuleType] = mapped_column(str_enum(RuleType), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"))
    threshold: Mapped[float]
    unit: Mapped[ThresholdUnit] = mapped_column(str_enum(ThresholdUnit))
    period: Mapped[str | None] = mapped_column(String(16))
    near_due_ratio: Mapped[float] = mapped_column(default=0.8)
    reminder_count: Mapped[int] = mapped_column(default=2)
    reminder_interval_minutes: Mapped[int] = mapped_column(default=60)
    recipients: Mapped[str] = mapped_column(String(200), default="handler")
    channels: Mapped[str] = mapped_column(String(100), default="ding")
    enabled: Mapped[bool] = mapped_column(default=True)


class WarningLevel(enum.StrEnum):
    YELLOW = "yellow"
    RED = "red"


class WarningStatus(enum.StrEnum):
    OPEN = "open"
    NOTIFIED = "notified"
    DISPOSED = "disposed"
    CLOSED = "closed"


class WarningTarget(enum.StrEnum):
    CASE = "case"
    CASE_STEP = "case_step"
    DEPARTMENT = "department"
    MATTER = "matter"
    REVIEW = "review"


class Warning(IdMixin, TimestampMixin, Base):
    """预警: one rule breached by one target (a case, a step, a department's period count...)."""

    __tablename__ = "warnings"
    __table_args__ = (
        # One warning per rule, target and period: a rescan finds it again instead of adding another.
        UniqueConstraint("rule_id", "target_type", "target_id", "period_key"),
        Index(None, "status", "next_reminder_at"),
        Index(None, "department_id", "triggered_at"),
    )

    rule_id: Mapped[int] = mapped_column(ForeignKey("warning_rules.id", ondelete="CASCADE"), index=True)
    rule_type: Mapped[RuleType] = mapped_column(str_enum(RuleType))
    target_type: Mapped[WarningTarget] = mapped_column(str_enum(WarningTarget))
    target_id: Mapped[int]
    period_key: Mapped[str] = mapped_column(String(16), default="")  # e.g. "2026-10" for period counts
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    level: Mapped[WarningLevel] = mapped_column(str_enum(WarningLevel))
    value: Mapped[float]
    threshold: Mapped[float]
    triggered_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[WarningStatus] = mapped_column(str_enum(WarningStatus), default=WarningStatus.OPEN)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[datetime | None]
    next_reminder_at: Mapped[datetime | None]
    dispose_due_at: Mapped[datetime | None] = mapped_column(index=True)
    disposed_at: Mapped[datetime | None]
    disposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disposal_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
