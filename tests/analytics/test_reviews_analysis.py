"""好差评 analysis (DOMAIN §4.4): reviews, levels, appeals, rectifications, rates, 环比/同比, rankings."""

from datetime import date

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from core_app.access.models import ScopeKind
from core_app.access.principal import Grant, Principal
from core_app.analytics.engine import PERMISSION, Query, compute
from core_app.analytics.facts import refresh_case_facts
from core_app.analytics.periods import Granularity, Period, buckets
from core_app.analytics.reviews import ANALYSIS, ranking
from core_app.api.app import create_app
from core_app.cases.models import AppealDecision, CaseStatus, Rectification, ReviewAppeal, ReviewRound
from tests.api import builders as b

JANUARY_2026 = buckets(date(2026, 1, 1), date(2026, 2, 1), Granularity.MONTH)


def department_grant(department_id: int) -> Principal:
    grant = Grant("dept_admin", ScopeKind.DEPARTMENT, department_id, frozenset({PERMISSION}))
    return Principal(username="dept-admin", grants=(grant,))


def one_row(frame, **keys):
    rows = frame
    for name, value in keys.items():
        rows = rows[rows[name] == value]
    assert len(rows) == 1, f"expected one row for {keys}, got {len(rows)}"
    return rows.iloc[0]


@pytest.fixture
def hall_reviews(session):
    """Two departments' reviews, appeals and rectifications in Jan 2025, Dec 2025 and Jan 2026.

    Department A (staff s_a handles and is reviewed on every case of A):
      Jan 2026  r1 level 5, r2 level 4 (not active), r3 level 2, r4 level 1 invalid (appeal upheld),
                r5 level 3 second round of r3's case; cases c1, c2, c3 (completed 1 Jan 07:00, which is
                still 31 Dec in UTC), plus two completed cases without reviews -> 5 completed.
      Dec 2025  r7 level 5, r8 level 2; cases c4 (r4's, completed 31 Dec 23:30), c7, c8 -> 3 completed.
      Jan 2025  r9 level 4; case c9 -> 1 completed.
    Department B: Jan 2026 r6 level 1 on a case still open (no completed case).
    """
    a, b_dept = b.department(session, name="市场监管局"), b.department(session, name="人社局")
    matter_a = b.matter(session, department_id=a.id, name="食品经营许可")
    matter_b = b.matter(session, department_id=b_dept.id, name="社保登记")
    s_a = b.staff(session, department_id=a.id)
    person = b.citizen(session)

    def completed_case(matter, when):
        return b.case(
            session,
            matter_id=matter.id,
            citizen_id=person.id,
            handler_staff_id=s_a.id,
            status=CaseStatus.COMPLETED,
            submitted_at=b.local(2024, 12, 2),
            completed_at=when,
        )

    def review(of_case, level, when, **fields):
        staff_id = s_a.id if of_case.department_id == a.id else None
        return b.review(
            session,
            of_case=of_case,
            level=level,
            is_good=level >= 3,
            reviewed_at=when,
            staff_id=staff_id,
            **fields,
        )

    c1 = completed_case(matter_a, b.local(2026, 1, 5, 10))
    c2 = completed_case(matter_a, b.local(2026, 1, 6, 10))
    c3 = completed_case(matter_a, b.local(2026, 1, 1, 7))
    completed_case(matter_a, b.local(2026, 1, 20, 10))
    completed_case(matter_a, b.local(2026, 1, 31, 23, 50))
    c4 = completed_case(matter_a, b.local(2025, 12, 31, 23, 30))
    c7 = completed_case(matter_a, b.local(2025, 12, 3, 10))
    c8 = completed_case(matter_a, b.local(2025, 12, 4, 10))
    c9 = completed_case(matter_a, b.local(2025, 1, 10, 10))
    c6 = b.case(session, matter_id=matter_b.id, citizen_id=person.id, submitted_at=b.local(2025, 12, 29))

    review(c1, 5, b.local(2026, 1, 5, 11))
    review(c2, 4, b.local(2026, 1, 6, 11), is_active=False)
    r3 = review(c3, 2, b.local(2026, 1, 2, 9))
    r4 = review(c4, 1, b.local(2026, 1, 2, 10), is_valid=False)
    review(c3, 3, b.local(2026, 1, 25, 9), round=ReviewRound.SECOND)
    r6 = review(c6, 1, b.local(2026, 1, 8, 9))
    review(c7, 5, b.local(2025, 12, 3, 11))
    r8 = review(c8, 2, b.local(2025, 12, 4, 11))
    review(c9, 4, b.local(2025, 1, 10, 11))

    session.add_all(
        [
            # Jan 2026 (A): r4's appeal, upheld. Dec 2025 (A): r8's. B's appeal on 1 Feb 00:30 local
            # (31 Jan 16:30 UTC) belongs to February.
            ReviewAppeal(
                review_id=r4.id,
                reason="误评",
                submitted_at=b.local(2026, 1, 5),
                decision=AppealDecision.UPHELD,
            ),
            ReviewAppeal(review_id=r8.id, reason="误评", submitted_at=b.local(2025, 12, 20)),
            ReviewAppeal(review_id=r6.id, reason="误评", submitted_at=b.local(2026, 2, 1, 0, 30)),
            # A: due 20 Jan, done 18 Jan (on time); due 10 Jan, done 12 Jan (late); due and done in Dec.
            Rectification(
                review_id=r3.id,
                department_id=a.id,
                deadline_at=b.local(2026, 1, 20, 17, 30),
                completed_at=b.local(2026, 1, 18, 10),
            ),
            Rectification(
                review_id=r8.id,
                department_id=a.id,
                deadline_at=b.local(2026, 1, 10, 17, 30),
                completed_at=b.local(2026, 1, 12, 10),
            ),
            Rectification(
                review_id=r8.id,
                department_id=a.id,
                deadline_at=b.local(2025, 12, 28, 17, 30),
                completed_at=b.local(2025, 12, 27, 10),
            ),
            # B: due 25 Jan, still open.
            Rectification(review_id=r6.id, department_id=b_dept.id, deadline_at=b.local(2026, 1, 25, 17, 30)),
        ]
    )
    session.commit()
    refresh_case_facts(session)
    session.commit()
    return {"a": a, "b": b_dept, "matter_a": matter_a, "matter_b": matter_b, "staff": s_a}


