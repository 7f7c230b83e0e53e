"""FastAPI dependencies: who is calling (bearer token or API key) and may they do this."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session

from core_app.access.apikeys import find_api_key
from core_app.access.models import RevokedAccessToken, ScopeKind, User
from core_app.access.principal import Grant, Principal
from core_app.access.tokens import TokenError, decode_token
from core_app.api.deps import SessionDep
from core_app.api.problems import ForbiddenError, UnauthorizedError

TOKEN_URL = "/api/v1/auth/token"

bearer_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_principal(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """Authenticate the request; 401 with a problem document when there are no valid credentials."""
    if token:
        principal = principal_from_token(session, token)
    elif api_key:
        principal = principal_from_api_key(session, api_key)
    else:
        raise UnauthorizedError("authentication required: send a bearer token or an X-API-Key header")
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(permission: str) -> Callable[..., Principal]:
    """A dependency that lets the request through only if the caller holds ``permission``."""
    return require_any(permission)


def require_any(*permissions: str) -> Callable[..., Principal]:
    """A dependency that lets the request through if the caller holds one of ``permissions``."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not any(principal.can(p) for p in permissions):
            wanted = " or ".join(repr(p) for p in permissions)
            raise ForbiddenError(f"this needs the permission {wanted}, which {principal.username} lacks")
        return principal

    check.__name__ = "require_" + "_or_".join(p.replace(":", "_") for p in permissions)
    check.permissions = frozenset(permissions)  # type: ignore[attr-defined]  # read by the authorization matrix
    return check


def principal_from_token(session: Session, token: str) -> Principal:
    try:
        claims = decode_token(token, kind="access")
    except TokenError as exc:
        raise UnauthorizedError(str(exc)) from None
    if session.get(RevokedAccessToken, claims["jti"]) is not None:
        raise UnauthorizedError("token has been revoked (logged out)")
    user = session.get(User, int(claims["sub"]))
    if user is None or not user.is_active:
        raise UnauthorizedError("the token's user no longer exists or is disabled")
    return principal_for_user(user, token_id=claims["jti"])


def principal_for_user(user: User, *, token_id: str | None = None) -> Principal:
    grants = tuple(
        Grant(
            role=assignment.role.code,
            scope=assignment.scope,
            scope_id=assignment.scope_id,
            permissions=frozenset(p.code for p in assignment.role.permissions),
        )
        for assignment in user.roles
    )
    return Principal(
        username=user.username,
        grants=grants,
        user_id=user.id,
        staff_id=user.staff_id,
        citizen_id=user.citizen_id,
        enterprise_id=user.enterprise_id,
        token_id=token_id,
        roles=tuple(sorted({g.role for g in grants})),
    )


API_KEY_USE_RESOLUTION = timedelta(minutes=1)


def principal_from_api_key(session: Session, raw_key: str) -> Principal:
    record = find_api_key(session, raw_key)
    if record is None:
        raise UnauthorizedError("API key is unknown, revoked or expired")
    now = datetime.now(UTC)
    # A pushing system calls many times a second: note the use once a minute, not on every request
    # (one hot row written by every request would serialise them all).
    if record.last_used_at is None or now - record.last_used_at >= API_KEY_USE_RESOLUTION:
        record.last_used_at = now
        session.commit()
    grant = Grant(
        role="system", scope=ScopeKind.ALL, scope_id=None, permissions=frozenset(record.scopes.split())
    )
    return Principal(
        username=f"apikey:{record.name}", grants=(grant,), api_key_id=record.id, source=record.source
    )
