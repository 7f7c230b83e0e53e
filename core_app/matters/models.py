"""Matter catalog and one-thing bundles."""

import enum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum


class MatterType(enum.StrEnum):
    ADMIN_LICENSING = "admin_licensing"
    ADMIN_CONFIRMATION = "admin_confirmation"
    ADMIN_PAYMENT = "admin_payment"
    ADMIN_REWARD = "admin_reward"
    ADMIN_RULING = "admin_ruling"
    ADMIN_LEVY = "admin_levy"
    OTHER_POWER = "other_power"
    PUBLIC_SERVICE = "public_service"


class LimitUnit(enum.StrEnum):
    WORKING_DAY = "working_day"
    CALENDAR_DAY = "calendar_day"
    HOUR = "hour"


class MatterStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class BundleOrigin(enum.StrEnum):
    OFFICIAL = "official"
    MINED = "mined"


class BundleStatus(enum.StrEnum):
    CANDIDATE = "candidate"
    APPROVED = "approved"
    ACTIVE = "active"
    RETIRED = "retired"


class Matter(IdMixin, TimestampMixin, Base):
    """A catalogued government service with its limits and how it can be done."""

    __tablename__ = "matters"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    matter_type: Mapped[MatterType] = mapped_column(str_enum(MatterType), index=True)
    is_power_matter: Mapped[bool] = mapped_column(default=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    legal_limit_days: Mapped[int | None]
    promised_limit_days: Mapped[int] = mapped_column(default=0)
    limit_unit: Mapped[LimitUnit] = mapped_column(str_enum(LimitUnit), default=LimitUnit.WORKING_DAY)
    is_immediate: Mapped[bool] = mapped_column(default=False)
    max_visits: Mapped[int] = mapped_column(default=1)
    online_capable: Mapped[bool] = mapped_column(default=False)
    mobile_capable: Mapped[bool] = mapped_column(default=False)
    in_hall: Mapped[bool] = mapped_column(default=True)
    hall_exempt: Mapped[bool] = mapped_column(default=False)
    resident_only: Mapped[bool] = mapped_column(default=False)
    handling_levels: Mapped[str] = mapped_column(String(32), default="county")
    commitment_allowed: Mapped[bool] = mapped_column(default=False)
    gap_tolerant: Mapped[bool] = mapped_column(default=False)
    status: Mapped[MatterStatus] = mapped_column(str_enum(MatterStatus), default=MatterStatus.ACTIVE)
    version: Mapped[int] = mapped_column(default=1)


class MatterBundle(IdMixin, TimestampMixin, Base):
    """一件事: matters applied for together."""

    __tablename__ = "matter_bundles"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    origin: Mapped[BundleOrigin] = mapped_column(str_enum(BundleOrigin), default=BundleOrigin.OFFICIAL)
    status: Mapped[BundleStatus] = mapped_column(str_enum(BundleStatus), default=BundleStatus.ACTIVE)
    # A mined candidate's evidence (support, lift, best handling path, ...) and its rank score.
    evidence: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[float | None]

    items: Mapped[list["MatterBundleItem"]] = relationship(
        order_by="(MatterBundleItem.seq, MatterBundleItem.matter_id)", lazy="selectin"
    )


class MatterBundleItem(Base):
    __tablename__ = "matter_bundle_items"

    bundle_id: Mapped[int] = mapped_column(ForeignKey("matter_bundles.id"), primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=1)
