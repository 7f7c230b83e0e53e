"""Citizens and enterprises. Personal fields are masked on output; ID numbers also kept as HMAC."""

import enum
from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class Citizen(IdMixin, TimestampMixin, Base):
    __tablename__ = "citizens"

    id_card_no: Mapped[str] = mapped_column(String(18))
    id_card_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender))
    birth_year: Mapped[int | None]
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    special_group: Mapped[str | None] = mapped_column(String(32))


class Enterprise(IdMixin, TimestampMixin, Base):
    __tablename__ = "enterprises"

    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    legal_rep_name: Mapped[str | None] = mapped_column(String(32))
    legal_rep_id_card: Mapped[str | None] = mapped_column(String(18))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    registered_address: Mapped[str | None] = mapped_column(String(200))
    industry_code: Mapped[str | None] = mapped_column(String(8), index=True)
    established_on: Mapped[date | None]
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    credit_level: Mapped[str | None] = mapped_column(String(8))
    employee_count: Mapped[int | None]  # insured employees (参保人数), the size class's input
