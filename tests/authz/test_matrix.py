"""The authorization matrix: every role against every guarded endpoint, allowed exactly as configured.

Routes are read from the application itself, so an endpoint added later is covered without editing this
file, and an endpoint under /api/v1 without a permission guard fails ``test_every_endpoint_is_guarded``.
"""

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from core_app.access.catalog import ROLES
from core_app.api.app import create_app

# Endpoints that must answer without credentials: signing in, and the health probe.
PUBLIC = {"/health", "/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/sso/{provider}"}
# Guarded by "signed in" only: the caller's own session.
SIGNED_IN = {"/api/v1/auth/me", "/api/v1/auth/logout"}


def required_permission(route: APIRoute) -> frozenset[str] | None:
    """The permissions (any of) of the route's require() guard, found in its dependency tree."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        permissions = getattr(dependency.call, "permissions", None)
        if permissions:
            return permissions
        pending.extend(dependency.dependencies)
    return None


def api_routes(routes=None, prefix: str = "") -> list[tuple[str, APIRoute]]:
    """Every APIRoute with its full path, through included routers."""
    found = []
    for route in create_app().routes if routes is None else routes:
        if isinstance(route, APIRoute):
            found.append((prefix + route.path, route))
        elif hasattr(route, "original_router"):  # an included router keeps its own routes
            found.extend(api_routes(route.original_router.routes, prefix + route.include_context.prefix))
    return found


def guarded_routes() -> list[tuple[str, str, frozenset[str]]]:
    found = []
    for path, route in api_routes():
        permission = required_permission(route)
        if permission and path.startswith("/api/v1"):
            found.extend((method, path, permission) for method in sorted(route.methods - {"HEAD"}))
    return found


def concrete(path: str) -> str:
    """Fill path parameters with values that exist nowhere: allowed callers get 404/422, never 403."""
    return re.sub(r"\{[^}]+\}", "999999", path)


def test_every_endpoint_is_guarded() -> None:
    paths = [path for path, _ in api_routes()]
    assert "/api/v1/cases" in paths and "/health" in paths
    unguarded = [
        path
        for path, route in api_routes()
        if path.startswith("/api/v1")
        and path not in PUBLIC | SIGNED_IN
        and required_permission(route) is None
    ]
    assert unguarded == []


def test_the_catalog_keeps_the_critical_separations() -> None:
    granted = {role: set(permissions) for role, (_, permissions) in ROLES.items()}
    assert not granted["leader"] & {"org:write", "matters:write", "users:write", "pii:view"}  # read-only
    assert "pii:view" not in granted["data_scientist"]
    assert not granted["citizen"] & {"people:read", "audit:read", "users:read"}
    assert "events:arbitrate" in granted["arbitrator"] and "events:arbitrate" not in granted["dispatcher"]
    assert {"users:write", "audit:read", "pii:view"} <= granted["system_admin"]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_reaches_exactly_the_endpoints_its_permissions_allow(role, auth_headers, engine) -> None:
    permissions = set(ROLES[role][1])
    headers = auth_headers(role)
    routes = guarded_routes()
    assert len(routes) > 30
    wrong = []
    with TestClient(create_app(), headers=headers) as client:
        for method, path, permission in routes:
            response = client.request(method, concrete(path), json={})
            status = response.status_code
            if status == 403 and response.json().get("type", "").endswith(":not-linked"):
                status = 404  # past the permission; the account is just not linked to a citizen/enterprise
            allowed = bool(permission & permissions)
            if (status == 403) == allowed or status in (401, 500):
                wrong.append(f"{method} {path} needs {sorted(permission)}: got {status}")
    assert wrong == []


def test_without_credentials_every_guarded_endpoint_answers_401(engine) -> None:
    with TestClient(create_app()) as client:
        for method, path, _ in guarded_routes():
            response = client.request(method, concrete(path), json={})
            assert response.status_code == 401, f"{method} {path}"
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.headers["www-authenticate"] == "Bearer"
