"""服务对象 analysis (DOMAIN §4.7): distinct subjects served, cases per subject, repeat visits, consultations,
tickets, by applicant type, department and matter."""

from datetime import date

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from core_app.access.models import ScopeKind
from core_app.access.principal import Grant, Principal
from core_app.analytics import objects
from core_app.analytics.engine import PERMISSION, Query, compute
from core_app.analytics.facts import refresh_case_facts
from core_app.analytics.objects import ANALYSIS
from core_app.analytics.periods import Granularity, buckets
from core_app.api.app import create_app
from core_app.cases.models import ApplicantType, Channel, Consultation
from tests.api import builders as b

JANUARY_2026 = buckets(date(2026, 1, 1), date(2026, 2, 1), Granularity.MONTH)


def by_key(frame, key: str) -> dict:
    return {(None if pd.isna(k) else k): row for k, row in frame.set_index(key, drop=False).iterrows()}


@pytest.fixture
def served(session):
    """Departments A and B; citizens c1, c2, c3; enterprise e1 (c3 acts as its agent on k4).

    Cases received: Jan 2026  k1 c1 A (5 Jan), k2 c1 A (12 Jan), k3 c2 B (6 Jan), k4 e1 A (7 Jan),
                              k5 e1 B (1 Jan 07:00 local, still 31 Dec in UTC);
                    Dec 2025  k6 c3 A (31 Dec 23:30 local), k7 c1 A (8 Dec).
    Tickets: t1, t2 for k1 (two trips, window of A), t3 for k3 (window of B), t4 by c3 at B's window and
             never linked to a case (all Jan 2026); t5 for k7 (Dec 2025).
    Consultations: c1 on A's matter (3 Jan), e1 on B's (4 Jan), c2 on no matter (1 Jan 07:30 local);
                   c3 on A's matter on 31 Dec 23:00 local.
    """
    a, b_dept = b.department(session, name="市场监管局"), b.department(session, name="人社局")
    matter_a = b.matter(session, department_id=a.id)
    matter_b = b.matter(session, department_id=b_dept.id)
    c1, c2, c3 = b.citizen(session), b.citizen(session), b.citizen(session)
    e1 = b.enterprise(session)
    hall = b.hall(session)
    window_a = b.window(session, hall_id=hall.id, department_id=a.id)
    window_b = b.window(session, hall_id=hall.id, department_id=b_dept.id)

    def received(matter, when, **applicant):
        return b.case(session, matter_id=matter.id, submitted_at=when, received_at=when, **applicant)

    as_enterprise = {"enterprise_id": e1.id, "applicant_type": ApplicantType.ENTERPRISE}
    k1 = received(matter_a, b.local(2026, 1, 5, 9, 5), citizen_id=c1.id)
    received(matter_a, b.local(2026, 1, 12), citizen_id=c1.id)
    k3 = received(matter_b, b.local(2026, 1, 6), citizen_id=c2.id)
    received(matter_a, b.local(2026, 1, 7), citizen_id=c3.id, **as_enterprise)
    received(matter_b, b.local(2026, 1, 1, 7), **as_enterprise)
    received(matter_a, b.local(2025, 12, 31, 23, 30), citizen_id=c3.id)
    k7 = received(matter_a, b.local(2025, 12, 8), citizen_id=c1.id)

    def ticket(when, window, citizen, of_case=None):
        b.ticket(
            session,
            hall_id=hall.id,
            taken_at=when,
            window_id=window.id,
            citizen_id=citizen.id,
            case_id=of_case.id if of_case else None,
        )

    ticket(b.local(2026, 1, 5, 9), window_a, c1, k1)
    ticket(b.local(2026, 1, 5, 14), window_a, c1, k1)
    ticket(b.local(2026, 1, 6, 9), window_b, c2, k3)
    ticket(b.local(2026, 1, 9, 9), window_b, c3)
    ticket(b.local(2025, 12, 8, 9), window_a, c1, k7)

    def consultation(when, matter=None, **asker):
        session.add(
            Consultation(
                subject="怎么办理",
                matter_id=matter.id if matter else None,
                channel=Channel.WINDOW,
                asked_at=when,
                **asker,
            )
        )

    consultation(b.local(2026, 1, 3), matter_a, citizen_id=c1.id)
    consultation(b.local(2026, 1, 4), matter_b, enterprise_id=e1.id)
    consultation(b.local(2026, 1, 1, 7, 30), citizen_id=c2.id)
    consultation(b.local(2025, 12, 31, 23), matter_a, citizen_id=c3.id)
    session.commit()
    refresh_case_facts(session)
    session.commit()
    return {"a": a.id, "b": b_dept.id}


