"""Default masking rules, loaded into the editable ``masking_rules`` table."""

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
