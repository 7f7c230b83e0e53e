"""API test fixtures: a TestClient on the app, which the engine fixture points at the test database."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from core_app.api.app import create_app


@pytest.fixture
def client(engine: Engine, auth_headers) -> Iterator[TestClient]:
    """A client signed in as a system administrator (every permission, every record)."""
    with TestClient(create_app(), headers=auth_headers("system_admin")) as test_client:
        yield test_client


@pytest.fixture
def anonymous(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client
