"""The outbox against a local HTTP server standing in for the DingTalk group robot.

The server checks every request's signature like DingTalk, fails the first attempts (HTTP 500, then an
errcode), then accepts; the worker is driven with an advancing clock. Then the server is down
(connection refused): the message is kept, goes dead after max_attempts, shows in the admin API, and a
retry delivers it once the server is back.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core_app.integrations.dingtalk_robot import DingTalkRobot
from core_app.notify.models import Channel, OutboxMessage, OutboxStatus
from core_app.notify.outbox import enqueue
from core_app.notify.worker import backoff, deliver_due
from tests.notify.conftest import T0
from tests.notify.fake_servers import ScriptedHttp, free_port, robot_sign_ok

SECRET = "SEC0123456789abcdef"


def signed_robot(seen) -> tuple[int, dict] | None:
    """Answer like DingTalk when the signature is wrong; otherwise let the script answer."""
    if not robot_sign_ok(seen.query, SECRET) or seen.query.get("access_token") != "tok":
        return 200, {"errcode": 310000, "errmsg": "sign not match"}
    return None


@pytest.fixture
def robot_server():
    server = ScriptedHttp(answer=signed_robot).start()
    yield server
    server.stop()


def robot_for(url: str) -> dict:
    return {Channel.DING_ROBOT: DingTalkRobot(f"{url}/robot/send?access_token=tok", SECRET)}


def add_robot_message(session, **fields) -> int:
    defaults = {
        "channel": Channel.DING_ROBOT,
        "recipient": "D001",
        "subject": "催办",
        "body": "事件 EV1 将超时",
    }
    message = enqueue(session, **defaults | fields, now=T0)
    session.commit()
    return message.id


def reload(session, message_id: int) -> OutboxMessage:
    return session.get(OutboxMessage, message_id, populate_existing=True)


def test_retries_at_backoff_times_then_delivers_exactly_once(session, sessions, robot_server) -> None:
    robot_server.replies = [
        (500, "gateway down"),
        (500, "gateway down"),
        (200, {"errcode": 130101, "errmsg": "busy"}),
    ]
    adapters = robot_for(robot_server.url)
    message_id = add_robot_message(session)

    now = T0
    for attempt, error in enumerate(["HTTP 500", "HTTP 500", "errcode 130101"], start=1):
        assert deliver_due(sessions, now, adapters) == 0
        row = reload(session, message_id)
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, attempt)
        assert row.last_error.startswith(error)
        assert row.next_attempt_at == now + backoff(attempt)
        # Not a moment early: one second before the retry time nothing is sent.
        assert deliver_due(sessions, row.next_attempt_at - timedelta(seconds=1), adapters) == 0
        assert len(robot_server.seen) == attempt
        now = row.next_attempt_at

    assert [backoff(n) for n in (1, 2, 3)] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
    ]
    assert now == T0 + timedelta(seconds=30 + 60 + 120)
    assert deliver_due(sessions, now, adapters) == 1
    row = reload(session, message_id)
    assert (row.status, row.sent_at, row.attempts, row.locked_until) == (OutboxStatus.SENT, now, 3, None)

    # Later runs never send it again.
    assert deliver_due(sessions, now + timedelta(days=1), adapters) == 0
    assert len(robot_server.seen) == 4
    accepted = robot_server.seen[-1]
    assert accepted.body == {"msgtype": "text", "text": {"content": "催办\n事件 EV1 将超时"}}
    assert all(robot_sign_ok(seen.query, SECRET) for seen in robot_server.seen)


def test_a_wrong_secret_is_a_failure_not_a_delivery(session, sessions, robot_server) -> None:
    adapters = {
        Channel.DING_ROBOT: DingTalkRobot(f"{robot_server.url}/robot/send?access_token=tok", "SECwrong")
    }
    message_id = add_robot_message(session)
    assert deliver_due(sessions, T0, adapters) == 0
    row = reload(session, message_id)
    assert row.status == OutboxStatus.PENDING
    assert row.last_error == "errcode 310000: sign not match"


def test_markdown_message(session, sessions, robot_server) -> None:
    add_robot_message(session, payload={"markdown": True}, body="### 督办\n- EV1")
    assert deliver_due(sessions, T0, robot_for(robot_server.url)) == 1
    assert robot_server.seen[0].body == {
        "msgtype": "markdown",
        "markdown": {"title": "催办", "text": "### 督办\n- EV1"},
    }


def test_nothing_is_lost_while_the_robot_is_down(session, sessions, client) -> None:
    port = free_port()
    adapters = robot_for(f"http://127.0.0.1:{port}")
    message_id = add_robot_message(session, max_attempts=3)
    other_id = add_robot_message(session, recipient="D002", max_attempts=None)

    now = T0
    for _ in range(3):
        assert deliver_due(sessions, now, adapters) == 0
        now = reload(session, message_id).next_attempt_at
    row = reload(session, message_id)
    assert (row.status, row.attempts) == (OutboxStatus.DEAD, 3)
    assert "ConnectError" in row.last_error
    never_dead = reload(session, other_id)
    assert (never_dead.status, never_dead.attempts) == (OutboxStatus.PENDING, 3)

    dead = client.get("/api/v1/outbox", params={"status": "dead"}).json()
    assert [item["id"] for item in dead["items"]] == [message_id]
    assert dead["items"][0]["last_error"] == row.last_error
    summary = client.get("/api/v1/outbox/summary").json()
    assert summary["dead"] == 1 and summary["total"] == 2
    assert {"channel": "ding_robot", "status": "dead", "count": 1} in summary["counts"]
    # A dead message is never picked up on its own, however late; the other one keeps trying.
    now += timedelta(days=30)
    assert deliver_due(sessions, now, adapters) == 0
    assert (reload(session, message_id).attempts, reload(session, other_id).attempts) == (3, 4)

    retried = client.post(f"/api/v1/outbox/{message_id}/retry")
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)

    server = ScriptedHttp(answer=signed_robot, port=port).start()
    try:
        later = now + timedelta(hours=2)
        assert deliver_due(sessions, later, adapters) == 2
    finally:
        server.stop()
    assert sorted(seen.body["text"]["content"] for seen in server.seen) == ["催办\n事件 EV1 将超时"] * 2
    statuses = session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)).all()
    assert statuses == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert client.post(f"/api/v1/outbox/{message_id}/retry").status_code == 409
