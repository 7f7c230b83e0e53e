"""Bodies of the event actions and the state an action answers with."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from core_app.api.params import INT_MAX
from core_app.api.schemas import ReadModel
from core_app.arbitration.models import ArbitrationBody
from core_app.events.lifecycle import MAX_EXTENSION_MINUTES
from core_app.events.models import (
    AssignmentRole,
    AssignmentStatus,
    Complexity,
    DispatchMode,
    EventStatus,
    FeedbackResult,
    ReturnReason,
    Satisfaction,
)

Id = Field(ge=1, le=INT_MAX)
Reason = Field(min_length=1, max_length=2000)


class ActionBody(BaseModel):
    """Every action may name the version the caller saw: if the event moved on since, it is refused (409)."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1, le=INT_MAX, description="The event version you acted on.")
    note: str | None = Field(default=None, max_length=2000)


class ReasonBody(ActionBody):
    reason: str = Reason


class DispatchBody(ActionBody):
    department_id: int = Id
    assist_department_ids: list[int] = Field(default_factory=list, max_length=10)
    complexity: Complexity | None = None
    override_reason: str | None = Field(
        default=None, max_length=2000, description="Required when the department is not the model's first."
    )


class RedispatchBody(DispatchBody):
    reason: str = Reason


class SubDispatchBody(ActionBody):
    department_id: int = Id


class FeedbackBody(ActionBody):
    result: FeedbackResult
    content: str = Field(min_length=1, max_length=4000)


class ReturnBody(ActionBody):
    reason_code: ReturnReason


class ExtensionBody(ActionBody):
    minutes: int = Field(ge=1, le=MAX_EXTENSION_MINUTES)
    reason: str = Reason


class CallbackBody(ActionBody):
    satisfaction: Satisfaction
    comment: str | None = Field(default=None, max_length=2000)


class ArbitrationRequestBody(ActionBody):
    reason: str = Reason
    body: ArbitrationBody = ArbitrationBody.ESTABLISHMENT_OFFICE
    candidate_department_ids: list[int] = Field(default_factory=list, max_length=20)


class RulingBody(ActionBody):
    lead_department_id: int = Id
    assist_department_ids: list[int] = Field(default_factory=list, max_length=10)
    ruling_basis: str = Field(
        min_length=1, max_length=2000, description="The duty clause the ruling rests on."
    )
    keywords: str | None = Field(default=None, max_length=200)


# The body each action takes over HTTP (auto_dispatch is the system's alone).
ACTION_BODIES: dict[str, type[ActionBody]] = {
    "accept": ActionBody,
    "invalidate": ReasonBody,
    "dispatch": DispatchBody,
    "sub_dispatch": SubDispatchBody,
    "sign": ActionBody,
    "start": ActionBody,
    "feedback": FeedbackBody,
    "return": ReturnBody,
    "redispatch": RedispatchBody,
    "request_extension": ExtensionBody,
    "approve_extension": ActionBody,
    "reject_extension": ActionBody,
    "suspend": ReasonBody,
    "resume": ActionBody,
    "approve": ActionBody,
    "reject_feedback": ReasonBody,
    "callback": CallbackBody,
    "reopen": ReasonBody,
    "request_arbitration": ArbitrationRequestBody,
    "rule": RulingBody,
}


class AssignmentRead(ReadModel):
    id: int
    event_id: int
    department_id: int
    parent_assignment_id: int | None
    role: AssignmentRole
    mode: DispatchMode
    status: AssignmentStatus
    dispatched_at: datetime
    sign_due_at: datetime | None
    signed_at: datetime | None
    handle_due_at: datetime | None
    completed_at: datetime | None
    return_reason: ReturnReason | None
    returned_at: datetime | None
    extension_minutes: int
    suspended_minutes: int


class EventState(ReadModel):
    """Where an event stands in the closed loop, and what the caller may do next."""

    id: int
    event_no: str
    status: EventStatus
    version: int
    department_id: int | None
    complexity: Complexity
    return_count: int
    is_difficult: bool
    is_disputed: bool
    duplicate_of_id: int | None
    upstream_no: str | None
    suspended_at: datetime | None
    accepted_at: datetime | None
    dispatched_at: datetime | None
    signed_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    upstream_reported_at: datetime | None
    satisfaction: Satisfaction | None
    assignment: AssignmentRead | None = None
    allowed_actions: list[str] = Field(default_factory=list)


class EventActionRead(ReadModel):
    id: int
    action: str
    from_status: str | None
    to_status: str
    actor: str
    assignment_id: int | None
    reason_code: str | None
    note: str | None
    details: dict | None
    created_at: datetime
