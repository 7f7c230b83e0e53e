"""Window staff analysis (DOMAIN §4.6): utilisation and heat from service intervals, queue minutes,
cases by receiver and handler, reviews, 环比; numbers worked out by hand in the comments.

The hall keeps the default opening hours 08:30-12:00, 13:30-17:30: 210 + 240 = 450 open minutes a day.
Week 10 of 2025 is Mon 3 March - Sun 9 March: 5 working days, 2250 open minutes, 37.5 open hours.
"""

from datetime import date, timedelta

import pytest

from core_app.access.models import ScopeKind
from core_app.access.principal import Grant, Principal
from core_app.analytics.engine import PERMISSION, Query, compute
from core_app.analytics.facts import refresh_case_facts
from core_app.analytics.periods import Granularity, buckets
from core_app.analytics.windows import ANALYSIS, heat_label
from core_app.cases.models import CaseStatus, Channel, SourceSystem, TicketStatus
from tests.api import builders as b

WEEK_10 = buckets(date(2025, 3, 3), date(2025, 3, 10), Granularity.WEEK)
MONDAY_3_MARCH = buckets(date(2025, 3, 3), date(2025, 3, 4), Granularity.DAY)


def row_of(frame, **keys):
    rows = frame
    for name, value in keys.items():
        rows = rows[rows[name] == value]
    assert len(rows) == 1, f"expected one row for {keys}, got {len(rows)}"
    return rows.iloc[0]


def serve(session, hall, window, staff, day: int, start: tuple[int, int], end: tuple[int, int], **fields):
    """A ticket served on ``day`` March 2025 from ``start`` to ``end`` (hour, minute), called at start."""
    started = b.local(2025, 3, day, *start)
    return b.ticket(
        session,
        hall_id=hall.id,
        window_id=window.id,
        staff_id=staff.id,
        taken_at=started - timedelta(minutes=10),
        called_at=started,
        service_started_at=started,
        service_ended_at=b.local(2025, 3, day, *end),
        status=TicketStatus.SERVED,
        **fields,
    )


@pytest.fixture
def service(session):
    """Three windows of one hall in week 10; w3 is idle.

    w1 (staff s1), Mon 3 March: 09:00-09:30, 09:20-10:00 (overlaps), 09:40-09:50 (inside the second),
       14:00-14:45 -> islands 09:00-10:00 = 60 and 14:00-14:45 = 45 -> busy 105, served 4.
    w2 (staff s2), Tue 4 March: 10:00-10:10, 10:10-10:20, 10:20-10:30 (touching: one island of 30),
       11:00-11:30 = 30, 14:00-14:05 and 14:03-14:08 = 8, 15:00-15:02 = 2 -> busy 70, served 7.
    """
    hall = b.hall(session)
    department = b.department(session, name="市场监管局")
    w1, w2, w3 = (
        b.window(session, hall_id=hall.id, window_no=no, department_id=department.id)
        for no in ("01", "02", "03")
    )
    s1, s2 = b.staff(session, department_id=department.id), b.staff(session, department_id=department.id)
    for start, end in (((9, 0), (9, 30)), ((9, 20), (10, 0)), ((9, 40), (9, 50)), ((14, 0), (14, 45))):
        serve(session, hall, w1, s1, 3, start, end)
    for start, end in (
        ((10, 0), (10, 10)),
        ((10, 10), (10, 20)),
        ((10, 20), (10, 30)),
        ((11, 0), (11, 30)),
        ((14, 0), (14, 5)),
        ((14, 3), (14, 8)),
        ((15, 0), (15, 2)),
    ):
        serve(session, hall, w2, s2, 4, start, end)
    session.commit()
    return {"hall": hall, "department": department, "w1": w1, "w2": w2, "w3": w3, "s1": s1, "s2": s2}


