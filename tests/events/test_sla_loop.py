"""SLA timers driven by the state machine under a frozen clock: two reminders, then 催办, then 督办."""

from datetime import datetime, timedelta

from sqlalchemy import select

from core_app.config import LOCAL_TZ
from core_app.events import lifecycle
from core_app.events.models import EventStatus
from core_app.notify.models import OutboxMessage
from core_app.sla.scheduler import tick
from core_app.supervision.models import Supervision, SupervisionKind
from tests.api import builders as b

T0 = datetime(2026, 11, 23, 22, 0, tzinfo=LOCAL_TZ)  # at night: the natural clock keeps running


def _kinds(session) -> list[SupervisionKind]:
    return list(session.scalars(select(Supervision.kind).order_by(Supervision.id)))


def test_an_unsigned_assignment_is_reminded_twice_then_urged_then_supervised(session) -> None:
    water = b.department(session, code="WATER", name="水务局")
    event = b.event(session, status=EventStatus.PENDING_DISPATCH)
    session.commit()
    lifecycle.perform(
        session,
        event_id=event.id,
        action="dispatch",
        principal=None,
        payload={"department_id": water.id},
        now=T0,
    )
    session.commit()
    # Sign-off within 15 minutes: reminders at 50% and 80%, 催办 at 15 min, 督办 at 150%.
    expected = [
        (timedelta(minutes=7), []),
        (timedelta(minutes=7, seconds=30), [SupervisionKind.REMIND]),
        (timedelta(minutes=11, seconds=59), [SupervisionKind.REMIND]),
        (timedelta(minutes=12), [SupervisionKind.REMIND] * 2),
        (timedelta(minutes=15), [SupervisionKind.REMIND] * 2 + [SupervisionKind.URGE]),
        (
            timedelta(minutes=22, seconds=30),
            [SupervisionKind.REMIND] * 2 + [SupervisionKind.URGE, SupervisionKind.SUPERVISE],
        ),
    ]
    for offset, kinds in expected:
        tick(session, T0 + offset)
        assert _kinds(session) == kinds, offset
    tick(session, T0 + timedelta(hours=3))  # nothing is issued twice
    assert len(_kinds(session)) == 4
    supervisions = session.scalars(select(Supervision).order_by(Supervision.id)).all()
    assert {s.department_id for s in supervisions} == {water.id} and {s.issued_by for s in supervisions} == {
        None
    }
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.event_id == event.id)).all()
    assert len(messages) >= 5  # the dispatch notice plus one per step


def test_signing_in_time_stops_the_sign_clock_and_starts_the_handling_one(session) -> None:
    water = b.department(session, code="WATER", name="水务局")
    event = b.event(session, status=EventStatus.PENDING_DISPATCH)
    session.commit()
    payload = {"department_id": water.id}
    lifecycle.perform(session, event_id=event.id, action="dispatch", principal=None, payload=payload, now=T0)
    tick(session, T0 + timedelta(minutes=8))
    assert _kinds(session) == [SupervisionKind.REMIND]
    lifecycle.perform(
        session, event_id=event.id, action="sign", principal=None, now=T0 + timedelta(minutes=9)
    )
    session.commit()
    tick(session, T0 + timedelta(minutes=14))
    assert _kinds(session) == [SupervisionKind.REMIND]
    # Handling a simple event: 30 minutes from the dispatch (DOMAIN §6.1); the first reminder at 50%.
    # The sign-off deadline (15 min) passes too, but it was met: no 催办.
    tick(session, T0 + timedelta(minutes=15))
    assert _kinds(session) == [SupervisionKind.REMIND] * 2
