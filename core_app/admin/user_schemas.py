"""Schemas of users, role grants, roles, permissions and masking rules; no password hash ever leaves."""

from datetime import datetime
from typing import Any

from pydantic import Field, SecretStr, field_validator

from core_app.access.models import AuthSource, ScopeKind
from core_app.admin.org_schemas import WriteModel
from core_app.api.schemas import ReadModel, RecordRead
from core_app.privacy.masking import MaskedName
from core_app.privacy.models import PiiFieldType

USERNAME_PATTERN = r"^[A-Za-z0-9._@-]{3,64}$"
ROLE_CODE_PATTERN = r"^[a-z][a-z0-9_]{1,31}$"
MAX_KEEP = 8


class RoleRef(ReadModel):
    id: int
    code: str
    name: str


class GrantRead(ReadModel):
    """One role granted to a user over a data scope."""

    id: int
    role: RoleRef
    scope: ScopeKind
    scope_id: int | None


class UserRead(RecordRead):
    username: str
    display_name: MaskedName
    auth_source: AuthSource
    external_subject: str | None
    staff_id: int | None
    citizen_id: int | None
    enterprise_id: int | None
    is_active: bool
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None
    realname_verified_at: datetime | None
    roles: list[GrantRead]


class UserCreate(WriteModel):
    username: str = Field(pattern=USERNAME_PATTERN)
    display_name: str = Field(default="", max_length=64)
    password: SecretStr | None = Field(default=None, description="Required for local accounts.")
    auth_source: AuthSource = AuthSource.LOCAL
    external_subject: str | None = Field(default=None, max_length=128)
    staff_id: int | None = None
    citizen_id: int | None = None
    enterprise_id: int | None = None
    is_active: bool = True


class UserUpdate(WriteModel):
    display_name: str | None = Field(default=None, max_length=64)
    is_active: bool | None = None
    unlock: bool | None = Field(default=None, description="true: clear failed logins and the lockout.")


class GrantCreate(WriteModel):
    role: str = Field(description="The role code, e.g. dept_admin.")
    scope: ScopeKind = ScopeKind.ALL
    scope_id: int | None = Field(default=None, description="Department, region or hall id of the scope.")


class PermissionRead(ReadModel):
    id: int
    code: str
    description: str


class RoleRead(RecordRead):
    code: str
    name: str
    description: str
    is_system: bool
    permissions: list[str]

    @field_validator("permissions", mode="before")
    @classmethod
    def _codes(cls, permissions: list[Any]) -> list[str]:
        return sorted(getattr(p, "code", p) for p in permissions)


class RoleCreate(WriteModel):
    code: str = Field(pattern=ROLE_CODE_PATTERN)
    name: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=200)
    permissions: list[str] = Field(default_factory=list, max_length=200)


class RoleUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=200)
    permissions: list[str] | None = Field(default=None, max_length=200)


class MaskingRuleRead(ReadModel):
    field_type: PiiFieldType
    enabled: bool
    keep_start: int
    keep_end: int
    note: str
    updated_at: datetime


class MaskingRulePut(WriteModel):
    enabled: bool
    keep_start: int = Field(ge=0, le=MAX_KEEP)
    keep_end: int = Field(ge=0, le=MAX_KEEP)
    note: str | None = Field(default=None, max_length=200)
