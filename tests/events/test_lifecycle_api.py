"""The event closed loop over HTTP: every path of the state machine, its guards, and optimistic locking."""

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core_app.api.app import create_app
from core_app.arbitration.models import ArbitrationRequest, ArbitrationStatus, DutyRuling
from core_app.dispatch.models import DispatchRecommendation
from core_app.events import lifecycle
from core_app.events.models import (
    Assignment,
    AssignmentStatus,
    DispatchMode,
    Event,
    EventAction,
    EventStatus,
)
from core_app.integrations.city_platform import CityPlatform
from core_app.notify import worker
from core_app.notify.models import Channel, OutboxMessage
from core_app.sla.models import SlaTimer, TimerStatus
from features.dispatch import labelled_events
from tests.api import builders as b
from tests.notify.fake_servers import ScriptedHttp

PROBLEM = "application/problem+json"


@pytest.fixture
def world(session, auth_headers):
    """Two departments, a dispatcher, a handler in each department, an arbitrator, and one new event."""
    water = b.department(session, code="WATER", name="水务局")
    roads = b.department(session, code="ROAD", name="住建局")
    event = b.event(session, status=EventStatus.RECEIVED)
    session.commit()
    app = create_app()

    def client(role, **scope):
        return TestClient(app, headers=auth_headers(role, **scope))

    return {
        "event": event,
        "water": water,
        "roads": roads,
        "dispatcher": client("dispatcher"),
        "water_handler": client("dept_handler", scope="department", scope_id=water.id),
        "roads_handler": client("dept_handler", scope="department", scope_id=roads.id),
        "arbitrator": client("arbitrator"),
        "supervisor": client("supervisor"),
    }


def act(client: TestClient, event_id: int, action: str, expect: int = 200, **body):
    response = client.post(f"/api/v1/events/{event_id}/{action}", json=body)
    assert response.status_code == expect, response.text
    return response.json()


def dispatched(world, department="water"):
    event_id = world["event"].id
    act(world["dispatcher"], event_id, "accept")
    return act(world["dispatcher"], event_id, "dispatch", department_id=world[department].id)


def test_the_whole_loop_from_acceptance_to_a_satisfied_citizen(world, session) -> None:
    event_id, water = world["event"].id, world["water"]
    state = act(world["dispatcher"], event_id, "accept")
    assert state["status"] == "pending_dispatch" and "dispatch" in state["allowed_actions"]

    state = dispatched_state = act(world["dispatcher"], event_id, "dispatch", department_id=water.id)
    assert dispatched_state["status"] == "dispatched" and state["department_id"] == water.id
    assignment = state["assignment"]
    assert assignment["status"] == "pending_sign" and assignment["mode"] == "manual"
    sign_due = _at(assignment["sign_due_at"]) - _at(assignment["dispatched_at"])
    assert sign_due == timedelta(minutes=15)  # 153024: sign-off within 15 minutes

    handler = world["water_handler"]
    assert set(handler.get(f"/api/v1/events/{event_id}/state").json()["allowed_actions"]) >= {
        "sign",
        "return",
    }
    state = act(handler, event_id, "sign")
    assert state["status"] == "signed"
    handle_due = _at(state["assignment"]["handle_due_at"]) - _at(state["assignment"]["dispatched_at"])
    assert handle_due == timedelta(minutes=30)  # a simple event is done within 30 minutes
    act(handler, event_id, "start")
    state = act(handler, event_id, "feedback", result="resolved", content="已修复水管")
    assert state["status"] == "handled" and state["assignment"] is None

    state = act(world["dispatcher"], event_id, "approve")
    assert state["status"] == "closed" and state["closed_at"]
    state = act(world["dispatcher"], event_id, "callback", satisfaction="satisfied")
    assert state["satisfaction"] == "satisfied" and state["status"] == "closed"

    history = world["dispatcher"].get(f"/api/v1/events/{event_id}/history").json()
    assert [h["action"] for h in history] == [
        "accept", "dispatch", "sign", "start", "feedback", "approve", "callback",
    ]  # fmt: skip
    assert history[2]["from_status"] == "dispatched" and history[2]["to_status"] == "signed"
    session.expire_all()
    timers = session.scalars(select(SlaTimer).order_by(SlaTimer.id)).all()
    assert [(t.kind.value, t.status) for t in timers] == [
        ("sign", TimerStatus.MET),
        ("handle", TimerStatus.MET),
    ]
    notified = session.scalars(select(OutboxMessage.channel).where(OutboxMessage.event_id == event_id)).all()
    assert Channel.SMS in notified  # the citizen hears that the event was closed
    assert len(notified) >= 2  # and the department heard of the dispatch


