"""办件效能分析 (DOMAIN §4.2) on hand-built cases: every figure worked out by hand below.

The calendar is the real one (chinese-calendar for 2024-2026): 清明 2025 is Fri 4 - Sun 6 April, 元旦 2026
is Thu 1 - Sat 3 January with Sunday 4 January a make-up workday. Working day = 08:30-12:00, 13:30-17:30
(450 minutes).
"""

from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from core_app.access.models import ScopeKind
from core_app.access.principal import Grant, Principal
from core_app.analytics.cases import ANALYSIS, high_frequency_matters
from core_app.analytics.engine import PERMISSION, Query, compute
from core_app.analytics.facts import refresh_case_facts
from core_app.analytics.periods import Granularity, Period, buckets
from core_app.api.app import create_app
from core_app.api.problems import InvalidParameterError
from core_app.cases.models import CaseStatus
from core_app.org.calendar import seed_calendar_years
from tests.api import builders as b

NOW = b.local(2026, 6, 1, 10)
APRIL = buckets(date(2025, 4, 1), date(2025, 5, 1), Granularity.MONTH)


def accepted_case(session, accepted: datetime, **fields):
    """A case accepted at ``accepted`` (submitted ten and received five minutes before)."""
    return b.case(
        session,
        submitted_at=accepted - timedelta(minutes=10),
        received_at=accepted - timedelta(minutes=5),
        accepted_at=accepted,
        **fields,
    )


def completed_case(session, accepted: datetime, completed: datetime, **fields):
    return accepted_case(session, accepted, status=CaseStatus.COMPLETED, completed_at=completed, **fields)


def missing(value) -> bool:
    """None ("—"): the frame holds it as NaN in a float column."""
    return value is None or value != value


def rows(session, periods, by=(), filters=None, principal=None):
    query = Query(ANALYSIS, periods, by=by, filters=filters or {})
    return compute(session, query, principal, NOW).frame.to_dict("records")


@pytest.fixture
def office(session):
    """Two departments: D1 with matter A (legal 10, promised 5 working days) and staff S1, S2;
    D2 with the immediate matter B (promised 0, no legal limit)."""
    seed_calendar_years(session, [2024, 2025, 2026])
    d1, d2 = b.department(session, name="市场监管局"), b.department(session, name="人社局")
    a = b.matter(session, department_id=d1.id, legal_limit_days=10, promised_limit_days=5)
    bm = b.matter(session, department_id=d2.id, is_immediate=True, promised_limit_days=0)
    s1, s2 = b.staff(session, department_id=d1.id), b.staff(session, department_id=d1.id)
    session.commit()
    return {"d1": d1, "d2": d2, "a": a, "b": bm, "s1": s1, "s2": s2}


