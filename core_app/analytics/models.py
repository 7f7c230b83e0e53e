"""The analytics mart: one fact row per case with its working-time figures, and catalogue snapshots.

``case_facts`` is derived from ``cases`` (plus matters, regions and the hall calendar) by
``core_app.analytics.facts.refresh_case_facts``; it is never edited by hand. Working-time durations
need the calendar, which SQL cannot read portably, so they are computed once per case, vectorised, and
stored here; every indicator is then plain SQL arithmetic and aggregation on this one table.
"""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, or_
from sqlalchemy.orm import Mapped, mapped_column

from core_app.cases.models import ApplicantType, CaseResult, CaseStatus, Channel, SourceSystem
from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum
from core_app.matters.models import LimitUnit, MatterStatus, MatterType


class CaseFact(Base):
    """A case as the indicators see it: its keys, its stamps and its working-time durations."""

    __tablename__ = "case_facts"
    __table_args__ = (
        Index(None, "submitted_at"),
        Index(None, "received_at"),
        Index(None, "accepted_at"),
        Index(None, "completed_at"),
        Index(None, "due_at"),
        Index(None, "ended_at"),
        Index(None, "returned_at"),
        Index(None, "rejected_at"),
        Index(None, "voided_at"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(index=True)
    matter_id: Mapped[int] = mapped_column(index=True)
    matter_type: Mapped[MatterType] = mapped_column(str_enum(MatterType))
    bundle_id: Mapped[int | None]
    hall_id: Mapped[int | None]
    window_id: Mapped[int | None]
    region_id: Mapped[int | None]  # the intake region as recorded
    town_id: Mapped[int | None]  # that region rolled up to its town (镇/街道)
    village_id: Mapped[int | None]  # ... and to its village (村/社区), if it lies below a town
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    source_system: Mapped[SourceSystem] = mapped_column(str_enum(SourceSystem))
    intake_source: Mapped[str] = mapped_column(String(16))  # window_v2, window_v1, self_service, ...
    applicant_type: Mapped[ApplicantType] = mapped_column(str_enum(ApplicantType))
    citizen_id: Mapped[int | None]
    enterprise_id: Mapped[int | None]
    handler_staff_id: Mapped[int | None] = mapped_column(index=True)
    receiver_staff_id: Mapped[int | None]
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus))
    result: Mapped[CaseResult | None] = mapped_column(str_enum(CaseResult))
    is_immediate: Mapped[bool]
    is_commitment: Mapped[bool]
    is_gap_tolerant: Mapped[bool]
    legal_limit_days: Mapped[int | None]
    promised_limit_days: Mapped[int]
    submitted_at: Mapped[datetime]
    received_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]  # completed, rejected or voided
    due_at: Mapped[datetime | None]
    due_day_start: Mapped[datetime | None]  # local midnight of the due day
    special_minutes: Mapped[int]
    receipt_minutes: Mapped[int | None]  # wm(submitted_at, received_at)
    acceptance_minutes: Mapped[int | None]  # wm(received_at, accepted_at or rejected_at)
    elapsed_days: Mapped[float | None]  # A = wd(accepted_at, completed_at) - special_minutes / D
    is_no_rest: Mapped[bool]  # accepted outside working time (无休办公件)
    ticket_count: Mapped[int] = mapped_column(default=0)  # queue tickets linked to the case (visits)
    refreshed_at: Mapped[datetime]


# The cases that can ever be open past their deadline: ended late, or not ended. Overdue-open counts read
# only these (a partial index on the deadline), not the whole mart.
LATE_OR_OPEN = or_(CaseFact.ended_at.is_(None), CaseFact.ended_at > CaseFact.due_at)
Index("ix_case_facts_late_due_at", CaseFact.due_at, postgresql_where=LATE_OR_OPEN, sqlite_where=LATE_OR_OPEN)


class AnalyticsState(Base):
    """Where an incremental refresh stopped, and the calendar it computed working time on."""

    __tablename__ = "analytics_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    watermark: Mapped[datetime | None]
    calendar_fingerprint: Mapped[str | None] = mapped_column(String(64))
    refreshed_at: Mapped[datetime | None]
    rows: Mapped[int] = mapped_column(default=0)


class MatterSnapshot(IdMixin, TimestampMixin, Base):
    """A dated copy of one matter's catalogue attributes (事项快照), for 较前次 in the matter analysis."""

    __tablename__ = "matter_snapshots"
    __table_args__ = (UniqueConstraint("taken_on", "matter_id"), Index(None, "matter_id", "taken_on"))

    taken_on: Mapped[date] = mapped_column(index=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"))
    department_id: Mapped[int]
    matter_type: Mapped[MatterType] = mapped_column(str_enum(MatterType))
    status: Mapped[MatterStatus] = mapped_column(str_enum(MatterStatus))
    is_power_matter: Mapped[bool]
    legal_limit_days: Mapped[int | None]
    promised_limit_days: Mapped[int]
    limit_unit: Mapped[LimitUnit] = mapped_column(str_enum(LimitUnit))
    is_immediate: Mapped[bool]
    max_visits: Mapped[int]
    online_capable: Mapped[bool]
    mobile_capable: Mapped[bool]
    in_hall: Mapped[bool]
    hall_exempt: Mapped[bool]
    attributes: Mapped[dict | None] = mapped_column(JSON)  # anything else worth keeping
