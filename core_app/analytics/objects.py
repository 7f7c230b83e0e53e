"""服务对象分析 (DOMAIN §4.7, S1 §3.2.2.7), the counting part: who was served, how often, how many visits.

- 服务对象数 ``subjects_served``: distinct applicants (a citizen, or an enterprise for an enterprise's case)
  with a case received in P. Distinct counts do not add up across days or keys, so this is a ``Custom``
  measure: one COUNT(DISTINCT) per period and key, the periods joined as a small derived table.
- 人均办件数 ``cases_per_subject`` = cases received in P / subjects served.
- 重复跑动率 ``repeat_visit_rate`` = cases received in P with two or more queue tickets linked / cases
  received in P with any ticket linked (a second ticket for the same case is a second trip to the hall).
- 咨询量 ``consultation_count`` by ``asked_at``; 取号量 ``ticket_count`` by ``taken_at``.

Sliced by applicant type, department and matter. A consultation's department is its matter's; a ticket's
are its case's (the window's department for a ticket never linked to a case), and its applicant type its
case's, else ``citizen`` when a citizen took it. Portraits, associations and pushes are another issue's.
"""

from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from core_app.access.models import ScopeKind
from core_app.access.scope import ScopeRule, in_department, own_records, region_subtree
from core_app.access.scopes import TICKETS
from core_app.analytics.engine import Analysis, Context, Custom, Flow, Ratio, Source, Unit, periods_table
from core_app.analytics.models import CaseFact
from core_app.analytics.sources import CASE_DIMENSIONS, CASE_FACTS, CASE_SCOPE, case_records, ticket_records
from core_app.cases.models import ApplicantType, Case, Consultation, QueueTicket
from core_app.matters.models import Matter
from core_app.org.models import Window
from core_app.people.models import Citizen, Enterprise

PERIODS_PER_STATEMENT = 200  # periods joined by one statement: keeps its VALUES list and its join short

# ---------------------------------------------------------------- subjects served


def _applicant(applicant_type: ApplicantType, column):
    return case((CaseFact.applicant_type == applicant_type, column))


SUBJECT_COUNT = func.count(distinct(_applicant(ApplicantType.CITIZEN, CaseFact.citizen_id))) + func.count(
    distinct(_applicant(ApplicantType.ENTERPRISE, CaseFact.enterprise_id))
)


def subjects_served(session: Session, context: Context) -> pd.DataFrame:
    """Distinct applicants with a case received in each period, per dimension key."""
    dimensions = [CASE_FACTS.dimensions[d] for d in context.by]
    frames = []
    indexed = list(enumerate(context.periods))
    for begin in range(0, len(indexed), PERIODS_PER_STATEMENT):
        chunk = indexed[begin : begin + PERIODS_PER_STATEMENT]
        periods = periods_table(chunk, "served_periods")
        received = CaseFact.received_at
        statement = (
            select(
                *(c.label(d) for c, d in zip(dimensions, context.by, strict=True)),
                periods.c.period,
                SUBJECT_COUNT,
            )
            .select_from(
                CaseFact.__table__.join(
                    periods, and_(received >= periods.c.starts, received < periods.c.ends)
                )
            )
            .where(
                received >= min(p.start_instant for _, p in chunk),
                received < max(p.end_instant for _, p in chunk),
                *context.conditions(CASE_FACTS),
            )
            .group_by(*dimensions, periods.c.period)
        )
        frames.append(
            pd.DataFrame(session.execute(statement).all(), columns=[*context.by, "period", "value"])
        )
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- repeat visits

TICKETED_CASES = Source(
    name="ticketed_cases",
    table=CaseFact.__table__,
    dimensions=CASE_DIMENSIONS,
    scope=CASE_SCOPE,
    where=CaseFact.ticket_count > 0,  # visits counted by the mart's refresh
    record_id=CaseFact.case_id,
    records=case_records,
)

# ---------------------------------------------------------------- consultations


