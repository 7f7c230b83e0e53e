"""Priority of events P1-P4 with its reasons (DOMAIN §7.2, issue 8), and emotion scoring of plain texts.

The emotion model scores each event's title and description with the active lexicon; its urgency and
importance words, the event's repeat contact and its category's severity go into `decide_priority`
(models.emotion.priority), which gives the priority and the reasons kept on the event.

Stated rules:
- Repeat contact: earlier reports (before this one, at most 30 days before) by the same phone number, at the
  same stored address, or within 150 m. An event's duplicates, the event it duplicates and that event's other
  duplicates are the same report, not a repeat. As in intake dedup, a point lying exactly on a gazetteer
  centre was placed from its address, so it matches by address only, never by distance.
- Severity is inherited down the category tree: an event takes the gravest severity of its category and the
  categories above it (a level-3 category under 燃气安全 is as critical as 燃气安全).
- A P1 event that is still open is announced at once to every active dispatcher (events:dispatch, other than
  system administrators) whose grant reaches it, once per event however often it is re-assessed.
- An assessment that sets the priority first or changes it (or its reasons) writes an ``assess_priority`` row
  to the event's history; one that finds nothing new writes nothing.
"""

import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Integer, cast, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from core_app.access.models import Permission, Role, ScopeKind, User, UserRole, role_permissions
from core_app.access.principal import Principal
from core_app.access.scopes import EVENTS
from core_app.config import LOCAL_TZ
from core_app.db.base import utcnow
from core_app.emotion.lexicon import active_lexicon
from core_app.events.models import (
    Event,
    EventAction,
    EventCategory,
    EventStatus,
    Polarity,
    Priority,
    Severity,
)
from core_app.intake.dedup import METRES_PER_DEGREE
from core_app.intake.gazetteer import Gazetteer, distance_m, get_gazetteer
from core_app.notify import outbox
from core_app.org.models import Department, Region
from features.emotion import Lexicon
from models.emotion.priority import PriorityInput, decide_priority, priority_flags

log = logging.getLogger(__name__)

REPEAT_WINDOW = timedelta(days=30)
SAME_PLACE_M = 150.0
RISK_TAGS_LENGTH = 200  # Event.risk_tags
ASSESS_ACTION = "assess_priority"
DISPATCH_PERMISSION = "events:dispatch"
READ_PERMISSION = "events:read"
SEVERITY_RANK = {Severity.NORMAL: 0, Severity.HIGH: 1, Severity.CRITICAL: 2}
CLOSED_STATUSES = (EventStatus.CLOSED, EventStatus.INVALID)


# ---------------------------------------------------------------- inputs


def event_text(event: Event) -> str:
    """The text scored for an event: its title, then its description (the title alone if it repeats)."""
    title, description = (event.title or "").strip(), (event.description or "").strip()
    if not title or description.startswith(title):
        return description
    return f"{title}。{description}"


def repeat_counts(session: Session, events: Sequence[Event], now: datetime) -> dict[int, int]:
    """Count each event's earlier reports by the same phone or at the same place within 30 days (module doc).

    One query for the whole batch: self-joins on the phone, the address and a box around the point; the box
    is then narrowed to the 150 m circle and the 30-day window in Python. Events must have ids (flushed).
    Reports after NOW (clock skew in a source) are not counted.
    """
    counts = {event.id: 0 for event in events}
    if not events:
        return counts
    rows = session.execute(_repeat_candidates(events, now)).all()
    by_id = {event.id: event for event in events}
    gazetteer: Gazetteer | None = None
    earlier: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        event = by_id[row.new_id]
        if (
            aware(row.reported_at) < aware(event.reported_at) - REPEAT_WINDOW
            or row.old_id in earlier[event.id]
        ):
            continue
        same_key = (event.reporter_phone and row.reporter_phone == event.reporter_phone) or (
            event.address and row.address == event.address
        )
        if not same_key:
            gazetteer = gazetteer or get_gazetteer(session)
            if not _near(event, row.lon, row.lat, gazetteer):
                continue
        earlier[event.id].add(row.old_id)
    return counts | {event_id: len(ids) for event_id, ids in earlier.items()}


