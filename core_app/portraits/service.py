"""The portrait pipeline: aggregated records -> ``features.portraits`` -> ``portraits`` and ``portrait_tags``.

A full rebuild empties the tables (TRUNCATE on PostgreSQL) and portrays every enterprise, citizen, staff
member and window. An incremental run portrays again only the citizens and enterprises whose records
changed since the watermark, and every staff member and window (a few thousand rows, and their
percentiles depend on their peers). Either way it is one transaction: a failed run leaves the previous
portraits in place.

The watermark (``analytics_state`` row ``portraits``) is the newest ``updated_at`` the last run saw over
cases, queue tickets, reviews, consultations, events, citizens, enterprises, staff and windows. When
nothing is newer, an incremental run writes nothing. Otherwise a subject is changed when one of its records
was updated at or after the watermark less a margin and after its portrait was computed (so a transaction
that committed late is still caught, as in the case mart). Features relative to the day (cases in the
last 90 days, days since the last contact) age on unchanged subjects, so ``run_portraits`` rebuilds in
full once every ``FULL_REBUILD_EVERY`` (row ``portraits_full`` keeps when it last did).
"""

import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import and_, delete, func, insert, or_, select, text, union_all
from sqlalchemy.orm import Session

from core_app.analytics.models import AnalyticsState
from core_app.analytics.service import fresh_mart
from core_app.cases.models import Case, Consultation, QueueTicket, Review
from core_app.db.base import utcnow
from core_app.events.models import Event
from core_app.org.models import Staff, Window
from core_app.people.models import Citizen, Enterprise
from core_app.people.profiles import applicant_profiles
from core_app.portraits.models import Portrait, PortraitTag, SubjectType
from core_app.portraits.readers import (
    applicant_records,
    as_local_naive,
    staff_records,
    window_records,
)
from features.portraits import (
    THRESHOLDS,
    Thresholds,
    citizen_portraits,
    enterprise_portraits,
    staff_portraits,
    window_portraits,
)

log = logging.getLogger(__name__)

STATE_NAME = "portraits"
FULL_STATE_NAME = "portraits_full"
FULL_REBUILD_EVERY = timedelta(days=7)
LATE_COMMIT_MARGIN = timedelta(minutes=10)
ID_BLOCK = 5_000  # changed subjects per round: bounded IN lists, flat memory
WRITE_BLOCK = 20_000
ADVISORY_LOCK_KEY = 90_212  # one portrait build at a time (the case mart uses 90_211)
APPLICANTS = (SubjectType.ENTERPRISE, SubjectType.CITIZEN)
CHANGE_SOURCES = (Case, QueueTicket, Review, Consultation, Event, Citizen, Enterprise, Staff, Window)


@dataclass(frozen=True)
class BuildReport:
    """What a run did: portraits written per kind, and whether it was full or had nothing to do."""

    full: bool
    skipped: bool
    as_of: datetime
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.skipped:
            return f"portraits: nothing changed since the last run ({self.seconds:.1f} s)"
        counts = ", ".join(f"{kind} {n:,}" for kind, n in self.rows.items())
        kind = "full rebuild" if self.full else "incremental"
        return f"portraits ({kind}): {counts} in {self.seconds:.1f} s"


def run_portraits(session: Session, now: datetime | None = None) -> BuildReport:
    """The scheduler's job: bring the portraits up to date (in full once a week) and commit."""
    last_full = session.get(AnalyticsState, FULL_STATE_NAME)
    started = utcnow()
    full = last_full is None or last_full.refreshed_at is None
    full = full or started - last_full.refreshed_at >= FULL_REBUILD_EVERY
    report = build_portraits(session, full=full, now=now)
    session.commit()
    log.info(report.summary())
    return report


