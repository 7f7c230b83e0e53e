"""Hall information writes (S1 §3.5): halls, zones, windows, window-matter bindings, staff posts, calendar."""

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core_app.admin import org_schemas as schemas
from core_app.admin.common import (
    Audit,
    audited_create,
    audited_delete,
    audited_update,
    conflict,
    ensure_unique,
    get_or_404,
    invalid,
    patch_values,
    require_reference,
)
from core_app.api.problems import NotFoundError
from core_app.audit.service import snapshot
from core_app.matters.models import Matter
from core_app.org.calendar import CHINESE_CALENDAR_YEARS, chinese_calendar_exceptions
from core_app.org.models import (
    CalendarSource,
    Department,
    Hall,
    HallZone,
    Region,
    Staff,
    StaffPost,
    Window,
    WorkCalendarDay,
)


def create_hall(*, audit: Audit, data: schemas.HallCreate) -> Hall:
    """Add a hall; its code must be new and its region must exist."""
    session = audit.session
    ensure_unique(session, Hall, "code", data.code)
    require_reference(session, Region, data.region_id, "region_id")
    return audited_create(session, audit, Hall(**data.model_dump()))


def update_hall(*, audit: Audit, hall_id: int, data: schemas.HallUpdate) -> Hall:
    """Change a hall's attributes."""
    session = audit.session
    hall = get_or_404(session, Hall, hall_id)
    changes = patch_values(data, Hall)
    if "code" in changes:
        ensure_unique(session, Hall, "code", changes["code"], exclude_id=hall.id)
    require_reference(session, Region, changes.get("region_id"), "region_id")
    return audited_update(session, audit, hall, changes)


def create_zone(*, audit: Audit, data: schemas.HallZoneCreate) -> HallZone:
    """Add a zone (floor, wing) to a hall; zone names are unique within the hall."""
    session = audit.session
    require_reference(session, Hall, data.hall_id, "hall_id")
    ensure_unique(
        session, HallZone, "name", data.name, within={"hall_id": data.hall_id}, where=" in this hall"
    )
    return audited_create(session, audit, HallZone(**data.model_dump()))


def update_zone(*, audit: Audit, zone_id: int, data: schemas.HallZoneUpdate) -> HallZone:
    """Rename a zone or change its floor."""
    session = audit.session
    zone = get_or_404(session, HallZone, zone_id, "HallZone")
    changes = patch_values(data, HallZone)
    if "name" in changes:
        within = {"hall_id": zone.hall_id}
        ensure_unique(session, HallZone, "name", changes["name"], within=within, exclude_id=zone.id)
    return audited_update(session, audit, zone, changes)


def _check_zone_in_hall(session: Session, zone_id: int | None, hall_id: int) -> None:
    if zone_id is None:
        return
    zone = session.get(HallZone, zone_id)
    if zone is None:
        raise invalid("zone_id", f"HallZone {zone_id} does not exist")
    if zone.hall_id != hall_id:
        raise invalid("zone_id", f"HallZone {zone_id} belongs to hall {zone.hall_id}, not to hall {hall_id}")


def _matter_ids(window: Window) -> dict[str, list[int]]:
    return {"matter_ids": sorted(matter.id for matter in window.matters)}


def create_window(*, audit: Audit, data: schemas.WindowCreate) -> Window:
    """Add a window; its number must be free in that hall."""
    session = audit.session
    require_reference(session, Hall, data.hall_id, "hall_id")
    _check_zone_in_hall(session, data.zone_id, data.hall_id)
    require_reference(session, Department, data.department_id, "department_id")
    within = {"hall_id": data.hall_id}
    ensure_unique(session, Window, "window_no", data.window_no, within=within, where=" in this hall")
    return audited_create(session, audit, Window(**data.model_dump(), matters=[]))


def update_window(*, audit: Audit, window_id: int, data: schemas.WindowUpdate) -> Window:
    """Change a window: number, zone, kind, department, status (open/paused/closed)."""
    session = audit.session
    window = get_or_404(session, Window, window_id)
    changes = patch_values(data, Window)
    if "window_no" in changes:
        within = {"hall_id": window.hall_id}
        number = changes["window_no"]
        ensure_unique(
            session, Window, "window_no", number, within=within, exclude_id=window.id, where=" in this hall"
        )
    if "zone_id" in changes:
        _check_zone_in_hall(session, changes["zone_id"], window.hall_id)
    require_reference(session, Department, changes.get("department_id"), "department_id")
    return audited_update(session, audit, window, changes)


