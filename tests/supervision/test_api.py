"""Supervision API: who may remind, urge and supervise (督办) which events, answering, listing, counting."""

from datetime import timedelta

from sqlalchemy import func, select

from core_app.audit.models import AuditLog
from core_app.db.base import utcnow
from core_app.events.models import AssignmentStatus, EventStatus
from core_app.notify.models import OutboxMessage
from core_app.sla import scheduler, service
from core_app.sla.models import TimerKind
from core_app.supervision.models import Supervision
from tests.sla import factories as f


def _world(session):
    """Two departments; an event dispatched to the first; one handler in each department."""
    first, second = f.department(session), f.department(session)
    event = f.event(session, department_id=first.id, at=utcnow())
    assignment = f.assignment(session, event, first.id, at=utcnow())
    session.commit()
    return first, second, event, assignment


def _issue(client, headers, event_id, kind, **extra):
    body = {"kind": kind, "reason": "群众反映多次，请尽快处理", **extra}
    return client.post(f"/api/v1/events/{event_id}/supervisions", json=body, headers=headers)


def test_a_dispatcher_urges_but_may_not_supervise(client, session, auth_headers) -> None:
    first, _, event, _ = _world(session)
    dispatcher = auth_headers("dispatcher")

    refused = _issue(client, dispatcher, event.id, "supervise")
    assert refused.status_code == 403
    assert "events:supervise" in refused.json()["detail"]
    assert refused.headers["content-type"].startswith("application/problem+json")

    before = utcnow()
    urged = _issue(client, dispatcher, event.id, "urge")
    assert urged.status_code == 201, urged.text
    body = urged.json()
    assert (body["kind"], body["status"], body["department_id"]) == ("urge", "open", first.id)
    assert body["target_type"] == "event" and body["issued_by"] is not None
    respond_by = session.get(Supervision, body["id"]).respond_by
    assert before + timedelta(minutes=59) < respond_by <= utcnow() + timedelta(hours=1)
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    audit = session.scalar(select(AuditLog).where(AuditLog.entity == "supervisions"))
    assert audit.action == "create" and audit.entity_id == str(body["id"])

    reminded = _issue(client, dispatcher, event.id, "remind")
    assert reminded.status_code == 201 and reminded.json()["respond_by"] is None
    session.expire_all()
    assert session.get(type(event), event.id).status == EventStatus.DISPATCHED  # never changes state


def test_a_supervisor_supervises_with_a_reply_deadline(client, session, auth_headers) -> None:
    _, _, event, _ = _world(session)
    deadline = (utcnow() + timedelta(days=2)).isoformat()
    response = _issue(client, auth_headers("supervisor"), event.id, "supervise", respond_by=deadline)
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "supervise"

    past = (utcnow() - timedelta(hours=1)).isoformat()
    late = _issue(client, auth_headers("supervisor"), event.id, "urge", respond_by=past)
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "body.respond_by"


def test_scope_unknown_kind_and_events_without_an_open_assignment(client, session, auth_headers) -> None:
    first, second, event, assignment = _world(session)
    outsider = auth_headers("dispatcher", scope="department", scope_id=second.id)
    assert _issue(client, outsider, event.id, "urge").status_code == 404
    assert _issue(client, auth_headers("dispatcher"), 999_999, "urge").status_code == 404
    assert _issue(client, auth_headers("dept_handler"), event.id, "urge").status_code == 403
    assert _issue(client, auth_headers("dispatcher"), event.id, "scold").status_code == 422

    assignment.status = AssignmentStatus.DONE
    session.commit()
    closed = _issue(client, auth_headers("supervisor"), event.id, "supervise")
    assert closed.status_code == 409 and "no open lead assignment" in closed.json()["detail"]


def test_the_targeted_department_responds_once(client, session, auth_headers) -> None:
    first, second, event, _ = _world(session)
    supervision_id = _issue(client, auth_headers("supervisor"), event.id, "supervise").json()["id"]
    url = f"/api/v1/supervisions/{supervision_id}/response"
    answer = {"response": "已派人现场处理，预计今日完成"}

    other = auth_headers("dept_handler", scope="department", scope_id=second.id)
    assert client.post(url, json=answer, headers=other).status_code == 404
    assert client.post(url, json=answer, headers=auth_headers("dispatcher")).status_code == 403

    mine = auth_headers("dept_handler", scope="department", scope_id=first.id)
    done = client.post(url, json=answer, headers=mine)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "responded" and body["response"] == answer["response"]
    assert body["responded_at"] is not None and body["responded_by"] is not None
    again = client.post(url, json=answer, headers=mine)
    assert again.status_code == 409
    assert client.post(url, json={"response": ""}, headers=mine).status_code == 422


