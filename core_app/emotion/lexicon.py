"""The emotion lexicon in the database: versions, the active one as a `Lexicon`, drafts, mined candidates.

Version 1 is the shipped lexicon (features/emotion/data). Admins copy the active version into a draft, edit
the draft, and activate it as a whole; the previous active version is retired and can be re-activated later.
Scoring reads `active_lexicon`, which falls back to the shipped lexicon while the tables are empty.
"""

import csv
import io
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, literal, or_, select, tuple_, update
from sqlalchemy.orm import Session

from core_app.admin.common import Audit, apply_changes, conflict, invalid
from core_app.api.problems import FieldError, InvalidParameterError, NotFoundError, ProblemError
from core_app.audit.service import record, snapshot
from core_app.db.base import utcnow
from core_app.emotion.models import (
    CandidateStatus,
    EntryKind,
    LexiconEntry,
    LexiconStatus,
    LexiconVersion,
    RootCandidate,
)
from core_app.events.models import Event, Polarity, Satisfaction
from features.emotion.lexicon import Lexicon, LexiconError, normalize_word
from features.emotion.mining import mine_candidates

SHIPPED_NOTE = "shipped lexicon"
ENTRY_COLUMNS = ("kind", "word", "polarity", "score", "attrs")
MAX_WORD_LENGTH = 32  # emotion_lexicon_entries.word
MAX_ATTRS_LENGTH = 120  # emotion_lexicon_entries.attrs

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


# --- versions: look-up, drafts, edits, activation --------------------------------------------------------


def get_version(session: Session, number: int, *, lock: bool = False) -> LexiconVersion:
    """Return a version by its number or raise a 404 problem; `lock` takes its row lock (for edits)."""
    statement = select(LexiconVersion).where(LexiconVersion.version == number)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    version = session.scalar(statement)
    if version is None:
        raise NotFoundError(f"lexicon version {number} does not exist")
    return version


def list_versions(session: Session) -> list[LexiconVersion]:
    """Return every version, newest first."""
    return list(session.scalars(select(LexiconVersion).order_by(LexiconVersion.version.desc())))


