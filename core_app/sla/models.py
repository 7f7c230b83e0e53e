"""SLA policies (how long each step may take) and the stored timers that watch each deadline."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum
from core_app.events.models import Complexity, SlaClock


class SlaPolicy(IdMixin, TimestampMixin, Base):
    """Limits for one category and complexity; the row without a category is the district default."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("category_id", "complexity"),)

    category_id: Mapped[int | None] = mapped_column(ForeignKey("event_categories.id"))
    complexity: Mapped[Complexity] = mapped_column(str_enum(Complexity))
    sign_minutes: Mapped[int] = mapped_column(default=15)
    handle_minutes: Mapped[int] = mapped_column(default=30)
    # A category may instead count its handling limit in working days (chinese-calendar + opening hours).
    handle_working_days: Mapped[int | None]
    clock: Mapped[SlaClock] = mapped_column(str_enum(SlaClock), default=SlaClock.NATURAL)
    # Fractions of the limit at which reminders go out; 催办 at 1.0; 督办 at supervise_ratio.
    reminder_ratios: Mapped[str] = mapped_column(String(64), default="0.5,0.8")
    supervise_ratio: Mapped[float] = mapped_column(default=1.5)


class TimerKind(enum.StrEnum):
    SIGN = "sign"
    HANDLE = "handle"


class TimerStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    MET = "met"
    CANCELLED = "cancelled"


class SlaTimer(IdMixin, Base):
    """A deadline being watched. Stored, so that a restart loses nothing: the scheduler reads next_fire_at."""

    __tablename__ = "sla_timers"
    __table_args__ = (Index(None, "status", "next_fire_at"), Index(None, "assignment_id", "kind"))

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    kind: Mapped[TimerKind] = mapped_column(str_enum(TimerKind))
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    # The escalation steps as instants: reminders..., urge (= due_at), supervise; `stage` counts those done.
    schedule: Mapped[str] = mapped_column(String(400))
    stage: Mapped[int] = mapped_column(default=0)
    next_fire_at: Mapped[datetime | None]
    status: Mapped[TimerStatus] = mapped_column(str_enum(TimerStatus), default=TimerStatus.ACTIVE)
    paused_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
