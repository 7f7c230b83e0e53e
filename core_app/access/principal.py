"""The caller of a request: a user with scoped role grants, or a system with an API key."""

from dataclasses import dataclass, field

from core_app.access.models import ScopeKind


@dataclass(frozen=True)
class Grant:
    """The permissions of one role assignment and the records they reach."""

    role: str
    scope: ScopeKind
    scope_id: int | None
    permissions: frozenset[str]


@dataclass(frozen=True)
class Principal:
    username: str
    grants: tuple[Grant, ...]
    user_id: int | None = None
    api_key_id: int | None = None
    source: str | None = None  # the system an API key is bound to
    staff_id: int | None = None
    citizen_id: int | None = None
    enterprise_id: int | None = None
    token_id: str | None = None
    roles: tuple[str, ...] = field(default=())

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset().union(*(g.permissions for g in self.grants))

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def grants_for(self, permission: str) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if permission in g.permissions)
