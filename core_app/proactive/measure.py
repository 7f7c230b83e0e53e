"""Acceptance of pushes (DOMAIN §4.7 push_conversion_rate): conversions, figures per group, the listing.

Converted: the subject submitted a case of the pushed matter after sent_at and within
BUTLER_PUSH_CONVERSION_DAYS (30) of it. A bundle push counts a case of its own matter only: a joint
(一件事) application files a case for every matter of the bundle, so it is counted through that case,
while a case of another matter of the bundle alone is not the recommendation taken up. Voided cases
(registration mistakes) do not count; returned ones do (the person started the matter).
Only sent and opened pushes convert (a dismissed one stays dismissed); converted_at is the case's
submitted_at, converted_case_id the first such case.

Acceptance rate = converted / sent over the pushes whose window has ended (sent_at at least 30 days
ago): a younger push may still convert, and counting it would understate the rate. The figures also give
all pushes sent in the period, matured or not.
"""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select, update
from sqlalchemy.orm import Session

from core_app.cases.models import Case, CaseStatus
from core_app.config import get_settings
from core_app.db.base import utcnow
from core_app.db.sqltime import clock_minutes
from core_app.matters.models import Matter
from core_app.proactive.models import Push, PushChannel, PushStatus

CONVERTIBLE = (PushStatus.SENT, PushStatus.OPENED)
SUBJECT_COLUMNS = ((Push.citizen_id, Case.citizen_id), (Push.enterprise_id, Case.enterprise_id))


class StatsBy(enum.StrEnum):
    CHANNEL = "channel"
    MODEL_VERSION = "model_version"
    MATTER = "matter"
    SUBJECT_TYPE = "subject_type"


class SubjectType(enum.StrEnum):
    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"


def measure_conversions(session: Session, now: datetime | None = None) -> int:
    """Mark sent and opened pushes converted whose matter the subject started within the window; the count.

    Two UPDATEs per kind of subject, each with a correlated subquery: first the case, then the status.
    Nothing is committed.
    """
    now = now or utcnow()
    window_minutes = get_settings().push_conversion_days * 24 * 60
    converted = 0
    for push_subject, case_subject in SUBJECT_COLUMNS:
        first_case = (
            select(Case.id)
            .where(
                case_subject == push_subject,
                Case.matter_id == Push.matter_id,
                Case.submitted_at > Push.sent_at,
                Case.submitted_at <= now,
                clock_minutes(Push.sent_at, Case.submitted_at) <= window_minutes,
                Case.status != CaseStatus.VOIDED,
            )
            .order_by(Case.submitted_at, Case.id)
            .limit(1)
            .scalar_subquery()
        )
        found = session.execute(
            update(Push)
            .where(push_subject.is_not(None), Push.status.in_(CONVERTIBLE), Push.sent_at <= now)
            .where(first_case.is_not(None))
            .values(converted_case_id=first_case)
            .execution_options(synchronize_session=False)
        )
        converted += found.rowcount or 0
    submitted = select(Case.submitted_at).where(Case.id == Push.converted_case_id).scalar_subquery()
    session.execute(
        update(Push)
        .where(Push.status.in_(CONVERTIBLE), Push.converted_case_id.is_not(None))
        .values(status=PushStatus.CONVERTED, converted_at=submitted)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return converted


def subject_type_of(model=Push) -> ColumnElement[str]:
    """'citizen' or 'enterprise', in SQL."""
    return case(
        (model.citizen_id.is_not(None), literal(SubjectType.CITIZEN.value)),
        else_=SubjectType.ENTERPRISE.value,
    )


GROUPS: dict[StatsBy, Any] = {
    StatsBy.CHANNEL: Push.channel,
    StatsBy.MODEL_VERSION: Push.model_version,
    StatsBy.MATTER: Push.matter_id,
    StatsBy.SUBJECT_TYPE: subject_type_of(),
}
FIGURES = ("sent", "opened", "dismissed", "converted", "matured_sent", "matured_converted", "suppressed")


@dataclass(frozen=True)
class Period:
    start: datetime | None = None
    end: datetime | None = None

    def holds(self, column) -> ColumnElement[bool]:
        """The column is set and inside the period."""
        conditions = [column.is_not(None)]
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column < self.end)
        return and_(*conditions)