def test_an_action_not_open_in_the_state_is_a_409_listing_the_allowed_ones(world) -> None:
    event_id = world["event"].id
    response = world["water_handler"].post(f"/api/v1/events/{event_id}/sign", json={})
    # Not yet dispatched: the water department does not see the event at all.
    assert response.status_code == 404
    response = world["dispatcher"].post(f"/api/v1/events/{event_id}/approve", json={})
    assert response.status_code == 409
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert "received" in problem["detail"]
    assert problem["allowed_actions"] == ["accept", "invalidate"]


def test_a_handler_cannot_act_for_another_department_nor_dispatch(world) -> None:
    event_id = dispatched(world)["id"]
    assert world["roads_handler"].post(f"/api/v1/events/{event_id}/sign", json={}).status_code == 404
    response = world["water_handler"].post(
        f"/api/v1/events/{event_id}/redispatch", json={"department_id": world["roads"].id, "reason": "x"}
    )
    assert response.status_code == 403


def test_bad_input_names_the_field(world) -> None:
    event_id = dispatched(world)["id"]
    handler = world["water_handler"]
    act(handler, event_id, "sign")
    act(handler, event_id, "start")
    problem = act(handler, event_id, "feedback", expect=422, result="resolved")
    assert problem["errors"][0]["field"].endswith("content")
    problem = act(
        world["dispatcher"], event_id, "redispatch", expect=422, department_id=999_999, reason="错派"
    )
    assert problem["errors"] == [
        {"field": "department_id", "reason": "there is no department with id 999999"}
    ]


def test_returns_twice_go_to_arbitration_whose_ruling_binds(world, session) -> None:
    event_id = dispatched(world, "water")["id"]
    state = act(world["water_handler"], event_id, "return", reason_code="not_our_remit", note="属住建职责")
    assert state["status"] == "pending_dispatch" and state["return_count"] == 1
    assert state["department_id"] is None

    act(world["dispatcher"], event_id, "dispatch", department_id=world["roads"].id)
    state = act(world["roads_handler"], event_id, "return", reason_code="unclear_ownership")
    assert state["status"] == "in_arbitration" and state["is_difficult"] and state["return_count"] == 2
    request = session.scalars(select(ArbitrationRequest)).one()
    assert sorted(request.candidate_department_ids) == sorted([world["water"].id, world["roads"].id])

    assert world["dispatcher"].post(f"/api/v1/events/{event_id}/rule", json={}).status_code == 403
    state = act(
        world["arbitrator"],
        event_id,
        "rule",
        lead_department_id=world["water"].id,
        ruling_basis="《水务局三定方案》第三条：供水管网维护",
        keywords="水管",
    )
    assert state["status"] == "dispatched" and state["assignment"]["mode"] == DispatchMode.ARBITRATION.value
    session.expire_all()
    assert session.get(ArbitrationRequest, request.id).status is ArbitrationStatus.RULED
    ruling = session.scalars(select(DutyRuling)).one()
    assert ruling.department_id == world["water"].id and ruling.arbitration_id == request.id

    # The ruling binds: the department may not return it, the dispatcher may not move it.
    problem = act(world["water_handler"], event_id, "return", expect=409, reason_code="not_our_remit")
    assert "ruling" in problem["detail"] and "return" not in problem["allowed_actions"]
    act(world["dispatcher"], event_id, "redispatch", expect=409, department_id=world["roads"].id, reason="x")
    assert act(world["water_handler"], event_id, "sign")["status"] == "signed"