def test_overdue_supervisions_can_still_be_answered(client, session, auth_headers) -> None:
    first, _, event, _ = _world(session)
    supervision_id = _issue(client, auth_headers("dispatcher"), event.id, "urge").json()["id"]
    scheduler.tick(session, utcnow() + timedelta(hours=2))
    session.expire_all()
    assert session.get(Supervision, supervision_id).status == "overdue"
    mine = auth_headers("dept_handler", scope="department", scope_id=first.id)
    url = f"/api/v1/supervisions/{supervision_id}/response"
    assert client.post(url, json={"response": "迟复"}, headers=mine).json()["status"] == "responded"


def test_list_filters_pages_and_scope(client, session, auth_headers) -> None:
    first, second, event, _ = _world(session)
    other_event = f.event(session, department_id=second.id, at=utcnow())
    f.assignment(session, other_event, second.id, at=utcnow())
    session.commit()
    supervisor = auth_headers("supervisor")
    for kind in ("remind", "urge", "supervise"):
        assert _issue(client, supervisor, event.id, kind).status_code == 201
    assert _issue(client, supervisor, other_event.id, "urge").status_code == 201

    everything = client.get("/api/v1/supervisions", headers=supervisor).json()
    assert everything["total"] == 4
    assert [i["kind"] for i in everything["items"]] == ["urge", "supervise", "urge", "remind"]  # newest first
    page = client.get("/api/v1/supervisions?page=2&page_size=3", headers=supervisor).json()
    assert (page["total"], len(page["items"]), page["page"]) == (4, 1, 2)
    urges = client.get(f"/api/v1/supervisions?kind=urge&event_id={event.id}", headers=supervisor).json()
    assert urges["total"] == 1 and urges["items"][0]["event_id"] == event.id
    by_dept = client.get(f"/api/v1/supervisions?department_id={second.id}", headers=supervisor).json()
    assert by_dept["total"] == 1
    assert client.get("/api/v1/supervisions?status=open", headers=supervisor).json()["total"] == 4
    assert client.get("/api/v1/supervisions?kind=scold", headers=supervisor).status_code == 422

    # A department's handler sees what is aimed at its department only; a citizen sees nothing.
    handler = auth_headers("dept_handler", scope="department", scope_id=second.id)
    assert client.get("/api/v1/supervisions", headers=handler).json()["total"] == 1
    assert client.get("/api/v1/supervisions", headers=auth_headers("citizen")).status_code == 403


def test_summary_counts_per_department_and_kind(client, session, auth_headers) -> None:
    first, second, event, assignment = _world(session)
    other_event = f.event(session, department_id=second.id, at=utcnow())
    f.assignment(session, other_event, second.id, at=utcnow())
    # The SLA scheduler adds two reminders, an urge and a 督办 on the first department.
    service.start_timer(session, assignment, TimerKind.SIGN, utcnow() - timedelta(hours=3))
    session.commit()
    assert scheduler.tick(session, utcnow()) == 4
    supervisor = auth_headers("supervisor")
    _issue(client, supervisor, event.id, "supervise")
    _issue(client, supervisor, other_event.id, "urge")
    _issue(client, auth_headers("dispatcher"), other_event.id, "urge")

    rows = client.get("/api/v1/supervisions/summary", headers=supervisor).json()
    counts = {(r["department_id"], r["kind"]): (r["total"], r["by_system"], r["overdue"]) for r in rows}
    assert counts == {
        (first.id, "remind"): (2, 2, 0),
        (first.id, "urge"): (1, 1, 1),  # the system's urge was due long ago
        (first.id, "supervise"): (2, 1, 0),
        (second.id, "urge"): (2, 0, 0),
    }
    assert {r["department_name"] for r in rows} == {first.name, second.name}

    later = (utcnow() + timedelta(hours=1)).isoformat()
    window = client.get("/api/v1/supervisions/summary", params={"from": later}, headers=supervisor).json()
    assert window == []
    earlier = (utcnow() - timedelta(hours=1)).isoformat()
    bad = client.get(
        "/api/v1/supervisions/summary", params={"from": later, "to": earlier}, headers=supervisor
    )
    assert bad.status_code == 422
    leader = client.get("/api/v1/supervisions/summary", headers=auth_headers("leader"))
    assert leader.status_code == 200 and len(leader.json()) == 4