def push_stats(
    session: Session, period: Period, by: StatsBy | None, now: datetime | None = None
) -> list[dict]:
    """Sent, opened, dismissed, converted and suppressed pushes per group, with the acceptance rate.

    Sent and its outcomes count pushes by sent_at in the period; suppressed ones by generated_at.
    """
    now = now or utcnow()
    matured_by = now - timedelta(days=get_settings().push_conversion_days)
    sent = period.holds(Push.sent_at)
    matured = and_(sent, Push.sent_at <= matured_by)
    converted = Push.status == PushStatus.CONVERTED
    figures = {
        "sent": sent,
        "opened": and_(sent, Push.opened_at.is_not(None)),
        "dismissed": and_(sent, Push.status == PushStatus.DISMISSED),
        "converted": and_(sent, converted),
        "matured_sent": matured,
        "matured_converted": and_(matured, converted),
        "suppressed": and_(period.holds(Push.generated_at), Push.status == PushStatus.SUPPRESSED),
    }
    counts = [
        func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)
        for name, condition in figures.items()
    ]
    key = GROUPS[by].label("key") if by is not None else literal("all").label("key")
    statement: Select = select(key, *counts).where(sent | figures["suppressed"]).group_by(key).order_by(key)
    rows = [dict(row._mapping) for row in session.execute(statement)]
    names = _matter_names(session, [row["key"] for row in rows]) if by == StatsBy.MATTER else {}
    return [_with_rates(row, by, names) for row in rows]


def _with_rates(row: dict, by: StatsBy | None, names: dict[int, str]) -> dict:
    key = row.pop("key")
    out: dict[str, Any] = {"key": getattr(key, "value", key) if by is not None else None}
    if by == StatsBy.MATTER:
        out["matter_name"] = names.get(key)
    out |= {name: int(row[name]) for name in FIGURES}
    out["acceptance_rate"] = rate(out["matured_converted"], out["matured_sent"])
    return out


def totals(rows: list[dict]) -> dict:
    """The figures summed over the groups, with the overall acceptance rate."""
    summed: dict[str, Any] = {name: sum(row[name] for row in rows) for name in FIGURES}
    summed["acceptance_rate"] = rate(summed["matured_converted"], summed["matured_sent"])
    return summed


def rate(part: int, whole: int) -> float | None:
    """part / whole to four places; None when whole is 0."""
    return round(part / whole, 4) if whole else None


def _matter_names(session: Session, ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(Matter.id, Matter.name).where(Matter.id.in_(ids))).all())


@dataclass(frozen=True)
class PushFilter:
    """The listing's filters; the period applies to generated_at."""

    statuses: tuple[PushStatus, ...] = ()
    channel: PushChannel | None = None
    matter_id: int | None = None
    subject_type: SubjectType | None = None
    period: Period = Period()

    def conditions(self) -> list[ColumnElement[bool]]:
        """The filters as SQL conditions."""
        conditions = [self.period.holds(Push.generated_at)]
        if self.statuses:
            conditions.append(Push.status.in_(self.statuses))
        if self.channel is not None:
            conditions.append(Push.channel == self.channel)
        if self.matter_id is not None:
            conditions.append(Push.matter_id == self.matter_id)
        if self.subject_type == SubjectType.CITIZEN:
            conditions.append(Push.citizen_id.is_not(None))
        elif self.subject_type == SubjectType.ENTERPRISE:
            conditions.append(Push.enterprise_id.is_not(None))
        return conditions


def list_pushes(
    session: Session, where: PushFilter, *, offset: int, limit: int
) -> tuple[list[tuple[Push, str]], int]:
    """Pushes with their matter names, newest first, and how many match."""
    conditions = where.conditions()
    total = session.scalar(select(func.count()).select_from(Push).where(*conditions)) or 0
    statement = (
        select(Push, Matter.name)
        .join(Matter, Matter.id == Push.matter_id)
        .where(*conditions)
        .order_by(Push.generated_at.desc(), Push.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [(push, name) for push, name in session.execute(statement)], total
