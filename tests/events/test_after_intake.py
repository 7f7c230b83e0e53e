"""From intake to dispatch: the system accepts, the model recommends, and dispatches alone only when sure."""

from datetime import datetime

import pytest
from sqlalchemy import select

from core_app.config import LOCAL_TZ
from core_app.dispatch.models import DispatchRecommendation
from core_app.events.lifecycle import after_intake
from core_app.events.models import Assignment, DispatchMode, EventSourcePolicy, EventStatus
from tests.api import builders as b
from tests.serving import fixtures
from tests.serving.fixtures import TEXTS

dispatch_store = fixtures.dispatch_store
empty_store = fixtures.empty_store
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def departments(session):
    made = {code: b.department(session, code=code, name=f"{code}局") for code in fixtures.WORDS}
    session.commit()
    return made


def _new_events(session, n=3, **fields):
    events = [b.event(session, title="", description=TEXTS["WATER"], status=EventStatus.RECEIVED, **fields)]
    events += [b.event(session, title="", description=TEXTS["ROAD"], status=EventStatus.RECEIVED, **fields)]
    events += [b.event(session, title="", description=TEXTS["CITY"], status=EventStatus.RECEIVED, **fields)]
    session.commit()
    return events[:n]


def _lenient(session, **fields):
    policy = EventSourcePolicy(source="hotline_12345", min_confidence=0.0, min_margin=0.0, **fields)
    session.add(policy)
    session.commit()


def test_sure_recommendations_are_dispatched_by_the_model(session, departments, dispatch_store) -> None:
    _lenient(session)
    events = _new_events(session)
    after_intake(session, events, now=NOW)
    session.commit()
    for event, code in zip(events, ("WATER", "ROAD", "CITY"), strict=True):
        recommendation = session.scalars(
            select(DispatchRecommendation).where(DispatchRecommendation.event_id == event.id)
        ).one()
        if recommendation.abstain:
            assert event.status is EventStatus.PENDING_DISPATCH
            continue
        assert event.status is EventStatus.DISPATCHED and event.department_id == departments[code].id
        assert recommendation.decision == "auto" and recommendation.final_department_id == event.department_id
        assignment = session.scalars(select(Assignment).where(Assignment.event_id == event.id)).one()
        assert assignment.mode is DispatchMode.AUTO and assignment.dispatched_by is None
    assert any(e.status is EventStatus.DISPATCHED for e in events)


def test_a_source_that_disallows_auto_dispatch_leaves_the_event_to_a_dispatcher(
    session, departments, dispatch_store
) -> None:
    _lenient(session, auto_dispatch=False)
    events = _new_events(session)
    after_intake(session, events, now=NOW)
    session.commit()
    assert {e.status for e in events} == {EventStatus.PENDING_DISPATCH}
    assert all(e.accepted_at == NOW for e in events)
    stored = session.scalars(select(DispatchRecommendation)).all()
    assert len(stored) == 3 and {r.decision for r in stored} == {None}


def test_sensitive_categories_are_never_dispatched_by_the_model(session, departments, dispatch_store) -> None:
    _lenient(session)
    category = b.event_category(session, sensitive=True)
    events = _new_events(session, category_id=category.id)
    after_intake(session, events, now=NOW)
    assert {e.status for e in events} == {EventStatus.PENDING_DISPATCH}


def test_the_defaults_demand_a_sure_and_clear_first_choice(session, departments, dispatch_store) -> None:
    events = _new_events(session)
    after_intake(session, events, now=NOW)
    for event in events:
        recommendation = session.scalars(
            select(DispatchRecommendation).where(DispatchRecommendation.event_id == event.id)
        ).one()
        table = recommendation.table
        sure = table[0]["probability"] >= 0.85 and table[0]["probability"] - table[1]["probability"] >= 0.20
        assert (event.status is EventStatus.DISPATCHED) == (sure and not recommendation.abstain)


def test_without_a_model_every_event_waits_for_a_dispatcher(session, departments, empty_store) -> None:
    events = _new_events(session)
    after_intake(session, events, now=NOW)
    assert {e.status for e in events} == {EventStatus.PENDING_DISPATCH}
    assert session.scalars(select(DispatchRecommendation)).all() == []


def test_duplicates_are_neither_accepted_nor_dispatched(session, departments, dispatch_store) -> None:
    original = _new_events(session, n=1)[0]
    duplicate = b.event(
        session, description=TEXTS["WATER"], status=EventStatus.RECEIVED, duplicate_of_id=original.id
    )
    session.commit()
    after_intake(session, [duplicate], now=NOW)
    assert duplicate.status is EventStatus.RECEIVED and duplicate.accepted_at is None


def test_a_duty_ruling_outranks_the_model_for_matching_events(session, departments, dispatch_store) -> None:
    from core_app.arbitration.models import DutyRuling

    category = b.event_category(session)
    ruled = departments["CITY"]
    session.add(DutyRuling(category_id=category.id, keywords="水管", department_id=ruled.id, created_at=NOW))
    session.commit()
    water_text = b.event(
        session, description=TEXTS["WATER"], category_id=category.id, status=EventStatus.RECEIVED
    )
    other_category = b.event(session, description=TEXTS["WATER"], status=EventStatus.RECEIVED)
    session.commit()
    after_intake(session, [water_text, other_category], now=NOW)
    by_event = {r.event_id: r for r in session.scalars(select(DispatchRecommendation))}
    top = by_event[water_text.id].table[0]
    assert (top["department_id"], top["probability"]) == (ruled.id, 1.0) and top["ruling_id"]
    assert water_text.status is EventStatus.DISPATCHED and water_text.department_id == ruled.id
    assert by_event[other_category.id].table[0]["department_id"] == departments["WATER"].id
