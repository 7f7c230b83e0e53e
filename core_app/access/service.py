"""Log in, issue and rotate tokens, log out.

Refusals are ProblemErrors carrying their HTTP answer. A refusal still writes (the login attempt, the
failure count, the revocation of a stolen token family): the caller commits before passing it on.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil

from fastapi import Request
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core_app.access import passwords
from core_app.access.deps import principal_for_user
from core_app.access.identity import ExternalIdentity, IdentityProvider
from core_app.access.models import (
    AuthSource,
    LoginAttempt,
    RefreshToken,
    RevokedAccessToken,
    Role,
    ScopeKind,
    User,
    UserRole,
)
from core_app.access.principal import Principal
from core_app.access.scope import check_scope_target
from core_app.access.tokens import TokenError, decode_token, issue_token
from core_app.api.problems import ForbiddenError, ProblemError
from core_app.audit.service import record
from core_app.config import LOCAL_TZ, get_settings

IP_MAX_FAILURES = 20
IP_WINDOW = timedelta(minutes=10)
BAD_CREDENTIALS = "invalid username or password"
FIELD_LENGTH = 64  # username and ip columns


class AuthRefused(ProblemError):
    """A refused login, refresh or sign-in; whatever it wrote must still be committed."""


class InvalidCredentials(AuthRefused):
    def __init__(self, detail: str = BAD_CREDENTIALS) -> None:
        super().__init__(401, detail, slug="invalid-credentials", headers={"WWW-Authenticate": "Bearer"})


class LoginThrottled(AuthRefused):
    """Too many failures: for the account (locked) or from the address (throttled)."""

    def __init__(self, detail: str, *, until: datetime, now: datetime) -> None:
        retry_after = max(1, ceil((until - now).total_seconds()))
        super().__init__(
            429, detail, slug="too-many-login-failures", headers={"Retry-After": str(retry_after)}
        )
        self.until = until


class InvalidRefreshToken(AuthRefused):
    def __init__(self, detail: str) -> None:
        super().__init__(401, detail, slug="invalid-refresh-token", headers={"WWW-Authenticate": "Bearer"})


class NotProvisioned(AuthRefused):
    def __init__(self, detail: str = "not provisioned: ask an admin") -> None:
        super().__init__(403, detail, slug="not-provisioned")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds until the access token expires
    token_type: str = "bearer"


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    ip: str,
    now: datetime | None = None,
    request: Request | None = None,
) -> User:
    """Check a password login; count failures, lock accounts and throttle addresses that keep failing."""
    now, username, ip = _now(now), username[:FIELD_LENGTH], ip[:FIELD_LENGTH]
    throttled_until = _ip_throttled_until(session, ip=ip, now=now)
    user = session.scalar(select(User).where(User.username == username))
    if throttled_until is not None:
        _refuse(session, username=username, ip=ip, now=now, user=user, reason="ip_throttled", request=request)
        raise LoginThrottled(
            "too many failed logins from this address: try again later", until=throttled_until, now=now
        )
    if user is not None and user.locked_until is not None and user.locked_until > now:
        _refuse(session, username=username, ip=ip, now=now, user=user, reason="locked", request=request)
        raise _account_locked(user.locked_until, now)
    usable = user is not None and user.is_active
    if not passwords.verify_password(user.password_hash if usable else None, password):
        _count_failure(session, user, now=now)
        _refuse(
            session, username=username, ip=ip, now=now, user=user, reason="bad_credentials", request=request
        )
        if user is not None and user.locked_until is not None and user.locked_until > now:
            raise _account_locked(user.locked_until, now)
        raise InvalidCredentials()
    _accept(session, user, password=password, ip=ip, now=now, request=request)
    return user


def _ip_throttled_until(session: Session, *, ip: str, now: datetime) -> datetime | None:
    """When the address may try again, or None if it is not throttled."""
    failures = session.scalars(
        select(LoginAttempt.at)
        .where(LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.at > now - IP_WINDOW)
        .order_by(LoginAttempt.at)
    ).all()
    if len(failures) < IP_MAX_FAILURES:
        return None
    # The address is let in again once enough of its failures have left the window.
    return failures[len(failures) - IP_MAX_FAILURES] + IP_WINDOW


def _account_locked(until: datetime, now: datetime) -> LoginThrottled:
    shown = until.astimezone(LOCAL_TZ).strftime("%H:%M")
    return LoginThrottled(f"account locked until {shown} after repeated failed logins", until=until, now=now)


def _count_failure(session: Session, user: User | None, *, now: datetime) -> None:
    if user is None:
        return
    settings = get_settings()
    user.failed_logins += 1
    if user.failed_logins >= settings.login_max_failures:
        # Counting starts again after the lock, so an unlocked user gets the full number of tries.
        user.failed_logins = 0
        user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)


def _refuse(
    session: Session,
    *,
    username: str,
    ip: str,
    now: datetime,
    user: User | None,
    reason: str,
    request: Request | None,
) -> None:
    session.add(LoginAttempt(username=username, ip=ip, at=now, success=False))
    record(
        session,
        principal=None,
        action="login_failed",
        entity=User.__tablename__,
        entity_id=user.id if user else None,
        after={"username": username, "ip": ip, "reason": reason},
        request=request,
    )
    session.flush()


def _accept(
    session: Session, user: User, *, password: str, ip: str, now: datetime, request: Request | None
) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.HASHER.hash(password)
    session.add(LoginAttempt(username=user.username, ip=ip, at=now, success=True))
    record(
        session,
        principal=principal_for_user(user),
        action="login",
        entity=User.__tablename__,
        entity_id=user.id,
        after={"username": user.username, "ip": ip, "method": "password"},
        request=request,
    )
    session.flush()


def issue_token_pair(session: Session, user: User, *, now: datetime | None = None) -> TokenPair:
    """Sign an access and a refresh token for the user; keep the refresh token's id for rotation."""
    now = _now(now)
    access = issue_token(user_id=user.id, username=user.username, kind="access", now=now)
    refresh_token = issue_token(user_id=user.id, username=user.username, kind="refresh", now=now)
    session.add(RefreshToken(jti=refresh_token.jti, user_id=user.id, expires_at=refresh_token.expires_at))
    session.flush()
    return TokenPair(
        access_token=access.token,
        refresh_token=refresh_token.token,
        expires_in=int((access.expires_at - now).total_seconds()),
    )


