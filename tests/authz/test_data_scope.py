"""Data scope: a department, town, hall or citizen sees only its own records, also by id (404, not 403)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core_app.api.app import create_app
from core_app.audit.models import AuditLog
from core_app.org.models import RegionLevel
from tests.api import builders as b


@pytest.fixture
def district(session):
    """Two departments (one with a sub-unit), two towns with a village each, two halls, records in each."""
    county = b.region(session, level=RegionLevel.COUNTY)
    town_a = b.region(session, level=RegionLevel.TOWN, parent_id=county.id)
    village_a = b.region(session, level=RegionLevel.VILLAGE, parent_id=town_a.id)
    town_b = b.region(session, level=RegionLevel.TOWN, parent_id=county.id)
    market = b.department(session, name="市场监督管理局")
    market_team = b.department(session, name="市场监管所", parent_id=market.id)
    housing = b.department(session, name="住房和城乡建设局")
    hall_a, hall_b = b.hall(session, region_id=town_a.id), b.hall(session, region_id=town_b.id)
    me, other = b.citizen(session), b.citizen(session)
    records = {
        "market_case": b.case(
            session,
            department_id=market.id,
            intake_region_id=village_a.id,
            hall_id=hall_a.id,
            citizen_id=me.id,
        ),
        "team_case": b.case(
            session,
            department_id=market_team.id,
            intake_region_id=town_b.id,
            hall_id=hall_b.id,
            citizen_id=other.id,
        ),
        "housing_case": b.case(
            session,
            department_id=housing.id,
            intake_region_id=town_b.id,
            hall_id=hall_b.id,
            citizen_id=other.id,
        ),
        "market_event": b.event(
            session, department_id=market.id, street_id=town_a.id, region_id=village_a.id, citizen_id=me.id
        ),
        "housing_event": b.event(session, department_id=housing.id, street_id=town_b.id),
    }
    session.commit()
    return {"market": market, "town_a": town_a, "hall_a": hall_a, "me": me, **records}


def _ids(client: TestClient, path: str, headers: dict) -> set[int]:
    response = client.get(path, headers=headers, params={"page_size": 200})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_a_department_handler_sees_its_subtree_only(district, auth_headers):
    headers = auth_headers("dept_handler", scope="department", scope_id=district["market"].id)
    with TestClient(create_app()) as client:
        assert _ids(client, "/api/v1/cases", headers) == {
            district["market_case"].id,
            district["team_case"].id,
        }
        assert _ids(client, "/api/v1/events", headers) == {district["market_event"].id}
        # Another department's record does not exist for this caller: 404, as for a missing id.
        other = client.get(f"/api/v1/cases/{district['housing_case'].id}", headers=headers)
        missing = client.get("/api/v1/cases/999999", headers=headers)
        assert other.status_code == missing.status_code == 404
        assert other.json()["detail"].replace(str(district["housing_case"].id), "N") == missing.json()[
            "detail"
        ].replace("999999", "N")


def test_a_town_user_sees_its_town_and_villages(district, auth_headers):
    headers = auth_headers("dept_handler", scope="region", scope_id=district["town_a"].id)
    with TestClient(create_app()) as client:
        assert _ids(client, "/api/v1/cases", headers) == {district["market_case"].id}
        assert _ids(client, "/api/v1/events", headers) == {district["market_event"].id}


def test_a_citizen_sees_only_their_own_records(district, auth_headers):
    headers = auth_headers("citizen", scope="self", citizen_id=district["me"].id)
    with TestClient(create_app()) as client:
        assert _ids(client, "/api/v1/cases", headers) == {district["market_case"].id}
        assert _ids(client, "/api/v1/events", headers) == {district["market_event"].id}
        assert client.get(f"/api/v1/cases/{district['team_case'].id}", headers=headers).status_code == 404
        assert client.get("/api/v1/citizens", headers=headers).status_code == 403  # no people:read


def test_a_self_scope_without_an_identity_reaches_nothing(district, auth_headers):
    headers = auth_headers("citizen", scope="self")
    with TestClient(create_app()) as client:
        assert _ids(client, "/api/v1/cases", headers) == set()


def test_hall_scope_reaches_the_halls_cases(district, auth_headers):
    headers = auth_headers("window_staff", scope="hall", scope_id=district["hall_a"].id)
    with TestClient(create_app()) as client:
        assert _ids(client, "/api/v1/cases", headers) == {district["market_case"].id}
        assert _ids(client, "/api/v1/citizens", headers) == {district["me"].id}


def test_unmasking_needs_pii_view_and_every_unmasked_read_is_audited(district, auth_headers, session):
    me = district["me"]
    leader = auth_headers("leader")  # reads cases, but has no pii:view
    window = auth_headers("window_staff", scope="hall", scope_id=district["hall_a"].id)
    with TestClient(create_app()) as client:
        masked = client.get(f"/api/v1/citizens/{me.id}", headers=window).json()
        assert masked["id_card_no"] != me.id_card_no and "*" in masked["id_card_no"]
        assert session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "pii_read")) == 0

        refused = client.get("/api/v1/cases", headers=leader, params={"unmask": "true"})
        assert refused.status_code == 403 and "pii:view" in refused.json()["detail"]

        clear = client.get(
            f"/api/v1/citizens/{me.id}",
            headers=window | {"X-Request-ID": "req-42"},
            params={"unmask": "true"},
        )
        assert clear.status_code == 200
        assert clear.json()["id_card_no"] == me.id_card_no and clear.json()["name"] == me.name
        listed = client.get("/api/v1/citizens", headers=window, params={"unmask": "true"}).json()
        assert [c["phone"] for c in listed["items"]] == [me.phone]
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "pii_read").order_by(AuditLog.id)).all()
    assert [(r.entity, r.after["ids"]) for r in rows] == [("citizens", [me.id]), ("citizens", [me.id])]
    assert rows[0].request_id == "req-42" and rows[0].actor.startswith("window_staff")


def test_an_admins_masking_rule_applies_to_the_next_response(district, auth_headers, session):
    admin = auth_headers("system_admin")
    me = district["me"]
    with TestClient(create_app()) as client:
        assert client.get(f"/api/v1/citizens/{me.id}", headers=admin).json()["phone"] == "138****5678"
        changed = client.put(
            "/api/v1/admin/masking-rules/phone",
            headers=admin,
            json={"enabled": True, "keep_start": 0, "keep_end": 2},
        )
        assert changed.status_code == 200, changed.text
        assert client.get(f"/api/v1/citizens/{me.id}", headers=admin).json()["phone"] == "*********78"
        client.put(
            "/api/v1/admin/masking-rules/name",
            headers=admin,
            json={"enabled": False, "keep_start": 1, "keep_end": 0},
        )
        assert client.get(f"/api/v1/citizens/{me.id}", headers=admin).json()["name"] == me.name