def test_utilisation_is_the_union_of_serving_intervals_over_open_minutes(session, service):
    frame = compute(session, Query(ANALYSIS, WEEK_10, by=("window",))).frame
    w1, w2, w3 = (row_of(frame, window=service[w].id) for w in ("w1", "w2", "w3"))
    # 105 / 2250, 70 / 2250, idle 0 / 2250.
    assert w1.window_utilization == pytest.approx(105 / 2250)
    assert w2.window_utilization == pytest.approx(70 / 2250)
    assert w3.window_utilization == 0
    assert (w1.served_count, w2.served_count, w3.served_count) == (4, 7, 0)


def test_utilisation_over_a_day_of_450_open_minutes(session, service):
    frame = compute(session, Query(ANALYSIS, MONDAY_3_MARCH, by=("window",))).frame
    # Monday: w1 busy 105 of 450; w2 served on Tuesday only.
    assert row_of(frame, window=service["w1"].id).window_utilization == pytest.approx(105 / 450)
    assert row_of(frame, window=service["w2"].id).window_utilization == 0


def test_heat_is_served_per_open_hour_against_the_hall_median(session, service):
    frame = compute(session, Query(ANALYSIS, WEEK_10, by=("window",))).frame  # labelled by its finish
    # Per open hour (37.5 h): w1 4/37.5, w2 7/37.5, w3 0 -> hall median 4/37.5 -> heat 1, 1.75, 0.
    w1, w2, w3 = (row_of(frame, window=service[w].id) for w in ("w1", "w2", "w3"))
    assert (w1.window_heat, w2.window_heat, w3.window_heat) == pytest.approx((1.0, 1.75, 0.0))
    assert (w1.window_heat_label, w2.window_heat_label, w3.window_heat_label) == ("normal", "hot", "cold")


def test_hall_totals_sum_busy_and_open_minutes_over_its_windows(session, service):
    frame = compute(session, Query(ANALYSIS, WEEK_10, by=("hall",))).frame
    hall = row_of(frame, hall=service["hall"].id)
    # (105 + 70 + 0) / (3 x 2250); heat: mean of 1, 1.75 and 0 = 0.91667.
    assert hall.window_utilization == pytest.approx(175 / 6750)
    assert hall.window_heat == pytest.approx(2.75 / 3)
    assert hall.served_count == 11


def test_by_staff_utilisation_is_their_own_serving_time_in_the_hall(session, service):
    frame = compute(session, Query(ANALYSIS, WEEK_10, by=("staff",))).frame
    s1, s2 = row_of(frame, staff=service["s1"].id), row_of(frame, staff=service["s2"].id)
    # s1 105 / 2250, s2 70 / 2250; per open hour 4/37.5 and 7/37.5, median of the two 5.5/37.5.
    assert s1.window_utilization == pytest.approx(105 / 2250)
    assert s2.window_utilization == pytest.approx(70 / 2250)
    assert (s1.window_heat, s2.window_heat) == pytest.approx((4 / 5.5, 7 / 5.5))


def test_a_weekend_day_is_not_open(session, service):
    # w1 also serves on Saturday 8 March 10:00-10:30 (a no-rest service).
    serve(session, service["hall"], service["w1"], service["s1"], 8, (10, 0), (10, 30))
    session.commit()
    saturday = buckets(date(2025, 3, 8), date(2025, 3, 9), Granularity.DAY)
    w1 = row_of(compute(session, Query(ANALYSIS, saturday, by=("window",))).frame, window=service["w1"].id)
    # Saturday has no open minutes: utilisation and heat undefined, though 1 ticket was served.
    assert w1.served_count == 1
    assert w1.window_utilization is None and w1.window_heat is None
    week = compute(session, Query(ANALYSIS, WEEK_10, by=("window",))).frame
    # Over the week the Saturday half hour is busy time, the open minutes stay 5 x 450: (105 + 30) / 2250.
    assert row_of(week, window=service["w1"].id).window_utilization == pytest.approx(135 / 2250)