def refresh(session: Session, refresh_token: str, *, now: datetime | None = None) -> TokenPair:
    """Swap a refresh token for a new pair; a token used twice revokes every session of its user."""
    now = _now(now)
    try:
        claims = decode_token(refresh_token, kind="refresh")
    except TokenError as exc:
        raise InvalidRefreshToken(str(exc)) from None
    stored = session.get(RefreshToken, claims["jti"])
    if stored is None:
        raise InvalidRefreshToken("refresh token is unknown")
    if stored.revoked_at is not None:
        _revoke_all_refresh_tokens(session, user_id=stored.user_id, now=now)
        raise InvalidRefreshToken(
            "refresh token was already used or revoked: every session of this user has been signed out"
        )
    user = session.get(User, stored.user_id)
    if user is None or not user.is_active:
        raise InvalidRefreshToken("the token's user no longer exists or is disabled")
    stored.revoked_at = now
    return issue_token_pair(session, user, now=now)


def _revoke_all_refresh_tokens(session: Session, *, user_id: int, now: datetime) -> None:
    # A revoked token coming back means someone else holds a copy: end the whole family.
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    user = session.get(User, user_id)
    record(
        session,
        principal=principal_for_user(user) if user else None,
        action="refresh_token_reuse",
        entity=User.__tablename__,
        entity_id=user_id,
    )
    session.flush()


def logout(
    session: Session,
    principal: Principal,
    refresh_token: str | None = None,
    *,
    now: datetime | None = None,
    request: Request | None = None,
) -> None:
    """Revoke the caller's access token (until it would expire) and, if given, its refresh token."""
    now = _now(now)
    if principal.token_id and session.get(RevokedAccessToken, principal.token_id) is None:
        # An access token issued now lives at most this long, so the deny-list row may go after that.
        expires_at = now + timedelta(minutes=get_settings().access_token_minutes)
        session.add(RevokedAccessToken(jti=principal.token_id, expires_at=expires_at))
    if refresh_token:
        _revoke_refresh_token(session, refresh_token, user_id=principal.user_id, now=now)
    session.execute(delete(RevokedAccessToken).where(RevokedAccessToken.expires_at < now))
    record(
        session,
        principal=principal,
        action="logout",
        entity=User.__tablename__,
        entity_id=principal.user_id,
        request=request,
    )
    session.flush()


