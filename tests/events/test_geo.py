"""Event map data: GeoJSON points in [lon, lat] order with masked titles, filters, scope, and heat counts."""

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from core_app.api.app import create_app
from core_app.config import LOCAL_TZ
from core_app.events.models import EventStatus, Priority
from core_app.org.models import RegionLevel
from tests.api import builders as b

MAP = "/api/v1/event-map"
HEAT = "/api/v1/event-map/heat"


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=LOCAL_TZ)


@pytest.fixture
def district(session):
    """Two streets with a community each (one community has no coordinates), two departments, six events."""
    s1 = b.region(session, level=RegionLevel.TOWN, name="沙头角街道", lon=114.24, lat=22.55)
    s2 = b.region(session, level=RegionLevel.TOWN, name="海山街道", lon=114.26, lat=22.57)
    c1 = b.region(
        session, level=RegionLevel.VILLAGE, name="东和社区", parent_id=s1.id, lon=114.241, lat=22.551
    )
    c2 = b.region(session, level=RegionLevel.VILLAGE, name="田东社区", parent_id=s2.id)
    parent = b.event_category(session, name="市容")
    child = b.event_category(session, name="占道", parent_id=parent.id, level=2)
    other = b.event_category(session, name="噪音")
    water = b.department(session, code="WATER")
    roads = b.department(session, code="ROADS")

    def event(day, street, community, **fields):
        defaults = {
            "reported_at": at(day),
            "street_id": street.id,
            "region_id": community.id,
            "category_id": child.id,
            "department_id": water.id,
            "lon": 114.2412,
            "lat": 22.5513,
            "status": EventStatus.DISPATCHED,
        }
        return b.event(session, **defaults | fields)

    events = {
        "phone_title": event(3, s1, c1, title="路灯不亮请回电13612345678", priority=Priority.P2),
        "closed": event(4, s1, c1, status=EventStatus.CLOSED, department_id=roads.id),
        "other_category": event(5, s2, c2, category_id=other.id, lon=114.262, lat=22.571),
        "unplaced": event(6, s2, c2, lon=None, lat=None),
        "april": event(1, s1, c1, reported_at=datetime(2025, 4, 1, tzinfo=LOCAL_TZ)),
        "bad_coordinates": event(7, s1, c1, lon=200.0, lat=22.5),
    }
    session.commit()
    return {"events": events, "s1": s1, "s2": s2, "c1": c1, "c2": c2, "parent": parent, "water": water}


@pytest.fixture
def api(engine, auth_headers):
    def client(role: str = "system_admin", **scope) -> TestClient:
        return TestClient(create_app(), headers=auth_headers(role, **scope))

    return client


def ids(body: dict) -> list[int]:
    return [feature["properties"]["id"] for feature in body["features"]]


def test_the_map_is_a_geojson_feature_collection_with_lon_lat_points(district, api) -> None:
    response = api().get(MAP, params={"from": "2025-03-01", "to": "2025-04-01"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    events = district["events"]
    # Newest first; without coordinates, out-of-range coordinates or outside the period: left out.
    assert ids(body) == [events[k].id for k in ("other_category", "closed", "phone_title")]
    feature = body["features"][-1]
    assert feature["type"] == "Feature" and feature["id"] == events["phone_title"].id
    assert feature["geometry"] == {"type": "Point", "coordinates": [114.2412, 22.5513]}  # [lon, lat]
    assert feature["properties"] == {
        "id": events["phone_title"].id,
        "event_no": events["phone_title"].event_no,
        "title": "路灯不亮请回电136****5678",  # masked as in the event list
        "status": "dispatched",
        "priority": "p2",
        "category_id": events["phone_title"].category_id,
        "category": "占道",
        "street_id": district["s1"].id,
        "street": "沙头角街道",
        "reported_at": "2025-03-03T10:00:00+08:00",
    }
    assert "reporter_phone" not in str(body) and "13612345678" not in response.text


def test_map_filters_and_limit(district, api) -> None:
    client, events = api(), district["events"]
    by_status = client.get(MAP, params={"status": "closed,in_progress"}).json()
    assert ids(by_status) == [events["closed"].id]
    by_category = client.get(MAP, params={"category_id": district["parent"].id}).json()
    assert set(ids(by_category)) == {events[k].id for k in ("april", "closed", "phone_title")}
    by_street = client.get(MAP, params={"street_id": district["s2"].id}).json()
    assert ids(by_street) == [events["other_category"].id]
    limited = client.get(MAP, params={"limit": 2}).json()
    assert ids(limited) == [events["april"].id, events["other_category"].id] and limited["truncated"] is True


def test_map_follows_the_event_data_scope(district, api) -> None:
    handler = api("dept_handler", scope="department", scope_id=district["water"].id)
    assert events_seen(handler) == {
        district["events"][k].id for k in ("phone_title", "other_category", "april")
    }
    region = api("leader", scope="region", scope_id=district["s2"].id)
    assert events_seen(region) == {district["events"]["other_category"].id}
    heat = region.get(HEAT).json()
    assert [(f["properties"]["name"], f["properties"]["count"]) for f in heat["features"]] == [
        ("海山街道", 2)
    ]


def events_seen(client: TestClient) -> set[int]:
    response = client.get(MAP)
    assert response.status_code == 200
    return set(ids(response.json()))


def test_heat_counts_per_street_and_community_at_the_region_coordinates(district, api) -> None:
    client = api()
    streets = client.get(HEAT, params={"from": "2025-03-01", "to": "2025-04-01"})
    assert streets.headers["content-type"] == "application/geo+json"
    body = streets.json()
    assert body["type"] == "FeatureCollection" and body["level"] == "street"
    # Events without coordinates count: they are placed by their street.
    assert [(f["geometry"]["coordinates"], f["properties"]["count"]) for f in body["features"]] == [
        ([114.24, 22.55], 3),
        ([114.26, 22.57], 2),
    ]
    assert body["features"][0]["properties"] == {
        "region_id": district["s1"].id,
        "name": "沙头角街道",
        "level": "town",
        "count": 3,
    }
    communities = client.get(HEAT, params={"level": "community"}).json()
    # The second community has no coordinates and cannot be drawn.
    assert [(f["properties"]["name"], f["properties"]["count"]) for f in communities["features"]] == [
        ("东和社区", 4)
    ]
    closed = client.get(HEAT, params={"status": "closed"}).json()
    assert [f["properties"]["count"] for f in closed["features"]] == [1]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (MAP, {"status": "open"}, "query.status"),
        (MAP, {"from": "March"}, "query.from"),
        (MAP, {"from": "2025-03-02", "to": "2025-03-01"}, "query.to"),
        (MAP, {"limit": 0}, "query.limit"),
        (MAP, {"street_id": 2**31}, "query.street_id"),
        (HEAT, {"level": "province"}, "query.level"),
    ],
)
def test_bad_map_parameters_are_422_naming_the_field(api, path, params, field) -> None:
    response = api().get(path, params=params)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
