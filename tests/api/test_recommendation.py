"""POST /events/{id}/recommendation and GET /events/{id}/recommendations: table, scope, storage, errors."""

import pytest
from sqlalchemy import select

from core_app.audit.models import AuditLog
from core_app.dispatch.models import DispatchRecommendation
from tests.api import builders as b
from tests.serving import fixtures
from tests.serving.fixtures import TEXTS

dispatch_store = fixtures.dispatch_store
empty_store = fixtures.empty_store
PROBLEM = "application/problem+json"


@pytest.fixture
def departments(session) -> dict[str, object]:
    """The departments whose codes are the tiny model's labels."""
    made = {code: b.department(session, code=code, name=f"{code}局") for code in fixtures.WORDS}
    session.commit()
    return made


def _event(session, department=None, text: str = TEXTS["WATER"]):
    event = b.event(session, title="", description=text, department_id=department.id if department else None)
    session.commit()
    return event


def test_recommends_stores_and_lists_the_table(client, session, departments, dispatch_store) -> None:
    event = _event(session)
    response = client.post(f"/api/v1/events/{event.id}/recommendation")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["event_id"] == event.id and body["model_name"] == "dispatch"
    assert body["model_version"] == dispatch_store.version
    codes = [row["department_code"] for row in body["table"]]
    assert codes[0] == "WATER" and sorted(codes) == sorted(fixtures.WORDS)
    top = body["table"][0]
    assert top["department_id"] == departments["WATER"].id and top["department_name"] == "WATER局"
    assert body["top1_department_id"] == departments["WATER"].id
    assert body["top1_probability"] == top["probability"]
    assert body["abstain"] == (top["probability"] < body["threshold"])
    probabilities = [row["probability"] for row in body["table"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert body["created_by"] is not None

    listed = client.get(f"/api/v1/events/{event.id}/recommendations")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [body["id"]]
    audit = session.scalars(select(AuditLog).where(AuditLog.entity == "dispatch_recommendations")).one()
    assert audit.entity_id == str(body["id"]) and audit.after["model_version"] == dispatch_store.version


def test_a_label_naming_no_department_is_never_auto_dispatched(client, session, dispatch_store) -> None:
    event = _event(session)  # no departments with the model's codes exist
    body = client.post(f"/api/v1/events/{event.id}/recommendation").json()
    assert body["abstain"] is True and body["top1_department_id"] is None
    assert body["table"][0]["department_code"] == "WATER" and body["table"][0]["department_id"] is None


def test_unknown_event_is_404_before_any_model_is_loaded(client, empty_store) -> None:
    for response in (
        client.post("/api/v1/events/999999/recommendation"),
        client.get("/api/v1/events/999999/recommendations"),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith(PROBLEM)


def test_no_registered_model_is_a_503_problem_saying_what_to_do(client, session, empty_store) -> None:
    event = _event(session)
    response = client.post(f"/api/v1/events/{event.id}/recommendation")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert (
        problem["type"].endswith("dispatch-model-unavailable")
        and "butler train dispatch" in problem["detail"]
    )
    assert session.scalar(select(DispatchRecommendation.id)) is None


def test_an_unreachable_service_is_a_503(client, session, dispatch_store, monkeypatch) -> None:
    monkeypatch.setenv("BUTLER_DISPATCH_URL", "http://127.0.0.1:9")
    event = _event(session)
    response = client.post(f"/api/v1/events/{event.id}/recommendation")
    assert response.status_code == 503 and "unreachable" in response.json()["detail"]


def test_a_department_dispatcher_reaches_only_events_in_its_scope(
    anonymous, session, departments, auth_headers, dispatch_store
) -> None:
    mine, other = departments["WATER"], departments["ROAD"]
    inside, outside = _event(session, mine), _event(session, other)
    headers = auth_headers("dispatcher", scope="department", scope_id=mine.id)
    assert anonymous.post(f"/api/v1/events/{inside.id}/recommendation", headers=headers).status_code == 201
    response = anonymous.post(f"/api/v1/events/{outside.id}/recommendation", headers=headers)
    assert response.status_code == 404  # answered like a missing event: its existence does not leak
    assert anonymous.get(f"/api/v1/events/{outside.id}/recommendations", headers=headers).status_code == 404
    stored = session.scalars(select(DispatchRecommendation.event_id)).all()
    assert stored == [inside.id]


def test_reading_needs_events_read_and_asking_needs_events_dispatch(
    anonymous, session, auth_headers, dispatch_store
) -> None:
    event = _event(session)
    handler = auth_headers("dept_handler")  # events:read, not events:dispatch
    assert anonymous.post(f"/api/v1/events/{event.id}/recommendation", headers=handler).status_code == 403
    assert anonymous.get(f"/api/v1/events/{event.id}/recommendations", headers=handler).status_code == 200
    window = auth_headers("window_staff")  # no events:read
    assert anonymous.get(f"/api/v1/events/{event.id}/recommendations", headers=window).status_code == 403
    assert anonymous.post(f"/api/v1/events/{event.id}/recommendation").status_code == 401


@pytest.mark.parametrize("bad_id", ["0", "-1", "abc", "99999999999"])
def test_malformed_ids_are_422(client, bad_id) -> None:
    assert client.post(f"/api/v1/events/{bad_id}/recommendation").status_code == 422
