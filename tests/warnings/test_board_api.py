"""The warning board over HTTP: list filters, data scope, disposal (403/404/409/422, audited), summary.

Hand-built warnings (the clock of the API is the real one, after November 2026):
department A
  w1 receipt_response yellow, open,    triggered 19 Oct 10:00, dispose by 20 Oct 10:00  -> open past due, late
  w2 overdue          red,    disposed 21 Oct 09:00,            dispose by 20 Oct 17:30  -> disposed late
  w3 bad_review       red,    disposed 22 Oct,                  dispose by  9 Nov         -> in time
  w4 overdue          red,    open,     triggered 30 Oct,       dispose by 2030           -> not late yet
  w5 receipt_response yellow, closed 5 Oct,                     dispose by  6 Oct         -> closed: not late
  w6 overdue          red,    open,     triggered 30 Sep,       dispose by  1 Oct         -> late, September
department B
  w7 special_step     red,    open,     triggered 10 Oct,       dispose by 11 Oct         -> late
October (from=2026-10-01&to=2026-10-31), A: triggered 5 (w1-w5), yellow 2 (w1, w5), red 3,
disposed 2 (w2, w3), open 2 (w1, w4), closed 1 (w5), overdue_disposal 2 (w1, w2);
B: 1, 0, 1, 0, 1, 0, 1; total 6, 2, 4, 2, 3, 1, 3.
"""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core_app.api.app import create_app
from core_app.audit.models import AuditLog
from core_app.cases.models import CaseStatus
from core_app.warnings.models import RuleType, Warning, WarningLevel, WarningStatus, WarningTarget
from tests.api import builders as b
from tests.warnings.fixtures import local, rule

OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}


def _warning(session, rule_row, department, n, **fields):
    values = {
        "rule_id": rule_row.id,
        "rule_type": rule_row.rule_type,
        "target_type": WarningTarget.CASE,
        "target_id": n,
        "department_id": department.id,
        "level": WarningLevel.RED,
        "value": 1,
        "threshold": 1,
        "status": WarningStatus.OPEN,
    }
    record = Warning(**(values | fields))
    session.add(record)
    session.flush()
    return record


@pytest.fixture
def board(session, auth_headers):
    a, other = b.department(session, name="甲局"), b.department(session, name="乙局")
    submitted = b.case(
        session, department_id=a.id, status=CaseStatus.SUBMITTED, received_at=None, accepted_at=None
    )
    rules = {
        kind: rule(session, rule_type=kind, threshold=1, unit=unit)
        for kind, unit in (
            (RuleType.RECEIPT_RESPONSE, "working_minutes"),
            (RuleType.OVERDUE, "working_minutes"),
            (RuleType.BAD_REVIEW, "count"),
            (RuleType.SPECIAL_STEP_DURATION, "working_minutes"),
        )
    }
    receipt, overdue = rules[RuleType.RECEIPT_RESPONSE], rules[RuleType.OVERDUE]
    w = {
        "w1": _warning(
            session,
            receipt,
            a,
            submitted.id,
            case_id=submitted.id,
            level=WarningLevel.YELLOW,
            triggered_at=local(2026, 10, 19, 10),
            dispose_due_at=local(2026, 10, 20, 10),
        ),
        "w2": _warning(
            session,
            overdue,
            a,
            2,
            triggered_at=local(2026, 10, 19, 18),
            dispose_due_at=local(2026, 10, 20, 17, 30),
            status=WarningStatus.DISPOSED,
            disposed_at=local(2026, 10, 21, 9),
        ),
        "w3": _warning(
            session,
            rules[RuleType.BAD_REVIEW],
            a,
            3,
            target_type=WarningTarget.REVIEW,
            triggered_at=local(2026, 10, 19, 10, 5),
            dispose_due_at=local(2026, 11, 9, 10, 5),
            status=WarningStatus.DISPOSED,
            disposed_at=local(2026, 10, 22, 9),
        ),
        "w4": _warning(
            session, overdue, a, 4, triggered_at=local(2026, 10, 30, 9), dispose_due_at=local(2030, 1, 1)
        ),
        "w5": _warning(
            session,
            receipt,
            a,
            5,
            level=WarningLevel.YELLOW,
            triggered_at=local(2026, 10, 5, 10),
            dispose_due_at=local(2026, 10, 6, 10),
            status=WarningStatus.CLOSED,
            closed_at=local(2026, 10, 5, 15),
        ),
        "w6": _warning(
            session, overdue, a, 6, triggered_at=local(2026, 9, 30, 9), dispose_due_at=local(2026, 10, 1, 9)
        ),
        "w7": _warning(
            session,
            rules[RuleType.SPECIAL_STEP_DURATION],
            other,
            7,
            target_type=WarningTarget.CASE_STEP,
            triggered_at=local(2026, 10, 10, 9),
            dispose_due_at=local(2026, 10, 11, 9),
        ),
    }
    session.commit()
    app = create_app()
    return {
        "a": a,
        "b": other,
        "w": {name: row.id for name, row in w.items()},
        "admin": TestClient(app, headers=auth_headers("system_admin")),
        "admin_a": TestClient(app, headers=auth_headers("dept_admin", scope="department", scope_id=a.id)),
        "supervisor": TestClient(app, headers=auth_headers("supervisor")),
        "citizen": TestClient(app, headers=auth_headers("citizen")),
    }


