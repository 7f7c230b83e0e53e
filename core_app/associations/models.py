"""Matter associations (事项关联): how often one matter follows another for the same applicant.

Built by ``core_app.associations.service`` through ``features.association``; mined 一件事 candidates
are ``MatterBundle`` rows with origin ``mined`` and status ``candidate`` carrying their evidence.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base


class MatterAssociation(Base):
    """The rule antecedent -> consequent within ``window_days`` for the same applicant, with its evidence."""

    __tablename__ = "matter_associations"
    __table_args__ = (Index(None, "consequent_matter_id"), Index(None, "lift"))

    antecedent_matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), primary_key=True)
    consequent_matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), primary_key=True)
    window_days: Mapped[int]
    antecedent_subjects: Mapped[int]  # applicants who did A
    consequent_subjects: Mapped[int]  # applicants who did B
    pair_subjects: Mapped[int]  # applicants who did A and B within the window
    support: Mapped[float]  # pair_subjects / all applicants
    confidence: Mapped[float]  # pair_subjects / antecedent_subjects
    lift: Mapped[float]  # confidence / (consequent_subjects / all applicants)
    a_before_b_share: Mapped[float]  # of the pairs, the share where A was submitted first
    median_gap_days: Mapped[float]  # median days from A to B where A came first
    result_use_share: Mapped[float]  # of A-first pairs, the share where B followed A's granted completion
    computed_at: Mapped[datetime]
