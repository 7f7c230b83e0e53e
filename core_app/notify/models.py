"""The outbox: every message to DingTalk, SMS, WeCom, e-mail or the city platform, until delivered."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, str_enum, utcnow


class Channel(enum.StrEnum):
    DING_WORK = "ding_work"  # DingTalk work notice (工作通知)
    DING_ROBOT = "ding_robot"  # DingTalk group robot webhook, signed
    SMS = "sms"
    WECOM = "wecom"  # WeCom / 政务微信
    EMAIL = "email"
    CITY_PLATFORM = "city_platform"  # results reported back upstream, retried until acknowledged
    APP_PUSH = "app_push"  # a notice in the citizen's app (浙里办 / I盐田 message centre)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"  # gave up after max_attempts; visible to admins, can be retried by hand


class OutboxMessage(IdMixin, Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index(None, "status", "next_attempt_at"), Index(None, "channel", "status"))

    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict | None] = mapped_column(JSON)
    # A key per logical message (e.g. "sla:12:sign:1"): enqueuing it twice keeps one row.
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int | None] = mapped_column(default=8)  # None: until acknowledged
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