@pytest.fixture
def april_cases(session, office):
    a, bm, s1, s2 = office["a"].id, office["b"].id, office["s1"].id, office["s2"].id
    L = b.local
    cases = {
        # c1: Thu 3 Apr 10:00 -> Tue 8 Apr 10:00 across 清明 (Fri 4) and the weekend:
        # Thu 120 + 240 = 360, Mon 7 Apr 450, Tue 08:30-10:00 90 -> 900 min = A 2.0. Early (due 10 Apr).
        "c1": completed_case(
            session, L(2025, 4, 3, 10), L(2025, 4, 8, 10), matter_id=a, handler_staff_id=s1,
            due_at=L(2025, 4, 10, 17, 30),
        ),
        # c2: Tue 1 Apr 09:00 -> Wed 16 Apr 10:00: Tue 420, Wed 2 + Thu 3 Apr 900, (清明, weekend),
        # 7 days 7-15 Apr 3150, Wed 16 Apr 90 -> 4560 - 60 special = 4500 -> A 10.0. Overdue (due 15 Apr).
        "c2": completed_case(
            session, L(2025, 4, 1, 9), L(2025, 4, 16, 10), matter_id=a, handler_staff_id=s1,
            due_at=L(2025, 4, 15, 17, 30), special_minutes=60,
        ),
        # c3: accepted Mon 31 Mar 13:30 (March), completed Thu 10 Apr 12:00, its due day: on time, not
        # early. 240 + 3 x 450 + (清明, weekend) + 3 x 450 + 210 = 3150 -> A 7.0.
        "c3": completed_case(
            session, L(2025, 3, 31, 13, 30), L(2025, 4, 10, 12), matter_id=a, handler_staff_id=s2,
            due_at=L(2025, 4, 10, 17, 30),
        ),
        # c4: immediate matter B, done in 45 minutes (A 0.1), due a day later: on time but never early.
        "c4": completed_case(
            session, L(2025, 4, 9, 9), L(2025, 4, 9, 9, 45), matter_id=bm, handler_staff_id=s2,
            due_at=L(2025, 4, 10, 17, 30),
        ),
        # c5: open, due 15 Apr: overdue and open at the end of April (not yet at the end of March).
        "c5": accepted_case(
            session, L(2025, 4, 1, 9), matter_id=a, handler_staff_id=s1, status=CaseStatus.IN_APPROVAL,
            due_at=L(2025, 4, 15, 17, 30),
        ),
        # c6: accepted Mon 3 Mar, due 17 Mar, completed Wed 2 Apr 10:00: open and overdue at the end of
        # March, completed overdue in April. Mon 420 + 20 more March workdays 9000 + Tue 1 Apr 450 +
        # Wed 90 = 9960 - 60 special = 9900 -> A 22.0.
        "c6": completed_case(
            session, L(2025, 3, 3, 9), L(2025, 4, 2, 10), matter_id=a, handler_staff_id=s2,
            due_at=L(2025, 3, 17, 17, 30), special_minutes=60,
        ),
        # c7: voided before the end of April although past its deadline: not overdue-open.
        "c7": accepted_case(
            session, L(2025, 4, 1, 10), matter_id=bm, handler_staff_id=s1, status=CaseStatus.VOIDED,
            voided_at=L(2025, 4, 3, 10), due_at=L(2025, 4, 1, 17, 30),
        ),
        # c8: accepted on 清明 (Fri 4 Apr), c9 at 18:30 on a Tuesday: no-rest cases, due in May.
        "c8": accepted_case(
            session, L(2025, 4, 4, 10), matter_id=a, handler_staff_id=s1, due_at=L(2025, 5, 20, 17, 30)
        ),
        "c9": accepted_case(
            session, L(2025, 4, 8, 18, 30), matter_id=a, handler_staff_id=s1, due_at=L(2025, 5, 20, 17, 30)
        ),
        # c10: March, Mon 10 Mar 09:00 -> Fri 14 Mar 09:00: 420 + 3 x 450 + 30 = 1800 -> A 4.0, early.
        "c10": completed_case(
            session, L(2025, 3, 10, 9), L(2025, 3, 14, 9), matter_id=a, handler_staff_id=s1,
            due_at=L(2025, 3, 17, 17, 30),
        ),
        # c11: April 2024, Wed 10 Apr 09:00 -> Fri 12 Apr 09:00: 420 + 450 + 30 = 900 -> A 2.0, early.
        "c11": completed_case(
            session, L(2024, 4, 10, 9), L(2024, 4, 12, 9), matter_id=a, handler_staff_id=s1,
            due_at=L(2024, 4, 19, 17, 30),
        ),
    }  # fmt: skip
    session.commit()
    refresh_case_facts(session)
    session.commit()
    return cases


