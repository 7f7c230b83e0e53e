"""Cases left at intake: two reminders (80 % and 100 % of the threshold) in working time, then no more.

The hall works 08:30-12:00 and 13:30-17:30 (450 minutes a day). The default receipt_response rule:
240 working minutes, near_due_ratio 0.8, two reminders.
Submitted Friday 2026-10-16 16:30: Friday gives 60 working minutes (16:30-17:30), the weekend none.
- 1st reminder at 0.8 x 240 = 192 min: 132 more on Monday from 08:30 -> Monday 10:42.
- 2nd reminder at 240 min: 180 more on Monday from 08:30 -> Monday 11:30.
With Monday 2026-10-19 a holiday, both move a working day later: Tuesday 10:42 and 11:30.
"""

from datetime import timedelta

from sqlalchemy import update

from core_app.cases.models import Case, CaseStatus
from core_app.notify.models import Channel
from core_app.warnings import monitor
from core_app.warnings.models import RuleType, WarningLevel, WarningStatus
from tests.api import builders as b
from tests.warnings.fixtures import hall_with_handler, local, outbox, rule, waiting_case, warnings

FRIDAY_1630 = local(2026, 10, 16, 16, 30)


def scan(session, when):
    report = monitor.scan(session, when)
    session.commit()
    return report


def test_a_case_left_at_intake_gets_two_reminders_across_the_weekend(session) -> None:
    setup = hall_with_handler(session)
    case = waiting_case(session, setup, FRIDAY_1630)
    session.commit()

    # Before 192 working minutes nothing happens: Friday 17:29 = 59 min, Saturday = 60, Monday 10:41 = 191.
    for when in (local(2026, 10, 16, 17, 29), local(2026, 10, 17, 10), local(2026, 10, 19, 10, 41)):
        report = scan(session, when)
        assert report.opened_total == 0 and outbox(session) == []

    scan(session, local(2026, 10, 19, 10, 42))
    [warning] = warnings(session)
    assert (warning.rule_type, warning.case_id, warning.level) == (
        RuleType.RECEIPT_RESPONSE,
        case.id,
        "yellow",
    )
    assert (warning.value, warning.threshold, warning.reminders_sent) == (192, 240, 1)
    assert warning.next_reminder_at == local(2026, 10, 19, 11, 30)
    [first] = outbox(session)
    assert (first.channel, first.recipient, first.dedup_key) == (
        Channel.DING_WORK,
        "ding-wang",
        f"warn:{warning.id}:r1",
    )

    assert scan(session, local(2026, 10, 19, 11, 29)).reminders == 0
    report = scan(session, local(2026, 10, 19, 11, 30))
    assert report.reminders == 1
    [warning] = warnings(session)
    assert (warning.level, warning.value, warning.reminders_sent) == (WarningLevel.RED, 240, 2)
    assert warning.next_reminder_at is None  # reminder_count 2 reached
    assert [m.dedup_key for m in outbox(session)] == [f"warn:{warning.id}:r1", f"warn:{warning.id}:r2"]
    assert {m.recipient for m in outbox(session)} == {"ding-wang"}

    # The same instant again (a second scheduler), and later the same day: nothing more.
    for when in (local(2026, 10, 19, 11, 30), local(2026, 10, 19, 11, 30), local(2026, 10, 19, 16)):
        report = scan(session, when)
        assert (report.opened_total, report.reminders) == (0, 0)
    assert len(outbox(session)) == 2

    # Received at 14:40: the next scan closes the warning.
    session.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(status=CaseStatus.RECEIVED, received_at=local(2026, 10, 19, 14, 40))
    )
    session.commit()
    assert scan(session, local(2026, 10, 19, 14, 45)).closed == 1
    [warning] = warnings(session)
    assert (warning.status, warning.closed_at) == (WarningStatus.CLOSED, local(2026, 10, 19, 14, 45))


def test_a_holiday_pauses_the_clock_like_a_weekend(session) -> None:
    b.calendar_day(session, day=local(2026, 10, 19).date(), is_workday=False, name="假日")
    setup = hall_with_handler(session)
    waiting_case(session, setup, FRIDAY_1630)
    session.commit()

    assert scan(session, local(2026, 10, 19, 11, 30)).opened_total == 0  # the holiday Monday: still 60 min
    assert scan(session, local(2026, 10, 20, 10, 41)).opened_total == 0  # Tuesday 10:41: 191 min
    assert scan(session, local(2026, 10, 20, 10, 42)).reminders == 1
    assert scan(session, local(2026, 10, 20, 11, 30)).reminders == 1
    assert scan(session, local(2026, 10, 20, 11, 30)).reminders == 0
    [warning] = warnings(session)
    assert (warning.level, warning.reminders_sent) == (WarningLevel.RED, 2)
    assert [m.dedup_key for m in outbox(session)] == [f"warn:{warning.id}:r1", f"warn:{warning.id}:r2"]


