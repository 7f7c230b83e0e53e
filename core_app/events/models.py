"""Event categories and events, with one timestamp per status change."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum


class EventSource(enum.StrEnum):
    HOTLINE_12345 = "hotline_12345"
    GRID = "grid"
    EPIDEMIC = "epidemic"
    CYBER_SECURITY = "cyber_security"
    LIVELIHOOD = "livelihood"
    GOV_ONLINE = "gov_online"
    CITY_12345 = "city_12345"
    CITY_CROSS_BORDER_TRUCK = "city_cross_border_truck"
    CITY_LIVELIHOOD = "city_livelihood"
    CITY_GRID = "city_grid"
    MOBILE = "mobile"


class ReporterType(enum.StrEnum):
    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"
    GRID_WORKER = "grid_worker"
    STAFF = "staff"
    ANONYMOUS = "anonymous"


class Complexity(enum.StrEnum):
    SIMPLE = "simple"
    COMPLEX = "complex"


class Polarity(enum.StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Priority(enum.StrEnum):
    P1 = "p1"
    P2 = "p2"
    P3 = "p3"
    P4 = "p4"


class EventStatus(enum.StrEnum):
    RECEIVED = "received"
    INVALID = "invalid"
    PENDING_DISPATCH = "pending_dispatch"
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    IN_PROGRESS = "in_progress"
    HANDLED = "handled"
    CLOSED = "closed"
    IN_ARBITRATION = "in_arbitration"


class Satisfaction(enum.StrEnum):
    SATISFIED = "satisfied"
    BASICALLY = "basically"
    DISSATISFIED = "dissatisfied"


class EventCategory(IdMixin, TimestampMixin, Base):
    """A node of the three-level event category tree."""

    __tablename__ = "event_categories"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("event_categories.id"), index=True)
    level: Mapped[int] = mapped_column(default=1)
    default_complexity: Mapped[Complexity] = mapped_column(str_enum(Complexity), default=Complexity.SIMPLE)
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    sensitive: Mapped[bool] = mapped_column(default=False)


class Event(IdMixin, TimestampMixin, Base):
    """诉求: one report to be dispatched to the unit that handles it."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index(None, "category_id", "reported_at"),
        Index(None, "region_id", "reported_at"),
        Index(None, "street_id", "reported_at"),
        Index(None, "department_id", "reported_at"),
        Index(None, "status", "priority"),
        Index(None, "reporter_phone", "reported_at"),
        CheckConstraint("emotion_score IS NULL OR emotion_score BETWEEN -1 AND 1", name="emotion_range"),
    )

    event_no: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[EventSource] = mapped_column(str_enum(EventSource))
    external_id: Mapped[str] = mapped_column(String(64))
    upstream_no: Mapped[str | None] = mapped_column(String(64))
    reporter_type: Mapped[ReporterType] = mapped_column(str_enum(ReporterType))
    reporter_name: Mapped[str | None] = mapped_column(String(32))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    reporter_id_card: Mapped[str | None] = mapped_column(String(18))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    street_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("event_categories.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    complexity: Mapped[Complexity] = mapped_column(str_enum(Complexity), default=Complexity.SIMPLE)
    emotion_polarity: Mapped[Polarity | None] = mapped_column(str_enum(Polarity))
    emotion_score: Mapped[float | None]
    urgency: Mapped[bool] = mapped_column(default=False)
    importance: Mapped[bool] = mapped_column(default=False)
    risk_tags: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[Priority] = mapped_column(str_enum(Priority), default=Priority.P4)
    is_difficult: Mapped[bool] = mapped_column(default=False)
    return_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus), default=EventStatus.RECEIVED)
    reported_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    upstream_reported_at: Mapped[datetime | None]
    satisfaction: Mapped[Satisfaction | None] = mapped_column(str_enum(Satisfaction))
