"""Publication workflow: draft -> pending_review -> published/scheduled -> withdrawn; expired by time."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from core_app.admin.common import (
    Audit,
    audited_create,
    check_version,
    get_or_404,
    invalid,
    patch_values,
    require_reference,
)
from core_app.api.problems import FieldError, NotFoundError, ProblemError
from core_app.audit.service import record, snapshot
from core_app.org.models import Hall
from core_app.publishing import schemas
from core_app.publishing.models import Publication, PublicationStatus

READER_STATUSES = (PublicationStatus.PUBLISHED, PublicationStatus.EXPIRED)


def _joined(values: list[Any] | None) -> str:
    return ",".join(dict.fromkeys(str(value) for value in values or ()))


def _check_times(publish_at: datetime | None, expire_at: datetime | None, now: datetime) -> None:
    if expire_at is None:
        return
    if publish_at is not None and expire_at <= publish_at:
        raise invalid("expire_at", "must be after publish_at")
    if expire_at <= now:
        raise invalid("expire_at", "is already past")


def create_publication(*, audit: Audit, data: schemas.PublicationCreate, now: datetime) -> Publication:
    """Write a draft publication."""
    session = audit.session
    require_reference(session, Hall, data.hall_id, "hall_id")
    _check_times(data.publish_at, data.expire_at, now)
    publication = Publication(
        **data.model_dump(exclude={"targets", "channels"}),
        targets=_joined(data.targets),
        channels=_joined(data.channels),
        status=PublicationStatus.DRAFT,
        author_id=audit.principal.user_id,
        version=1,
    )
    return audited_create(session, audit, publication)


def _refuse_transition(publication: Publication, action: str) -> ProblemError:
    allowed = schemas.ACTIONS[publication.status]
    listed = ", ".join(allowed) if allowed else "none"
    reason = f"cannot {action} a {publication.status.value} publication; allowed actions: {listed}"
    return ProblemError(
        409, reason, slug="invalid-transition", errors=[FieldError(field="status", reason=reason)]
    )


def _prepare(
    audit: Audit, publication_id: int, action: str, version: int | None, now: datetime
) -> Publication:
    publish_due(audit.session, now)  # an expired one must not be withdrawn or edited as if live
    publication = get_or_404(audit.session, Publication, publication_id, "Publication")
    check_version(publication.version, version)
    if action not in schemas.ACTIONS[publication.status]:
        raise _refuse_transition(publication, action)
    return publication


def _change(audit: Audit, publication: Publication, action: str, changes: dict[str, Any]) -> Publication:
    before = snapshot(publication)
    for name, value in changes.items():
        setattr(publication, name, value)
    publication.version += 1
    audit.session.flush()
    audit.write(action, "publications", publication.id, before, snapshot(publication))
    return publication


def update_publication(
    *, audit: Audit, publication_id: int, data: schemas.PublicationUpdate, now: datetime
) -> Publication:
    """Edit a draft."""
    publication = _prepare(audit, publication_id, "edit", data.version, now)
    changes = patch_values(data, Publication)
    for name in ("targets", "channels"):
        if name in changes:
            if changes[name] is None:
                raise invalid(name, "must not be null")
            changes[name] = _joined(changes[name])
    require_reference(audit.session, Hall, changes.get("hall_id"), "hall_id")
    _check_times(
        changes.get("publish_at", publication.publish_at),
        changes.get("expire_at", publication.expire_at),
        now,
    )
    return _change(audit, publication, "update", changes)


def submit(*, audit: Audit, publication_id: int, version: int | None, now: datetime) -> Publication:
    """Send a draft for review."""
    publication = _prepare(audit, publication_id, "submit", version, now)
    return _change(audit, publication, "submit", {"status": PublicationStatus.PENDING_REVIEW})


def reject(*, audit: Audit, publication_id: int, version: int | None, now: datetime) -> Publication:
    """Send a publication under review back to its author as a draft."""
    publication = _prepare(audit, publication_id, "reject", version, now)
    changes = {"status": PublicationStatus.DRAFT, "reviewer_id": audit.principal.user_id}
    return _change(audit, publication, "reject", changes)


def publish(*, audit: Audit, publication_id: int, data: schemas.PublishRequest, now: datetime) -> Publication:
    """Approve a publication: published now, or scheduled when its publish_at is still ahead."""
    publication = _prepare(audit, publication_id, "publish", data.version, now)
    publish_at = data.publish_at or publication.publish_at
    _check_times(publish_at, publication.expire_at, now)
    changes: dict[str, Any] = {"reviewer_id": audit.principal.user_id, "publish_at": publish_at}
    if publish_at is not None and publish_at > now:
        return _change(audit, publication, "schedule", changes | {"status": PublicationStatus.SCHEDULED})
    changes |= {"status": PublicationStatus.PUBLISHED, "published_at": now}
    return _change(audit, publication, "publish", changes)


def withdraw(*, audit: Audit, publication_id: int, version: int | None, now: datetime) -> Publication:
    """Take a published or scheduled publication down."""
    publication = _prepare(audit, publication_id, "withdraw", version, now)
    changes = {
        "status": PublicationStatus.WITHDRAWN,
        "withdrawn_at": now,
        "reviewer_id": audit.principal.user_id,
    }
    return _change(audit, publication, "withdraw", changes)


def _system_change(session: Session, publication: Publication, action: str, changes: dict[str, Any]) -> None:
    before = snapshot(publication)
    for name, value in changes.items():
        setattr(publication, name, value)
    publication.version += 1
    session.flush()
    record(
        session,
        principal=None,
        action=action,
        entity="publications",
        entity_id=publication.id,
        before=before,
        after=snapshot(publication),
    )


def publish_due(session: Session, now: datetime | None = None) -> int:
    """Publish scheduled publications whose time has come and expire those past expire_at; count them."""
    now = now or datetime.now(UTC)
    changed: set[int] = set()
    due = select(Publication).where(
        Publication.status == PublicationStatus.SCHEDULED, Publication.publish_at <= now
    )
    for publication in session.scalars(due.with_for_update(skip_locked=True)).all():
        changes = {"status": PublicationStatus.PUBLISHED, "published_at": publication.publish_at}
        _system_change(session, publication, "publish", changes)
        changed.add(publication.id)
    live = (PublicationStatus.PUBLISHED, PublicationStatus.SCHEDULED)
    past = select(Publication).where(Publication.status.in_(live), Publication.expire_at <= now)
    for publication in session.scalars(past.with_for_update(skip_locked=True)).all():
        _system_change(session, publication, "expire", {"status": PublicationStatus.EXPIRED})
        changed.add(publication.id)
    return len(changed)


def _has_target(target: str):
    # Targets are stored as "led,cockpit": match whole items, not substrings.
    return (literal(",") + Publication.targets + literal(",")).like(f"%,{target},%")


def list_publications(
    session: Session,
    *,
    statuses: Sequence[PublicationStatus] | None,
    target: str | None,
    kind: str | None,
    hall_id: int | None,
    page: int,
    page_size: int,
) -> tuple[Sequence[Publication], int]:
    """One page of publications, newest first."""
    conditions = []
    if statuses:
        conditions.append(Publication.status.in_(statuses))
    if target:
        conditions.append(_has_target(target))
    if kind:
        conditions.append(Publication.kind == kind)
    if hall_id is not None:
        conditions.append(Publication.hall_id == hall_id)
    total = session.scalar(select(func.count()).select_from(Publication).where(*conditions)) or 0
    statement = (
        select(Publication)
        .where(*conditions)
        .order_by(Publication.published_at.desc().nulls_last(), Publication.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return session.scalars(statement).all(), total


def get_published(session: Session, publication_id: int) -> Publication:
    """A publication readers may see (published), or a 404."""
    publication = session.get(Publication, publication_id)
    if publication is None or publication.status != PublicationStatus.PUBLISHED:
        raise NotFoundError(f"Publication {publication_id} does not exist or is not published")
    return publication
