"""Signed JWT access and refresh tokens (PyJWT, HS256), each with its own id for revocation."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

from core_app.config import get_settings

ALGORITHM = "HS256"
TokenKind = Literal["access", "refresh"]


class TokenError(Exception):
    """A token that cannot be used: expired, tampered with, or of the wrong kind."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


def issue_token(*, user_id: int, username: str, kind: TokenKind, now: datetime | None = None) -> IssuedToken:
    """Sign a token for the user; access tokens live minutes, refresh tokens days."""
    settings = get_settings()
    issued = now or datetime.now(UTC)
    lifetime = (
        timedelta(minutes=settings.access_token_minutes)
        if kind == "access"
        else timedelta(days=settings.refresh_token_days)
    )
    jti = uuid.uuid4().hex
    claims = {
        "sub": str(user_id),
        "name": username,
        "kind": kind,
        "jti": jti,
        "iat": issued,
        "exp": issued + lifetime,
    }
    return IssuedToken(jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM), jti, issued + lifetime)


def decode_token(token: str, *, kind: TokenKind) -> dict[str, Any]:
    """Verify signature, expiry and kind; raise TokenError saying which failed."""
    try:
        claims = jwt.decode(
            token,
            get_settings().jwt_secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "jti", "kind"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("token has expired") from None
    except jwt.InvalidTokenError:
        raise TokenError("token is invalid (bad signature or malformed)") from None
    if claims.get("kind") != kind:
        raise TokenError(f"a {claims.get('kind')} token cannot be used as a {kind} token")
    return claims
