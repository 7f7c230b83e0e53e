"""Writing to the outbox: once per dedup_key, in the caller's transaction, to the right recipients."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select, update

from core_app.access.models import Role, User, UserRole
from core_app.config import get_settings
from core_app.events.models import Event, EventStatus, Feedback, FeedbackResult
from core_app.integrations.base import NOT_CONFIGURED, FakeNotifier
from core_app.notify.models import Channel, OutboxMessage, OutboxStatus
from core_app.notify.outbox import enqueue, notify_department, notify_user, per_recipient_key, report_upstream
from core_app.notify.worker import LEASE, deliver_due
from tests.api import builders
from tests.notify.conftest import T0


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage))


def test_same_dedup_key_twice_keeps_one_row(session) -> None:
    first = enqueue(
        session, channel="sms", recipient="13900001111", subject="s", body="b", dedup_key="sla:1:sign:1"
    )
    again = enqueue(
        session, channel="sms", recipient="13900001111", subject="s", body="b", dedup_key="sla:1:sign:1"
    )
    assert first is not None and again is None
    session.commit()
    # Also across transactions, once committed.
    assert (
        enqueue(session, channel="sms", recipient="x", subject="s", body="b", dedup_key="sla:1:sign:1")
        is None
    )
    session.commit()
    assert count(session) == 1


def test_written_and_rolled_back_with_the_business_change(session) -> None:
    department = builders.department(session)
    session.commit()
    department.name = "改名"
    enqueue(session, channel=Channel.SMS, recipient="1", subject="s", body="b", dedup_key="k1")
    enqueue(session, channel=Channel.SMS, recipient="1", subject="s", body="b")
    session.rollback()
    assert count(session) == 0
    assert session.get(type(department), department.id, populate_existing=True).name != "改名"

    department.name = "改名"
    enqueue(session, channel=Channel.SMS, recipient="1", subject="s", body="b", dedup_key="k1")
    session.commit()
    assert count(session) == 1


def grant(session, user: User, role: str, *, scope: str, scope_id: int | None) -> None:
    role_id = session.scalar(select(Role.id).where(Role.code == role))
    session.add(UserRole(user_id=user.id, role_id=role_id, scope=scope, scope_id=scope_id))
    session.flush()


def test_department_handlers_get_work_notices(session) -> None:
    department = builders.department(session, code="D-ENV")
    other = builders.department(session)
    staff = builders.staff(session, department_id=department.id, ding_user_id="ding-001")
    with_ding = User(username="handler-a", staff_id=staff.id)
    plain = User(username="handler-b")
    retired = User(username="handler-c", is_active=False)
    elsewhere = User(username="handler-d")
    watcher = User(username="watcher")
    session.add_all([with_ding, plain, retired, elsewhere, watcher])
    session.flush()
    for user in (with_ding, plain, retired):
        grant(session, user, "dept_handler", scope="department", scope_id=department.id)
    grant(session, plain, "external_handler", scope="department", scope_id=department.id)  # no double notice
    grant(session, elsewhere, "dept_handler", scope="department", scope_id=other.id)
    grant(session, watcher, "leader", scope="department", scope_id=department.id)  # cannot handle events

    messages = notify_department(session, department.id, subject="新派单", body="EV1", dedup_key="dispatch:1")
    session.commit()
    assert [(m.channel, m.recipient) for m in messages] == [
        (Channel.DING_WORK, "ding-001"),
        (Channel.DING_WORK, "handler-b"),
    ]
    assert messages[0].dedup_key == "dispatch:1:ding_work:ding-001"
    # Notified twice with the same key: nothing new.
    assert (
        notify_department(session, department.id, subject="新派单", body="EV1", dedup_key="dispatch:1") == []
    )

    nobody = notify_department(session, other.id, subject="s", body="b")
    assert [(m.channel, m.recipient) for m in nobody] == [(Channel.DING_WORK, "handler-d")]
    empty = builders.department(session, code="D-EMPTY")
    to_department = notify_department(session, empty.id, subject="s", body="b")
    assert [(m.channel, m.recipient) for m in to_department] == [(Channel.DING_WORK, "dept:D-EMPTY")]


def test_department_robot_when_configured(session, monkeypatch) -> None:
    department = builders.department(session, code="D-R")
    monkeypatch.setattr(get_settings(), "dingtalk_robot_url", "http://127.0.0.1:9/robot/send?access_token=x")
    messages = notify_department(session, department.id, subject="s", body="b")
    assert [(m.channel, m.recipient) for m in messages] == [
        (Channel.DING_WORK, "dept:D-R"),
        (Channel.DING_ROBOT, "D-R"),
    ]


def test_notify_user(session) -> None:
    user = User(username="zhang")
    session.add(user)
    session.flush()
    [message] = notify_user(session, user.id, subject="s", body="b", event_id=None, now=T0)
    assert (message.channel, message.recipient, message.next_attempt_at) == (Channel.DING_WORK, "zhang", T0)


def test_long_dedup_keys_stay_unique_within_the_column() -> None:
    long = "x" * 200
    a = per_recipient_key(long, Channel.DING_WORK, "a")
    b = per_recipient_key(long, Channel.DING_WORK, "b")
    assert len(a) == len(b) == 120 and a != b


def test_unconfigured_channel_stays_pending_with_a_reason(session, sessions) -> None:
    message = enqueue(
        session, channel=Channel.WECOM, recipient="u1", subject="s", body="b", now=T0, max_attempts=1
    )
    session.commit()
    for day in range(3):  # however often the worker runs, it is neither attempted nor given up
        assert deliver_due(sessions, T0 + timedelta(days=day)) == 0  # the settings configure no channel
    row = session.get(OutboxMessage, message.id, populate_existing=True)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 0, NOT_CONFIGURED)

    fake = FakeNotifier(Channel.WECOM)
    assert deliver_due(sessions, T0 + timedelta(days=4), {Channel.WECOM: fake}) == 1
    assert [m.recipient for m in fake.sent] == ["u1"]


def test_a_worker_that_died_mid_send_is_resent_after_its_lease(session, sessions) -> None:
    message = enqueue(session, channel=Channel.SMS, recipient="1", subject="s", body="b", now=T0)
    session.commit()
    # A worker claimed it, sent it, and died before recording the outcome.
    session.execute(
        update(OutboxMessage)
        .values(status=OutboxStatus.SENDING, locked_until=T0 + LEASE)
        .where(OutboxMessage.id == message.id)
    )
    session.commit()
    fake = FakeNotifier(Channel.SMS)
    assert deliver_due(sessions, T0 + LEASE - timedelta(seconds=1), {Channel.SMS: fake}) == 0  # still leased
    assert deliver_due(sessions, T0 + LEASE, {Channel.SMS: fake}) == 1
    assert len(fake.sent) == 1


def test_one_failing_message_does_not_hold_up_others(session, sessions) -> None:
    for phone in ("1", "2", "3"):
        enqueue(session, channel=Channel.SMS, recipient=phone, subject="s", body="b", now=T0)
    session.commit()

    class Flaky(FakeNotifier):
        def send(self, message):
            if message.recipient == "2":
                raise RuntimeError("adapter bug")
            return super().send(message)

    flaky = Flaky(Channel.SMS)
    assert deliver_due(sessions, T0, {Channel.SMS: flaky}) == 2
    rows = session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id).execution_options(populate_existing=True)
    ).all()
    assert [r.status for r in rows] == [OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.SENT]
    assert rows[1].last_error == "RuntimeError: adapter bug"


def closed_city_event(session) -> Event:
    department = builders.department(session, code="D-CITY", name="城管局")
    event = builders.event(
        session,
        source="city_12345",
        upstream_no="SZ-2030-0001",
        department_id=department.id,
        status=EventStatus.CLOSED,
        completed_at=T0 - timedelta(hours=1),
        closed_at=T0,
    )
    session.add(
        Feedback(
            event_id=event.id,
            result=FeedbackResult.RESOLVED,
            content="已修复路灯",
            submitted_at=T0 - timedelta(hours=1),
        )
    )
    session.flush()
    return event


def test_report_upstream_payload_and_key(session) -> None:
    event = closed_city_event(session)
    message = report_upstream(session, event)
    assert report_upstream(session, event).id == message.id  # reporting the same closure twice: one row
    session.commit()
    assert (message.channel, message.max_attempts, message.recipient) == (
        Channel.CITY_PLATFORM,
        None,
        "SZ-2030-0001",
    )
    assert message.dedup_key == f"upstream:{event.id}:{T0.isoformat()}"
    assert message.payload == {
        "upstream_no": "SZ-2030-0001",
        "event_no": event.event_no,
        "status": "closed",
        "result": "resolved",
        "content": "已修复路灯",
        "department": {"code": "D-CITY", "name": "城管局"},
        "completed_at": (T0 - timedelta(hours=1)).isoformat(),
        "closed_at": T0.isoformat(),
    }
    # Reopened and closed again: a second report.
    event.closed_at = T0 + timedelta(days=2)
    session.flush()
    assert report_upstream(session, event).id != message.id


def test_two_workers_at_once_send_each_message_once(session, sessions) -> None:
    for n in range(30):
        enqueue(session, channel=Channel.SMS, recipient=str(n), subject="s", body="b", now=T0)
    session.commit()
    fake = FakeNotifier(Channel.SMS)
    adapters = {Channel.SMS: fake}
    with ThreadPoolExecutor(2) as pool:
        delivered = list(pool.map(lambda _: deliver_due(sessions, T0, adapters), range(2)))
    assert sum(delivered) == 30
    assert sorted(int(m.recipient) for m in fake.sent) == list(range(30))
