"""Ask the dispatch model about an event and keep its answer with the model version.

Stated rules: a duty ruling of the arbitration bodies (DutyRuling) outranks the model: when an event of the
ruling's category mentions all its keywords, the ruled department is the only candidate (DOMAIN §7.1,
权值分析); the model's labels are department codes; a label that names no department (a model trained
on some other label set) is kept in the table without an id, and such a top choice is never auto-dispatched
(abstain). Where no model is registered, `DispatchModelUnavailable` says how to train one.
"""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core_app.access import scopes
from core_app.access.principal import Principal
from core_app.arbitration.models import DutyRuling
from core_app.dispatch.models import DispatchRecommendation
from core_app.events.models import Event, EventStatus
from core_app.org.models import Department
from core_app.sla.service import handling_due
from features.dispatch import department_names, event_frame
from serving.predictor import Predictor

RECOMMEND_PERMISSION = "events:dispatch"
READ_PERMISSION = "events:read"
MAX_LISTED = 100
QUEUE_COLUMNS = (
    "id",
    "event_no",
    "source",
    "title",
    "priority",
    "priority_reasons",
    "emotion_polarity",
    "emotion_score",
    "urgency",
    "importance",
    "risk_tags",
    "reported_at",
    "accepted_at",
    "return_count",
    "is_difficult",
    "version",
    "category_id",
    "complexity",
)


def event_in_scope(session: Session, event_id: int, principal: Principal, permission: str) -> bool:
    """Return whether the event exists and the caller's grants for PERMISSION reach it."""
    condition = scopes.EVENTS.condition(principal, permission)
    return session.scalar(select(Event.id).where(Event.id == event_id, condition)) is not None


def department_table(
    table: list[dict[str, Any]], departments: dict[str, tuple[int, str]]
) -> list[dict[str, Any]]:
    """Turn the model's {label, probability} rows into rows naming the department of each label."""
    rows = []
    for entry in table:
        department_id, name = departments.get(entry["label"], (None, None))
        rows.append(
            {
                "department_code": entry["label"],
                "department_id": department_id,
                "department_name": name,
                "probability": entry["probability"],
            }
        )
    return rows


def recommend(
    session: Session, event_id: int, predictor: Predictor, created_by: int | None
) -> DispatchRecommendation:
    """Score one event, store the recommendation (flushed, not committed) and return it."""
    return recommend_many(session, [event_id], predictor, created_by)[0]


def recommend_many(
    session: Session, event_ids: list[int], predictor: Predictor, created_by: int | None
) -> list[DispatchRecommendation]:
    """Score events in one batch (the model is much faster per event so), store and return them in order."""
    tables = predictor.table(event_frame(session, event_ids))  # in the order asked
    departments = department_names(session)
    rulings = matching_rulings(session, event_ids)
    threshold = float(predictor.threshold)
    recommendations = [
        _recommendation(
            event_id,
            apply_ruling(department_table(table, departments), rulings.get(event_id)),
            predictor,
            threshold,
            created_by,
        )
        for event_id, table in zip(event_ids, tables, strict=True)
    ]
    session.add_all(recommendations)
    session.flush()
    return recommendations


def matching_rulings(session: Session, event_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(ruling id, department id) of the newest duty ruling each event matches, by event id."""
    events = session.execute(
        select(Event.id, Event.category_id, Event.title, Event.description).where(
            Event.id.in_(event_ids), Event.category_id.is_not(None)
        )
    ).all()
    categories = {category for _, category, _, _ in events}
    if not categories:
        return {}
    rulings = session.execute(
        select(DutyRuling.id, DutyRuling.category_id, DutyRuling.keywords, DutyRuling.department_id)
        .where(DutyRuling.category_id.in_(categories))
        .order_by(DutyRuling.id.desc())
    ).all()
    matched = {}
    for event_id, category, title, description in events:
        text = f"{title} {description}"
        for ruling_id, ruling_category, keywords, department_id in rulings:
            if ruling_category == category and all(
                word in text for word in keywords.replace("，", ",").split(",")
            ):
                matched[event_id] = (ruling_id, department_id)
                break
    return matched


def apply_ruling(table: list[dict[str, Any]], ruling: tuple[int, int] | None) -> list[dict[str, Any]]:
    """Make the ruled department the only candidate (probability 1), the model's others 0; keep the order."""
    if ruling is None:
        return table
    ruling_id, department_id = ruling
    ruled = [row for row in table if row["department_id"] == department_id]
    if not ruled:  # a department the model does not know: still the only candidate
        ruled = [{"department_code": None, "department_id": department_id, "department_name": None}]
    first = ruled[0] | {"probability": 1.0, "ruling_id": ruling_id}
    others = [row | {"probability": 0.0} for row in table if row["department_id"] != department_id]
    return [first, *others]


def _recommendation(
    event_id: int, table: list[dict[str, Any]], predictor: Predictor, threshold: float, created_by: int | None
) -> DispatchRecommendation:
    top = table[0] if table else {"department_id": None, "probability": 0.0}
    return DispatchRecommendation(
        event_id=event_id,
        model_name=predictor.name,
        model_version=predictor.version,
        table=table,
        top1_department_id=top["department_id"],
        top1_probability=float(top["probability"]),
        abstain=top["department_id"] is None or float(top["probability"]) < threshold,
        threshold=threshold,
        created_by=created_by,
    )


def dispatch_queue(session: Session, principal: Principal, limit: int = 200) -> list[dict[str, Any]]:
    """Events waiting for a dispatcher: most urgent first, then oldest; with the latest recommendation and
    the end-to-end deadline of each."""
    latest = (
        select(func.max(DispatchRecommendation.id))
        .where(DispatchRecommendation.event_id == Event.id)
        .correlate(Event)
        .scalar_subquery()
    )
    statement = (
        select(
            Event,
            DispatchRecommendation.top1_department_id,
            Department.name.label("top1_department_name"),
            DispatchRecommendation.top1_probability,
        )
        .outerjoin(DispatchRecommendation, DispatchRecommendation.id == latest)
        .outerjoin(Department, Department.id == DispatchRecommendation.top1_department_id)
        .where(
            Event.status == EventStatus.PENDING_DISPATCH,
            Event.duplicate_of_id.is_(None),
            scopes.EVENTS.condition(principal, RECOMMEND_PERMISSION),
        )
        .order_by(Event.priority, Event.reported_at, Event.id)
        .limit(limit)
    )
    rows = []
    for event, department_id, department_name, probability in session.execute(statement):
        item = {column: getattr(event, column) for column in QUEUE_COLUMNS}
        start = event.accepted_at or event.reported_at
        rows.append(
            item
            | {
                "due_at": handling_due(session, event.category_id, event.complexity, start),
                "top1_department_id": department_id,
                "top1_department_name": department_name,
                "top1_probability": probability,
            }
        )
    return rows


def recommendations_of(session: Session, event_id: int) -> list[DispatchRecommendation]:
    """Return the event's stored recommendations, newest first."""
    statement = (
        select(DispatchRecommendation)
        .where(DispatchRecommendation.event_id == event_id)
        .order_by(DispatchRecommendation.created_at.desc(), DispatchRecommendation.id.desc())
        .limit(MAX_LISTED)
    )
    return list(session.scalars(statement))