def test_department_a_in_january_2026_with_changes_across_the_year_boundary(session, hall_reviews):
    a = hall_reviews["a"].id
    frame = compute(session, Query(ANALYSIS, JANUARY_2026, by=("department",))).frame
    row = one_row(frame, department=a)
    assert row["period"] == "2026-01"
    # Completed: c1, c2, c3 (1 Jan 07:00 local), and two without reviews (the one at 23:50 on 31 Jan too).
    assert row["case_count"] == 5
    # Valid: r1, r2, r3, r5 (r4 is invalid) = 4; active: r1, r3, r5 = 3; bad: r3 = 1; good (≥3): r1, r2, r5.
    assert (row["valid_review_count"], row["active_review_count"]) == (4, 3)
    assert (row["bad_review_count"], row["good_review_count"]) == (1, 3)
    assert (row["first_round_count"], row["second_round_count"]) == (3, 1)
    levels = [row[f"level_{n}_count"] for n in range(1, 6)]
    assert levels == [0, 1, 1, 1, 1]  # r4's level 1 is invalid
    assert row["review_rate"] == pytest.approx(4 / 5)
    assert row["good_rate"] == pytest.approx(3 / 4)
    # Appeals: r4's on 5 Jan. Rectified in Jan: 18 Jan and 12 Jan -> 2. Due in Jan: 20 Jan and 10 Jan,
    # on time only the first -> 1/2.
    assert (row["appeal_count"], row["rectified_count"]) == (1, 2)
    assert (row["rectification_due_count"], row["rectified_on_time_count"]) == (2, 1)
    assert row["on_time_rectification_rate"] == pytest.approx(0.5)

    # 环比 against Dec 2025: completed c4, c7, c8 = 3 -> (5-3)/3; valid r7, r8 = 2 -> (4-2)/2 = 1.0;
    # review rate 2/3 -> 0.8 - 0.6667 = +13.3 points; good rate 1/2 -> 0.75 - 0.5 = +25 points;
    # bad 1 -> 1: 0.0; on-time rate 1/1 -> 0.5 - 1.0 = -50 points.
    assert row["case_count_pop"] == pytest.approx(2 / 3)
    assert row["valid_review_count_pop"] == pytest.approx(1.0)
    assert row["review_rate_pop"] == pytest.approx(0.8 - 2 / 3)
    assert row["good_rate_pop"] == pytest.approx(0.25)
    assert row["bad_review_count_pop"] == pytest.approx(0.0)
    assert row["on_time_rectification_rate_pop"] == pytest.approx(-0.5)
    # 同比 against Jan 2025: c9 completed, r9 level 4 -> cases (5-1)/1 = 4.0, valid (4-1)/1 = 3.0,
    # review rate 1/1 -> -20 points, good rate 1/1 -> -25 points; no bad review then: zero divisor -> None;
    # nothing due then: the rate was undefined -> None.
    assert row["case_count_yoy"] == pytest.approx(4.0)
    assert row["valid_review_count_yoy"] == pytest.approx(3.0)
    assert row["review_rate_yoy"] == pytest.approx(-0.2)
    assert row["good_rate_yoy"] == pytest.approx(-0.25)
    assert pd.isna(row["bad_review_count_yoy"])  # shown as "—"
    assert pd.isna(row["on_time_rectification_rate_yoy"])  # shown as "—"


