"""Which limits an event gets (category row, ancestor, default row, built-in 153024) and how deadlines
are counted on the natural and the working clock (weekends, public holidays, make-up workdays)."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core_app.config import LOCAL_TZ
from core_app.events.models import Complexity, EventCategory, SlaClock
from core_app.org.calendar import WorkCalendar, seed_calendar_years
from core_app.sla import service
from core_app.sla.models import SlaPolicy, SlaTimer, TimerKind, TimerStatus
from core_app.supervision.models import SupervisionKind
from tests.sla import factories as f
from tests.sla.factories import T0

HOLIDAY_EVE = datetime(2026, 9, 30, 10, 0, tzinfo=LOCAL_TZ)  # Wednesday before National Day (Oct 1-7)


def _category(session, code: str, parent: EventCategory | None = None) -> EventCategory:
    row = EventCategory(code=code, name=code, parent_id=parent.id if parent else None)
    session.add(row)
    session.flush()
    return row


def _timer(session, kind=TimerKind.HANDLE, *, at=T0, complexity=Complexity.SIMPLE, category_id=None):
    dept = f.department(session)
    event = f.event(session, department_id=dept.id, complexity=complexity, category_id=category_id)
    assignment = f.assignment(session, event, dept.id, at=at)
    return service.start_timer(session, assignment, kind, at), assignment


def test_built_in_153024_without_any_policy_row(session) -> None:
    sign, _ = _timer(session, TimerKind.SIGN)
    simple, _ = _timer(session, TimerKind.HANDLE)
    complex_, _ = _timer(session, TimerKind.HANDLE, complexity=Complexity.COMPLEX)
    assert sign.due_at == T0 + timedelta(minutes=15)
    assert simple.due_at == T0 + timedelta(minutes=30)
    assert complex_.due_at == T0 + timedelta(hours=24)
    _, steps = service.decode_schedule(complex_.schedule)
    assert [(s.kind, s.at - T0) for s in steps] == [
        (SupervisionKind.REMIND, timedelta(hours=12)),
        (SupervisionKind.REMIND, timedelta(hours=19, minutes=12)),
        (SupervisionKind.URGE, timedelta(hours=24)),
        (SupervisionKind.SUPERVISE, timedelta(hours=36)),
    ]


def test_category_row_then_ancestor_then_default_row(session) -> None:
    root = _category(session, "C1")
    leaf = _category(session, "C1-1", root)
    other = _category(session, "C2")
    session.add_all(
        [
            SlaPolicy(category_id=None, complexity=Complexity.SIMPLE, sign_minutes=20, handle_minutes=60),
            SlaPolicy(category_id=root.id, complexity=Complexity.SIMPLE, sign_minutes=10, handle_minutes=45),
            SlaPolicy(
                category_id=root.id,
                complexity=Complexity.COMPLEX,
                handle_minutes=600,
                reminder_ratios="0.25,0.5,0.75",
                supervise_ratio=2,
            ),
        ]
    )
    session.flush()
    assert _timer(session, category_id=leaf.id)[0].due_at == T0 + timedelta(minutes=45)  # inherited
    assert _timer(session, TimerKind.SIGN, category_id=root.id)[0].due_at == T0 + timedelta(minutes=10)
    assert _timer(session, category_id=other.id)[0].due_at == T0 + timedelta(minutes=60)  # default row
    assert _timer(session)[0].due_at == T0 + timedelta(minutes=60)
    # No default row for complex events: the leaf's ancestor row, with three reminders and 督办 at 200 %.
    timer, _ = _timer(session, complexity=Complexity.COMPLEX, category_id=leaf.id)
    _, steps = service.decode_schedule(timer.schedule)
    assert [s.at - T0 for s in steps] == [timedelta(minutes=m) for m in (150, 300, 450, 600, 1200)]
    # Without any complex row at all, the built-in 24 h.
    assert _timer(session, complexity=Complexity.COMPLEX)[0].due_at == T0 + timedelta(hours=24)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reminder_ratios": "0.8"}, "reminder_ratios"),
        ({"reminder_ratios": "0.5,0.5"}, "reminder_ratios"),
        ({"reminder_ratios": "0.5,1.0"}, "reminder_ratios"),
        ({"reminder_ratios": "half,most"}, "reminder_ratios"),
        ({"supervise_ratio": 1.0}, "supervise_ratio"),
        ({"sign_minutes": 0}, "sign_minutes"),
    ],
)
def test_a_policy_that_cannot_drive_a_timer_is_rejected(session, changes, field) -> None:
    session.add(SlaPolicy(category_id=None, complexity=Complexity.SIMPLE, **changes))
    session.flush()
    with pytest.raises(service.InvalidSlaPolicy) as refused:
        _timer(session)
    assert refused.value.field == field


def test_working_days_count_across_a_weekend_and_national_day(session) -> None:
    seed_calendar_years(session, [2026])
    session.add(SlaPolicy(category_id=None, complexity=Complexity.COMPLEX, handle_working_days=3))
    session.flush()
    timer, assignment = _timer(session, at=HOLIDAY_EVE, complexity=Complexity.COMPLEX)
    # Oct 1-7 are holidays (Oct 3-4 also a weekend); Oct 8 Thu, Oct 9 Fri, Oct 10 Sat (make-up workday).
    due = datetime(2026, 10, 10, 17, 30, tzinfo=LOCAL_TZ)
    assert timer.due_at == due == assignment.handle_due_at
    working, steps = service.decode_schedule(timer.schedule)
    assert working
    calendar = WorkCalendar.load(session)
    total = calendar.working_minutes(HOLIDAY_EVE, due)
    assert total == 6 * 60 + 3 * 450  # rest of Sep 30, then three full working days
    reminder = steps[0].at
    assert calendar.working_minutes(HOLIDAY_EVE, reminder) == total // 2
    assert reminder == datetime(2026, 10, 9, 9, 15, tzinfo=LOCAL_TZ)  # never inside the holiday
    assert steps[2].at == due
    assert steps[3].at == datetime(2026, 10, 13, 16, 45, tzinfo=LOCAL_TZ)  # 150 %: 1.5 x 1710 working min


def test_working_clock_sign_off_skips_the_night_and_the_holiday(session) -> None:
    seed_calendar_years(session, [2026])
    session.add(SlaPolicy(category_id=None, complexity=Complexity.SIMPLE, clock=SlaClock.WORKING))
    session.flush()
    at = datetime(2026, 9, 30, 17, 25, tzinfo=LOCAL_TZ)
    timer, assignment = _timer(session, TimerKind.SIGN, at=at)
    assert timer.due_at == datetime(2026, 10, 8, 8, 40, tzinfo=LOCAL_TZ) == assignment.sign_due_at


def test_working_clock_pause_counts_only_working_time(session) -> None:
    seed_calendar_years(session, [2026])
    session.add(SlaPolicy(category_id=None, complexity=Complexity.SIMPLE, clock=SlaClock.WORKING))
    session.flush()
    timer, assignment = _timer(session, at=HOLIDAY_EVE)  # 30 working minutes: due 10:30
    assert timer.due_at == HOLIDAY_EVE + timedelta(minutes=30)
    service.pause_timers(session, assignment.id, HOLIDAY_EVE + timedelta(minutes=10))
    assert timer.status == TimerStatus.PAUSED and timer.next_fire_at is None
    service.resume_timers(session, assignment.id, datetime(2026, 10, 8, 9, 0, tzinfo=LOCAL_TZ))
    # 20 working minutes were left at the pause; they are left again from the resumption.
    assert timer.due_at == datetime(2026, 10, 8, 9, 20, tzinfo=LOCAL_TZ) == assignment.handle_due_at
    # Suspended: the rest of Sep 30 (10:10-12:00, 13:30-17:30) and Oct 8 08:30-09:00, in working minutes.
    assert assignment.suspended_minutes == 110 + 240 + 30


def test_restarting_a_timer_replaces_the_old_one(session) -> None:
    timer, assignment = _timer(session, TimerKind.SIGN)
    again = service.start_timer(session, assignment, TimerKind.SIGN, T0 + timedelta(minutes=5))
    session.flush()
    statuses = dict(session.execute(select(SlaTimer.id, SlaTimer.status)).all())
    assert statuses == {timer.id: TimerStatus.CANCELLED, again.id: TimerStatus.ACTIVE}
    assert assignment.sign_due_at == T0 + timedelta(minutes=20)


def test_extension_minutes_already_granted_count_when_a_timer_starts(session) -> None:
    dept = f.department(session)
    event = f.event(session, department_id=dept.id)
    assignment = f.assignment(session, event, dept.id)
    assignment.extension_minutes = 45
    timer = service.start_timer(session, assignment, TimerKind.HANDLE, T0)
    assert timer.due_at == T0 + timedelta(minutes=75)