def _consultation_rows(session: Session, ids: Select) -> list[dict[str, Any]]:
    statement = (
        select(
            Consultation.id, Consultation.subject, Matter.name, Consultation.channel, Consultation.asked_at
        )
        .outerjoin(Matter, Matter.id == Consultation.matter_id)
        .where(Consultation.id.in_(ids))
        .order_by(Consultation.asked_at.desc(), Consultation.id.desc())
    )
    keys = ("consultation_id", "subject", "matter", "channel", "asked_at")
    return [dict(zip(keys, row, strict=True)) for row in session.execute(statement)]


def _asked_in_region(grant, _principal):
    """A consultation has no place of its own: a region grant reaches those of the region's people."""
    subtree = region_subtree(grant.scope_id)
    return or_(
        Consultation.citizen_id.in_(select(Citizen.id).where(Citizen.region_id.in_(subtree))),
        Consultation.enterprise_id.in_(select(Enterprise.id).where(Enterprise.region_id.in_(subtree))),
    )


CONSULTATION_SCOPE = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(Matter.department_id),
        ScopeKind.REGION: _asked_in_region,
        ScopeKind.SELF: own_records(citizen=Consultation.citizen_id, enterprise=Consultation.enterprise_id),
    }
)

CONSULTATIONS = Source(
    name="consultations",
    table=Consultation.__table__.outerjoin(Matter.__table__, Matter.id == Consultation.matter_id),
    dimensions={
        "department": Matter.department_id,
        "matter": Consultation.matter_id,
        "applicant_type": case(
            (Consultation.enterprise_id.is_not(None), ApplicantType.ENTERPRISE.value),
            (Consultation.citizen_id.is_not(None), ApplicantType.CITIZEN.value),
        ),
    },
    scope=CONSULTATION_SCOPE,
    record_id=Consultation.id,
    records=_consultation_rows,
)

# ---------------------------------------------------------------- queue tickets


TICKETS_TAKEN = Source(
    name="queue_tickets",
    table=QueueTicket.__table__.outerjoin(Case.__table__, Case.id == QueueTicket.case_id).outerjoin(
        Window.__table__, Window.id == QueueTicket.window_id
    ),
    dimensions={
        "department": func.coalesce(Case.department_id, Window.department_id),
        "matter": Case.matter_id,
        "applicant_type": func.coalesce(
            Case.applicant_type,
            case((QueueTicket.citizen_id.is_not(None), ApplicantType.CITIZEN.value)),
        ),
    },
    scope=TICKETS,
    record_id=QueueTicket.id,
    records=ticket_records,
)

# ---------------------------------------------------------------- the analysis

ANALYSIS = Analysis(
    name="objects",
    title="服务对象分析",
    section="3.2.2.7",
    measures=(
        Flow("received_count", "收件数", CASE_FACTS, on=CaseFact.received_at),
        Custom(
            "subjects_served",
            "服务对象数",
            subjects_served,
            unit=Unit.COUNT,
            help="期内有办件收件的个人与企业（去重）",
        ),
        Ratio("cases_per_subject", "人均办件数", "received_count", "subjects_served", unit=Unit.NUMBER),
        Flow("ticketed_case_count", "取号办件数", TICKETED_CASES, on=CaseFact.received_at),
        Flow(
            "repeat_visit_case_count",
            "重复跑动办件数",
            TICKETED_CASES,
            on=CaseFact.received_at,
            when=CaseFact.ticket_count >= 2,
            help="期内收件、关联两张及以上排队号的办件",
        ),
        Ratio("repeat_visit_rate", "重复跑动率", "repeat_visit_case_count", "ticketed_case_count"),
        Flow("consultation_count", "咨询量", CONSULTATIONS, on=Consultation.asked_at),
        Flow("ticket_count", "取号量", TICKETS_TAKEN, on=QueueTicket.taken_at),
    ),
    dimensions=("applicant_type", "department", "matter"),
    drill=("applicant_type", "department", "matter"),
)
