"""Back-office test fixtures: an app client, signed-in users with a role grant, and audit-row lookups."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core_app.admin import matter_routes, org_routes, user_routes
from core_app.api.app import API_PREFIX, create_app
from core_app.audit.models import AuditLog
from core_app.publishing import routes as publishing_routes
from core_app.warnings import routes as warnings_routes

BACK_OFFICE_ROUTERS = (
    org_routes.router,
    matter_routes.router,
    publishing_routes.router,
    warnings_routes.router,
    user_routes.router,
)


def back_office_app() -> FastAPI:
    """The app with the back-office routers (mounted here until app.py registers them)."""
    app = create_app()
    mounted = {getattr(route, "path", "") for route in app.routes}
    for router in BACK_OFFICE_ROUTERS:
        first_path = router.routes[0].path
        if API_PREFIX + first_path not in mounted:
            app.include_router(router, prefix=API_PREFIX)
    return app


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(back_office_app()) as test_client:
        yield test_client


@pytest.fixture
def auth(auth_headers: Callable[..., dict[str, str]]) -> Callable[..., dict[str, str]]:
    """``auth("hall_manager", request_id="req-1")`` -> headers of a new user holding that role."""

    def make(role: str, *, request_id: str | None = None, **grant: Any) -> dict[str, str]:
        headers = auth_headers(role, **grant)
        return headers | ({"X-Request-ID": request_id} if request_id else {})

    return make


@pytest.fixture
def audit_rows(session: Session) -> Callable[..., list[AuditLog]]:
    """``audit_rows("halls", 3)`` -> the audit rows of that record, oldest first."""

    def rows(entity: str, entity_id: Any = None, *, request_id: str | None = None) -> list[AuditLog]:
        session.rollback()  # see what the app committed, not a stale snapshot
        statement = select(AuditLog).where(AuditLog.entity == entity).order_by(AuditLog.id)
        if entity_id is not None:
            statement = statement.where(AuditLog.entity_id == str(entity_id))
        if request_id is not None:
            statement = statement.where(AuditLog.request_id == request_id)
        return list(session.scalars(statement))

    return rows
