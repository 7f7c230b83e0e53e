"""Users, roles and permissions (RBAC with data scopes), refresh tokens, API keys, login attempts."""

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum


class AuthSource(enum.StrEnum):
    LOCAL = "local"
    ZZD = "zzd"  # 浙政钉
    WECOM = "wecom"  # 政务微信
    ZLB = "zlb"  # 浙里办
    IYANTIAN = "iyantian"
    OIDC = "oidc"


class ScopeKind(enum.StrEnum):
    """Which records a role assignment reaches."""

    ALL = "all"
    DEPARTMENT = "department"  # the department and its subtree
    REGION = "region"  # the town/village and its subtree
    HALL = "hall"
    SELF = "self"  # the citizen's or enterprise's own records


role_permissions = Table(
    "role_permissions",
    Base.metadata,
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True),
)


class Permission(IdMixin, TimestampMixin, Base):
    """A function code such as ``events:read`` or ``pii:view``."""

    __tablename__ = "permissions"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")


class Role(IdMixin, TimestampMixin, Base):
    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200), default="")
    is_system: Mapped[bool] = mapped_column(default=False)

    permissions: Mapped[list[Permission]] = relationship(secondary=role_permissions, lazy="selectin")


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    auth_source: Mapped[AuthSource] = mapped_column(str_enum(AuthSource), default=AuthSource.LOCAL)
    external_subject: Mapped[str | None] = mapped_column(String(128))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    realname_verified_at: Mapped[datetime | None]

    roles: Mapped[list["UserRole"]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("auth_source", "external_subject"),)


class UserRole(IdMixin, TimestampMixin, Base):
    """A role granted to a user over a data scope."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role_id", "scope", "scope_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    scope: Mapped[ScopeKind] = mapped_column(str_enum(ScopeKind), default=ScopeKind.ALL)
    scope_id: Mapped[int | None]

    role: Mapped[Role] = relationship(lazy="selectin")


class RefreshToken(TimestampMixin, Base):
    """An issued refresh token; rotation and logout revoke it."""

    __tablename__ = "refresh_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class RevokedAccessToken(TimestampMixin, Base):
    """An access token revoked before its expiry (logout); kept until it would have expired."""

    __tablename__ = "revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ApiKey(IdMixin, TimestampMixin, Base):
    """A key for a system that pushes data, bound to one source and its scopes; only its hash is kept."""

    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(40), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class LoginAttempt(IdMixin, Base):
    """Every password login, kept for throttling by address and for the audit trail."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index(None, "username", "at"), Index(None, "ip", "at"))

    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime]
    success: Mapped[bool]
