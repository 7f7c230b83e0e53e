"""Publication endpoints: readers' list and detail, and the editors' and reviewers' workflow."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from core_app.access.deps import require, require_any
from core_app.access.principal import Principal
from core_app.admin.common import Audit, audit_dependency, commit, get_or_404
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from core_app.api.params import RecordId
from core_app.api.problems import InvalidParameterError
from core_app.publishing import schemas, service
from core_app.publishing.models import Publication, PublicationKind, PublicationStatus

router = APIRouter(tags=["publications"], responses=WRITE_RESPONSES)

Reader = Annotated[Principal, Depends(require("publications:read"))]
Editor = Annotated[Audit, Depends(audit_dependency("publications:write"))]
Reviewer = Annotated[Audit, Depends(audit_dependency("publications:review"))]
Staff = Annotated[Principal, Depends(require_any("publications:write", "publications:review"))]
PageNo = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
TargetFilter = Annotated[schemas.PublicationTarget | None, Query(description="Only those shown there.")]


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/publications", response_model=Page[schemas.PublicationRead])
def list_published(
    session: SessionDep,
    _: Reader,
    target: TargetFilter = None,
    kind: PublicationKind | None = None,
    hall_id: int | None = None,
    status: Annotated[
        PublicationStatus, Query(description="published (default, unexpired) or expired.")
    ] = PublicationStatus.PUBLISHED,
    page: PageNo = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Publications readers see: published and not expired, unless status=expired."""
    if status not in service.READER_STATUSES:
        raise InvalidParameterError("query.status", "readers may list published or expired publications")
    # Without a scheduler, bring statuses up to date here so the list is right at read time.
    if service.publish_due(session, _now()):
        commit(session)
    rows, total = service.list_publications(
        session, statuses=[status], target=target, kind=kind, hall_id=hall_id, page=page, page_size=page_size
    )
    items = [schemas.PublicationRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/publications/{publication_id}", response_model=schemas.PublicationRead)
def get_published(session: SessionDep, _: Reader, publication_id: RecordId):
    """One published publication."""
    if service.publish_due(session, _now()):
        commit(session)
    return service.get_published(session, publication_id)


@router.get("/admin/publications", response_model=Page[schemas.PublicationAdminRead])
def list_all(
    session: SessionDep,
    _: Staff,
    status: Annotated[list[PublicationStatus] | None, Query()] = None,
    target: TargetFilter = None,
    kind: PublicationKind | None = None,
    hall_id: int | None = None,
    page: PageNo = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Every publication in any status, for editors and reviewers."""
    if service.publish_due(session, _now()):
        commit(session)
    rows, total = service.list_publications(
        session, statuses=status, target=target, kind=kind, hall_id=hall_id, page=page, page_size=page_size
    )
    items = [schemas.PublicationAdminRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/admin/publications/{publication_id}", response_model=schemas.PublicationAdminRead)
def get_any(session: SessionDep, _: Staff, publication_id: RecordId):
    """One publication in any status, with the actions it allows."""
    return get_or_404(session, Publication, publication_id, "Publication")


@router.post("/admin/publications", response_model=schemas.PublicationAdminRead, status_code=201)
def create_publication(audit: Editor, data: schemas.PublicationCreate):
    """Write a draft."""
    publication = service.create_publication(audit=audit, data=data, now=_now())
    commit(audit.session)
    return publication


@router.patch("/admin/publications/{publication_id}", response_model=schemas.PublicationAdminRead)
def update_publication(audit: Editor, publication_id: RecordId, data: schemas.PublicationUpdate):
    """Edit a draft; send the version you read to be refused (409) if it changed since."""
    publication = service.update_publication(
        audit=audit, publication_id=publication_id, data=data, now=_now()
    )
    commit(audit.session)
    return publication


OptionalTransition = Annotated[schemas.TransitionRequest | None, Body()]


@router.post("/admin/publications/{publication_id}/submit", response_model=schemas.PublicationAdminRead)
def submit(audit: Editor, publication_id: RecordId, data: OptionalTransition = None):
    """Send a draft for review."""
    version = data.version if data else None
    publication = service.submit(audit=audit, publication_id=publication_id, version=version, now=_now())
    commit(audit.session)
    return publication


@router.post("/admin/publications/{publication_id}/publish", response_model=schemas.PublicationAdminRead)
def publish(
    audit: Reviewer, publication_id: RecordId, data: Annotated[schemas.PublishRequest | None, Body()] = None
):
    """Approve: published now, or scheduled when publish_at is in the future."""
    request = data or schemas.PublishRequest()
    publication = service.publish(audit=audit, publication_id=publication_id, data=request, now=_now())
    commit(audit.session)
    return publication


@router.post("/admin/publications/{publication_id}/reject", response_model=schemas.PublicationAdminRead)
def reject(audit: Reviewer, publication_id: RecordId, data: OptionalTransition = None):
    """Send a publication under review back to draft."""
    version = data.version if data else None
    publication = service.reject(audit=audit, publication_id=publication_id, version=version, now=_now())
    commit(audit.session)
    return publication


@router.post("/admin/publications/{publication_id}/withdraw", response_model=schemas.PublicationAdminRead)
def withdraw(audit: Reviewer, publication_id: RecordId, data: OptionalTransition = None):
    """Take a published or scheduled publication down."""
    version = data.version if data else None
    publication = service.withdraw(audit=audit, publication_id=publication_id, version=version, now=_now())
    commit(audit.session)
    return publication
