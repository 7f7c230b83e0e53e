"""关键环节 analysis (DOMAIN §4.5) on hand-built cases, steps and warnings; every figure worked out below.

Working day 08:30-12:00, 13:30-17:30 (weekday rule: no holiday rows). Department A, handler S1.
Cases of A (submitted -> received -> decided, working minutes):
  k1 Mon 12 Oct 09:00 -> 10:00 (60) -> accepted 11:00 (60); completed 14 Oct, due 20 Oct: in time
  k2 Fri 16 Oct 16:30 -> Mon 19 Oct 09:30 (60 + 60 = 120) -> accepted 10:30 (60); due 23 Oct, completed
     28 Oct: overdue completed in October
  k3 Tue 20 Oct 09:00 -> 09:30 (30) -> rejected 14:00 (150 + 30 = 180)
  k4 Wed 21 Oct 09:00 -> 09:10 (10) -> returned 09:20 (no decision)
  k5 Thu 22 Oct 09:00 -> 09:00 (0) -> voided 23 Oct
  k6 Mon 28 Sep 09:00, received and accepted at once; due 9 Oct, still in approval: open and overdue at
     the end of October (not at the end of September)
October, A: received 5 (k1-k5); receipt mean (60 + 120 + 30 + 10 + 0) / 5 = 44; acceptance mean over the
decided in October (k1 60, k2 60, k3 180) = 300 / 3 = 100; overdue 1 completed + 1 open = 2, rate 2/5 = 0.4;
returned, voided, rejected 1 each, rate 0.2. September, A: received 1 (k6) -> received 环比 (5 - 1) / 1 = 4.
Department B: one case received 5 Oct 09:00, five minutes after submission.
Special steps started in October: suspend on k6 (S1, warned), site survey on k6 (S1), suspend on k2 (S2);
a normal review step is not special. A: 3 special, 1 abnormal; S1 2 / 1, S2 1 / 0.
Warnings of A: wa triggered 12 Oct, disposed 14 Oct, due 13 Oct (late); wb the step warning, triggered
15 Oct, open, due 16 Oct (late by NOW); wc triggered 20 Oct, disposed 20 Oct, due 21 Oct (in time); wd
triggered 30 Sep, disposed 2 Oct, due 1 Oct (late, September's). October: 3 triggered, 3 disposed (wa, wc,
wd), overdue disposal 2 (wa, wb); September: 1, 0, 1.
"""

from datetime import date

import pytest

from core_app.access.models import ScopeKind
from core_app.access.principal import Grant, Principal
from core_app.analytics.engine import PERMISSION, Query, compute
from core_app.analytics.facts import refresh_case_facts
from core_app.analytics.keylinks import ANALYSIS
from core_app.analytics.periods import Granularity, buckets
from core_app.cases.models import CaseStatus, CaseStep, StepType
from core_app.warnings.models import RuleType, Warning, WarningLevel, WarningStatus, WarningTarget
from tests.api import builders as b
from tests.warnings.fixtures import local, rule

NOW = local(2026, 11, 20, 10)
OCTOBER = buckets(date(2026, 10, 1), date(2026, 11, 1), Granularity.MONTH)


