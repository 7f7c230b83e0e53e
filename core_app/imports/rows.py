"""One Pydantic model per import kind: what a valid row looks like before references are resolved."""

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from core_app.cases.models import (
    ApplicantType,
    CaseResult,
    CaseStatus,
    Channel,
    ReviewRound,
    SourceSystem,
    TicketStatus,
)
from core_app.events.models import Complexity, EventSource, EventStatus, Priority, ReporterType, Satisfaction
from core_app.imports import labels
from core_app.imports.values import EnumField, LocalDate, LocalDateTime, TextCell, YesNo, text_reader
from core_app.matters.models import LimitUnit, MatterStatus, MatterType
from core_app.validation.identifiers import check_id_card, check_phone, check_uscc

IdCard = Annotated[str, BeforeValidator(text_reader), AfterValidator(check_id_card)]
Uscc = Annotated[str, BeforeValidator(text_reader), AfterValidator(check_uscc)]
Phone = Annotated[str, BeforeValidator(text_reader), AfterValidator(check_phone)]
NonNegative = Annotated[int, Field(ge=0)]


def _read_level(value: Any) -> Any:
    return labels.REVIEW_LEVEL.get(str(value).strip(), value) if value is not None else None


Level = Annotated[int, BeforeValidator(_read_level), Field(ge=1, le=5)]


def row_error(field: str, message: str, **context: Any) -> PydanticCustomError:
    """A whole-row error blamed on one field (Pydantic cannot locate model-level errors itself)."""
    return PydanticCustomError("row_rule", message, {"field": field, **context})


def check_order(row: BaseModel, fields: tuple[str, ...]) -> None:
    """Require the present timestamps to follow the lifecycle order given by `fields`."""
    previous: tuple[str, datetime] | None = None
    for name in fields:
        value = getattr(row, name)
        if value is None:
            continue
        if previous and value < previous[1]:
            raise row_error(name, f"{name} is before {previous[0]} ({previous[1]:%Y-%m-%d %H:%M})")
        previous = (name, value)


def first_set(row: BaseModel, fields: tuple[str, ...], states: tuple[Any, ...], default: Any) -> Any:
    """Return the state of the latest lifecycle timestamp that is filled in."""
    for name, state in zip(fields, states, strict=True):
        if getattr(row, name) is not None:
            return state
    return default


