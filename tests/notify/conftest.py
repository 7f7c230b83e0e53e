"""Fixtures for the outbox tests: a session factory for the worker, an admin API client, a fixed clock."""

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core_app.api.app import create_app
from core_app.config import LOCAL_TZ
from core_app.notify.worker import reset_default_adapters

# Later than any wall clock the tests run at: messages written "now" by the API are due at this time.
T0 = datetime(2030, 3, 4, 9, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """What the worker gets: it opens its own sessions, as in production."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@pytest.fixture
def client(engine: Engine, auth_headers) -> Iterator[TestClient]:
    """A client signed in as a system administrator."""
    with TestClient(create_app(), headers=auth_headers("system_admin")) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _fresh_adapters() -> Iterator[None]:
    reset_default_adapters()
    yield
    reset_default_adapters()
