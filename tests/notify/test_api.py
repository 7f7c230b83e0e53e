"""The outbox admin API: list with filters, summary, retry; only for holders of notifications:manage."""

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from core_app.api.app import create_app
from core_app.audit.models import AuditLog
from core_app.notify.models import Channel, OutboxMessage, OutboxStatus
from core_app.notify.outbox import enqueue
from tests.api import builders
from tests.notify.conftest import T0


def add(session, channel=Channel.SMS, **fields) -> OutboxMessage:
    message = enqueue(session, channel=channel, recipient="r", subject="s", body="b", now=T0, **fields)
    session.commit()
    return message


def test_list_filters_and_summary(session, client) -> None:
    event = builders.event(session)
    sms = add(session, event_id=event.id)
    robot = add(session, Channel.DING_ROBOT)
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == robot.id).values(status=OutboxStatus.SENT)
    )
    session.commit()

    assert [i["id"] for i in client.get("/api/v1/outbox").json()["items"]] == [robot.id, sms.id]
    assert [i["id"] for i in client.get("/api/v1/outbox", params={"event_id": event.id}).json()["items"]] == [
        sms.id
    ]
    assert (
        client.get("/api/v1/outbox", params={"channel": "ding_robot,sms", "status": "sent"}).json()["total"]
        == 1
    )
    assert client.get("/api/v1/outbox", params={"status": "lost"}).status_code == 422
    assert client.get(f"/api/v1/outbox/{sms.id}").json()["channel"] == "sms"
    summary = client.get("/api/v1/outbox/summary").json()
    assert summary["counts"] == [
        {"channel": "ding_robot", "status": "sent", "count": 1},
        {"channel": "sms", "status": "pending", "count": 1},
    ]
    assert (summary["total"], summary["dead"]) == (2, 0)


def test_retry_rules_and_audit(session, client) -> None:
    dead = add(session, max_attempts=1)
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == dead.id)
        .values(status=OutboxStatus.DEAD, attempts=1, last_error="x")
    )
    sending = add(session)
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == sending.id).values(status=OutboxStatus.SENDING)
    )
    session.commit()

    answer = client.post(f"/api/v1/outbox/{dead.id}/retry")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["attempts"], answer.json()["last_error"]) == (
        "pending",
        0,
        "x",
    )
    audit = session.scalar(select(AuditLog).where(AuditLog.action == "outbox_retry"))
    assert audit.entity_id == str(dead.id) and audit.before["status"] == "dead"

    conflict = client.post(f"/api/v1/outbox/{sending.id}/retry")
    assert conflict.status_code == 409 and conflict.headers["content-type"] == "application/problem+json"
    assert client.post("/api/v1/outbox/999999/retry").status_code == 404


def test_only_notification_managers(session, engine, auth_headers) -> None:
    message = add(session)
    with TestClient(create_app(), headers=auth_headers("dispatcher")) as dispatcher:
        assert dispatcher.get("/api/v1/outbox").status_code == 403
        assert dispatcher.get("/api/v1/outbox/summary").status_code == 403
        assert dispatcher.post(f"/api/v1/outbox/{message.id}/retry").status_code == 403
