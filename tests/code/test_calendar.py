"""Work calendar: chinese-calendar seeding, admin overrides, and the fallback after 2026."""

import logging
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from core_app.config import LOCAL_TZ
from core_app.org.calendar import WorkCalendar, parse_intervals, seed_calendar_years
from core_app.org.models import CalendarSource, WorkCalendarDay


@pytest.fixture
def calendar(session) -> WorkCalendar:
    seed_calendar_years(session, [2025, 2026])
    session.commit()
    return WorkCalendar.load(session)


def test_holidays_and_makeup_days_from_chinese_calendar(calendar: WorkCalendar) -> None:
    assert not calendar.is_workday(date(2026, 10, 1))  # National Day, a Thursday
    assert calendar.is_workday(date(2026, 2, 14))  # Saturday make-up day before Spring Festival
    assert calendar.is_workday(date(2026, 3, 2))
    assert not calendar.is_workday(date(2026, 3, 1))  # plain Sunday


def test_vectorised_workdays_agree_with_day_by_day(calendar: WorkCalendar) -> None:
    days = calendar.workdays(date(2026, 1, 1), date(2026, 12, 31))
    expected = [
        d
        for d in (
            date(2026, 1, 1).fromordinal(o)
            for o in range(date(2026, 1, 1).toordinal(), date(2027, 1, 1).toordinal())
        )
        if calendar.is_workday(d)
    ]
    assert [d.item() for d in days] == expected
    assert 240 < len(expected) < 255


def test_add_working_days_skips_the_spring_festival(calendar: WorkCalendar) -> None:
    # 2026-02-13 is the last working day before the holiday; the 14th is a make-up Saturday.
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert calendar.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert calendar.add_working_days(date(2026, 2, 15), 0) == date(2026, 2, 24)


def test_years_after_the_library_fall_back_with_a_warning(calendar: WorkCalendar, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        assert calendar.is_workday(date(2027, 1, 4))
        assert not calendar.is_workday(date(2027, 1, 9))
        calendar.add_working_days(date(2026, 12, 30), 3)
    assert sum("2027" in r.message for r in caplog.records) == 1


def test_admin_entries_answer_for_later_years_and_survive_reseeding(session) -> None:
    session.add(
        WorkCalendarDay(day=date(2027, 1, 1), is_workday=False, name="元旦", source=CalendarSource.ADMIN)
    )
    session.add(
        WorkCalendarDay(day=date(2026, 12, 31), is_workday=False, name="调整", source=CalendarSource.ADMIN)
    )
    session.commit()
    seed_calendar_years(session, [2026, 2027])
    session.commit()
    calendar = WorkCalendar.load(session)
    assert 2027 in calendar.known_years
    assert not calendar.is_workday(date(2027, 1, 1))
    assert not calendar.is_workday(date(2026, 12, 31))
    assert session.scalar(select(func.count()).where(WorkCalendarDay.day == date(2026, 12, 31))) == 1


def test_working_minutes_count_only_intervals_on_working_days(calendar: WorkCalendar) -> None:
    friday_afternoon = datetime(2026, 3, 6, 16, 0, tzinfo=LOCAL_TZ)
    monday_morning = datetime(2026, 3, 9, 9, 0, tzinfo=LOCAL_TZ)
    assert calendar.working_minutes(friday_afternoon, monday_morning) == 90 + 30
    assert calendar.minutes_per_day == 450
    assert calendar.working_minutes(monday_morning, friday_afternoon) == 0


def test_bad_intervals_are_rejected() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_intervals("12:00-08:30")
