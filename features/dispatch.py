"""The dispatch model's view of events in the database: one row per event, labelled by department code.

Training reads labelled events through `labelled_events`; the recommendation endpoint reads the events
to score through `event_frame`. Both build the same columns, so the model sees at prediction time
exactly what it saw in training.
"""

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session, aliased

import core_app.db.registry  # noqa: F401  (every model mapped before the first query)
from core_app.events.models import Event, EventStatus
from core_app.org.models import Department, Region

CATEGORICAL_COLUMNS = ("source", "reporter_type", "street", "reporter_history")
TIME_COLUMN = "reported_at"
# Only events a dispatcher (or the upstream platform) sent somewhere carry a label worth learning.
UNLABELLED_STATUSES = (EventStatus.RECEIVED, EventStatus.INVALID, EventStatus.PENDING_DISPATCH)


def _reporter_history() -> ColumnElement[str]:
    """Bucket how many earlier events came from the same phone: "new", "repeat" (1-3) or "frequent" (4+)."""
    earlier = aliased(Event)
    count = (
        select(func.count())
        .where(earlier.reporter_phone == Event.reporter_phone, earlier.reported_at < Event.reported_at)
        .scalar_subquery()
    )
    return case(
        (Event.reporter_phone.is_(None), literal("unknown")),
        (count == 0, literal("new")),
        (count <= 3, literal("repeat")),
        else_=literal("frequent"),
    )


def _event_select() -> Select:
    """Select the model's columns for events: text, channel, reporter, street, history and report time."""
    return (
        select(
            Event.id.label("event_id"),
            func.coalesce(Event.title, literal("")).concat("。").concat(Event.description).label("text"),
            Event.source.label("source"),
            Event.reporter_type.label("reporter_type"),
            func.coalesce(Region.name, literal("")).label("street"),
            _reporter_history().label("reporter_history"),
            Event.reported_at.label(TIME_COLUMN),
        )
        .select_from(Event)
        .outerjoin(Region, Region.id == Event.street_id)
    )


def _frame(session: Session, statement: Select) -> pd.DataFrame:
    rows = session.execute(statement).mappings().all()
    frame = pd.DataFrame(rows, columns=list(statement.selected_columns.keys()))
    for column in ("source", "reporter_type"):
        frame[column] = frame[column].map(lambda value: getattr(value, "value", value))
    return frame


def event_frame(session: Session, event_ids: Sequence[int]) -> pd.DataFrame:
    """Return the model input for the given events, in the order asked (missing ids are left out)."""
    frame = _frame(session, _event_select().where(Event.id.in_(list(event_ids))))
    order = {event_id: i for i, event_id in enumerate(event_ids)}
    return frame.sort_values("event_id", key=lambda ids: ids.map(order)).reset_index(drop=True)


def labelled_events(session: Session, limit: int | None = None) -> pd.DataFrame:
    """Return dispatched events with their handling department's code in `label`, newest first."""
    statement = (
        _event_select()
        .add_columns(Department.code.label("label"))
        .join(Department, Department.id == Event.department_id)
        .where(Event.status.not_in(UNLABELLED_STATUSES))
        .order_by(Event.reported_at.desc())
        .limit(limit)
    )
    return _frame(session, statement)


def department_duties(session: Session) -> dict[str, str]:
    """Return each event-handling department's duty text (权责清单) by code, where one is filled in."""
    rows = session.execute(
        select(Department.code, Department.duty_text).where(
            Department.accepts_events.is_(True), Department.is_active.is_(True), Department.duty_text != ""
        )
    )
    return {code: text for code, text in rows}  # noqa: C416  (Row is not a plain pair for dict())


def department_names(session: Session) -> dict[str, tuple[int, str]]:
    """Return (id, name) of every department by code, to turn predicted labels back into departments."""
    rows = session.execute(select(Department.code, Department.id, Department.name))
    return {code: (department_id, name) for code, department_id, name in rows}