def test_department_b_has_no_completed_case_so_no_review_rate(session, hall_reviews):
    frame = compute(session, Query(ANALYSIS, JANUARY_2026, by=("department",))).frame
    row = one_row(frame, department=hall_reviews["b"].id)
    # r6 level 1: valid 1, bad 1, good 0 -> 0.0; its case is open -> case_count 0 -> review rate None.
    assert (row["valid_review_count"], row["bad_review_count"], row["case_count"]) == (1, 1, 0)
    assert row["good_rate"] == pytest.approx(0.0)
    assert pd.isna(row["review_rate"])  # shown as "—"
    # B's appeal was submitted on 1 Feb 00:30 local time: not January's.
    assert row["appeal_count"] == 0
    # Due 25 Jan, not done: 0/1. Nothing of B in December: 环比 of its good rate is undefined.
    assert row["on_time_rectification_rate"] == pytest.approx(0.0)
    assert pd.isna(row["good_rate_pop"])  # shown as "—"


def test_district_total_and_the_scope_of_a_department_grant(session, hall_reviews):
    total = compute(session, Query(ANALYSIS, JANUARY_2026)).frame.iloc[0]
    # A + B: valid 4 + 1 = 5, bad 1 + 1 = 2, good 3 + 0 = 3 -> 0.6; cases 5 + 0 -> review rate 1.0;
    # due 2 + 1 = 3, on time 1 -> 1/3.
    assert (total["valid_review_count"], total["bad_review_count"], total["case_count"]) == (5, 2, 5)
    assert total["good_rate"] == pytest.approx(0.6)
    assert total["review_rate"] == pytest.approx(1.0)
    assert total["on_time_rectification_rate"] == pytest.approx(1 / 3)

    seen_by_b = compute(session, Query(ANALYSIS, JANUARY_2026), department_grant(hall_reviews["b"].id))
    row = seen_by_b.frame.iloc[0]
    assert (row["valid_review_count"], row["case_count"], row["appeal_count"]) == (1, 0, 0)
    assert (row["rectification_due_count"], row["rectified_count"]) == (1, 0)


def test_staff_filter_matches_reviews_and_handled_cases(session, hall_reviews):
    query = Query(ANALYSIS, JANUARY_2026, filters={"staff": hall_reviews["staff"].id})
    row = compute(session, query).frame.iloc[0]
    # s_a is the reviewed staff of A's reviews and the handler of A's 5 completed cases; B's r6 has none.
    assert (row["valid_review_count"], row["case_count"], row["bad_review_count"]) == (4, 5, 1)
    assert row["review_rate"] == pytest.approx(0.8)


