"""Users, role grants, roles and masking rules (S1 §3.5 用户/角色/权限 management)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core_app.access.models import AuthSource, Permission, Role, ScopeKind, User, UserRole
from core_app.access.passwords import PasswordPolicyError, hash_password
from core_app.access.scope import check_scope_target
from core_app.admin import user_schemas as schemas
from core_app.admin.common import (
    Audit,
    audited_create,
    audited_delete,
    audited_update,
    conflict,
    ensure_unique,
    get_or_404,
    invalid,
    patch_values,
    require_reference,
)
from core_app.api.problems import NotFoundError
from core_app.audit.service import snapshot
from core_app.org.models import Staff
from core_app.people.models import Citizen, Enterprise
from core_app.privacy.models import MaskingRule, PiiFieldType


def user_snapshot(user: User) -> dict[str, Any]:
    """A user's columns for audit rows, without the password hash."""
    values = snapshot(user)
    values.pop("password_hash", None)
    return values


def list_users(
    session: Session, *, q: str | None, is_active: bool | None, page: int, page_size: int
) -> tuple[Sequence[User], int]:
    """One page of users, by id, optionally searched by username or display name."""
    conditions = []
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(User.username.ilike(pattern, escape="\\"), User.display_name.ilike(pattern, escape="\\"))
        )
    if is_active is not None:
        conditions.append(User.is_active == is_active)
    total = session.scalar(select(func.count()).select_from(User).where(*conditions)) or 0
    statement = (
        select(User).where(*conditions).order_by(User.id).limit(page_size).offset((page - 1) * page_size)
    )
    return session.scalars(statement).all(), total


def _password_hash(data: schemas.UserCreate) -> str | None:
    if data.password is None:
        if data.auth_source == AuthSource.LOCAL:
            raise invalid("password", "a local account needs a password")
        return None
    try:
        return hash_password(data.password.get_secret_value())
    except PasswordPolicyError as exc:
        raise invalid("password", str(exc)) from None


def create_user(*, audit: Audit, data: schemas.UserCreate) -> User:
    """Add a user; a local account's password is stored only as an Argon2 hash."""
    session = audit.session
    ensure_unique(session, User, "username", data.username)
    require_reference(session, Staff, data.staff_id, "staff_id")
    require_reference(session, Citizen, data.citizen_id, "citizen_id")
    require_reference(session, Enterprise, data.enterprise_id, "enterprise_id")
    if data.external_subject is not None:
        within = {"auth_source": data.auth_source}
        ensure_unique(session, User, "external_subject", data.external_subject, within=within)
    password_hash = _password_hash(data)
    user = User(**data.model_dump(exclude={"password"}), password_hash=password_hash, roles=[])
    session.add(user)
    session.flush()
    audit.write("create", "users", user.id, None, user_snapshot(user))
    return user


def update_user(*, audit: Audit, user_id: int, data: schemas.UserUpdate) -> User:
    """Change a user's display name or active flag, or unlock it after failed logins."""
    session = audit.session
    user = get_or_404(session, User, user_id)
    changes = patch_values(data, User, exclude=frozenset({"unlock"}))
    if data.unlock:
        changes |= {"failed_logins": 0, "locked_until": None}
    if changes.get("is_active") is False and user.id == audit.principal.user_id:
        raise conflict("is_active", "you cannot disable your own account")
    before = user_snapshot(user)
    for name, value in changes.items():
        setattr(user, name, value)
    session.flush()
    audit.write("update", "users", user.id, before, user_snapshot(user))
    return user


def _grant_snapshot(grant: UserRole) -> dict[str, Any]:
    return snapshot(grant) | {"role": grant.role.code}


def _check_scope(session: Session, user: User, scope: ScopeKind, scope_id: int | None) -> None:
    try:
        check_scope_target(session, scope, scope_id)
    except ValueError as exc:
        raise invalid("scope_id", str(exc)) from None
    if scope == ScopeKind.SELF and user.citizen_id is None and user.enterprise_id is None:
        raise invalid("scope", "a self scope needs the user to be linked to a citizen or an enterprise")


