"""Region tree, departments, halls, windows, staff and their bindings, work calendar."""

import enum
from datetime import date

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core_app.db.base import Base, IdMixin, TimestampMixin, str_enum


class RegionLevel(enum.StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"
    GRID = "grid"


class DepartmentKind(enum.StrEnum):
    FUNCTIONAL = "functional"
    TOWN_GOV = "town_gov"
    STREET_OFFICE = "street_office"
    COMMUNITY = "community"
    THIRD_PARTY = "third_party"
    ARBITRATION_BODY = "arbitration_body"
    CITY_DEPT = "city_dept"


class HallKind(enum.StrEnum):
    SERVICE_CENTER = "service_center"
    CONVENIENCE_POINT = "convenience_point"
    SELF_SERVICE_POINT = "self_service_point"


class WindowKind(enum.StrEnum):
    COMPREHENSIVE = "comprehensive"
    DEPARTMENT = "department"
    SPECIAL = "special"


class WindowStatus(enum.StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class CalendarSource(enum.StrEnum):
    CHINESE_CALENDAR = "chinese_calendar"
    ADMIN = "admin"


class Region(IdMixin, TimestampMixin, Base):
    """A node of the county -> town/street -> village/community -> grid tree."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[RegionLevel] = mapped_column(str_enum(RegionLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    lon: Mapped[float | None]
    lat: Mapped[float | None]

    parent: Mapped["Region | None"] = relationship(remote_side="Region.id")


class Department(IdMixin, TimestampMixin, Base):
    """A unit that handles matters or events: functional bureau, street office, community..."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[DepartmentKind] = mapped_column(str_enum(DepartmentKind))
    is_stationed: Mapped[bool] = mapped_column(default=False)
    duty_text: Mapped[str] = mapped_column(Text, default="")
    accepts_events: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class Hall(IdMixin, TimestampMixin, Base):
    """A service site: the district centre, a town convenience point or a self-service point."""

    __tablename__ = "halls"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    level: Mapped[RegionLevel] = mapped_column(str_enum(RegionLevel))
    kind: Mapped[HallKind] = mapped_column(str_enum(HallKind))
    address: Mapped[str] = mapped_column(String(200), default="")
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    opening_hours: Mapped[str] = mapped_column(String(100), default="08:30-12:00,13:30-17:30")
    no_rest_hours: Mapped[str] = mapped_column(String(100), default="")


class HallZone(IdMixin, TimestampMixin, Base):
    """An area of a hall (floor, wing) that groups windows."""

    __tablename__ = "hall_zones"
    __table_args__ = (UniqueConstraint("hall_id", "name"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    name: Mapped[str] = mapped_column(String(64))
    floor: Mapped[int] = mapped_column(default=1)


window_matters = Table(
    "window_matters",
    Base.metadata,
    Column("window_id", ForeignKey("windows.id"), primary_key=True),
    Column("matter_id", ForeignKey("matters.id"), primary_key=True, index=True),
)


class Window(IdMixin, TimestampMixin, Base):
    """A counter in a hall, bound to the matters it can take in."""

    __tablename__ = "windows"
    __table_args__ = (UniqueConstraint("hall_id", "window_no"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("hall_zones.id"))
    window_no: Mapped[str] = mapped_column(String(16))
    kind: Mapped[WindowKind] = mapped_column(str_enum(WindowKind))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[WindowStatus] = mapped_column(str_enum(WindowStatus), default=WindowStatus.OPEN)

    matters = relationship("Matter", secondary=window_matters, lazy="selectin")


class Staff(IdMixin, TimestampMixin, Base):
    """A person who works at a window or in a back office."""

    __tablename__ = "staff"

    staff_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    id_card_no: Mapped[str | None] = mapped_column(String(18))
    id_card_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    post: Mapped[str] = mapped_column(String(32), default="window")
    ding_user_id: Mapped[str | None] = mapped_column(String(64))
    wecom_user_id: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)


class StaffPost(IdMixin, TimestampMixin, Base):
    """人事岗: a staff member posted at a window for a department over a period."""

    __tablename__ = "staff_posts"
    __table_args__ = (Index(None, "window_id", "valid_from"),)

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("hall_zones.id"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]


class WorkCalendarDay(TimestampMixin, Base):
    """One dated exception to the weekday rule: a weekday holiday or a weekend make-up workday.

    Seeded from chinese-calendar for the years it knows; admins add later years. A year with
    no row at all is unknown and falls back to the weekday rule (see core_app.calendar).
    """

    __tablename__ = "work_calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[CalendarSource] = mapped_column(str_enum(CalendarSource))
