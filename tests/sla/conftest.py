"""No background scheduler in these tests: each test drives the clock itself."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from core_app.api.app import create_app


@pytest.fixture(autouse=True)
def _scheduler_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUTLER_SCHEDULER", "off")


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """A client without credentials: each request passes the headers of the user it acts as."""
    with TestClient(create_app()) as test_client:
        yield test_client
