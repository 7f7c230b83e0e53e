"""Assessing events: emotion, urgency words, repeat contact and category severity give P1-P4 with reasons;
a P1 tells the dispatchers who reach the event, once."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core_app.access.deps import principal_for_user
from core_app.emotion.priority import assess_events, fit_tags, reassess
from core_app.events.models import Event, EventAction, EventStatus, Polarity, Priority, Severity
from core_app.notify.models import OutboxMessage
from core_app.org.models import RegionLevel
from tests.api import builders as b

T = b.local(2025, 3, 20, 10)
NOW = T + timedelta(minutes=5)
PHONE = "13900000001"
GAS = "楼道里有很浓的燃气味，怀疑燃气泄漏，请马上派人来处理"
PLAIN = "申请公共租赁住房，想咨询一下办理进度"
URGENT_ONLY = "小区门口的路灯杆歪了，有安全隐患"


def event(session, description: str, **fields) -> Event:
    defaults = {"title": description[:10], "description": description, "reporter_phone": PHONE}
    defaults |= {"address": None, "lon": None, "lat": None, "reported_at": T}
    defaults |= {"status": EventStatus.PENDING_DISPATCH}
    return b.event(session, **(defaults | fields))


def earlier(session, n: int, **fields) -> None:
    """N earlier reports by PHONE, a day apart, about other things."""
    for day in range(1, n + 1):
        event(session, f"第{day}次反映楼下垃圾没人清运", reported_at=T - timedelta(days=day), **fields)


def codes(e: Event) -> list[str]:
    return [reason["code"] for reason in e.priority_reasons]


def test_a_gas_leak_reported_after_three_earlier_reports_is_p1(session) -> None:
    earlier(session, 3)
    target = event(session, GAS)
    assess_events(session, [target], now=NOW)
    assert target.priority is Priority.P1
    assert codes(target)[:2] == ["urgent_words", "repeat_contact"]
    urgent = target.priority_reasons[0]["detail"]
    assert "燃气泄漏" in urgent and "燃气味" in urgent
    assert target.priority_reasons[1] == {
        "code": "repeat_contact",
        "detail": "3 earlier reports within 30 days",
    }
    assert target.urgency and target.importance
    assert target.emotion_polarity is Polarity.NEGATIVE and target.emotion_score < 0
    assert target.risk_tags == "gas"


def test_urgent_words_alone_are_p2(session) -> None:
    target = event(session, URGENT_ONLY)
    assess_events(session, [target], now=NOW)
    assert target.priority is Priority.P2
    assert target.priority_reasons == [{"code": "urgent_words", "detail": "安全隐患"}]
    assert target.urgency and not target.importance
    assert target.risk_tags == "safety"


@pytest.mark.parametrize(
    ("repeats", "severity", "expected"),
    [
        (2, Severity.NORMAL, [{"code": "repeat_contact", "detail": "2 earlier reports within 30 days"}]),
        (0, Severity.HIGH, [{"code": "category_severity", "detail": "category of high severity"}]),
    ],
)
def test_repeat_contact_or_a_high_severity_category_alone_is_p3(session, repeats, severity, expected) -> None:
    category = b.event_category(session, severity=severity)
    earlier(session, repeats)
    target = event(session, PLAIN, category_id=category.id)
    assess_events(session, [target], now=NOW)
    assert (target.priority, target.priority_reasons) == (Priority.P3, expected)
    assert target.importance and not target.urgency


def test_one_earlier_report_and_a_plain_text_are_p4_without_reasons(session) -> None:
    earlier(session, 1)
    target = event(session, PLAIN, category_id=b.event_category(session).id)
    assess_events(session, [target], now=NOW)
    assert (target.priority, target.priority_reasons) == (Priority.P4, [])
    assert not target.urgency and not target.importance and target.risk_tags == ""


def test_a_category_under_a_critical_one_is_critical_too(session) -> None:
    gas = b.event_category(session, name="燃气安全", severity=Severity.CRITICAL)
    meter = b.event_category(session, name="燃气表", parent_id=gas.id, level=2)
    target = event(session, PLAIN, category_id=meter.id)
    assess_events(session, [target], now=NOW)
    # critical makes it urgent (p2); severity alone never makes p1
    assert target.priority is Priority.P2
    assert target.priority_reasons == [
        {"code": "category_critical", "detail": "category of critical severity"}
    ]


def test_risk_tags_keep_whole_tags_within_200_characters(session) -> None:
    tags = [f"tag{n:03d}" for n in range(40)]  # 6 characters each, 7 with the comma
    fitted = fit_tags(tags, 200)
    # 28 tags take 28 * 7 - 1 = 195 characters; a 29th would need 202.
    assert fitted == ",".join(tags[:28]) and len(fitted) == 195


@pytest.fixture
def places(session):
    county = b.region(session, code="C", name="区", level=RegionLevel.COUNTY)
    town = b.region(session, code="T1", name="海山街道", level=RegionLevel.TOWN, parent_id=county.id)
    village = b.region(session, code="V1", name="望海社区", level=RegionLevel.VILLAGE, parent_id=town.id)
    other = b.region(session, code="T2", name="沙头角街道", level=RegionLevel.TOWN, parent_id=county.id)
    return {"county": county, "town": town, "village": village, "other": other}


def outbox(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_p1_tells_each_dispatcher_who_reaches_it_once(session, make_user, places) -> None:
    district = make_user("dispatcher")
    county = make_user("dispatcher", scope="region", scope_id=places["county"].id)
    town = make_user("dispatcher", scope="region", scope_id=places["town"].id)
    make_user("dispatcher", scope="region", scope_id=places["other"].id)  # another street
    make_user("dispatcher", active=False)
    make_user("system_admin")
    make_user("dept_handler", scope="department", scope_id=b.department(session).id)
    make_user("supervisor")
    earlier(session, 3)
    target = event(session, GAS, street_id=places["town"].id, region_id=places["village"].id)
    assess_events(session, [target], now=NOW)
    messages = outbox(session)
    assert sorted(m.recipient for m in messages) == sorted(u.username for u in (district, county, town))
    assert {m.event_id for m in messages} == {target.id}
    assert messages[0].subject == f"【P1 紧急重要】事件 {target.event_no}"
    assert "3 earlier reports within 30 days" in messages[0].body

    assess_events(session, [target], now=NOW + timedelta(minutes=10))  # nothing new: no message
    assert len(outbox(session)) == 3
    history = session.scalars(select(EventAction).where(EventAction.event_id == target.id)).all()
    assert [(h.action, h.details["priority"], h.details["previous"]) for h in history] == [
        ("assess_priority", "p1", None)
    ]


def test_closed_events_and_lower_priorities_tell_nobody(session, make_user) -> None:
    make_user("dispatcher")
    earlier(session, 3)
    closed = event(session, GAS, status=EventStatus.CLOSED)
    plain = event(session, PLAIN)
    assess_events(session, [closed, plain], now=NOW)
    assert closed.priority is Priority.P1 and plain.priority is Priority.P3  # 3 earlier reports
    assert outbox(session) == []


def test_reassessing_after_an_edit_records_the_change(session, make_user, places) -> None:
    dispatcher = principal_for_user(make_user("dispatcher"))
    elsewhere = principal_for_user(make_user("dispatcher", scope="region", scope_id=places["other"].id))
    target = event(session, URGENT_ONLY, street_id=places["town"].id)
    assess_events(session, [target], now=NOW)
    target.title = target.description = PLAIN  # the dispatcher corrects the text
    session.flush()
    assert reassess(session, target.id, elsewhere) is None  # out of scope: as if missing
    assert reassess(session, target.id, dispatcher, now=NOW + timedelta(hours=1)) is target
    assert (target.priority, target.priority_reasons) == (Priority.P4, [])
    history = session.scalars(
        select(EventAction).where(EventAction.event_id == target.id).order_by(EventAction.id)
    ).all()
    assert [(h.actor, h.details["priority"], h.details["previous"]) for h in history] == [
        ("system", "p2", None),
        (dispatcher.username, "p4", "p2"),
    ]
    assert history[1].note is None and history[0].note == "安全隐患"
