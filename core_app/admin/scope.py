"""Department subtrees for scoped grants (until ``core_app.access.scope`` provides this centrally)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.access.models import ScopeKind
from core_app.access.principal import Principal
from core_app.org.models import Department


def department_subtree_ids(session: Session, department_id: int) -> set[int]:
    """The department and every department below it, by a recursive CTE on ``parent_id``."""
    tree = select(Department.id).where(Department.id == department_id).cte("subtree", recursive=True)
    tree = tree.union(select(Department.id).where(Department.parent_id == tree.c.id))
    return set(session.scalars(select(tree.c.id)))


def reachable_departments(session: Session, principal: Principal, permission: str) -> set[int] | None:
    """Departments the caller's ``permission`` grants reach; None means every department (scope all)."""
    reachable: set[int] = set()
    for grant in principal.grants_for(permission):
        if grant.scope == ScopeKind.ALL:
            return None
        if grant.scope == ScopeKind.DEPARTMENT and grant.scope_id is not None:
            reachable |= department_subtree_ids(session, grant.scope_id)
    return reachable
