"""Access and refresh tokens: expiry, tampering, rotation, reuse detection, logout, /auth/me."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core_app.access.models import RefreshToken, RevokedAccessToken, ScopeKind
from core_app.access.tokens import issue_token
from core_app.audit.models import AuditLog
from tests.access.conftest import bearer, login
from tests.api import builders

ME = "/api/v1/auth/me"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def _tokens(client, make_user, username="alice", **fields):
    make_user(username, **fields)
    response = login(client, username)
    assert response.status_code == 200, response.text
    return response.json()


def test_expired_access_token_is_refused(auth_client, make_user):
    user = make_user("alice")
    old = issue_token(
        user_id=user.id, username="alice", kind="access", now=datetime.now(UTC) - timedelta(hours=2)
    )
    response = auth_client.get(ME, headers=bearer(old.token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "expired" in response.json()["detail"]


def _flip(char: str) -> str:
    return "A" if char != "A" else "B"


def test_tampered_tokens_are_refused(auth_client, make_user):
    token = _tokens(auth_client, make_user)["access_token"]
    header, payload, signature = token.split(".")
    bad_signature = f"{header}.{payload}.{_flip(signature[0])}{signature[1:]}"
    bad_payload = f"{header}.{payload[:-2]}{_flip(payload[-2])}{payload[-1]}.{signature}"
    for forged in (bad_signature, bad_payload, "not-a-token"):
        response = auth_client.get(ME, headers=bearer(forged))
        assert response.status_code == 401, forged
        assert "invalid" in response.json()["detail"]


def test_a_refresh_token_is_not_an_access_token(auth_client, make_user):
    refresh_token = _tokens(auth_client, make_user)["refresh_token"]
    response = auth_client.get(ME, headers=bearer(refresh_token))
    assert response.status_code == 401
    assert "refresh token cannot be used as a access token" in response.json()["detail"]


def test_refresh_rotates_and_reuse_revokes_the_family(auth_client, make_user, session):
    first = _tokens(auth_client, make_user)
    rotated = auth_client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert auth_client.get(ME, headers=bearer(second["access_token"])).status_code == 200

    replay = auth_client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    # The thief's replay also ends the legitimate holder's newer session.
    assert auth_client.post(REFRESH, json={"refresh_token": second["refresh_token"]}).status_code == 401
    assert all(t.revoked_at is not None for t in session.scalars(select(RefreshToken)))
    assert session.scalar(select(AuditLog).where(AuditLog.action == "refresh_token_reuse")) is not None


def test_refresh_rejects_malformed_bodies_and_access_tokens(auth_client, make_user):
    access = _tokens(auth_client, make_user)["access_token"]
    assert auth_client.post(REFRESH, json={}).status_code == 422
    assert auth_client.post(REFRESH, json={"refresh_token": ""}).status_code == 422
    wrong_kind = auth_client.post(REFRESH, json={"refresh_token": access})
    assert wrong_kind.status_code == 401
    assert wrong_kind.headers["www-authenticate"] == "Bearer"


def test_logout_revokes_the_access_and_refresh_tokens(auth_client, make_user, session):
    tokens = _tokens(auth_client, make_user)
    response = auth_client.post(
        LOGOUT, headers=bearer(tokens["access_token"]), json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 204
    after = auth_client.get(ME, headers=bearer(tokens["access_token"]))
    assert after.status_code == 401
    assert "revoked" in after.json()["detail"]
    assert auth_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert session.scalar(select(AuditLog).where(AuditLog.action == "logout")) is not None


def test_logout_purges_expired_revocations(auth_client, make_user, session):
    session.add(RevokedAccessToken(jti="old", expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    session.commit()
    tokens = _tokens(auth_client, make_user)
    assert auth_client.post(LOGOUT, headers=bearer(tokens["access_token"])).status_code == 204
    session.expire_all()
    assert session.get(RevokedAccessToken, "old") is None
    assert len(session.scalars(select(RevokedAccessToken)).all()) == 1


def test_logout_needs_credentials(auth_client):
    assert auth_client.post(LOGOUT).status_code == 401


def test_me_lists_roles_with_scopes_and_permissions(auth_client, make_user, session):
    market = builders.department(session, name="市场监督管理局")
    session.commit()
    tokens = _tokens(
        auth_client,
        make_user,
        "handler",
        role="dept_handler",
        scope=ScopeKind.DEPARTMENT,
        scope_id=market.id,
        display_name="处置员甲",
    )
    body = auth_client.get(ME, headers=bearer(tokens["access_token"])).json()
    assert body["username"] == "handler"
    assert body["display_name"] == "处置员甲"
    assert body["roles"] == [
        {
            "role": "dept_handler",
            "scope": "department",
            "scope_id": market.id,
            "permissions": sorted(body["roles"][0]["permissions"]),
        }
    ]
    assert "events:handle" in body["permissions"] and "users:write" not in body["permissions"]


def test_me_without_credentials_is_401(auth_client):
    response = auth_client.get(ME)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