@pytest.fixture
def hall(session):
    a, other = b.department(session, name="甲局"), b.department(session, name="乙局")
    matter = b.matter(session, department_id=a.id)
    s1, s2 = b.staff(session, department_id=a.id), b.staff(session, department_id=a.id)

    def case(submitted, received, **fields):
        values = {"matter_id": matter.id, "handler_staff_id": s1.id, "accepted_at": None}
        return b.case(session, submitted_at=submitted, received_at=received, **(values | fields))

    case(
        local(2026, 10, 12, 9),
        local(2026, 10, 12, 10),
        accepted_at=local(2026, 10, 12, 11),
        status=CaseStatus.COMPLETED,
        completed_at=local(2026, 10, 14, 10),
        due_at=local(2026, 10, 20, 17, 30),
    )
    k2 = case(
        local(2026, 10, 16, 16, 30),
        local(2026, 10, 19, 9, 30),
        accepted_at=local(2026, 10, 19, 10, 30),
        status=CaseStatus.COMPLETED,
        completed_at=local(2026, 10, 28, 10),
        due_at=local(2026, 10, 23, 17, 30),
    )
    case(
        local(2026, 10, 20, 9),
        local(2026, 10, 20, 9, 30),
        status=CaseStatus.REJECTED,
        rejected_at=local(2026, 10, 20, 14),
    )
    case(
        local(2026, 10, 21, 9),
        local(2026, 10, 21, 9, 10),
        status=CaseStatus.RETURNED,
        returned_at=local(2026, 10, 21, 9, 20),
    )
    case(
        local(2026, 10, 22, 9),
        local(2026, 10, 22, 9),
        status=CaseStatus.VOIDED,
        voided_at=local(2026, 10, 23, 9),
    )
    k6 = case(
        local(2026, 9, 28, 9),
        local(2026, 9, 28, 9),
        accepted_at=local(2026, 9, 28, 9),
        status=CaseStatus.IN_APPROVAL,
        due_at=local(2026, 10, 9, 17, 30),
    )
    b.case(
        session,
        matter_id=b.matter(session, department_id=other.id).id,
        submitted_at=local(2026, 10, 5, 8, 55),
        received_at=local(2026, 10, 5, 9),
        accepted_at=None,
        status=CaseStatus.RECEIVED,
    )

    def step(of_case, step_type, started, staff, special=True):
        row = CaseStep(
            case_id=of_case.id, step_type=step_type, is_special=special, started_at=started, staff_id=staff.id
        )
        session.add(row)
        session.flush()
        return row

    warned = step(k6, StepType.SUSPEND, local(2026, 10, 12, 9), s1)
    step(k6, StepType.SITE_SURVEY, local(2026, 10, 13, 9), s1)
    step(k2, StepType.SUSPEND, local(2026, 10, 20, 9), s2)
    step(k2, StepType.REVIEW, local(2026, 10, 19, 11), s2, special=False)

    any_rule = rule(session, rule_type=RuleType.SPECIAL_STEP_DURATION, threshold=0, unit="working_minutes")

    def warning(target_id, triggered, due, target_type=WarningTarget.CASE, **fields):
        session.add(
            Warning(
                rule_id=any_rule.id,
                rule_type=RuleType.SPECIAL_STEP_DURATION,
                target_type=target_type,
                target_id=target_id,
                department_id=a.id,
                matter_id=matter.id,
                level=WarningLevel.RED,
                value=1,
                threshold=1,
                triggered_at=triggered,
                dispose_due_at=due,
                **({"status": WarningStatus.OPEN} | fields),
            )
        )

    warning(
        1,
        local(2026, 10, 12, 9),
        local(2026, 10, 13, 9),
        status=WarningStatus.DISPOSED,
        disposed_at=local(2026, 10, 14, 9),
    )
    warning(
        warned.id,
        local(2026, 10, 15, 9),
        local(2026, 10, 16, 9),
        target_type=WarningTarget.CASE_STEP,
        staff_id=s1.id,
    )
    warning(
        3,
        local(2026, 10, 20, 9),
        local(2026, 10, 21, 9),
        status=WarningStatus.DISPOSED,
        disposed_at=local(2026, 10, 20, 15),
    )
    warning(
        4,
        local(2026, 9, 30, 9),
        local(2026, 10, 1, 9),
        status=WarningStatus.DISPOSED,
        disposed_at=local(2026, 10, 2, 9),
    )
    session.commit()
    refresh_case_facts(session)
    session.commit()
    return {"a": a.id, "b": other.id, "s1": s1.id, "s2": s2.id}


def frame(session, by=(), principal=None):
    return compute(session, Query(ANALYSIS, OCTOBER, by=by), principal, NOW).frame


def row_of(table, **keys):
    for name, value in keys.items():
        table = table[table[name] == value]
    assert len(table) == 1, keys
    return table.iloc[0]


def test_response_times_and_abnormal_cases_by_department(session, hall) -> None:
    a = row_of(frame(session, by=("department",)), department=hall["a"])
    assert (a["received_count"], a["received_count_pop"]) == (5, 4.0)
    assert a["receipt_response_minutes"] == 44
    assert a["acceptance_response_minutes"] == 100
    assert (a["overdue_completed"], a["overdue_open"], a["overdue_count"]) == (1, 1, 2)
    assert a["overdue_rate"] == pytest.approx(0.4)
    for name in ("returned", "voided", "rejected"):
        assert (a[f"{name}_count"], a[f"{name}_rate"]) == (1, pytest.approx(0.2)), name
    b_row = row_of(frame(session, by=("department",)), department=hall["b"])
    assert (b_row["received_count"], b_row["receipt_response_minutes"], b_row["overdue_count"]) == (1, 5, 0)


def test_special_steps_and_the_warning_board(session, hall) -> None:
    a = row_of(frame(session, by=("department",)), department=hall["a"])
    assert (a["special_step_count"], a["abnormal_special_step_count"]) == (3, 1)
    assert a["abnormal_special_step_rate"] == pytest.approx(1 / 3)
    assert (a["warning_count"], a["disposed_count"], a["overdue_disposal_count"]) == (3, 3, 2)
    assert (a["warning_count_pop"], a["overdue_disposal_count_pop"]) == (2.0, 1.0)  # September: 1 and 1

    by_staff = frame(session, by=("staff",))
    s1, s2 = row_of(by_staff, staff=hall["s1"]), row_of(by_staff, staff=hall["s2"])
    assert (s1["special_step_count"], s1["abnormal_special_step_count"], s1["warning_count"]) == (2, 1, 1)
    assert (s2["special_step_count"], s2["abnormal_special_step_count"]) == (1, 0)


def test_a_department_grant_sees_its_department_only(session, hall) -> None:
    grant = Grant("dept_admin", ScopeKind.DEPARTMENT, hall["b"], frozenset({PERMISSION}))
    total = frame(session, principal=Principal(username="b-admin", grants=(grant,))).iloc[0]
    assert (total["received_count"], total["warning_count"], total["special_step_count"]) == (1, 0, 0)
