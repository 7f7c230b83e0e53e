"""全生命周期 (DOMAIN §4.7): one applicant's consultations, queue tickets, case stages, reviews,
rectifications and reported events as one time-ordered list.

Each item: ``at`` (local time), ``kind`` (see ``KINDS``), ``channel`` (a case's channel; a ticket's
``window``; an event's source), the matter and department (ids and names), ``case_no``, ``reference``
(the ticket or event number), ``status`` (the record's current status), ``outcome`` (a case's result,
a review's good/bad, an event's satisfaction, a rectification's callback), ``level`` (a review's 1-5)
and ``topic`` (a consultation's question or an event's title; free text, masked on output).

Data scope: the caller must see the applicant (else 404, as for a missing one); each item is then shown
only if the caller's portraits:read grants reach that record (a department sees its own cases, reviews
and tickets of the applicant, not another department's).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, aliased

from core_app.access import scopes
from core_app.access.principal import Principal
from core_app.cases.models import Case, Consultation, QueueTicket, Rectification, Review
from core_app.config import LOCAL_TZ
from core_app.events.models import Event
from core_app.matters.models import Matter
from core_app.org.models import Department, Window
from core_app.portraits.models import SubjectType
from core_app.portraits.readers import local_naive
from core_app.portraits.scopes import CONSULTATIONS, RECTIFICATIONS, within

KINDS = (
    "consultation",
    "ticket_taken",
    "ticket_called",
    "ticket_missed",
    "case_submitted",
    "case_received",
    "case_accepted",
    "case_rejected",
    "case_returned",
    "ticket_served",
    "case_voided",
    "case_completed",
    "review",
    "rectification_due",
    "rectification_completed",
    "event_reported",
    "event_closed",
)
COLUMNS = (
    "at",
    "kind",
    "channel",
    "case_no",
    "matter_id",
    "matter_name",
    "department_id",
    "department_name",
    "reference",
    "status",
    "outcome",
    "level",
    "topic",
)
LABELS = {
    "at": "时间",
    "kind": "环节",
    "channel": "渠道",
    "case_no": "办件编号",
    "matter_id": "事项ID",
    "matter_name": "事项",
    "department_id": "部门ID",
    "department_name": "部门",
    "reference": "编号",
    "status": "状态",
    "outcome": "结果",
    "level": "评价等级",
    "topic": "内容",
}
CASE_STAGES = {
    "case_submitted": "submitted_at",
    "case_received": "received_at",
    "case_accepted": "accepted_at",
    "case_rejected": "rejected_at",
    "case_returned": "returned_at",
    "case_voided": "voided_at",
    "case_completed": "completed_at",
}


@dataclass(frozen=True)
class Period:
    """[start, end) in local time; either end open."""

    start: datetime | None = None
    end: datetime | None = None


def parse_moment(raw: str | None, *, upper: bool) -> datetime | None:
    """A date or ISO datetime (naive = Asia/Shanghai); a bare date as the upper end covers that day.

    Raises ValueError saying what is wrong.
    """
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if upper else day, time(), LOCAL_TZ)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{raw!r} is not a date (2025-05-01) or an ISO datetime (2025-05-01T08:30)"
        ) from None
    if upper:
        moment += timedelta(microseconds=1)  # an explicit instant is included
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def lifecycle(
    session: Session,
    kind: SubjectType,
    subject_id: int,
    principal: Principal | None,
    period: Period = Period(),
) -> pd.DataFrame:
    """The applicant's items in time order (COLUMNS), within the period and the caller's scope."""
    own_cases = select(Case.id).where(_case_subject(kind) == subject_id)
    parts = [
        _cases(session, kind, subject_id, principal),
        _tickets(session, kind, subject_id, own_cases, principal),
        _reviews(session, own_cases, principal),
        _rectifications(session, own_cases, principal),
        _consultations(session, kind, subject_id, principal),
        _events(session, kind, subject_id, principal),
    ]
    items = (
        pd.concat([p for p in parts if not p.empty], ignore_index=True)
        if any(not p.empty for p in parts)
        else pd.DataFrame(columns=[*COLUMNS, "_order"])
    )
    items = items[items["at"].notna()]
    if period.start is not None:
        items = items[items["at"] >= _naive(period.start)]
    if period.end is not None:
        items = items[items["at"] < _naive(period.end)]
    items = items.sort_values(["at", "_order", "reference", "case_no"], kind="stable", na_position="last")
    return items[list(COLUMNS)].reset_index(drop=True)


def _naive(moment: datetime) -> pd.Timestamp:
    return pd.Timestamp(moment.astimezone(LOCAL_TZ).replace(tzinfo=None))


def _case_subject(kind: SubjectType):
    return Case.citizen_id if kind == SubjectType.CITIZEN else Case.enterprise_id


def _frame(session: Session, statement, columns: list[str], stamps: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(session.execute(statement).all(), columns=columns)
    for column in stamps:
        frame[column] = local_naive(frame[column])
    for column in ("channel", "status", "outcome"):
        if column in frame:
            frame[column] = frame[column].map(lambda v: getattr(v, "value", v))
    return frame


def _items(rows: pd.DataFrame, kind: str, at: str, **columns) -> pd.DataFrame:
    """One item per row that has a stamp in ``at``; ``columns`` maps item columns to row columns or
    constants."""
    chosen = rows[rows[at].notna()]
    item = pd.DataFrame({"at": chosen[at], "kind": kind}, index=chosen.index)
    for name in COLUMNS[2:]:
        source = columns.get(name)
        item[name] = chosen[source] if isinstance(source, str) and source in chosen else source
    item["_order"] = KINDS.index(kind)
    return item


def _cases(session: Session, kind: SubjectType, subject_id: int, principal) -> pd.DataFrame:
    stamps = list(CASE_STAGES.values())
    statement = (
        select(
            Case.case_no,
            Case.channel,
            Case.status,
            Case.result,
            Case.matter_id,
            Matter.name,
            Case.department_id,
            Department.name,
            *(getattr(Case, s) for s in stamps),
        )
        .join(Matter, Matter.id == Case.matter_id)
        .join(Department, Department.id == Case.department_id)
        .where(_case_subject(kind) == subject_id, within(scopes.CASES, principal))
    )
    base = ["case_no", "channel", "status", "outcome", "matter_id", "matter_name", "department_id"]
    rows = _frame(session, statement, [*base, "department_name", *stamps], stamps)
    common = {name: name for name in base + ["department_name"]}
    items = []
    for stage, stamp in CASE_STAGES.items():
        outcome = "outcome" if stage == "case_completed" else None
        items.append(_items(rows, stage, stamp, **{**common, "outcome": outcome}))
    return pd.concat(items, ignore_index=True)


def _tickets(session: Session, kind: SubjectType, subject_id: int, own_cases, principal) -> pd.DataFrame:
    served = aliased(Department)
    mine: ColumnElement[bool] = QueueTicket.case_id.in_(own_cases)
    if kind == SubjectType.CITIZEN:
        mine = or_(QueueTicket.citizen_id == subject_id, mine)
    statement = (
        select(
            QueueTicket.ticket_no,
            QueueTicket.status,
            Case.case_no,
            Case.matter_id,
            Matter.name,
            Department.id,
            Department.name,
            served.id,
            served.name,
            QueueTicket.taken_at,
            QueueTicket.called_at,
            QueueTicket.service_ended_at,
        )
        .select_from(QueueTicket)
        .outerjoin(Case, Case.id == QueueTicket.case_id)
        .outerjoin(Matter, Matter.id == Case.matter_id)
        .outerjoin(Department, Department.id == Case.department_id)
        .outerjoin(Window, Window.id == QueueTicket.window_id)
        .outerjoin(served, served.id == Window.department_id)
        .where(mine, within(scopes.TICKETS, principal))
    )
    columns = ["reference", "status", "case_no", "matter_id", "matter_name", "case_dept", "case_dept_name"]
    columns += ["window_dept", "window_dept_name", "taken_at", "called_at", "served_at"]
    rows = _frame(session, statement, columns, ["taken_at", "called_at", "served_at"])
    # A ticket's department is its case's, else its window's (the department the window is stationed for).
    rows["department_id"] = rows["case_dept"].where(rows["case_dept"].notna(), rows["window_dept"])
    rows["department_name"] = rows["case_dept_name"].where(
        rows["case_dept"].notna(), rows["window_dept_name"]
    )
    missed = rows["status"] == "missed"
    common = {
        name: name
        for name in (
            "reference",
            "status",
            "case_no",
            "matter_id",
            "matter_name",
            "department_id",
            "department_name",
        )
    }
    common["channel"] = "window"
    return pd.concat(
        [
            _items(rows, "ticket_taken", "taken_at", **common),
            _items(rows[~missed], "ticket_called", "called_at", **common),
            _items(rows[missed], "ticket_missed", "called_at", **common),
            _items(rows[rows["status"] == "served"], "ticket_served", "served_at", **common),
        ],
        ignore_index=True,
    )


def _reviews(session: Session, own_cases, principal) -> pd.DataFrame:
    statement = (
        select(
            Review.reviewed_at,
            Review.channel,
            Case.case_no,
            Review.matter_id,
            Matter.name,
            Review.department_id,
            Department.name,
            Review.is_valid,
            Review.is_good,
            Review.level,
        )
        .join(Case, Case.id == Review.case_id)
        .join(Matter, Matter.id == Review.matter_id)
        .join(Department, Department.id == Review.department_id)
        .where(Review.case_id.in_(own_cases), within(scopes.REVIEWS, principal))
    )
    columns = ["reviewed_at", "channel", "case_no", "matter_id", "matter_name", "department_id"]
    rows = _frame(
        session, statement, [*columns, "department_name", "valid", "good", "level"], ["reviewed_at"]
    )
    rows["status"] = rows["valid"].map({True: "valid", False: "invalid"})
    rows["outcome"] = rows["good"].map({True: "good", False: "bad"})
    named = {name: name for name in [*columns[1:], "department_name", "status", "outcome", "level"]}
    return _items(rows, "review", "reviewed_at", **named)


def _rectifications(session: Session, own_cases, principal) -> pd.DataFrame:
    statement = (
        select(
            Rectification.deadline_at,
            Rectification.completed_at,
            Rectification.callback_result,
            Case.case_no,
            Case.matter_id,
            Matter.name,
            Rectification.department_id,
            Department.name,
        )
        .join(Review, Review.id == Rectification.review_id)
        .join(Case, Case.id == Review.case_id)
        .join(Matter, Matter.id == Case.matter_id)
        .join(Department, Department.id == Rectification.department_id)
        .where(Review.case_id.in_(own_cases), within(RECTIFICATIONS, principal))
    )
    columns = [
        "deadline_at",
        "completed_at",
        "outcome",
        "case_no",
        "matter_id",
        "matter_name",
        "department_id",
    ]
    rows = _frame(session, statement, [*columns, "department_name"], ["deadline_at", "completed_at"])
    done = rows["completed_at"].notna()
    rows["status"] = done.map({True: "completed", False: "open"})
    named = {name: name for name in [*columns[2:], "department_name", "status"]}
    return pd.concat(
        [
            _items(rows[~done], "rectification_due", "deadline_at", **named),
            _items(rows[done], "rectification_completed", "completed_at", **named),
        ],
        ignore_index=True,
    )


def _consultations(session: Session, kind: SubjectType, subject_id: int, principal) -> pd.DataFrame:
    subject = Consultation.citizen_id if kind == SubjectType.CITIZEN else Consultation.enterprise_id
    statement = (
        select(
            Consultation.asked_at,
            Consultation.channel,
            Consultation.matter_id,
            Matter.name,
            Department.id,
            Department.name,
            Consultation.subject,
        )
        .outerjoin(Matter, Matter.id == Consultation.matter_id)
        .outerjoin(Department, Department.id == Matter.department_id)
        .where(subject == subject_id, within(CONSULTATIONS, principal))
    )
    columns = ["asked_at", "channel", "matter_id", "matter_name", "department_id", "department_name", "topic"]
    rows = _frame(session, statement, columns, ["asked_at"])
    return _items(rows, "consultation", "asked_at", **{name: name for name in columns[1:]})


def _events(session: Session, kind: SubjectType, subject_id: int, principal) -> pd.DataFrame:
    subject = Event.citizen_id if kind == SubjectType.CITIZEN else Event.enterprise_id
    statement = (
        select(
            Event.event_no,
            Event.source,
            Event.status,
            Event.satisfaction,
            Event.department_id,
            Department.name,
            Event.title,
            Event.reported_at,
            Event.closed_at,
        )
        .outerjoin(Department, Department.id == Event.department_id)
        .where(subject == subject_id, within(scopes.EVENTS, principal))
    )
    columns = ["reference", "channel", "status", "outcome", "department_id", "department_name", "topic"]
    rows = _frame(session, statement, [*columns, "reported_at", "closed_at"], ["reported_at", "closed_at"])
    named = {name: name for name in columns if name != "outcome"}
    return pd.concat(
        [
            _items(rows, "event_reported", "reported_at", **named),
            _items(rows, "event_closed", "closed_at", **named, outcome="outcome"),
        ],
        ignore_index=True,
    )


def records(items: pd.DataFrame) -> list[dict]:
    """The items as plain dicts: ``at`` aware (Asia/Shanghai), missing values None, numbers Python's."""
    clean = items.astype(object).where(items.notna(), None)
    rows = clean.to_dict("records")
    for row in rows:
        row["at"] = pd.Timestamp(row["at"]).to_pydatetime().replace(tzinfo=LOCAL_TZ)
        for key in ("matter_id", "department_id", "level"):
            if row[key] is not None:
                row[key] = int(row[key])
    return rows