def test_a_department_scope_sees_only_its_windows(session, service):
    other = b.department(session, name="人社局")
    b.window(session, hall_id=service["hall"].id, window_no="09", department_id=other.id)
    session.commit()
    grant = Grant("dept_admin", ScopeKind.DEPARTMENT, service["department"].id, frozenset({PERMISSION}))
    scoped = compute(session, Query(ANALYSIS, WEEK_10, by=("hall",)), Principal("d", (grant,))).frame
    everyone = compute(session, Query(ANALYSIS, WEEK_10, by=("hall",))).frame
    # The other department's idle window adds 2250 open minutes only for those who see it.
    assert row_of(scoped, hall=service["hall"].id).window_utilization == pytest.approx(175 / 6750)
    assert row_of(everyone, hall=service["hall"].id).window_utilization == pytest.approx(175 / 9000)


def test_heat_labels():
    assert [heat_label(v) for v in (1.51, 1.5, 0.5, 0.49, None)] == ["hot", "normal", "normal", "cold", None]


@pytest.fixture
def queue(session):
    """Monday 3 March at one window, staff s:

    t1 taken 09:00, called 09:12, served 09:13-09:25, received 09:15 (2.0): wait 12, receipt 3, service 12
    t2 taken 09:05, called 09:30, served 09:31-09:51, received 09:34 (1.0): wait 25, receipt 4, service 20
    t3 taken 09:10, called 09:40, missed: wait 30
    t4 taken 09:20, never called (cancelled): not counted
    t5 taken 09:30, called 09:50, served 09:52-09:58, its case was received at 09:00 (before the call):
       no receipt after this call: wait 20, service 6
    """
    hall = b.hall(session)
    window = b.window(session, hall_id=hall.id)
    staff = b.staff(session)

    def case(received, system):
        return b.case(
            session, submitted_at=received, received_at=received, accepted_at=received, source_system=system
        )

    def ticket(taken, called, status, started=None, ended=None, case_id=None):
        return b.ticket(
            session,
            hall_id=hall.id,
            window_id=window.id,
            staff_id=staff.id,
            taken_at=b.local(2025, 3, 3, *taken),
            called_at=called and b.local(2025, 3, 3, *called),
            service_started_at=started and b.local(2025, 3, 3, *started),
            service_ended_at=ended and b.local(2025, 3, 3, *ended),
            status=status,
            case_id=case_id,
        )

    c1 = case(b.local(2025, 3, 3, 9, 15), SourceSystem.V2)
    c2 = case(b.local(2025, 3, 3, 9, 34), SourceSystem.V1)
    c5 = case(b.local(2025, 3, 3, 9, 0), SourceSystem.V2)
    ticket((9, 0), (9, 12), TicketStatus.SERVED, (9, 13), (9, 25), c1.id)
    ticket((9, 5), (9, 30), TicketStatus.SERVED, (9, 31), (9, 51), c2.id)
    ticket((9, 10), (9, 40), TicketStatus.MISSED)
    ticket((9, 20), None, TicketStatus.CANCELLED)
    ticket((9, 30), (9, 50), TicketStatus.SERVED, (9, 52), (9, 58), c5.id)
    session.commit()
    return {"window": window, "staff": staff}


def test_queue_calls_waits_receipts_and_service_minutes(session, queue):
    frame = compute(session, Query(ANALYSIS, MONDAY_3_MARCH, by=("staff",))).frame
    row = row_of(frame, staff=queue["staff"].id)
    assert (row.call_count, row.missed_count, row.served_count) == (4, 1, 3)
    # Waits (12 + 25 + 30 + 20) / 4 = 21.75; receipts after the call (3 + 4) / 2 = 3.5; service
    # (12 + 20 + 6) / 3 = 12.667; one receipt in 2.0 (t1's case).
    assert row.mean_wait_minutes == pytest.approx(87 / 4)
    assert row.mean_receipt_minutes == pytest.approx(3.5)
    assert row.mean_service_minutes == pytest.approx(38 / 3)
    assert row.v2_receipt_count == 1
    # Busy: 09:13-09:25, 09:31-09:51, 09:52-09:58 = 12 + 20 + 6 = 38 of 450 open minutes.
    assert row.window_utilization == pytest.approx(38 / 450)