def test_district_total_in_january_2026_against_december(session, served):
    row = compute(session, Query(ANALYSIS, JANUARY_2026)).frame.iloc[0]
    # Received k1..k5 = 5; subjects: citizens c1, c2 and enterprise e1 = 3 (c3 only acted for e1) -> 5/3.
    assert (row["received_count"], row["subjects_served"]) == (5, 3)
    assert row["cases_per_subject"] == pytest.approx(5 / 3)
    # Cases with a ticket: k1 (2 tickets), k3 (1) -> repeat 1/2. Tickets t1..t4 = 4. Consultations 3.
    assert (row["ticketed_case_count"], row["repeat_visit_case_count"]) == (2, 1)
    assert row["repeat_visit_rate"] == pytest.approx(0.5)
    assert (row["ticket_count"], row["consultation_count"]) == (4, 3)
    # December: k6 c3, k7 c1 -> 2 received, 2 subjects, 1 per subject; k7 has one ticket -> rate 0.0;
    # 1 ticket, 1 consultation (31 Dec 23:00 local).
    assert row["received_count_pop"] == pytest.approx((5 - 2) / 2)
    assert row["subjects_served_pop"] == pytest.approx((3 - 2) / 2)
    assert row["cases_per_subject_pop"] == pytest.approx((5 / 3 - 1) / 1)
    assert row["repeat_visit_rate_pop"] == pytest.approx(0.5 - 0.0)  # points
    assert row["ticket_count_pop"] == pytest.approx((4 - 1) / 1)
    assert row["consultation_count_pop"] == pytest.approx((3 - 1) / 1)
    # Nothing a year before: 同比 undefined.
    assert pd.isna(row["subjects_served_yoy"]) and pd.isna(row["repeat_visit_rate_yoy"])


def test_distinct_subjects_per_department_do_not_add_up_to_the_total(session, served):
    rows = by_key(compute(session, Query(ANALYSIS, JANUARY_2026, by=("department",))).frame, "department")
    a, b_dept = rows[served["a"]], rows[served["b"]]
    # A: k1, k2 (c1), k4 (e1) -> 3 cases, 2 subjects; B: k3 (c2), k5 (e1) -> 2 cases, 2 subjects.
    # 2 + 2 = 4 > 3 in the district: e1 was served by both.
    assert (a["received_count"], a["subjects_served"], a["cases_per_subject"]) == (3, 2, 1.5)
    assert (b_dept["received_count"], b_dept["subjects_served"], b_dept["cases_per_subject"]) == (2, 2, 1.0)
    # Repeat visits: A k1 1/1, B k3 0/1. Tickets: A t1, t2; B t3 and t4 (t4 by its window: no case).
    assert (a["repeat_visit_rate"], b_dept["repeat_visit_rate"]) == (1.0, 0.0)
    assert (a["ticket_count"], b_dept["ticket_count"]) == (2, 2)
    # Consultations: A's matter 1, B's 1, and one about no matter, hence no department.
    assert (a["consultation_count"], b_dept["consultation_count"], rows[None]["consultation_count"]) == (
        1,
        1,
        1,
    )


