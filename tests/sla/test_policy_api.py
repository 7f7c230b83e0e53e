"""Admin API for SLA policies and event source policies: configuration as data, validated and audited."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core_app.audit.models import AuditLog
from core_app.events.models import EventCategory, EventSourcePolicy
from core_app.sla import service
from core_app.sla.models import SlaPolicy, TimerKind
from tests.sla import factories as f
from tests.sla.factories import T0


def test_put_creates_then_replaces_the_default_row_and_new_timers_use_it(
    client, session, auth_headers
) -> None:
    admin = auth_headers("dept_admin")
    assert client.get("/api/v1/sla-policies", headers=admin).json() == []
    body = {
        "complexity": "simple",
        "sign_minutes": 10,
        "handle_minutes": 40,
        "reminder_ratios": [0.8, 0.5, 0.9],
    }
    created = client.put("/api/v1/sla-policies", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["reminder_ratios"] == [0.5, 0.8, 0.9]
    assert created.json()["category_id"] is None and created.json()["supervise_ratio"] == 1.5

    replaced = client.put("/api/v1/sla-policies", json={**body, "sign_minutes": 12}, headers=admin)
    assert replaced.status_code == 200 and replaced.json()["id"] == created.json()["id"]
    assert len(session.scalars(select(SlaPolicy)).all()) == 1

    audits = session.scalars(
        select(AuditLog).where(AuditLog.entity == "sla_policies").order_by(AuditLog.id)
    ).all()
    assert [a.action for a in audits] == ["create", "update"]
    assert audits[1].before["sign_minutes"] == 10 and audits[1].after["sign_minutes"] == 12

    dept = f.department(session)
    event = f.event(session, department_id=dept.id)
    timer = service.start_timer(session, f.assignment(session, event, dept.id), TimerKind.SIGN, T0)
    assert timer.due_at == T0 + timedelta(minutes=12)
    assert len(service.decode_schedule(timer.schedule)[1]) == 5  # three reminders, urge, 督办


def test_a_category_row_is_kept_apart_from_the_default(client, session, auth_headers) -> None:
    category = EventCategory(code="C9", name="市容环境")
    session.add(category)
    session.commit()
    admin = auth_headers("system_admin")
    for category_id in (None, category.id):
        body = {"category_id": category_id, "complexity": "complex", "handle_working_days": 5}
        assert client.put("/api/v1/sla-policies", json=body, headers=admin).status_code == 201
    rows = client.get("/api/v1/sla-policies", headers=auth_headers("dept_handler")).json()
    assert [r["category_id"] for r in rows] == [None, category.id]
    assert {r["handle_working_days"] for r in rows} == {5}

    unknown = client.put("/api/v1/sla-policies", json={**body, "category_id": 999_999}, headers=admin)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "body.category_id"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reminder_ratios": [0.8]}, "reminder_ratios"),
        ({"reminder_ratios": [0.5, 0.5]}, "reminder_ratios"),
        ({"reminder_ratios": [0.5, 1.0]}, "reminder_ratios"),
        ({"reminder_ratios": [0.0, 0.5]}, "reminder_ratios"),
        ({"supervise_ratio": 1.0}, "supervise_ratio"),
        ({"sign_minutes": 0}, "sign_minutes"),
        ({"handle_minutes": -5}, "handle_minutes"),
        ({"handle_working_days": 0}, "handle_working_days"),
        ({"clock": "lunar"}, "clock"),
        ({"complexity": "hard"}, "complexity"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_sla_policies_get_422_naming_the_field(client, auth_headers, change, field) -> None:
    body = {"complexity": "simple", **change}
    response = client.put("/api/v1/sla-policies", json=body, headers=auth_headers("system_admin"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [f"body.{field}"]


def test_who_may_write_policies(client, auth_headers, session) -> None:
    body = {"complexity": "simple"}
    assert (
        client.put("/api/v1/sla-policies", json=body, headers=auth_headers("dispatcher")).status_code == 403
    )
    dept = f.department(session)
    session.commit()
    partial = auth_headers("dept_admin", scope="department", scope_id=dept.id)
    refused = client.put("/api/v1/sla-policies", json=body, headers=partial)
    assert refused.status_code == 403 and "district" in refused.json()["detail"]
    source = {"auto_dispatch": False, "min_confidence": 0.9, "min_margin": 0.3, "dedup_window_hours": 48}
    assert client.put("/api/v1/event-source-policies/grid", json=source, headers=partial).status_code == 403
    assert client.get("/api/v1/sla-policies", headers=auth_headers("citizen")).status_code == 200
    assert client.get("/api/v1/event-source-policies", headers=auth_headers("citizen")).status_code == 403


def test_source_policies_default_then_configured(client, session, auth_headers) -> None:
    admin = auth_headers("hall_manager")
    default = client.get("/api/v1/event-source-policies/grid", headers=auth_headers("dispatcher")).json()
    assert default == {
        "source": "grid",
        "configured": False,
        "auto_dispatch": True,
        "min_confidence": 0.85,
        "min_margin": 0.2,
        "dedup_window_hours": 24,
        "updated_at": None,
    }
    body = {"auto_dispatch": False, "min_confidence": 0.9, "min_margin": 0.3, "dedup_window_hours": 48}
    created = client.put("/api/v1/event-source-policies/grid", json=body, headers=admin)
    assert created.status_code == 201, created.text
    changed = client.put(
        "/api/v1/event-source-policies/grid", json={**body, "min_margin": 0.1}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["min_margin"] == 0.1
    row = session.scalar(select(EventSourcePolicy).where(EventSourcePolicy.source == "grid"))
    assert (row.auto_dispatch, row.min_confidence, row.min_margin, row.dedup_window_hours) == (
        False,
        0.9,
        0.1,
        48,
    )

    listed = client.get("/api/v1/event-source-policies", headers=admin).json()
    assert len(listed) == 11 and [r["source"] for r in listed if r["configured"]] == ["grid"]
    audits = session.scalars(select(AuditLog.action).where(AuditLog.entity == "event_source_policies")).all()
    assert sorted(audits) == ["create", "update"]

    bad = client.put(
        "/api/v1/event-source-policies/grid",
        json={**body, "min_confidence": 1.5, "dedup_window_hours": -1},
        headers=admin,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"body.min_confidence", "body.dedup_window_hours"}
    assert client.put("/api/v1/event-source-policies/fax", json=body, headers=admin).status_code == 422
    assert client.get("/api/v1/event-source-policies/fax", headers=admin).status_code == 422
