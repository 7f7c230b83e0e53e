"""Emotion lexicon endpoints: the active lexicon, versions and drafts, activation, diff, export, and the root
words mined from events. Reading needs events:read or lexicon:manage; every change needs lexicon:manage."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response
from sqlalchemy import select

from core_app.access.deps import require_any
from core_app.access.principal import Principal
from core_app.admin.common import Audit, audit_dependency, commit, invalid, local_time
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from core_app.api.params import INT_MAX, RecordId
from core_app.emotion import lexicon as service
from core_app.emotion.lexicon_schemas import (
    CandidateAccept,
    CandidateRead,
    DiffRead,
    EntryChangesRead,
    EntryRead,
    EntryWrite,
    LexiconRead,
    MineRequest,
    MineResult,
    VersionCreate,
    VersionRead,
)
from core_app.emotion.models import CandidateStatus, EntryKind, LexiconStatus, LexiconVersion, RootCandidate
from features.emotion.lexicon import Lexicon

router = APIRouter(tags=["emotion-lexicon"], responses=WRITE_RESPONSES)

READ_PERMISSIONS = ("events:read", "lexicon:manage")
MANAGE_PERMISSION = "lexicon:manage"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
MAX_UPSERTS = 5000

Reader = Annotated[Principal, Depends(require_any(*READ_PERMISSIONS))]
Manager = Annotated[Audit, Depends(audit_dependency(MANAGE_PERMISSION))]
# Candidates are words out of other people's complaints: only those who decide on them read them.
CandidateReader = Annotated[Principal, Depends(require_any(MANAGE_PERMISSION))]
VersionNumber = Annotated[int, Query(ge=1, le=INT_MAX)]
PageNo = Annotated[int, Query(ge=1, le=INT_MAX)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
VERSION_CONFLICT = ("version", "another version was created at the same time; retry")


def _entry_filter(
    kind: EntryKind | None = None,
    word: Annotated[str | None, Query(max_length=32, description="Part of the word.")] = None,
    attr: Annotated[str | None, Query(max_length=32, description="An attribute: urgent, fire ...")] = None,
) -> service.EntryFilter:
    return service.EntryFilter(kind=kind, word=word, attr=attr)


Filters = Annotated[service.EntryFilter, Depends(_entry_filter)]


def _version_read(session, version: LexiconVersion, counts: dict[str, int] | None = None) -> VersionRead:
    counts = counts or service.entry_counts(session, [version.id])[version.id]
    return VersionRead(
        version=version.version,
        status=version.status,
        note=version.note,
        based_on=version.based_on,
        created_by=version.created_by,
        created_at=version.created_at,
        activated_at=version.activated_at,
        counts=counts,
    )


def _lexicon_page(session, version: LexiconVersion, filters, page: int, page_size: int) -> LexiconRead:
    rows, total = service.list_entries(session, version.id, filters, page=page, page_size=page_size)
    read = _version_read(session, version)
    entries = Page[EntryRead](
        items=[EntryRead.model_validate(r) for r in rows], total=total, page=page, page_size=page_size
    )
    return LexiconRead(source="database", version=read, counts=read.counts, entries=entries)


def _shipped_page(filters: service.EntryFilter, page: int, page_size: int) -> LexiconRead:
    """The shipped lexicon, answered while the database holds no version yet (reading never writes)."""
    rows = Lexicon.packaged().to_rows()
    counts = {kind.value: sum(r["kind"] == kind.value for r in rows) for kind in EntryKind}
    kept = service.filter_rows(rows, filters)
    items = [EntryRead.model_validate(r) for r in kept[(page - 1) * page_size : page * page_size]]
    entries = Page[EntryRead](items=items, total=len(kept), page=page, page_size=page_size)
    return LexiconRead(source="shipped", version=None, counts=counts, entries=entries)


@router.get("/emotion-lexicon", response_model=LexiconRead)
def get_active_lexicon(
    session: SessionDep,
    _: Reader,
    filters: Filters,
    page: PageNo = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """The active lexicon: version, counts per kind, one page of entries (filter by kind, word, attr)."""
    active = session.scalar(select(LexiconVersion).where(LexiconVersion.status == LexiconStatus.ACTIVE))
    if active is None:
        return _shipped_page(filters, page, page_size)
    return _lexicon_page(session, active, filters, page, page_size)


@router.get("/emotion-lexicon/versions", response_model=list[VersionRead])
def list_versions(session: SessionDep, _: Reader):
    """Every version, newest first, with its status and entry counts."""
    versions = service.list_versions(session)
    counts = service.entry_counts(session, [v.id for v in versions])
    return [_version_read(session, v, counts[v.id]) for v in versions]


@router.post("/emotion-lexicon/versions", response_model=VersionRead, status_code=201)
def create_version(session: SessionDep, audit: Manager, data: VersionCreate):
    """Create a draft as a copy of a version (the active one by default, seeded from the shipped lexicon)."""
    draft = service.create_draft(audit=audit, based_on=data.based_on, note=data.note)
    commit(session, on_conflict=VERSION_CONFLICT)
    return _version_read(session, draft)


@router.get("/emotion-lexicon/versions/{version}", response_model=LexiconRead)
def get_version(
    session: SessionDep,
    _: Reader,
    version: RecordId,
    filters: Filters,
    page: PageNo = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """One version with one page of its entries."""
    return _lexicon_page(session, service.get_version(session, version), filters, page, page_size)


@router.post("/emotion-lexicon/versions/{version}/entries", response_model=EntryRead, status_code=201)
def add_entry(session: SessionDep, audit: Manager, version: RecordId, data: EntryWrite):
    """Add one word to a draft (409 if the draft has it already: change it with PUT)."""
    row = service.add_entry(audit=audit, number=version, row=data.model_dump(mode="json"))
    commit(session, on_conflict=("word", "the word was added at the same time"))
    return EntryRead.model_validate(row)


@router.put("/emotion-lexicon/versions/{version}/entries", response_model=EntryChangesRead)
def upsert_entries(
    session: SessionDep,
    audit: Manager,
    version: RecordId,
    entries: Annotated[list[EntryWrite], Body(min_length=1, max_length=MAX_UPSERTS)],
):
    """Add or replace words of a draft (by kind and word), given as a list."""
    rows = [e.model_dump(mode="json") for e in entries]
    changes = service.upsert_entries(audit=audit, number=version, rows=rows)
    commit(session, on_conflict=("word", "the words were changed at the same time"))
    return EntryChangesRead(version=version, **vars(changes))


@router.delete("/emotion-lexicon/versions/{version}/entries/{kind}/{word}", status_code=204)
def delete_entry(session: SessionDep, audit: Manager, version: RecordId, kind: EntryKind, word: str):
    """Remove one word from a draft."""
    service.delete_entry(audit=audit, number=version, kind=kind, word=word)
    commit(session)
    return Response(status_code=204)


@router.post("/emotion-lexicon/versions/{version}/activate", response_model=VersionRead)
def activate_version(session: SessionDep, audit: Manager, version: RecordId):
    """Make a draft (or a retired version: a rollback) the active lexicon; the active one retires."""
    activated = service.activate(audit=audit, number=version)
    commit(session, on_conflict=("version", "activated at the same time; retry"))
    return _version_read(session, activated)


@router.get("/emotion-lexicon/versions/{version}/diff", response_model=DiffRead)
def diff_versions(session: SessionDep, _: Reader, version: RecordId, against: VersionNumber):
    """Words added, removed and changed in `version` compared with `against`."""
    return service.diff(session, version, against)


@router.get(
    "/emotion-lexicon/versions/{version}/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_version(session: SessionDep, _: Reader, version: RecordId):
    """A version's entries as CSV: kind, word, polarity, score, attrs."""
    body = service.export_csv(session, version)
    filename = f"emotion-lexicon-v{version}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content=body, media_type=CSV_MEDIA_TYPE, headers=headers)


