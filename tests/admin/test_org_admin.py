"""Hall information in the back office: halls, zones, windows, bindings, staff posts, calendar days."""

from datetime import date

from sqlalchemy import select

from core_app.org.models import WorkCalendarDay
from tests.api import builders

API = "/api/v1/admin"


def test_hall_zone_window_happy_path_is_audited_with_the_request_id(client, session, auth, audit_rows):
    region = builders.region(session)
    session.commit()
    headers = auth("hall_manager", request_id="req-hall-1")
    hall = client.post(
        f"{API}/halls",
        json={
            "code": "H-NEW",
            "name": "鄞州区行政服务中心",
            "region_id": region.id,
            "level": "county",
            "kind": "service_center",
        },
        headers=headers,
    )
    assert hall.status_code == 201, hall.text
    hall_id = hall.json()["id"]
    zone = client.post(
        f"{API}/hall-zones", json={"hall_id": hall_id, "name": "二楼", "floor": 2}, headers=headers
    )
    assert zone.status_code == 201
    window = client.post(
        f"{API}/windows",
        json={"hall_id": hall_id, "zone_id": zone.json()["id"], "window_no": "A01", "kind": "comprehensive"},
        headers=headers,
    )
    assert window.status_code == 201
    assert window.json()["status"] == "open"
    paused = client.patch(f"{API}/windows/{window.json()['id']}", json={"status": "paused"}, headers=headers)
    assert paused.json()["status"] == "paused"

    [created] = audit_rows("halls", hall_id)
    assert created.action == "create" and created.before is None
    assert created.after["code"] == "H-NEW"
    assert created.request_id == "req-hall-1"
    [_, update] = audit_rows("windows", window.json()["id"])
    assert (update.before["status"], update.after["status"]) == ("open", "paused")
    assert update.request_id == "req-hall-1"