class ImportRow(BaseModel):
    """Common configuration: unknown fields ignored, text stripped."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    # Natural key inside the file, and the columns the file must have (each tuple: at least one of them).
    KEY: ClassVar[tuple[str, ...]]
    KEY_FIELD: ClassVar[str]  # the key field a duplicate is reported on
    REQUIRED: ClassVar[tuple[tuple[str, ...], ...]]


class MatterRow(ImportRow):
    KEY = ("code",)
    KEY_FIELD = "code"
    REQUIRED = (("code",), ("name",), ("matter_type",), ("department_code",))

    code: Annotated[TextCell, Field(max_length=40)]
    name: Annotated[TextCell, Field(max_length=100)]
    matter_type: EnumField(MatterType, labels.MATTER_TYPE)
    department_code: TextCell
    is_power_matter: YesNo | None = None
    legal_limit_days: NonNegative | None = None
    promised_limit_days: NonNegative | None = None
    limit_unit: EnumField(LimitUnit, labels.LIMIT_UNIT) | None = None
    is_immediate: YesNo | None = None
    max_visits: NonNegative | None = None
    online_capable: YesNo | None = None
    mobile_capable: YesNo | None = None
    in_hall: YesNo | None = None
    hall_exempt: YesNo | None = None
    resident_only: YesNo | None = None
    handling_levels: Annotated[TextCell, Field(max_length=32)] | None = None
    commitment_allowed: YesNo | None = None
    gap_tolerant: YesNo | None = None
    status: EnumField(MatterStatus, labels.MATTER_STATUS) | None = None
    version: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def promise_within_legal_limit(self) -> "MatterRow":
        legal, promised = self.legal_limit_days, self.promised_limit_days
        if legal is not None and promised is not None and promised > legal:
            raise row_error("promised_limit_days", f"promised limit {promised} exceeds legal limit {legal}")
        return self


CASE_TIMES = ("submitted_at", "received_at", "accepted_at", "completed_at")
CASE_END_TIMES = ("voided_at", "completed_at", "rejected_at", "returned_at", "accepted_at", "received_at")
CASE_END_STATES = (
    CaseStatus.VOIDED,
    CaseStatus.COMPLETED,
    CaseStatus.REJECTED,
    CaseStatus.RETURNED,
    CaseStatus.ACCEPTED,
    CaseStatus.RECEIVED,
)


class CaseRow(ImportRow):
    KEY = ("case_no",)
    KEY_FIELD = "case_no"
    REQUIRED = (
        ("case_no",),
        ("matter_code",),
        ("channel",),
        ("applicant_id_card", "uscc"),
        ("submitted_at", "received_at", "accepted_at"),
    )

    case_no: Annotated[TextCell, Field(max_length=40)]
    matter_code: TextCell
    department_code: TextCell | None = None
    hall_code: TextCell | None = None
    window_no: TextCell | None = None
    receiver_staff_no: TextCell | None = None
    handler_staff_no: TextCell | None = None
    intake_region_code: TextCell | None = None
    applicant_type: EnumField(ApplicantType, labels.APPLICANT_TYPE) | None = None
    applicant_id_card: IdCard | None = None
    uscc: Uscc | None = None
    applicant_name: Annotated[TextCell, Field(max_length=100)] | None = None
    applicant_phone: Phone | None = None
    channel: EnumField(Channel, labels.CHANNEL)
    source_system: EnumField(SourceSystem, labels.SOURCE_SYSTEM) | None = None
    status: EnumField(CaseStatus, labels.CASE_STATUS) | None = None
    is_commitment: YesNo | None = None
    is_gap_tolerant: YesNo | None = None
    submitted_at: LocalDateTime | None = None
    received_at: LocalDateTime | None = None
    accepted_at: LocalDateTime | None = None
    rejected_at: LocalDateTime | None = None
    returned_at: LocalDateTime | None = None
    voided_at: LocalDateTime | None = None
    completed_at: LocalDateTime | None = None
    due_at: LocalDateTime | None = None
    legal_due_at: LocalDateTime | None = None
    special_minutes: NonNegative | None = None
    result: EnumField(CaseResult, labels.CASE_RESULT) | None = None
    visit_count: NonNegative | None = None
    is_no_rest: YesNo | None = None

    @model_validator(mode="after")
    def complete_and_check(self) -> "CaseRow":
        self._settle_applicant()
        if self.submitted_at is None:
            # Systems that only log the later steps still mean the case was submitted by then.
            self.submitted_at = self.received_at or self.accepted_at
        if self.submitted_at is None:
            raise row_error("submitted_at", "submitted_at is empty and no received_at/accepted_at to use")
        check_order(self, CASE_TIMES)
        if self.status is None:
            self.status = first_set(self, CASE_END_TIMES, CASE_END_STATES, CaseStatus.SUBMITTED)
        return self

    def _settle_applicant(self) -> None:
        if self.applicant_type is None:
            self.applicant_type = ApplicantType.ENTERPRISE if self.uscc else ApplicantType.CITIZEN
        if self.applicant_type is ApplicantType.ENTERPRISE and not self.uscc:
            raise row_error("uscc", "enterprise applicant needs a unified social credit code")
        if self.applicant_type is ApplicantType.CITIZEN and not self.applicant_id_card:
            raise row_error("applicant_id_card", "citizen applicant needs an ID card number (or give uscc)")


EVENT_TIMES = (
    "reported_at",
    "received_at",
    "accepted_at",
    "dispatched_at",
    "signed_at",
    "completed_at",
    "closed_at",
)
EVENT_END_TIMES = ("closed_at", "completed_at", "signed_at", "dispatched_at", "accepted_at")
EVENT_END_STATES = (
    EventStatus.CLOSED,
    EventStatus.HANDLED,
    EventStatus.SIGNED,
    EventStatus.DISPATCHED,
    EventStatus.PENDING_DISPATCH,
)
TITLE_FROM_DESCRIPTION_CHARS = 30


class EventRow(ImportRow):
    KEY = ("source", "external_id")
    KEY_FIELD = "external_id"
    REQUIRED = (("source",), ("external_id",), ("description",), ("reported_at",))

    source: EnumField(EventSource, labels.EVENT_SOURCE)
    external_id: Annotated[TextCell, Field(max_length=64)]
    event_no: Annotated[TextCell, Field(max_length=40)] | None = None
    upstream_no: Annotated[TextCell, Field(max_length=64)] | None = None
    reporter_type: EnumField(ReporterType, labels.REPORTER_TYPE) | None = None
    reporter_name: Annotated[TextCell, Field(max_length=32)] | None = None
    reporter_phone: Phone | None = None
    reporter_id_card: IdCard | None = None
    title: Annotated[TextCell, Field(max_length=200)] | None = None
    description: TextCell
    address: Annotated[TextCell, Field(max_length=200)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    street: TextCell | None = None
    community: TextCell | None = None
    category_code: TextCell | None = None
    department_code: TextCell | None = None
    complexity: EnumField(Complexity, labels.COMPLEXITY) | None = None
    urgency: YesNo | None = None
    importance: YesNo | None = None
    priority: EnumField(Priority, labels.PRIORITY) | None = None
    status: EnumField(EventStatus, labels.EVENT_STATUS) | None = None
    reported_at: LocalDateTime
    received_at: LocalDateTime | None = None
    accepted_at: LocalDateTime | None = None
    dispatched_at: LocalDateTime | None = None
    signed_at: LocalDateTime | None = None
    completed_at: LocalDateTime | None = None
    closed_at: LocalDateTime | None = None
    satisfaction: EnumField(Satisfaction, labels.SATISFACTION) | None = None

    @model_validator(mode="after")
    def complete_and_check(self) -> "EventRow":
        check_order(self, EVENT_TIMES)
        if self.title is None:
            self.title = self.description[:TITLE_FROM_DESCRIPTION_CHARS]
        if self.reporter_type is None:
            known = self.reporter_name or self.reporter_phone or self.reporter_id_card
            self.reporter_type = ReporterType.CITIZEN if known else ReporterType.ANONYMOUS
        if self.status is None:
            self.status = first_set(self, EVENT_END_TIMES, EVENT_END_STATES, EventStatus.RECEIVED)
        return self


class ReviewRow(ImportRow):
    KEY = ("case_no", "round")
    KEY_FIELD = "case_no"
    REQUIRED = (("case_no",), ("level",), ("reviewed_at",))

    case_no: TextCell
    round: EnumField(ReviewRound, labels.REVIEW_ROUND) = ReviewRound.FIRST
    level: Level
    reviewed_at: LocalDateTime
    channel: EnumField(Channel, labels.CHANNEL) | None = None
    is_active: YesNo | None = None
    is_valid: YesNo | None = None
    comment: TextCell | None = None


TICKET_TIMES = ("taken_at", "called_at", "service_started_at", "service_ended_at")
TICKET_END_TIMES = ("service_ended_at", "service_started_at", "called_at")
TICKET_END_STATES = (TicketStatus.SERVED, TicketStatus.SERVING, TicketStatus.CALLED)
DEFAULT_QUEUE_GROUP = "general"


class TicketRow(ImportRow):
    KEY = ("hall_code", "taken_on", "ticket_no")
    KEY_FIELD = "ticket_no"
    REQUIRED = (("hall_code",), ("ticket_no",), ("taken_at",))

    hall_code: TextCell
    ticket_no: Annotated[TextCell, Field(max_length=16)]
    taken_at: LocalDateTime
    taken_on: LocalDate | None = None
    queue_group: Annotated[TextCell, Field(max_length=32)] | None = None
    is_booking: YesNo | None = None
    applicant_id_card: IdCard | None = None
    called_at: LocalDateTime | None = None
    service_started_at: LocalDateTime | None = None
    service_ended_at: LocalDateTime | None = None
    window_no: TextCell | None = None
    staff_no: TextCell | None = None
    case_no: TextCell | None = None
    status: EnumField(TicketStatus, labels.TICKET_STATUS) | None = None

    @model_validator(mode="after")
    def complete_and_check(self) -> "TicketRow":
        check_order(self, TICKET_TIMES)
        taken_day: date = self.taken_at.date()
        if self.taken_on is None:
            self.taken_on = taken_day
        elif self.taken_on != taken_day:
            raise row_error("taken_on", f"taken_on differs from the day of taken_at ({taken_day})")
        if self.status is None:
            self.status = first_set(self, TICKET_END_TIMES, TICKET_END_STATES, TicketStatus.WAITING)
        return self


ROW_MODELS: dict[str, type[ImportRow]] = {
    "matters": MatterRow,
    "cases": CaseRow,
    "events": EventRow,
    "reviews": ReviewRow,
    "tickets": TicketRow,
}