def build_portraits(
    session: Session,
    *,
    full: bool = False,
    kinds: Iterable[SubjectType | str] | None = None,
    now: datetime | None = None,
    thresholds: Thresholds = THRESHOLDS,
) -> BuildReport:
    """Rebuild (full) or update the portraits of KINDS (default all) as of NOW; the caller commits.

    The case mart is refreshed (and committed) first: staff and window speed come from it. Only a run over
    every kind moves the watermark, so a partial run never hides a change from the others.
    """
    clock = time.perf_counter()
    computed_at = utcnow()
    as_of = now or computed_at
    chosen = tuple(SubjectType(k) for k in kinds) if kinds else tuple(SubjectType)
    fresh_mart(session)
    _lock(session)
    state = session.get(AnalyticsState, STATE_NAME)
    watermark = state.watermark if state is not None else None
    latest = _latest_change(session)
    full = full or watermark is None
    if not full and (latest is None or latest <= watermark):
        return BuildReport(False, True, as_of, time.perf_counter() - clock, {k.value: 0 for k in chosen})
    if full:
        _empty(session, chosen)
    since = None if full else watermark - LATE_COMMIT_MARGIN
    profiles = applicant_profiles(session) if full and set(chosen) & set(APPLICANTS) else None
    rows = {}
    for kind in chosen:
        if kind in APPLICANTS:
            rows[kind.value] = _portray_applicants(
                session, kind, since, as_of, computed_at, thresholds, profiles
            )
        else:
            rows[kind.value] = _portray_workforce(session, kind, full, as_of, computed_at, thresholds)
    if set(chosen) == set(SubjectType):
        _save_state(session, STATE_NAME, latest, computed_at)
        if full:
            _save_state(session, FULL_STATE_NAME, latest, computed_at)
    session.flush()
    return BuildReport(full, False, as_of, time.perf_counter() - clock, rows)


def _portray_applicants(
    session: Session,
    kind: SubjectType,
    since: datetime | None,
    as_of: datetime,
    computed_at: datetime,
    thresholds: Thresholds,
    profiles: pd.DataFrame | None,
) -> int:
    """Portray every applicant of KIND (since None) or those changed since SINCE; the number written."""
    portray = enterprise_portraits if kind == SubjectType.ENTERPRISE else citizen_portraits
    local_now = as_local_naive(as_of)
    if since is None:
        records = applicant_records(session, kind, as_of, thresholds, profiles=profiles)
        frame = portray(records, local_now, thresholds)
        return _write(session, kind, frame, as_of, computed_at)
    written = 0
    for block in _blocks(changed_subjects(session, kind, since)):
        _delete(session, kind, block)
        records = applicant_records(session, kind, as_of, thresholds, ids=block)
        written += _write(session, kind, portray(records, local_now, thresholds), as_of, computed_at)
    return written


def _portray_workforce(
    session: Session, kind: SubjectType, full: bool, as_of: datetime, computed_at: datetime, thresholds
) -> int:
    """Portray every staff member or window (always all of them: their percentiles rank them together)."""
    if not full:
        _delete(session, kind, None)
    if kind == SubjectType.STAFF:
        frame = staff_portraits(staff_records(session, as_of, thresholds), thresholds)
    else:
        frame = window_portraits(window_records(session, as_of, thresholds), thresholds)
    return _write(session, kind, frame, as_of, computed_at)


def changed_subjects(session: Session, kind: SubjectType, since: datetime) -> list[int]:
    """Applicants of KIND with a record updated at or after SINCE and after their portrait was computed."""
    person = Case.citizen_id if kind == SubjectType.CITIZEN else Case.enterprise_id
    own = (
        (Consultation.citizen_id, Event.citizen_id, Citizen)
        if kind == SubjectType.CITIZEN
        else (Consultation.enterprise_id, Event.enterprise_id, Enterprise)
    )
    holder = func.coalesce(QueueTicket.citizen_id, Case.citizen_id) if kind == SubjectType.CITIZEN else person
    sources = [
        select(person.label("subject_id"), Case.updated_at.label("changed_at")).where(
            Case.updated_at >= since
        ),
        select(holder, QueueTicket.updated_at)
        .select_from(QueueTicket)
        .outerjoin(Case, Case.id == QueueTicket.case_id)
        .where(QueueTicket.updated_at >= since),
        select(person, Review.updated_at)
        .select_from(Review)
        .join(Case, Case.id == Review.case_id)
        .where(Review.updated_at >= since),
        select(own[0], Consultation.updated_at).where(Consultation.updated_at >= since),
        select(own[1], Event.updated_at).where(Event.updated_at >= since),
        select(own[2].id, own[2].updated_at).where(own[2].updated_at >= since),
    ]
    changed = union_all(*sources).subquery("changed")
    statement = (
        select(changed.c.subject_id)
        .distinct()
        .outerjoin(Portrait, and_(Portrait.subject_type == kind, Portrait.subject_id == changed.c.subject_id))
        .where(
            changed.c.subject_id.is_not(None),
            or_(Portrait.id.is_(None), Portrait.computed_at < changed.c.changed_at),
        )
    )
    return sorted(int(i) for i in session.scalars(statement))


