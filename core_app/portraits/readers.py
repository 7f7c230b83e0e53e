"""The aggregated records behind the portraits, each one GROUP BY in the database.

Every reader returns a frame with the columns ``features.portraits`` names for it, one row per subject
(or per subject and matter / channel / window); no reader pulls cases row by row. Timestamps come back
local (Asia/Shanghai) naive, the form pandas arithmetic wants. ``ids`` narrows a reader to some
subjects (an incremental run); None reads them all.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from core_app.analytics.models import CaseFact
from core_app.cases.models import Case, CaseStatus, Consultation, QueueTicket, Review, TicketStatus
from core_app.config import LOCAL_TZ
from core_app.db.sqltime import clock_minutes, epoch_seconds, local_day
from core_app.events.models import Event, EventStatus, Satisfaction
from core_app.matters.models import Matter
from core_app.org.models import Staff, Window, window_matters
from core_app.people.profiles import applicant_profiles
from core_app.portraits.models import SubjectType
from features.portraits import applicants as ap
from features.portraits import workforce as wf
from features.portraits.applicants import ApplicantRecords
from features.portraits.rules import Thresholds
from features.portraits.workforce import StaffRecords, WindowRecords

OPEN_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.RECEIVED,
    CaseStatus.ACCEPTED,
    CaseStatus.IN_APPROVAL,
    CaseStatus.SUSPENDED,
)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END): a filtered count both databases understand."""
    return func.coalesce(func.sum(when((condition, 1), else_=0)), 0)


def read(session: Session, statement: Select, columns: Sequence[str], stamps: Sequence[str] = ()):
    """Run a statement into a frame with these column names; ``stamps`` (selected as ``epoch_seconds``)
    become local naive datetimes."""
    rows = session.connection().execute(statement).all()  # Core rows: no ORM result processing
    # Column by column: far quicker than letting pandas inspect every Row object.
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    frame = pd.DataFrame({name: list(column) for name, column in zip(columns, values, strict=True)})
    for column in stamps:
        epoch = pd.to_numeric(frame[column], errors="coerce")
        frame[column] = pd.to_datetime(epoch, unit="s", utc=True).dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    return frame


def local_naive(values: pd.Series) -> pd.Series:
    """Aware timestamps (any zone) as local naive datetime64; None as NaT."""
    stamps = pd.to_datetime(values, utc=True).dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    return stamps.astype("datetime64[ns]")


# ---------------------------------------------------------------- citizens and enterprises


def applicant_records(
    session: Session,
    kind: SubjectType,
    now: datetime,
    thresholds: Thresholds,
    ids: list[int] | None = None,
    profiles: pd.DataFrame | None = None,
) -> ApplicantRecords:
    """Everything the portraits of one kind of applicant need, aggregated per subject.

    ``profiles`` (from ``applicant_profiles``, either kind) saves reading them again.
    """
    subject = Case.citizen_id if kind == SubjectType.CITIZEN else Case.enterprise_id
    among = true() if ids is None else subject.in_(ids)
    if profiles is None:
        profiles = _profiles(session, kind, ids)
    return ApplicantRecords.of(
        profiles=profiles[profiles["subject_type"] == kind.value][list(ap.PROFILE_COLUMNS)],
        matter_cases=_matter_cases(session, subject, among),
        case_activity=_case_activity(session, subject, among, now, thresholds),
        channels=read(
            session,
            select(subject, Case.channel, func.count())
            .where(subject.is_not(None), among)
            .group_by(subject, Case.channel),
            ap.CHANNEL_COLUMNS,
        ).assign(channel=lambda f: f["channel"].map(lambda c: getattr(c, "value", c))),
        reviews=_reviews(session, subject, among),
        tickets=_tickets(session, kind, ids),
        visits=_visits(session, kind, ids),
        consultations=_consultations(session, kind, ids),
        events=_events(session, kind, ids),
        matters=read(session, select(Matter.id, Matter.name), ap.MATTER_COLUMNS),
    )


def _profiles(session: Session, kind: SubjectType, ids: list[int] | None) -> pd.DataFrame:
    if ids is None:
        citizen_ids = enterprise_ids = None
    else:
        citizen_ids = ids if kind == SubjectType.CITIZEN else []
        enterprise_ids = ids if kind == SubjectType.ENTERPRISE else []
    return applicant_profiles(session, citizen_ids=citizen_ids, enterprise_ids=enterprise_ids)


