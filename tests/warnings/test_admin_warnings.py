"""Warnings to department admins: overdue cases, abnormal counts per month, special steps, bad reviews.

Hall hours 08:30-12:00 and 13:30-17:30 (450 working minutes a day); 2026-10-19 is a Monday.
"""

from datetime import timedelta

from sqlalchemy import update

from core_app.cases.models import Case, CaseStatus, CaseStep, Review, StepType
from core_app.notify.models import Channel
from core_app.warnings import monitor
from core_app.warnings.models import RuleType, WarningLevel, WarningStatus, WarningTarget
from tests.api import builders as b
from tests.warnings.fixtures import admin_user, hall_with_handler, local, messages_of, rule, warnings

NOW = local(2026, 10, 20, 10)  # Tuesday


def scan(session, when):
    report = monitor.scan(session, when)
    session.commit()
    return report


def open_case(session, setup, due_at, **fields):
    values = {
        "matter_id": setup.matter.id,
        "hall_id": setup.hall.id,
        "status": CaseStatus.ACCEPTED,
        "submitted_at": due_at - timedelta(days=10),
        "handler_staff_id": setup.handler.id,
        "due_at": due_at,
    }
    return b.case(session, **(values | fields))


# ---------------------------------------------------------------- abnormal count


def test_an_admin_warning_when_the_overdue_count_passes_the_threshold(session) -> None:
    """District rule: more than 2 abnormal cases in a month. Department A in October 2026, as of NOW:
    c1 open, due 5 Oct -> overdue; c2 due 8 Oct, completed 9 Oct -> overdue; c3 due 8 Oct, completed 6 Oct
    -> in time; c4 open, due 30 Sep -> September's; c5 open, due 25 Oct -> not yet due. Overdue in October: 2,
    not over 2. Then c6 (open, due 15 Oct) makes 3 > 2: one warning, one ding to A's admin (not B's).
    Department B has one overdue case: no warning.
    """
    a = hall_with_handler(session)
    other = hall_with_handler(session)
    admin_a = admin_user(session, a.department, "ding-admin-a")
    admin_user(session, other.department, "ding-admin-b")
    # Only the count rule: a disabled overdue rule keeps the per-case overdue default out of the way.
    rule(session, rule_type=RuleType.OVERDUE, threshold=0, unit="working_minutes", enabled=False)
    count_rule = rule(
        session,
        rule_type=RuleType.ABNORMAL_COUNT,
        threshold=2,
        unit="count",
        period="month",
        recipients="dept_admin",
    )
    open_case(session, a, local(2026, 10, 5, 17, 30))
    open_case(
        session,
        a,
        local(2026, 10, 8, 17, 30),
        status=CaseStatus.COMPLETED,
        completed_at=local(2026, 10, 9, 10),
    )
    open_case(
        session,
        a,
        local(2026, 10, 8, 17, 30),
        status=CaseStatus.COMPLETED,
        completed_at=local(2026, 10, 6, 10),
    )
    open_case(session, a, local(2026, 9, 30, 17, 30))
    open_case(session, a, local(2026, 10, 25, 17, 30))
    open_case(session, other, local(2026, 10, 6, 17, 30))
    session.commit()

    assert scan(session, NOW).opened[RuleType.ABNORMAL_COUNT] == 0
    open_case(session, a, local(2026, 10, 15, 17, 30))
    session.commit()
    scan(session, NOW)
    [warning] = warnings(session, rule_type=RuleType.ABNORMAL_COUNT)
    assert (warning.rule_id, warning.target_type, warning.target_id) == (
        count_rule.id,
        WarningTarget.DEPARTMENT,
        a.department.id,
    )
    assert (warning.period_key, warning.value, warning.threshold, warning.level) == ("2026-10", 3, 2, "red")
    [ding] = messages_of(session, warning)
    assert (ding.channel, ding.recipient, ding.dedup_key) == (
        Channel.DING_WORK,
        "ding-admin-a",
        f"warn:{warning.id}:r1",
    )
    assert admin_a.staff_id is not None

    # Later scans keep the month's figure up to date without a second ding.
    open_case(session, a, local(2026, 10, 16, 17, 30))
    session.commit()
    scan(session, NOW + timedelta(hours=1))
    [warning] = warnings(session, rule_type=RuleType.ABNORMAL_COUNT)
    assert warning.value == 4 and len(messages_of(session, warning)) == 1


