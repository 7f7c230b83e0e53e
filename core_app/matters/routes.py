"""Matter catalog and one-thing bundle endpoints."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.api.listing import ResourceSpec, add_resource_routes
from core_app.matters.models import Matter, MatterBundle, MatterBundleItem
from core_app.matters.schemas import MatterBundleItemRead, MatterBundleRead, MatterRead

router = APIRouter(tags=["matters"])


def bundle_items(session: Session, bundles: Sequence[MatterBundle]) -> Mapping[int, Mapping[str, Any]]:
    """Load the items of a page of bundles in one query, keyed by bundle id."""
    statement = (
        select(MatterBundleItem)
        .where(MatterBundleItem.bundle_id.in_([bundle.id for bundle in bundles]))
        .order_by(MatterBundleItem.bundle_id, MatterBundleItem.seq, MatterBundleItem.matter_id)
    )
    items: dict[int, list[MatterBundleItemRead]] = defaultdict(list)
    for item in session.scalars(statement):
        items[item.bundle_id].append(MatterBundleItemRead.model_validate(item))
    return {bundle.id: {"items": items.get(bundle.id, [])} for bundle in bundles}


MATTERS = ResourceSpec(
    model=Matter,
    read_schema=MatterRead,
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
    filters=("id", "lead_department_id", "origin", "status"),
    search=("name",),
    sort_fields=("id", "name", "status"),
    extra_fields=bundle_items,
    label="Bundle",
)

add_resource_routes(router, "/matters", MATTERS)
add_resource_routes(router, "/bundles", BUNDLES)
