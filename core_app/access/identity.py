"""Unified identity providers (统一用户认证: 浙政钉, 政务微信): verify an external credential, say who it is.

``LocalProvider`` accepts identities signed with the app's own secret (development, tests, and systems
that already share the secret); ``OidcProvider`` verifies an OpenID Connect id_token against the issuer's
published keys. The names ``zzd`` and ``wecom`` use the one configured OIDC issuer, each under its own
``auth_source``, so users provisioned for 浙政钉 stay 浙政钉 users.
"""

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from core_app.access.models import AuthSource
from core_app.config import Settings, get_settings

LOCAL_KIND = "sso"
LOCAL_ALGORITHM = "HS256"
OIDC_ALGORITHMS = ["RS256"]
MAX_SUBJECT_LENGTH = 128  # users.external_subject
OIDC_ALIASES = {"oidc": AuthSource.OIDC, "zzd": AuthSource.ZZD, "wecom": AuthSource.WECOM}


@dataclass(frozen=True)
class ExternalIdentity:
    subject: str
    username: str
    display_name: str = ""


class IdentityError(Exception):
    """The credential does not prove an identity: bad signature, wrong audience, expired, malformed."""


class IdentityProviderUnavailable(Exception):
    """The identity provider could not be reached or answered nonsense."""


class IdentityProvider(ABC):
    """One way of proving who a user is without a local password."""

    name: str
    auth_source: AuthSource

    @abstractmethod
    def verify(self, credential: str) -> ExternalIdentity:
        """Check the credential and return the identity it proves; raise IdentityError otherwise."""


def _identity_from_claims(claims: dict[str, Any]) -> ExternalIdentity:
    subject = str(claims["sub"])
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise IdentityError(f"identity subject must be 1 to {MAX_SUBJECT_LENGTH} characters")
    username = str(claims.get("preferred_username") or claims.get("username") or subject)
    return ExternalIdentity(subject=subject, username=username, display_name=str(claims.get("name") or ""))


class LocalProvider(IdentityProvider):
    """Identities signed with the app's jwt_secret (kind "sso"); for development and tests."""

    name = "local"

    def __init__(self, secret: str, *, auth_source: AuthSource = AuthSource.LOCAL) -> None:
        self.secret = secret
        self.auth_source = auth_source

    def verify(self, credential: str) -> ExternalIdentity:
        try:
            claims = jwt.decode(
                credential,
                self.secret,
                algorithms=[LOCAL_ALGORITHM],
                options={"require": ["sub", "exp", "kind"]},
            )
        except jwt.ExpiredSignatureError:
            raise IdentityError("identity token has expired") from None
        except jwt.InvalidTokenError as exc:
            raise IdentityError(f"identity token is invalid: {exc}") from None
        if claims["kind"] != LOCAL_KIND:
            raise IdentityError(f"a {claims['kind']} token is not an identity token")
        return _identity_from_claims(claims)


def mint_local_identity(
    *, subject: str, username: str = "", display_name: str = "", minutes: int = 5, now: datetime | None = None
) -> str:
    """Sign an identity that LocalProvider accepts (development and tests)."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": subject,
        "preferred_username": username or subject,
        "name": display_name,
        "kind": LOCAL_KIND,
        "iat": issued,
        "exp": issued + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, get_settings().jwt_secret, algorithm=LOCAL_ALGORITHM)


class OidcProvider(IdentityProvider):
    """An OpenID Connect issuer: discovery document, JWKS (cached), RS256 id_tokens for our client id."""

    def __init__(
        self,
        issuer_url: str,
        client_id: str,
        http: httpx.Client,
        *,
        name: str = "oidc",
        auth_source: AuthSource = AuthSource.OIDC,
    ) -> None:
        self.issuer = issuer_url.rstrip("/")
        self.client_id = client_id
        self.http = http
        self.name = name
        self.auth_source = auth_source
        self._keys: jwt.PyJWKSet | None = None
        self._lock = threading.Lock()

    def verify(self, credential: str) -> ExternalIdentity:
        try:
            kid = jwt.get_unverified_header(credential).get("kid")
        except jwt.InvalidTokenError as exc:
            raise IdentityError(f"id_token is malformed: {exc}") from None
        key = self._signing_key(kid)
        try:
            claims = jwt.decode(
                credential,
                key,
                algorithms=OIDC_ALGORITHMS,
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["sub", "exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise IdentityError("id_token has expired") from None
        except jwt.InvalidAudienceError:
            raise IdentityError("id_token was issued for another client (audience)") from None
        except jwt.InvalidIssuerError:
            raise IdentityError("id_token was issued by another issuer") from None
        except jwt.InvalidTokenError as exc:
            raise IdentityError(f"id_token is invalid: {exc}") from None
        return _identity_from_claims(claims)

    def _signing_key(self, kid: str | None) -> jwt.PyJWK:
        """The issuer's key with this id; the key set is fetched again once when the id is new (rotation)."""
        with self._lock:
            for refresh in (False, True):
                if self._keys is None or refresh:
                    self._keys = self._fetch_keys()
                key = self._pick(self._keys, kid)
                if key is not None:
                    return key
        raise IdentityError(f"id_token is signed with a key the issuer does not publish (kid {kid!r})")

    @staticmethod
    def _pick(keys: jwt.PyJWKSet, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:
            return keys.keys[0] if len(keys.keys) == 1 else None
        try:
            return keys[kid]
        except KeyError:
            return None

    def _fetch_keys(self) -> jwt.PyJWKSet:
        discovery = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise IdentityProviderUnavailable("the issuer's discovery document has no jwks_uri")
        try:
            return jwt.PyJWKSet.from_dict(self._get_json(jwks_uri))
        except jwt.PyJWTError as exc:
            raise IdentityProviderUnavailable(f"the issuer's key set is unusable: {exc}") from None

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self.http.get(url)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise IdentityProviderUnavailable(f"identity provider unreachable at {url}: {exc}") from None
        if not isinstance(body, dict):
            raise IdentityProviderUnavailable(f"identity provider sent no JSON object at {url}")
        return body


def providers_from_settings(
    settings: Settings | None = None, *, http: httpx.Client | None = None
) -> dict[str, IdentityProvider]:
    """The configured providers by name: always "local"; "oidc", "zzd", "wecom" when an issuer is set."""
    settings = settings or get_settings()
    providers: dict[str, IdentityProvider] = {"local": LocalProvider(settings.jwt_secret)}
    if settings.oidc_issuer_url:
        client = http or httpx.Client(timeout=10.0)
        for name, source in OIDC_ALIASES.items():
            providers[name] = OidcProvider(
                settings.oidc_issuer_url, settings.oidc_client_id, client, name=name, auth_source=source
            )
    return providers


_configured: tuple[Settings, dict[str, IdentityProvider]] | None = None


def configured_providers() -> dict[str, IdentityProvider]:
    """The providers for the current settings, built once so their key caches last across requests."""
    global _configured
    settings = get_settings()
    if _configured is None or _configured[0] is not settings:
        _configured = (settings, providers_from_settings(settings))
    return _configured[1]
