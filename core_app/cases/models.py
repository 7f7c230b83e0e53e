"""Cases with one timestamp per step, approval steps, queue tickets, reviews, appeals, rectifications."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum


class CaseStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    IN_APPROVAL = "in_approval"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    REJECTED = "rejected"
    RETURNED = "returned"
    VOIDED = "voided"


class Channel(enum.StrEnum):
    WINDOW = "window"
    PC_WEB = "pc_web"
    SELF_SERVICE = "self_service"
    MOBILE_APP = "mobile_app"


class SourceSystem(enum.StrEnum):
    V2 = "v2"
    V1 = "v1"


class ApplicantType(enum.StrEnum):
    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"


class CaseResult(enum.StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


class StepType(enum.StrEnum):
    REVIEW = "review"
    AUDIT = "audit"
    DECIDE = "decide"
    SUSPEND = "suspend"
    SITE_SURVEY = "site_survey"
    EXPERT_REVIEW = "expert_review"
    HEARING = "hearing"
    PUBLIC_NOTICE = "public_notice"
    CORRECTION = "correction"
    SEND_BACK = "send_back"


SPECIAL_STEP_TYPES = frozenset(
    {StepType.SUSPEND, StepType.SITE_SURVEY, StepType.EXPERT_REVIEW, StepType.HEARING, StepType.PUBLIC_NOTICE}
)


class TicketStatus(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    SERVED = "served"
    MISSED = "missed"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"


class ReviewRound(enum.StrEnum):
    FIRST = "first"
    SECOND = "second"


class AppealDecision(enum.StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"


class Case(IdMixin, TimestampMixin, Base):
    """办件: one application for one matter, from submission to its end."""

    __tablename__ = "cases"
    __table_args__ = (
        Index(None, "department_id", "accepted_at"),
        Index(None, "matter_id", "accepted_at"),
        Index(None, "handler_staff_id", "completed_at"),
        Index(None, "intake_region_id", "received_at"),
        Index(None, "channel", "accepted_at"),
        Index(None, "status", "due_at"),
        Index(None, "window_id", "received_at"),
        Index(None, "updated_at"),  # the analytics mart refreshes the cases changed since its watermark
        CheckConstraint(
            "(applicant_type = 'citizen' AND citizen_id IS NOT NULL) OR "
            "(applicant_type = 'enterprise' AND enterprise_id IS NOT NULL)",
            name="applicant_present",
        ),
    )

    case_no: Mapped[str] = mapped_column(String(40), unique=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"))
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("matter_bundles.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"), index=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    intake_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    source_system: Mapped[SourceSystem] = mapped_column(str_enum(SourceSystem), default=SourceSystem.V2)
    applicant_type: Mapped[ApplicantType] = mapped_column(str_enum(ApplicantType))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    receiver_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    handler_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus))
    is_commitment: Mapped[bool] = mapped_column(default=False)
    is_gap_tolerant: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime | None] = mapped_column(index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(index=True)
    rejected_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    due_at: Mapped[datetime | None]
    legal_due_at: Mapped[datetime | None]
    special_minutes: Mapped[int] = mapped_column(default=0)
    result: Mapped[CaseResult | None] = mapped_column(str_enum(CaseResult))
    visit_count: Mapped[int] = mapped_column(default=1)
    is_no_rest: Mapped[bool] = mapped_column(default=False)

    steps: Mapped[list["CaseStep"]] = relationship(order_by="CaseStep.started_at", lazy="selectin")


class CaseStep(IdMixin, TimestampMixin, Base):
    """One approval step; special steps (suspension, site survey...) stop the clock."""

    __tablename__ = "case_steps"
    __table_args__ = (Index(None, "step_type", "started_at"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    step_type: Mapped[StepType] = mapped_column(str_enum(StepType))
    is_special: Mapped[bool] = mapped_column(default=False)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)


class Consultation(IdMixin, TimestampMixin, Base):
    """咨询: a question asked about a matter, before any application."""

    __tablename__ = "consultations"

    subject: Mapped[str] = mapped_column(String(200))
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    asked_at: Mapped[datetime] = mapped_column(index=True)


class QueueTicket(IdMixin, TimestampMixin, Base):
    """A number taken at a queue machine, called to a window and served."""

    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("hall_id", "taken_on", "ticket_no"),
        Index(None, "hall_id", "taken_at"),
        Index(None, "window_id", "taken_at"),
        Index(None, "staff_id", "taken_at"),
        Index(None, "updated_at"),  # a ticket linked to a case refreshes that case's row of the mart
    )

    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    ticket_no: Mapped[str] = mapped_column(String(16))
    taken_on: Mapped[date]
    queue_group: Mapped[str] = mapped_column(String(32))
    is_booking: Mapped[bool] = mapped_column(default=False)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    taken_at: Mapped[datetime]
    called_at: Mapped[datetime | None]
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    service_started_at: Mapped[datetime | None]
    service_ended_at: Mapped[datetime | None]
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)


class Review(IdMixin, TimestampMixin, Base):
    """好差评: a 1-5 rating of a case; second round after a rectification."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("case_id", "round"),
        Index(None, "department_id", "reviewed_at"),
        Index(None, "staff_id", "reviewed_at"),
        Index(None, "matter_id", "reviewed_at"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    level: Mapped[int]
    is_good: Mapped[bool]
    round: Mapped[ReviewRound] = mapped_column(str_enum(ReviewRound), default=ReviewRound.FIRST)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_valid: Mapped[bool] = mapped_column(default=True)
    comment: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime] = mapped_column(index=True)


class ReviewAppeal(IdMixin, TimestampMixin, Base):
    """申诉 against a bad review; an upheld appeal invalidates the review."""

    __tablename__ = "review_appeals"

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    decision: Mapped[AppealDecision] = mapped_column(str_enum(AppealDecision), default=AppealDecision.PENDING)
    decided_at: Mapped[datetime | None]


class Rectification(IdMixin, TimestampMixin, Base):
    """整改 after a bad review, with its deadline and the callback to the citizen."""

    __tablename__ = "rectifications"

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    deadline_at: Mapped[datetime] = mapped_column(index=True)
    measure: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    callback_at: Mapped[datetime | None]
    callback_result: Mapped[str | None] = mapped_column(String(32))
