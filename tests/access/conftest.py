"""Fixtures for the access tests: a cheap password hasher, an app with /auth mounted, users to log in as."""

from collections.abc import Callable, Iterator
from typing import Annotated

import pytest
from argon2 import PasswordHasher
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core_app.access import passwords
from core_app.access.deps import require
from core_app.access.models import ScopeKind, User
from core_app.access.principal import Principal
from core_app.access.routes import router as auth_router
from core_app.access.service import create_user
from core_app.api.app import API_PREFIX, create_app

PASSWORD = "correct-horse-battery"
# Argon2 at its cheapest: the tests check behaviour, not cost, and share two CPU cores.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)

probe = APIRouter(prefix="/_probe")


@probe.post("/events")
def ingest_probe(principal: Annotated[Principal, Depends(require("events:ingest"))]) -> dict[str, str]:
    return {"caller": principal.username}


@probe.post("/tickets")
def tickets_probe(principal: Annotated[Principal, Depends(require("tickets:ingest"))]) -> dict[str, str]:
    return {"caller": principal.username}


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    monkeypatch.setattr(passwords, "HASHER", CHEAP_HASHER)
    return CHEAP_HASHER


def build_app() -> FastAPI:
    """The real app, plus /auth if the lead has not mounted it yet, plus probe routes guarded by require()."""
    app = create_app()
    if not any(getattr(r, "path", "") == f"{API_PREFIX}/auth/token" for r in app.routes):
        app.include_router(auth_router, prefix=API_PREFIX)
    app.include_router(probe, prefix=API_PREFIX)
    return app


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    return build_app()


@pytest.fixture
def auth_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    def make(
        username: str = "alice",
        *,
        role: str = "dispatcher",
        scope: ScopeKind = ScopeKind.ALL,
        scope_id: int | None = None,
        password: str | None = PASSWORD,
        **fields,
    ) -> User:
        user = create_user(
            session, username=username, role=role, scope=scope, scope_id=scope_id, password=password, **fields
        )
        session.commit()
        return user

    return make


def login(client: TestClient, username: str = "alice", password: str = PASSWORD):
    return client.post(f"{API_PREFIX}/auth/token", data={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