def test_by_applicant_type(session, served):
    rows = by_key(
        compute(session, Query(ANALYSIS, JANUARY_2026, by=("applicant_type",))).frame, "applicant_type"
    )
    citizen, enterprise = rows["citizen"], rows["enterprise"]
    # Citizens: k1, k2, k3 by c1, c2 -> 3 cases, 2 subjects; enterprise: k4, k5 by e1 -> 2 cases, 1 subject.
    assert (citizen["received_count"], citizen["subjects_served"]) == (3, 2)
    assert (enterprise["received_count"], enterprise["subjects_served"]) == (2, 1)
    assert enterprise["cases_per_subject"] == pytest.approx(2.0)
    # Tickets are all citizens' (t4 has no case but a citizen took it); consultations: c1, c2 and e1.
    assert (citizen["ticket_count"], enterprise["ticket_count"]) == (4, 0)
    assert (citizen["consultation_count"], enterprise["consultation_count"]) == (2, 1)


def test_daily_subjects_in_few_periods_per_statement(session, served, monkeypatch):
    # Three periods per statement: the 7 days, their previous day and last year's 7 take 6 statements.
    monkeypatch.setattr(objects, "PERIODS_PER_STATEMENT", 3)
    days = buckets(date(2026, 1, 1), date(2026, 1, 8), Granularity.DAY)
    frame = compute(session, Query(ANALYSIS, days)).frame.set_index("period")
    # 1 Jan: k5 (e1); 5 Jan: k1 (c1); 6 Jan: k3 (c2); 7 Jan: k4 (e1); no case on the other days.
    expected = {"2026-01-01": 1, "2026-01-05": 1, "2026-01-06": 1, "2026-01-07": 1}
    assert frame["subjects_served"].to_dict() == {d.label: expected.get(d.label, 0) for d in days}
    # 1 Jan against 31 Dec (k6, c3): (1 - 1)/1 = 0.
    assert frame.loc["2026-01-01", "subjects_served_pop"] == pytest.approx(0.0)


def test_department_grant_sees_its_own_cases_tickets_and_consultations(session, served):
    grant = Grant("dept_admin", ScopeKind.DEPARTMENT, served["a"], frozenset({PERMISSION}))
    row = compute(session, Query(ANALYSIS, JANUARY_2026), Principal("a-admin", (grant,))).frame.iloc[0]
    # A: k1, k2, k4 -> 3 cases, 2 subjects; k1's two tickets at A's window; one consultation on A's matter.
    assert (row["received_count"], row["subjects_served"], row["ticket_count"]) == (3, 2, 2)
    assert (row["repeat_visit_rate"], row["consultation_count"]) == (1.0, 1)


def test_enterprise_filter(session, served):
    query = Query(ANALYSIS, JANUARY_2026, filters={"applicant_type": "enterprise"})
    row = compute(session, query).frame.iloc[0]
    # k4, k5 by e1; no ticket linked to them; e1's consultation.
    assert (row["received_count"], row["subjects_served"], row["ticket_count"]) == (2, 1, 0)
    assert row["consultation_count"] == 1
    assert pd.isna(row["repeat_visit_rate"])  # no case with a ticket: undefined


def test_records_behind_repeat_visits_consultations_and_tickets(session, served, auth_headers):
    client = TestClient(create_app(), headers=auth_headers("leader"))
    january = {"granularity": "month", "from": "2026-01-01", "to": "2026-02-01", "by": "cases"}

    def records(indicator: str, **filters) -> list[dict]:
        response = client.get(
            "/api/v1/analytics/objects", params=january | {"indicator": indicator} | filters
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]

    # The repeat visit: k1, received 5 Jan 09:05.
    (repeat,) = records("repeat_visit_rate")
    assert repeat["received_at"] == "2026-01-05T09:05:00+08:00"
    assert len(records("consultation_count")) == 3
    # B's tickets: t3 for k3 and t4 with no case, newest first.
    tickets = records("ticket_count", department=str(served["b"]))
    assert [t["taken_at"][:10] for t in tickets] == ["2026-01-09", "2026-01-06"]
    assert tickets[0]["case_no"] is None and tickets[1]["case_no"] is not None
    # Distinct subjects are not a count of records: no list behind them.
    response = client.get("/api/v1/analytics/objects", params=january | {"indicator": "subjects_served"})
    assert response.status_code == 422
