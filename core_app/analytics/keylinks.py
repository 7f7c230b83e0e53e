"""关键环节动态监测及预警 (DOMAIN §4.5, S1 §3.2.2.5): response times, abnormal cases, special steps, warnings.

The live part (watching cases, reminding handlers, the warning board) is core_app.warnings; this is the
analysis over periods, by department, matter and staff:

- response times from the case mart: receipt_response_minutes = mean wm(submitted, received) of cases
  received in P; acceptance_response_minutes = mean wm(received, accepted or rejected) of cases decided in P;
- abnormal cases: overdue_count as the case-efficiency analysis counts it (completed late in P + open and
  overdue at the end of P), returned, voided and rejected cases by their own stamps, and each over the
  cases received in P;
- special steps (挂起, 现场踏勘, ...) started in P, by the case's department and matter and the step's staff;
  abnormal ones are those the monitor warned about (longer than the rule's threshold, else than the P90 of
  their matter and step type);
- the warning board: warnings triggered in P, disposed in P, and overdue_disposal_count = warnings triggered
  in P that were disposed after dispose_due_at or are still open past it (as of now).
"""

from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from core_app.access.scopes import CASES
from core_app.analytics.cases import ANALYSIS as CASES_ANALYSIS
from core_app.analytics.engine import Analysis, Context, Custom, Flow, Ratio, Source, Sum, Unit
from core_app.analytics.models import CaseFact
from core_app.analytics.sources import CASE_FACTS
from core_app.cases.models import Case, CaseStep
from core_app.warnings.board import WARNINGS
from core_app.warnings.models import RuleType, Warning, WarningStatus, WarningTarget

F = CaseFact
LIVE = (WarningStatus.OPEN, WarningStatus.NOTIFIED)


# ---------------------------------------------------------------- sources


def _step_rows(session: Session, ids: Select) -> list[dict[str, Any]]:
    statement = (
        select(CaseStep.id, Case.case_no, CaseStep.step_type, CaseStep.started_at, CaseStep.ended_at)
        .join(Case, Case.id == CaseStep.case_id)
        .where(CaseStep.id.in_(ids))
        .order_by(CaseStep.started_at.desc(), CaseStep.id.desc())
    )
    keys = ("step_id", "case_no", "step_type", "started_at", "ended_at")
    return [dict(zip(keys, row, strict=True)) for row in session.execute(statement)]


def _warning_rows(session: Session, ids: Select) -> list[dict[str, Any]]:
    statement = (
        select(
            Warning.id,
            Warning.rule_type,
            Warning.level,
            Warning.status,
            Warning.target_type,
            Warning.target_id,
            Warning.triggered_at,
            Warning.dispose_due_at,
            Warning.disposed_at,
        )
        .where(Warning.id.in_(ids))
        .order_by(Warning.triggered_at.desc(), Warning.id.desc())
    )
    keys = ("warning_id", "rule_type", "level", "status", "target_type", "target_id", "triggered_at")
    return [
        dict(zip((*keys, "dispose_due_at", "disposed_at"), row, strict=True))
        for row in session.execute(statement)
    ]


SPECIAL_STEPS = Source(
    name="special_steps",
    table=CaseStep.__table__.join(Case.__table__, Case.id == CaseStep.case_id),
    dimensions={"department": Case.department_id, "matter": Case.matter_id, "staff": CaseStep.staff_id},
    scope=CASES,
    where=CaseStep.is_special.is_(True),
    record_id=CaseStep.id,
    records=_step_rows,
)

WARNING_SOURCE = Source(
    name="warnings",
    table=Warning.__table__,
    dimensions={"department": Warning.department_id, "matter": Warning.matter_id, "staff": Warning.staff_id},
    scope=WARNINGS,
    record_id=Warning.id,
    records=_warning_rows,
)

# ---------------------------------------------------------------- measures

_decided_at = func.coalesce(F.accepted_at, F.rejected_at)
_warned_step = exists(
    select(Warning.id).where(
        Warning.rule_type == RuleType.SPECIAL_STEP_DURATION,
        Warning.target_type == WarningTarget.CASE_STEP,
        Warning.target_id == CaseStep.id,
    )
)


def _abnormal(name: str, label: str, on) -> tuple[Flow, Ratio]:
    count = Flow(f"{name}_count", label, CASE_FACTS, on=on, help=f"{label}：以其时间戳计入本期")
    rate = Ratio(f"{name}_rate", f"{label}率", f"{name}_count", "received_count", help="除以本期收件数")
    return count, rate


