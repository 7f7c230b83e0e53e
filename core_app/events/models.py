"""Event categories and events, with one timestamp per status change, and the records of the closed loop:
assignments (派单), the action history, feedback, citizen follow-up, extension requests, source policies."""

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum, utcnow


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


class Severity(enum.StrEnum):
    """How grave a category's events are by nature; one input of the priority (DOMAIN §7.2)."""

    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


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
    severity: Mapped[Severity] = mapped_column(str_enum(Severity), default=Severity.NORMAL)


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
    # why the priority is what it is: [{"code": "urgent_word", "detail": "燃气"}, ...]
    priority_reasons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
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
    # Optimistic locking: every state change bumps it, so two concurrent actions cannot both win.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    is_disputed: Mapped[bool] = mapped_column(default=False, server_default=false())
    suspended_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": version}


class ReturnReason(enum.StrEnum):
    """Why a department sends an event back (退单)."""

    NOT_OUR_REMIT = "not_our_remit"
    WRONG_AREA = "wrong_area"
    UNCLEAR_OWNERSHIP = "unclear_ownership"
    MISSING_INFORMATION = "missing_information"


class AssignmentRole(enum.StrEnum):
    LEAD = "lead"
    ASSIST = "assist"


class DispatchMode(enum.StrEnum):
    MANUAL = "manual"
    AUTO = "auto"
    ARBITRATION = "arbitration"
    UPSTREAM = "upstream"


class AssignmentStatus(enum.StrEnum):
    PENDING_SIGN = "pending_sign"
    SIGNED = "signed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    RETURNED = "returned"
    CANCELLED = "cancelled"


OPEN_ASSIGNMENT_STATUSES = (
    AssignmentStatus.PENDING_SIGN,
    AssignmentStatus.SIGNED,
    AssignmentStatus.IN_PROGRESS,
)


class Assignment(IdMixin, Base):
    """派单: one department's part in an event, with its own SLA deadlines."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index(None, "department_id", "dispatched_at"),
        Index(None, "event_id", "status"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    parent_assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    role: Mapped[AssignmentRole] = mapped_column(str_enum(AssignmentRole), default=AssignmentRole.LEAD)
    mode: Mapped[DispatchMode] = mapped_column(str_enum(DispatchMode), default=DispatchMode.MANUAL)
    status: Mapped[AssignmentStatus] = mapped_column(
        str_enum(AssignmentStatus), default=AssignmentStatus.PENDING_SIGN
    )
    dispatched_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dispatched_at: Mapped[datetime]
    sign_due_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handle_due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    return_reason: Mapped[ReturnReason | None] = mapped_column(str_enum(ReturnReason))
    return_note: Mapped[str | None] = mapped_column(Text)
    returned_at: Mapped[datetime | None]
    extension_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    suspended_minutes: Mapped[int] = mapped_column(default=0, server_default="0")


class EventAction(IdMixin, Base):
    """One step of an event's history: who did what, from which state to which, and why."""

    __tablename__ = "event_actions"
    __table_args__ = (Index(None, "event_id", "created_at"), Index(None, "action", "created_at"))

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100))  # username, API key source, or "system"
    reason_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackResult(enum.StrEnum):
    RESOLVED = "resolved"
    PARTLY_RESOLVED = "partly_resolved"
    EXPLAINED = "explained"
    UNRESOLVABLE = "unresolvable"


class ReviewState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Feedback(IdMixin, Base):
    """反馈: the handling department's result, reviewed by the dispatcher."""

    __tablename__ = "event_feedback"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="SET NULL"))
    result: Mapped[FeedbackResult] = mapped_column(str_enum(FeedbackResult))
    content: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime]
    review: Mapped[ReviewState] = mapped_column(str_enum(ReviewState), default=ReviewState.PENDING)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)


class Callback(IdMixin, Base):
    """回访: the citizen's follow-up after closing, with satisfaction."""

    __tablename__ = "event_callbacks"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    satisfaction: Mapped[Satisfaction] = mapped_column(str_enum(Satisfaction))
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ExtensionRequest(IdMixin, Base):
    """延期申请: a department asks for more time on its assignment; a dispatcher decides."""

    __tablename__ = "extension_requests"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    minutes: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime]
    status: Mapped[ReviewState] = mapped_column(str_enum(ReviewState), default=ReviewState.PENDING)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]


class SlaClock(enum.StrEnum):
    NATURAL = "natural"
    WORKING = "working"


class EventSourcePolicy(IdMixin, TimestampMixin, Base):
    """Per intake source: whether and above which confidence the model dispatches alone, and dedup."""

    __tablename__ = "event_source_policies"

    source: Mapped[EventSource] = mapped_column(str_enum(EventSource), unique=True)
    auto_dispatch: Mapped[bool] = mapped_column(default=True)
    min_confidence: Mapped[float] = mapped_column(default=0.85)
    min_margin: Mapped[float] = mapped_column(default=0.20)
    dedup_window_hours: Mapped[int] = mapped_column(default=24)
