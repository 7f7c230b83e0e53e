"""The generic list endpoints: paging, filters, search, sorting and their validation errors."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core_app.api.listing import ResourceSpec
from core_app.cases.models import Case, CaseStatus, Channel
from core_app.cases.schemas import CaseRead
from tests.api import builders
from tests.api.builders import local


@pytest.fixture
def seven_cases(session: Session) -> list[int]:
    """Seven cases on one matter, submitted one day apart from 2025-03-01, in varied states."""
    item = builders.matter(session)
    statuses = [CaseStatus.ACCEPTED, CaseStatus.COMPLETED, CaseStatus.REJECTED] * 2 + [CaseStatus.COMPLETED]
    ids = [
        builders.case(
            session,
            matter_id=item.id,
            case_no=f"NB2025{i:04d}",
            status=status,
            channel=Channel.MOBILE_APP if i % 2 else Channel.WINDOW,
            submitted_at=local(2025, 3, 1) + timedelta(days=i),
        ).id
        for i, status in enumerate(statuses)
    ]
    session.commit()
    return ids


def _case_nos(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["case_no"] for item in response.json()["items"]]


def test_pages_carry_total_page_and_size(client: TestClient, seven_cases: list[int]) -> None:
    first = client.get("/api/v1/cases", params={"page_size": 3, "sort": "id"}).json()
    last = client.get("/api/v1/cases", params={"page_size": 3, "page": 3, "sort": "id"}).json()
    beyond = client.get("/api/v1/cases", params={"page_size": 3, "page": 4}).json()

    assert (first["total"], first["page"], first["page_size"]) == (7, 1, 3)
    assert [item["id"] for item in first["items"]] == seven_cases[:3]
    assert [item["id"] for item in last["items"]] == seven_cases[6:]
    assert beyond["items"] == [] and beyond["total"] == 7


def test_default_page_size_is_50(client: TestClient, seven_cases: list[int]) -> None:
    body = client.get("/api/v1/cases").json()

    assert body["page_size"] == 50 and body["page"] == 1 and len(body["items"]) == 7


def test_exact_and_in_list_filters(client: TestClient, seven_cases: list[int]) -> None:
    completed = client.get("/api/v1/cases", params={"status": "completed"}).json()
    either = client.get("/api/v1/cases", params={"status": "accepted,completed", "channel": "window"}).json()

    assert completed["total"] == 3
    assert {item["status"] for item in completed["items"]} == {"completed"}
    assert either["total"] == 3  # days 0, 4 (accepted) and 6 (completed) are window cases
    assert {item["case_no"] for item in either["items"]} == {"NB20250000", "NB20250004", "NB20250006"}


def test_integer_in_list_filter(client: TestClient, seven_cases: list[int]) -> None:
    wanted = f"{seven_cases[1]},{seven_cases[5]}"

    body = client.get("/api/v1/cases", params={"id": wanted}).json()

    assert sorted(item["id"] for item in body["items"]) == [seven_cases[1], seven_cases[5]]


def test_date_range_includes_whole_end_day(client: TestClient, seven_cases: list[int]) -> None:
    response = client.get(
        "/api/v1/cases",
        params={"submitted_at_from": "2025-03-02", "submitted_at_to": "2025-03-04", "sort": "submitted_at"},
    )

    assert _case_nos(response) == ["NB20250001", "NB20250002", "NB20250003"]


def test_datetime_range_with_offset(client: TestClient, seven_cases: list[int]) -> None:
    # 09:00 Shanghai on 2025-03-03 is 01:00 UTC: the bound is compared in absolute time on both databases.
    response = client.get(
        "/api/v1/cases", params={"submitted_at_from": "2025-03-03T01:00:00Z", "sort": "submitted_at"}
    )
    just_after = client.get("/api/v1/cases", params={"submitted_at_from": "2025-03-03T09:00:01"})

    assert _case_nos(response)[0] == "NB20250002"
    assert just_after.json()["total"] == 4


def test_text_search_is_substring_and_escapes_wildcards(client: TestClient, seven_cases: list[int]) -> None:
    assert _case_nos(client.get("/api/v1/cases", params={"q": "0005"})) == ["NB20250005"]
    assert client.get("/api/v1/cases", params={"q": "nb2025"}).json()["total"] == 7
    assert client.get("/api/v1/cases", params={"q": "%"}).json()["total"] == 0


def test_sorting_ascending_and_descending(client: TestClient, seven_cases: list[int]) -> None:
    ascending = _case_nos(client.get("/api/v1/cases", params={"sort": "submitted_at"}))
    descending = _case_nos(client.get("/api/v1/cases", params={"sort": "-submitted_at"}))
    by_status = client.get("/api/v1/cases", params={"sort": "status,-submitted_at"}).json()["items"]

    assert ascending == sorted(ascending)
    assert descending == ascending[::-1]
    assert [item["status"] for item in by_status] == ["accepted"] * 2 + ["completed"] * 3 + ["rejected"] * 2
    assert [item["case_no"] for item in by_status[:2]] == ["NB20250003", "NB20250000"]


def test_boolean_filter(client: TestClient, session: Session) -> None:
    builders.department(session, code="IN", is_stationed=True)
    builders.department(session, code="OUT", is_stationed=False)
    session.commit()

    body = client.get("/api/v1/departments", params={"is_stationed": "true"}).json()

    assert [item["code"] for item in body["items"]] == ["IN"]


def test_date_column_range(client: TestClient, session: Session) -> None:
    for day in (date(2025, 10, 1), date(2025, 10, 8), date(2025, 9, 28)):
        builders.calendar_day(session, day=day)
    session.commit()

    body = client.get("/api/v1/calendar-days", params={"day_from": "2025-10-01", "sort": "-day"}).json()

    assert [item["day"] for item in body["items"]] == ["2025-10-08", "2025-10-01"]


@pytest.mark.parametrize(
    ("params", "field", "reason_part"),
    [
        ({"page_size": 0}, "query.page_size", "greater than or equal to 1"),
        ({"page_size": 201}, "query.page_size", "less than or equal to 200"),
        ({"page": 0}, "query.page", "greater than or equal to 1"),
        ({"sort": "-password"}, "query.sort", "unknown sort field 'password'"),
        ({"colour": "red"}, "query.colour", "unknown parameter"),
        ({"submitted_at_from": "2025-13-01"}, "query.submitted_at_from", "not an ISO 8601"),
        ({"status": "accepted,lost"}, "query.status", "'lost' is not one of"),
        ({"matter_id": "x"}, "query.matter_id", "not an integer"),
        ({"is_no_rest": "maybe"}, "query.is_no_rest", "true or false"),
        (
            {"submitted_at_from": "2025-03-05", "submitted_at_to": "2025-03-01"},
            "query.submitted_at_to",
            "before",
        ),
        ({"q": " "}, "query.q", "must not be empty"),
    ],
)
def test_bad_parameters_are_422_problems_naming_the_field(
    client: TestClient, params: dict, field: str, reason_part: str
) -> None:
    response = client.get("/api/v1/cases", params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422 and body["instance"] == "/api/v1/cases"
    assert [error["field"] for error in body["errors"]] == [field]
    assert reason_part in body["errors"][0]["reason"]
    assert field in body["detail"]


@pytest.mark.parametrize(
    ("wrong", "error"),
    [
        ({"filters": ("no_such_column",)}, AttributeError),
        ({"ranges": ("case_no",)}, TypeError),
        ({"search": ("matter_id",)}, TypeError),
        ({"default_sort": "-status"}, ValueError),
    ],
)
def test_misconfigured_spec_fails_when_defined(wrong: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        ResourceSpec(model=Case, read_schema=CaseRead, permission="cases:read", **wrong)
