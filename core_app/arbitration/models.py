"""Arbitration requests and the duty rulings kept for reuse."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, str_enum


class ArbitrationBody(enum.StrEnum):
    ORG_DEPT = "org_dept"  # 组织部
    ESTABLISHMENT_OFFICE = "establishment_office"  # 编办


class ArbitrationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RULED = "ruled"
    WITHDRAWN = "withdrawn"


class ArbitrationRequest(IdMixin, Base):
    __tablename__ = "arbitration_requests"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    candidate_department_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    body: Mapped[ArbitrationBody] = mapped_column(str_enum(ArbitrationBody))
    status: Mapped[ArbitrationStatus] = mapped_column(
        str_enum(ArbitrationStatus), default=ArbitrationStatus.SUBMITTED, index=True
    )
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assist_department_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    ruling_basis: Mapped[str | None] = mapped_column(Text)
    ruled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ruled_at: Mapped[datetime | None]


class DutyRuling(IdMixin, Base):
    """A ruling kept for reuse: events of this category with these keywords belong to this department."""

    __tablename__ = "duty_rulings"

    category_id: Mapped[int | None] = mapped_column(ForeignKey("event_categories.id"), index=True)
    keywords: Mapped[str] = mapped_column(String(200), default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    arbitration_id: Mapped[int | None] = mapped_column(ForeignKey("arbitration_requests.id"))
    created_at: Mapped[datetime]
