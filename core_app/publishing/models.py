"""Publications with a draft -> published -> withdrawn workflow and scheduled publishing."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum


class PublicationKind(enum.StrEnum):
    NOTICE = "notice"
    POLICY = "policy"
    GUIDE = "guide"
    LED_BANNER = "led_banner"


class PublicationStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Publication(IdMixin, TimestampMixin, Base):
    __tablename__ = "publications"
    __table_args__ = (Index(None, "status", "publish_at"),)

    kind: Mapped[PublicationKind] = mapped_column(str_enum(PublicationKind))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    targets: Mapped[str] = mapped_column(String(200), default="")  # cockpit, led, hall_screen, personal_space
    channels: Mapped[str] = mapped_column(String(200), default="")  # in_app, sms, app_push
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"))
    status: Mapped[PublicationStatus] = mapped_column(
        str_enum(PublicationStatus), default=PublicationStatus.DRAFT
    )
    publish_at: Mapped[datetime | None]
    expire_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
