"""Organisation endpoints: regions, departments, halls, zones, windows, staff, posts, calendar days."""

from fastapi import APIRouter

from core_app.api.listing import ResourceSpec, add_resource_routes
from core_app.org import schemas
from core_app.org.models import Department, Hall, HallZone, Region, Staff, StaffPost, Window, WorkCalendarDay

router = APIRouter(tags=["organisation"])

REGIONS = ResourceSpec(
    model=Region,
    read_schema=schemas.RegionRead,
    permission="org:read",
    filters=("id", "code", "level", "parent_id"),
    search=("code", "name"),
    sort_fields=("id", "code", "name", "level"),
)
DEPARTMENTS = ResourceSpec(
    model=Department,
    read_schema=schemas.DepartmentRead,
    permission="org:read",
    filters=("id", "code", "kind", "parent_id", "region_id", "is_stationed", "accepts_events", "is_active"),
    search=("code", "name", "duty_text"),
    sort_fields=("id", "code", "name", "kind"),
)
HALLS = ResourceSpec(
    model=Hall,
    read_schema=schemas.HallRead,
    permission="org:read",
    filters=("id", "code", "region_id", "level", "kind"),
    search=("code", "name", "address"),
    sort_fields=("id", "code", "name", "level"),
)
HALL_ZONES = ResourceSpec(
    model=HallZone,
    read_schema=schemas.HallZoneRead,
    permission="org:read",
    filters=("id", "hall_id", "floor"),
    search=("name",),
    sort_fields=("id", "hall_id", "name", "floor"),
    label="HallZone",
)
WINDOWS = ResourceSpec(
    model=Window,
    read_schema=schemas.WindowRead,
    permission="org:read",
    filters=("id", "hall_id", "zone_id", "window_no", "kind", "department_id", "status"),
    search=("window_no",),
    sort_fields=("id", "hall_id", "window_no", "status"),
)
STAFF = ResourceSpec(
    model=Staff,
    read_schema=schemas.StaffRead,
    permission="org:read",
    pii=True,
    filters=("id", "staff_no", "department_id", "post", "is_active"),
    search=("staff_no", "name"),
    sort_fields=("id", "staff_no", "department_id"),
)
STAFF_POSTS = ResourceSpec(
    model=StaffPost,
    read_schema=schemas.StaffPostRead,
    permission="org:read",
    filters=("id", "staff_id", "window_id", "department_id", "zone_id"),
    ranges=("valid_from", "valid_to"),
    sort_fields=("id", "valid_from", "valid_to", "staff_id"),
    label="StaffPost",
)
CALENDAR_DAYS = ResourceSpec(
    model=WorkCalendarDay,
    read_schema=schemas.WorkCalendarDayRead,
    permission="org:read",
    key="day",
    filters=("is_workday", "source"),
    ranges=("day",),
    search=("name",),
    sort_fields=("day",),
    default_sort="day",
    label="Calendar day",
)

add_resource_routes(router, "/regions", REGIONS)
add_resource_routes(router, "/departments", DEPARTMENTS)
add_resource_routes(router, "/halls", HALLS)
add_resource_routes(router, "/hall-zones", HALL_ZONES)
add_resource_routes(router, "/windows", WINDOWS)
add_resource_routes(router, "/staff", STAFF)
add_resource_routes(router, "/staff-posts", STAFF_POSTS)
add_resource_routes(router, "/calendar-days", CALENDAR_DAYS)