def grant_role(*, audit: Audit, user_id: int, data: schemas.GrantCreate) -> UserRole:
    """Grant a role to a user over a scope; the scope's department, region or hall must exist."""
    session = audit.session
    user = get_or_404(session, User, user_id)
    role = session.scalar(select(Role).where(Role.code == data.role))
    if role is None:
        raise invalid("role", f"no role {data.role!r}")
    _check_scope(session, user, data.scope, data.scope_id)
    # The unique constraint treats NULL scope_ids as distinct, so look for the twin ourselves.
    if any((g.role_id, g.scope, g.scope_id) == (role.id, data.scope, data.scope_id) for g in user.roles):
        raise conflict("role", f"{user.username} already holds {role.code} over this scope")
    grant = UserRole(user_id=user.id, role_id=role.id, scope=data.scope, scope_id=data.scope_id, role=role)
    user.roles.append(grant)
    session.flush()
    audit.write("create", "user_roles", grant.id, None, _grant_snapshot(grant))
    return grant


def revoke_role(*, audit: Audit, user_id: int, grant_id: int) -> None:
    """Take one role grant away from a user."""
    session = audit.session
    grant = session.get(UserRole, grant_id)
    if grant is None or grant.user_id != user_id:
        raise NotFoundError(f"User {user_id} has no role grant {grant_id}")
    before = _grant_snapshot(grant)
    user = session.get(User, user_id)
    user.roles.remove(grant)
    session.flush()
    audit.write("delete", "user_roles", grant_id, before, None)


def _permissions(session: Session, codes: list[str]) -> list[Permission]:
    wanted = list(dict.fromkeys(codes))
    found = {p.code: p for p in session.scalars(select(Permission).where(Permission.code.in_(wanted)))}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise invalid("permissions", f"unknown permission codes: {', '.join(unknown)}")
    return [found[code] for code in wanted]


def _role_permissions(role: Role) -> dict[str, Any]:
    return {"permissions": sorted(p.code for p in role.permissions)}


def create_role(*, audit: Audit, data: schemas.RoleCreate) -> Role:
    """Add a custom role with its permission codes."""
    session = audit.session
    ensure_unique(session, Role, "code", data.code)
    permissions = _permissions(session, data.permissions)
    role = Role(**data.model_dump(exclude={"permissions"}), is_system=False, permissions=permissions)
    return audited_create(session, audit, role, extra=_role_permissions)


def update_role(*, audit: Audit, role_id: int, data: schemas.RoleUpdate) -> Role:
    """Change a role's name, description or permissions (allowed on system roles too)."""
    session = audit.session
    role = get_or_404(session, Role, role_id)
    changes = patch_values(data, Role)
    if "permissions" in changes:
        if changes["permissions"] is None:
            raise invalid("permissions", "must not be null")
        changes["permissions"] = _permissions(session, changes["permissions"])
    return audited_update(session, audit, role, changes, extra=_role_permissions)


def delete_role(*, audit: Audit, role_id: int) -> None:
    """Delete a custom role that nobody holds; system roles stay."""
    session = audit.session
    role = get_or_404(session, Role, role_id)
    if role.is_system:
        raise conflict("is_system", f"{role.code} is a built-in role; edit its permissions instead")
    holders = session.scalar(select(func.count()).select_from(UserRole).where(UserRole.role_id == role.id))
    if holders:
        raise conflict("role", f"{role.code} is granted to {holders} user(s); revoke those grants first")
    audited_delete(session, audit, role, extra=_role_permissions)


def put_masking_rule(*, audit: Audit, field_type: str, data: schemas.MaskingRulePut) -> MaskingRule:
    """Change how one personal-data field type is masked."""
    session = audit.session
    known = {kind.value for kind in PiiFieldType}
    rule = session.get(MaskingRule, PiiFieldType(field_type)) if field_type in known else None
    if rule is None:
        raise NotFoundError(f"no masking rule for field type {field_type!r}")
    changes = data.model_dump(exclude_none=True)
    return audited_update(session, audit, rule, changes)