def test_an_abnormal_rate_counts_returned_voided_rejected_over_received(session) -> None:
    """Rule: ratio over 0.5 for department A. October: 4 received; 1 returned, 1 voided, 1 rejected
    -> 3 / 4 = 0.75 > 0.5. A department rule beats the district one (ratio 0.9), which would not fire."""
    a = hall_with_handler(session)
    rule(session, rule_type=RuleType.ABNORMAL_COUNT, threshold=0.9, unit="ratio", recipients="dept_admin")
    rule(
        session,
        rule_type=RuleType.ABNORMAL_COUNT,
        threshold=0.5,
        unit="ratio",
        department_id=a.department.id,
        recipients="dept_admin",
    )
    received = local(2026, 10, 12, 9)
    for fields in (
        {"status": CaseStatus.RETURNED, "returned_at": local(2026, 10, 12, 10)},
        {"status": CaseStatus.VOIDED, "voided_at": local(2026, 10, 13, 10)},
        {"status": CaseStatus.REJECTED, "rejected_at": local(2026, 10, 12, 11)},
        {"status": CaseStatus.RECEIVED},
    ):
        b.case(
            session,
            matter_id=a.matter.id,
            submitted_at=received - timedelta(minutes=5),
            received_at=received,
            accepted_at=None,
            **fields,
        )
    session.commit()
    scan(session, NOW)
    [warning] = warnings(session, rule_type=RuleType.ABNORMAL_COUNT)
    assert (warning.value, warning.threshold) == (0.75, 0.5)
    # No dept_admin user: the department itself is told.
    [message] = messages_of(session, warning)
    assert message.recipient == f"dept:{a.department.code}"


# ---------------------------------------------------------------- overdue


def test_an_overdue_case_warns_the_handler_and_the_department_admin(session) -> None:
    """Due Monday 17:30; the default overdue rule (threshold 0, second reminder a working day later)."""
    setup = hall_with_handler(session)
    admin_user(session, setup.department, "ding-admin")
    case = open_case(session, setup, local(2026, 10, 19, 17, 30))
    session.commit()
    assert scan(session, local(2026, 10, 19, 17, 30)).opened_total == 0  # not past due yet
    scan(session, local(2026, 10, 19, 18))
    [warning] = warnings(session, rule_type=RuleType.OVERDUE)
    assert (warning.case_id, warning.level, warning.value) == (case.id, WarningLevel.RED, 0)
    assert {(m.recipient, m.dedup_key) for m in messages_of(session, warning)} == {
        ("ding-wang", f"warn:{warning.id}:r1"),
        ("ding-admin", f"warn:{warning.id}:r1:ding_work:ding-admin"),
    }
    # One working day after due: Tuesday 17:30.
    assert warning.next_reminder_at == local(2026, 10, 20, 17, 30)
    assert scan(session, local(2026, 10, 20, 17, 30)).reminders == 1
    assert len(messages_of(session, warning)) == 4
    assert warning.dispose_due_at == local(2026, 10, 20, 17, 30)  # 1 working day from Monday 18:00

    session.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(status=CaseStatus.COMPLETED, completed_at=local(2026, 10, 21, 9))
    )
    session.commit()
    scan(session, local(2026, 10, 21, 9, 5))
    assert warnings(session, rule_type=RuleType.OVERDUE)[0].status == WarningStatus.CLOSED


# ---------------------------------------------------------------- special steps


def special_step(session, case, step_type, started_at, ended_at=None, **fields):
    step = CaseStep(
        case_id=case.id,
        step_type=step_type,
        is_special=True,
        started_at=started_at,
        ended_at=ended_at,
        **fields,
    )
    session.add(step)
    session.flush()
    return step


def test_a_special_step_longer_than_the_rule_threshold(session) -> None:
    """Department rule 120 working minutes; suspension opened Monday 09:00: 11:00 = 120 (not over), 11:01
    = 121 -> a warning on the step to the department admin."""
    setup = hall_with_handler(session)
    admin_user(session, setup.department, "ding-admin")
    rule(
        session,
        rule_type=RuleType.SPECIAL_STEP_DURATION,
        threshold=120,
        unit="working_minutes",
        department_id=setup.department.id,
        recipients="dept_admin",
    )
    case = open_case(session, setup, local(2026, 10, 30, 17, 30), status=CaseStatus.SUSPENDED)
    step = special_step(session, case, StepType.SUSPEND, local(2026, 10, 19, 9), staff_id=setup.handler.id)
    session.commit()
    assert scan(session, local(2026, 10, 19, 11)).opened_total == 0
    scan(session, local(2026, 10, 19, 11, 1))
    [warning] = warnings(session, rule_type=RuleType.SPECIAL_STEP_DURATION)
    assert (warning.target_type, warning.target_id, warning.case_id) == (
        WarningTarget.CASE_STEP,
        step.id,
        case.id,
    )
    assert (warning.value, warning.threshold, warning.staff_id) == (121, 120, setup.handler.id)
    assert [m.recipient for m in messages_of(session, warning)] == ["ding-admin"]

    step.ended_at = local(2026, 10, 19, 14)
    session.commit()
    assert scan(session, local(2026, 10, 19, 14, 5)).closed == 1


