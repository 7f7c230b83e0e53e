"""Shared fixtures: a fresh, migrated database per run (SQLite, or PostgreSQL when
BUTLER_TEST_DATABASE_URL names a server), emptied between tests."""

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core_app.access.catalog import ensure_catalog
from core_app.access.models import Role, User, UserRole
from core_app.access.tokens import issue_token
from core_app.audit.guards import protect_audit_log, unprotect_audit_log
from core_app.db.migrate import upgrade
from core_app.db.registry import metadata
from core_app.db.session import build_engine, reset_engine_cache
from core_app.privacy.rules import ensure_masking_rules, forget_rules
from tests.web import district

# The app's background scheduler (SLA timers, outbox) would otherwise start with every test client;
# the tests that exercise it start it themselves.
os.environ.setdefault("BUTLER_SCHEDULER", "off")

# mlflow.set_tracking_uri also writes MLFLOW_TRACKING_URI into the environment, where training.tracking
# then prefers it: without this, one test's temporary registry leaks into every later test of the same
# worker and into the commands they start.
MLFLOW_URI_ENV = "MLFLOW_TRACKING_URI"
_MLFLOW_URI_AT_START = os.environ.get(MLFLOW_URI_ENV)


@pytest.fixture(autouse=True)
def _no_leaked_mlflow_registry() -> Iterator[None]:
    yield
    if _MLFLOW_URI_AT_START is None:
        os.environ.pop(MLFLOW_URI_ENV, None)
    else:
        os.environ[MLFLOW_URI_ENV] = _MLFLOW_URI_AT_START


_DISTRICT_BUILD = pytest.StashKey[object]()


def pytest_configure(config: pytest.Config) -> None:
    """In the run's main process: start building the browser tests' demo district in the background."""
    if not hasattr(config, "workerinput"):
        config.stash[_DISTRICT_BUILD] = district.start_background_build(
            list(config.args), config.getoption("markexpr") or ""
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    district.finish_background_build(config.stash.get(_DISTRICT_BUILD, None))


DB_FIXTURES = {"db_url", "engine", "session", "client", "auth_headers"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def _fresh_postgres_database(server_url: str) -> tuple[str, Engine]:
    """Create an empty database on the server; return its URL and an admin engine to drop it."""
    admin_url = make_url(server_url).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"butler_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is not there: only acceptable off CI
        if os.environ.get("CI"):
            raise
        pytest.skip(
            f"PostgreSQL not reachable at {admin_url!r} ({exc.__class__.__name__}); "
            "database tests ran on SQLite only"
        )
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), admin


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server_url = os.environ.get("BUTLER_TEST_DATABASE_URL", "")
    if not server_url.startswith("postgresql"):
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'butler.db'}"
        upgrade(url)
        yield url
        return
    url, admin = _fresh_postgres_database(server_url)
    upgrade(url)
    yield url
    reset_engine_cache()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[Engine]:
    """The test database, empty, and configured as the application's database."""
    monkeypatch.setenv("BUTLER_DATABASE_URL", db_url)
    monkeypatch.setenv("BUTLER_DATA_DIR", str(tmp_path / "data"))
    reset_engine_cache()
    engine = build_engine(db_url)
    _empty_all_tables(engine)
    forget_rules()  # masking rules are cached per process: start each test from the table's
    yield engine
    engine.dispose()
    reset_engine_cache()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def _empty_all_tables(engine: Engine) -> None:
    """Empty every table, then put back the reference data the migrations load (roles, rules)."""
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # TRUNCATE fires no row triggers, so the audit log's append-only guard stays in place.
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            unprotect_audit_log(conn)
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            protect_audit_log(conn)
        ensure_catalog(conn)
        ensure_masking_rules(conn)


AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture
def auth_headers(session: Session) -> AuthHeaders:
    """Make a user holding one role over a scope; return the Authorization header of its access token."""
    made = iter(range(1, 10_000))

    def make(
        role: str,
        *,
        scope: str = "all",
        scope_id: int | None = None,
        citizen_id: int | None = None,
        enterprise_id: int | None = None,
    ) -> dict[str, str]:
        role_id = session.scalar(select(Role.id).where(Role.code == role))
        assert role_id is not None, f"no role {role!r}"
        user = User(
            username=f"{role}-{scope}-{scope_id}-{next(made)}",
            citizen_id=citizen_id,
            enterprise_id=enterprise_id,
            roles=[UserRole(role_id=role_id, scope=scope, scope_id=scope_id)],
        )
        session.add(user)
        session.commit()
        token = issue_token(user_id=user.id, username=user.username, kind="access").token
        return {"Authorization": f"Bearer {token}"}

    return make
