"""Write schemas of the hall information: halls, zones, windows, bindings, staff posts, calendar days."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core_app.org.calendar import parse_intervals
from core_app.org.models import HallKind, RegionLevel, WindowKind, WindowStatus


class WriteModel(BaseModel):
    """Base of the write schemas: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _valid_intervals(value: str | None) -> str | None:
    if value:
        try:
            parse_intervals(value)
        except ValueError as exc:
            raise ValueError(f"not a list of HH:MM-HH:MM intervals: {exc}") from None
    return value


class HallCreate(WriteModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    region_id: int
    level: RegionLevel
    kind: HallKind
    address: str = Field(default="", max_length=200)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    opening_hours: str = Field(default="08:30-12:00,13:30-17:30", max_length=100)
    no_rest_hours: str = Field(default="", max_length=100)

    _intervals = field_validator("opening_hours", "no_rest_hours")(_valid_intervals)


class HallUpdate(WriteModel):
    code: str | None = Field(default=None, min_length=1, max_length=32)
    name: str | None = Field(default=None, min_length=1, max_length=64)
    region_id: int | None = None
    level: RegionLevel | None = None
    kind: HallKind | None = None
    address: str | None = Field(default=None, max_length=200)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    opening_hours: str | None = Field(default=None, max_length=100)
    no_rest_hours: str | None = Field(default=None, max_length=100)

    _intervals = field_validator("opening_hours", "no_rest_hours")(_valid_intervals)


class HallZoneCreate(WriteModel):
    hall_id: int
    name: str = Field(min_length=1, max_length=64)
    floor: int = Field(default=1, ge=-10, le=200)


class HallZoneUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    floor: int | None = Field(default=None, ge=-10, le=200)


class WindowCreate(WriteModel):
    hall_id: int
    zone_id: int | None = None
    window_no: str = Field(min_length=1, max_length=16)
    kind: WindowKind
    department_id: int | None = None
    status: WindowStatus = WindowStatus.OPEN


class WindowUpdate(WriteModel):
    zone_id: int | None = None
    window_no: str | None = Field(default=None, min_length=1, max_length=16)
    kind: WindowKind | None = None
    department_id: int | None = None
    status: WindowStatus | None = None


class WindowMattersPut(WriteModel):
    """The complete set of matters the window takes in (replaces the current set)."""

    matter_ids: list[int] = Field(max_length=2000)


class StaffPostCreate(WriteModel):
    staff_id: int
    window_id: int
    department_id: int | None = Field(default=None, description="Defaults to the staff member's department.")
    zone_id: int | None = Field(default=None, description="Defaults to the window's zone.")
    valid_from: date
    valid_to: date | None = None


class StaffPostUpdate(WriteModel):
    """End a post (valid_to) or move it to another zone."""

    zone_id: int | None = None
    valid_to: date | None = None


class CalendarDayPut(WriteModel):
    is_workday: bool = Field(description="false: a holiday; true: a make-up workday.")
    name: str = Field(default="", max_length=32)
