"""Unified identity sign-in: the local provider and an OIDC issuer served by httpx.MockTransport."""

import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from core_app.access.identity import (
    IdentityError,
    OidcProvider,
    configured_providers,
    mint_local_identity,
    providers_from_settings,
)
from core_app.access.models import AuthSource, User
from core_app.access.routes import auto_provision_enabled
from core_app.config import Settings
from tests.access.conftest import bearer

ISSUER = "https://idp.example.gov.cn/realms/zzd"
CLIENT_ID = "cloud-butler"


class FakeIssuer:
    """An OIDC issuer in memory: discovery, JWKS, and id_tokens signed with a fresh RSA key."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.requests: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if str(request.url) == f"{ISSUER}/.well-known/openid-configuration":
            return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/certs"})
        if str(request.url) == f"{ISSUER}/certs":
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return httpx.Response(200, json={"keys": [jwk | {"kid": "k1", "use": "sig", "alg": "RS256"}]})
        return httpx.Response(404)

    def id_token(self, subject: str = "zzd-001", **claims) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": CLIENT_ID, "sub": subject, "iat": now, "exp": now + 300}
        body |= {"preferred_username": "zhang.san", "name": "张三"} | claims
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": "k1"})

    def provider(self, name: str = "zzd", source: AuthSource = AuthSource.ZZD) -> OidcProvider:
        http = httpx.Client(transport=httpx.MockTransport(self.handler))
        return OidcProvider(ISSUER, CLIENT_ID, http, name=name, auth_source=source)


@pytest.fixture
def issuer() -> FakeIssuer:
    return FakeIssuer()


@pytest.fixture
def sso(app, issuer):
    app.dependency_overrides[configured_providers] = lambda: {"zzd": issuer.provider()}
    yield issuer
    app.dependency_overrides.clear()


def test_oidc_provider_verifies_and_caches_the_key_set(issuer):
    provider = issuer.provider()
    identity = provider.verify(issuer.id_token())
    assert (identity.subject, identity.username, identity.display_name) == ("zzd-001", "zhang.san", "张三")
    provider.verify(issuer.id_token("zzd-002"))
    assert len(issuer.requests) == 2  # discovery and JWKS once, not per token


def test_oidc_provider_refuses_other_audiences_issuers_and_keys(issuer):
    provider = issuer.provider()
    with pytest.raises(IdentityError, match="audience"):
        provider.verify(issuer.id_token(aud="another-app"))
    with pytest.raises(IdentityError, match="issuer"):
        provider.verify(issuer.id_token(iss="https://evil.example.com"))
    with pytest.raises(IdentityError, match="expired"):
        provider.verify(issuer.id_token(exp=int(time.time()) - 60))
    stranger = FakeIssuer()
    with pytest.raises(IdentityError, match="invalid"):
        provider.verify(stranger.id_token())
    with pytest.raises(IdentityError, match="malformed"):
        provider.verify("garbage")


def test_sso_signs_in_a_provisioned_user(auth_client, make_user, sso, session):
    make_user(
        "zhangsan", role="dept_handler", password=None, auth_source=AuthSource.ZZD, external_subject="zzd-001"
    )
    response = auth_client.post("/api/v1/auth/sso/zzd", json={"id_token": sso.id_token()})
    assert response.status_code == 200, response.text
    me = auth_client.get("/api/v1/auth/me", headers=bearer(response.json()["access_token"])).json()
    assert me["username"] == "zhangsan"
    assert [r["role"] for r in me["roles"]] == ["dept_handler"]


def test_sso_with_wrong_audience_is_401(auth_client, make_user, sso):
    make_user("zhangsan", password=None, auth_source=AuthSource.ZZD, external_subject="zzd-001")
    response = auth_client.post("/api/v1/auth/sso/zzd", json={"id_token": sso.id_token(aud="other")})
    assert response.status_code == 401
    assert "audience" in response.json()["detail"]


def test_sso_for_an_unknown_subject_is_403(auth_client, sso, session):
    response = auth_client.post("/api/v1/auth/sso/zzd", json={"id_token": sso.id_token("zzd-999")})
    assert response.status_code == 403
    assert response.json()["detail"] == "not provisioned: ask an admin"
    assert session.scalar(select(User)) is None


def test_sso_auto_provisions_a_user_without_roles_when_enabled(app, auth_client, sso, session):
    app.dependency_overrides[auto_provision_enabled] = lambda: True
    response = auth_client.post("/api/v1/auth/sso/zzd", json={"id_token": sso.id_token("zzd-777")})
    assert response.status_code == 200, response.text
    user = session.scalar(select(User).where(User.external_subject == "zzd-777"))
    assert (user.username, user.auth_source, user.roles) == ("zhang.san", AuthSource.ZZD, [])


def test_sso_unknown_provider_and_unreachable_issuer(auth_client, app):
    assert auth_client.post("/api/v1/auth/sso/nope", json={"id_token": "x"}).status_code == 404

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host")

    broken = OidcProvider(ISSUER, CLIENT_ID, httpx.Client(transport=httpx.MockTransport(down)), name="wecom")
    app.dependency_overrides[configured_providers] = lambda: {"wecom": broken}
    token = FakeIssuer().id_token()
    response = auth_client.post("/api/v1/auth/sso/wecom", json={"id_token": token})
    app.dependency_overrides.clear()
    assert response.status_code == 503
    assert response.json()["type"].endswith("identity-provider-unavailable")


def test_local_provider_through_the_route(auth_client, make_user):
    make_user("dev", password=None, external_subject="dev-1")
    token = mint_local_identity(subject="dev-1")
    response = auth_client.post("/api/v1/auth/sso/local", json={"id_token": token})
    assert response.status_code == 200, response.text
    assert auth_client.post("/api/v1/auth/sso/local", json={"id_token": token + "x"}).status_code == 401
    assert auth_client.post("/api/v1/auth/sso/local", json={}).status_code == 422


def test_registry_offers_oidc_names_only_with_an_issuer():
    assert set(providers_from_settings(Settings(oidc_issuer_url=""))) == {"local"}
    configured = providers_from_settings(
        Settings(oidc_issuer_url=ISSUER, oidc_client_id=CLIENT_ID), http=httpx.Client()
    )
    assert set(configured) == {"local", "oidc", "zzd", "wecom"}
    assert configured["zzd"].auth_source == AuthSource.ZZD
