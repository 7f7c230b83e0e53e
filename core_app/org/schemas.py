"""Read schemas of the organisation records; personal fields of staff are masked on output."""

from datetime import date
from typing import Any

from pydantic import Field, field_validator

from core_app.api.schemas import ReadModel, RecordRead
from core_app.org.models import (
    CalendarSource,
    DepartmentKind,
    HallKind,
    RegionLevel,
    WindowKind,
    WindowStatus,
)
from core_app.privacy.masking import MaskedIdCard, MaskedName, MaskedPhone


class RegionRead(RecordRead):
    code: str
    name: str
    level: RegionLevel
    parent_id: int | None
    lon: float | None
    lat: float | None


class DepartmentRead(RecordRead):
    code: str
    name: str
    parent_id: int | None
    region_id: int | None
    kind: DepartmentKind
    is_stationed: bool
    duty_text: str
    accepts_events: bool
    is_active: bool


class HallRead(RecordRead):
    code: str
    name: str
    region_id: int
    level: RegionLevel
    kind: HallKind
    address: str
    lon: float | None
    lat: float | None
    opening_hours: str
    no_rest_hours: str


class HallZoneRead(RecordRead):
    hall_id: int
    name: str
    floor: int


class WindowRead(RecordRead):
    hall_id: int
    zone_id: int | None
    window_no: str
    kind: WindowKind
    department_id: int | None
    status: WindowStatus
    matter_ids: list[int] = Field(validation_alias="matters", description="Matters this window takes in.")

    @field_validator("matter_ids", mode="before")
    @classmethod
    def _ids_of_matters(cls, matters: list[Any]) -> list[int]:
        return sorted(getattr(matter, "id", matter) for matter in matters)


class StaffRead(RecordRead):
    staff_no: str
    name: MaskedName
    department_id: int
    phone: MaskedPhone | None
    id_card_no: MaskedIdCard | None
    post: str
    ding_user_id: str | None
    wecom_user_id: str | None
    is_active: bool


class StaffPostRead(RecordRead):
    staff_id: int
    window_id: int
    department_id: int
    zone_id: int | None
    valid_from: date
    valid_to: date | None


class WorkCalendarDayRead(ReadModel):
    day: date
    is_workday: bool
    name: str
    source: CalendarSource