def test_level_distribution_per_day(session, hall_reviews):
    days = buckets(date(2026, 1, 1), date(2026, 1, 8), Granularity.DAY)
    query = Query(ANALYSIS, days, filters={"department": hall_reviews["a"].id})
    frame = compute(session, query).frame.set_index("period")
    levels = frame[[f"level_{n}_count" for n in range(1, 6)]]
    # 2 Jan: r3 level 2 (r4 invalid); 5 Jan: r1 level 5; 6 Jan: r2 level 4; other days nothing.
    assert levels.loc["2026-01-02"].tolist() == [0, 1, 0, 0, 0]
    assert levels.loc["2026-01-05"].tolist() == [0, 0, 0, 0, 1]
    assert levels.loc["2026-01-06"].tolist() == [0, 0, 0, 1, 0]
    assert levels.drop(index=["2026-01-02", "2026-01-05", "2026-01-06"]).to_numpy().sum() == 0
    assert len(frame) == 7


def test_matter_ranking_with_a_low_threshold(session, hall_reviews):
    period = JANUARY_2026[0]
    ranked = ranking(session, period, by="matter", min_reviews=1)
    # Matter A: 3/4 good; matter B: 0/1.
    assert ranked["matter"].tolist() == [hall_reviews["matter_a"].id, hall_reviews["matter_b"].id]
    assert ranked["rank"].tolist() == [1, 2]
    assert ranked["matter_name"].tolist() == ["食品经营许可", "社保登记"]
    assert ranked["good_rate"].tolist() == pytest.approx([0.75, 0.0])
    # With the default threshold of 30 valid reviews neither is ranked.
    assert ranking(session, period, by="matter").empty


def test_department_ranking_needs_thirty_valid_reviews_and_ties_share_a_rank(session):
    # X: 30 valid, 27 good (0.9); Y: 30 valid, 27 good (0.9); Z: 31 valid, 30 good (0.968);
    # W: 29 valid, all good, but below the threshold; V: 30 reviews of which 2 invalid -> 28 valid, unranked.
    person = b.citizen(session)
    plan = {"X": (30, 27, 0), "Y": (30, 27, 0), "Z": (31, 30, 0), "W": (29, 29, 0), "V": (30, 30, 2)}
    departments = {}
    for name, (count, good, invalid) in plan.items():
        department = b.department(session, name=f"部门{name}")
        matter = b.matter(session, department_id=department.id)
        departments[name] = department.id
        for i in range(count):
            case = b.case(session, matter_id=matter.id, citizen_id=person.id)
            level = 5 if i < good else 1
            b.review(
                session,
                of_case=case,
                level=level,
                is_good=level >= 3,
                is_valid=i >= invalid,
                reviewed_at=b.local(2026, 3, 2, 9),
            )
    session.commit()
    ranked = ranking(session, Period(date(2026, 3, 1), date(2026, 4, 1), Granularity.MONTH))
    assert ranked["department"].tolist() == [departments["Z"], departments["X"], departments["Y"]]
    assert ranked["rank"].tolist() == [1, 2, 2]
    assert ranked["good_rate"].tolist() == pytest.approx([30 / 31, 0.9, 0.9])
    assert ranked["valid_review_count"].tolist() == [31, 30, 30]


def test_ranking_rejects_an_unknown_dimension(session):
    with pytest.raises(ValueError, match="department or matter"):
        ranking(session, JANUARY_2026[0], by="staff")


def test_records_behind_bad_reviews_appeals_and_on_time_rectifications(session, hall_reviews, auth_headers):
    client = TestClient(create_app(), headers=auth_headers("leader"))
    january = {"granularity": "month", "from": "2026-01-01", "to": "2026-02-01", "by": "cases"}

    def records(indicator: str) -> list[dict]:
        params = january | {"indicator": indicator, "department": str(hall_reviews["a"].id)}
        response = client.get("/api/v1/analytics/reviews", params=params)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    # A's bad review in January is r3 (level 2), its staff's name masked.
    (bad,) = records("bad_review_count")
    assert (bad["level"], bad["round"], bad["staff"]) == (2, "first", "王**")
    (appeal,) = records("appeal_count")
    assert (appeal["level"], appeal["decision"]) == (1, "upheld")
    # A rate lists its numerator's records: the rectification due 20 Jan and done on the 18th.
    (on_time,) = records("on_time_rectification_rate")
    assert on_time["on_time"] is True and on_time["deadline_at"].startswith("2026-01-20")
