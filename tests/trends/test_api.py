"""Trend endpoints over HTTP: week and month buckets worked out by hand, data scope, 403 and 422."""

import pytest
from fastapi.testclient import TestClient

from core_app.api.app import create_app
from core_app.events.models import EventSource
from core_app.org.models import RegionLevel
from tests.api import builders as b

PERIOD = {"from": "2025-02-24", "to": "2025-04-07"}


@pytest.fixture
def district(session, auth_headers):
    """Categories A > B > C and A > D, streets S1 and S2, eight events around week and month edges."""
    a = b.event_category(session, name="城市管理", level=1)
    cat_b = b.event_category(session, name="环境卫生", level=2, parent_id=a.id)
    c = b.event_category(session, name="垃圾清运", level=3, parent_id=cat_b.id)
    d = b.event_category(session, name="违法建设", level=2, parent_id=a.id)
    s1 = b.region(session, name="沙港街道", level=RegionLevel.TOWN)
    s2 = b.region(session, name="海山街道", level=RegionLevel.TOWN)

    def event(when, category, street, **fields):
        return b.event(session, reported_at=when, category_id=category.id, street_id=street.id, **fields)

    # Local Monday 00:30 is Sunday 16:30 UTC: a UTC bucket would put e1 in the week before.
    e1 = event(b.local(2025, 3, 3, 0, 30), c, s1)
    event(b.local(2025, 3, 3, 7), cat_b, s1)
    event(b.local(2025, 3, 9, 23, 59), d, s2)  # Sunday evening: still the week of 3 March
    event(b.local(2025, 3, 10, 8), cat_b, s2)
    event(b.local(2025, 4, 1, 0, 10), c, s1)  # 31 March 16:10 UTC: April in local time
    event(b.local(2025, 2, 28, 22), d, s1)
    event(b.local(2025, 4, 10), cat_b, s1)  # after the period
    event(b.local(2025, 3, 4), cat_b, s1, source=EventSource.GRID)
    session.commit()
    app = create_app()
    return {
        "ids": {"A": a.id, "B": cat_b.id, "D": d.id, "S1": s1.id, "S2": s2.id, "e1": e1.id},
        "reader": TestClient(app, headers=auth_headers("supervisor")),
        "s1_reader": TestClient(app, headers=auth_headers("supervisor", scope="region", scope_id=s1.id)),
        "no_events": TestClient(app, headers=auth_headers("hall_manager")),
    }


def _table(body):
    return {(r["period_start"], r["key_name"]): r["count"] for r in body["rows"]}


def test_weekly_counts_per_category_start_on_local_monday(district):
    response = district["reader"].get("/api/v1/trends/counts", params=PERIOD)
    assert response.status_code == 200, response.text
    assert _table(response.json()) == {
        ("2025-02-24", "违法建设"): 1,
        ("2025-03-03", "环境卫生"): 3,  # e1 (level 3, counted for its parent), the Monday one, the grid one
        ("2025-03-03", "违法建设"): 1,
        ("2025-03-10", "环境卫生"): 1,
        ("2025-03-31", "环境卫生"): 1,
    }
    assert response.json()["total"] == 7


def test_monthly_counts_per_street(district):
    params = PERIOD | {"granularity": "month", "by": "street"}
    body = district["reader"].get("/api/v1/trends/counts", params=params).json()
    assert _table(body) == {
        ("2025-02-01", "沙港街道"): 1,
        ("2025-03-01", "沙港街道"): 3,
        ("2025-03-01", "海山街道"): 2,
        ("2025-04-01", "沙港街道"): 1,
    }


def test_level_one_and_filters(district):
    level_one = district["reader"].get("/api/v1/trends/counts", params=PERIOD | {"category_level": 1}).json()
    assert _table(level_one) == {
        ("2025-02-24", "城市管理"): 1,
        ("2025-03-03", "城市管理"): 4,
        ("2025-03-10", "城市管理"): 1,
        ("2025-03-31", "城市管理"): 1,
    }
    hotline = district["reader"].get("/api/v1/trends/counts", params=PERIOD | {"source": "hotline_12345"})
    assert _table(hotline.json())[("2025-03-03", "环境卫生")] == 2
    street = PERIOD | {"street_id": district["ids"]["S2"], "by": "street", "granularity": "month"}
    assert _table(district["reader"].get("/api/v1/trends/counts", params=street).json()) == {
        ("2025-03-01", "海山街道"): 2
    }


def test_region_scope_sees_its_street_only(district):
    params = PERIOD | {"granularity": "month", "by": "street"}
    body = district["s1_reader"].get("/api/v1/trends/counts", params=params).json()
    assert _table(body) == {
        ("2025-02-01", "沙港街道"): 1,
        ("2025-03-01", "沙港街道"): 3,
        ("2025-04-01", "沙港街道"): 1,
    }


def test_without_events_read_403(district):
    assert district["no_events"].get("/api/v1/trends/counts", params=PERIOD).status_code == 403
    assert district["no_events"].get("/api/v1/trends/forecast").status_code == 403


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("counts", PERIOD | {"granularity": "day"}, "query.granularity"),
        ("counts", PERIOD | {"by": "department"}, "query.by"),
        ("counts", {"from": "2025-04-07", "to": "2025-02-24"}, "query.to"),
        ("counts", {"from": "March", "to": "2025-04-07"}, "query.from"),
        ("counts", {"from": "2020-01-01", "to": "2025-04-07"}, "query.from"),
        ("counts", {"to": "2025-04-07"}, "query.from"),
        ("hot-words", PERIOD | {"baseline_from": "2025-03-01"}, "query.baseline_from"),
        ("hotspots", PERIOD | {"eps_m": 0}, "query.eps_m"),
        ("rising", {"baseline_weeks": 1}, "query.baseline_weeks"),
        ("forecast", {"history_weeks": 3}, "query.history_weeks"),
        ("forecast", {"as_of": "next week"}, "query.as_of"),
    ],
)
def test_bad_parameters_422_name_the_field(district, path, params, field):
    response = district["reader"].get(f"/api/v1/trends/{path}", params=params)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_other_endpoints_answer(district):
    reader = district["reader"]
    rising = reader.get("/api/v1/trends/rising", params={"to": "2025-03-12"})
    assert rising.status_code == 200, rising.text
    # The latest whole week before 12 March is 3-9 March; 环境卫生 had 3 events, 0 in each baseline week.
    body = rising.json()
    assert body["week_start"].startswith("2025-03-03")
    row = next(r for r in body["rows"] if r["category"] == "环境卫生")
    assert (row["count"], row["baseline_mean"], row["rising"]) == (3, 0, False)  # below min_count 5
    words = reader.get("/api/v1/trends/hot-words", params=PERIOD | {"min_count": 1})
    assert words.status_code == 200, words.text
    problems = reader.get("/api/v1/trends/hot-problems", params=PERIOD)
    assert problems.status_code == 200, problems.text
    spots = reader.get("/api/v1/trends/hotspots", params=PERIOD | {"min_samples": 2})
    assert spots.status_code == 200, spots.text
    forecast = reader.get("/api/v1/trends/forecast")
    assert forecast.status_code == 200, forecast.text
    # as_of pins the forecast week: its Monday, whatever day the test runs
    pinned = reader.get("/api/v1/trends/forecast", params={"as_of": "2025-03-12"})
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["week_start"].startswith("2025-03-10")
