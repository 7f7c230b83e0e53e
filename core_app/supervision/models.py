"""A supervision record: a reminder, 催办 or 督办 on an event, case or warning. It never changes state."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, str_enum


class SupervisionTarget(enum.StrEnum):
    EVENT = "event"
    ASSIGNMENT = "assignment"
    CASE = "case"
    WARNING = "warning"


class SupervisionKind(enum.StrEnum):
    REMIND = "remind"
    URGE = "urge"
    SUPERVISE = "supervise"


class SupervisionStatus(enum.StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    CLOSED = "closed"
    OVERDUE = "overdue"


class Supervision(IdMixin, Base):
    __tablename__ = "supervisions"
    __table_args__ = (Index(None, "target_type", "target_id"), Index(None, "department_id", "issued_at"))

    target_type: Mapped[SupervisionTarget] = mapped_column(str_enum(SupervisionTarget))
    target_id: Mapped[int]
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[SupervisionKind] = mapped_column(str_enum(SupervisionKind))
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: system
    issued_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    respond_by: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    responded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    response: Mapped[str | None] = mapped_column(Text)
    status: Mapped[SupervisionStatus] = mapped_column(
        str_enum(SupervisionStatus), default=SupervisionStatus.OPEN
    )
    # The SLA step that raised it (e.g. "sign:2"), so a restarted scheduler never issues it twice.
    source_key: Mapped[str | None] = mapped_column(String(64), unique=True)