def entry_counts(session: Session, version_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return {version id: {kind: entries}} for the versions, every kind present (0 when none)."""
    counts = {vid: {kind.value: 0 for kind in EntryKind} for vid in version_ids}
    rows = session.execute(
        select(LexiconEntry.version_id, LexiconEntry.kind, func.count())
        .where(LexiconEntry.version_id.in_(version_ids))
        .group_by(LexiconEntry.version_id, LexiconEntry.kind)
    )
    for version_id, kind, count in rows:
        counts[version_id][kind.value] = count
    return counts


@dataclass(frozen=True)
class EntryFilter:
    """Which entries to list: a kind, a part of the word, an attribute (urgent, fire ...)."""

    kind: EntryKind | None = None
    word: str | None = None
    attr: str | None = None


def list_entries(
    session: Session, version_id: int, filters: EntryFilter, *, page: int, page_size: int
) -> tuple[list[dict], int]:
    """Return one page of a version's entries (by kind, then word) and the count of all that match."""
    conditions = [LexiconEntry.version_id == version_id]
    if filters.kind is not None:
        conditions.append(LexiconEntry.kind == filters.kind)
    if filters.word:
        conditions.append(LexiconEntry.word.contains(normalize_word(filters.word), autoescape=True))
    if filters.attr:
        wrapped = literal(",") + LexiconEntry.attrs + literal(",")
        conditions.append(wrapped.contains(f",{normalize_word(filters.attr)},", autoescape=True))
    total = session.scalar(select(func.count()).select_from(LexiconEntry).where(*conditions)) or 0
    columns = [getattr(LexiconEntry, c) for c in ENTRY_COLUMNS]
    result = session.execute(
        select(*columns)
        .where(*conditions)
        .order_by(LexiconEntry.kind, LexiconEntry.word)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [{**row._mapping, "kind": row.kind.value} for row in result], total


def filter_rows(rows: list[dict], filters: EntryFilter) -> list[dict]:
    """Apply an `EntryFilter` to lexicon rows in memory (the shipped lexicon before it is in the database)."""
    word = normalize_word(filters.word) if filters.word else None
    attr = normalize_word(filters.attr) if filters.attr else None
    kept = [
        row
        for row in rows
        if (filters.kind is None or row["kind"] == filters.kind.value)
        and (word is None or word in row["word"])
        and (attr is None or attr in (row["attrs"] or "").split(","))
    ]
    return sorted(kept, key=lambda row: (row["kind"], row["word"]))


def _next_number(session: Session) -> int:
    return (session.scalar(select(func.max(LexiconVersion.version))) or 0) + 1


def create_draft(*, audit: Audit, based_on: int | None, note: str) -> LexiconVersion:
    """Copy a version (the active one by default) into a new draft; the caller commits."""
    session = audit.session
    if based_on is None:
        base = ensure_lexicon(session)
    else:
        base = session.scalar(select(LexiconVersion).where(LexiconVersion.version == based_on))
        if base is None:
            raise invalid("based_on", f"lexicon version {based_on} does not exist")
    draft = LexiconVersion(
        version=_next_number(session),
        status=LexiconStatus.DRAFT,
        note=note,
        based_on=base.version,
        created_by=audit.principal.user_id if audit.principal else None,
        created_at=utcnow(),
    )
    session.add(draft)
    session.flush()
    session.execute(
        insert(LexiconEntry).from_select(
            ["version_id", *ENTRY_COLUMNS],
            select(literal(draft.id), *[getattr(LexiconEntry, c) for c in ENTRY_COLUMNS]).where(
                LexiconEntry.version_id == base.id
            ),
        )
    )
    audit.write("create", LexiconVersion.__tablename__, draft.id, None, snapshot(draft))
    return draft


def open_draft(session: Session, number: int) -> LexiconVersion:
    """Return a draft by number, its row locked so that an activation cannot slip in; 404 / 409 otherwise."""
    version = get_version(session, number, lock=True)
    if version.status != LexiconStatus.DRAFT:
        raise ProblemError(
            409,
            f"lexicon version {number} is {version.status.value}: only a draft can be edited; "
            "create a draft from it (POST /emotion-lexicon/versions)",
            slug="conflict",
            errors=[FieldError(field="path.version", reason=f"version {number} is {version.status.value}")],
        )
    return version


def canonical_entry(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Validate one entry as the scorer reads it and return it normalised; 422 naming the field if not.

    `prefix` locates the entry in the body (e.g. "3" for the fourth of a list).
    """
    try:
        (canonical,) = Lexicon.from_rows([row]).to_rows()
    except LexiconError as exc:
        raise invalid(_located(prefix, _field_of(str(exc))), str(exc)) from None
    if len(canonical["word"]) > MAX_WORD_LENGTH:
        reason = f"'{canonical['word']}' is longer than {MAX_WORD_LENGTH} characters"
        raise invalid(_located(prefix, "word"), reason)
    if len(canonical["attrs"]) > MAX_ATTRS_LENGTH:
        raise invalid(_located(prefix, "attrs"), f"the attributes exceed {MAX_ATTRS_LENGTH} characters")
    return canonical


def _field_of(message: str) -> str:
    """Name the field a `LexiconError` message is about (it names the word and the field in words)."""
    message = re.sub(r"'[^']*'", "", message)  # the quoted word itself may contain "score" or "kind"
    for name, field_name in (
        ("kind", "kind"),
        ("polarity", "polarity"),
        ("score", "score"),
        ("multiplier", "score"),
    ):
        if name in message:
            return field_name
    return "word"


def _located(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@dataclass
class EntryChanges:
    """What an edit did to a draft: words added, words changed, words already as given."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def upsert_entries(*, audit: Audit, number: int, rows: list[dict[str, Any]]) -> EntryChanges:
    """Add or replace entries of a draft (by kind and word); the caller commits."""
    session = audit.session
    draft = open_draft(session, number)
    wanted = _canonical_rows(rows)
    existing = {
        (entry.kind.value, entry.word): entry
        for entry in session.scalars(
            select(LexiconEntry).where(
                LexiconEntry.version_id == draft.id,
                tuple_(LexiconEntry.kind, LexiconEntry.word).in_(list(wanted)),
            )
        )
    }
    changes = EntryChanges()
    for key, row in wanted.items():
        entry = existing.get(key)
        if entry is None:
            session.add(LexiconEntry(version_id=draft.id, **row))
            changes.added.append(row["word"])
            audit.write("create", LexiconEntry.__tablename__, _entry_key(number, row), None, row)
        elif _entry_row(entry) != row:
            before = _entry_row(entry)
            apply_changes(entry, row)
            changes.updated.append(row["word"])
            audit.write("update", LexiconEntry.__tablename__, _entry_key(number, row), before, row)
        else:
            changes.unchanged.append(row["word"])
    session.flush()
    return changes


def _canonical_rows(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Validate edit rows; refuse (422) a word given twice with the same kind."""
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for index, row in enumerate(rows):
        canonical = canonical_entry(row, str(index))
        key = (canonical["kind"], canonical["word"])
        if key in wanted:
            raise invalid(f"{index}.word", f"{canonical['kind']} '{canonical['word']}' is given twice")
        wanted[key] = canonical
    return wanted


def add_entry(*, audit: Audit, number: int, row: dict[str, Any]) -> dict[str, Any]:
    """Add one entry to a draft; 409 if the draft already has that word of that kind."""
    session = audit.session
    draft = open_draft(session, number)
    canonical = canonical_entry(row)
    clash = session.scalar(
        select(LexiconEntry.id).where(
            LexiconEntry.version_id == draft.id,
            LexiconEntry.kind == canonical["kind"],
            LexiconEntry.word == canonical["word"],
        )
    )
    if clash is not None:
        raise conflict("word", f"{canonical['kind']} '{canonical['word']}' is already in version {number}")
    session.add(LexiconEntry(version_id=draft.id, **canonical))
    session.flush()
    audit.write("create", LexiconEntry.__tablename__, _entry_key(number, canonical), None, canonical)
    return canonical


def delete_entry(*, audit: Audit, number: int, kind: EntryKind, word: str) -> None:
    """Remove one entry from a draft; 404 if the draft has no such word."""
    session = audit.session
    draft = open_draft(session, number)
    word = normalize_word(word)
    entry = session.scalar(
        select(LexiconEntry).where(
            LexiconEntry.version_id == draft.id, LexiconEntry.kind == kind, LexiconEntry.word == word
        )
    )
    if entry is None:
        raise NotFoundError(f"lexicon version {number} has no {kind.value} '{word}'")
    before = _entry_row(entry)
    session.delete(entry)
    session.flush()
    audit.write("delete", LexiconEntry.__tablename__, _entry_key(number, before), before, None)


def _entry_row(entry: LexiconEntry) -> dict[str, Any]:
    return {c: (entry.kind.value if c == "kind" else getattr(entry, c)) for c in ENTRY_COLUMNS}


def _entry_key(number: int, row: dict[str, Any]) -> str:
    return f"v{number}:{row['kind']}:{row['word']}"


def activate(*, audit: Audit, number: int) -> LexiconVersion:
    """Make a draft, or a retired version (a rollback), the active one; the previous active one retires.

    Two activations at once must not leave two active versions: every version row is locked first (on
    PostgreSQL; SQLite has one writer at a time), and both changes are conditional UPDATEs that read the
    rows as they are once the lock is held.
    """
    session = audit.session
    session.execute(select(LexiconVersion.id).order_by(LexiconVersion.id).with_for_update()).all()
    target = get_version(session, number, lock=True)
    if target.status == LexiconStatus.ACTIVE:
        raise conflict("version", f"lexicon version {number} is already active")
    if not entry_counts(session, [target.id])[target.id][EntryKind.ROOT.value]:
        raise conflict("version", f"lexicon version {number} has no root words: add some before activating")
    before = snapshot(target)
    retired = session.scalars(
        update(LexiconVersion)
        .where(LexiconVersion.status == LexiconStatus.ACTIVE, LexiconVersion.id != target.id)
        .values(status=LexiconStatus.RETIRED)
        .returning(LexiconVersion.version)
        .execution_options(synchronize_session=False)
    ).all()
    done = session.execute(
        update(LexiconVersion)
        .where(LexiconVersion.id == target.id, LexiconVersion.status != LexiconStatus.ACTIVE)
        .values(status=LexiconStatus.ACTIVE, activated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise conflict("version", f"lexicon version {number} was activated by someone else meanwhile")
    session.refresh(target)
    for old in session.scalars(select(LexiconVersion).where(LexiconVersion.version.in_(retired))):
        session.refresh(old)
    audit.write(
        "activate",
        LexiconVersion.__tablename__,
        target.id,
        before,
        snapshot(target) | {"retired_versions": sorted(retired)},
    )
    return target


# --- diff and export ----------------------------------------------------------------------------------


@dataclass
class Diff:
    """Entries of `version` not in `against` (added), in `against` only (removed), and changed ones."""

    version: int
    against: int
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]


def diff(session: Session, number: int, against: int) -> Diff:
    """Compare two versions entry by entry (kind and word are the key)."""
    new = {(r["kind"], r["word"]): r for r in version_rows(session, get_version(session, number).id)}
    old_version = session.scalar(select(LexiconVersion).where(LexiconVersion.version == against))
    if old_version is None:
        raise InvalidParameterError("query.against", f"lexicon version {against} does not exist")
    old = {(r["kind"], r["word"]): r for r in version_rows(session, old_version.id)}
    ordered = sorted(new.keys() | old.keys())
    return Diff(
        version=number,
        against=against,
        added=[new[k] for k in ordered if k not in old],
        removed=[old[k] for k in ordered if k not in new],
        changed=[
            {"kind": k[0], "word": k[1], "before": old[k], "after": new[k]}
            for k in ordered
            if k in old and k in new and old[k] != new[k]
        ],
    )


def export_csv(session: Session, number: int) -> str:
    """Return a version's entries as CSV (kind, word, polarity, score, attrs), sorted by kind and word."""
    rows = sorted(
        version_rows(session, get_version(session, number).id), key=lambda r: (r["kind"], r["word"])
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(ENTRY_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# --- mined candidate roots -----------------------------------------------------------------------------


@dataclass
class MiningRun:
    """One mining run: how many events it read, how many were negative, the candidates it proposed."""

    events: int
    negative_events: int
    candidates: list[RootCandidate]


def negative_event_texts(session: Session, since: datetime, until: datetime) -> tuple[list[str], list[bool]]:
    """Return title + description of the events reported in [since, until), and which ones were negative.

    Negative: a dissatisfied callback, or a negative emotion (DOMAIN §7.2 mines low-satisfaction events;
    most events have no callback yet, so the recognised emotion widens the sample).
    """
    negative = or_(
        Event.satisfaction == Satisfaction.DISSATISFIED, Event.emotion_polarity == Polarity.NEGATIVE
    )
    rows = session.execute(
        select(Event.title, Event.description, case((negative, True), else_=False)).where(
            Event.reported_at >= since, Event.reported_at < until
        )
    ).all()
    texts = [f"{title or ''}。{description or ''}" for title, description, _ in rows]
    return texts, [bool(flag) for _, _, flag in rows]


def mine_from_events(
    session: Session, since: datetime, until: datetime, *, min_count: int = 5, top: int = 100
) -> MiningRun:
    """Mine candidate roots from the events of a period and store them; the caller commits.

    A word already accepted or rejected is not proposed again; a pending one gets its new figures.
    """
    texts, negative = negative_event_texts(session, since, until)
    lexicon = active_lexicon(session)
    known = {*lexicon.roots, *lexicon.negations, *lexicon.degrees}
    table = mine_candidates(texts, negative, known, min_count=min_count, top=top)
    existing = {
        c.word: c
        for c in session.scalars(select(RootCandidate).where(RootCandidate.word.in_(table["word"].tolist())))
    }
    now = utcnow()
    mined: list[RootCandidate] = []
    for row in table.to_dict("records"):
        figures = {
            "log_odds": float(row["log_odds"]),
            "z_score": float(row["z_score"]),
            "negative_count": int(row["negative_count"]),
            "other_count": int(row["other_count"]),
            "mined_at": now,
        }
        candidate = existing.get(row["word"])
        if candidate is None:
            candidate = RootCandidate(word=row["word"], status=CandidateStatus.PENDING, **figures)
            session.add(candidate)
        elif candidate.status == CandidateStatus.PENDING:
            apply_changes(candidate, figures)
        else:
            continue
        mined.append(candidate)
    session.flush()
    return MiningRun(events=len(texts), negative_events=sum(negative), candidates=mined)


def list_candidates(
    session: Session, status: CandidateStatus | None, *, page: int, page_size: int
) -> tuple[list[tuple[RootCandidate, int | None]], int]:
    """Return one page of candidates, highest z-score first, each with the version number it went into."""
    conditions = [] if status is None else [RootCandidate.status == status]
    total = session.scalar(select(func.count()).select_from(RootCandidate).where(*conditions)) or 0
    rows = session.execute(
        select(RootCandidate, LexiconVersion.version)
        .outerjoin(LexiconVersion, LexiconVersion.id == RootCandidate.version_id)
        .where(*conditions)
        .order_by(RootCandidate.z_score.desc(), RootCandidate.word)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return [(candidate, number) for candidate, number in rows], total


def _pending_candidate(session: Session, candidate_id: int) -> RootCandidate:
    statement = (
        select(RootCandidate)
        .where(RootCandidate.id == candidate_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    candidate = session.scalar(statement)
    if candidate is None:
        raise NotFoundError(f"root candidate {candidate_id} does not exist")
    if candidate.status != CandidateStatus.PENDING:
        raise ProblemError(
            409,
            f"root candidate {candidate_id} ('{candidate.word}') was already {candidate.status.value}",
            slug="conflict",
        )
    return candidate


def latest_draft(session: Session) -> LexiconVersion | None:
    """Return the newest open draft, if any."""
    return session.scalar(
        select(LexiconVersion)
        .where(LexiconVersion.status == LexiconStatus.DRAFT)
        .order_by(LexiconVersion.version.desc())
        .limit(1)
    )


def accept_candidate(
    *,
    audit: Audit,
    candidate_id: int,
    polarity: int,
    score: float,
    attrs: str,
    number: int | None = None,
) -> tuple[RootCandidate, LexiconVersion]:
    """Add a candidate to a draft as a root (the given draft, else the newest one, else a new one from the
    active version) and mark it accepted; the caller commits."""
    session = audit.session
    candidate = _pending_candidate(session, candidate_id)
    row = {"kind": EntryKind.ROOT.value, "word": candidate.word, "polarity": polarity, "score": score}
    canonical_entry(row | {"attrs": attrs})
    if number is None:
        draft = latest_draft(session)
        if draft is None:
            draft = create_draft(audit=audit, based_on=None, note=f"accepted root candidate {candidate.word}")
        number = draft.version
    elif session.scalar(select(LexiconVersion.id).where(LexiconVersion.version == number)) is None:
        raise invalid("version", f"lexicon version {number} does not exist")
    draft = open_draft(session, number)
    upsert_entries(audit=audit, number=number, rows=[row | {"attrs": attrs}])
    before = snapshot(candidate)
    candidate.status = CandidateStatus.ACCEPTED
    candidate.decided_by = audit.principal.user_id if audit.principal else None
    candidate.decided_at = utcnow()
    candidate.version_id = draft.id
    session.flush()
    audit.write("accept", RootCandidate.__tablename__, candidate.id, before, snapshot(candidate))
    return candidate, draft


def reject_candidate(*, audit: Audit, candidate_id: int) -> RootCandidate:
    """Mark a pending candidate rejected (it is not proposed again); the caller commits."""
    session = audit.session
    candidate = _pending_candidate(session, candidate_id)
    before = snapshot(candidate)
    candidate.status = CandidateStatus.REJECTED
    candidate.decided_by = audit.principal.user_id if audit.principal else None
    candidate.decided_at = utcnow()
    session.flush()
    audit.write("reject", RootCandidate.__tablename__, candidate.id, before, snapshot(candidate))
    return candidate
