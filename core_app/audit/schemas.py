"""Audit rows as admins read them."""

from datetime import datetime
from typing import Any

from core_app.api.schemas import ReadModel


class AuditLogRead(ReadModel):
    id: int
    at: datetime
    actor: str
    actor_user_id: int | None
    actor_api_key_id: int | None
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    ip: str | None