def _ids(response, board) -> list[str]:
    assert response.status_code == 200, response.text
    names = {v: k for k, v in board["w"].items()}
    return [names[item["id"]] for item in response.json()["items"]]


def test_the_list_filters_and_sorts_newest_first(board) -> None:
    admin = board["admin"]
    everything = admin.get("/api/v1/warnings")
    assert _ids(everything, board) == ["w4", "w2", "w3", "w1", "w7", "w5", "w6"]
    assert everything.json()["total"] == 7
    assert _ids(admin.get("/api/v1/warnings", params={"rule_type": "overdue"}), board) == ["w4", "w2", "w6"]
    assert _ids(admin.get("/api/v1/warnings", params={"overdue_disposal": "true"}), board) == [
        "w2",
        "w1",
        "w7",
        "w6",
    ]
    late_in_october = admin.get("/api/v1/warnings", params={"overdue_disposal": "true", **OCTOBER})
    assert _ids(late_in_october, board) == ["w2", "w1", "w7"]
    assert _ids(admin.get("/api/v1/warnings", params={"case_status": "submitted"}), board) == ["w1"]
    assert _ids(admin.get("/api/v1/warnings", params={"department_id": board["b"].id}), board) == ["w7"]
    assert _ids(admin.get("/api/v1/warnings", params={"level": "yellow", "status": "open"}), board) == ["w1"]
    paged = admin.get("/api/v1/warnings", params={"page": 2, "page_size": 3})
    assert _ids(paged, board) == ["w1", "w7", "w5"] and paged.json()["total"] == 7

    detail = admin.get(f"/api/v1/warnings/{board['w']['w1']}").json()
    assert (detail["case_status"], detail["overdue_disposal"], detail["level"]) == (
        "submitted",
        True,
        "yellow",
    )


def test_bad_filters_are_422_naming_the_parameter(board) -> None:
    admin = board["admin"]
    for params, field in (
        ({"level": "purple"}, "query.level"),
        ({"from": "yesterday"}, "query.from"),
        ({"from": "2026-10-31", "to": "2026-10-01"}, "query.to"),
    ):
        response = admin.get("/api/v1/warnings", params=params)
        assert response.status_code == 422, params
        assert field in response.text


def test_a_department_admin_sees_only_its_department(board) -> None:
    admin_a = board["admin_a"]
    assert _ids(admin_a.get("/api/v1/warnings"), board) == ["w4", "w2", "w3", "w1", "w5", "w6"]
    assert admin_a.get(f"/api/v1/warnings/{board['w']['w7']}").status_code == 404
    assert (
        admin_a.post(f"/api/v1/warnings/{board['w']['w7']}/dispose", json={"note": "看过"}).status_code == 404
    )
    summary = admin_a.get("/api/v1/warnings/summary", params=OCTOBER).json()
    assert [d["department_id"] for d in summary["departments"]] == [board["a"].id]
    assert board["citizen"].get("/api/v1/warnings").status_code == 403


def test_disposal_needs_warnings_write_a_note_and_a_live_warning(board, session) -> None:
    w1 = board["w"]["w1"]
    url = f"/api/v1/warnings/{w1}/dispose"
    assert board["supervisor"].post(url, json={"note": "已督促"}).status_code == 403
    assert board["admin_a"].post(url, json={"note": ""}).status_code == 422
    blank = board["admin_a"].post(url, json={"note": "   "})
    assert blank.status_code == 422 and "body.note" in blank.text
    assert board["admin_a"].post(url, json={}).status_code == 422

    done = board["admin_a"].post(url, json={"note": "已电话督促收件"})
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["disposal_note"]) == ("disposed", "已电话督促收件")
    assert body["disposed_by"] is not None and body["disposed_at"] is not None
    assert body["overdue_disposal"] is True  # disposed after its 20 Oct deadline

    again = board["admin_a"].post(url, json={"note": "再次处置"})
    assert again.status_code == 409
    closed = board["admin_a"].post(f"/api/v1/warnings/{board['w']['w5']}/dispose", json={"note": "x"})
    assert closed.status_code == 409
    [audit] = session.scalars(select(AuditLog).where(AuditLog.action == "dispose")).all()
    assert (audit.entity, audit.entity_id) == ("warnings", str(w1))
    assert (audit.before["status"], audit.after["status"]) == ("open", "disposed")


def test_the_summary_counts_per_department(board) -> None:
    response = board["admin"].get("/api/v1/warnings/summary", params=OCTOBER)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["from"], summary["to"]) == ("2026-10-01", "2026-10-31")
    fields = ("triggered", "yellow", "red", "disposed", "open", "closed", "overdue_disposal_count")
    rows = {row["department_id"]: tuple(row[f] for f in fields) for row in summary["departments"]}
    assert rows == {board["a"].id: (5, 2, 3, 2, 2, 1, 2), board["b"].id: (1, 0, 1, 0, 1, 0, 1)}
    assert tuple(summary["total"][f] for f in fields) == (6, 2, 4, 2, 3, 1, 3)
    assert summary["departments"][0]["department_name"] == "甲局"