def test_a_disputed_event_goes_to_arbitration_from_the_department(world, session) -> None:
    event_id = dispatched(world)["id"]
    state = act(world["water_handler"], event_id, "request-arbitration", reason="职责交叉，需编办裁定")
    assert state["status"] == "in_arbitration" and state["is_disputed"]
    assignments = session.scalars(select(Assignment)).all()
    assert [a.status for a in assignments] == [AssignmentStatus.CANCELLED]


def test_redispatch_cancels_the_old_assignment_and_its_timers(world, session) -> None:
    event_id = dispatched(world)["id"]
    act(world["water_handler"], event_id, "sign")
    state = act(world["dispatcher"], event_id, "redispatch", department_id=world["roads"].id, reason="错派")
    assert state["status"] == "dispatched" and state["department_id"] == world["roads"].id
    session.expire_all()
    old, new = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    assert old.status is AssignmentStatus.CANCELLED and new.status is AssignmentStatus.PENDING_SIGN
    statuses = session.scalars(select(SlaTimer.status).where(SlaTimer.assignment_id == old.id)).all()
    assert TimerStatus.ACTIVE not in statuses


def test_extension_moves_the_deadline_and_suspension_stops_the_clock(world, session) -> None:
    event_id = dispatched(world)["id"]
    handler = world["water_handler"]
    act(handler, event_id, "sign")
    due = _at(act(handler, event_id, "start")["assignment"]["handle_due_at"])
    act(handler, event_id, "request-extension", minutes=120, reason="需协调物业")
    act(handler, event_id, "request-extension", expect=409, minutes=60, reason="again")
    state = act(world["dispatcher"], event_id, "approve-extension")
    assert _at(state["assignment"]["handle_due_at"]) - due == timedelta(minutes=120)
    assert state["assignment"]["extension_minutes"] == 120

    state = act(handler, event_id, "suspend", reason="等待天晴施工")
    assert state["suspended_at"] and "feedback" not in state["allowed_actions"]
    act(handler, event_id, "feedback", expect=409, result="resolved", content="x")
    session.expire_all()
    assert (
        session.scalars(select(SlaTimer.status).where(SlaTimer.kind == "handle")).one() is TimerStatus.PAUSED
    )
    state = act(handler, event_id, "resume")
    assert state["suspended_at"] is None and "feedback" in state["allowed_actions"]


def test_rejected_feedback_and_dissatisfied_callbacks_send_the_event_back(world) -> None:
    event_id = dispatched(world)["id"]
    handler, dispatcher = world["water_handler"], world["dispatcher"]
    act(handler, event_id, "sign")
    act(handler, event_id, "start")
    act(handler, event_id, "feedback", result="explained", content="已解释")
    assert act(dispatcher, event_id, "reject-feedback", reason="未实际处理")["status"] == "in_progress"
    act(handler, event_id, "feedback", result="resolved", content="已修复")
    act(dispatcher, event_id, "approve")

    problem = act(dispatcher, event_id, "reopen", expect=409, reason="群众不满意")
    assert "dissatisfied" in problem["detail"]
    act(dispatcher, event_id, "callback", satisfaction="dissatisfied", comment="水还是没来")
    state = act(world["supervisor"], event_id, "reopen", reason="回访不满意")
    assert state["status"] == "in_progress" and state["closed_at"] is None
    assert state["assignment"]["department_id"] == world["water"].id


def test_a_stale_version_is_refused(world) -> None:
    state = act(world["dispatcher"], world["event"].id, "accept")
    act(world["dispatcher"], state["id"], "invalidate", expect=200, reason="重复", version=state["version"])
    problem = act(
        world["dispatcher"], state["id"], "reopen", expect=409, reason="x", version=state["version"]
    )
    assert "changed since version" in problem["detail"]