def _latest_change(session: Session) -> datetime | None:
    """The newest updated_at over every table a portrait reads."""
    stamps = [session.scalar(select(func.max(model.updated_at))) for model in CHANGE_SOURCES]
    stamps = [s for s in stamps if s is not None]
    return max(stamps) if stamps else None


def _write(session: Session, kind: SubjectType, frame: pd.DataFrame, as_of: datetime, computed_at) -> int:
    """Insert the portraits and their tag rows: COPY on PostgreSQL, batched inserts elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, kind, frame, as_of, computed_at)
        return len(frame)
    for start in range(0, len(frame), WRITE_BLOCK):
        block = frame.iloc[start : start + WRITE_BLOCK]
        portraits = [
            {
                "subject_type": kind,
                "subject_id": subject_id,
                "features": features,
                "tags": tags,
                "score": score,
                "as_of": as_of,
                "computed_at": computed_at,
            }
            for subject_id, features, tags, score in _rows(block)
        ]
        session.execute(insert(Portrait.__table__), portraits)
        tags = [
            {"subject_type": kind, "subject_id": subject_id, "tag": tag} for subject_id, tag in _tags(block)
        ]
        if tags:
            session.execute(insert(PortraitTag.__table__), tags)
    return len(frame)


def _copy(session: Session, kind: SubjectType, frame: pd.DataFrame, as_of: datetime, computed_at) -> None:
    """COPY the rows in; the driver escapes every value and keeps timestamps to the microsecond (the
    incremental run compares computed_at with updated_at)."""
    cursor = session.connection().connection.driver_connection.cursor()
    columns = "subject_type, subject_id, features, tags, score, as_of, computed_at"
    with cursor.copy(f"COPY {Portrait.__tablename__} ({columns}) FROM STDIN") as copy:
        for subject_id, features, tags, score in _rows(frame):
            copy.write_row((kind.value, subject_id, _json(features), _json(tags), score, as_of, computed_at))
    with cursor.copy(f"COPY {PortraitTag.__tablename__} (subject_type, subject_id, tag) FROM STDIN") as copy:
        for subject_id, tag in _tags(frame):
            copy.write_row((kind.value, subject_id, tag))


def _rows(frame: pd.DataFrame):
    return zip(frame["subject_id"].tolist(), frame["features"], frame["tags"], frame["score"], strict=True)


def _tags(frame: pd.DataFrame):
    return (
        (subject_id, tag)
        for subject_id, names in zip(frame["subject_id"].tolist(), frame["tags"], strict=True)
        for tag in names
    )


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _empty(session: Session, kinds: tuple[SubjectType, ...]) -> None:
    """Remove the portraits of KINDS; every kind on PostgreSQL: TRUNCATE (no dead rows left to scan)."""
    if set(kinds) == set(SubjectType) and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"TRUNCATE {Portrait.__tablename__}, {PortraitTag.__tablename__}"))
        return
    for kind in kinds:
        _delete(session, kind, None)


def _delete(session: Session, kind: SubjectType, ids: list[int] | None) -> None:
    for model in (PortraitTag, Portrait):
        statement = delete(model).where(model.subject_type == kind)
        if ids is not None:
            statement = statement.where(model.subject_id.in_(ids))
        session.execute(statement)


def _blocks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), ID_BLOCK):
        yield ids[start : start + ID_BLOCK]


def _save_state(session: Session, name: str, watermark: datetime | None, refreshed_at: datetime) -> None:
    rows = session.scalar(select(func.count()).select_from(Portrait)) or 0
    session.merge(AnalyticsState(name=name, watermark=watermark, refreshed_at=refreshed_at, rows=rows))


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
