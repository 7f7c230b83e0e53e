"""Matter configuration in the back office: catalog, versions, bundles, file import."""

from sqlalchemy import select

from core_app.matters.models import Matter
from tests.api import builders

API = "/api/v1/admin"


def _matter_body(department_id: int, **fields) -> dict:
    return {
        "code": "330203-XK-001",
        "name": "食品经营许可",
        "matter_type": "admin_licensing",
        "department_id": department_id,
        "legal_limit_days": 20,
        "promised_limit_days": 5,
    } | fields


def test_create_and_patch_matter_bumps_version_and_audits(client, session, auth, audit_rows):
    department = builders.department(session)
    session.commit()
    headers = auth("hall_manager", request_id="req-matter")
    created = client.post(f"{API}/matters", json=_matter_body(department.id), headers=headers)
    assert created.status_code == 201, created.text
    matter = created.json()
    assert matter["version"] == 1
    patched = client.patch(
        f"{API}/matters/{matter['id']}", json={"promised_limit_days": 3, "version": 1}, headers=headers
    )
    assert patched.status_code == 200
    assert patched.json()["version"] == 2
    stale = client.patch(
        f"{API}/matters/{matter['id']}", json={"name": "改名", "version": 1}, headers=headers
    )
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "body.version"
    rows = audit_rows("matters", matter["id"])
    assert [r.action for r in rows] == ["create", "update"]
    assert (rows[1].before["version"], rows[1].after["version"]) == (1, 2)
    assert (rows[1].before["promised_limit_days"], rows[1].after["promised_limit_days"]) == (5, 3)
    assert all(r.request_id == "req-matter" for r in rows)


def test_matter_refusals(client, session, auth):
    existing = builders.matter(session, code="TAKEN")
    session.commit()
    headers = auth("hall_manager")
    body = _matter_body(existing.department_id)
    duplicate = client.post(f"{API}/matters", json=body | {"code": "TAKEN"}, headers=headers)
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "body.code"
    over = client.post(f"{API}/matters", json=body | {"promised_limit_days": 30}, headers=headers)
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "body.promised_limit_days"
    lowered = client.patch(f"{API}/matters/{existing.id}", json={"legal_limit_days": 2}, headers=headers)
    assert lowered.status_code == 422  # promised 5 would exceed the new legal limit
    unknown = client.post(f"{API}/matters", json=body | {"department_id": 987654}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "body.department_id"
    assert client.patch(f"{API}/matters/999999", json={"name": "x"}, headers=headers).status_code == 404
    assert client.post(f"{API}/matters", json=body, headers=auth("dept_handler")).status_code == 403
    null_name = client.patch(f"{API}/matters/{existing.id}", json={"name": None}, headers=headers)
    assert null_name.status_code == 422


def test_bundles_need_two_distinct_existing_matters(client, session, auth, audit_rows):
    first, second, third = (builders.matter(session) for _ in range(3))
    session.commit()
    headers = auth("hall_manager", request_id="req-bundle")
    body = {"name": "开办餐饮店一件事", "matter_ids": [second.id, first.id]}
    created = client.post(f"{API}/bundles", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["items"] == [{"matter_id": second.id, "seq": 1}, {"matter_id": first.id, "seq": 2}]
    bundle_id = created.json()["id"]
    changed = client.patch(
        f"{API}/bundles/{bundle_id}",
        json={"status": "retired", "matter_ids": [first.id, second.id, third.id]},
        headers=headers,
    )
    assert changed.status_code == 200
    assert [item["matter_id"] for item in changed.json()["items"]] == [first.id, second.id, third.id]
    assert changed.json()["status"] == "retired"
    rows = audit_rows("matter_bundles", bundle_id)
    assert rows[0].after["matter_ids"] == [second.id, first.id]
    assert rows[1].before["matter_ids"] == [second.id, first.id]
    assert rows[1].after["matter_ids"] == [first.id, second.id, third.id]
    assert rows[1].after["status"] == "retired" and rows[1].request_id == "req-bundle"

    same_twice = client.post(
        f"{API}/bundles", json={"name": "b2", "matter_ids": [first.id, first.id]}, headers=headers
    )
    assert same_twice.status_code == 422 and same_twice.json()["errors"][0]["field"] == "body.matter_ids"
    unknown = client.post(
        f"{API}/bundles", json={"name": "b3", "matter_ids": [first.id, 555555]}, headers=headers
    )
    assert unknown.status_code == 422
    assert client.post(f"{API}/bundles", json=body, headers=headers).status_code == 409


CSV_HEADER = "code,name,matter_type,department_code,legal_limit_days,promised_limit_days\n"


def test_import_matters_strict_refusal_writes_nothing(client, session, auth, audit_rows):
    department = builders.department(session, code="D-IMP")
    session.commit()
    content = (
        CSV_HEADER + "IMP-1,事项一,admin_licensing,D-IMP,20,5\nIMP-2,事项二,admin_licensing,D-NONE,20,5\n"
    )
    response = client.post(
        f"{API}/matters/import",
        files={"file": ("matters.csv", content.encode(), "text/csv")},
        headers=auth("hall_manager"),
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["report"]["written"] is False and problem["report"]["rejected"] == 1
    assert problem["errors"][0]["field"].startswith("rows.3.")
    session.rollback()
    assert session.scalars(select(Matter.code)).all() == []
    assert audit_rows("matters") == []
    assert department.id


def test_import_matters_partial_writes_valid_rows_and_audits(client, session, auth, audit_rows):
    builders.department(session, code="D-IMP")
    session.commit()
    content = (
        CSV_HEADER + "IMP-1,事项一,admin_licensing,D-IMP,20,5\nIMP-2,事项二,admin_licensing,D-NONE,20,5\n"
    )
    response = client.post(
        f"{API}/matters/import",
        data={"partial": "true"},
        files={"file": ("matters.csv", content.encode(), "text/csv")},
        headers=auth("hall_manager", request_id="req-import"),
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["inserted"], report["rejected"], report["written"]) == (1, 1, True)
    assert report["rejects"][0]["row"] == 3 and report["rejects"][0]["field"] == "department_code"
    session.rollback()
    assert session.scalars(select(Matter.code)).all() == ["IMP-1"]
    [row] = audit_rows("matters", request_id="req-import")
    assert row.action == "import" and row.after["inserted"] == 1


def test_import_refuses_unsupported_files(client, auth):
    response = client.post(
        f"{API}/matters/import",
        files={"file": ("matters.pdf", b"%PDF", "application/pdf")},
        headers=auth("hall_manager"),
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.file"
    empty_csv = client.post(
        f"{API}/matters/import", files={"file": ("m.csv", b"", "text/csv")}, headers=auth("hall_manager")
    )
    assert empty_csv.status_code == 422