def _revoke_refresh_token(session: Session, token: str, *, user_id: int | None, now: datetime) -> None:
    try:
        claims = decode_token(token, kind="refresh")
    except TokenError:
        return  # expired or forged: it opens nothing, so there is nothing to revoke
    stored = session.get(RefreshToken, claims["jti"])
    # Only the caller's own token: logging out must not sign anybody else out.
    if stored is not None and stored.user_id == user_id and stored.revoked_at is None:
        stored.revoked_at = now


def sign_in_external(
    session: Session,
    *,
    provider: IdentityProvider,
    identity: ExternalIdentity,
    ip: str,
    auto_provision: bool = False,
    now: datetime | None = None,
    request: Request | None = None,
) -> User:
    """Map a verified external identity to its user (provisioning one if allowed) and record the login."""
    now = _now(now)
    user = session.scalar(
        select(User).where(
            User.auth_source == provider.auth_source, User.external_subject == identity.subject
        )
    )
    if user is None:
        if not auto_provision:
            raise NotProvisioned()
        user = _provision(session, provider.auth_source, identity)
    if not user.is_active:
        raise ForbiddenError("this account is disabled: ask an admin")
    user.last_login_at = now
    session.add(LoginAttempt(username=user.username, ip=ip[:FIELD_LENGTH], at=now, success=True))
    record(
        session,
        principal=principal_for_user(user),
        action="login",
        entity=User.__tablename__,
        entity_id=user.id,
        after={"username": user.username, "ip": ip[:FIELD_LENGTH], "method": provider.name},
        request=request,
    )
    session.flush()
    return user


def _provision(session: Session, source: AuthSource, identity: ExternalIdentity) -> User:
    """Create a user without roles for a new external identity; an admin grants roles later."""
    username = identity.username[:FIELD_LENGTH]
    taken = session.scalar(select(func.count()).select_from(User).where(User.username == username))
    if taken or not username:
        username = f"{source.value}:{identity.subject}"[:FIELD_LENGTH]
    user = User(
        username=username,
        display_name=identity.display_name[:FIELD_LENGTH],
        auth_source=source,
        external_subject=identity.subject,
    )
    session.add(user)
    session.flush()
    record(
        session,
        principal=None,
        action="user_provisioned",
        entity=User.__tablename__,
        entity_id=user.id,
        after={"username": username, "auth_source": source.value},
    )
    return user


class UserInputError(ValueError):
    """A user-management request that cannot be carried out (unknown role, taken name, bad scope)."""


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    scope: ScopeKind = ScopeKind.ALL,
    scope_id: int | None = None,
    password: str | None = None,
    display_name: str = "",
    auth_source: AuthSource = AuthSource.LOCAL,
    external_subject: str | None = None,
    citizen_id: int | None = None,
    enterprise_id: int | None = None,
    staff_id: int | None = None,
) -> User:
    """Create a user with one scoped role; raise UserInputError naming what is wrong."""
    if not username or len(username) > FIELD_LENGTH:
        raise UserInputError(f"username must be 1 to {FIELD_LENGTH} characters")
    if session.scalar(select(func.count()).select_from(User).where(User.username == username)):
        raise UserInputError(f"a user named {username!r} already exists")
    role_row = _role(session, role)
    _check_scope(session, scope, scope_id)
    try:
        password_hash = passwords.hash_password(password) if password is not None else None
    except passwords.PasswordPolicyError as exc:
        raise UserInputError(str(exc)) from None
    user = User(
        username=username,
        display_name=display_name,
        password_hash=password_hash,
        auth_source=auth_source,
        external_subject=external_subject,
        citizen_id=citizen_id,
        enterprise_id=enterprise_id,
        staff_id=staff_id,
    )
    user.roles.append(UserRole(role=role_row, scope=scope, scope_id=scope_id))
    session.add(user)
    session.flush()
    record(
        session,
        principal=None,
        action="create",
        entity=User.__tablename__,
        entity_id=user.id,
        after={"username": username, "role": role, "scope": scope.value, "scope_id": scope_id},
    )
    return user


def _role(session: Session, code: str) -> Role:
    role = session.scalar(select(Role).where(Role.code == code))
    if role is None:
        known = ", ".join(session.scalars(select(Role.code).order_by(Role.code)))
        raise UserInputError(f"unknown role {code!r}; known roles: {known}")
    return role


def _check_scope(session: Session, scope: ScopeKind, scope_id: int | None) -> None:
    try:
        check_scope_target(session, scope, scope_id)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
