"""API keys for systems that push data: ``bk_<prefix>_<secret>``; only a hash of the secret is stored."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.access.models import ApiKey

KEY_PREFIX = "bk"


@dataclass(frozen=True)
class NewApiKey:
    record: ApiKey
    key: str  # shown once, never stored


def hash_secret(secret: str) -> str:
    # The secret is 256 random bits: a plain SHA-256 is enough, a slow hash would gain nothing.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    session: Session, *, name: str, source: str, scopes: list[str], created_by: int | None = None
) -> NewApiKey:
    """Create a key bound to one source and its scopes; return the clear key once."""
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    record = ApiKey(
        name=name,
        source=source,
        prefix=prefix,
        key_hash=hash_secret(secret),
        scopes=" ".join(sorted(set(scopes))),
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    return NewApiKey(record=record, key=f"{KEY_PREFIX}_{prefix}_{secret}")


def find_api_key(session: Session, raw_key: str, *, now: datetime | None = None) -> ApiKey | None:
    """The active key matching ``raw_key``, or None (unknown, wrong secret, revoked or expired)."""
    parts = raw_key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    record = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if record is None or not hmac.compare_digest(record.key_hash, hash_secret(parts[2])):
        return None
    moment = now or datetime.now(UTC)
    if record.revoked_at is not None or (record.expires_at is not None and record.expires_at <= moment):
        return None
    return record
