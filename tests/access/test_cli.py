"""``butler user|role|apikey`` through CliRunner, and API keys used against require()-guarded routes."""

import re

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from core_app.access import passwords
from core_app.access.apikeys import hash_secret
from core_app.access.cli import apikey_app, role_app, user_app
from core_app.access.demo_users import demo_password
from core_app.access.models import ApiKey, ScopeKind, User
from tests.access.conftest import login
from tests.api import builders

runner = CliRunner(env={"COLUMNS": "240"})

# Mounted as core_app/cli.py mounts them, so `role list` is a sub-command as on the command line.
butler = typer.Typer()
butler.add_typer(user_app, name="user")
butler.add_typer(role_app, name="role")
butler.add_typer(apikey_app, name="apikey")


def invoke(*args: str):
    return runner.invoke(butler, list(args))


KEY_PATTERN = re.compile(r"bk_[0-9a-f]{12}_[\w-]+")


def _create_key(*args: str) -> str:
    result = invoke("apikey", "create", *args)
    assert result.exit_code == 0, result.output
    keys = KEY_PATTERN.findall(result.output)
    assert len(keys) == 1  # printed exactly once
    return keys[0]


def test_user_create_with_given_password_can_log_in(engine, session, auth_client):
    market = builders.department(session, name="市场监督管理局")
    session.commit()
    result = invoke(
        "user", "create", "li.si", "--role", "dept_handler", "--scope", "department",
        "--scope-id", str(market.id), "--password", "a-long-password", "--display-name", "李四",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "a-long-password" not in result.output
    user = session.scalar(select(User).where(User.username == "li.si"))
    assert user.display_name == "李四"
    assert [(r.role.code, r.scope, r.scope_id) for r in user.roles] == [
        ("dept_handler", ScopeKind.DEPARTMENT, market.id)
    ]
    assert login(auth_client, "li.si", "a-long-password").status_code == 200


def test_user_create_generates_and_prints_a_password_once(engine, session):
    result = invoke("user", "create", "wang.wu", "--role", "leader")
    assert result.exit_code == 0, result.output
    printed = result.output.split("password (shown once, store it now): ")[1].strip()
    user = session.scalar(select(User).where(User.username == "wang.wu"))
    assert printed not in user.password_hash and passwords.verify_password(user.password_hash, printed)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "x", "--role", "pope"], "unknown role 'pope'"),
        (["create", "x", "--role", "leader", "--password", "short"], "at least 10 characters"),
        (["create", "x", "--role", "leader", "--scope", "hall"], "needs a scope id"),
        (["create", "x", "--role", "leader", "--scope", "hall", "--scope-id", "999"], "no hall with id 999"),
        (["create", "x", "--role", "leader", "--scope", "galaxy"], "galaxy"),
    ],
)
def test_user_create_refuses_bad_input_with_exit_2(engine, session, args, message):
    result = invoke("user", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert session.scalar(select(User)) is None


def test_user_create_refuses_a_taken_name(engine, session):
    assert invoke("user", "create", "x", "--role", "leader").exit_code == 0
    again = invoke("user", "create", "x", "--role", "leader")
    assert again.exit_code == 2 and "already exists" in again.output


def test_user_list_and_role_list(engine):
    invoke("user", "create", "zhao.liu", "--role", "supervisor")
    users = invoke("user", "list")
    assert users.exit_code == 0 and "zhao.liu" in users.output and "supervisor@all" in users.output
    roles = invoke("role", "list")
    assert roles.exit_code == 0
    assert "dispatcher" in roles.output and "events:dispatch" in roles.output and "督查督办" in roles.output


def test_apikey_create_stores_only_the_hash(engine, session):
    key = _create_key("--source", "hotline_12345", "--name", "12345 热线")
    record = session.scalar(select(ApiKey))
    secret = key.split("_", 2)[2]
    assert record.key_hash == hash_secret(secret) and secret not in record.key_hash
    assert (record.name, record.source, record.scopes) == ("12345 热线", "hotline_12345", "events:ingest")
    listing = invoke("apikey", "list")
    assert record.prefix in listing.output and secret not in listing.output


@pytest.mark.parametrize(
    ("source", "scopes"),
    [
        ("queue_machine", "tickets:ingest"),
        ("appraisal_system", "appraisal:read"),
        ("city_platform", "events:ingest"),
    ],
)
def test_apikey_default_scopes_per_source(engine, session, source, scopes):
    _create_key("--source", source)
    assert session.scalar(select(ApiKey.scopes)) == scopes


def test_apikey_create_refuses_unknown_source_or_scope(engine, session):
    unknown_source = invoke("apikey", "create", "--source", "fax")
    assert unknown_source.exit_code == 2 and "unknown source 'fax'" in unknown_source.output
    unknown_scope = invoke("apikey", "create", "--source", "grid", "--scope", "root:all")
    assert unknown_scope.exit_code == 2 and "root:all" in unknown_scope.output
    assert session.scalar(select(ApiKey)) is None


def test_api_key_scopes_are_enforced_and_revocation_works(engine, session, auth_client):
    key = _create_key("--source", "grid")
    headers = {"X-API-Key": key}
    allowed = auth_client.post("/api/v1/_probe/events", headers=headers)
    assert allowed.status_code == 200 and allowed.json() == {"caller": "apikey:grid"}
    lacking = auth_client.post("/api/v1/_probe/tickets", headers=headers)
    assert lacking.status_code == 403
    assert lacking.headers["content-type"] == "application/problem+json"
    assert "tickets:ingest" in lacking.json()["detail"]

    prefix = session.scalar(select(ApiKey.prefix))
    revoked = invoke("apikey", "revoke", prefix)
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    refused = auth_client.post("/api/v1/_probe/events", headers=headers)
    assert refused.status_code == 401
    assert invoke("apikey", "revoke", "nope").exit_code == 2


def _district(session):
    county = builders.region(session, name="云溪区")
    town = builders.region(session, name="桥头镇", level="town", parent_id=county.id)
    market = builders.department(session, name="云溪区市场监督管理局")
    builders.staff(session, department_id=market.id)
    builders.hall(session, name="云溪区政务服务中心", region_id=county.id)
    builders.citizen(session)
    builders.enterprise(session)
    session.commit()
    return town, market


def test_user_demo_creates_one_user_per_role_idempotently(engine, session, auth_client):
    town, market = _district(session)
    first = invoke("user", "demo")
    assert first.exit_code == 0, first.output
    assert demo_password("dispatcher") in first.output
    users = {u.username: u for u in session.scalars(select(User))}
    assert "town_handler" in users and "system_admin" in users and len(users) == 14
    grant = users["dept_handler"].roles[0]
    assert (grant.scope, grant.scope_id) == (ScopeKind.DEPARTMENT, market.id)
    assert users["dept_handler"].staff_id is not None
    town_grant = users["town_handler"].roles[0]
    assert (town_grant.role.code, town_grant.scope, town_grant.scope_id) == (
        "dept_handler",
        ScopeKind.REGION,
        town.id,
    )
    assert users["citizen"].citizen_id is not None and users["citizen"].roles[0].scope == ScopeKind.SELF
    assert users["window_staff"].roles[0].scope == ScopeKind.HALL
    assert login(auth_client, "leader", demo_password("leader")).status_code == 200

    again = invoke("user", "demo")
    assert again.exit_code == 0
    assert demo_password("dispatcher") not in again.output and "exists, unchanged" in again.output
    session.expire_all()
    assert len(session.scalars(select(User)).all()) == 14


def test_user_demo_without_a_seeded_district_says_so(engine):
    result = invoke("user", "demo")
    assert result.exit_code == 2 and "butler seed" in result.output


def test_an_api_key_cannot_log_out(engine, auth_client):
    key = _create_key("--source", "mobile")
    response = auth_client.post("/api/v1/auth/logout", headers={"X-API-Key": key})
    assert response.status_code == 400
    assert "bearer-token" in response.json()["detail"]
