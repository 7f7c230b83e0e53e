"""Matter catalog and one-thing bundle endpoints."""

from fastapi import APIRouter

from core_app.api.listing import ResourceSpec, add_resource_routes
from core_app.matters.models import Matter, MatterBundle
from core_app.matters.schemas import MatterBundleRead, MatterRead

router = APIRouter(tags=["matters"])


MATTERS = ResourceSpec(
    model=Matter,
    read_schema=MatterRead,
    permission="matters:read",
    filters=(
        "id",
        "code",
        "matter_type",
        "is_power_matter",
        "department_id",
        "limit_unit",
        "is_immediate",
        "max_visits",
        "online_capable",
        "mobile_capable",
        "in_hall",
        "status",
    ),
    search=("code", "name"),
    sort_fields=("id", "code", "name", "matter_type", "department_id", "promised_limit_days"),
)
BUNDLES = ResourceSpec(
    model=MatterBundle,
    read_schema=MatterBundleRead,
    permission="matters:read",
    filters=("id", "lead_department_id", "origin", "status"),
    search=("name",),
    sort_fields=("id", "name", "status"),
    label="Bundle",
)

add_resource_routes(router, "/matters", MATTERS)
add_resource_routes(router, "/bundles", BUNDLES)
