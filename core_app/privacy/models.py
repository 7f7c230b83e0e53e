"""Masking rules per personal-data field type, editable by admins (DOMAIN §9 item 6)."""

import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, TimestampMixin, str_enum


class PiiFieldType(enum.StrEnum):
    ID_CARD = "id_card"
    PHONE = "phone"
    NAME = "name"
    ADDRESS = "address"
    USCC_PERSONAL = "uscc_personal"  # a 个体工商户's code identifies a person
    FREE_TEXT = "free_text"


class MaskingRule(TimestampMixin, Base):
    """How one field type is masked: characters kept at each end, or whether masking applies at all."""

    __tablename__ = "masking_rules"

    field_type: Mapped[PiiFieldType] = mapped_column(str_enum(PiiFieldType), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    keep_start: Mapped[int] = mapped_column(default=0)
    keep_end: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(200), default="")