def _matter_cases(session: Session, subject, among) -> pd.DataFrame:
    statement = (
        select(
            subject,
            Case.matter_id,
            func.count(),
            count_if(Case.status == CaseStatus.COMPLETED),
            count_if(Case.status.in_(OPEN_STATUSES)),
        )
        .where(subject.is_not(None), among)
        .group_by(subject, Case.matter_id)
    )
    return read(session, statement, ap.MATTER_CASE_COLUMNS)


def _case_activity(session: Session, subject, among, now: datetime, thresholds: Thresholds) -> pd.DataFrame:
    statement = (
        select(
            subject,
            count_if(Case.submitted_at >= now - timedelta(days=thresholds.recent_days)),
            count_if(Case.submitted_at >= now - timedelta(days=thresholds.year_days)),
            epoch_seconds(func.max(Case.submitted_at)),
        )
        .where(subject.is_not(None), among)
        .group_by(subject)
    )
    return read(session, statement, ap.CASE_ACTIVITY_COLUMNS, stamps=("last_case_at",))


def _reviews(session: Session, subject, among) -> pd.DataFrame:
    statement = (
        select(subject, func.count(), count_if(Review.level >= 3), count_if(Review.level <= 2))
        .select_from(Review)
        .join(Case, Case.id == Review.case_id)
        .where(Review.is_valid.is_(True), subject.is_not(None), among)
        .group_by(subject)
    )
    return read(session, statement, ap.REVIEW_COLUMNS)


def _ticket_holder(kind: SubjectType):
    """Whose a ticket is: a citizen's if they swiped their ID, else the applicant of the case it served."""
    if kind == SubjectType.CITIZEN:
        return func.coalesce(QueueTicket.citizen_id, Case.citizen_id)
    return Case.enterprise_id


def _tickets_of(kind: SubjectType, ids: list[int] | None):
    """FROM queue_tickets LEFT JOIN cases, narrowed to the subjects (index-friendly on both columns)."""
    holder = _ticket_holder(kind)
    if ids is None:
        among = holder.is_not(None)
    elif kind == SubjectType.CITIZEN:
        among = or_(QueueTicket.citizen_id.in_(ids), Case.citizen_id.in_(ids))
    else:
        among = Case.enterprise_id.in_(ids)
    return holder, among


def _tickets(session: Session, kind: SubjectType, ids: list[int] | None) -> pd.DataFrame:
    holder, among = _tickets_of(kind, ids)
    statement = (
        select(
            holder,
            func.count(),
            count_if(QueueTicket.status == TicketStatus.SERVED),
            count_if(QueueTicket.status == TicketStatus.MISSED),
            epoch_seconds(func.max(QueueTicket.taken_at)),
        )
        .select_from(QueueTicket)
        .outerjoin(Case, Case.id == QueueTicket.case_id)
        .where(among)
        .group_by(holder)
    )
    frame = read(session, statement, ap.TICKET_COLUMNS, stamps=("last_ticket_at",))
    return _only(frame, ids)


def _visits(session: Session, kind: SubjectType, ids: list[int] | None) -> pd.DataFrame:
    holder, among = _tickets_of(kind, ids)
    per_case = (
        select(holder.label("subject_id"), QueueTicket.case_id, func.count().label("tickets"))
        .select_from(QueueTicket)
        .join(Case, Case.id == QueueTicket.case_id)
        .where(among)
        .group_by(holder, QueueTicket.case_id)
        .subquery("per_case")
    )
    statement = select(
        per_case.c.subject_id,
        func.count(),
        func.sum(per_case.c.tickets),
        count_if(per_case.c.tickets >= 2),
    ).group_by(per_case.c.subject_id)
    return _only(read(session, statement, ap.VISIT_COLUMNS), ids)


def _consultations(session: Session, kind: SubjectType, ids: list[int] | None) -> pd.DataFrame:
    subject = Consultation.citizen_id if kind == SubjectType.CITIZEN else Consultation.enterprise_id
    statement = (
        select(subject, func.count(), epoch_seconds(func.max(Consultation.asked_at)))
        .where(subject.is_not(None), true() if ids is None else subject.in_(ids))
        .group_by(subject)
    )
    return read(session, statement, ap.CONSULTATION_COLUMNS, stamps=("last_consulted_at",))


