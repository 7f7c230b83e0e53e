"""Password login: success, uniform refusals, account lockout, address throttling, audit trail."""

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from core_app.access import passwords, service
from core_app.access.models import LoginAttempt, User
from core_app.audit.models import AuditLog
from core_app.config import get_settings
from tests.access.conftest import PASSWORD, bearer, login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_password_policy_and_verification():
    with pytest.raises(passwords.PasswordPolicyError, match="at least 10 characters"):
        passwords.hash_password("short")
    hashed = passwords.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, PASSWORD)
    assert not passwords.verify_password(hashed, PASSWORD + "x")
    assert not passwords.verify_password(None, PASSWORD)
    assert not passwords.verify_password("not-a-hash", PASSWORD)


def test_login_returns_a_working_token_pair(auth_client, make_user, session):
    make_user("alice")
    response = login(auth_client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == get_settings().access_token_minutes * 60
    assert body["refresh_token"]
    me = auth_client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    user = session.scalar(select(User).where(User.username == "alice"))
    session.refresh(user)
    assert user.last_login_at is not None and user.failed_logins == 0


def test_wrong_password_and_unknown_user_get_the_same_answer(auth_client, make_user):
    make_user("alice")
    wrong = login(auth_client, "alice", "wrong-password-123")
    unknown = login(auth_client, "nobody", "wrong-password-123")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"
    assert wrong.json() == unknown.json()
    assert wrong.json()["detail"] == "invalid username or password"


def test_missing_form_field_is_a_422_problem(auth_client):
    response = auth_client.post("/api/v1/auth/token", data={"username": "alice"})
    assert response.status_code == 422
    assert any(e["field"].endswith("password") for e in response.json()["errors"])


def test_account_locks_after_max_failures(auth_client, make_user, session):
    make_user("alice")
    limit = get_settings().login_max_failures
    for _ in range(limit - 1):
        assert login(auth_client, "alice", "wrong-password-123").status_code == 401
    locking = login(auth_client, "alice", "wrong-password-123")
    assert locking.status_code == 429
    assert "account locked until" in locking.json()["detail"]
    # Even the right password is refused while the lock lasts.
    locked = login(auth_client, "alice", PASSWORD)
    assert locked.status_code == 429
    retry_after = int(locked.headers["retry-after"])
    assert 0 < retry_after <= get_settings().login_lockout_minutes * 60


def test_lock_ends_after_the_lockout_period(make_user, session):
    user = make_user("alice")
    settings = get_settings()
    for _ in range(settings.login_max_failures):
        with pytest.raises(service.AuthRefused):
            service.authenticate(
                session, username="alice", password="wrong-password-123", ip="10.0.0.1", now=T0
            )
    session.commit()
    just_before = T0 + timedelta(minutes=settings.login_lockout_minutes) - timedelta(seconds=1)
    with pytest.raises(service.LoginThrottled) as refused:
        service.authenticate(session, username="alice", password=PASSWORD, ip="10.0.0.1", now=just_before)
    assert refused.value.headers["Retry-After"] == "1"
    after = T0 + timedelta(minutes=settings.login_lockout_minutes)
    assert (
        service.authenticate(session, username="alice", password=PASSWORD, ip="10.0.0.1", now=after) is user
    )
    assert user.locked_until is None and user.failed_logins == 0


def test_success_resets_the_failure_count(make_user, session):
    user = make_user("alice")
    for _ in range(get_settings().login_max_failures - 1):
        with pytest.raises(service.InvalidCredentials):
            service.authenticate(session, username="alice", password="wrong-password-123", ip="x", now=T0)
    service.authenticate(session, username="alice", password=PASSWORD, ip="x", now=T0)
    assert user.failed_logins == 0
    with pytest.raises(service.InvalidCredentials):  # a fresh count: one failure does not lock
        service.authenticate(session, username="alice", password="wrong-password-123", ip="x", now=T0)


def test_an_address_with_too_many_failures_is_throttled(make_user, session):
    make_user("alice")
    for i in range(service.IP_MAX_FAILURES):
        with pytest.raises(service.InvalidCredentials):
            service.authenticate(
                session, username=f"guess{i}", password="wrong-password-123", ip="10.9.9.9", now=T0
            )
    later = T0 + timedelta(minutes=3)
    with pytest.raises(service.LoginThrottled) as refused:
        service.authenticate(session, username="alice", password=PASSWORD, ip="10.9.9.9", now=later)
    assert refused.value.status == 429
    assert refused.value.headers["Retry-After"] == str(7 * 60)
    # Another address is not affected, and the throttled one is let in once the window has passed.
    assert service.authenticate(session, username="alice", password=PASSWORD, ip="10.1.1.1", now=later)
    assert service.authenticate(
        session, username="alice", password=PASSWORD, ip="10.9.9.9", now=T0 + timedelta(minutes=11)
    )


def test_attempts_and_audit_rows_are_kept_without_the_password(auth_client, make_user, session):
    make_user("alice")
    login(auth_client, "alice", "wrong-password-123")
    login(auth_client, "alice", PASSWORD)
    attempts = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [(a.username, a.success) for a in attempts] == [("alice", False), ("alice", True)]
    rows = session.scalars(select(AuditLog).where(AuditLog.action.in_(["login", "login_failed"]))).all()
    assert sorted(r.action for r in rows) == ["login", "login_failed"]
    for row in rows:
        assert PASSWORD not in str(row.after) and "wrong-password" not in str(row.after)
    assert next(r for r in rows if r.action == "login").actor == "alice"


def test_login_rehashes_a_password_hashed_with_old_parameters(make_user, session, monkeypatch):
    user = make_user("alice")
    old_hash = user.password_hash
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=2, memory_cost=128, parallelism=1))
    service.authenticate(session, username="alice", password=PASSWORD, ip="x")
    assert user.password_hash != old_hash
    assert not passwords.needs_rehash(user.password_hash)
