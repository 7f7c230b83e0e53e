"""The personal space over HTTP: each citizen and enterprise sees only their own cases, reviews, events and
recommendations (another's record answers 404), preferences round-trip with 422 naming the field, notices
are the published, unexpired ones for the personal space, and an account linked to nobody gets 403."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core_app.api.app import create_app
from core_app.cases.models import CaseStatus
from core_app.db.base import utcnow
from core_app.events.models import EventStatus, Satisfaction
from core_app.proactive.models import Push, PushChannel, PushPreference, PushStatus
from core_app.publishing.models import Publication, PublicationKind, PublicationStatus
from tests.api import builders as b


def add_push(session, *, matter, owner, status=PushStatus.SENT, sent_at=None, **fields) -> Push:
    now = utcnow()
    row = Push(
        **owner,
        matter_id=matter.id,
        score=0.8,
        reasons=["您曾于2026年1月5日办理「" + matter.name + "」，可能需要再次办理。"],
        model_version="v1",
        channel=PushChannel.SMS,
        status=status,
        generated_at=now - timedelta(days=1),
        sent_at=sent_at
        if sent_at is not None or status == PushStatus.SUPPRESSED
        else now - timedelta(days=1),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def space(session, auth_headers):
    """Citizens 张三 and 李四 and an enterprise, each with cases, a review, an event and recommendations."""
    licence = b.matter(session, name="食品经营许可", online_capable=True)
    hukou = b.matter(session, name="户口迁移")
    zhang, li = b.citizen(session, name="张三"), b.citizen(session, name="李四")
    firm = b.enterprise(session)
    day = b.local(2026, 9, 1, 10)
    z_open = b.case(session, matter_id=licence.id, citizen_id=zhang.id, submitted_at=day, steps=2)
    z_done = b.case(
        session,
        matter_id=hukou.id,
        citizen_id=zhang.id,
        submitted_at=day + timedelta(days=3),
        status=CaseStatus.COMPLETED,
        completed_at=day + timedelta(days=5),
    )
    l_case = b.case(session, matter_id=hukou.id, citizen_id=li.id, submitted_at=day)
    f_case = b.case(session, matter_id=licence.id, enterprise_id=firm.id, submitted_at=day)
    z_review = b.review(session, of_case=z_done, level=4, comment="很满意，电话13812345678")
    b.review(session, of_case=l_case, level=1, comment="太慢")
    z_event = b.event(
        session,
        citizen_id=zhang.id,
        title="路灯不亮，请联系13612345678",
        status=EventStatus.CLOSED,
        satisfaction=Satisfaction.SATISFIED,
    )
    b.event(session, citizen_id=li.id, title="噪音扰民")
    f_event = b.event(session, enterprise_id=firm.id, reporter_type="enterprise", title="占道经营")
    zhang_owner, li_owner = {"citizen_id": zhang.id}, {"citizen_id": li.id}
    pushes = SimpleNamespace(
        sent=add_push(session, matter=hukou, owner=zhang_owner),
        opened=add_push(session, matter=licence, owner=zhang_owner, status=PushStatus.OPENED),
        dismissed=add_push(session, matter=hukou, owner=zhang_owner, status=PushStatus.DISMISSED),
        converted=add_push(session, matter=licence, owner=zhang_owner, status=PushStatus.CONVERTED),
        suppressed=add_push(session, matter=hukou, owner=zhang_owner, status=PushStatus.SUPPRESSED),
        later=add_push(session, matter=hukou, owner=zhang_owner, sent_at=utcnow() + timedelta(hours=9)),
        lis=add_push(session, matter=hukou, owner=li_owner),
    )
    session.commit()
    app = create_app()
    return SimpleNamespace(
        licence=licence,
        hukou=hukou,
        zhang=zhang,
        li=li,
        firm=firm,
        z_open=z_open,
        z_done=z_done,
        l_case=l_case,
        f_case=f_case,
        z_review=z_review,
        z_event=z_event,
        f_event=f_event,
        pushes=pushes,
        as_zhang=TestClient(app, headers=auth_headers("citizen", citizen_id=zhang.id)),
        as_li=TestClient(app, headers=auth_headers("citizen", citizen_id=li.id)),
        as_firm=TestClient(app, headers=auth_headers("enterprise", enterprise_id=firm.id)),
        as_nobody=TestClient(app, headers=auth_headers("citizen")),
        as_staff=TestClient(app, headers=auth_headers("window_staff")),
    )


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_an_account_linked_to_nobody_gets_403_and_staff_lack_the_permission(space):
    response = space.as_nobody.get("/api/v1/me/cases")
    assert response.status_code == 403
    assert "linked to neither a citizen nor an enterprise" in response.json()["detail"]
    assert response.json()["type"] == "urn:cloud-butler:problem:not-linked"
    assert space.as_staff.get("/api/v1/me/space").status_code == 403


def test_the_summary_counts_only_the_owners_records(space):
    body = space.as_zhang.get("/api/v1/me/space").json()
    assert body == {
        "subject_type": "citizen",
        "citizen_id": space.zhang.id,
        "enterprise_id": None,
        "cases_total": 2,
        "cases_open": 1,  # accepted
        "cases_completed": 1,
        "reviews": 1,
        "events_total": 1,
        "events_open": 0,  # closed
        "recommendations": 2,  # sent and opened; not dismissed, converted, suppressed or not yet released
        "recommendations_unread": 1,
        "notices": 0,
    }


def test_my_cases_are_mine_only_and_another_case_id_is_404(space):
    assert ids(space.as_zhang.get("/api/v1/me/cases")) == [space.z_done.id, space.z_open.id]
    assert ids(space.as_zhang.get("/api/v1/me/cases", params={"status": "completed"})) == [space.z_done.id]
    assert ids(space.as_li.get("/api/v1/me/cases")) == [space.l_case.id]
    first = space.as_zhang.get("/api/v1/me/cases").json()["items"][1]
    assert (first["case_no"], first["matter_name"], first["status"], first["channel"]) == (
        space.z_open.case_no,
        "食品经营许可",
        "accepted",
        "window",
    )
    detail = space.as_zhang.get(f"/api/v1/me/cases/{space.z_done.id}").json()
    assert detail["completed_at"] is not None and [r["id"] for r in detail["reviews"]] == [space.z_review.id]
    assert len(space.as_zhang.get(f"/api/v1/me/cases/{space.z_open.id}").json()["steps"]) == 2
    theirs = space.as_zhang.get(f"/api/v1/me/cases/{space.l_case.id}")
    missing = space.as_zhang.get("/api/v1/me/cases/999999")
    assert theirs.status_code == missing.status_code == 404
    assert (
        theirs.json()["detail"] == f"Case {space.l_case.id} does not exist"
    )  # the same answer as a missing one
    bad = space.as_zhang.get("/api/v1/me/cases", params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.status"


def test_my_reviews_and_events_are_mine_only_and_masked(space):
    reviews = space.as_zhang.get("/api/v1/me/reviews").json()["items"]
    assert [(r["id"], r["level"], r["matter_name"]) for r in reviews] == [(space.z_review.id, 4, "户口迁移")]
    assert reviews[0]["comment"] == "很满意，电话138****5678"
    assert [r["comment"] for r in space.as_li.get("/api/v1/me/reviews").json()["items"]] == ["太慢"]
    [event] = space.as_zhang.get("/api/v1/me/events").json()["items"]
    assert (event["id"], event["status"], event["satisfaction"]) == (space.z_event.id, "closed", "satisfied")
    assert event["title"] == "路灯不亮，请联系136****5678"
    assert [e["title"] for e in space.as_li.get("/api/v1/me/events").json()["items"]] == ["噪音扰民"]


def test_an_enterprise_account_sees_the_enterprises_cases_and_events(space):
    assert ids(space.as_firm.get("/api/v1/me/cases")) == [space.f_case.id]
    assert ids(space.as_firm.get("/api/v1/me/events")) == [space.f_event.id]
    assert space.as_firm.get(f"/api/v1/me/cases/{space.z_open.id}").status_code == 404
    summary = space.as_firm.get("/api/v1/me/space").json()
    assert (summary["subject_type"], summary["enterprise_id"], summary["cases_total"]) == (
        "enterprise",
        space.firm.id,
        1,
    )


def test_recommendations_open_and_dismiss_only_ones_own(space, session):
    pushes = space.pushes
    shown = space.as_zhang.get("/api/v1/me/recommendations").json()["items"]
    assert {item["id"] for item in shown} == {pushes.sent.id, pushes.opened.id}
    item = next(i for i in shown if i["id"] == pushes.opened.id)
    assert (item["matter_name"], item["online_capable"], item["status"]) == ("食品经营许可", True, "opened")
    assert item["reasons"] == ["您曾于2026年1月5日办理「食品经营许可」，可能需要再次办理。"]
    opened = space.as_zhang.post(f"/api/v1/me/recommendations/{pushes.sent.id}/open")
    assert opened.status_code == 200 and opened.json()["status"] == "opened" and opened.json()["opened_at"]
    dismissed = space.as_zhang.post(f"/api/v1/me/recommendations/{pushes.sent.id}/dismiss")
    assert dismissed.json()["status"] == "dismissed"
    assert ids(space.as_zhang.get("/api/v1/me/recommendations")) == [pushes.opened.id]
    for other in (pushes.lis, pushes.suppressed, pushes.later):  # another's, never shown, not yet released
        assert space.as_zhang.post(f"/api/v1/me/recommendations/{other.id}/open").status_code == 404
    conflict = space.as_zhang.post(f"/api/v1/me/recommendations/{pushes.converted.id}/dismiss")
    assert conflict.status_code == 409
    session.expire_all()
    assert session.get(Push, pushes.lis.id).status == PushStatus.SENT
    assert ids(space.as_li.get("/api/v1/me/recommendations")) == [pushes.lis.id]


def test_push_preferences_round_trip_and_refuse_bad_times(space, session):
    default = space.as_zhang.get("/api/v1/me/push-preferences").json()
    assert default == {
        "opted_out": False,
        "channel": None,
        "quiet_start": None,
        "quiet_end": None,
        "district_quiet_start": "21:00",
        "district_quiet_end": "08:00",
    }
    wanted = {"opted_out": True, "channel": "app", "quiet_start": "20:00", "quiet_end": "09:00"}
    saved = space.as_zhang.put("/api/v1/me/push-preferences", json=wanted)
    assert saved.status_code == 200, saved.text
    assert space.as_zhang.get("/api/v1/me/push-preferences").json() == default | wanted
    assert space.as_li.get("/api/v1/me/push-preferences").json() == default  # not li's
    again = space.as_zhang.put("/api/v1/me/push-preferences", json={"opted_out": False})
    assert again.json() == default  # PUT replaces: back to the district's hours, no channel
    rows = session.scalars(select(PushPreference)).all()
    assert [(r.citizen_id, r.opted_out) for r in rows] == [(space.zhang.id, False)]
    firm = space.as_firm.put("/api/v1/me/push-preferences", json={"channel": "sms"})
    assert firm.status_code == 200
    for body, field in (
        ({"quiet_start": "25:00", "quiet_end": "08:00"}, "body.quiet_start"),
        ({"quiet_start": "21:00", "quiet_end": "8:00"}, "body.quiet_end"),
        ({"quiet_start": "21:00"}, "body.quiet_end"),
        ({"channel": "fax"}, "body.channel"),
    ):
        response = space.as_zhang.put("/api/v1/me/push-preferences", json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field


def test_notices_are_the_published_unexpired_ones_for_the_personal_space(space, session):
    now = utcnow()

    def publication(title, **fields):
        values = {"kind": PublicationKind.NOTICE, "title": title, "targets": "personal_space"}
        session.add(Publication(**values | fields))

    publication("医保缴费提醒", status=PublicationStatus.PUBLISHED, published_at=now - timedelta(days=2))
    publication("大厅通知", status=PublicationStatus.PUBLISHED, targets="led,cockpit", published_at=now)
    publication(
        "已过期",
        status=PublicationStatus.PUBLISHED,
        published_at=now - timedelta(days=9),
        expire_at=now - timedelta(days=1),
    )
    publication("草稿", status=PublicationStatus.DRAFT)
    publication("已到时", status=PublicationStatus.SCHEDULED, publish_at=now - timedelta(hours=1))
    publication("未到时", status=PublicationStatus.SCHEDULED, publish_at=now + timedelta(days=1))
    publication(
        "多处发布", status=PublicationStatus.PUBLISHED, targets="led,personal_space", published_at=now
    )
    session.commit()
    body = space.as_zhang.get("/api/v1/me/notices").json()
    # Newest first: the one published just now, the scheduled one published at its time (an hour ago), then
    # the one from two days ago.
    assert [item["title"] for item in body["items"]] == ["多处发布", "已到时", "医保缴费提醒"]
    assert space.as_zhang.get("/api/v1/me/space").json()["notices"] == 3