def aware(moment: datetime) -> datetime:
    """A timestamp with its zone; a naive one is local time, as TZDateTime stores it."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=LOCAL_TZ)


def _repeat_candidates(events: Sequence[Event], now: datetime):
    """Earlier events sharing the phone, the address, or a box around the point, as one UNION ALL.

    The batch's 30-day window is read once (a CTE used in every branch, which PostgreSQL materialises) and
    each branch is an equality join that can hash: the phone, the address, and for the point the band of
    latitude 150 m high it lies in (its own or a neighbour: three branches), then the box test. A plain box
    join would compare every event of the batch with every event of the window.
    """
    dlat = SAME_PLACE_M / METRES_PER_DEGREE
    # The box is wide enough in longitude for the batch's highest latitude, so it never cuts the circle.
    highest = max((abs(e.lat) for e in events if e.lat is not None), default=0.0)
    dlon = SAME_PLACE_M / (METRES_PER_DEGREE * max(math.cos(math.radians(min(highest + dlat, 89.0))), 0.01))
    start = min(e.reported_at for e in events) - REPEAT_WINDOW
    window = (
        select(
            Event.id,
            Event.reported_at,
            Event.reporter_phone,
            Event.address,
            Event.lon,
            Event.lat,
            Event.duplicate_of_id,
            cast(Event.lat / dlat, Integer).label("band"),
        )
        .where(Event.reported_at >= start, Event.reported_at <= now)
        .cte("repeat_window")
    )
    old, new = window.c, aliased(Event, name="new_event")
    box = old.lat.between(new.lat - dlat, new.lat + dlat) & old.lon.between(new.lon - dlon, new.lon + dlon)
    branches = [old.reporter_phone == new.reporter_phone, old.address == new.address]
    branches += [(old.band == cast(new.lat / dlat, Integer) + k) & box for k in (-1, 0, 1)]
    earlier = or_(old.reported_at < new.reported_at, (old.reported_at == new.reported_at) & (old.id < new.id))
    common = (
        new.id.in_([e.id for e in events]),
        old.id != new.id,
        earlier,
        # the same report: its duplicates, the event it duplicates, and that event's other duplicates
        old.duplicate_of_id.is_distinct_from(new.id),
        new.duplicate_of_id.is_distinct_from(old.id),
        or_(new.duplicate_of_id.is_(None), old.duplicate_of_id.is_distinct_from(new.duplicate_of_id)),
    )
    columns = (new.id.label("new_id"), old.id.label("old_id"), old.reported_at, old.reporter_phone)
    columns += (old.address, old.lon, old.lat)
    return union_all(*(select(*columns).join_from(new, window, branch).where(*common) for branch in branches))


def _near(event: Event, lon: float | None, lat: float | None, gazetteer: Gazetteer) -> bool:
    if None in (lon, lat, event.lon, event.lat):
        return False
    if gazetteer.is_centre(lon, lat) or gazetteer.is_centre(event.lon, event.lat):
        return False  # placed from an address: the address decides
    return distance_m(event.lon, event.lat, lon, lat) <= SAME_PLACE_M


def category_severities(session: Session, category_ids: Sequence[int | None]) -> dict[int, Severity]:
    """Each category's effective severity: the gravest of it and the categories above it (one query)."""
    ids = sorted({c for c in category_ids if c is not None})
    if not ids:
        return {}
    path = (
        select(
            EventCategory.id.label("start"),
            EventCategory.parent_id.label("parent"),
            EventCategory.severity.label("severity"),
        )
        .where(EventCategory.id.in_(ids))
        .cte("category_path", recursive=True)
    )
    path = path.union_all(
        select(path.c.start, EventCategory.parent_id, EventCategory.severity).join(
            EventCategory, EventCategory.id == path.c.parent
        )
    )
    gravest: dict[int, Severity] = {}
    for start, severity in session.execute(select(path.c.start, path.c.severity)):
        severity = Severity(severity)
        if SEVERITY_RANK[severity] >= SEVERITY_RANK[gravest.get(start, Severity.NORMAL)]:
            gravest[start] = severity
    return gravest


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Scored:
    """The emotion model's answer for a batch of texts, with the model and lexicon that gave it."""

    frame: pd.DataFrame
    lexicon: Lexicon
    model_name: str
    model_version: str


def score_texts(session: Session, texts: Sequence[str]) -> Scored:
    """Score TEXTS with the served emotion model and the active lexicon (one row per text, in order)."""
    from serving.emotion import emotion_predictor  # serving builds on features and models, not on core_app

    lexicon = active_lexicon(session)
    predictor = emotion_predictor()
    frame = predictor.score(list(texts), lexicon=lexicon).reset_index(drop=True)
    return Scored(frame, lexicon, str(predictor.name), str(predictor.version))


