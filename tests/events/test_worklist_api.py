"""What the workbench and handler pages read: the handler's worklist with its running deadline, the dispatch
queue's end-to-end deadline, and an event's linked repeats."""

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from core_app.api.app import create_app
from core_app.events.models import Complexity, EventStatus
from core_app.sla.models import SlaPolicy
from tests.api import builders as b


@pytest.fixture
def world(session, auth_headers):
    """Two departments with a handler each, a dispatcher, a leader and three new events."""
    water = b.department(session, code="WATER", name="水务局")
    roads = b.department(session, code="ROAD", name="住建局")
    events = [b.event(session, status=EventStatus.RECEIVED) for _ in range(3)]
    session.commit()
    app = create_app()

    def client(role, **scope):
        return TestClient(app, headers=auth_headers(role, **scope))

    return {
        "events": events,
        "water": water,
        "roads": roads,
        "dispatcher": client("dispatcher"),
        "water_handler": client("dept_handler", scope="department", scope_id=water.id),
        "roads_handler": client("dept_handler", scope="department", scope_id=roads.id),
        "leader": client("leader"),
    }


def act(client: TestClient, event_id: int, action: str, **body) -> dict:
    response = client.post(f"/api/v1/events/{event_id}/{action}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def dispatch(world, event, department: str) -> dict:
    act(world["dispatcher"], event.id, "accept")
    return act(world["dispatcher"], event.id, "dispatch", department_id=world[department].id)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_handler_sees_the_open_events_of_their_department_with_the_running_deadline(world) -> None:
    first, second, other = world["events"]
    dispatch(world, first, "water")
    dispatch(world, second, "water")
    dispatch(world, other, "roads")
    signed = act(world["water_handler"], second.id, "sign")

    items = world["water_handler"].get("/api/v1/handling-queue").json()

    assert [item["id"] for item in items] == [first.id, second.id]  # the sign-off limit runs out first
    waiting, working = items
    assert waiting["due_kind"] == "sign" and waiting["status"] == "dispatched"
    assert at(waiting["due_at"]) == at(waiting["dispatched_at"]) + timedelta(minutes=15)
    assert working["due_kind"] == "handle" and working["version"] == signed["version"]
    assert at(working["due_at"]) == at(working["dispatched_at"]) + timedelta(minutes=30)  # 153024, simple
    assert "13612345678" not in str(items)  # titles and addresses are masked
    assert [i["id"] for i in world["roads_handler"].get("/api/v1/handling-queue").json()] == [other.id]


def test_finished_events_leave_the_worklist_and_readers_without_handle_get_403(world) -> None:
    event = world["events"][0]
    dispatch(world, event, "water")
    for action, body in (
        ("sign", {}),
        ("start", {}),
        ("feedback", {"result": "resolved", "content": "好了"}),
    ):
        act(world["water_handler"], event.id, action, **body)

    assert world["water_handler"].get("/api/v1/handling-queue").json() == []
    assert world["leader"].get("/api/v1/handling-queue").status_code == 403
    assert world["dispatcher"].get("/api/v1/handling-queue").status_code == 403


def test_the_dispatch_queue_counts_the_end_to_end_limit_from_acceptance(world, session) -> None:
    simple, complex_, slow = world["events"]
    category = b.event_category(session)
    complex_.complexity = Complexity.COMPLEX
    slow.category_id = category.id
    session.add(SlaPolicy(category_id=category.id, complexity=Complexity.SIMPLE, handle_minutes=120))
    session.commit()
    for event in (simple, complex_, slow):
        act(world["dispatcher"], event.id, "accept")

    queue = {item["id"]: item for item in world["dispatcher"].get("/api/v1/dispatch-queue").json()}

    def limit(event) -> timedelta:
        item = queue[event.id]
        return at(item["due_at"]) - at(item["accepted_at"]).replace(microsecond=0)

    assert limit(simple) == timedelta(minutes=30)
    assert limit(complex_) == timedelta(hours=24)
    assert limit(slow) == timedelta(minutes=120)  # the category's own policy row
    assert queue[complex_.id]["complexity"] == "complex"


def test_an_events_repeats_are_listed_by_duplicate_of_id(world, session) -> None:
    original = world["events"][0]
    repeat = b.event(session, status=EventStatus.RECEIVED, duplicate_of_id=original.id)
    session.commit()

    page = world["dispatcher"].get("/api/v1/events", params={"duplicate_of_id": original.id}).json()

    assert [item["id"] for item in page["items"]] == [repeat.id]
    assert page["items"][0]["duplicate_of_id"] == original.id
