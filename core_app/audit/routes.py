"""``GET /audit-logs``: the audit trail, filterable by actor, action, entity, request and time."""

from fastapi import APIRouter

from core_app.api.listing import ResourceSpec, add_resource_routes
from core_app.audit.models import AuditLog
from core_app.audit.schemas import AuditLogRead

router = APIRouter(tags=["audit"])

AUDIT_LOGS = ResourceSpec(
    model=AuditLog,
    read_schema=AuditLogRead,
    permission="audit:read",
    filters=(
        "id",
        "actor",
        "actor_user_id",
        "actor_api_key_id",
        "action",
        "entity",
        "entity_id",
        "request_id",
    ),
    ranges=("at",),
    search=("actor", "entity_id"),
    sort_fields=("id", "at"),
    default_sort="-id",
    label="AuditLog",
)

add_resource_routes(router, "/audit-logs", AUDIT_LOGS)
