"""Property-based run over the whole OpenAPI schema, signed in as an administrator: no 5xx anywhere."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from core_app.api.app import create_app
from tests.api import builders as b
from tests.serving import fixtures

# The app reaches its database lazily, per request: the `engine` fixture points it at the test database.
# A registered dispatch model, so POST /events/{id}/recommendation answers 201, not 503 (no model).
dispatch_store = fixtures.dispatch_store
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@pytest.fixture
def records(engine, session) -> None:
    """One record of each kind, so that generated ids sometimes hit real rows."""
    matter = b.matter(session)
    case = b.case(session, matter_id=matter.id, steps=2)
    b.review(session, of_case=case)
    b.ticket(session)
    b.event(session)
    b.bundle(session, matters=[matter, b.matter(session)])
    session.commit()


@pytest.fixture
def admin(auth_headers) -> dict[str, str]:
    return auth_headers("system_admin")


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_operation_answers_with_a_server_error(case, records, admin, dispatch_store) -> None:
    case.call_and_validate(headers=admin, checks=[not_a_server_error])
