"""Likely duplicates: the same reporter or the same place, saying much the same, while the first is open.

Candidates come from SQL (the phone index, a bounding box or the same stored address, within the source's
dedup window); only those few texts are compared in Python (character-bigram Jaccard on normalised text).
A point placed from an address sits on a gazetteer centre, so it matches by address, never by distance:
two reports placed on the same community centre are not thereby at the same place.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core_app.events.models import Event, EventStatus
from core_app.intake.gazetteer import Gazetteer, distance_m
from features.text.normalize import normalize

CLOSED_STATUSES = (EventStatus.CLOSED, EventStatus.INVALID)
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Report:
    """What dedup needs to know about a new event."""

    phone: str | None
    lon: float | None
    lat: float | None
    measured: bool  # coordinates reported by the source, not placed from the address
    address: str | None
    text: str
    reported_at: datetime


@dataclass(frozen=True)
class Match:
    event_id: int
    event_no: str
    similarity: float
    by: str  # "phone" or "place"


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the normalised text, spaces dropped (single characters for a one-char text)."""
    compact = "".join(normalize(text).split())
    if len(compact) < 2:
        return frozenset(compact)
    return frozenset(compact[i : i + 2] for i in range(len(compact) - 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard index of two bigram sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def find_duplicate(
    session: Session,
    report: Report,
    *,
    window_hours: float,
    distance: float,
    threshold: float,
    gazetteer: Gazetteer,
    limit: int = 50,
) -> Match | None:
    """The open event REPORT most likely repeats, or None."""
    branches = []
    if report.phone:
        branches.append(Event.reporter_phone == report.phone)
    if report.measured and report.lon is not None and report.lat is not None:
        dlat = distance / METRES_PER_DEGREE
        dlon = distance / (METRES_PER_DEGREE * max(math.cos(math.radians(report.lat)), 0.01))
        branches.append(
            and_(
                Event.lat.between(report.lat - dlat, report.lat + dlat),
                Event.lon.between(report.lon - dlon, report.lon + dlon),
            )
        )
    if report.address:
        branches.append(Event.address == report.address)
    if not branches:
        return None
    window = timedelta(hours=window_hours)
    rows = session.execute(
        select(
            Event.id,
            Event.event_no,
            Event.reporter_phone,
            Event.lon,
            Event.lat,
            Event.address,
            Event.title,
            Event.description,
        )
        .where(
            Event.reported_at.between(report.reported_at - window, report.reported_at + window),
            Event.status.not_in(CLOSED_STATUSES),
            Event.duplicate_of_id.is_(None),
            or_(*branches),
        )
        .order_by(Event.reported_at, Event.id)
        .limit(limit)
    ).all()
    if not rows:
        return None
    mine = bigrams(report.text)
    best: Match | None = None
    for row in rows:
        by = _matched_by(report, row, distance=distance, gazetteer=gazetteer)
        if by is None:
            continue
        score = similarity(mine, bigrams(f"{row.title}。{row.description}"))
        if score >= threshold and (best is None or score > best.similarity):
            best = Match(event_id=row.id, event_no=row.event_no, similarity=round(score, 3), by=by)
    return best


def _matched_by(report: Report, row, *, distance: float, gazetteer: Gazetteer) -> str | None:
    if report.phone and row.reporter_phone == report.phone:
        return "phone"
    if report.address and row.address == report.address:
        return "place"
    measured_both = report.measured and not gazetteer.is_centre(row.lon, row.lat)
    if measured_both and row.lon is not None and report.lon is not None:
        if distance_m(report.lon, report.lat, row.lon, row.lat) <= distance:
            return "place"
    return None
