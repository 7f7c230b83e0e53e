"""Each channel against a local stand-in of its server: what it sends, and what counts as delivered."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core_app.events.models import Event
from core_app.integrations.base import OutgoingMessage, TokenCache
from core_app.integrations.city_platform import CityPlatform
from core_app.integrations.dingtalk_work import DingTalkWorkNotice
from core_app.integrations.sms import API_KEY_HEADER, SmsGateway
from core_app.integrations.smtp_email import SmtpMailer
from core_app.integrations.wecom import WeCom
from core_app.notify.models import Channel, OutboxMessage, OutboxStatus
from core_app.notify.outbox import report_upstream
from core_app.notify.worker import deliver_due
from tests.notify.conftest import T0
from tests.notify.fake_servers import ScriptedHttp, SmtpServer, free_port
from tests.notify.test_outbox import closed_city_event


@pytest.fixture
def http():
    server = ScriptedHttp().start()
    yield server
    server.stop()


def message(channel: Channel, recipient: str, **fields) -> OutgoingMessage:
    return OutgoingMessage(
        1,
        channel,
        recipient,
        fields.get("subject", "新派单"),
        fields.get("body", "EV1"),
        fields.get("payload"),
    )


def token_answer(seen):
    if seen.path.endswith("gettoken"):
        return 200, {"errcode": 0, "access_token": "T1", "expires_in": 7200}
    return None


def test_dingtalk_work_notice_caches_its_token_and_addresses_users_or_departments(http) -> None:
    http.answer = token_answer
    notice = DingTalkWorkNotice(http.url, "key", "secret", "8001")
    assert notice.send(message(Channel.DING_WORK, "ding-001")).ok
    assert notice.send(message(Channel.DING_WORK, "dept:D-ENV")).ok
    paths = [seen.path for seen in http.seen]
    assert paths == [
        "/gettoken",
        *["/topapi/message/corpconversation/asyncsend_v2"] * 2,
    ]  # one token for both
    assert http.seen[0].query == {"appkey": "key", "appsecret": "secret"}
    to_user, to_department = http.seen[1], http.seen[2]
    assert to_user.query == {"access_token": "T1"}
    assert to_user.body == {
        "agent_id": "8001",
        "userid_list": "ding-001",
        "msg": {"msgtype": "text", "text": {"content": "新派单\nEV1"}},
    }
    assert to_department.body["dept_id_list"] == "D-ENV" and "userid_list" not in to_department.body


def test_an_expired_token_is_fetched_again(http) -> None:
    http.answer = token_answer
    http.replies = [(200, {"errcode": 42001, "errmsg": "access_token expired"})]
    notice = DingTalkWorkNotice(http.url, "key", "secret", "8001")
    failed = notice.send(message(Channel.DING_WORK, "u"))
    assert not failed.ok and failed.error.startswith("errcode 42001")
    assert notice.send(message(Channel.DING_WORK, "u")).ok
    assert [seen.path for seen in http.seen].count("/gettoken") == 2


def test_token_cache_expires() -> None:
    clock = [0.0]
    fetched = []
    cache = TokenCache(lambda: (fetched.append(1) or f"t{len(fetched)}", 7200), clock=lambda: clock[0])
    assert cache.get() == cache.get() == "t1"
    clock[0] = 7200 - 300  # refreshed a little before the server would refuse it
    assert cache.get() == "t2"


def test_wecom(http) -> None:
    http.answer = token_answer
    wecom = WeCom(http.url, "corp", "csecret", "1000002")
    assert wecom.send(message(Channel.WECOM, "zhangsan")).ok
    assert http.seen[0].path == "/cgi-bin/gettoken" and http.seen[0].query == {
        "corpid": "corp",
        "corpsecret": "csecret",
    }
    assert http.seen[1].path == "/cgi-bin/message/send"
    assert http.seen[1].body == {
        "touser": "zhangsan",
        "msgtype": "text",
        "agentid": "1000002",
        "text": {"content": "新派单\nEV1"},
    }
    http.replies = [(200, {"errcode": 81013, "errmsg": "user not found"})]
    assert wecom.send(message(Channel.WECOM, "nobody")).error == "errcode 81013: user not found"


def test_sms_gateway(http) -> None:
    http.replies = [(200, {"code": 0}), (200, {"code": 1001, "message": "bad phone"}), (503, "busy")]
    sms = SmsGateway(f"{http.url}/sms/send", "k-123", "云管家")
    payload = {"template": "SLA_URGE", "params": {"event_no": "EV1"}}
    assert sms.send(message(Channel.SMS, "13900001111", payload=payload)).ok
    assert http.seen[0].headers[API_KEY_HEADER] == "k-123"
    assert http.seen[0].body == {
        "phone": "13900001111",
        "sign": "云管家",
        "text": "EV1",
        "template": "SLA_URGE",
        "params": {"event_no": "EV1"},
    }
    assert sms.send(message(Channel.SMS, "1")).error == "code 1001: bad phone"
    assert sms.send(message(Channel.SMS, "1")).error.startswith("HTTP 503")


def test_email_through_a_local_smtp_server() -> None:
    server = SmtpServer()
    try:
        mailer = SmtpMailer("127.0.0.1", server.port, "butler@example.org")
        assert mailer.send(
            message(Channel.EMAIL, "chief@example.org", subject="督办通知", body="请于今日回复")
        ).ok
    finally:
        server.stop()
    [mail] = server.mails
    assert mail["rcpt"] == ["<chief@example.org>"]
    assert "Subject: =?utf-8?b?" in mail["data"]  # the Chinese subject, encoded
    refused = SmtpMailer("127.0.0.1", free_port(), "butler@example.org").send(message(Channel.EMAIL, "a@b.c"))
    assert not refused.ok and "ConnectionRefusedError" in refused.error


def test_city_platform_ack_stamps_the_event_and_a_non_ack_keeps_retrying(session, sessions, http) -> None:
    http.replies = [(200, {"code": 5, "msg": "busy"}), (200, {"received": True}), (500, "down")] * 4
    http.default = (200, {"ack": True})
    platform = {Channel.CITY_PLATFORM: CityPlatform(f"{http.url}/feedback", "city-token")}
    event = closed_city_event(session)
    report_upstream(session, event, now=T0)
    session.commit()
    version = event.version

    now = T0
    for attempt in range(1, 13):  # more failures than any default max_attempts: never dead
        assert deliver_due(sessions, now, platform) == 0
        row = session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, attempt)
        assert session.get(Event, event.id, populate_existing=True).upstream_reported_at is None
        now = row.next_attempt_at
    assert row.last_error.startswith("HTTP 500")
    assert deliver_due(sessions, now, platform) == 1
    stamped = session.get(Event, event.id, populate_existing=True)
    assert (stamped.upstream_reported_at, stamped.version) == (now, version)  # no spurious conflict for users
    assert session.get(OutboxMessage, row.id, populate_existing=True).status == OutboxStatus.SENT
    last = http.seen[-1]
    assert last.headers["Authorization"] == "Bearer city-token"
    assert last.body["upstream_no"] == "SZ-2030-0001" and last.body["result"] == "resolved"
    assert now - T0 > timedelta(hours=3)  # backoff reached its one-hour cap
