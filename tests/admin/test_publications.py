"""Information publishing: draft -> review -> published/scheduled -> withdrawn, expiry, readers' list."""

from datetime import UTC, datetime, timedelta

from core_app.publishing.models import Publication, PublicationStatus
from core_app.publishing.service import publish_due

API = "/api/v1"


def _draft(client, headers, **fields) -> dict:
    body = {
        "kind": "notice",
        "title": "春节放假通知",
        "body": "正文",
        "targets": ["led", "hall_screen"],
        "channels": ["in_app"],
    } | fields
    response = client.post(f"{API}/admin/publications", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_workflow_publish_now_and_withdraw_is_audited(client, session, auth, audit_rows):
    editor = auth("hall_manager", request_id="req-pub")
    draft = _draft(client, editor)
    assert draft["status"] == "draft" and draft["actions"] == ["edit", "submit"]
    assert draft["targets"] == ["led", "hall_screen"]
    pid = draft["id"]
    edited = client.patch(
        f"{API}/admin/publications/{pid}", json={"title": "新标题", "version": 1}, headers=editor
    )
    assert edited.json()["version"] == 2
    stale = client.patch(f"{API}/admin/publications/{pid}", json={"title": "x", "version": 1}, headers=editor)
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "body.version"
    early = client.post(f"{API}/admin/publications/{pid}/publish", headers=editor)
    assert early.status_code == 409
    assert "allowed actions: edit, submit" in early.json()["detail"]
    assert (
        client.post(f"{API}/admin/publications/{pid}/submit", headers=editor).json()["status"]
        == "pending_review"
    )
    published = client.post(f"{API}/admin/publications/{pid}/publish", headers=editor)
    assert published.json()["status"] == "published" and published.json()["published_at"]

    reader = auth("citizen")
    listed = client.get(f"{API}/publications", params={"target": "led"}, headers=reader).json()
    assert [item["id"] for item in listed["items"]] == [pid]
    assert (
        client.get(f"{API}/publications", params={"target": "cockpit"}, headers=reader).json()["total"] == 0
    )
    assert client.get(f"{API}/publications/{pid}", headers=reader).status_code == 200

    withdrawn = client.post(f"{API}/admin/publications/{pid}/withdraw", headers=editor)
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["actions"] == []
    assert client.get(f"{API}/publications/{pid}", headers=reader).status_code == 404
    again = client.post(f"{API}/admin/publications/{pid}/withdraw", headers=editor)
    assert again.status_code == 409 and "allowed actions: none" in again.json()["detail"]

    rows = audit_rows("publications", pid)
    assert [r.action for r in rows] == ["create", "update", "submit", "publish", "withdraw"]
    assert (rows[3].before["status"], rows[3].after["status"]) == ("pending_review", "published")
    assert all(r.request_id == "req-pub" for r in rows)


def test_future_publish_at_schedules_and_publish_due_promotes_then_expires(client, session, auth, audit_rows):
    editor = auth("hall_manager")
    start = datetime.now(UTC) + timedelta(days=1)
    draft = _draft(
        client, editor, publish_at=start.isoformat(), expire_at=(start + timedelta(days=2)).isoformat()
    )
    pid = draft["id"]
    client.post(f"{API}/admin/publications/{pid}/submit", headers=editor)
    scheduled = client.post(f"{API}/admin/publications/{pid}/publish", json={}, headers=editor)
    assert scheduled.json()["status"] == "scheduled"
    reader = auth("citizen")
    assert client.get(f"{API}/publications", headers=reader).json()["total"] == 0

    session.rollback()
    assert publish_due(session, start + timedelta(minutes=1)) == 1
    session.commit()
    assert session.get(Publication, pid).status == PublicationStatus.PUBLISHED
    assert publish_due(session, start + timedelta(days=3)) == 1
    session.commit()
    assert session.get(Publication, pid).status == PublicationStatus.EXPIRED
    system_rows = [r for r in audit_rows("publications", pid) if r.actor == "system"]
    assert [r.action for r in system_rows] == ["publish", "expire"]


def test_public_list_expires_at_read_time(client, session, auth):
    editor = auth("hall_manager")
    pid = _draft(client, editor, expire_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())["id"]
    client.post(f"{API}/admin/publications/{pid}/submit", headers=editor)
    client.post(f"{API}/admin/publications/{pid}/publish", headers=editor)
    reader = auth("citizen")
    assert client.get(f"{API}/publications", headers=reader).json()["total"] == 1
    session.rollback()
    session.get(Publication, pid).expire_at = datetime.now(UTC) - timedelta(minutes=1)
    session.commit()
    assert client.get(f"{API}/publications", headers=reader).json()["total"] == 0
    expired = client.get(f"{API}/publications", params={"status": "expired"}, headers=reader).json()
    assert [item["id"] for item in expired["items"]] == [pid]
    drafts = client.get(f"{API}/publications", params={"status": "draft"}, headers=reader)
    assert drafts.status_code == 422 and drafts.json()["errors"][0]["field"] == "query.status"


def test_publication_validation_and_permissions(client, session, auth):
    editor = auth("hall_manager")
    body = {"kind": "notice", "title": "t", "targets": ["billboard"]}
    bad_target = client.post(f"{API}/admin/publications", json=body, headers=editor)
    assert bad_target.status_code == 422 and bad_target.json()["errors"][0]["field"].startswith(
        "body.targets"
    )
    bad_channel = client.post(
        f"{API}/admin/publications", json=body | {"targets": ["led"], "channels": ["fax"]}, headers=editor
    )
    assert bad_channel.status_code == 422
    unknown_hall = client.post(
        f"{API}/admin/publications", json=body | {"targets": ["led"], "hall_id": 99999}, headers=editor
    )
    assert unknown_hall.status_code == 422 and unknown_hall.json()["errors"][0]["field"] == "body.hall_id"
    now = datetime.now(UTC)
    backwards = body | {
        "targets": ["led"],
        "publish_at": (now + timedelta(days=2)).isoformat(),
        "expire_at": (now + timedelta(days=1)).isoformat(),
    }
    assert client.post(f"{API}/admin/publications", json=backwards, headers=editor).status_code == 422
    reader = auth("citizen")
    ok = body | {"targets": ["led"]}
    assert client.post(f"{API}/admin/publications", json=ok, headers=reader).status_code == 403
    assert client.get(f"{API}/admin/publications", headers=reader).status_code == 403
    assert client.get(f"{API}/publications", headers=auth("external_handler")).status_code == 403
    assert client.get(f"{API}/admin/publications/12345", headers=editor).status_code == 404
    pid = _draft(client, editor)["id"]
    all_statuses = client.get(f"{API}/admin/publications", params={"status": "draft"}, headers=editor).json()
    assert [item["id"] for item in all_statuses["items"]] == [pid]
    client.post(f"{API}/admin/publications/{pid}/submit", headers=editor)
    # Reviewing needs publications:review, which the dispatcher lacks.
    assert (
        client.post(f"{API}/admin/publications/{pid}/publish", headers=auth("dispatcher")).status_code == 403
    )
    rejected = client.post(f"{API}/admin/publications/{pid}/reject", headers=editor)
    assert rejected.json()["status"] == "draft"
