"""A stored dispatch recommendation: the probability table the model gave for an event, and which model."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, utcnow


class DispatchRecommendation(IdMixin, Base):
    __tablename__ = "dispatch_recommendations"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    model_name: Mapped[str] = mapped_column(String(100))
    model_version: Mapped[str] = mapped_column(String(32))
    # [{department_code, department_id, department_name, probability}], most probable first.
    table: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    top1_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    top1_probability: Mapped[float]
    abstain: Mapped[bool]
    threshold: Mapped[float]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The decision taken on it: the model alone (auto), a dispatcher agreeing (accepted) or choosing
    # another department (overridden, with a reason). The final department is a training label.
    decision: Mapped[str | None] = mapped_column(String(16))
    final_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    override_reason: Mapped[str | None] = mapped_column(Text)