def test_a_late_first_scan_sends_one_reminder_now_and_the_next_at_the_following_mark(session) -> None:
    """First seen past 100 % (Monday 13:00, lunch break: 60 + 210 = 270 min): one red reminder, the next at
    the following mark 240 + 60 = 300 min: 30 minutes into the afternoon -> Monday 14:00.
    """
    setup = hall_with_handler(session)
    waiting_case(session, setup, FRIDAY_1630)
    rule(
        session,
        rule_type=RuleType.RECEIPT_RESPONSE,
        threshold=240,
        unit="working_minutes",
        reminder_count=3,
        reminder_interval_minutes=60,
    )
    session.commit()
    assert scan(session, local(2026, 10, 19, 13)).reminders == 1
    [warning] = warnings(session)
    assert (warning.level, warning.value, warning.next_reminder_at) == ("red", 270, local(2026, 10, 19, 14))
    assert scan(session, local(2026, 10, 19, 13, 59)).reminders == 0
    assert scan(session, local(2026, 10, 19, 14)).reminders == 1
    assert warnings(session)[0].next_reminder_at == local(2026, 10, 19, 15)  # mark 360 min
    assert scan(session, local(2026, 10, 19, 15)).reminders == 1
    assert scan(session, local(2026, 10, 20, 14)).reminders == 0  # three reminders: the count is reached
    assert len(outbox(session)) == 3
    assert warnings(session)[0].reminders_sent == 3


def test_acceptance_response_watches_received_cases_from_received_at(session) -> None:
    """Default acceptance rule: one working day = 450 min; 0.8 x 450 = 360 min.

    Received Monday 2026-10-19 09:00: Monday gives 180 (09:00-12:00) + 240 (13:30-17:30) = 420 min, so
    360 min is reached at 17:30 - 60 = 16:30, and 450 on Tuesday at 08:30 + 30 = 09:00.
    """
    setup = hall_with_handler(session)
    case = waiting_case(
        session,
        setup,
        local(2026, 10, 19, 8, 50),
        status=CaseStatus.RECEIVED,
        received_at=local(2026, 10, 19, 9),
    )
    session.commit()
    assert scan(session, local(2026, 10, 19, 16, 29)).opened_total == 0
    scan(session, local(2026, 10, 19, 16, 30))
    [warning] = warnings(session)
    assert (warning.rule_type, warning.case_id, warning.value) == (RuleType.ACCEPTANCE_RESPONSE, case.id, 360)
    assert warning.next_reminder_at == local(2026, 10, 20, 9)
    assert scan(session, local(2026, 10, 20, 9)).reminders == 1
    assert warnings(session)[0].level == WarningLevel.RED


def test_the_most_specific_rule_wins(session) -> None:
    """A matter rule (60 min) beats a parent department rule (120) and the district default (240)."""
    setup = hall_with_handler(session)
    parent = b.department(session, name="上级局")
    setup.department.parent_id = parent.id
    other = b.matter(session, department_id=setup.department.id)
    rule(
        session,
        rule_type=RuleType.RECEIPT_RESPONSE,
        threshold=120,
        unit="working_minutes",
        department_id=parent.id,
    )
    rule(
        session,
        rule_type=RuleType.RECEIPT_RESPONSE,
        threshold=60,
        unit="working_minutes",
        matter_id=setup.matter.id,
    )
    rule(session, rule_type=RuleType.RECEIPT_RESPONSE, threshold=240, unit="working_minutes")
    by_matter = waiting_case(session, setup, local(2026, 10, 19, 9))
    by_department = waiting_case(session, setup, local(2026, 10, 19, 9), matter_id=other.id)
    session.commit()
    # 10:00 = 60 working minutes: the matter rule (0.8 x 60 = 48) fires, the department rule (96) not yet.
    scan(session, local(2026, 10, 19, 10))
    assert [(w.case_id, w.threshold) for w in warnings(session)] == [(by_matter.id, 60)]
    scan(session, local(2026, 10, 19, 10, 36))  # 96 min
    assert [(w.case_id, w.threshold) for w in warnings(session)] == [
        (by_matter.id, 60),
        (by_department.id, 120),
    ]


def test_handler_without_dingtalk_gets_an_sms_and_without_phone_the_department_is_told(session) -> None:
    setup = hall_with_handler(session, ding_user_id=None, phone="13911112222")
    waiting_case(session, setup, FRIDAY_1630)
    nobody = b.staff(session, department_id=setup.department.id, ding_user_id=None, phone=None)
    waiting_case(session, setup, FRIDAY_1630, receiver_staff_id=nobody.id)
    session.commit()
    scan(session, local(2026, 10, 19, 10, 42))
    sent = {(m.channel, m.recipient) for m in outbox(session)}
    assert sent == {(Channel.SMS, "13911112222"), (Channel.DING_WORK, f"dept:{setup.department.code}")}


def test_a_disposed_warning_reminds_no_more(session) -> None:
    setup = hall_with_handler(session)
    waiting_case(session, setup, FRIDAY_1630)
    session.commit()
    scan(session, local(2026, 10, 19, 10, 42))
    [warning] = warnings(session)
    warning.status = WarningStatus.DISPOSED
    session.commit()
    assert scan(session, local(2026, 10, 19, 11, 30) + timedelta(minutes=1)).reminders == 0
    assert len(outbox(session)) == 1
