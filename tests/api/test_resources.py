"""Every resource lists and shows its records; unknown ids are 404 problems."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core_app.cases.models import Case, QueueTicket, Review
from core_app.events.models import Event, EventCategory
from core_app.matters.models import Matter, MatterBundle
from core_app.org.models import Department, Hall, Region, Staff, StaffPost, Window, WorkCalendarDay
from core_app.people.models import Citizen, Enterprise
from tests.api import builders

RESOURCES = {
    "regions": Region,
    "departments": Department,
    "halls": Hall,
    "windows": Window,
    "staff": Staff,
    "staff-posts": StaffPost,
    "matters": Matter,
    "bundles": MatterBundle,
    "citizens": Citizen,
    "enterprises": Enterprise,
    "cases": Case,
    "tickets": QueueTicket,
    "reviews": Review,
    "event-categories": EventCategory,
    "events": Event,
    "calendar-days": WorkCalendarDay,
}


@pytest.fixture
def one_of_everything(session: Session) -> dict:
    first, second = builders.matter(session), builders.matter(session)
    counter = builders.window(session, matters=[second, first])
    clerk = builders.staff(session)
    builders.staff_post(session, staff_member=clerk, at_window=counter)
    one_thing = builders.bundle(session, matters=[second, first])
    application = builders.case(session, matter_id=first.id, steps=3)
    builders.case(session, enterprise_id=builders.enterprise(session).id)
    builders.ticket(session, case_id=application.id)
    builders.review(session, of_case=application)
    builders.event(session, category_id=builders.event_category(session).id)
    builders.calendar_day(session)
    session.commit()
    return {"matters": [first, second], "window": counter, "bundle": one_thing, "case": application}


@pytest.mark.parametrize("path", RESOURCES)
def test_every_list_counts_all_rows(
    client: TestClient, session: Session, one_of_everything: dict, path: str
) -> None:
    expected = session.scalar(select(func.count()).select_from(RESOURCES[path]))

    body = client.get(f"/api/v1/{path}").json()

    assert expected > 0
    assert body["total"] == expected == len(body["items"])


def test_case_detail_has_steps_in_order(client: TestClient, one_of_everything: dict) -> None:
    case = one_of_everything["case"]

    body = client.get(f"/api/v1/cases/{case.id}").json()
    listed = client.get("/api/v1/cases", params={"id": case.id}).json()["items"][0]

    assert body["case_no"] == case.case_no
    assert [step["comment"] for step in body["steps"]] == ["第1步", "第2步", "第3步"]
    assert body["steps"][0]["started_at"] < body["steps"][1]["started_at"]
    assert "steps" not in listed


def test_timestamps_are_shanghai_time(client: TestClient, one_of_everything: dict) -> None:
    body = client.get(f"/api/v1/cases/{one_of_everything['case'].id}").json()

    assert body["submitted_at"] == "2025-03-03T09:00:00+08:00"


def test_window_lists_its_matter_ids(client: TestClient, one_of_everything: dict) -> None:
    first, second = one_of_everything["matters"]

    body = client.get(f"/api/v1/windows/{one_of_everything['window'].id}").json()

    assert body["matter_ids"] == sorted([first.id, second.id])


def test_bundle_lists_items_in_sequence(client: TestClient, one_of_everything: dict) -> None:
    first, second = one_of_everything["matters"]
    expected = [{"matter_id": second.id, "seq": 1}, {"matter_id": first.id, "seq": 2}]

    detail = client.get(f"/api/v1/bundles/{one_of_everything['bundle'].id}").json()
    listed = client.get("/api/v1/bundles").json()["items"][0]

    assert detail["items"] == expected
    assert listed["items"] == expected


def test_calendar_day_is_addressed_by_date(client: TestClient, one_of_everything: dict) -> None:
    assert client.get("/api/v1/calendar-days/2025-10-01").json()["name"] == "国庆节"
    assert client.get("/api/v1/calendar-days/2025-10-02").status_code == 404


@pytest.mark.parametrize("path", ["cases", "citizens", "matters", "events", "bundles"])
def test_unknown_id_is_404_problem(client: TestClient, path: str) -> None:
    response = client.get(f"/api/v1/{path}/987654")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert "987654" in body["detail"]
    assert body["instance"] == f"/api/v1/{path}/987654"
