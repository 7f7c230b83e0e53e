"""The cockpit's aggregates: event breakdown of a period (环比, satisfaction, open and overdue now) and the
monthly case trend, both in the caller's data scope."""

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from core_app.api.app import create_app
from core_app.cases.models import CaseStatus
from core_app.cockpit import routes
from core_app.config import LOCAL_TZ
from core_app.events.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    EventSource,
    EventStatus,
    Satisfaction,
)
from tests.api import builders as b

EVENTS = "/api/v1/cockpit/events"
TREND = "/api/v1/cockpit/case-trend"
NOW = datetime(2025, 3, 20, 12, tzinfo=LOCAL_TZ)


def at(month: int, day: int) -> datetime:
    return datetime(2025, month, day, 10, tzinfo=LOCAL_TZ)


@pytest.fixture
def api(engine, auth_headers, monkeypatch):
    monkeypatch.setattr(routes, "utcnow", lambda: NOW)

    def client(role: str = "leader", **scope) -> TestClient:
        return TestClient(create_app(), headers=auth_headers(role, **scope))

    return client


@pytest.fixture
def district(session):
    water, roads = b.department(session, code="WATER"), b.department(session, code="ROADS")

    def event(when, department, **fields):
        return b.event(session, reported_at=when, department_id=department.id, **fields)

    march = [
        event(at(3, 2), water, status=EventStatus.CLOSED, satisfaction=Satisfaction.SATISFIED),
        event(at(3, 3), water, status=EventStatus.CLOSED, satisfaction=Satisfaction.DISSATISFIED),
        event(at(3, 4), roads, status=EventStatus.IN_PROGRESS, source=EventSource.GRID),
        event(at(3, 5), water, status=EventStatus.DISPATCHED, source=EventSource.GRID),
    ]
    february = [event(at(2, 10), water, status=EventStatus.CLOSED), event(at(2, 11), roads)]
    # In progress, its assignment overdue since yesterday; the dispatched one is still within its time.
    for event_, due in ((march[2], NOW - timedelta(days=1)), (march[3], NOW + timedelta(days=1))):
        session.add(
            Assignment(
                event_id=event_.id,
                department_id=event_.department_id,
                dispatched_at=event_.reported_at,
                handle_due_at=due,
                role=AssignmentRole.LEAD,
                status=AssignmentStatus.IN_PROGRESS,
            )
        )
    matter = b.matter(session, department_id=water.id)
    b.case(session, matter_id=matter.id, submitted_at=at(2, 3))
    b.case(
        session,
        matter_id=matter.id,
        submitted_at=at(2, 5),
        status=CaseStatus.COMPLETED,
        completed_at=at(3, 1),
    )
    b.case(session, matter_id=b.matter(session, department_id=roads.id).id, submitted_at=at(3, 6))
    session.commit()
    return {"water": water, "roads": roads, "march": march, "february": february}


def test_event_breakdown_of_a_month_against_the_month_before(district, api) -> None:
    response = api().get(EVENTS, params={"from": "2025-03-01", "to": "2025-04-01"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4 and body["previous_total"] == 2  # February, not the 31 days before
    assert body["by_source"] == {"hotline_12345": 2, "grid": 2}
    assert body["by_status"] == {"closed": 2, "in_progress": 1, "dispatched": 1}
    assert body["rated"] == 2 and body["satisfaction_rate"] == pytest.approx(0.5)
    # open now: the in-progress and dispatched ones of March and February's unfinished one
    assert body["open_now"] == 3 and body["overdue_now"] == 1


def test_event_breakdown_defaults_to_this_month(district, api) -> None:
    body = api().get(EVENTS).json()
    assert body["period_from"].startswith("2025-03-01T00:00:00") and body["total"] == 4


def test_event_breakdown_follows_the_data_scope(district, api) -> None:
    roads = api("dept_handler", scope="department", scope_id=district["roads"].id)
    body = roads.get(EVENTS, params={"from": "2025-03-01", "to": "2025-04-01"}).json()
    assert body["total"] == 1 and body["previous_total"] == 1 and body["by_source"] == {"grid": 1}
    assert body["overdue_now"] == 1 and body["open_now"] == 2


def test_event_breakdown_refuses_bad_periods_and_roles(district, api) -> None:
    backwards = api().get(EVENTS, params={"from": "2025-03-01", "to": "2025-02-01"})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "query.to"
    garbled = api().get(EVENTS, params={"from": "March"})
    assert garbled.status_code == 422 and garbled.json()["errors"][0]["field"] == "query.from"
    too_long = api().get(EVENTS, params={"from": "2023-01-01", "to": "2025-01-01"})
    assert too_long.status_code == 422
    assert api("hall_manager").get(EVENTS).status_code == 403  # no events:read


def test_case_trend_counts_accepted_and_completed_per_month(district, api) -> None:
    response = api().get(TREND, params={"months": 3})
    assert response.status_code == 200
    assert response.json()["months"] == [
        {"month": "2025-01", "accepted": 0, "completed": 0},
        {"month": "2025-02", "accepted": 2, "completed": 0},
        {"month": "2025-03", "accepted": 1, "completed": 1},
    ]
    water = api("dept_handler", scope="department", scope_id=district["water"].id)
    assert [m["accepted"] for m in water.get(TREND, params={"months": 2}).json()["months"]] == [2, 0]
    assert api().get(TREND, params={"months": 0}).status_code == 422
    assert api("dispatcher").get(TREND).status_code == 403  # no cases:read