def test_two_dispatchers_dispatching_at_once_only_one_wins(world, session, monkeypatch) -> None:
    event_id = world["event"].id
    act(world["dispatcher"], event_id, "accept")
    both_read = threading.Barrier(2, timeout=20)
    waited = threading.local()
    real_open_to = lifecycle._open_to

    def open_to_after_both_read(ctx, transition):
        # Both requests have loaded the event (version n) before either writes.
        if not getattr(waited, "done", False):
            waited.done = True
            both_read.wait()
        return real_open_to(ctx, transition)

    monkeypatch.setattr(lifecycle, "_open_to", open_to_after_both_read)
    statuses: list[int] = []
    targets = {"a": world["water"].id, "b": world["roads"].id}

    def dispatch(name: str) -> None:
        client = world["dispatcher"]
        response = client.post(f"/api/v1/events/{event_id}/dispatch", json={"department_id": targets[name]})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=dispatch, args=(name,)) for name in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 409]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Assignment)) == 1
    assert session.scalar(select(func.count()).where(EventAction.action == "dispatch")) == 1


def test_a_city_event_is_redispatched_and_reported_upstream_once_closed(world, session) -> None:
    event = b.event(session, source="city_12345", upstream_no="SZ-12345-0001", status=EventStatus.RECEIVED)
    session.commit()
    dispatcher, event_id = world["dispatcher"], event.id
    act(dispatcher, event_id, "accept")
    act(dispatcher, event_id, "dispatch", department_id=world["roads"].id)
    act(dispatcher, event_id, "redispatch", department_id=world["water"].id, reason="改派属地部门")
    for action, body in (
        ("sign", {}),
        ("start", {}),
        ("feedback", {"result": "resolved", "content": "已处理"}),
    ):
        act(world["water_handler"], event_id, action, **body)
    assert session.scalar(select(func.count()).where(OutboxMessage.channel == Channel.CITY_PLATFORM)) == 0
    act(dispatcher, event_id, "approve")
    session.expire_all()
    upstream = session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == Channel.CITY_PLATFORM)
    ).one()
    assert upstream.max_attempts is None  # retried until the city platform acknowledges
    assert upstream.payload["upstream_no"] == "SZ-12345-0001"
    assert upstream.payload["status"] == "closed"

    # The city platform first answers without acknowledging, then acknowledges the retry.
    city = ScriptedHttp(replies=[(200, {"code": 1, "msg": "busy"})], default=(200, {"ack": True})).start()
    try:
        adapters = {Channel.CITY_PLATFORM: CityPlatform(url=city.url, token="t")}
        now = upstream.next_attempt_at
        assert worker.deliver_due(session, now, adapters=adapters) == 0
        session.expire_all()
        assert session.get(Event, event_id).upstream_reported_at is None
        later = now + timedelta(hours=2)
        assert worker.deliver_due(session, later, adapters=adapters) == 1
    finally:
        city.stop()
    session.expire_all()
    assert session.get(Event, event_id).upstream_reported_at == later
    assert [seen.body["upstream_no"] for seen in city.seen] == ["SZ-12345-0001"] * 2


def test_an_override_needs_a_reason_and_becomes_the_training_label(world, session) -> None:
    event = world["event"]
    recommendation = DispatchRecommendation(
        event_id=event.id,
        model_name="dispatch",
        model_version="1",
        table=[
            {
                "department_code": "WATER",
                "department_id": world["water"].id,
                "department_name": "水务局",
                "probability": 0.6,
            },
            {
                "department_code": "ROAD",
                "department_id": world["roads"].id,
                "department_name": "住建局",
                "probability": 0.4,
            },
        ],
        top1_department_id=world["water"].id,
        top1_probability=0.6,
        abstain=True,
        threshold=0.9,
    )
    session.add(recommendation)
    session.commit()
    act(world["dispatcher"], event.id, "accept")
    problem = act(world["dispatcher"], event.id, "dispatch", expect=422, department_id=world["roads"].id)
    assert problem["errors"][0]["field"] == "override_reason"
    act(
        world["dispatcher"],
        event.id,
        "dispatch",
        department_id=world["roads"].id,
        override_reason="涉及道路开挖",
    )
    session.expire_all()
    stored = session.get(DispatchRecommendation, recommendation.id)
    assert (stored.decision, stored.final_department_id) == ("overridden", world["roads"].id)
    assert stored.override_reason == "涉及道路开挖"
    labels = labelled_events(session)
    assert labels.loc[labels["event_id"] == event.id, "label"].tolist() == ["ROAD"]

    # A re-dispatch's reason explains the change of department; the label follows the final choice.
    act(world["dispatcher"], event.id, "redispatch", department_id=world["water"].id, reason="属供水问题")
    session.expire_all()
    stored = session.get(DispatchRecommendation, recommendation.id)
    assert (stored.decision, stored.final_department_id) == ("accepted", world["water"].id)


