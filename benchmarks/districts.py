"""Seeded demo districts for the benchmarks: a SQLite file or a PostgreSQL database, kept for reuse.

Every benchmark seeds with `butler seed --seed 42 --now 2026-11-24T06:00:00+08:00`, so figures from different
benchmarks describe the same district.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

BUTLER = str(Path(sys.executable).with_name("butler"))
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SEED_NOW = "2026-11-24T06:00:00+08:00"
SEED_ARGS = ["--seed", "42", "--now", SEED_NOW]
MIN_CASES = {"test": 2_000, "small": 15_000, "medium": 150_000, "large": 1_000_000}


def seeded_sqlite(path: Path, scale: str, *, reuse: bool = False) -> str:
    """The URL of a SQLite district at PATH, seeded unless REUSE finds one of that scale there."""
    url = f"sqlite:///{path}"
    if reuse and path.exists() and _cases(url) >= MIN_CASES[scale]:
        print(f"  reusing {path} ({_cases(url):,} cases)", file=sys.stderr)
        _upgrade(url)
        return url
    path.unlink(missing_ok=True)
    _seed(url, scale)
    return url


def seeded_postgres(database: str, scale: str, *, reuse: bool = False) -> str:
    """The URL of PostgreSQL database DATABASE with a seeded district, reseeded unless REUSE finds one."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(SERVER).set(database=database).render_as_string(hide_password=False)
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database})
    if exists and reuse and _cases(url) >= MIN_CASES[scale]:
        print(f"  reusing {database} ({_cases(url):,} cases)", file=sys.stderr)
        _upgrade(url)
        admin.dispose()
        return url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    _seed(url, scale)
    return url


def _cases(url: str) -> int:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM cases")) or 0)
    except DBAPIError:
        return 0
    finally:
        engine.dispose()


def _upgrade(url: str) -> None:
    env = {**os.environ, "BUTLER_DATABASE_URL": url}
    subprocess.run([BUTLER, "db", "upgrade"], env=env, check=True, capture_output=True)


def _seed(url: str, scale: str) -> None:
    _upgrade(url)
    env = {**os.environ, "BUTLER_DATABASE_URL": url}
    began = time.perf_counter()
    subprocess.run([BUTLER, "seed", "--scale", scale, *SEED_ARGS], env=env, check=True, capture_output=True)
    print(f"  seeded a {scale} district in {time.perf_counter() - began:.0f} s", file=sys.stderr)
