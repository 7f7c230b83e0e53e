"""The pipeline on the database: GROUP BY aggregates, portraits and tag rows written, incremental runs."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core_app.analytics.models import AnalyticsState
from core_app.cases.models import Case, CaseStatus
from core_app.portraits.models import Portrait, PortraitTag, SubjectType
from core_app.portraits.service import FULL_STATE_NAME, STATE_NAME, build_portraits, run_portraits
from features.portraits import Thresholds
from tests.portraits.conftest import NOW


def portrait(session, kind: SubjectType, subject_id: int) -> Portrait:
    session.expire_all()
    return session.scalar(
        select(Portrait).where(Portrait.subject_type == kind, Portrait.subject_id == subject_id)
    )


def stamps(session) -> dict[tuple[str, int], object]:
    session.expire_all()
    rows = session.execute(select(Portrait.subject_type, Portrait.subject_id, Portrait.computed_at)).all()
    return {(kind.value, subject_id): at for kind, subject_id, at in rows}


def test_a_full_build_portrays_every_subject_from_the_records(session, district):
    report = build_portraits(session, full=True, now=NOW)
    session.commit()
    assert report.full and not report.skipped
    assert report.rows == {"enterprise": 1, "citizen": 1, "staff": 2, "window": 1}
    firm = portrait(session, SubjectType.ENTERPRISE, district.enterprise.id)
    f = firm.features
    # c1 completed, c2 accepted and c3 received (both open); the invalid review of c2 does not count.
    assert (f["cases"], f["matters_done"], f["distinct_matters"], f["pending_cases"]) == (3, 1, 3, 2)
    assert (f["cases_90d"], f["cases_365d"], f["reviews"], f["good_rate"], f["bad_reviews"]) == (
        3,
        3,
        1,
        1.0,
        0,
    )
    assert f["channel_shares"] == {"window": 0.3333, "pc_web": 0.0, "mobile_app": 0.6667, "self_service": 0.0}
    # The ticket of c3 is the enterprise's through its case; the event and the consultation by its id.
    assert (f["tickets"], f["consultations"], f["events_reported"], f["events_satisfaction_rate"]) == (
        1,
        1,
        1,
        1.0,
    )
    # Latest contact: the consultation of 20 Nov 09:00, 3 days 21 hours before NOW.
    assert (f["last_contact_on"], f["days_since_last_contact"]) == ("2026-11-20", 3)
    assert (f["size_class"], f["life_stage"], f["exit_cases"], f["industry_section"]) == (
        "small",
        "exiting",
        1,
        "I",
    )
    assert firm.tags == ["prefers_mobile", "has_pending", "exiting"]
    # recency 1 - 3/365, frequency 3/12 (an enterprise), breadth 3/5, digital 2/3:
    # 100 x (0.4 x 0.99178 + 0.3 x 0.25 + 0.12 + 0.06667) = 65.8
    assert firm.score == pytest.approx(65.8)
    assert firm.as_of == NOW


def test_citizen_visits_tickets_and_events_come_through_their_links(session, district):
    build_portraits(session, full=True, now=NOW)
    session.commit()
    person = portrait(session, SubjectType.CITIZEN, district.citizen.id)
    f = person.features
    # Tickets: the first visit (ID swiped), the second (only through the case), the missed one.
    assert (f["tickets"], f["missed_tickets"], f["tickets_per_case"], f["repeat_cases"]) == (3, 1, 2.0, 1)
    assert (f["cases"], f["matters_done"], f["pending_cases"], f["preferred_channel"]) == (3, 2, 1, "pc_web")
    assert (f["events_reported"], f["events_dissatisfied"], f["age_band"]) == (1, 1, "60_plus")
    assert person.tags == ["prefers_web", "has_pending", "dissatisfied", "elderly", "repeat_visitor"]
    # recency 1 - 3/365 (c6, 20 Nov 10:00), frequency 3/5, breadth 2/5, digital 2/3 -> 72.3
    assert person.score == pytest.approx(72.3)
    tags = session.scalars(
        select(PortraitTag.tag).where(
            PortraitTag.subject_type == SubjectType.CITIZEN, PortraitTag.subject_id == district.citizen.id
        )
    ).all()
    assert sorted(tags) == sorted(person.tags)


def test_staff_and_window_figures_come_from_the_case_mart_and_the_queue(session, district):
    build_portraits(session, full=True, now=NOW, thresholds=Thresholds(min_cases_for_rate=3))
    session.commit()
    s1 = portrait(session, SubjectType.STAFF, district.s1.id).features
    # A: c1 Mon 09:10 -> 13:30 = 170 min = 0.3778; c4 Tue 09:10 -> Wed 09:10 = 410 + 40 = 450 min = 1.0;
    # c5 Mon 09:10 -> Wed 09:10 = 410 + 450 + 40 = 900 min = 2.0. Mean 1.1259, median 1.0.
    assert (s1["cases_handled"], s1["median_elapsed_days"]) == (3, 1.0)
    assert s1["mean_elapsed_days"] == pytest.approx(1.1259)
    # c4 was completed on Wednesday, after its due time on Tuesday: 2 of 3 on time.
    assert (s1["on_time_rate"], s1["reviews"], s1["good_rate"], s1["distinct_matters"]) == (0.6667, 1, 1.0, 3)
    s2 = portrait(session, SubjectType.STAFF, district.s2.id).features
    # Served tickets of 10, 8 and 5 minutes; two window cases received.
    assert (s2["cases_received"], s2["tickets_served"], s2["window_ids"]) == (2, 3, [district.window.id])
    assert s2["mean_service_minutes"] == pytest.approx(7.6667)
    # Workload in the department: s1 3 (handled), s2 2 + 3 = 5 -> 0 and 1.
    assert (s1["workload_percentile"], s2["workload_percentile"]) == (0.0, 1.0)
    # s1 score: on time 2/3 (3 >= 3 cases), speed 0.5 (alone among the ranked), no good-rate part (1 review),
    # workload 0: (0.35 x 0.6667 + 0.25 x 0.5) / 0.75 = 0.47778
    assert portrait(session, SubjectType.STAFF, district.s1.id).score == pytest.approx(47.8)
    window = portrait(session, SubjectType.WINDOW, district.window.id).features
    # Waits 5, 10, 5 (missed) and 8 minutes; served on 3 days; c3 and c4 received, c4 late.
    assert (window["tickets_served"], window["tickets_missed"], window["active_days"]) == (3, 1, 3)
    assert (window["mean_wait_minutes"], window["cases_received"], window["on_time_rate"]) == (7.0, 2, 0.0)
    assert (window["matters_offered"], window["heat"]) == (2, 1.0)
    assert window["load"] == pytest.approx(23 / (3 * 450), abs=1e-4)


def test_an_incremental_run_portrays_only_the_subject_whose_case_changed(session, district):
    build_portraits(session, full=True, now=NOW)
    session.commit()
    before = stamps(session)
    case = session.get(Case, district.cases["c2"].id)
    case.status, case.completed_at = CaseStatus.COMPLETED, NOW - timedelta(days=1)
    session.commit()
    report = build_portraits(session, now=NOW)
    session.commit()
    # The enterprise again; the citizen not; staff and windows always (they rank against each other).
    assert not report.full and report.rows == {"enterprise": 1, "citizen": 0, "staff": 2, "window": 1}
    after = stamps(session)
    firm = ("enterprise", district.enterprise.id)
    assert after[firm] > before[firm]
    assert after[("citizen", district.citizen.id)] == before[("citizen", district.citizen.id)]
    f = portrait(session, SubjectType.ENTERPRISE, district.enterprise.id).features
    assert (f["matters_done"], f["pending_cases"]) == (2, 1)


def test_nothing_changed_means_nothing_rewritten(session, district):
    build_portraits(session, full=True, now=NOW)
    session.commit()
    before = stamps(session)
    report = build_portraits(session, now=NOW)
    session.commit()
    assert report.skipped and report.rows == {"enterprise": 0, "citizen": 0, "staff": 0, "window": 0}
    assert stamps(session) == before


def test_a_new_applicant_gets_a_portrait_at_the_next_incremental_run(session, district):
    from tests.api import builders as b

    build_portraits(session, full=True, now=NOW)
    session.commit()
    newcomer = b.citizen(session, birth_year=2001)
    session.commit()
    report = build_portraits(session, now=NOW)
    session.commit()
    assert report.rows["citizen"] == 1
    assert portrait(session, SubjectType.CITIZEN, newcomer.id).tags == ["dormant"]


def test_the_scheduler_job_rebuilds_in_full_first_and_then_incrementally(session, district):
    first = run_portraits(session, now=NOW)
    assert first.full
    assert session.get(AnalyticsState, FULL_STATE_NAME).refreshed_at is not None
    assert session.get(AnalyticsState, STATE_NAME).rows == 5
    second = run_portraits(session, now=NOW)
    assert not second.full and second.skipped
    assert session.scalar(select(func.count()).select_from(Portrait)) == 5