def _events(session: Session, kind: SubjectType, ids: list[int] | None) -> pd.DataFrame:
    subject = Event.citizen_id if kind == SubjectType.CITIZEN else Event.enterprise_id
    statement = (
        select(
            subject,
            func.count(),
            count_if(Event.status == EventStatus.CLOSED),
            count_if(Event.satisfaction == Satisfaction.SATISFIED),
            count_if(Event.satisfaction == Satisfaction.BASICALLY),
            count_if(Event.satisfaction == Satisfaction.DISSATISFIED),
            epoch_seconds(func.max(Event.reported_at)),
        )
        .where(subject.is_not(None), true() if ids is None else subject.in_(ids))
        .group_by(subject)
    )
    return read(session, statement, ap.EVENT_COLUMNS, stamps=("last_event_at",))


def _only(frame: pd.DataFrame, ids: list[int] | None) -> pd.DataFrame:
    frame = frame[frame["subject_id"].notna()]
    return frame if ids is None else frame[frame["subject_id"].isin(ids)]


# ---------------------------------------------------------------- staff and windows


def staff_records(session: Session, now: datetime, thresholds: Thresholds) -> StaffRecords:
    """Every staff member's records of the look-back period, aggregated per member."""
    since = now - timedelta(days=thresholds.assessment_days)
    received_in = and_(CaseFact.received_at >= since, CaseFact.receiver_staff_id.is_not(None))
    handled_in = and_(CaseFact.completed_at >= since, CaseFact.handler_staff_id.is_not(None))
    served_in = and_(
        QueueTicket.status == TicketStatus.SERVED,
        QueueTicket.taken_at >= since,
        QueueTicket.staff_id.is_not(None),
    )
    return StaffRecords.of(
        staff=read(session, select(Staff.id, Staff.department_id), wf.STAFF_COLUMNS),
        received=read(
            session,
            select(CaseFact.receiver_staff_id, func.count())
            .where(received_in)
            .group_by(CaseFact.receiver_staff_id),
            wf.RECEIVED_COLUMNS,
        ),
        handled=_handled(session, handled_in),
        served=_served(session, QueueTicket.staff_id, served_in, wf.SERVED_COLUMNS),
        reviews=_reviews_by(session, Review.staff_id, since),
        matters=_staff_matters(session, received_in, handled_in),
        windows=read(
            session,
            select(QueueTicket.staff_id, QueueTicket.window_id, func.count())
            .where(served_in, QueueTicket.window_id.is_not(None))
            .group_by(QueueTicket.staff_id, QueueTicket.window_id),
            wf.WINDOWS_WORKED_COLUMNS,
        ),
        matter_names=read(session, select(Matter.id, Matter.name), wf.MATTER_COLUMNS),
    )


def _handled(session: Session, handled_in: ColumnElement[bool]) -> pd.DataFrame:
    staff = CaseFact.handler_staff_id
    totals = read(
        session,
        select(
            staff,
            func.count(),
            count_if(CaseFact.completed_at <= CaseFact.due_at),
            func.count(CaseFact.elapsed_days),
            func.coalesce(func.sum(CaseFact.elapsed_days), 0.0),
        )
        .where(handled_in)
        .group_by(staff),
        wf.HANDLED_COLUMNS[:-1],
    )
    medians = median_by(
        session, staff, CaseFact.elapsed_days, and_(handled_in, CaseFact.elapsed_days.is_not(None))
    )
    totals["median_elapsed_days"] = totals["subject_id"].map(medians)
    return totals


def median_by(session: Session, key, value, condition: ColumnElement[bool]) -> pd.Series:
    """The median of ``value`` per ``key`` over the rows meeting ``condition``, exact on both databases:
    PostgreSQL's percentile_cont; on SQLite the middle row(s) by ROW_NUMBER and COUNT over the key."""
    rows = select(key.label("key"), value.label("value")).where(condition).subquery("rows")
    if session.get_bind().dialect.name == "postgresql":
        median = func.percentile_cont(0.5).within_group(rows.c.value)
        statement = select(rows.c.key, median).group_by(rows.c.key)
    else:
        ranked = select(
            rows,
            func.row_number().over(partition_by=rows.c.key, order_by=rows.c.value).label("rank"),
            func.count().over(partition_by=rows.c.key).label("size"),
        ).subquery("ranked")
        # 2·rank in [size, size + 2]: rank (n+1)/2 for odd n, n/2 and n/2+1 for even n.
        statement = (
            select(ranked.c.key, func.avg(ranked.c.value))
            .where(2 * ranked.c.rank >= ranked.c.size, 2 * ranked.c.rank <= ranked.c.size + 2)
            .group_by(ranked.c.key)
        )
    frame = read(session, statement, ("key", "median"))
    return pd.Series(frame["median"].astype(float).to_numpy(), index=frame["key"].to_numpy())


