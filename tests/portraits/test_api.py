"""Portraits over HTTP: filters, order, paging, tag counts, CSV equal to JSON, scope, 404 and 422, rebuild."""

import pytest
from fastapi.testclient import TestClient

from core_app.api.app import create_app
from core_app.portraits.service import build_portraits
from features.portraits.labels import FEATURES
from features.portraits.rules import TAGS
from tests.api import builders as b
from tests.portraits.conftest import NOW
from tests.portraits.test_lifecycle import read_csv


@pytest.fixture
def built(session, district):
    """The district plus a second department's member, portrayed."""
    district.s3 = b.staff(session, department_id=district.dept_b.id, staff_no="S-003")
    session.commit()
    build_portraits(session, full=True, now=NOW)
    session.commit()
    return district


@pytest.fixture
def client(engine):
    with TestClient(create_app()) as client:
        yield client


def test_list_filters_by_tags_score_and_department(client, built, auth_headers):
    headers = auth_headers("leader")
    staff = client.get("/api/v1/portraits/staff", headers=headers).json()
    # s2 (workload 5 -> percentile 1) scores 100, s1 (workload 3 -> 0) scores 0, s3 did nothing: no score.
    assert [(i["subject_id"], i["score"]) for i in staff["items"]] == [
        (built.s2.id, 100.0),
        (built.s1.id, 0.0),
        (built.s3.id, None),
    ]
    assert staff["items"][0]["label"] == "S-002" and staff["total"] == 3
    ascending = client.get("/api/v1/portraits/staff", headers=headers, params={"order": "score"}).json()
    assert [i["subject_id"] for i in ascending["items"]] == [built.s1.id, built.s2.id, built.s3.id]
    dept_b = client.get(
        "/api/v1/portraits/staff", headers=headers, params={"department": built.dept_b.id}
    ).json()
    assert [i["subject_id"] for i in dept_b["items"]] == [built.s3.id]
    scored = client.get("/api/v1/portraits/staff", headers=headers, params={"min_score": 50}).json()
    assert [i["subject_id"] for i in scored["items"]] == [built.s2.id]
    # Every tag given must be present: the citizen has both, nobody has elderly and frequent.
    both = client.get(
        "/api/v1/portraits/citizen", headers=headers, params=[("tag", "elderly"), ("tag", "repeat_visitor")]
    ).json()
    assert [i["subject_id"] for i in both["items"]] == [built.citizen.id]
    none = client.get(
        "/api/v1/portraits/citizen", headers=headers, params=[("tag", "elderly"), ("tag", "frequent")]
    )
    assert none.json()["total"] == 0
    page = client.get("/api/v1/portraits/staff", headers=headers, params={"page": 2, "page_size": 2}).json()
    assert (page["total"], [i["subject_id"] for i in page["items"]]) == (3, [built.s3.id])


def test_an_enterprise_portrait_shows_its_public_name_and_code(client, built, auth_headers):
    response = client.get(
        f"/api/v1/portraits/enterprise/{built.enterprise.id}", headers=auth_headers("leader")
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["label"], body["uscc"], body["tags"]) == (
        "宁波某某科技有限公司",
        built.enterprise.uscc,
        ["prefers_mobile", "has_pending", "exiting"],
    )
    window = client.get(f"/api/v1/portraits/window/{built.window.id}", headers=auth_headers("leader")).json()
    assert window["label"] == "云溪区政务服务中心 08号窗口"


def test_tag_counts(client, built, auth_headers):
    body = client.get("/api/v1/portraits/citizen/tags", headers=auth_headers("leader")).json()
    counts = {t["tag"]: t["count"] for t in body["tags"]}
    assert body["total"] == 1 and list(counts) == list(TAGS["citizen"])
    assert counts["elderly"] == counts["repeat_visitor"] == 1 and counts["frequent"] == 0


def test_fields_list_each_kinds_features_in_order_with_chinese_labels(client, engine, auth_headers):
    fields = client.get("/api/v1/portraits/enterprise/fields", headers=auth_headers("leader")).json()
    assert [f["name"] for f in fields] == list(FEATURES["enterprise"])
    assert {"name": "employee_count", "label": "参保人数"} in fields
    assert client.get("/api/v1/portraits/planet/fields", headers=auth_headers("leader")).status_code == 422
    assert client.get("/api/v1/portraits/staff/fields", headers=auth_headers("dispatcher")).status_code == 403


