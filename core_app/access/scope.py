"""Data scope: which rows a caller's grants reach, as SQL conditions added to every query.

A grant scoped to a department reaches that department's subtree; to a region, that region's subtree
(a town and its villages); to a hall, that hall; ``self`` reaches the caller's own citizen or enterprise
records. Conditions are built in SQL (recursive CTEs on the trees), never by filtering rows afterwards.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from core_app.access.models import ScopeKind
from core_app.access.principal import Grant, Principal
from core_app.org.models import Department, Hall, Region

_cte_serial = itertools.count(1)

# The record a scoped grant's scope_id names; the other scope kinds take no id.
SCOPE_TARGETS: dict[ScopeKind, type] = {
    ScopeKind.DEPARTMENT: Department,
    ScopeKind.REGION: Region,
    ScopeKind.HALL: Hall,
}


def check_scope_target(session: Session, scope: ScopeKind, scope_id: int | None) -> None:
    """Raise ValueError saying why ``scope_id`` does not fit ``scope`` (missing, superfluous, unknown)."""
    target = SCOPE_TARGETS.get(scope)
    if target is None:
        if scope_id is not None:
            raise ValueError(f"a {scope.value} scope takes no scope_id")
        return
    if scope_id is None:
        raise ValueError(f"a {scope.value} scope needs a scope id (the {scope.value}'s id)")
    if session.get(target, scope_id) is None:
        raise ValueError(f"there is no {scope.value} with id {scope_id}")


# A rule answers, for one grant, "which rows does it reach" as a condition on the resource's table.
ScopeClause = Callable[[Grant, Principal], ColumnElement[bool]]


def department_subtree(department_id: int | None) -> Select:
    """SELECT the id of the department and of every department below it."""
    tree = select(Department.id).where(Department.id == department_id).cte(_cte_name("dept"), recursive=True)
    tree = tree.union_all(select(Department.id).where(Department.parent_id == tree.c.id))
    return select(tree.c.id)


def region_subtree(region_id: int | None) -> Select:
    """SELECT the id of the region and of every region below it (town -> villages -> grids)."""
    tree = select(Region.id).where(Region.id == region_id).cte(_cte_name("region"), recursive=True)
    tree = tree.union_all(select(Region.id).where(Region.parent_id == tree.c.id))
    return select(tree.c.id)


def _cte_name(tree: str) -> str:
    # One statement may hold several subtrees (several grants, several columns): each needs its own name.
    return f"{tree}_tree_{next(_cte_serial)}"


def in_department(column) -> ScopeClause:
    return lambda grant, _principal: column.in_(department_subtree(grant.scope_id))


def in_region(*columns) -> ScopeClause:
    def clause(grant: Grant, _principal: Principal) -> ColumnElement[bool]:
        subtree = region_subtree(grant.scope_id)
        return or_(*(column.in_(subtree) for column in columns))

    return clause


def equals_scope_id(column) -> ScopeClause:
    return lambda grant, _principal: column == grant.scope_id


def own_records(*, citizen=None, enterprise=None) -> ScopeClause:
    """Rows that belong to the caller's own citizen or enterprise identity; nothing if it has none."""

    def clause(_grant: Grant, principal: Principal) -> ColumnElement[bool]:
        parts = []
        if citizen is not None and principal.citizen_id is not None:
            parts.append(citizen == principal.citizen_id)
        if enterprise is not None and principal.enterprise_id is not None:
            parts.append(enterprise == principal.enterprise_id)
        return or_(*parts) if parts else false()

    return clause


def through(column, subquery_of: Callable[[Grant, Principal], Select]) -> ScopeClause:
    """Rows whose ``column`` is among the ids another scoped query returns (e.g. reviews via cases)."""
    return lambda grant, principal: column.in_(subquery_of(grant, principal))


@dataclass(frozen=True)
class ScopeRule:
    """How one resource's rows answer each kind of scope; a kind it cannot answer reaches nothing."""

    clauses: dict[ScopeKind, ScopeClause] = field(default_factory=dict)

    def condition(self, principal: Principal, permission: str) -> ColumnElement[bool]:
        """Rows the principal may see with ``permission``: the union of what each grant reaches."""
        grants = principal.grants_for(permission)
        if any(g.scope == ScopeKind.ALL for g in grants):
            return true()
        reached = [self.clauses[g.scope](g, principal) for g in grants if g.scope in self.clauses]
        return or_(*reached) if reached else false()
