"""全生命周期 over HTTP: time order and contents, scope, CSV equal to JSON, 404 and 422."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from core_app.api.app import create_app
from tests.api import builders as b
from tests.portraits.conftest import ID_CARD, USCC

ENTERPRISE = f"/api/v1/lifecycle/enterprises/{USCC}"
LOOKUP = "/api/v1/lifecycle/citizens:lookup"


@pytest.fixture
def client(engine):
    with TestClient(create_app()) as client:
        yield client


def kinds(body: dict) -> list[tuple[str, str]]:
    return [(item["at"][5:16], item["kind"]) for item in body["items"]]


def test_an_enterprise_lifecycle_is_every_record_in_time_order(client, district, auth_headers):
    response = client.get(ENTERPRISE, headers=auth_headers("supervisor"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["uscc"], body["enterprise_name"], body["total"]) == (USCC, "宁波某某科技有限公司", 18)
    assert kinds(body) == [
        ("11-02T09:00", "case_submitted"),
        ("11-02T09:05", "case_received"),
        ("11-02T09:10", "case_accepted"),
        ("11-02T13:30", "case_completed"),
        ("11-03T10:00", "review"),
        ("11-10T09:00", "case_submitted"),
        ("11-10T09:05", "case_received"),
        ("11-10T09:10", "case_accepted"),
        ("11-11T10:00", "review"),
        ("11-16T08:50", "ticket_taken"),
        ("11-16T08:58", "ticket_called"),
        ("11-16T09:00", "case_submitted"),
        ("11-16T09:05", "case_received"),
        ("11-16T09:06", "ticket_served"),
        ("11-18T15:00", "event_reported"),
        ("11-19T10:00", "event_closed"),
        ("11-20T09:00", "consultation"),
        ("11-21T10:00", "rectification_completed"),
    ]


def test_items_carry_channel_matter_department_case_and_outcome(client, district, auth_headers):
    items = client.get(ENTERPRISE, headers=auth_headers("supervisor")).json()["items"]
    completed = next(i for i in items if i["kind"] == "case_completed")
    assert completed["at"] == "2026-11-02T13:30:00+08:00"
    assert (completed["channel"], completed["matter_name"], completed["department_name"]) == (
        "mobile_app",
        "企业设立登记",
        "市场监督管理局",
    )
    assert (completed["case_no"], completed["status"], completed["outcome"]) == (
        district.cases["c1"].case_no,
        "completed",
        "granted",
    )
    reviews = [i for i in items if i["kind"] == "review"]
    assert [(r["status"], r["outcome"], r["level"]) for r in reviews] == [
        ("valid", "good", 5),
        ("invalid", "bad", 1),
    ]
    served = next(i for i in items if i["kind"] == "ticket_served")
    assert (served["channel"], served["case_no"], served["department_name"]) == (
        "window",
        district.cases["c3"].case_no,
        "市场监督管理局",
    )
    assert served["reference"].startswith("A")
    closed = next(i for i in items if i["kind"] == "event_closed")
    assert (closed["channel"], closed["status"], closed["outcome"]) == (
        "hotline_12345",
        "closed",
        "satisfied",
    )
    asked = next(i for i in items if i["kind"] == "consultation")
    assert asked["topic"] == "注销需要哪些材料？电话138****5678"  # free text masked
    rectified = items[-1]
    assert (rectified["kind"], rectified["outcome"], rectified["department_name"]) == (
        "rectification_completed",
        "satisfied",
        "公安分局",
    )


def test_from_and_to_narrow_the_items_a_bare_to_date_including_its_day(client, district, auth_headers):
    response = client.get(
        ENTERPRISE, headers=auth_headers("supervisor"), params={"from": "2026-11-16", "to": "2026-11-18"}
    )
    assert [k for _, k in kinds(response.json())] == [
        "ticket_taken",
        "ticket_called",
        "case_submitted",
        "case_received",
        "ticket_served",
        "event_reported",
    ]
    bad = client.get(ENTERPRISE, headers=auth_headers("supervisor"), params={"from": "16/11/2026"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.from"
    backwards = client.get(
        ENTERPRISE, headers=auth_headers("supervisor"), params={"from": "2026-11-18", "to": "2026-11-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "query.to"


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:])))
    blank = lines.index([])
    assert all(line[0].startswith("# ") for line in lines[:blank])
    return lines[blank + 1], lines[blank + 2 :]


def test_csv_holds_exactly_the_json_rows(client, district, auth_headers):
    headers = auth_headers("supervisor")
    items = client.get(ENTERPRISE, headers=headers).json()["items"]
    response = client.get(ENTERPRISE, headers=headers, params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header, rows = read_csv(response.text)
    assert header[:3] == ["时间 at", "环节 kind", "渠道 channel"]
    names = [cell.split(" ")[-1] for cell in header]
    expected = [["" if item[n] is None else str(item[n]) for n in names] for item in items]
    assert rows == expected


def test_a_citizen_is_looked_up_by_id_number_in_the_body(client, district, auth_headers):
    headers = auth_headers("supervisor")
    response = client.post(LOOKUP, headers=headers, json={"id_card_no": ID_CARD.lower()})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["subject_id"] == district.citizen.id and body["citizen_name"] == "张*"
    # c4 (two visits), c5, c6, the missed ticket and the event of 1 October.
    assert body["items"][0]["kind"] == "event_reported"
    assert [i["kind"] for i in body["items"]].count("ticket_taken") == 3
    by_id = client.get(f"/api/v1/lifecycle/citizens/{district.citizen.id}", headers=headers).json()
    assert by_id["items"] == body["items"]
    assert ID_CARD not in response.text


def test_malformed_identifiers_are_422_naming_the_field(client, district, auth_headers):
    headers = auth_headers("supervisor")
    bad_uscc = client.get("/api/v1/lifecycle/enterprises/91330203MA2BBBBB1X", headers=headers)
    assert bad_uscc.status_code == 422 and bad_uscc.json()["errors"][0]["field"] == "path.uscc"
    wrong_digit = ID_CARD[:17] + ("0" if ID_CARD[17] != "0" else "1")
    bad_id = client.post(LOOKUP, headers=headers, json={"id_card_no": wrong_digit})
    assert bad_id.status_code == 422 and bad_id.json()["errors"][0]["field"] == "body.id_card_no"
    assert wrong_digit not in bad_id.text
    missing = client.post(LOOKUP, headers=headers, json={})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "body.id_card_no"
    bad_citizen = client.get("/api/v1/lifecycle/citizens/0", headers=headers)
    assert bad_citizen.status_code == 422 and bad_citizen.json()["errors"][0]["field"] == "path.citizen_id"


def test_unknown_applicants_are_404(client, district, auth_headers):
    headers = auth_headers("supervisor")
    other_uscc = b.valid_uscc("91330203MA2CCCCC1")
    assert client.get(f"/api/v1/lifecycle/enterprises/{other_uscc}", headers=headers).status_code == 404
    stranger = b.valid_id_card("11010519800101001")
    response = client.post(LOOKUP, headers=headers, json={"id_card_no": stranger})
    assert response.status_code == 404 and "no citizen" in response.json()["detail"]
    assert client.get("/api/v1/lifecycle/citizens/999999", headers=headers).status_code == 404


def test_without_the_permission_403(client, district, auth_headers):
    headers = auth_headers("window_staff")
    assert client.get(ENTERPRISE, headers=headers).status_code == 403
    assert client.post(LOOKUP, headers=headers, json={"id_card_no": ID_CARD}).status_code == 403


def test_a_department_sees_its_own_part_of_an_applicant_it_served(client, district, auth_headers):
    # The tax office (公安分局 here) had c2 and its review and rectification; not the window, the event or
    # the consultation of the market regulator.
    headers = auth_headers("dept_admin", scope="department", scope_id=district.dept_b.id)
    body = client.get(ENTERPRISE, headers=headers).json()
    assert [k for _, k in kinds(body)] == [
        "case_submitted",
        "case_received",
        "case_accepted",
        "review",
        "rectification_completed",
    ]
    # A department the enterprise never applied to does not see it at all.
    stranger = auth_headers("dept_admin", scope="department", scope_id=district.dept_c.id)
    assert client.get(ENTERPRISE, headers=stranger).status_code == 404