def test_window_number_is_unique_per_hall_and_references_must_exist(client, session, auth):
    hall = builders.hall(session)
    other_hall = builders.hall(session)
    builders.window(session, hall_id=hall.id, window_no="01")
    session.commit()
    headers = auth("hall_manager")
    body = {"hall_id": hall.id, "window_no": "01", "kind": "department"}
    clash = client.post(f"{API}/windows", json=body, headers=headers)
    assert clash.status_code == 409
    assert clash.json()["errors"][0]["field"] == "body.window_no"
    elsewhere = client.post(f"{API}/windows", json=body | {"hall_id": other_hall.id}, headers=headers)
    assert elsewhere.status_code == 201
    unknown = client.post(f"{API}/windows", json=body | {"hall_id": 999_999}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.hall_id"
    bad_status = client.patch(
        f"{API}/windows/{elsewhere.json()['id']}", json={"status": "broken"}, headers=headers
    )
    assert bad_status.status_code == 422
    missing = client.patch(f"{API}/windows/999999", json={"status": "closed"}, headers=headers)
    assert missing.status_code == 404


def test_hall_code_conflict_and_permission_refusals(client, session, auth):
    hall = builders.hall(session, code="H-TAKEN")
    session.commit()
    body = {
        "code": "H-TAKEN",
        "name": "x",
        "region_id": hall.region_id,
        "level": "town",
        "kind": "convenience_point",
    }
    assert client.post(f"{API}/halls", json=body, headers=auth("hall_manager")).status_code == 409
    forbidden = client.post(f"{API}/halls", json=body | {"code": "H2"}, headers=auth("leader"))
    assert forbidden.status_code == 403
    assert client.post(f"{API}/halls", json=body | {"code": "H3"}).status_code == 401
    bad_hours = client.post(
        f"{API}/halls", json=body | {"code": "H4", "opening_hours": "9-8"}, headers=auth("hall_manager")
    )
    assert bad_hours.status_code == 422
    assert bad_hours.json()["errors"][0]["field"] == "body.opening_hours"


def test_replace_window_matters(client, session, auth, audit_rows):
    first, second, third = (builders.matter(session) for _ in range(3))
    window = builders.window(session, matters=[first])
    session.commit()
    headers = auth("hall_manager", request_id="req-bind")
    url = f"{API}/windows/{window.id}/matters"
    response = client.put(url, json={"matter_ids": [third.id, second.id, third.id]}, headers=headers)
    assert response.status_code == 200
    assert response.json()["matter_ids"] == sorted([second.id, third.id])
    [row] = audit_rows("window_matters", window.id)
    assert row.before == {"matter_ids": [first.id]}
    assert row.after == {"matter_ids": sorted([second.id, third.id])}
    assert row.request_id == "req-bind"
    unknown = client.put(url, json={"matter_ids": [first.id, 424242]}, headers=headers)
    assert unknown.status_code == 422
    assert "424242" in unknown.json()["errors"][0]["reason"]
    assert client.put(url, json={"matter_ids": []}, headers=headers).json()["matter_ids"] == []


def test_staff_posts_open_end_and_no_two_open_posts_at_one_window(client, session, auth, audit_rows):
    member = builders.staff(session)
    window = builders.window(session)
    session.commit()
    headers = auth("hall_manager", request_id="req-post")
    body = {"staff_id": member.id, "window_id": window.id, "valid_from": "2025-03-01"}
    post = client.post(f"{API}/staff-posts", json=body, headers=headers)
    assert post.status_code == 201, post.text
    assert post.json()["department_id"] == member.department_id
    twice = client.post(f"{API}/staff-posts", json=body | {"valid_from": "2025-06-01"}, headers=headers)
    assert twice.status_code == 409
    assert twice.json()["errors"][0]["field"] == "body.window_id"
    too_early = client.patch(
        f"{API}/staff-posts/{post.json()['id']}", json={"valid_to": "2025-01-01"}, headers=headers
    )
    assert too_early.status_code == 422
    ended = client.patch(
        f"{API}/staff-posts/{post.json()['id']}", json={"valid_to": "2025-05-31"}, headers=headers
    )
    assert ended.json()["valid_to"] == "2025-05-31"
    again = client.post(f"{API}/staff-posts", json=body | {"valid_from": "2025-06-01"}, headers=headers)
    assert again.status_code == 201
    rows = audit_rows("staff_posts", post.json()["id"])
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].before["valid_to"] is None and rows[1].after["valid_to"] == "2025-05-31"
    unknown_staff = client.post(f"{API}/staff-posts", json=body | {"staff_id": 999999}, headers=headers)
    assert unknown_staff.status_code == 422


def test_calendar_day_admin_entry_put_and_delete(client, session, auth, audit_rows):
    headers = auth("hall_manager", request_id="req-cal")
    url = f"{API}/calendar-days/2027-02-08"
    put = client.put(url, json={"is_workday": False, "name": "春节"}, headers=headers)
    assert put.status_code == 200
    assert put.json() == {"day": "2027-02-08", "is_workday": False, "name": "春节", "source": "admin"}
    assert client.delete(url, headers=headers).status_code == 204
    assert client.delete(url, headers=headers).status_code == 404
    rows = audit_rows("work_calendar_days", "2027-02-08")
    assert [r.action for r in rows] == ["create", "delete"]
    assert rows[1].before["name"] == "春节" and rows[1].request_id == "req-cal"
    assert session.get(WorkCalendarDay, date(2027, 2, 8)) is None


def test_deleting_an_admin_override_restores_chinese_calendars_day(client, session, auth):
    headers = auth("hall_manager")
    url = f"{API}/calendar-days/2025-10-01"  # 国庆节 in chinese-calendar
    assert client.put(url, json={"is_workday": True, "name": "加班"}, headers=headers).status_code == 200
    assert client.delete(url, headers=headers).status_code == 204
    session.rollback()
    row = session.scalar(select(WorkCalendarDay).where(WorkCalendarDay.day == date(2025, 10, 1)))
    assert row is not None and row.is_workday is False and row.source == "chinese_calendar"
    assert client.delete(url, headers=headers).status_code == 404
    assert client.put(url, json={"is_workday": True}, headers=auth("window_staff")).status_code == 403
