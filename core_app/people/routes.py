"""Citizen and enterprise endpoints (masked output)."""

from fastapi import APIRouter

from core_app.access import scopes
from core_app.api.listing import ResourceSpec, add_resource_routes
from core_app.people.models import Citizen, Enterprise
from core_app.people.schemas import CitizenRead, EnterpriseRead

router = APIRouter(tags=["people"])

CITIZENS = ResourceSpec(
    model=Citizen,
    read_schema=CitizenRead,
    permission="people:read",
    scope=scopes.CITIZENS,
    pii=True,
    filters=("id", "gender", "birth_year", "region_id", "special_group"),
    search=("name",),
    sort_fields=("id", "birth_year", "region_id"),
)
ENTERPRISES = ResourceSpec(
    model=Enterprise,
    read_schema=EnterpriseRead,
    permission="people:read",
    scope=scopes.ENTERPRISES,
    pii=True,
    filters=("id", "uscc", "industry_code", "region_id", "credit_level"),
    ranges=("established_on",),
    search=("uscc", "name"),
    sort_fields=("id", "uscc", "name", "established_on"),
)

add_resource_routes(router, "/citizens", CITIZENS)
add_resource_routes(router, "/enterprises", ENTERPRISES)
