"""Masking rules: defaults loaded into the editable ``masking_rules`` table, and the rules in force.

Serialisers ask ``active_rules()`` for every masked value, so the rules are cached in the process for a few
seconds; an admin's edit clears the cache at once here, and other processes follow within the TTL.
"""

import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from core_app.privacy.models import MaskingRule, PiiFieldType

DEFAULT_RULES: dict[PiiFieldType, dict] = {
    PiiFieldType.ID_CARD: {"keep_start": 4, "keep_end": 4, "note": "3302**********123X"},
    PiiFieldType.PHONE: {"keep_start": 3, "keep_end": 4, "note": "138****5678"},
    PiiFieldType.NAME: {"keep_start": 1, "keep_end": 0, "note": "surname kept: 张*, 欧阳**"},
    PiiFieldType.ADDRESS: {"keep_start": 0, "keep_end": 0, "note": "cut after the street/town + ****"},
    PiiFieldType.USCC_PERSONAL: {"keep_start": 6, "keep_end": 2, "note": "个体工商户 codes (9 2...) only"},
    PiiFieldType.FREE_TEXT: {"keep_start": 0, "keep_end": 0, "note": "ID and phone patterns in text"},
}


def ensure_masking_rules(connection: Connection) -> None:
    """Insert the default rule of every field type that has none."""
    present = set(connection.scalars(select(MaskingRule.field_type)))
    missing = [{"field_type": t, **rule} for t, rule in DEFAULT_RULES.items() if t not in present]
    if missing:
        connection.execute(insert(MaskingRule), missing)


@dataclass(frozen=True)
class Rule:
    enabled: bool
    keep_start: int
    keep_end: int


CACHE_SECONDS = 10.0
DEFAULTS = {t: Rule(True, r["keep_start"], r["keep_end"]) for t, r in DEFAULT_RULES.items()}
_cache: dict[str, object] = {"rules": None, "loaded": 0.0}
_lock = threading.Lock()


def active_rules() -> dict[PiiFieldType, Rule]:
    """The rules in force: the table's, cached briefly; the defaults where the table has none."""
    with _lock:
        if _cache["rules"] is None or time.monotonic() - float(_cache["loaded"]) > CACHE_SECONDS:
            _cache["rules"] = DEFAULTS | _load_rules()
            _cache["loaded"] = time.monotonic()
        return _cache["rules"]  # type: ignore[return-value]


def forget_rules() -> None:
    """Drop the cached rules (after an edit, or when the database changes under the process)."""
    with _lock:
        _cache["rules"] = None


def _load_rules() -> dict[PiiFieldType, Rule]:
    from core_app.db.session import get_engine  # the session module is configured at run time

    with get_engine().connect() as connection:
        rows = connection.execute(
            select(MaskingRule.field_type, MaskingRule.enabled, MaskingRule.keep_start, MaskingRule.keep_end)
        ).all()
    return {row.field_type: Rule(row.enabled, row.keep_start, row.keep_end) for row in rows}
