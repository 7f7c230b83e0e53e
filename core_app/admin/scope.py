"""Which departments a scoped grant may configure (warning rules of its own subtree only)."""

from sqlalchemy.orm import Session

from core_app.access.models import ScopeKind
from core_app.access.principal import Principal
from core_app.access.scope import department_subtree


def department_subtree_ids(session: Session, department_id: int) -> set[int]:
    """The department and every department below it."""
    return set(session.scalars(department_subtree(department_id)))


def reachable_departments(session: Session, principal: Principal, permission: str) -> set[int] | None:
    """Departments the caller's ``permission`` grants reach; None means every department (scope all)."""
    reachable: set[int] = set()
    for grant in principal.grants_for(permission):
        if grant.scope == ScopeKind.ALL:
            return None
        if grant.scope == ScopeKind.DEPARTMENT and grant.scope_id is not None:
            reachable |= department_subtree_ids(session, grant.scope_id)
    return reachable
