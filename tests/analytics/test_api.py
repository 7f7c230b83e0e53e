"""GET /api/v1/analytics/{analysis}: levels of drill-down, records behind a number, exports equal to the JSON,
data scope, and clear 422s. A small analysis declared here keeps the route's tests independent of the
indicator modules (tested on their own)."""

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from core_app.analytics import routes, service
from core_app.analytics.engine import Analysis, Flow, Level, Ratio
from core_app.analytics.models import CaseFact
from core_app.analytics.sources import CASE_FACTS
from core_app.api.app import create_app
from core_app.cases.models import CaseStatus, Channel
from tests.api import builders as b

F = CaseFact
PROBE = Analysis(
    name="probe",
    title="测试分析",
    section="3.2.2.2",
    measures=(
        Flow("accepted_count", "受理数", CASE_FACTS, F.accepted_at),
        Flow("completed_count", "办结数", CASE_FACTS, F.completed_at),
        Flow("on_time_count", "按时办结数", CASE_FACTS, F.completed_at, when=F.completed_at <= F.due_at),
        Ratio("on_time_rate", "期内办结率", "on_time_count", "completed_count"),
        Level(
            "overdue_open",
            "超期未办结",
            CASE_FACTS,
            lambda at: (F.due_at < at) & (F.accepted_at < at) & (F.ended_at.is_(None) | (F.ended_at >= at)),
        ),
    ),
    dimensions=("department", "staff", "channel"),
    drill=("department", "staff"),
)


@pytest.fixture
def hall(session, auth_headers, monkeypatch):
    """Departments A and B; A has staff s1 and s2; cases from December 2025 to February 2026."""
    monkeypatch.setattr(service, "analyses", lambda: {"probe": PROBE})
    monkeypatch.setattr(routes, "analyses", lambda: {"probe": PROBE})
    a = b.department(session, name="市场监管局")
    dept_b = b.department(session, name="人社局")
    s1 = b.staff(session, name="王小明", department_id=a.id)
    s2 = b.staff(session, name="李华", department_id=a.id)
    m_a = b.matter(session, department_id=a.id)
    m_b = b.matter(session, department_id=dept_b.id)

    def case(matter, staff, accepted, completed=None, due=None, **fields):
        return b.case(
            session,
            matter_id=matter.id,
            handler_staff_id=staff.id if staff else None,
            submitted_at=accepted,
            received_at=accepted,
            accepted_at=accepted,
            completed_at=completed,
            due_at=due,
            status=CaseStatus.COMPLETED if completed else CaseStatus.ACCEPTED,
            **fields,
        )

    # January 2026: s1 completes one on time and one late; s2 one on time (via pc_web); B one still open.
    c1 = case(m_a, s1, b.local(2026, 1, 5), b.local(2026, 1, 6), b.local(2026, 1, 9, 17, 30))
    c2 = case(m_a, s1, b.local(2026, 1, 5), b.local(2026, 1, 20), b.local(2026, 1, 9, 17, 30))
    case(
        m_a,
        s2,
        b.local(2026, 1, 12),
        b.local(2026, 1, 13),
        b.local(2026, 1, 16, 17, 30),
        channel=Channel.PC_WEB,
    )
    open_b = case(m_b, None, b.local(2026, 1, 26), due=b.local(2026, 1, 28, 17, 30))
    # December 2025: one case of s1, completed on time; February 2026: one of s1 accepted.
    case(m_a, s1, b.local(2025, 12, 1), b.local(2025, 12, 2), b.local(2025, 12, 5, 17, 30))
    case(m_a, s1, b.local(2026, 2, 2))
    session.commit()
    app = create_app()
    return {
        "ids": {
            "A": a.id,
            "B": dept_b.id,
            "s1": s1.id,
            "s2": s2.id,
            "c1": c1.id,
            "c2": c2.id,
            "open_b": open_b.id,
        },
        "reader": TestClient(app, headers=auth_headers("leader")),
        "a_admin": TestClient(app, headers=auth_headers("dept_admin", scope="department", scope_id=a.id)),
        "citizen": TestClient(app, headers=auth_headers("citizen", scope="self")),
    }


JANUARY = {"granularity": "month", "from": "2026-01-01", "to": "2026-02-01"}


