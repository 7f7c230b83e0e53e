"""Push endpoints over HTTP: generation (dry run and real), the listing with filters and CSV, the figures,
403 without pushes:manage, 409 without a recommender, 422 naming the parameter."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core_app.api.app import create_app
from core_app.config import LOCAL_TZ
from core_app.db.base import utcnow
from core_app.proactive.models import Push, PushChannel, PushStatus
from tests.proactive.conftest import FrameRecommender, recommendations


@pytest.fixture
def manager(engine, auth_headers):
    with TestClient(create_app(), headers=auth_headers("hall_manager")) as client:
        yield client


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_generate_dry_run_then_for_real(manager, session, district, registered):
    registered(
        FrameRecommender(
            recommendations(
                (district.zhang_key, district.b.id, 0.8, "popular", None),
                (district.li_key, district.c.id, 0.1, "popular", None),
            )
        )
    )
    dry = manager.post("/api/v1/pushes:generate", json={"dry_run": True})
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["dry_run"], body["subjects"], body["messages"], body["decisions_total"]) == (True, 3, 0, 1)
    assert body["counts"] == {"send": 1, "opted_out": 0, "capped": 0, "repeat": 0, "below_threshold": 1}
    [decision] = body["decisions"]
    assert (decision["subject"], decision["matter_name"], decision["decision"], decision["channel"]) == (
        district.zhang_key,
        "公共场所卫生许可",
        "send",
        "sms",
    )
    assert decision["reasons"][0] == "「公共场所卫生许可」是本区近期办理较多的事项。"
    assert session.scalar(select(func.count()).select_from(Push)) == 0
    real = manager.post("/api/v1/pushes:generate", json={})
    assert real.status_code == 200, real.text
    assert (real.json()["messages"], real.json()["decisions"], real.json()["channels"]) == (1, [], {"sms": 1})
    assert session.scalar(select(func.count()).select_from(Push)) == 1


def test_generate_without_a_recommender_answers_409(manager, district, no_registry):
    response = manager.post("/api/v1/pushes:generate", json={"dry_run": True})
    assert response.status_code == 409
    assert response.json()["detail"] == "no recommender registered: run `butler train recommend`"


def add_push(
    session, *, matter, citizen=None, enterprise=None, generated_at, status=PushStatus.SENT, **fields
):
    row = Push(
        citizen_id=citizen.id if citizen else None,
        enterprise_id=enterprise.id if enterprise else None,
        matter_id=matter.id,
        score=0.7,
        reasons=fields.pop("reasons", ["联系电话13812345678的群众常办理"]),
        model_version="v1",
        channel=fields.pop("channel", PushChannel.SMS),
        status=status,
        generated_at=generated_at,
        sent_at=fields.pop("sent_at", generated_at if status != PushStatus.SUPPRESSED else None),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def listed(session, district):
    day = datetime(2026, 9, 1, 10, tzinfo=LOCAL_TZ)
    rows = {
        "sms": add_push(session, matter=district.b, citizen=district.zhang, generated_at=day),
        "app": add_push(
            session,
            matter=district.a,
            citizen=district.li,
            generated_at=day + timedelta(days=1),
            channel=PushChannel.APP,
            status=PushStatus.OPENED,
            opened_at=day,
        ),
        "firm": add_push(
            session,
            matter=district.b,
            enterprise=district.firm,
            generated_at=day + timedelta(days=2),
            status=PushStatus.SUPPRESSED,
            suppressed_reason="opted_out",
        ),
    }
    session.commit()
    return rows


def test_the_listing_filters_masks_and_exports(manager, listed, district):
    page = manager.get("/api/v1/pushes").json()
    assert page["total"] == 3
    assert [item["id"] for item in page["items"]] == [listed["firm"].id, listed["app"].id, listed["sms"].id]
    first = page["items"][0]
    assert (first["subject_type"], first["enterprise_id"], first["matter_name"]) == (
        "enterprise",
        district.firm.id,
        "公共场所卫生许可",
    )
    assert first["reasons"] == ["联系电话138****5678的群众常办理"]  # a phone number in text is masked
    ids = lambda **params: [i["id"] for i in manager.get("/api/v1/pushes", params=params).json()["items"]]  # noqa: E731
    assert ids(status="sent,opened") == [listed["app"].id, listed["sms"].id]
    assert ids(channel="app") == [listed["app"].id]
    assert ids(matter_id=district.b.id, subject_type="citizen") == [listed["sms"].id]
    assert ids(**{"from": "2026-09-02", "to": "2026-09-03"}) == [listed["app"].id]
    exported = manager.get("/api/v1/pushes", params={"format": "csv", "subject_type": "citizen"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    table = csv_rows(exported)
    header, rows = table[0], table[1:]
    assert len(rows) == 2 and header[-1] == "reasons"
    assert {row[header.index("status")] for row in rows} == {"sent", "opened"}
    assert all("138****5678" in row[-1] for row in rows)


def test_stats_json_and_csv(manager, session, district):
    sent = utcnow() - timedelta(days=40)  # the API measures against the wall clock: matured
    add_push(
        session, matter=district.b, citizen=district.zhang, generated_at=sent, status=PushStatus.CONVERTED
    )
    add_push(session, matter=district.b, citizen=district.li, generated_at=sent)
    add_push(session, matter=district.b, enterprise=district.firm, generated_at=sent, channel=PushChannel.APP)
    session.commit()
    body = manager.get(
        "/api/v1/pushes/stats", params={"from": (sent - timedelta(days=1)).isoformat(), "by": "channel"}
    ).json()
    # All three were sent 40 days ago: their 30-day windows have ended.
    assert [(r["key"], r["sent"], r["converted"], r["acceptance_rate"]) for r in body["rows"]] == [
        ("app", 1, 0, 0.0),
        ("sms", 2, 1, 0.5),
    ]
    assert (body["total"]["sent"], body["total"]["acceptance_rate"]) == (3, 0.3333)  # 1 / 3
    assert "matured" in body["note"]
    table = csv_rows(manager.get("/api/v1/pushes/stats", params={"by": "subject_type", "format": "csv"}))
    start = table.index([])
    header = table[start + 1]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in table[start + 2 :]}
    assert (rows["citizen"]["sent"], rows["enterprise"]["sent"], rows["total"]["acceptance_rate"]) == (
        "2",
        "1",
        "0.3333",
    )


def test_pushes_need_pushes_manage_and_valid_parameters(engine, auth_headers, manager):
    with TestClient(create_app(), headers=auth_headers("window_staff")) as staff:
        assert staff.get("/api/v1/pushes").status_code == 403
        assert staff.post("/api/v1/pushes:generate", json={}).status_code == 403
    bad = manager.get("/api/v1/pushes", params={"status": "sent,lost"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.status"
    bad = manager.get("/api/v1/pushes/stats", params={"from": "yesterday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.from"
    bad = manager.get("/api/v1/pushes/stats", params={"by": "weather"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.by"
    bad = manager.post("/api/v1/pushes:generate", json={"limit": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.limit"
