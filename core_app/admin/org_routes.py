"""Back-office endpoints for hall information (org:write); reading stays on the /halls, /windows... lists."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from core_app.admin import org_schemas as schemas
from core_app.admin import org_service as service
from core_app.admin.common import Audit, audit_dependency, commit
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.params import RecordId
from core_app.org.schemas import HallRead, HallZoneRead, StaffPostRead, WindowRead, WorkCalendarDayRead

router = APIRouter(prefix="/admin", tags=["admin: hall information"], responses=WRITE_RESPONSES)

OrgWrite = Annotated[Audit, Depends(audit_dependency("org:write"))]


@router.post("/halls", response_model=HallRead, status_code=201)
def create_hall(audit: OrgWrite, data: schemas.HallCreate):
    """Add a hall."""
    hall = service.create_hall(audit=audit, data=data)
    commit(audit.session, on_conflict=("code", "is already used"))
    return hall


@router.patch("/halls/{hall_id}", response_model=HallRead)
def update_hall(audit: OrgWrite, hall_id: RecordId, data: schemas.HallUpdate):
    """Change a hall."""
    hall = service.update_hall(audit=audit, hall_id=hall_id, data=data)
    commit(audit.session, on_conflict=("code", "is already used"))
    return hall


@router.post("/hall-zones", response_model=HallZoneRead, status_code=201)
def create_zone(audit: OrgWrite, data: schemas.HallZoneCreate):
    """Add a zone (floor, wing) to a hall."""
    zone = service.create_zone(audit=audit, data=data)
    commit(audit.session, on_conflict=("name", "is already used in this hall"))
    return zone


@router.patch("/hall-zones/{zone_id}", response_model=HallZoneRead)
def update_zone(audit: OrgWrite, zone_id: RecordId, data: schemas.HallZoneUpdate):
    """Rename a zone or change its floor."""
    zone = service.update_zone(audit=audit, zone_id=zone_id, data=data)
    commit(audit.session, on_conflict=("name", "is already used in this hall"))
    return zone


@router.post("/windows", response_model=WindowRead, status_code=201)
def create_window(audit: OrgWrite, data: schemas.WindowCreate):
    """Add a window to a hall."""
    window = service.create_window(audit=audit, data=data)
    commit(audit.session, on_conflict=("window_no", "is already used in this hall"))
    return window


@router.patch("/windows/{window_id}", response_model=WindowRead)
def update_window(audit: OrgWrite, window_id: RecordId, data: schemas.WindowUpdate):
    """Change a window (number, zone, kind, department, open/paused/closed)."""
    window = service.update_window(audit=audit, window_id=window_id, data=data)
    commit(audit.session, on_conflict=("window_no", "is already used in this hall"))
    return window


@router.put("/windows/{window_id}/matters", response_model=WindowRead)
def replace_window_matters(audit: OrgWrite, window_id: RecordId, data: schemas.WindowMattersPut):
    """Replace the matters the window takes in."""
    window = service.replace_window_matters(audit=audit, window_id=window_id, data=data)
    commit(audit.session)
    return window


@router.post("/staff-posts", response_model=StaffPostRead, status_code=201)
def create_staff_post(audit: OrgWrite, data: schemas.StaffPostCreate):
    """Post a staff member at a window (人事岗)."""
    post = service.create_staff_post(audit=audit, data=data)
    commit(audit.session)
    return post


@router.patch("/staff-posts/{post_id}", response_model=StaffPostRead)
def update_staff_post(audit: OrgWrite, post_id: RecordId, data: schemas.StaffPostUpdate):
    """End a staff post (valid_to) or move it to another zone."""
    post = service.update_staff_post(audit=audit, post_id=post_id, data=data)
    commit(audit.session)
    return post


@router.put("/calendar-days/{day}", response_model=WorkCalendarDayRead)
def put_calendar_day(audit: OrgWrite, day: date, data: schemas.CalendarDayPut):
    """Enter a holiday or make-up workday as an admin entry."""
    row = service.put_calendar_day(audit=audit, day=day, data=data)
    commit(audit.session)
    return row


@router.delete("/calendar-days/{day}", status_code=204)
def delete_calendar_day(audit: OrgWrite, day: date) -> Response:
    """Remove an admin entry (chinese-calendar's entry for that day, if any, applies again)."""
    service.delete_calendar_day(audit=audit, day=day)
    commit(audit.session)
    return Response(status_code=204)