@router.post("/emotion-lexicon/candidates:mine", response_model=MineResult)
def mine_candidates(session: SessionDep, audit: Manager, data: MineRequest):
    """Mine candidate root words from the events reported in [from, to): words over-represented in
    dissatisfied or negative events (weighted log-odds); already decided words are not proposed again."""
    start, end = local_time(data.start), local_time(data.end)
    if end <= start:
        raise invalid("to", "must be after from")
    run = service.mine_from_events(session, start, end, min_count=data.min_count, top=data.top)
    audit.write(
        "mine",
        RootCandidate.__tablename__,
        None,
        None,
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "events": run.events,
            "proposed": len(run.candidates),
        },
    )
    commit(session, on_conflict=("from", "a mining run at the same time proposed the same words; retry"))
    candidates = [_candidate_read(c, None) for c in run.candidates]
    return MineResult(events=run.events, negative_events=run.negative_events, candidates=candidates)


def _candidate_read(candidate: RootCandidate, version: int | None) -> CandidateRead:
    return CandidateRead(
        id=candidate.id,
        word=candidate.word,
        log_odds=candidate.log_odds,
        z_score=candidate.z_score,
        negative_count=candidate.negative_count,
        other_count=candidate.other_count,
        status=candidate.status,
        mined_at=candidate.mined_at,
        decided_by=candidate.decided_by,
        decided_at=candidate.decided_at,
        version=version,
    )


@router.get("/emotion-lexicon/candidates", response_model=Page[CandidateRead])
def list_candidates(
    session: SessionDep,
    _: CandidateReader,
    status: CandidateStatus | None = None,
    page: PageNo = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Mined candidate root words, highest z-score first (filter by status: pending, accepted, rejected)."""
    rows, total = service.list_candidates(session, status, page=page, page_size=page_size)
    items = [_candidate_read(candidate, number) for candidate, number in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.post("/emotion-lexicon/candidates/{candidate_id}/accept", response_model=CandidateRead)
def accept_candidate(session: SessionDep, audit: Manager, candidate_id: RecordId, data: CandidateAccept):
    """Add the word to a draft as a root (the given draft, else the newest, else a new one) and accept it."""
    candidate, draft = service.accept_candidate(
        audit=audit,
        candidate_id=candidate_id,
        polarity=data.polarity,
        score=data.score,
        attrs=data.attrs,
        number=data.version,
    )
    commit(session, on_conflict=VERSION_CONFLICT)
    return _candidate_read(candidate, draft.version)


@router.post("/emotion-lexicon/candidates/{candidate_id}/reject", response_model=CandidateRead)
def reject_candidate(session: SessionDep, audit: Manager, candidate_id: RecordId):
    """Reject a candidate: it is not proposed again."""
    candidate = service.reject_candidate(audit=audit, candidate_id=candidate_id)
    commit(session)
    return _candidate_read(candidate, None)
