"""Lists beside the analyses over HTTP: rankings, high-frequency matters, bindings, staffing, heat labels."""

from datetime import date

import pytest
from fastapi.testclient import TestClient

from core_app.api.app import create_app
from core_app.cases.models import TicketStatus
from core_app.org.models import RegionLevel
from tests.api import builders as b

OCTOBER = {"granularity": "month", "from": "2026-10-01", "to": "2026-11-01"}


@pytest.fixture
def hall(session, auth_headers):
    """Two towns (3 and 1 cases received in October), matters M1 (3 cases) and M2 (1), one staff post."""
    t1 = b.region(session, name="首南街道", level=RegionLevel.TOWN)
    t2 = b.region(session, name="钟公庙街道", level=RegionLevel.TOWN)
    m1, m2 = b.matter(session, name="食品经营许可"), b.matter(session, name="公共场所卫生许可")
    for town, matter in ((t1, m1), (t1, m1), (t1, m1), (t2, m2)):
        b.case(session, matter_id=matter.id, intake_region_id=town.id, submitted_at=b.local(2026, 10, 13, 9))
    site = b.hall(session)
    window = b.window(session, hall_id=site.id, window_no="A01")
    person = b.staff(session, name="赵敏")
    b.staff_post(session, staff_member=person, at_window=window, valid_from=date(2026, 1, 1))
    # Two tickets of queue group A served on Tuesday 13 October, 30 and 18 minutes.
    for start, minutes in ((9, 30), (10, 18)):
        taken = b.local(2026, 10, 13, start)
        b.ticket(
            session,
            hall_id=site.id,
            window_id=window.id,
            taken_at=taken,
            called_at=taken,
            service_started_at=taken,
            service_ended_at=taken.replace(minute=minutes),
            status=TicketStatus.SERVED,
        )
    session.commit()
    client = TestClient(create_app(), headers=auth_headers("leader"))
    return {"client": client, "t1": t1.id, "m1": m1.id, "hall": site.id, "window": window.id}


def get(ctx, path, **params):
    response = ctx["client"].get(f"/api/v1/analytics/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_town_ranking_and_high_frequency_matters(hall):
    rows = get(hall, "towns/ranking", **OCTOBER)["rows"]
    assert [(r["rank"], r["town_name"], r["received_count"]) for r in rows] == [
        (1, "首南街道", 3),
        (2, "钟公庙街道", 1),
    ]
    rows = get(hall, "cases/high-frequency-matters", **OCTOBER, top=1, coverage=0.7)["rows"]
    # M1 holds 3 of 4 accepted cases (75 %): the top 1 and, alone, over 70 % coverage; M2 is in neither.
    assert [(r["name"], r["share"], r["in_top"], r["in_coverage"]) for r in rows] == [
        ("食品经营许可", 0.75, True, True)
    ]


def test_bindings_and_staffing_guidance(hall):
    (post,) = get(hall, "windows/bindings", on="2026-10-13")
    assert (post["window_no"], post["staff_name"]) == ("A01", "赵*")
    (group,) = get(hall, "windows/staffing", hall=hall["hall"], **{"from": "2026-10-13", "to": "2026-10-14"})[
        "rows"
    ]
    # 2 arrivals in 7.5 open hours, mean service 24 min: ceil(2 / 7.5 x 24 / 48) = ceil(0.133) = 1 window.
    assert (group["arrivals"], group["recommended_windows"]) == (2, 1)
    assert group["mean_service_minutes"] == pytest.approx(24.0)
    response = hall["client"].get("/api/v1/analytics/windows/staffing", params={"hall": 999_999})
    assert response.status_code == 422


def test_window_heat_comes_with_its_label(hall):
    rows = get(hall, "windows", granularity="day", **{"from": "2026-10-13", "to": "2026-10-14"}, by="window")[
        "rows"
    ]
    # The cases have no window: they make a row of their own, apart from A01's.
    (row,) = [r for r in rows if r["window"] == hall["window"]]
    assert row["window_heat"] == pytest.approx(1.0)  # the hall's only window is its own median
    assert row["window_heat_label"] == "normal"


def test_review_ranking_needs_enough_reviews(hall):
    body = get(hall, "reviews/ranking", **OCTOBER, min_reviews=1)
    assert body["rows"] == []  # no reviews at all
    response = hall["client"].get("/api/v1/analytics/reviews/ranking", params={"by": "staff"})
    assert response.status_code == 422
