"""Message-warning configuration: rule validation, department scope, audit."""

from tests.api import builders

API = "/api/v1/admin/warning-rules"


def _rule(**fields) -> dict:
    return {
        "name": "受理超时预警",
        "rule_type": "acceptance_response",
        "threshold": 30,
        "unit": "working_minutes",
        "reminder_count": 2,
        "recipients": ["handler", "dept_admin"],
        "channels": ["ding", "sms"],
    } | fields


def test_crud_is_audited_with_before_and_after(client, session, auth, audit_rows):
    department = builders.department(session)
    session.commit()
    headers = auth("hall_manager", request_id="req-warn")
    created = client.post(API, json=_rule(department_id=department.id), headers=headers)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["recipients"] == ["handler", "dept_admin"] and rule["channels"] == ["ding", "sms"]
    patched = client.patch(
        f"{API}/{rule['id']}", json={"threshold": 45, "reminder_count": 3}, headers=headers
    )
    assert patched.json()["threshold"] == 45
    reader = auth("leader")
    assert client.get(API, headers=reader).json()["total"] == 1
    assert client.get(f"{API}/{rule['id']}", headers=reader).status_code == 200
    assert client.delete(f"{API}/{rule['id']}", headers=headers).status_code == 204
    assert client.get(f"{API}/{rule['id']}", headers=reader).status_code == 404
    rows = audit_rows("warning_rules", rule["id"])
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert (rows[1].before["threshold"], rows[1].after["threshold"]) == (30, 45)
    assert rows[2].before["recipients"] == "handler,dept_admin" and rows[2].after is None
    assert {r.request_id for r in rows} == {"req-warn"}


def test_rule_validation(client, session, auth):
    headers = auth("hall_manager")
    one_reminder = client.post(API, json=_rule(reminder_count=1), headers=headers)
    assert one_reminder.status_code == 422
    assert one_reminder.json()["errors"][0]["field"] == "body.reminder_count"
    assert client.post(API, json=_rule(threshold=0), headers=headers).status_code == 422
    wrong_unit = client.post(API, json=_rule(unit="count"), headers=headers)
    assert wrong_unit.status_code == 422 and wrong_unit.json()["errors"][0]["field"] == "body.unit"
    big_ratio = client.post(
        API, json=_rule(rule_type="bad_review", unit="ratio", threshold=5), headers=headers
    )
    assert big_ratio.status_code == 422 and big_ratio.json()["errors"][0]["field"] == "body.threshold"
    assert client.post(API, json=_rule(recipients=["mayor"]), headers=headers).status_code == 422
    assert client.post(API, json=_rule(channels=["wecom"]), headers=headers).status_code == 422
    unknown = client.post(API, json=_rule(matter_id=777777), headers=headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "body.matter_id"
    rule_id = client.post(API, json=_rule(), headers=headers).json()["id"]
    lowered = client.patch(f"{API}/{rule_id}", json={"reminder_count": 1}, headers=headers)
    assert lowered.status_code == 422 and lowered.json()["errors"][0]["field"] == "body.reminder_count"
    assert client.patch(f"{API}/{rule_id}", json={"unit": "count"}, headers=headers).status_code == 422
    assert client.patch(f"{API}/999999", json={"threshold": 5}, headers=headers).status_code == 404
    assert client.post(API, json=_rule(), headers=auth("leader")).status_code == 403


def test_department_scoped_grant_reaches_only_its_subtree(client, session, auth):
    bureau = builders.department(session)
    section = builders.department(session, parent_id=bureau.id)
    unit = builders.department(session, parent_id=section.id)
    other = builders.department(session)
    session.commit()
    scoped = auth("dept_admin", scope="department", scope_id=bureau.id)
    assert client.post(API, json=_rule(department_id=unit.id), headers=scoped).status_code == 201
    outside = client.post(API, json=_rule(department_id=other.id), headers=scoped)
    assert outside.status_code == 403
    assert client.post(API, json=_rule(), headers=scoped).status_code == 403  # no department: global rule
    theirs = client.post(API, json=_rule(department_id=other.id), headers=auth("hall_manager")).json()["id"]
    assert client.patch(f"{API}/{theirs}", json={"threshold": 5}, headers=scoped).status_code == 403
    assert client.delete(f"{API}/{theirs}", headers=scoped).status_code == 403
    ours = client.post(API, json=_rule(department_id=section.id), headers=scoped).json()["id"]
    moved_out = client.patch(f"{API}/{ours}", json={"department_id": other.id}, headers=scoped)
    assert moved_out.status_code == 403
    narrow = auth("dept_admin", scope="department", scope_id=section.id)
    assert client.post(API, json=_rule(department_id=bureau.id), headers=narrow).status_code == 403