def test_csv_holds_the_json_rows_one_column_per_feature(client, built, auth_headers):
    headers = auth_headers("leader")
    items = client.get("/api/v1/portraits/staff", headers=headers).json()["items"]
    response = client.get("/api/v1/portraits/staff", headers=headers, params={"format": "csv"})
    assert response.status_code == 200
    header, rows = read_csv(response.text)
    names = [cell.split(" ")[-1] for cell in header]
    assert header[4] == "评分 score" and names[8:] == list(FEATURES["staff"])
    assert len(rows) == len(items)
    for row, item in zip(rows, items, strict=True):
        cells = dict(zip(names, row, strict=True))
        assert cells["subject_id"] == str(item["subject_id"])
        assert cells["score"] == ("" if item["score"] is None else str(item["score"]))
        assert cells["tags"] == ";".join(item["tags"])
        assert cells["cases_handled"] == str(item["features"]["cases_handled"])
        assert cells["window_ids"] == str(item["features"]["window_ids"]).replace(" ", "")


def test_bad_parameters_are_422_naming_them_and_a_missing_portrait_404(client, built, auth_headers):
    headers = auth_headers("leader")
    cases = [
        ("/api/v1/portraits/person", {}, "path.subject_type"),
        ("/api/v1/portraits/citizen", {"tag": "hot"}, "query.tag"),
        ("/api/v1/portraits/citizen", {"department": 1}, "query.department"),
        ("/api/v1/portraits/staff", {"hall": 1}, "query.hall"),
        ("/api/v1/portraits/staff", {"min_score": 101}, "query.min_score"),
        ("/api/v1/portraits/staff", {"min_score": 60, "max_score": 50}, "query.max_score"),
        ("/api/v1/portraits/staff", {"order": "name"}, "query.order"),
        ("/api/v1/portraits/person/tags", {}, "path.subject_type"),
        ("/api/v1/portraits/person/1", {}, "path.subject_type"),
    ]
    for path, params, field in cases:
        response = client.get(path, headers=headers, params=params)
        assert response.status_code == 422, (path, params)
        assert response.json()["errors"][0]["field"] == field
    missing = client.get("/api/v1/portraits/citizen/999999", headers=headers)
    assert missing.status_code == 404 and missing.json()["detail"] == "there is no citizen portrait 999999"


def test_scopes_a_department_admin_sees_its_own_staff_and_a_hall_its_windows(
    client, session, built, auth_headers
):
    assert client.get("/api/v1/portraits/staff", headers=auth_headers("window_staff")).status_code == 403
    dept_b = auth_headers("dept_admin", scope="department", scope_id=built.dept_b.id)
    staff = client.get("/api/v1/portraits/staff", headers=dept_b).json()
    assert [i["subject_id"] for i in staff["items"]] == [built.s3.id]
    assert client.get(f"/api/v1/portraits/staff/{built.s1.id}", headers=dept_b).status_code == 404
    # Citizens and enterprises as people reading reaches them: dept_b served both (c2, c4).
    assert client.get("/api/v1/portraits/enterprise", headers=dept_b).json()["total"] == 1
    dept_c = auth_headers("dept_admin", scope="department", scope_id=built.dept_c.id)
    assert client.get("/api/v1/portraits/citizen", headers=dept_c).json()["total"] == 0
    tags = client.get("/api/v1/portraits/citizen/tags", headers=dept_c).json()
    assert tags["total"] == 0 and all(t["count"] == 0 for t in tags["tags"])
    hall = auth_headers("hall_manager", scope="hall", scope_id=built.hall.id)
    assert client.get("/api/v1/portraits/window", headers=hall).json()["total"] == 1
    # s2 is posted at the hall's window; s1 and s3 are not.
    assert [i["subject_id"] for i in client.get("/api/v1/portraits/staff", headers=hall).json()["items"]] == [
        built.s2.id
    ]
    elsewhere = b.hall(session)
    session.commit()
    other_hall = auth_headers("hall_manager", scope="hall", scope_id=elsewhere.id)
    assert client.get("/api/v1/portraits/window", headers=other_hall).json()["total"] == 0


def test_rebuild_needs_pushes_manage_and_reports_what_it_did(client, built, auth_headers):
    assert client.post("/api/v1/portraits:rebuild", headers=auth_headers("supervisor")).status_code == 403
    headers = auth_headers("data_scientist")
    response = client.post("/api/v1/portraits:rebuild", headers=headers)
    assert response.status_code == 200
    # Users were added since the full build, but no record a portrait reads: nothing to do.
    assert response.json()["skipped"] is True
    full = client.post("/api/v1/portraits:rebuild", headers=headers, params={"full": "true"}).json()
    assert (full["full"], full["rows"]) == (True, {"enterprise": 1, "citizen": 1, "staff": 3, "window": 1})
