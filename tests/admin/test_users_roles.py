"""Users, role grants, roles, permissions and masking rules in the back office."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core_app.access.models import User
from core_app.access.passwords import verify_password
from tests.api import builders

API = "/api/v1/admin"


def test_create_user_hashes_the_password_and_never_returns_it(client, session, auth, audit_rows):
    headers = auth("system_admin", request_id="req-user")
    created = client.post(
        f"{API}/users",
        json={"username": "zhang.san", "display_name": "张三丰", "password": "correct horse battery"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert "password" not in created.text and "password_hash" not in body
    assert body["display_name"] == "张**"
    session.rollback()
    user = session.scalar(select(User).where(User.username == "zhang.san"))
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "correct horse battery")
    [row] = audit_rows("users", user.id)
    assert row.action == "create" and row.request_id == "req-user"
    assert "password_hash" not in row.after and row.after["username"] == "zhang.san"
    listed = client.get(f"{API}/users", params={"q": "zhang"}, headers=headers).json()
    assert [u["username"] for u in listed["items"]] == ["zhang.san"]
    assert "password_hash" not in client.get(f"{API}/users/{user.id}", headers=headers).text


def test_user_refusals(client, session, auth):
    headers = auth("system_admin")
    body = {"username": "li.si", "password": "long enough password"}
    assert client.post(f"{API}/users", json=body, headers=headers).status_code == 201
    duplicate = client.post(f"{API}/users", json=body, headers=headers)
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "body.username"
    short = client.post(f"{API}/users", json={"username": "wang.wu", "password": "short"}, headers=headers)
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "body.password"
    no_password = client.post(f"{API}/users", json={"username": "wang.wu"}, headers=headers)
    assert no_password.status_code == 422
    sso = client.post(
        f"{API}/users",
        json={"username": "wang.wu", "auth_source": "zzd", "external_subject": "z1"},
        headers=headers,
    )
    assert sso.status_code == 201
    unknown_staff = client.post(
        f"{API}/users", json=body | {"username": "zhao", "staff_id": 4242}, headers=headers
    )
    assert unknown_staff.status_code == 422 and unknown_staff.json()["errors"][0]["field"] == "body.staff_id"
    assert client.get(f"{API}/users/999999", headers=headers).status_code == 404
    assert client.get(f"{API}/users", headers=auth("hall_manager")).status_code == 403
    assert (
        client.post(f"{API}/users", json=body, headers=auth("dept_admin")).status_code == 403
    )  # users:read only
    assert client.get(f"{API}/users", headers=auth("dept_admin")).status_code == 200


def test_patch_unlocks_and_disables(client, session, auth, audit_rows):
    locked = User(username="locked", failed_logins=5, locked_until=datetime.now(UTC) + timedelta(minutes=10))
    session.add(locked)
    session.commit()
    headers = auth("system_admin", request_id="req-unlock")
    response = client.patch(
        f"{API}/users/{locked.id}", json={"unlock": True, "is_active": False}, headers=headers
    )
    assert response.status_code == 200
    assert response.json()["failed_logins"] == 0 and response.json()["locked_until"] is None
    assert response.json()["is_active"] is False
    [row] = audit_rows("users", locked.id)
    assert row.before["failed_logins"] == 5 and row.after["failed_logins"] == 0
    assert row.request_id == "req-unlock"


def test_role_grants_check_their_scope(client, session, auth, audit_rows):
    department = builders.department(session)
    citizen = builders.citizen(session)
    user = User(username="grantee")
    linked = User(username="linked", citizen_id=citizen.id)
    session.add_all([user, linked])
    session.commit()
    headers = auth("system_admin", request_id="req-grant")
    url = f"{API}/users/{user.id}/roles"
    grant = client.post(
        url, json={"role": "dept_admin", "scope": "department", "scope_id": department.id}, headers=headers
    )
    assert grant.status_code == 201, grant.text
    assert grant.json()["role"]["code"] == "dept_admin"
    twice = client.post(
        url, json={"role": "dept_admin", "scope": "department", "scope_id": department.id}, headers=headers
    )
    assert twice.status_code == 409
    missing = client.post(
        url, json={"role": "dept_admin", "scope": "department", "scope_id": 31337}, headers=headers
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "body.scope_id"
    no_id = client.post(url, json={"role": "dept_admin", "scope": "hall"}, headers=headers)
    assert no_id.status_code == 422 and no_id.json()["errors"][0]["field"] == "body.scope_id"
    unknown_role = client.post(url, json={"role": "emperor"}, headers=headers)
    assert unknown_role.status_code == 422 and unknown_role.json()["errors"][0]["field"] == "body.role"
    self_unlinked = client.post(url, json={"role": "citizen", "scope": "self"}, headers=headers)
    assert self_unlinked.status_code == 422 and self_unlinked.json()["errors"][0]["field"] == "body.scope"
    self_linked = client.post(
        f"{API}/users/{linked.id}/roles", json={"role": "citizen", "scope": "self"}, headers=headers
    )
    assert self_linked.status_code == 201
    grant_id = grant.json()["id"]
    assert client.delete(f"{url}/{grant_id}", headers=headers).status_code == 204
    assert client.delete(f"{url}/{grant_id}", headers=headers).status_code == 404
    rows = audit_rows("user_roles", grant_id)
    assert [r.action for r in rows] == ["create", "delete"]
    assert rows[1].before["role"] == "dept_admin" and rows[1].before["scope_id"] == department.id
    assert {r.request_id for r in rows} == {"req-grant"}


def test_roles_crud_and_system_roles_stay(client, session, auth, audit_rows):
    headers = auth("system_admin", request_id="req-role")
    created = client.post(
        f"{API}/roles",
        json={
            "code": "led_editor",
            "name": "LED编辑",
            "permissions": ["publications:read", "publications:write"],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    role_id = created.json()["id"]
    assert created.json()["permissions"] == ["publications:read", "publications:write"]
    unknown = client.post(
        f"{API}/roles", json={"code": "x_role", "name": "x", "permissions": ["god:mode"]}, headers=headers
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "body.permissions"
    assert (
        client.post(f"{API}/roles", json={"code": "led_editor", "name": "again"}, headers=headers).status_code
        == 409
    )
    edited = client.patch(
        f"{API}/roles/{role_id}", json={"permissions": ["publications:read"]}, headers=headers
    )
    assert edited.json()["permissions"] == ["publications:read"]
    roles = client.get(f"{API}/roles", headers=headers).json()
    leader = next(r for r in roles if r["code"] == "leader")
    assert leader["is_system"] is True
    assert client.delete(f"{API}/roles/{leader['id']}", headers=headers).status_code == 409
    trimmed = client.patch(
        f"{API}/roles/{leader['id']}", json={"permissions": ["cockpit:view"]}, headers=headers
    )
    assert trimmed.status_code == 200 and trimmed.json()["permissions"] == ["cockpit:view"]
    assert client.delete(f"{API}/roles/{role_id}", headers=headers).status_code == 204
    assert client.get(f"{API}/roles/{role_id}", headers=headers).status_code == 404
    rows = audit_rows("roles", role_id)
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert rows[1].before["permissions"] == ["publications:read", "publications:write"]
    assert rows[1].after["permissions"] == ["publications:read"]
    assert {r.request_id for r in rows} == {"req-role"}
    permissions = client.get(f"{API}/permissions", headers=headers).json()
    assert "pii:view" in {p["code"] for p in permissions}


def test_role_in_use_cannot_be_deleted(client, session, auth):
    headers = auth("system_admin")
    role_id = client.post(f"{API}/roles", json={"code": "temp_role", "name": "临时"}, headers=headers).json()[
        "id"
    ]
    user = User(username="holder")
    session.add(user)
    session.commit()
    client.post(f"{API}/users/{user.id}/roles", json={"role": "temp_role"}, headers=headers)
    assert client.delete(f"{API}/roles/{role_id}", headers=headers).status_code == 409


def test_masking_rules(client, auth, audit_rows):
    headers = auth("system_admin", request_id="req-mask")
    rules = client.get(f"{API}/masking-rules", headers=headers).json()
    assert {r["field_type"] for r in rules} >= {"id_card", "phone", "name"}
    changed = client.put(
        f"{API}/masking-rules/phone", json={"enabled": True, "keep_start": 3, "keep_end": 2}, headers=headers
    )
    assert changed.status_code == 200 and changed.json()["keep_end"] == 2
    [row] = audit_rows("masking_rules", "phone")
    assert (row.before["keep_end"], row.after["keep_end"]) == (4, 2) and row.request_id == "req-mask"
    too_many = client.put(
        f"{API}/masking-rules/phone", json={"enabled": True, "keep_start": 9, "keep_end": 0}, headers=headers
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "body.keep_start"
    unknown = client.put(
        f"{API}/masking-rules/shoe_size",
        json={"enabled": True, "keep_start": 0, "keep_end": 0},
        headers=headers,
    )
    assert unknown.status_code == 404
    assert client.get(f"{API}/masking-rules", headers=auth("dept_admin")).status_code == 403
