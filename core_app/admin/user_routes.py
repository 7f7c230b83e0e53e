"""Back-office endpoints for users, role grants, roles, permissions (users:read/write) and masking rules."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from core_app.access.deps import require
from core_app.access.models import Permission, Role, User
from core_app.access.principal import Principal
from core_app.admin import user_schemas as schemas
from core_app.admin import user_service as service
from core_app.admin.common import Audit, audit_dependency, commit, get_or_404
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from core_app.api.params import RecordId
from core_app.privacy.models import MaskingRule
from core_app.privacy.rules import forget_rules

router = APIRouter(prefix="/admin", tags=["admin: users and roles"], responses=WRITE_RESPONSES)

UsersRead = Annotated[Principal, Depends(require("users:read"))]
UsersWrite = Annotated[Audit, Depends(audit_dependency("users:write"))]


@router.get("/users", response_model=Page[schemas.UserRead])
def list_users(
    session: SessionDep,
    _: UsersRead,
    q: Annotated[str | None, Query(max_length=64, description="Search username and display name.")] = None,
    is_active: bool | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
):
    """List users with their role grants."""
    users, total = service.list_users(session, q=q, is_active=is_active, page=page, page_size=page_size)
    items = [schemas.UserRead.model_validate(user) for user in users]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/users/{user_id}", response_model=schemas.UserRead)
def get_user(session: SessionDep, _: UsersRead, user_id: RecordId):
    """One user with its role grants."""
    return get_or_404(session, User, user_id)


@router.post("/users", response_model=schemas.UserRead, status_code=201)
def create_user(audit: UsersWrite, data: schemas.UserCreate):
    """Add a user (local accounts with a password, or an SSO account by its external subject)."""
    user = service.create_user(audit=audit, data=data)
    commit(audit.session, on_conflict=("username", "is already used"))
    return user


@router.patch("/users/{user_id}", response_model=schemas.UserRead)
def update_user(audit: UsersWrite, user_id: RecordId, data: schemas.UserUpdate):
    """Change the display name, enable or disable, or unlock a user."""
    user = service.update_user(audit=audit, user_id=user_id, data=data)
    commit(audit.session)
    return user


@router.post("/users/{user_id}/roles", response_model=schemas.GrantRead, status_code=201)
def grant_role(audit: UsersWrite, user_id: RecordId, data: schemas.GrantCreate):
    """Grant a role over a scope (all, department, region, hall, self)."""
    grant = service.grant_role(audit=audit, user_id=user_id, data=data)
    commit(audit.session, on_conflict=("role", "is already granted over this scope"))
    return grant


@router.delete("/users/{user_id}/roles/{grant_id}", status_code=204)
def revoke_role(audit: UsersWrite, user_id: RecordId, grant_id: RecordId) -> Response:
    """Take a role grant away."""
    service.revoke_role(audit=audit, user_id=user_id, grant_id=grant_id)
    commit(audit.session)
    return Response(status_code=204)


@router.get("/roles", response_model=list[schemas.RoleRead])
def list_roles(session: SessionDep, _: UsersRead):
    """Every role with its permission codes."""
    return session.scalars(select(Role).order_by(Role.code)).all()


@router.get("/roles/{role_id}", response_model=schemas.RoleRead)
def get_role(session: SessionDep, _: UsersRead, role_id: RecordId):
    """One role with its permission codes."""
    return get_or_404(session, Role, role_id)


@router.post("/roles", response_model=schemas.RoleRead, status_code=201)
def create_role(audit: UsersWrite, data: schemas.RoleCreate):
    """Add a custom role."""
    role = service.create_role(audit=audit, data=data)
    commit(audit.session, on_conflict=("code", "is already used"))
    return role


@router.patch("/roles/{role_id}", response_model=schemas.RoleRead)
def update_role(audit: UsersWrite, role_id: RecordId, data: schemas.RoleUpdate):
    """Change a role's name, description or permission codes."""
    role = service.update_role(audit=audit, role_id=role_id, data=data)
    commit(audit.session)
    return role


@router.delete("/roles/{role_id}", status_code=204)
def delete_role(audit: UsersWrite, role_id: RecordId) -> Response:
    """Delete a custom role nobody holds (built-in roles cannot be deleted)."""
    service.delete_role(audit=audit, role_id=role_id)
    commit(audit.session)
    return Response(status_code=204)


@router.get("/permissions", response_model=list[schemas.PermissionRead])
def list_permissions(session: SessionDep, _: UsersRead):
    """Every permission code."""
    return session.scalars(select(Permission).order_by(Permission.code)).all()


@router.get("/masking-rules", response_model=list[schemas.MaskingRuleRead])
def list_masking_rules(audit: UsersWrite):
    """How each personal-data field type is masked."""
    return audit.session.scalars(select(MaskingRule).order_by(MaskingRule.field_type)).all()


@router.put("/masking-rules/{field_type}", response_model=schemas.MaskingRuleRead)
def put_masking_rule(audit: UsersWrite, field_type: str, data: schemas.MaskingRulePut):
    """Change a masking rule: on/off and the characters kept at each end (0..8)."""
    rule = service.put_masking_rule(audit=audit, field_type=field_type, data=data)
    commit(audit.session)
    forget_rules()  # serialisers use the new rule from the next response on
    return rule
