"""Write audit rows. Services call ``record`` inside the same transaction as the change they audit."""

from typing import Any

from fastapi import Request
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from core_app.access.principal import Principal
from core_app.audit.models import AuditLog


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of an ORM object, JSON-ready, for the before/after of an audit row."""
    mapper = inspect(obj).mapper
    return {column.key: _jsonable(getattr(obj, column.key)) for column in mapper.column_attrs}


def record(
    session: Session,
    *,
    principal: Principal | None,
    action: str,
    entity: str,
    entity_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request: Request | None = None,
) -> AuditLog:
    """Add one audit row (the caller commits it together with the change)."""
    row = AuditLog(
        actor_user_id=principal.user_id if principal else None,
        actor_api_key_id=principal.api_key_id if principal else None,
        actor=principal.username if principal else "system",
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        request_id=getattr(request.state, "request_id", None) if request else None,
        ip=request.client.host if request and request.client else None,
    )
    session.add(row)
    return row


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