def test_queue_filtered_to_a_window_totals(session, queue):
    frame = compute(session, Query(ANALYSIS, MONDAY_3_MARCH, filters={"window": queue["window"].id})).frame
    assert len(frame) == 1
    assert (frame.iloc[0].call_count, frame.iloc[0].served_count) == (4, 3)
    assert frame.iloc[0].window_utilization == pytest.approx(38 / 450)


@pytest.fixture
def cases(session):
    """Week 10: receivers r1, r2 take cases in; handlers h1, h2 complete them (submitted 09:00, received
    09:05, accepted 09:10 on Mon 3 March unless said otherwise). A = working days accepted -> completed:

    c1 r1 h1 w1 window  2.0  completed Wed 5 March 09:10: 410 (Mon) + 450 + 40 = 900 min -> 2.0
    c2 r1 h1 w1 window  1.0  completed Tue 4 March 09:10: 410 + 40 = 450 -> 1.0
    c3 r1 h1 w1 pc_web  2.0  completed Fri 7 March 09:10: 410 + 3 x 450 + 40 = 1800 -> 4.0
    c4 r2 h2 w2 window  2.0  completed Thu 6 March 09:10 -> 3.0
    c5 r2 h2 w2 window  2.0  completed Mon 3 March 13:40: 09:10-12:00 = 170 + 13:30-13:40 = 10 -> 0.4
    c6 r1 -  w1 window  2.0  submitted Sat 8 March 09:50, accepted 10:00: a no-rest case, still open
    c0 r1 -  w1 window  2.0  received in week 9 (Mon 24 Feb): the 环比 base
    Reviews in week 10: c1 level 5 (h1), c2 level 2 (h1), c3 level 1 (h1) invalid, c4 level 3 (h2).
    """
    hall = b.hall(session)
    w1, w2 = b.window(session, hall_id=hall.id), b.window(session, hall_id=hall.id)
    r1, r2, h1, h2 = (b.staff(session) for _ in range(4))
    monday = b.local(2025, 3, 3, 9)

    def case(receiver, handler, window, completed=None, channel=Channel.WINDOW, system=SourceSystem.V2, **f):
        return b.case(
            session,
            hall_id=hall.id,
            window_id=window.id,
            receiver_staff_id=receiver.id,
            handler_staff_id=handler and handler.id,
            channel=channel,
            source_system=system,
            status=CaseStatus.COMPLETED if completed else CaseStatus.ACCEPTED,
            completed_at=completed,
            **({"submitted_at": monday} | f),
        )

    c1 = case(r1, h1, w1, b.local(2025, 3, 5, 9, 10))
    c2 = case(r1, h1, w1, b.local(2025, 3, 4, 9, 10), system=SourceSystem.V1)
    c3 = case(r1, h1, w1, b.local(2025, 3, 7, 9, 10), channel=Channel.PC_WEB)
    c4 = case(r2, h2, w2, b.local(2025, 3, 6, 9, 10))
    case(r2, h2, w2, b.local(2025, 3, 3, 13, 40))
    case(r1, None, w1, submitted_at=b.local(2025, 3, 8, 9, 50))
    case(r1, None, w1, submitted_at=b.local(2025, 2, 24, 9))
    b.review(session, of_case=c1, staff_id=h1.id, level=5, is_good=True)
    b.review(session, of_case=c2, staff_id=h1.id, level=2, is_good=False)
    b.review(session, of_case=c3, staff_id=h1.id, level=1, is_good=False, is_valid=False)
    b.review(session, of_case=c4, staff_id=h2.id, level=3, is_good=True)
    session.commit()
    refresh_case_facts(session)
    session.commit()
    return {"w1": w1, "w2": w2, "r1": r1, "r2": r2, "h1": h1, "h2": h2}