def priority_input(
    row: Any, *, repeat_count: int = 0, severity: str = Severity.NORMAL.value
) -> PriorityInput:
    """The priority rule's input from one scored row, the repeat count and the category severity."""
    return PriorityInput(
        urgent=bool(row.urgent),
        important=bool(row.important),
        emotion_score=float(row.score),
        intensity=float(row.intensity),
        repeat_count=repeat_count,
        severity=str(severity),
        urgent_words=list(row.urgent_words),
        important_words=list(row.important_words),
    )


def root_word_weights(root_words: str) -> list[dict[str, Any]]:
    """Parse the model's "词:权重;词:权重" into [{"word", "weight"}]."""
    pairs = []
    for item in str(root_words or "").split(";"):
        word, _, weight = item.rpartition(":")
        if word:
            pairs.append({"word": word, "weight": float(weight)})
    return pairs


def assess_texts(session: Session, texts: Sequence[str]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Score plain texts and the priority they alone give (no repeat contact, no category severity).

    The model cuts a text over 10,000 characters and says so in the note. Returns ({name, version}, results).
    """
    scored = score_texts(session, texts)
    results = []
    for row in scored.frame.itertuples(index=False):
        priority, reasons = decide_priority(priority_input(row))
        urgent, important = priority_flags(priority)
        results.append(
            {
                "polarity": row.polarity,
                "score": float(row.score),
                "intensity": float(row.intensity),
                "urgent": urgent,
                "important": important,
                "priority": priority,
                "priority_reasons": reasons,
                "root_words": root_word_weights(row.root_words),
                "phrases": [dict(p) for p in row.phrases],
                "risk_tags": list(row.risk_tags),
                "note": row.note,
            }
        )
    return {"name": scored.model_name, "version": scored.model_version}, results


# ---------------------------------------------------------------- events


def assess_events(
    session: Session,
    events: Sequence[Event],
    *,
    now: datetime,
    principal: Principal | None = None,
    skip_without_model: bool = False,
) -> None:
    """Score the events, decide their priority and store it with its reasons; announce new P1 events.

    Flushes first (repeat contact is counted in SQL) and writes in the caller's transaction; never commits.
    Where no emotion model can be loaded, EmotionModelUnavailable is raised, or with SKIP_WITHOUT_MODEL
    (intake: the events must still reach the dispatchers) logged, the events left unassessed.
    """
    from serving.emotion import EmotionModelUnavailable

    events = list(events)
    if not events:
        return
    session.flush()
    try:
        scored = score_texts(session, [event_text(e) for e in events])
    except EmotionModelUnavailable:
        if not skip_without_model:
            raise
        log.exception("no emotion model: %d events keep no priority until assessed again", len(events))
        return
    repeats = repeat_counts(session, events, now)
    severities = category_severities(session, [e.category_id for e in events])
    urgent_ones = []
    for event, row in zip(events, scored.frame.itertuples(index=False), strict=True):
        severity = severities.get(event.category_id, Severity.NORMAL)
        inp = priority_input(row, repeat_count=repeats[event.id], severity=severity.value)
        priority, reasons = decide_priority(inp)
        changed = _store(event, row, Priority(priority), reasons)
        if changed:
            _history(session, event, changed, principal, now)
        if event.priority is Priority.P1 and event.status not in CLOSED_STATUSES:
            urgent_ones.append(event)
    if urgent_ones:
        _announce(session, urgent_ones, now)


def _store(event: Event, row: Any, priority: Priority, reasons: list[dict[str, str]]) -> dict | None:
    """Write the assessment onto the event; return the history details if the priority is new or changed."""
    before = (event.priority, event.priority_reasons)
    event.emotion_polarity = Polarity(row.polarity)
    event.emotion_score = round(min(max(float(row.score), -1.0), 1.0), 4)
    event.urgency, event.importance = priority_flags(priority.value)
    event.risk_tags = fit_tags(list(row.risk_tags), RISK_TAGS_LENGTH)
    event.priority = priority
    event.priority_reasons = reasons
    if before == (priority, reasons):
        return None
    previous = Priority(before[0]).value if before[1] is not None else None
    return {"priority": priority.value, "previous": previous, "reasons": reasons}


def fit_tags(tags: Sequence[str], length: int) -> str:
    """Comma-join the tags, leaving out whole tags (the last ones) that would not fit in LENGTH."""
    kept: list[str] = []
    for tag in dict.fromkeys(tags):
        if len(",".join([*kept, tag])) <= length:
            kept.append(tag)
    return ",".join(kept)


def _history(
    session: Session, event: Event, details: dict, principal: Principal | None, now: datetime
) -> None:
    actor = "system" if principal is None else (principal.username or principal.source or "api-key")
    session.add(
        EventAction(
            event_id=event.id,
            action=ASSESS_ACTION,
            from_status=event.status.value,
            to_status=event.status.value,
            actor_id=principal.user_id if principal else None,
            actor=actor[:100],
            note="; ".join(reason["detail"] for reason in details["reasons"]) or None,
            details=details,
            created_at=now,
        )
    )


def _announce(session: Session, events: Sequence[Event], now: datetime) -> None:
    """Tell the dispatchers in each P1 event's scope at once; the per-event key keeps it to one message."""
    grants = dispatch_grants(session)
    for event in events:
        subject = f"【P1 紧急重要】事件 {event.event_no}"
        body = f"{event.title}：" + "；".join(r["detail"] for r in event.priority_reasons or [])
        for user_id in dispatchers_reaching(session, event, grants):
            outbox.notify_user(
                session,
                user_id,
                subject=subject,
                body=body,
                event_id=event.id,
                dedup_key=f"priority-p1:{event.id}",
                now=now,
            )


def dispatch_grants(session: Session) -> list[tuple[int, ScopeKind, int | None]]:
    """(user id, scope, scope id) of every events:dispatch grant of an active user, but system admins'."""
    statement = (
        select(UserRole.user_id, UserRole.scope, UserRole.scope_id)
        .join(User, User.id == UserRole.user_id)
        .join(Role, Role.id == UserRole.role_id)
        .join(role_permissions, role_permissions.c.role_id == Role.id)
        .join(Permission, Permission.id == role_permissions.c.permission_id)
        .where(Permission.code == DISPATCH_PERMISSION, User.is_active.is_(True), Role.code != "system_admin")
        .distinct()
        .order_by(UserRole.user_id)
    )
    return [(user_id, ScopeKind(scope), scope_id) for user_id, scope, scope_id in session.execute(statement)]


def dispatchers_reaching(
    session: Session, event: Event, grants: Sequence[tuple[int, ScopeKind, int | None]]
) -> list[int]:
    """The users among GRANTS whose grant reaches the event (whole district, its region, its department)."""
    regions = _ancestors(session, Region, event.street_id) | _ancestors(session, Region, event.region_id)
    departments = _ancestors(session, Department, event.department_id)
    reached = {
        user_id
        for user_id, scope, scope_id in grants
        if scope is ScopeKind.ALL
        or (scope is ScopeKind.REGION and scope_id in regions)
        or (scope is ScopeKind.DEPARTMENT and scope_id in departments)
    }
    return sorted(reached)


def _ancestors(session: Session, model: type[Region] | type[Department], record_id: int | None) -> set[int]:
    """The record's id and those of all above it (a few levels; the identity map keeps them)."""
    found: set[int] = set()
    while record_id is not None and record_id not in found:
        found.add(record_id)
        record = session.get(model, record_id)
        record_id = record.parent_id if record is not None else None
    return found


def event_in_scope(session: Session, event_id: int, principal: Principal, permission: str) -> Event | None:
    """The event if it exists and the caller's grants for PERMISSION reach it (else None, like missing)."""
    statement = select(Event).where(Event.id == event_id, EVENTS.condition(principal, permission))
    return session.scalar(statement)


def reassess(
    session: Session, event_id: int, principal: Principal, *, now: datetime | None = None
) -> Event | None:
    """Assess the event again (after a dispatcher edited it); None if it is missing or out of scope.

    Not committed; the caller commits.
    """
    event = event_in_scope(session, event_id, principal, DISPATCH_PERMISSION)
    if event is None:
        return None
    assess_events(session, [event], now=now or utcnow(), principal=principal)
    return event


def priority_view(event: Event) -> dict[str, Any]:
    """The event's priority as the API shows it."""
    return {
        "event_id": event.id,
        "event_no": event.event_no,
        "priority": event.priority,
        "priority_reasons": event.priority_reasons or [],
        "assessed": event.priority_reasons is not None,
        "emotion_polarity": event.emotion_polarity,
        "emotion_score": event.emotion_score,
        "urgency": event.urgency,
        "importance": event.importance,
        "risk_tags": [tag for tag in (event.risk_tags or "").split(",") if tag],
    }