def test_april_totals(session, april_cases):
    [row] = rows(session, APRIL)
    assert row["period"] == "2025-04"
    # Accepted in April: c1 c2 c4 c5 c7 c8 c9. Completed: c1 c2 c3 c4 c6.
    assert (row["accepted_count"], row["completed_count"]) == (7, 5)
    # Early: c1 only (c3 on its due day, c4 immediate). On time: c1 c3 c4.
    assert (row["early_count"], row["on_time_count"]) == (1, 3)
    assert row["early_rate"] == pytest.approx(1 / 5)
    assert row["on_time_rate"] == pytest.approx(3 / 5)
    # Overdue: completed late c2 c6; open and late at 1 May c5 (c7 voided, c8 c9 due in May).
    assert (row["overdue_completed"], row["overdue_open"], row["overdue_count"]) == (2, 1, 3)
    # L > 0: c1 (10, A 2), c2 (10, 10), c3 (10, 7), c6 (10, 22): ΣL 40, ΣA 41 -> (40 - 41)/40.
    assert (row["legal_days_sum"], row["legal_advance_days_sum"]) == (pytest.approx(40), pytest.approx(-1))
    assert row["actual_advance_rate"] == pytest.approx(-0.025)
    # P = 5 on the same four: ΣP 20, Σ(P - A) = 3 - 5 - 2 - 17 = -21.
    assert row["actual_promise_advance_rate"] == pytest.approx(-21 / 20)
    assert row["no_rest_count"] == 2  # c8 on 清明, c9 at 18:30
    # A over April's completions: (2 + 10 + 7 + 0.1 + 22) / 5.
    assert row["mean_elapsed_days"] == pytest.approx(41.1 / 5)


def test_march_and_the_changes_of_april(session, april_cases):
    march, april = buckets(date(2025, 3, 1), date(2025, 5, 1), Granularity.MONTH)
    first, second = rows(session, [march, april])
    # March: accepted c3 c6 c10; completed c10 (early, on time, A 4.0: advance (10 - 4)/10 = 0.6);
    # open and overdue at 1 April: c6 (due 17 Mar, completed 2 Apr).
    assert (first["accepted_count"], first["completed_count"], first["early_rate"]) == (3, 1, 1.0)
    assert (first["overdue_open"], first["overdue_count"]) == (1, 1)
    assert first["actual_advance_rate"] == pytest.approx(0.6)
    # 环比 of April: counts relative, rates in points.
    assert second["accepted_count_pop"] == pytest.approx((7 - 3) / 3)
    assert second["completed_count_pop"] == pytest.approx(4.0)
    assert second["overdue_count_pop"] == pytest.approx(2.0)  # (3 - 1) / 1
    assert second["early_rate_pop"] == pytest.approx(0.2 - 1.0)
    assert second["on_time_rate_pop"] == pytest.approx(0.6 - 1.0)
    assert second["actual_advance_rate_pop"] == pytest.approx(-0.025 - 0.6)
    assert second["mean_elapsed_days_pop"] == pytest.approx((8.22 - 4.0) / 4.0)
    assert missing(second["no_rest_count_pop"])  # March had none: zero divisor
    # 同比 with April 2024: c11 accepted, completed early, A 2.0 (advance 0.8), nothing overdue.
    assert second["accepted_count_yoy"] == pytest.approx(6.0)
    assert second["on_time_rate_yoy"] == pytest.approx(0.6 - 1.0)
    assert second["actual_advance_rate_yoy"] == pytest.approx(-0.025 - 0.8)
    assert missing(second["overdue_count_yoy"])


def test_by_staff_and_by_department(session, april_cases, office):
    by_staff = {r["staff"]: r for r in rows(session, APRIL, by=("staff",))}
    s1, s2 = by_staff[office["s1"].id], by_staff[office["s2"].id]
    # S1: accepted c1 c2 c5 c7 c8 c9, completed c1 c2, overdue c2 (completed) + c5 (open).
    assert (s1["accepted_count"], s1["completed_count"], s1["overdue_count"]) == (6, 2, 2)
    # S2: accepted c4, completed c3 c4 c6 (on time c3 c4), overdue c6.
    assert (s2["accepted_count"], s2["completed_count"]) == (1, 3)
    assert (s2["on_time_count"], s2["overdue_count"]) == (2, 1)
    by_department = {r["department"]: r for r in rows(session, APRIL, by=("department",))}
    d2 = by_department[office["d2"].id]
    # D2 holds matter B: c4 (completed, on time, immediate so not early) and c7 (voided).
    assert (d2["accepted_count"], d2["completed_count"]) == (2, 1)
    assert (d2["early_count"], d2["on_time_rate"]) == (0, 1.0)
    assert missing(d2["actual_advance_rate"])  # no legal limit: ΣL = 0


