"""The priority of events over HTTP: intake assesses it, the dispatcher queue orders by it, a dispatcher
re-assesses an edited event, and anyone who may read the event sees it with the reasons."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from core_app.api.app import create_app
from core_app.events.models import Event, EventStatus, Priority, Severity
from core_app.notify.models import OutboxMessage
from tests.api import builders as b
from tests.intake.conftest import INTAKE, NOW, payload

GAS = "楼道里有很浓的燃气味，怀疑燃气泄漏，请马上派人来处理"
PLAIN = "申请公共租赁住房，想咨询一下办理进度"


def ingest(api, key: str, external_id: str, **fields) -> int:
    response = api.post(INTAKE, json=payload(external_id, **fields), headers={"X-API-Key": key})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_intake_stores_the_priority_and_the_queue_puts_p1_first(
    api, session, district, make_key, auth_headers, make_user
) -> None:
    dispatcher = make_user("dispatcher")
    district.noise.severity = Severity.HIGH
    session.commit()
    key = make_key()
    plain = ingest(
        api, key, "P-1", reporter_phone="13700000001", reported_at=(NOW - timedelta(hours=5)).isoformat()
    )
    # three earlier reports by one caller, about different things, then a gas leak
    for n, text in enumerate(
        ("咨询垃圾分类的投放时间", "询问社区老年食堂的开放时间", "了解一下公园的开放时间")
    ):
        at = NOW - timedelta(days=3 - n)
        ingest(
            api,
            key,
            f"R-{n}",
            title=text,
            description=text,
            reporter_phone="13700000002",
            address=f"云溪区云溪街道溪畔社区梧桐路{n + 1}号",
            reported_at=at.isoformat(),
        )
    gas = ingest(
        api,
        key,
        "G-1",
        title="燃气泄漏",
        description=GAS,
        reporter_phone="13700000002",
        address="云溪区海山街道望海社区观海路9号",
        reported_at=(NOW - timedelta(hours=1)).isoformat(),
    )
    noise = ingest(
        api,
        key,
        "N-1",
        title="咨询",
        description=PLAIN,
        category_code="HB01",
        reporter_phone="13700000003",
        address="云溪区海山街道望海社区观海路20号",
        reported_at=(NOW - timedelta(hours=3)).isoformat(),
    )
    session.expire_all()
    stored = session.get(Event, gas)
    assert stored.status is EventStatus.PENDING_DISPATCH and stored.priority is Priority.P1
    assert [r["code"] for r in stored.priority_reasons][:2] == ["urgent_words", "repeat_contact"]
    assert stored.priority_reasons[1]["detail"] == "3 earlier reports within 30 days"
    assert session.get(Event, noise).priority is Priority.P3
    assert session.get(Event, plain).priority is Priority.P4
    notices = session.scalars(select(OutboxMessage).where(OutboxMessage.event_id == gas)).all()
    assert [m.recipient for m in notices if m.subject.startswith("【P1")] == [dispatcher.username]

    queue = TestClient(create_app(), headers=auth_headers("dispatcher")).get("/api/v1/dispatch-queue")
    assert queue.status_code == 200, queue.text
    rows = queue.json()
    assert rows[0]["id"] == gas
    # by priority, then the oldest report first
    order = [(row["priority"], row["reported_at"]) for row in rows]
    assert order == sorted(order) and len(rows) == 6
    first = rows[0]
    assert first["urgency"] and first["importance"] and first["risk_tags"] == "gas"
    assert first["emotion_polarity"] == "negative" and first["priority_reasons"][0]["code"] == "urgent_words"


def test_get_and_reassess_an_events_priority(session, auth_headers) -> None:
    town = b.region(session, code="T1", name="海山街道")
    other = b.region(session, code="T2", name="沙头角街道")
    event = b.event(
        session, title="咨询", description=PLAIN, street_id=town.id, status=EventStatus.PENDING_DISPATCH
    )
    session.commit()
    app = create_app()
    dispatcher = TestClient(app, headers=auth_headers("dispatcher"))
    reader = TestClient(app, headers=auth_headers("supervisor"))
    elsewhere = TestClient(app, headers=auth_headers("dispatcher", scope="region", scope_id=other.id))
    url = f"/api/v1/events/{event.id}/priority"

    before = reader.get(url)
    assert before.status_code == 200, before.text
    assert before.json()["assessed"] is False and before.json()["priority"] == "p4"

    event.description = GAS  # edited
    session.commit()
    assert reader.post(url + ":assess").status_code == 403  # a supervisor reads, does not dispatch
    assert elsewhere.post(url + ":assess").status_code == 404  # out of scope looks missing
    assert elsewhere.get(url).status_code == 404
    assert dispatcher.post(f"/api/v1/events/{event.id + 1000}/priority:assess").status_code == 404
    assessed = dispatcher.post(url + ":assess")
    assert assessed.status_code == 200, assessed.text
    body = assessed.json()
    assert body["assessed"] is True and body["urgency"] is True and body["risk_tags"] == ["gas"]
    assert body["priority"] in ("p1", "p2") and body["priority_reasons"][0]["code"] == "urgent_words"
    assert reader.get(url).json() == body
    history = dispatcher.get(f"/api/v1/events/{event.id}/history").json()
    assert [h["action"] for h in history] == ["assess_priority"]
    assert TestClient(app).get(url).status_code == 401


def test_without_an_emotion_model_intake_still_accepts_and_scoring_answers_503(
    api, session, district, make_key, auth_headers, monkeypatch
) -> None:
    import serving.emotion

    def unavailable():
        raise serving.emotion.EmotionModelUnavailable("no shipped emotion model; run `make train-emotion`")

    monkeypatch.setattr(serving.emotion, "emotion_predictor", unavailable)
    event_id = ingest(api, make_key(), "U-1")
    session.expire_all()
    stored = session.get(Event, event_id)
    assert stored.status is EventStatus.PENDING_DISPATCH  # accepted all the same
    assert stored.priority is Priority.P4 and stored.priority_reasons is None  # not assessed
    dispatcher = TestClient(create_app(), headers=auth_headers("dispatcher"))
    for response in (
        dispatcher.post("/api/v1/emotion", json={"text": GAS}),
        dispatcher.post(f"/api/v1/events/{event_id}/priority:assess"),
    ):
        assert response.status_code == 503
        assert response.json()["type"].endswith("emotion-model-unavailable")
        assert "make train-emotion" in response.json()["detail"]
