"""The emotion lexicon (情绪词库) in versions, and the root words mined from events for an admin to accept.

Exactly one version is active; edits go to a draft that is activated as a whole, so a scoring run always
sees one consistent lexicon and an earlier version can be re-activated.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, str_enum


class LexiconStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


class EntryKind(enum.StrEnum):
    ROOT = "root"
    NEGATION = "negation"
    DEGREE = "degree"


class CandidateStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class LexiconVersion(IdMixin, Base):
    __tablename__ = "emotion_lexicon_versions"

    version: Mapped[int] = mapped_column(unique=True)
    status: Mapped[LexiconStatus] = mapped_column(str_enum(LexiconStatus), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    based_on: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]


class LexiconEntry(IdMixin, Base):
    """One word of a version: a root (polarity, score 1-5, attributes), a negation, or a degree adverb."""

    __tablename__ = "emotion_lexicon_entries"
    __table_args__ = (
        UniqueConstraint("version_id", "kind", "word"),
        CheckConstraint("polarity IS NULL OR polarity IN (-1, 0, 1)", name="polarity_sign"),
    )

    version_id: Mapped[int] = mapped_column(ForeignKey("emotion_lexicon_versions.id", ondelete="CASCADE"))
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind))
    word: Mapped[str] = mapped_column(String(32))
    # roots: -1 negative, 0 none (an urgency/importance word only), 1 positive
    polarity: Mapped[int | None]
    # roots: 1-5; degree adverbs: the multiplier (e.g. 2.0 for 非常, 0.5 for 有点)
    score: Mapped[float | None]
    # roots: comma-separated attributes: urgent, important, and risk tags (e.g. "urgent,fire")
    attrs: Mapped[str] = mapped_column(String(120), default="")


class RootCandidate(IdMixin, Base):
    """A word mined from events (high log-odds in negative or dissatisfied events), waiting for a decision."""

    __tablename__ = "emotion_root_candidates"
    __table_args__ = (Index(None, "status", "log_odds"),)

    word: Mapped[str] = mapped_column(String(32), unique=True)
    log_odds: Mapped[float]
    z_score: Mapped[float]
    negative_count: Mapped[int]
    other_count: Mapped[int]
    status: Mapped[CandidateStatus] = mapped_column(
        str_enum(CandidateStatus), default=CandidateStatus.PENDING
    )
    mined_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    version_id: Mapped[int | None] = mapped_column(ForeignKey("emotion_lexicon_versions.id"))
