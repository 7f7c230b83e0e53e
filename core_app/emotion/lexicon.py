"""The emotion lexicon in the database: versions, the active one as a `Lexicon`, drafts, mined candidates.

Version 1 is the shipped lexicon (features/emotion/data). Admins copy the active version into a draft, edit
the draft, and activate it as a whole; the previous active version is retired and can be re-activated later.
Scoring reads `active_lexicon`, which falls back to the shipped lexicon while the tables are empty.
"""

import threading
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core_app.audit.service import record, snapshot
from core_app.db.base import utcnow
from core_app.emotion.models import LexiconEntry, LexiconStatus, LexiconVersion
from features.emotion.lexicon import Lexicon

SHIPPED_NOTE = "shipped lexicon"
ENTRY_COLUMNS = ("kind", "word", "polarity", "score", "attrs")

_cache_lock = threading.Lock()
# One slot: (active version id, its activated_at) -> the Lexicon. Entries of an active or retired version
# never change (only drafts are editable), and re-activating a version gives it a new activated_at.
_cached: tuple[tuple[int, datetime | None], Lexicon] | None = None


def ensure_lexicon(session: Session) -> LexiconVersion:
    """Return the active version, first creating version 1 from the shipped lexicon if there is no version.

    Idempotent; the caller commits. If versions exist but none is active, the latest one is returned as is.
    """
    active = session.scalar(select(LexiconVersion).where(LexiconVersion.status == LexiconStatus.ACTIVE))
    if active is not None:
        return active
    latest = session.scalar(select(LexiconVersion).order_by(LexiconVersion.version.desc()).limit(1))
    if latest is not None:
        return latest
    now = utcnow()
    version = LexiconVersion(
        version=1, status=LexiconStatus.ACTIVE, note=SHIPPED_NOTE, created_at=now, activated_at=now
    )
    session.add(version)
    session.flush()
    insert_entries(session, version.id, Lexicon.packaged().to_rows())
    record(
        session,
        principal=None,
        action="create",
        entity=LexiconVersion.__tablename__,
        entity_id=version.id,
        after=snapshot(version),
    )
    return version


def insert_entries(session: Session, version_id: int, rows: list[dict]) -> None:
    """Insert lexicon rows (as `Lexicon.to_rows` gives them) into a version in one statement."""
    if rows:
        values = [{"version_id": version_id, **{c: row.get(c) for c in ENTRY_COLUMNS}} for row in rows]
        for value in values:
            value["attrs"] = value["attrs"] or ""
        session.execute(insert(LexiconEntry), values)


def version_rows(session: Session, version_id: int) -> list[dict]:
    """Return a version's entries as lexicon rows {kind, word, polarity, score, attrs}."""
    columns = [getattr(LexiconEntry, c) for c in ENTRY_COLUMNS]
    result = session.execute(
        select(*columns).where(LexiconEntry.version_id == version_id).order_by(LexiconEntry.id)
    )
    return [{**row._mapping, "kind": row.kind.value} for row in result]


def active_lexicon(session: Session) -> Lexicon:
    """Return the active version as a `Lexicon`, or the shipped lexicon while no version is active.

    Never writes. One small query per call finds the active version; its entries are loaded once per
    activation and kept in the process.
    """
    global _cached
    active = session.execute(
        select(LexiconVersion.id, LexiconVersion.activated_at).where(
            LexiconVersion.status == LexiconStatus.ACTIVE
        )
    ).first()
    if active is None:
        return Lexicon.packaged()
    key = (active.id, active.activated_at)
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    lexicon = Lexicon.from_rows(version_rows(session, active.id))
    with _cache_lock:
        _cached = (key, lexicon)
    return lexicon


def forget_cached_lexicon() -> None:
    """Drop the in-process copy of the active lexicon (tests, or after editing the tables by hand)."""
    global _cached
    with _cache_lock:
        _cached = None