def _overdue_disposal(session: Session, context: Context) -> pd.DataFrame:
    """Warnings triggered in each period that were disposed late or are still open past their deadline."""
    late = and_(
        Warning.dispose_due_at.is_not(None),
        or_(
            and_(Warning.disposed_at.is_not(None), Warning.disposed_at > Warning.dispose_due_at),
            and_(Warning.status.in_(LIVE), Warning.dispose_due_at < context.now),
        ),
    )
    keys = [WARNING_SOURCE.dimensions[d] for d in context.by]
    frames = []
    for index, period in enumerate(context.periods):
        statement = (
            select(
                *(key.label(d) for key, d in zip(keys, context.by, strict=True)), func.count().label("value")
            )
            .where(
                Warning.triggered_at >= period.start_instant,
                Warning.triggered_at < period.end_instant,
                late,
                *context.conditions(WARNING_SOURCE),
            )
            .group_by(*keys)
        )
        rows = session.execute(statement).all()
        if rows:
            frame = pd.DataFrame(rows, columns=[*context.by, "value"])
            frame["period"] = index
            frames.append(frame)
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*context.by, "period", "value"])
    )


RETURNED = _abnormal("returned", "退件数", F.returned_at)
VOIDED = _abnormal("voided", "作废数", F.voided_at)
REJECTED = _abnormal("rejected", "不予受理数", F.rejected_at)

MEASURES = (
    Flow("received_count", "收件数", CASE_FACTS, on=F.received_at, help="收件时间在本期内的办件"),
    Flow(
        "receipt_timed_count",
        "有收件响应时长的办件",
        CASE_FACTS,
        on=F.received_at,
        when=F.receipt_minutes.is_not(None),
    ),
    Flow(
        "receipt_minutes_sum",
        "收件响应时长合计",
        CASE_FACTS,
        on=F.received_at,
        when=F.receipt_minutes.is_not(None),
        value=F.receipt_minutes,
        unit=Unit.MINUTES,
    ),
    Ratio(
        "receipt_response_minutes",
        "平均收件响应时长（工作分钟）",
        "receipt_minutes_sum",
        "receipt_timed_count",
        unit=Unit.MINUTES,
        help="wm(申请, 收件)，本期收件的办件",
    ),
    Flow(
        "acceptance_timed_count",
        "有受理响应时长的办件",
        CASE_FACTS,
        on=_decided_at,
        when=F.acceptance_minutes.is_not(None),
    ),
    Flow(
        "acceptance_minutes_sum",
        "受理响应时长合计",
        CASE_FACTS,
        on=_decided_at,
        when=F.acceptance_minutes.is_not(None),
        value=F.acceptance_minutes,
        unit=Unit.MINUTES,
    ),
    Ratio(
        "acceptance_response_minutes",
        "平均受理响应时长（工作分钟）",
        "acceptance_minutes_sum",
        "acceptance_timed_count",
        unit=Unit.MINUTES,
        help="wm(收件, 受理或不予受理)，本期受理或不予受理的办件",
    ),
    CASES_ANALYSIS.measure("overdue_completed"),
    CASES_ANALYSIS.measure("overdue_open"),
    Sum("overdue_count", "超期件", ("overdue_completed", "overdue_open"), appraisal=True),
    Ratio("overdue_rate", "超期率", "overdue_count", "received_count", help="超期件除以本期收件数"),
    *RETURNED,
    *VOIDED,
    *REJECTED,
    Flow(
        "special_step_count", "特殊环节数", SPECIAL_STEPS, on=CaseStep.started_at, help="本期开始的特殊环节"
    ),
    Flow(
        "abnormal_special_step_count",
        "异常特殊环节数",
        SPECIAL_STEPS,
        on=CaseStep.started_at,
        when=_warned_step,
        help="本期开始、因超过规则阈值（否则超过该事项该环节 P90）而预警的特殊环节",
    ),
    Ratio(
        "abnormal_special_step_rate", "特殊环节异常率", "abnormal_special_step_count", "special_step_count"
    ),
    Flow("warning_count", "预警数", WARNING_SOURCE, on=Warning.triggered_at, help="本期触发的预警"),
    Flow("disposed_count", "处置数", WARNING_SOURCE, on=Warning.disposed_at, help="本期处置的预警"),
    Custom(
        "overdue_disposal_count",
        "超期处置数",
        _overdue_disposal,
        unit=Unit.COUNT,
        help="本期触发的预警中，处置晚于处置期限或至今未处置且已过期限的",
        source=WARNING_SOURCE,
    ),
)

ANALYSIS = Analysis(
    name="keylinks",
    title="关键环节动态监测及预警",
    section="3.2.2.5",
    measures=MEASURES,
    dimensions=("department", "matter", "staff"),
    drill=("department", "matter", "staff"),
)