def test_cases_by_receiver_and_by_handler(session, cases):
    frame = compute(session, Query(ANALYSIS, WEEK_10, by=("staff",))).frame
    r1, r2 = row_of(frame, staff=cases["r1"].id), row_of(frame, staff=cases["r2"].id)
    # r1 received c1, c2, c3, c6: 3 at the window, 1 online; 2.0: c1, c3, c6; no-rest: c6.
    assert (r1.received_count, r1.received_window, r1.received_pc_web) == (4, 3, 1)
    assert (r1.v2_count, r1.no_rest_count, r1.handled_count) == (3, 1, 0)
    assert (r2.received_count, r2.v2_count, r2.no_rest_count) == (2, 2, 0)
    h1, h2 = row_of(frame, staff=cases["h1"].id), row_of(frame, staff=cases["h2"].id)
    # h1: A = 2, 1, 4 -> mean 7/3, median 2 (the middle of three); h2: 3 and 0.4 -> mean and median 1.7.
    assert (h1.handled_count, h1.received_count) == (3, 0)
    assert h1.mean_handling_days == pytest.approx(7 / 3)
    assert h1.median_handling_days == pytest.approx(2.0)
    assert (h2.mean_handling_days, h2.median_handling_days) == pytest.approx((1.7, 1.7))


def test_reviews_per_staff_and_window(session, cases):
    by_staff = compute(session, Query(ANALYSIS, WEEK_10, by=("staff",))).frame
    h1, h2 = row_of(by_staff, staff=cases["h1"].id), row_of(by_staff, staff=cases["h2"].id)
    # h1: valid reviews levels 5 and 2 (the level-1 review is invalid) -> good rate 1/2, 1 bad review.
    assert (h1.valid_review_count, h1.bad_review_count, h1.good_rate) == (2, 1, 0.5)
    assert (h2.valid_review_count, h2.bad_review_count, h2.good_rate) == (1, 0, 1.0)
    by_window = compute(session, Query(ANALYSIS, WEEK_10, by=("window",))).frame
    w1 = row_of(by_window, window=cases["w1"].id)
    assert (w1.valid_review_count, w1.bad_review_count, w1.good_rate) == (2, 1, 0.5)


def test_window_figures_and_period_over_period(session, cases):
    frame = compute(session, Query(ANALYSIS, WEEK_10, by=("window",))).frame
    w1, w2 = row_of(frame, window=cases["w1"].id), row_of(frame, window=cases["w2"].id)
    # w1: received c1, c2, c3, c6 = 4 against c0 alone in week 9 -> 环比 (4 - 1) / 1 = 3.
    assert (w1.received_count, w1.received_count_pop) == (4, 3.0)
    assert (w1.handled_count, w1.median_handling_days) == (3, pytest.approx(2.0))
    # w2: c4 (3.0) and c5 (0.4): the median of two is their mean.
    assert (w2.handled_count, w2.median_handling_days) == (2, pytest.approx(1.7))


def test_a_comprehensive_window_without_department_gets_its_own_row(session, service):
    # w4, a comprehensive window (no department), serves Wed 5 March 09:00-09:50: busy 50 of 2250.
    w4 = b.window(session, hall_id=service["hall"].id, window_no="综1")
    serve(session, service["hall"], w4, service["s1"], 5, (9, 0), (9, 50))
    session.commit()
    frame = compute(session, Query(ANALYSIS, WEEK_10, by=("department",))).frame
    assert len(frame) == 2
    department = row_of(frame, department=service["department"].id)
    comprehensive = frame[frame["department"].isna()].iloc[0]
    # The department's windows: (105 + 70 + 0) / 6750; the comprehensive one 50 / 2250, 1 served.
    assert department.window_utilization == pytest.approx(175 / 6750)
    assert (comprehensive.window_utilization, comprehensive.served_count) == (pytest.approx(50 / 2250), 1)
