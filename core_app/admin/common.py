"""Helpers every back-office service shares: lookups, refusals naming the field, audited commits."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.api.deps import SessionDep
from core_app.api.problems import FieldError, NotFoundError, ProblemError
from core_app.audit.service import record, snapshot
from core_app.config import LOCAL_TZ


def conflict(field: str, reason: str) -> ProblemError:
    """A 409 problem naming the body field that clashes with existing data."""
    return ProblemError(
        409, f"{field}: {reason}", slug="conflict", errors=[FieldError(field=f"body.{field}", reason=reason)]
    )


def invalid(field: str, reason: str) -> ProblemError:
    """A 422 problem naming the body field that cannot be accepted."""
    return ProblemError(
        422,
        f"Invalid field {field}: {reason}",
        slug="validation-error",
        errors=[FieldError(field=f"body.{field}", reason=reason)],
    )


def get_or_404(session: Session, model: type, key: Any, label: str | None = None) -> Any:
    """Load one record by primary key or raise a 404 problem."""
    row = session.get(model, key)
    if row is None:
        raise NotFoundError(f"{label or model.__name__} {key} does not exist")
    return row


def require_reference(session: Session, model: type, key: int | None, field: str) -> None:
    """Refuse (422 naming ``field``) a reference to a record that does not exist."""
    if key is not None and session.get(model, key) is None:
        raise invalid(field, f"{model.__name__} {key} does not exist")


def check_version(current: int, given: int | None) -> None:
    """Optimistic concurrency: refuse a change made against a stale version."""
    if given is not None and given != current:
        raise conflict("version", f"stale version {given}: the record is at version {current}; reload it")


def apply_changes(record_: Any, changes: dict[str, Any]) -> None:
    """Set the given attributes on an ORM object."""
    for name, value in changes.items():
        setattr(record_, name, value)


def local_time(value: datetime | None) -> datetime | None:
    """Read naive datetimes given by clients as Asia/Shanghai time."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=LOCAL_TZ)


class Audit:
    """The caller and request of one write, to record audit rows in the write's transaction."""

    def __init__(self, session: Session, principal: Principal | None, request: Request | None) -> None:
        self.session = session
        self.principal = principal
        self.request = request

    def write(
        self,
        action: str,
        entity: str,
        entity_id: Any,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """Add one audit row to the session (committed with the change)."""
        record(
            self.session,
            principal=self.principal,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            request=self.request,
        )


def table_of(obj: Any) -> str:
    return obj.__tablename__


def commit(
    session: Session, *, on_conflict: tuple[str, str] = ("id", "conflicts with an existing record")
) -> None:
    """Commit; a unique-constraint race the checks did not see becomes a 409, not a 500."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise conflict(*on_conflict) from None


def audited_create(
    session: Session, audit: Audit, obj: Any, *, extra: Callable[[Any], dict] | None = None
) -> Any:
    """Flush a new record and audit it as created."""
    session.add(obj)
    session.flush()
    after = snapshot(obj) | (extra(obj) if extra else {})
    audit.write("create", table_of(obj), _key_of(obj), None, after)
    return obj


def audit_dependency(permission: str) -> Callable[..., Audit]:
    """A dependency that checks ``permission`` and hands the route an ``Audit`` for its writes."""

    def build(
        request: Request, session: SessionDep, principal: Annotated[Principal, Depends(require(permission))]
    ) -> Audit:
        return Audit(session, principal, request)

    build.__name__ = f"audit_{permission.replace(':', '_')}"
    return build


def distinct_in_order(values: Iterable[int]) -> list[int]:
    """The values without repeats, first occurrence kept."""
    return list(dict.fromkeys(values))


def patch_values(update: BaseModel, model: type, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH body sets; an explicit null on a NOT NULL column is refused (422)."""
    values = update.model_dump(exclude_unset=True, exclude={"version", *exclude})
    columns = sa_inspect(model).columns
    for name, value in values.items():
        if value is None and name in columns and not columns[name].nullable:
            raise invalid(name, "must not be null")
    return values


def ensure_unique(
    session: Session,
    model: Any,
    field: str,
    value: Any,
    *,
    within: dict[str, Any] | None = None,
    exclude_id: int | None = None,
    where: str = "",
) -> None:
    """Refuse (409 naming ``field``) a value another record already holds (within a parent if given)."""
    statement = select(model.id).where(getattr(model, field) == value)
    for name, parent_value in (within or {}).items():
        statement = statement.where(getattr(model, name) == parent_value)
    if exclude_id is not None:
        statement = statement.where(model.id != exclude_id)
    if session.scalar(statement.limit(1)) is not None:
        raise conflict(field, f"{value!r} is already used{where}")


def audited_update(
    session: Session,
    audit: Audit,
    obj: Any,
    changes: dict[str, Any],
    *,
    extra: Callable[[Any], dict] | None = None,
) -> Any:
    """Apply changes to a record, flush, and audit its before and after."""
    before = snapshot(obj) | (extra(obj) if extra else {})
    apply_changes(obj, changes)
    session.flush()
    after = snapshot(obj) | (extra(obj) if extra else {})
    audit.write("update", table_of(obj), _key_of(obj), before, after)
    return obj


def audited_delete(session: Session, audit: Audit, obj: Any, *, extra: Callable[[Any], dict] | None = None):
    """Delete a record and audit what it was."""
    before = snapshot(obj) | (extra(obj) if extra else {})
    session.delete(obj)
    session.flush()
    audit.write("delete", table_of(obj), _key_of(obj), before, None)


def _key_of(obj: Any) -> Any:
    identity = sa_inspect(obj).identity
    return identity[0] if identity and len(identity) == 1 else identity