def test_filters_and_data_scope(session, april_cases, office):
    [filtered] = rows(session, APRIL, filters={"staff": office["s2"].id})
    assert (filtered["accepted_count"], filtered["completed_count"]) == (1, 3)
    d2_only = Principal(
        "d2-leader", (Grant("leader", ScopeKind.DEPARTMENT, office["d2"].id, frozenset({PERMISSION})),)
    )
    [scoped] = rows(session, APRIL, principal=d2_only)
    assert (scoped["accepted_count"], scoped["completed_count"]) == (2, 1)


@pytest.fixture
def new_year_cases(session, office):
    a, L = office["a"].id, b.local
    # January 2025: 2 accepted, one completed on time. December 2025: 4 accepted, none completed.
    # January 2026: 3 accepted, two of them still open (due in February); two completed, both on time.
    # January 2025's open case stays open and overdue ever after.
    completed_case(session, L(2025, 1, 6, 9), L(2025, 1, 7, 9), matter_id=a, due_at=L(2025, 1, 10, 17, 30))
    accepted_case(session, L(2025, 1, 8, 9), matter_id=a, due_at=L(2025, 1, 22, 17, 30))
    for day in (1, 2, 3, 4):
        accepted_case(session, L(2025, 12, day, 9), matter_id=a, due_at=L(2026, 2, 27, 17, 30))
    # Wed 31 Dec 2025 16:30 -> Mon 5 Jan 2026 09:00 across 元旦 (1-3 Jan) and the make-up Sunday 4 Jan:
    # Wed 60 + Sun 4 Jan 450 + Mon 5 Jan 30 = 540 min = 1.2 working days. Accepted in December.
    completed_case(
        session, L(2025, 12, 31, 16, 30), L(2026, 1, 5, 9), matter_id=a, due_at=L(2026, 1, 16, 17, 30)
    )
    completed_case(session, L(2026, 1, 5, 10), L(2026, 1, 6, 10), matter_id=a, due_at=L(2026, 1, 19, 17, 30))
    accepted_case(session, L(2026, 1, 7, 10), matter_id=a, due_at=L(2026, 2, 20, 17, 30))
    accepted_case(session, L(2026, 1, 8, 10), matter_id=a, due_at=L(2026, 2, 20, 17, 30))
    session.commit()
    refresh_case_facts(session)
    session.commit()


def test_january_compares_with_december_and_last_january(session, new_year_cases):
    [january] = rows(session, buckets(date(2026, 1, 1), date(2026, 2, 1), Granularity.MONTH))
    assert january["period"] == "2026-01"
    # Accepted: Jan 2026 3, Dec 2025 5 (four plus the 31 December one), Jan 2025 2.
    assert january["accepted_count"] == 3
    assert january["accepted_count_pop"] == pytest.approx((3 - 5) / 5)
    assert january["accepted_count_yoy"] == pytest.approx((3 - 2) / 2)
    # Completed in January 2026: the 31 Dec case (A 1.2) and the 5 Jan one (Mon 10:00 -> Tue 10:00 = 450
    # min, A 1.0), both on time. December completed none: its rate has no divisor, the change is None.
    assert (january["completed_count"], january["on_time_rate"]) == (2, 1.0)
    assert missing(january["on_time_rate_pop"])
    assert january["on_time_rate_yoy"] == pytest.approx(0.0)  # January 2025: 1 of 1 on time
    assert january["mean_elapsed_days"] == pytest.approx((1.2 + 1.0) / 2)
    # Advance on L = 10: ((10 - 1.2) + (10 - 1.0)) / 20 = 0.89; January 2025: (10 - 1)/10 = 0.9 (Mon 6 Jan
    # 09:00 -> Tue 09:00 = 420 + 30 = 450 min, A 1.0) -> 同比 -0.01 points.
    assert january["actual_advance_rate"] == pytest.approx(0.89)
    assert january["actual_advance_rate_yoy"] == pytest.approx(0.89 - 0.9)
    # January 2025's open case (due 22 Jan 2025) is overdue at the end of that month and of every
    # month after: 1 at the end of December and 1 at the end of January 2026.
    assert (january["overdue_open"], january["overdue_count_pop"], january["overdue_count_yoy"]) == (
        1,
        0.0,
        0.0,
    )