def replace_window_matters(*, audit: Audit, window_id: int, data: schemas.WindowMattersPut) -> Window:
    """Replace the set of matters a window takes in; every matter must exist."""
    session = audit.session
    window = get_or_404(session, Window, window_id)
    wanted = sorted(set(data.matter_ids))
    matters = session.scalars(select(Matter).where(Matter.id.in_(wanted))).all() if wanted else []
    missing = sorted(set(wanted) - {matter.id for matter in matters})
    if missing:
        raise invalid("matter_ids", f"unknown matters: {', '.join(map(str, missing))}")
    before = _matter_ids(window)
    window.matters = list(matters)
    session.flush()
    audit.write("update", "window_matters", window.id, before, _matter_ids(window))
    return window


def _department_of_post(session: Session, data: schemas.StaffPostCreate, staff: Staff) -> int:
    if data.department_id is None:
        return staff.department_id
    require_reference(session, Department, data.department_id, "department_id")
    return data.department_id


def _check_no_overlap(session: Session, post: StaffPost, *, exclude_id: int | None = None) -> None:
    """A staff member holds at most one post at a window at any time."""
    statement = select(StaffPost.id).where(
        StaffPost.staff_id == post.staff_id,
        StaffPost.window_id == post.window_id,
        or_(StaffPost.valid_to.is_(None), StaffPost.valid_to >= post.valid_from),
    )
    if post.valid_to is not None:
        statement = statement.where(StaffPost.valid_from <= post.valid_to)
    if exclude_id is not None:
        statement = statement.where(StaffPost.id != exclude_id)
    clash = session.scalar(statement.limit(1))
    if clash is not None:
        raise conflict("window_id", f"the staff member already holds post {clash} at this window then")


def create_staff_post(*, audit: Audit, data: schemas.StaffPostCreate) -> StaffPost:
    """Post a staff member at a window (人事岗) from valid_from, open-ended unless valid_to is given."""
    session = audit.session
    staff = session.get(Staff, data.staff_id)
    if staff is None:
        raise invalid("staff_id", f"Staff {data.staff_id} does not exist")
    window = session.get(Window, data.window_id)
    if window is None:
        raise invalid("window_id", f"Window {data.window_id} does not exist")
    zone_id = data.zone_id if data.zone_id is not None else window.zone_id
    _check_zone_in_hall(session, zone_id, window.hall_id)
    if data.valid_to is not None and data.valid_to < data.valid_from:
        raise invalid("valid_to", "must not be before valid_from")
    post = StaffPost(
        staff_id=staff.id,
        window_id=window.id,
        department_id=_department_of_post(session, data, staff),
        zone_id=zone_id,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
    )
    _check_no_overlap(session, post)
    return audited_create(session, audit, post)


def update_staff_post(*, audit: Audit, post_id: int, data: schemas.StaffPostUpdate) -> StaffPost:
    """End a post (valid_to) or move it to another zone of the window's hall."""
    session = audit.session
    post = get_or_404(session, StaffPost, post_id, "StaffPost")
    changes = patch_values(data, StaffPost)
    if "zone_id" in changes:
        _check_zone_in_hall(session, changes["zone_id"], session.get(Window, post.window_id).hall_id)
    if changes.get("valid_to") is not None and changes["valid_to"] < post.valid_from:
        raise invalid("valid_to", f"must not be before valid_from ({post.valid_from})")
    if "valid_to" in changes:
        probe = StaffPost(
            staff_id=post.staff_id,
            window_id=post.window_id,
            valid_from=post.valid_from,
            valid_to=changes["valid_to"],
        )
        _check_no_overlap(session, probe, exclude_id=post.id)
    return audited_update(session, audit, post, changes)


def put_calendar_day(*, audit: Audit, day: date, data: schemas.CalendarDayPut) -> WorkCalendarDay:
    """Enter a day as an admin holiday or make-up workday (replaces any entry of that day)."""
    session = audit.session
    row = session.get(WorkCalendarDay, day)
    values = {"is_workday": data.is_workday, "name": data.name, "source": CalendarSource.ADMIN}
    if row is None:
        return audited_create(session, audit, WorkCalendarDay(day=day, **values))
    return audited_update(session, audit, row, values)


def delete_calendar_day(*, audit: Audit, day: date) -> WorkCalendarDay | None:
    """Remove an admin entry; chinese-calendar's own entry for that day, if any, comes back."""
    session = audit.session
    row = session.get(WorkCalendarDay, day)
    if row is None or row.source != CalendarSource.ADMIN:
        raise NotFoundError(f"no admin calendar entry on {day}")
    audited_delete(session, audit, row)
    restored = _chinese_calendar_entry(day)
    if restored is not None:
        session.add(restored)
        session.flush()
        audit.write("create", "work_calendar_days", day.isoformat(), None, snapshot(restored))
    return restored


def _chinese_calendar_entry(day: date) -> WorkCalendarDay | None:
    if day.year not in CHINESE_CALENDAR_YEARS:
        return None
    return next((row for row in chinese_calendar_exceptions(day.year) if row.day == day), None)