def _served(session: Session, unit, condition: ColumnElement[bool], columns: Sequence[str]) -> pd.DataFrame:
    started, ended = QueueTicket.service_started_at, QueueTicket.service_ended_at
    timed = and_(started.is_not(None), ended.is_not(None))
    statement = (
        select(
            unit,
            func.count(),
            func.coalesce(func.sum(when((timed, clock_minutes(started, ended)))), 0.0),
            count_if(timed),
        )
        .where(condition)
        .group_by(unit)
    )
    return read(session, statement, columns)


def _reviews_by(session: Session, unit, since: datetime, *, join_cases: bool = False) -> pd.DataFrame:
    statement = select(unit, func.count(), count_if(Review.level >= 3), count_if(Review.level <= 2)).where(
        Review.is_valid.is_(True), Review.reviewed_at >= since, unit.is_not(None)
    )
    if join_cases:
        statement = statement.select_from(Review).join(Case, Case.id == Review.case_id)
    return read(session, statement.group_by(unit), wf.REVIEW_COLUMNS)


def _staff_matters(session: Session, received_in, handled_in) -> pd.DataFrame:
    """Cases per staff member and matter, received or handled (a case both received and handled by one
    member counts twice: two pieces of work)."""
    frames = [
        read(
            session,
            select(staff, CaseFact.matter_id, func.count())
            .where(condition)
            .group_by(staff, CaseFact.matter_id),
            wf.STAFF_MATTER_COLUMNS,
        )
        for staff, condition in (
            (CaseFact.receiver_staff_id, received_in),
            (CaseFact.handler_staff_id, handled_in),
        )
    ]
    both = pd.concat(frames, ignore_index=True)
    return both.groupby(["subject_id", "matter_id"], as_index=False)["cases"].sum()


def window_records(session: Session, now: datetime, thresholds: Thresholds) -> WindowRecords:
    """Every window's records of the look-back period, aggregated per window."""
    since = now - timedelta(days=thresholds.assessment_days)
    return WindowRecords.of(
        windows=read(session, select(Window.id, Window.hall_id, Window.department_id), wf.WINDOW_COLUMNS),
        tickets=_window_tickets(session, since),
        cases=_window_cases(session, since),
        reviews=_reviews_by(session, Case.window_id, since, join_cases=True),
        offered=read(
            session,
            select(window_matters.c.window_id, func.count()).group_by(window_matters.c.window_id),
            wf.OFFERED_COLUMNS,
        ),
    )


def _window_tickets(session: Session, since: datetime) -> pd.DataFrame:
    dialect = session.get_bind().dialect.name
    served = QueueTicket.status == TicketStatus.SERVED
    called = QueueTicket.called_at.is_not(None)
    started, ended = QueueTicket.service_started_at, QueueTicket.service_ended_at
    timed = and_(served, started.is_not(None), ended.is_not(None))
    statement = (
        select(
            QueueTicket.window_id,
            count_if(served),
            count_if(QueueTicket.status == TicketStatus.MISSED),
            func.coalesce(
                func.sum(when((called, clock_minutes(QueueTicket.taken_at, QueueTicket.called_at)))), 0.0
            ),
            count_if(called),
            func.coalesce(func.sum(when((timed, clock_minutes(started, ended)))), 0.0),
            count_if(timed),
            func.count(func.distinct(when((served, local_day(QueueTicket.taken_at, dialect))))),
        )
        .where(QueueTicket.taken_at >= since, QueueTicket.window_id.is_not(None))
        .group_by(QueueTicket.window_id)
    )
    return read(session, statement, wf.WINDOW_TICKET_COLUMNS)


def _window_cases(session: Session, since: datetime) -> pd.DataFrame:
    completed_in = CaseFact.completed_at >= since
    statement = (
        select(
            CaseFact.window_id,
            count_if(CaseFact.received_at >= since),
            count_if(completed_in),
            count_if(and_(completed_in, CaseFact.completed_at <= CaseFact.due_at)),
        )
        .where(CaseFact.window_id.is_not(None), or_(CaseFact.received_at >= since, completed_in))
        .group_by(CaseFact.window_id)
    )
    return read(session, statement, wf.WINDOW_CASE_COLUMNS)


def as_local_naive(moment: datetime) -> np.datetime64:
    """An aware instant as the local naive datetime the pure features compute with."""
    return np.datetime64(moment.astimezone(LOCAL_TZ).replace(tzinfo=None), "s")