def test_year_compares_with_the_year_before(session, new_year_cases):
    [year] = rows(session, [Period(date(2026, 1, 1), date(2027, 1, 1), Granularity.YEAR)])
    # 2025 accepted 2 + 5 = 7; 2026 accepted 3. 环比 and 同比 of a year are both 2025.
    assert year["accepted_count"] == 3
    assert year["accepted_count_pop"] == pytest.approx((3 - 7) / 7)
    assert year["accepted_count_yoy"] == pytest.approx((3 - 7) / 7)


@pytest.fixture
def busy_matters(session, office):
    d1 = office["d1"].id
    matters = [b.matter(session, department_id=d1, name=f"高频事项{i}") for i in range(4)]
    other = b.matter(session, department_id=office["d2"].id, name="他部门事项")
    person = b.citizen(session).id  # one applicant: the builder has only 28 distinct ID numbers
    # Cases accepted in April 2025: m0 6, m1 2, m2 1, m3 1 (10 in D1); 5 in D2; m0 also 3 in May.
    for matter, count in zip(matters, (6, 2, 1, 1), strict=True):
        for i in range(count):
            accepted_case(session, b.local(2025, 4, 7 + i, 10), matter_id=matter.id, citizen_id=person)
    for i in range(5):
        accepted_case(session, b.local(2025, 4, 7 + i, 11), matter_id=other.id, citizen_id=person)
    for i in range(3):
        accepted_case(session, b.local(2025, 5, 6 + i, 10), matter_id=matters[0].id, citizen_id=person)
    session.commit()
    refresh_case_facts(session)
    session.commit()
    return matters


def test_high_frequency_matters_top_and_eighty_percent(session, busy_matters, office):
    m0, m1, m2, m3 = (m.id for m in busy_matters)
    ranked = high_frequency_matters(session, APRIL[0], {"department": office["d1"].id}, top=3)
    # D1 in April: 10 cases. Cumulative 6, 8, 9, 10: shares 0.6 0.2 0.1 0.1. Covering 80 %: m0 (0 before)
    # and m1 (6 before < 8); m2 has 8 before. Top 3: m0 m1 m2 (m2 before m3 on the tie, by id).
    assert [(r.matter_id, r.accepted_count, r.rank) for r in ranked] == [(m0, 6, 1), (m1, 2, 2), (m2, 1, 3)]
    assert [r.cumulative_share for r in ranked] == pytest.approx([0.6, 0.8, 0.9])
    assert [(r.in_top, r.in_coverage) for r in ranked] == [(True, True), (True, True), (True, False)]
    assert ranked[0].name == "高频事项0"
    # Top 1 alone: the 80 % set still brings m1 in.
    assert [
        r.matter_id for r in high_frequency_matters(session, APRIL[0], {"department": office["d1"].id}, top=1)
    ] == [
        m0,
        m1,
    ]
    # Without the filter: 15 cases, the other department's matter (5) ranks second; 80 % = 12 cases:
    # m0 (0 before), other (6), m1 (11 < 12) are in; m2 (13 before) is not.
    everything = high_frequency_matters(session, APRIL[0], top=1)
    assert [r.accepted_count for r in everything if r.in_coverage] == [6, 5, 2]


def test_high_frequency_matters_rejects_an_unknown_filter(session, office):
    with pytest.raises(InvalidParameterError):
        high_frequency_matters(session, APRIL[0], {"colour": "red"})


def test_served_by_the_analytics_route_with_the_cases_behind_overdue_open(session, april_cases, auth_headers):
    client = TestClient(create_app(), headers=auth_headers("leader"))
    april = {"granularity": "month", "from": "2025-04-01", "to": "2025-05-01"}
    response = client.get("/api/v1/analytics/cases", params=april)
    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    assert (row["accepted_count"], row["overdue_count"], row["actual_advance_rate"]) == (7, 3, -0.025)
    response = client.get(
        "/api/v1/analytics/cases", params={**april, "by": "cases", "indicator": "overdue_open"}
    )
    assert [item["case_id"] for item in response.json()["items"]] == [april_cases["c5"].id]
