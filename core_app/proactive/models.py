"""Proactive service (精准推送): recommended matters pushed to citizens and enterprises, and their choices."""

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum


class PushChannel(enum.StrEnum):
    SMS = "sms"
    APP = "app"  # the personal space in 浙里办 / I盐田; read there, no message leaves the system


class PushStatus(enum.StrEnum):
    GENERATED = "generated"
    SENT = "sent"
    OPENED = "opened"
    CONVERTED = "converted"  # the recommended matter was started within the window
    DISMISSED = "dismissed"
    SUPPRESSED = "suppressed"  # not sent: opted out, over the cap, or below the threshold


class Push(IdMixin, TimestampMixin, Base):
    """One recommended matter offered to one citizen or enterprise, with the reasons shown to them."""

    __tablename__ = "pushes"
    __table_args__ = (
        CheckConstraint("(citizen_id IS NULL) <> (enterprise_id IS NULL)", name="one_subject"),
        Index(None, "citizen_id", "generated_at"),
        Index(None, "enterprise_id", "generated_at"),
        Index(None, "status", "generated_at"),
    )

    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("matter_bundles.id"))
    score: Mapped[float]
    reasons: Mapped[list] = mapped_column(JSON)  # human-readable sentences, most convincing first
    model_version: Mapped[str] = mapped_column(String(64))
    channel: Mapped[PushChannel] = mapped_column(str_enum(PushChannel))
    status: Mapped[PushStatus] = mapped_column(str_enum(PushStatus), default=PushStatus.GENERATED)
    suppressed_reason: Mapped[str | None] = mapped_column(String(32))
    generated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    dismissed_at: Mapped[datetime | None]
    converted_at: Mapped[datetime | None]
    converted_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))


class PushPreference(IdMixin, TimestampMixin, Base):
    """A citizen's or enterprise's own choices about pushes: opt-out, channel and quiet hours."""

    __tablename__ = "push_preferences"
    __table_args__ = (CheckConstraint("(citizen_id IS NULL) <> (enterprise_id IS NULL)", name="one_subject"),)

    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), unique=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), unique=True)
    opted_out: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[PushChannel | None] = mapped_column(str_enum(PushChannel))
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "21:00"; None = the district default
    quiet_end: Mapped[str | None] = mapped_column(String(5))
