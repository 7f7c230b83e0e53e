"""Staff–window–post binding (人事岗) on a day, staffing guidance per queue group, and the windows analysis
served by the analytics route (JSON rows and the tickets behind a number)."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from core_app.access.models import ScopeKind
from core_app.access.principal import Grant, Principal
from core_app.analytics.engine import PERMISSION
from core_app.analytics.windows import recommended_windows, staff_window_bindings, staffing_guidance
from core_app.api.app import create_app
from core_app.cases.models import TicketStatus
from core_app.org.models import HallZone
from core_app.privacy.masking import unmasked_pii
from tests.api import builders as b


@pytest.fixture
def posts(session):
    """Hall with zone 东区; on 15 March 2025:
    王小明 at 01 for 市场监管局 from 1 Jan to 31 March (valid), 李华 at 02 for 人社局 open-ended (valid),
    赵六 at 01 until 14 March (ended the day before), 孙七 at 02 from 16 March (not yet)."""
    hall = b.hall(session, name="区行政服务中心")
    zone = HallZone(hall_id=hall.id, name="东区")
    session.add(zone)
    session.flush()
    market, social = b.department(session, name="市场监管局"), b.department(session, name="人社局")
    w1 = b.window(session, hall_id=hall.id, window_no="01", zone_id=zone.id, department_id=market.id)
    w2 = b.window(session, hall_id=hall.id, window_no="02", department_id=social.id)

    def post(name, window, department, start, end=None, zone_id=None):
        member = b.staff(session, name=name, department_id=department.id)
        b.staff_post(
            session,
            staff_member=member,
            at_window=window,
            valid_from=start,
            valid_to=end,
            zone_id=zone_id,
        )
        return member

    wang = post("王小明", w1, market, date(2025, 1, 1), date(2025, 3, 31))
    li = post("李华", w2, social, date(2025, 1, 1), zone_id=zone.id)
    post("赵六", w1, market, date(2024, 1, 1), date(2025, 3, 14))
    post("孙七", w2, social, date(2025, 3, 16))
    session.commit()
    return {"wang": wang, "li": li, "market": market, "social": social, "zone": zone, "w1": w1, "w2": w2}


def test_bindings_valid_on_a_day_with_masked_names(session, posts):
    rows = staff_window_bindings(session, date(2025, 3, 15))
    assert [(r["staff_id"], r["window_no"], r["department_name"]) for r in rows] == [
        (posts["wang"].id, "01", "市场监管局"),
        (posts["li"].id, "02", "人社局"),
    ]
    assert [r["staff_name"] for r in rows] == ["王**", "李*"]
    # 王小明's post has no zone of its own: the window's zone; 李华's post names its zone.
    assert [r["zone_name"] for r in rows] == ["东区", "东区"]
    assert rows[0]["valid_to"] == date(2025, 3, 31)
    # valid_to is the last day of the post: on 14 March 赵六 still sits at window 01.
    assert len(staff_window_bindings(session, date(2025, 3, 14))) == 3
    with unmasked_pii():
        assert staff_window_bindings(session, date(2025, 3, 15))[0]["staff_name"] == "王小明"


def test_bindings_follow_the_callers_department(session, posts):
    grant = Grant("dept_admin", ScopeKind.DEPARTMENT, posts["social"].id, frozenset({PERMISSION}))
    rows = staff_window_bindings(session, date(2025, 3, 15), Principal("hr", (grant,)))
    assert [r["staff_id"] for r in rows] == [posts["li"].id]


@pytest.mark.parametrize(
    ("arrivals", "service_minutes", "windows"),
    [
        (10, 4.8, 1),  # 10 x 4.8 / 48 = 1 exactly (1.0000000000000002 in floats)
        (11, 4.8, 2),  # 52.8 / 48 = 1.1
        (30, 8, 5),  # 240 / 48 = 5
        (1.2, 30, 1),  # 36 / 48 = 0.75
        (0, 12, 0),  # nobody comes
    ],
)
def test_recommended_windows(arrivals, service_minutes, windows):
    assert recommended_windows(arrivals, service_minutes) == windows


def test_staffing_guidance_per_queue_group(session):
    """Monday 3 March (7.5 open hours). Group A: 9 tickets, two served for 20 and 40 minutes at windows
    w1, w2. Group B: 15 tickets, three served for 50, 60, 70 minutes at w1."""
    hall = b.hall(session)
    w1, w2 = b.window(session, hall_id=hall.id), b.window(session, hall_id=hall.id)

    def tickets(group, count, served):
        for i in range(count):
            taken = b.local(2025, 3, 3, 9) + timedelta(minutes=i)
            fields = {}
            if i < len(served):
                window, minutes = served[i]
                start = taken + timedelta(minutes=5)
                fields = {
                    "window_id": window.id,
                    "called_at": start,
                    "service_started_at": start,
                    "service_ended_at": start + timedelta(minutes=minutes),
                    "status": TicketStatus.SERVED,
                }
            b.ticket(session, hall_id=hall.id, queue_group=group, taken_at=taken, **fields)

    tickets("A", 9, [(w1, 20), (w2, 40)])
    tickets("B", 15, [(w1, 50), (w1, 60), (w1, 70)])
    b.ticket(session, hall_id=hall.id, queue_group="A", taken_at=b.local(2025, 3, 4, 9))  # Tuesday: outside
    session.commit()
    a, b_group = staffing_guidance(session, hall.id, date(2025, 3, 3), date(2025, 3, 4))
    # A: 9 / 7.5 = 1.2 an hour, mean service 30 -> ceil(1.2 x 30 / 48) = ceil(0.75) = 1.
    assert (a.queue_group, a.arrivals, a.open_hours, a.windows_used) == ("A", 9, 7.5, 2)
    assert (a.hourly_arrivals, a.mean_service_minutes) == pytest.approx((1.2, 30))
    assert a.recommended_windows == 1
    # B: 15 / 7.5 = 2 an hour, mean service 60 -> ceil(2 x 60 / 48) = ceil(2.5) = 3.
    assert (b_group.arrivals, b_group.windows_used) == (15, 1)
    assert (b_group.hourly_arrivals, b_group.mean_service_minutes) == pytest.approx((2.0, 60))
    assert b_group.recommended_windows == 3


def test_the_route_serves_the_windows_analysis_and_its_tickets(session, auth_headers):
    # Two tickets at window 01 on Monday 3 March: served 09:00-09:30 and 10:00-10:15 -> 45 of 450 minutes.
    hall = b.hall(session)
    window = b.window(session, hall_id=hall.id, window_no="01")
    numbers = []
    for hour, minutes in ((9, 30), (10, 15)):
        start = b.local(2025, 3, 3, hour)
        ticket = b.ticket(
            session,
            hall_id=hall.id,
            window_id=window.id,
            taken_at=start - timedelta(minutes=5),
            called_at=start,
            service_started_at=start,
            service_ended_at=start + timedelta(minutes=minutes),
            status=TicketStatus.SERVED,
        )
        numbers.append(ticket.ticket_no)
    session.commit()
    client = TestClient(create_app(), headers=auth_headers("hall_manager", scope="hall", scope_id=hall.id))
    params = {"granularity": "day", "from": "2025-03-03", "to": "2025-03-04", "by": "window"}
    response = client.get("/api/v1/analytics/windows", params=params)
    assert response.status_code == 200, response.text
    (row,) = response.json()["rows"]
    assert (row["window"], row["window_name"], row["served_count"]) == (window.id, "01", 2)
    assert row["window_utilization"] == pytest.approx(45 / 450)
    assert row["mean_service_minutes"] == pytest.approx(22.5)
    listed = client.get(
        "/api/v1/analytics/windows",
        params={**params, "by": "cases", "indicator": "mean_service_minutes"},
    )
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 2
    assert sorted(r["ticket_no"] for r in page["items"]) == sorted(numbers)
