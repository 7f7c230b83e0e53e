"""The case mart: working-time durations across weekends and holidays, town roll-up, incremental refresh."""

from datetime import date

import pytest
from sqlalchemy import select

from core_app.analytics.facts import refresh_case_facts
from core_app.analytics.models import CaseFact
from core_app.cases.models import CaseStatus, Channel, SourceSystem
from core_app.org.models import RegionLevel
from tests.api import builders as b


def fact(session, case_id: int) -> CaseFact:
    session.expire_all()
    return session.scalar(select(CaseFact).where(CaseFact.case_id == case_id))


@pytest.fixture
def holiday(session):
    # 2025-03-10 (a Monday) made a holiday by the admin; working hours 08:30-12:00, 13:30-17:30 (450 min).
    b.calendar_day(session, day=date(2025, 3, 10), is_workday=False, name="测试假日")
    session.commit()


def test_receipt_and_acceptance_minutes_skip_the_weekend_and_the_holiday(session, holiday):
    # Fri 7 March 16:30 -> Tue 11 March 09:00: Fri 16:30-17:30 = 60, Sat/Sun/Mon none, Tue 08:30-09:00 = 30.
    # Tuesday 09:00 -> Tuesday 14:00: 09:00-12:00 = 180, 13:30-14:00 = 30 -> 210.
    case = b.case(
        session,
        submitted_at=b.local(2025, 3, 7, 16, 30),
        received_at=b.local(2025, 3, 11, 9),
        accepted_at=b.local(2025, 3, 11, 14),
    )
    session.commit()
    refresh_case_facts(session)
    row = fact(session, case.id)
    assert (row.receipt_minutes, row.acceptance_minutes) == (90, 210)
    assert row.is_no_rest is False


def test_elapsed_working_days_subtract_special_minutes(session, holiday):
    # Accepted Thu 6 March 10:00, completed Wed 12 March 10:00: Thu 10:00-17:30 = 390 (minus the 90 min
    # lunch break: 10:00-12:00 = 120, 13:30-17:30 = 240 -> 360), Fri 450, Mon holiday, Tue 450,
    # Wed 08:30-10:00 = 90 -> 1350 working minutes; special steps 450 -> 900 / 450 = 2.0 working days.
    case = b.case(
        session,
        status=CaseStatus.COMPLETED,
        submitted_at=b.local(2025, 3, 6, 9),
        accepted_at=b.local(2025, 3, 6, 10),
        completed_at=b.local(2025, 3, 12, 10),
        special_minutes=450,
    )
    session.commit()
    refresh_case_facts(session)
    assert fact(session, case.id).elapsed_days == pytest.approx(2.0)


def test_acceptance_on_a_saturday_is_a_no_rest_case_and_rejection_ends_the_acceptance_clock(session):
    saturday = b.case(session, submitted_at=b.local(2025, 3, 8, 9), accepted_at=b.local(2025, 3, 8, 9, 20))
    # Received Monday 17:00, rejected Tuesday 09:00: 30 + 30 = 60 working minutes.
    rejected = b.case(
        session,
        status=CaseStatus.REJECTED,
        submitted_at=b.local(2025, 3, 10, 16),
        received_at=b.local(2025, 3, 10, 17),
        accepted_at=None,
        rejected_at=b.local(2025, 3, 11, 9),
    )
    session.commit()
    refresh_case_facts(session)
    assert fact(session, saturday.id).is_no_rest is True
    assert fact(session, rejected.id).acceptance_minutes == 60
    assert fact(session, rejected.id).ended_at == b.local(2025, 3, 11, 9)


def test_keys_intake_source_and_town_roll_up(session):
    town = b.region(session, name="首南街道", level=RegionLevel.TOWN)
    village = b.region(session, name="日丽社区", level=RegionLevel.VILLAGE, parent_id=town.id)
    grid = b.region(session, name="第3网格", level=RegionLevel.GRID, parent_id=village.id)
    v1 = b.case(session, intake_region_id=grid.id, channel=Channel.WINDOW, source_system=SourceSystem.V1)
    app = b.case(session, intake_region_id=town.id, channel=Channel.MOBILE_APP)
    session.commit()
    refresh_case_facts(session)
    row = fact(session, v1.id)
    assert (row.intake_source, row.town_id, row.village_id) == ("window_v1", town.id, village.id)
    row = fact(session, app.id)
    assert (row.intake_source, row.town_id, row.village_id) == ("mobile_app", town.id, None)


def test_incremental_refresh_picks_up_changes_and_a_calendar_change_rebuilds(session):
    case = b.case(session, submitted_at=b.local(2025, 3, 4, 9), received_at=b.local(2025, 3, 4, 10))
    session.commit()
    assert refresh_case_facts(session).full is True
    session.commit()
    case.status = CaseStatus.COMPLETED
    case.completed_at = b.local(2025, 3, 5, 9)
    session.commit()
    report = refresh_case_facts(session)
    session.commit()
    assert report.full is False and report.rows == 1
    assert fact(session, case.id).status == CaseStatus.COMPLETED
    b.calendar_day(session, day=date(2025, 3, 4), is_workday=False, name="临时休息")
    session.commit()
    assert refresh_case_facts(session).full is True
    session.commit()
    # 4 March is now a holiday: received 10:00 that day counts as the end of 3 March, like submission.
    assert fact(session, case.id).receipt_minutes == 0


def test_a_ticket_linked_later_refreshes_its_case_visit_count(session):
    case = b.case(session)
    b.ticket(session, case_id=case.id)
    session.commit()
    refresh_case_facts(session)
    session.commit()
    assert fact(session, case.id).ticket_count == 1
    # The queue machine links a second ticket to the case afterwards: the case row itself is untouched.
    b.ticket(session, case_id=case.id)
    session.commit()
    assert refresh_case_facts(session).rows == 1
    session.commit()
    assert fact(session, case.id).ticket_count == 2