def test_a_special_step_longer_than_the_p90_of_its_matter_and_type(session) -> None:
    """The default rule (threshold 0) compares with the P90 of finished steps of the same matter and type
    in the last 180 days: suspensions of 10, 20, ..., 100 minutes -> nearest rank ceil(0.9 x 10) = 9th ->
    90 min. Left out: a 1000-minute suspension that ended 200 days ago, site surveys (another type), and a
    suspension of another matter. Open suspension from Monday 09:00: 10:30 = 90 (not over), 10:31 = 91."""
    setup = hall_with_handler(session)
    admin_user(session, setup.department, "ding-admin")
    history = open_case(session, setup, local(2026, 9, 30), status=CaseStatus.COMPLETED)
    for k in range(1, 11):
        start = local(2026, 9, k, 9)
        special_step(session, history, StepType.SUSPEND, start, start + timedelta(minutes=10 * k))
        special_step(session, history, StepType.SITE_SURVEY, start, start + timedelta(minutes=5))
    old = local(2026, 4, 1, 9)
    special_step(session, history, StepType.SUSPEND, old, old + timedelta(minutes=1000))
    elsewhere = b.case(session, department_id=setup.department.id, status=CaseStatus.COMPLETED)
    for k in range(1, 11):
        special_step(session, elsewhere, StepType.SUSPEND, local(2026, 9, k, 9), local(2026, 9, k, 9, 1))
    case = open_case(session, setup, local(2026, 10, 30, 17, 30), status=CaseStatus.SUSPENDED)
    step = special_step(session, case, StepType.SUSPEND, local(2026, 10, 19, 9))
    session.commit()

    p90 = monitor.special_step_p90(session, local(2026, 10, 19, 10), {(setup.matter.id, StepType.SUSPEND)})
    assert p90 == {(setup.matter.id, StepType.SUSPEND): 90.0}
    assert scan(session, local(2026, 10, 19, 10, 30)).opened_total == 0
    scan(session, local(2026, 10, 19, 10, 31))
    [warning] = warnings(session, rule_type=RuleType.SPECIAL_STEP_DURATION)
    assert (warning.target_id, warning.value, warning.threshold) == (step.id, 91, 90)


# ---------------------------------------------------------------- bad reviews


def test_a_bad_review_warns_the_department_admin_with_fifteen_working_days_to_dispose(session) -> None:
    """Levels 2 (bad) and 3 (not bad). Triggered Monday 10:05: 15 working days of 450 min later is the same
    time 15 working days on: 19 Oct + 15 working days (no holidays) = Monday 9 Nov, 10:05."""
    setup = hall_with_handler(session)
    admin_user(session, setup.department, "ding-admin")
    case = b.case(session, matter_id=setup.matter.id, hall_id=setup.hall.id, status=CaseStatus.COMPLETED)
    bad = b.review(session, of_case=case, level=2, is_good=False, reviewed_at=local(2026, 10, 19, 10))
    other = b.case(session, matter_id=setup.matter.id, status=CaseStatus.COMPLETED)
    b.review(session, of_case=other, level=3, is_good=False, reviewed_at=local(2026, 10, 19, 10))
    session.commit()
    scan(session, local(2026, 10, 19, 10, 5))
    [warning] = warnings(session, rule_type=RuleType.BAD_REVIEW)
    assert (warning.target_type, warning.target_id, warning.case_id) == (
        WarningTarget.REVIEW,
        bad.id,
        case.id,
    )
    assert warning.dispose_due_at == local(2026, 11, 9, 10, 5)
    assert [m.recipient for m in messages_of(session, warning)] == ["ding-admin"]

    # An upheld appeal invalidates the review: the warning closes.
    session.execute(update(Review).where(Review.id == bad.id).values(is_valid=False))
    session.commit()
    assert scan(session, local(2026, 10, 19, 11)).closed == 1
