"""Portraits (画像): features, tags and a score per enterprise, citizen, staff member and window.

Built by ``core_app.portraits.service`` from the records through ``features.portraits``; never edited
by hand. Tags also get their own rows so that "every enterprise tagged prefers_mobile" is an index
lookup on either database.
"""

import enum
from datetime import datetime

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, str_enum


class SubjectType(enum.StrEnum):
    ENTERPRISE = "enterprise"
    CITIZEN = "citizen"
    STAFF = "staff"
    WINDOW = "window"


class Portrait(IdMixin, Base):
    """One subject's portrait: features (no raw personal data), rule tags and a 0-100 score."""

    __tablename__ = "portraits"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id"),
        Index(None, "subject_type", "score"),
    )

    subject_type: Mapped[SubjectType] = mapped_column(str_enum(SubjectType))
    subject_id: Mapped[int]
    features: Mapped[dict] = mapped_column(JSON)
    tags: Mapped[list] = mapped_column(JSON)
    score: Mapped[float | None]
    as_of: Mapped[datetime]  # the records are complete up to this instant
    computed_at: Mapped[datetime]


class PortraitTag(Base):
    """A tag of a portrait, one row each, for filtering and counting by tag."""

    __tablename__ = "portrait_tags"
    __table_args__ = (Index(None, "subject_type", "tag"),)

    subject_type: Mapped[SubjectType] = mapped_column(str_enum(SubjectType), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(48), primary_key=True)
