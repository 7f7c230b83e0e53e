"""Case, queue ticket and review endpoints; a case's detail includes its steps."""

from fastapi import APIRouter
from sqlalchemy.orm import lazyload

from core_app.access import scopes
from core_app.api.listing import ResourceSpec, add_resource_routes
from core_app.cases.models import Case, QueueTicket, Review
from core_app.cases.schemas import CaseDetailRead, CaseRead, QueueTicketRead, ReviewRead

router = APIRouter(tags=["cases"])

CASE_TIMESTAMPS = ("submitted_at", "received_at", "accepted_at", "completed_at", "due_at")

CASES = ResourceSpec(
    model=Case,
    read_schema=CaseRead,
    permission="cases:read",
    scope=scopes.CASES,
    pii=True,
    detail_schema=CaseDetailRead,
    filters=(
        "id",
        "case_no",
        "matter_id",
        "bundle_id",
        "department_id",
        "hall_id",
        "window_id",
        "intake_region_id",
        "channel",
        "source_system",
        "applicant_type",
        "citizen_id",
        "enterprise_id",
        "receiver_staff_id",
        "handler_staff_id",
        "status",
        "result",
        "is_commitment",
        "is_gap_tolerant",
        "is_no_rest",
    ),
    ranges=CASE_TIMESTAMPS,
    search=("case_no",),
    sort_fields=("id", "case_no", "status", *CASE_TIMESTAMPS),
    default_sort="-submitted_at",
    # The list does not show steps: do not let the relationship's selectin load them.
    list_options=(lazyload(Case.steps),),
)
TICKETS = ResourceSpec(
    model=QueueTicket,
    read_schema=QueueTicketRead,
    permission="cases:read",
    scope=scopes.TICKETS,
    filters=("id", "hall_id", "ticket_no", "queue_group", "is_booking", "window_id", "staff_id", "status"),
    ranges=("taken_on", "taken_at", "called_at"),
    search=("ticket_no",),
    sort_fields=("id", "taken_at", "called_at", "ticket_no", "status"),
    default_sort="-taken_at",
    label="Ticket",
)
REVIEWS = ResourceSpec(
    model=Review,
    read_schema=ReviewRead,
    permission="cases:read",
    scope=scopes.REVIEWS,
    pii=True,
    filters=(
        "id",
        "case_id",
        "matter_id",
        "department_id",
        "staff_id",
        "channel",
        "level",
        "is_good",
        "round",
        "is_active",
        "is_valid",
    ),
    ranges=("reviewed_at",),
    search=("comment",),
    sort_fields=("id", "reviewed_at", "level"),
    default_sort="-reviewed_at",
)

add_resource_routes(router, "/cases", CASES)
add_resource_routes(router, "/tickets", TICKETS)
add_resource_routes(router, "/reviews", REVIEWS)