def get(client, **params):
    response = client.get("/api/v1/analytics/probe", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_district_total_with_month_over_month_across_the_year_boundary(hall):
    (row,) = get(hall["reader"], **JANUARY)["rows"]
    # January: accepted 4, completed 3 (c1, c2, s2's), on time 2 -> 2/3; December: 1 accepted, 1 on time.
    assert row["period"] == "2026-01"
    assert (row["accepted_count"], row["completed_count"], row["on_time_count"]) == (4, 3, 2)
    assert row["on_time_rate"] == pytest.approx(2 / 3)
    assert row["accepted_count_pop"] == pytest.approx(3.0)  # (4 - 1) / 1
    assert row["on_time_rate_pop"] == pytest.approx(2 / 3 - 1)  # points: 66.7 % against 100 %
    assert row["accepted_count_yoy"] is None  # January 2025 had nothing: no divisor
    # Open at the end of January and past due: B's case (due 28 January).
    assert row["overdue_open"] == 1


def test_drill_department_then_staff_then_cases(hall):
    ids = hall["ids"]
    rows = get(hall["reader"], **JANUARY, by="department")["rows"]
    by_dept = {r["department_name"]: (r["accepted_count"], r["overdue_open"]) for r in rows}
    assert by_dept == {"市场监管局": (3, 0), "人社局": (1, 1)}
    rows = get(hall["reader"], **JANUARY, by="staff", department=str(ids["A"]))["rows"]
    # Staff names are masked on screen and in exports.
    assert {r["staff_name"]: r["on_time_count"] for r in rows} == {"王**": 1, "李*": 1}
    page = get(hall["reader"], **JANUARY, by="cases", indicator="completed_count", staff=str(ids["s1"]))
    assert page["total"] == 2
    assert {item["case_id"] for item in page["items"]} == {ids["c1"], ids["c2"]}
    # A rate lists the records of its numerator: the on-time ones.
    page = get(hall["reader"], **JANUARY, by="cases", indicator="on_time_rate", staff=str(ids["s1"]))
    assert [item["case_id"] for item in page["items"]] == [ids["c1"]]
    page = get(hall["reader"], **JANUARY, by="cases", indicator="overdue_open")
    assert [item["case_id"] for item in page["items"]] == [ids["open_b"]]


def test_series_by_month_and_by_channel(hall):
    body = get(hall["reader"], granularity="month", **{"from": "2025-12-01", "to": "2026-03-01"})
    assert [(r["period"], r["accepted_count"]) for r in body["rows"]] == [
        ("2025-12", 1),
        ("2026-01", 4),
        ("2026-02", 1),
    ]
    rows = get(hall["reader"], **JANUARY, by="channel")["rows"]
    assert {r["channel_name"]: r["accepted_count"] for r in rows} == {"窗口": 3, "浙江政务服务网": 1}


def test_csv_and_xlsx_hold_exactly_the_json_numbers_and_the_filters(hall):
    params = {**JANUARY, "by": "staff", "department": str(hall["ids"]["A"])}
    rows = get(hall["reader"], **params)["rows"]
    response = hall["reader"].get("/api/v1/analytics/probe", params={**params, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    header_at = lines.index("")
    filters = dict(csv.reader(lines[:header_at]))
    assert filters["# department"] == str(hall["ids"]["A"]) and filters["# by"] == "staff"
    table = list(csv.DictReader(io.StringIO("\n".join(lines[header_at + 1 :]))))
    columns = {label.split()[-1]: label for label in table[0]}
    for exported, row in zip(
        sorted(table, key=lambda r: r[columns["staff"]]), sorted(rows, key=lambda r: r["staff"]), strict=True
    ):
        for name in ("staff", "accepted_count", "on_time_rate", "accepted_count_pop"):
            expected = "" if row[name] is None else str(row[name])
            assert exported[columns[name]] == expected, name

    response = hall["reader"].get("/api/v1/analytics/probe", params={**params, "format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    header, *data = list(book["data"].values)
    names = [label.split()[-1] for label in header]
    exported = sorted((dict(zip(names, values, strict=True)) for values in data), key=lambda r: r["staff"])
    for got, row in zip(exported, sorted(rows, key=lambda r: r["staff"]), strict=True):
        assert got["on_time_rate"] == pytest.approx(row["on_time_rate"])
        assert got["accepted_count"] == row["accepted_count"]
    assert dict(book["filters"].values)["department"] == str(hall["ids"]["A"])


def test_a_department_admin_sees_only_its_department(hall):
    (row,) = get(hall["a_admin"], **JANUARY)["rows"]
    assert (row["accepted_count"], row["overdue_open"]) == (3, 0)
    page = get(hall["a_admin"], **JANUARY, by="cases", indicator="overdue_open")
    assert page["total"] == 0


def test_citizens_may_not_read_analyses(hall):
    assert hall["citizen"].get("/api/v1/analytics/probe", params=JANUARY).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"granularity": "fortnight"}, "query.granularity"),
        ({"from": "2026-13-01"}, "query.from"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "query.to"),
        ({"by": "matter"}, "query.by"),
        ({"by": "cases"}, "query.indicator"),
        ({"by": "cases", "indicator": "nope"}, "query.indicator"),
        ({"department": "abc"}, "query.department"),
        ({"channel": "fax"}, "query.channel"),
        ({"granularity": "day", "from": "2024-01-01", "to": "2026-01-01"}, "query.granularity"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(hall, params, field):
    response = hall["reader"].get("/api/v1/analytics/probe", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_unknown_analysis_is_422_and_the_list_describes_each(hall):
    response = hall["reader"].get("/api/v1/analytics/nothing")
    assert response.status_code == 422
    (info,) = hall["reader"].get("/api/v1/analytics").json()
    assert info["name"] == "probe" and info["drill"] == ["department", "staff"]
    assert {i["name"]: i["listable"] for i in info["indicators"]}["on_time_rate"] is True


def test_the_records_behind_a_number_export_as_csv(hall):
    params = {**JANUARY, "by": "cases", "indicator": "completed_count", "staff": str(hall["ids"]["s1"])}
    listed = get(hall["reader"], **params)["items"]
    response = hall["reader"].get("/api/v1/analytics/probe", params={**params, "format": "csv"})
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    table = list(csv.DictReader(io.StringIO("\n".join(lines[lines.index("") + 1 :]))))
    assert sorted(int(r["case_id"]) for r in table) == sorted(item["case_id"] for item in listed)
    assert {r["case_no"] for r in table} == {item["case_no"] for item in listed}