def _at(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_duplicates_close_with_their_event(world, session) -> None:
    event = world["event"]
    duplicate = b.event(session, status=EventStatus.RECEIVED, duplicate_of_id=event.id)
    session.commit()
    event_id = dispatched(world)["id"]
    for action, body in (("sign", {}), ("start", {}), ("feedback", {"result": "resolved", "content": "ok"})):
        act(world["water_handler"], event_id, action, **body)
    act(world["dispatcher"], event_id, "approve")
    session.expire_all()
    assert session.get(Event, duplicate.id).status is EventStatus.CLOSED


def test_the_dispatch_queue_puts_urgent_then_old_events_first(world, session) -> None:
    first = world["event"]
    urgent = b.event(session, status=EventStatus.PENDING_DISPATCH, priority="p1")
    old = b.event(
        session, status=EventStatus.PENDING_DISPATCH, reported_at=first.reported_at - timedelta(days=1)
    )
    b.event(session, status=EventStatus.PENDING_DISPATCH, duplicate_of_id=urgent.id)
    b.event(session, status=EventStatus.DISPATCHED)
    session.commit()
    act(world["dispatcher"], first.id, "accept")
    queue = world["dispatcher"].get("/api/v1/dispatch-queue").json()
    assert [item["id"] for item in queue] == [urgent.id, old.id, first.id]
    assert "13612345678" not in str(queue)  # titles are masked like every event text
    assert world["water_handler"].get("/api/v1/dispatch-queue").status_code == 403


def test_arbitrators_see_and_take_up_requests(world) -> None:
    event_id = dispatched(world)["id"]
    act(world["water_handler"], event_id, "request-arbitration", reason="职责不清")
    listed = world["arbitrator"].get("/api/v1/arbitration-requests", params={"status": "submitted"}).json()
    assert [r["event_id"] for r in listed] == [event_id]
    taken = world["arbitrator"].post(f"/api/v1/arbitration-requests/{listed[0]['id']}/review")
    assert taken.status_code == 200 and taken.json()["status"] == "under_review"
    again = world["arbitrator"].post(f"/api/v1/arbitration-requests/{listed[0]['id']}/review")
    assert again.status_code == 409
    state = act(
        world["arbitrator"], event_id, "rule", lead_department_id=world["roads"].id, ruling_basis="条款"
    )
    assert state["department_id"] == world["roads"].id


def test_a_department_passes_part_of_the_work_to_a_unit_below_it(world, session) -> None:
    team = b.department(session, code="WATER-1", name="供水所", parent_id=world["water"].id)
    session.commit()
    event_id = dispatched(world)["id"]
    problem = act(
        world["water_handler"], event_id, "sub-dispatch", expect=422, department_id=world["roads"].id
    )
    assert problem["errors"][0]["field"] == "department_id"
    state = act(world["water_handler"], event_id, "sub-dispatch", department_id=team.id)
    assert state["status"] == "dispatched" and state["department_id"] == world["water"].id
    session.expire_all()
    lead, child = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    assert child.parent_assignment_id == lead.id and child.department_id == team.id
    assert child.role.value == "assist" and child.sign_due_at is not None


def test_an_invalid_city_event_is_reported_back_upstream(world, session) -> None:
    event = b.event(session, source="city_grid", upstream_no="GRID-7", status=EventStatus.RECEIVED)
    session.commit()
    act(world["dispatcher"], event.id, "invalidate", expect=422)
    state = act(world["dispatcher"], event.id, "invalidate", reason="非本区辖区")
    assert state["status"] == "invalid" and state["allowed_actions"] == []
    session.expire_all()
    upstream = session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == Channel.CITY_PLATFORM)
    ).one()
    assert upstream.payload["status"] == "invalid" and upstream.payload["upstream_no"] == "GRID-7"
