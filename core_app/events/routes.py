"""Event category and event endpoints."""

from fastapi import APIRouter

from core_app.access import scopes
from core_app.api.listing import ResourceSpec, add_resource_routes
from core_app.events.models import Event, EventCategory
from core_app.events.schemas import EventCategoryRead, EventRead

router = APIRouter(tags=["events"])

EVENT_TIMESTAMPS = ("reported_at", "received_at", "dispatched_at", "completed_at", "closed_at")

EVENT_CATEGORIES = ResourceSpec(
    model=EventCategory,
    read_schema=EventCategoryRead,
    permission="events:read",
    filters=("id", "code", "parent_id", "level", "default_complexity", "default_department_id", "sensitive"),
    search=("code", "name"),
    sort_fields=("id", "code", "name", "level"),
    label="Event category",
)
EVENTS = ResourceSpec(
    model=Event,
    read_schema=EventRead,
    permission="events:read",
    scope=scopes.EVENTS,
    pii=True,
    filters=(
        "id",
        "event_no",
        "source",
        "external_id",
        "upstream_no",
        "reporter_type",
        "citizen_id",
        "enterprise_id",
        "street_id",
        "region_id",
        "category_id",
        "department_id",
        "complexity",
        "emotion_polarity",
        "urgency",
        "importance",
        "priority",
        "is_difficult",
        "status",
        "satisfaction",
        "duplicate_of_id",
    ),
    ranges=EVENT_TIMESTAMPS,
    search=("event_no", "title", "description"),
    sort_fields=("id", "event_no", "priority", "status", "return_count", "emotion_score", *EVENT_TIMESTAMPS),
    default_sort="-reported_at",
)

add_resource_routes(router, "/event-categories", EVENT_CATEGORIES)
add_resource_routes(router, "/events", EVENTS)
