"""Receive events: idempotent on (source, external_id), placed from the gazetteer, likely duplicates linked.

Stated rules:
- A replay of (source, external_id) returns the stored event unchanged, even when the replayed content
  differs: the first report is the record; corrections go through the event's own actions.
- A likely duplicate (same phone or place, similar text, first one still open, within the source's dedup
  window) is stored with duplicate_of_id, stays ``received`` and is never dispatched.
- Event numbers follow the seed: ``SJ`` + the local report date + the row id, zero-padded to 7 digits.
"""

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core_app.config import LOCAL_TZ
from core_app.events.models import (
    Event,
    EventAction,
    EventCategory,
    EventSource,
    EventSourcePolicy,
    EventStatus,
)
from core_app.intake.config import IntakeSettings, get_intake_settings
from core_app.intake.dedup import Match, Report, find_duplicate
from core_app.intake.gazetteer import Gazetteer, get_gazetteer
from core_app.intake.schemas import CITY_SOURCES, EventIn

logger = logging.getLogger(__name__)

# A clock a little fast at the source is fine; a report from tomorrow is not.
MAX_CLOCK_SKEW = timedelta(minutes=5)
ALLOCATION_ATTEMPTS = 3


class IntakeError(Exception):
    """The input cannot be taken in: names the field and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class Outcome:
    event: Event
    created: bool
    duplicate: Match | None = None


@dataclass(frozen=True)
class Actor:
    """Who pushed the events, for the action history."""

    name: str
    user_id: int | None = None


def normalise_phone(phone: str | None) -> str | None:
    """Digits only, without the +86 country code: the form phones are compared in."""
    if not phone:
        return None
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit())
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    return digits or None


def canonical_address(address: str | None) -> str | None:
    """Half-width characters and single spaces: the stored form, compared as is by dedup."""
    if not address:
        return None
    return " ".join(unicodedata.normalize("NFKC", address).split()) or None


def ingest(
    session: Session,
    items: list[EventIn],
    *,
    source: EventSource,
    actor: Actor,
    now: datetime,
    settings: IntakeSettings | None = None,
) -> list[Outcome]:
    """Store the events (flushed, not committed); replays return the stored event."""
    settings = settings or get_intake_settings()
    for index, item in enumerate(items):
        _check(item, source, now, prefix=f"events.{index}." if len(items) > 1 else "")
    categories = _categories(session, {i.category_code for i in items if i.category_code})
    stored = _existing(session, source, [i.external_id for i in items])
    gazetteer = get_gazetteer(session)
    window = _dedup_window(session, source, settings)
    outcomes: list[Outcome] = []
    for item in items:
        known = stored.get(item.external_id)
        if known is not None:
            outcomes.append(Outcome(known, created=False))
            continue
        outcome = _store(
            session,
            item,
            source=source,
            actor=actor,
            now=now,
            category=categories.get(item.category_code) if item.category_code else None,
            gazetteer=gazetteer,
            window_hours=window,
            settings=settings,
        )
        stored[item.external_id] = outcome.event
        outcomes.append(outcome)
    return outcomes


def _check(item: EventIn, source: EventSource, now: datetime, *, prefix: str) -> None:
    if source in CITY_SOURCES and not item.upstream_no:
        raise IntakeError(
            f"{prefix}upstream_no", f"events from {source.value} must carry the city's upstream_no"
        )
    if (item.lon is None) != (item.lat is None):
        raise IntakeError(f"{prefix}lon", "lon and lat come together or not at all")
    if item.reported_at is not None and item.reported_at > now + MAX_CLOCK_SKEW:
        raise IntakeError(f"{prefix}reported_at", "lies in the future")
    phone = normalise_phone(item.reporter_phone)
    if phone is not None and len(phone) > 20:
        raise IntakeError(f"{prefix}reporter_phone", "has more than 20 digits")


def _categories(session: Session, codes: set[str]) -> dict[str, EventCategory]:
    if not codes:
        return {}
    found = {c.code: c for c in session.scalars(select(EventCategory).where(EventCategory.code.in_(codes)))}
    unknown = sorted(codes - set(found))
    if unknown:
        raise IntakeError("category_code", f"unknown event category {unknown[0]!r}")
    return found


def _existing(session: Session, source: EventSource, external_ids: list[str]) -> dict[str, Event]:
    statement = select(Event).where(Event.source == source, Event.external_id.in_(set(external_ids)))
    return {e.external_id: e for e in session.scalars(statement)}


def _dedup_window(session: Session, source: EventSource, settings: IntakeSettings) -> float:
    hours = session.scalar(
        select(EventSourcePolicy.dedup_window_hours).where(EventSourcePolicy.source == source)
    )
    return float(settings.dedup_window_hours if hours is None else hours)


def _store(
    session: Session,
    item: EventIn,
    *,
    source: EventSource,
    actor: Actor,
    now: datetime,
    category: EventCategory | None,
    gazetteer: Gazetteer,
    window_hours: float,
    settings: IntakeSettings,
) -> Outcome:
    reported_at = (item.reported_at or now).astimezone(LOCAL_TZ)
    phone = normalise_phone(item.reporter_phone)
    address = canonical_address(item.address)
    lon, lat, street_id, region_id, placed = _place(gazetteer, address, item.lon, item.lat)
    duplicate = None
    if window_hours > 0:
        report = Report(
            phone=phone,
            lon=lon,
            lat=lat,
            measured=placed == "reported",
            address=address,
            text=f"{item.title}。{item.description}",
            reported_at=reported_at,
        )
        duplicate = find_duplicate(
            session,
            report,
            window_hours=window_hours,
            distance=settings.dedup_distance_m,
            threshold=settings.dedup_similarity,
            gazetteer=gazetteer,
            limit=settings.dedup_max_candidates,
        )
    values = {
        "source": source,
        "external_id": item.external_id,
        "upstream_no": item.upstream_no,
        "reporter_type": item.reporter_type,
        "reporter_name": item.reporter_name,
        "reporter_phone": phone,
        "reporter_id_card": item.reporter_id_card.upper() if item.reporter_id_card else None,
        "title": item.title,
        "description": item.description,
        "address": address,
        "lon": lon,
        "lat": lat,
        "street_id": street_id,
        "region_id": region_id,
        "category_id": category.id if category else None,
        "status": EventStatus.RECEIVED,
        "reported_at": reported_at,
        "received_at": now,
        "duplicate_of_id": duplicate.event_id if duplicate else None,
    }
    if category is not None:
        values["complexity"] = category.default_complexity
    for _ in range(ALLOCATION_ATTEMPTS):
        event = Event(**values)
        event.id = allocate_ids(session, 1)[0]
        event.event_no = event_number(reported_at, event.id)
        try:
            with session.begin_nested():
                session.add(event)
                session.flush()
        except IntegrityError:
            # Someone stored the same (source, external_id) meanwhile: a replay. Otherwise the id was
            # taken (SQLite allocates from max(id)): try again.
            known = _existing(session, source, [item.external_id]).get(item.external_id)
            if known is not None:
                return Outcome(known, created=False)
            continue
        _history(session, event, actor, now, placed=placed, duplicate=duplicate)
        return Outcome(event, created=True, duplicate=duplicate)
    raise RuntimeError("could not allocate an event number")  # pragma: no cover - three races in a row


def _place(
    gazetteer: Gazetteer, address: str | None, lon: float | None, lat: float | None
) -> tuple[float | None, float | None, int | None, int | None, str]:
    """Coordinates, street and region of a report, and how they were found."""
    if lon is not None and lat is not None:
        place = gazetteer.locate(address) or gazetteer.nearest(lon, lat)
        if place is None:
            return lon, lat, None, None, "reported"
        return lon, lat, place.street_id, place.region_id, "reported"
    place = gazetteer.locate(address)
    if place is None:
        return None, None, None, None, "unplaced"
    return place.lon, place.lat, place.street_id, place.region_id, "gazetteer"


def _history(
    session: Session, event: Event, actor: Actor, now: datetime, *, placed: str, duplicate: Match | None
) -> None:
    session.add(
        EventAction(
            event_id=event.id,
            action="ingest",
            from_status=None,
            to_status=EventStatus.RECEIVED.value,
            actor_id=actor.user_id,
            actor=actor.name[:100],
            details={"source": event.source.value, "placed": placed},
            created_at=now,
        )
    )
    if duplicate is not None:
        session.add(
            EventAction(
                event_id=event.id,
                action="link_duplicate",
                from_status=EventStatus.RECEIVED.value,
                to_status=EventStatus.RECEIVED.value,
                actor_id=None,
                actor="system",
                note=f"likely repeats {duplicate.event_no}",
                details={
                    "duplicate_of_id": duplicate.event_id,
                    "duplicate_of_no": duplicate.event_no,
                    "by": duplicate.by,
                    "similarity": duplicate.similarity,
                },
                created_at=now,
            )
        )


def event_number(reported_at: datetime, event_id: int) -> str:
    """``SJ`` + local date + id: the seed's format, unique because the id is."""
    return f"SJ{reported_at.astimezone(LOCAL_TZ):%Y%m%d}{event_id:07d}"


def allocate_ids(session: Session, count: int) -> list[int]:
    """Reserve COUNT event ids before the insert, so the event number can carry the id."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, :n)"),
            {"n": count},
        )
        return [int(r[0]) for r in rows]
    # SQLite has one writer at a time; a race between two processes fails the insert and is retried.
    start = (session.scalar(select(func.max(Event.id))) or 0) + 1
    return list(range(start, start + count))


def dispatchable(outcomes: list[Outcome]) -> list[Event]:
    """The new events that are not duplicates: these go on to acceptance and dispatch."""
    return [o.event for o in outcomes if o.created and o.duplicate is None]
