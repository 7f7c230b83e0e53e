"""Small builders that insert valid records with sensible defaults; override what a test cares about."""

from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from core_app.cases.models import (
    ApplicantType,
    Case,
    CaseStatus,
    CaseStep,
    Channel,
    QueueTicket,
    Review,
    StepType,
    TicketStatus,
)
from core_app.config import LOCAL_TZ
from core_app.events.models import Event, EventCategory, EventSource, ReporterType
from core_app.matters.models import Matter, MatterBundle, MatterBundleItem, MatterType
from core_app.org.models import (
    CalendarSource,
    Department,
    DepartmentKind,
    Hall,
    HallKind,
    Region,
    RegionLevel,
    Staff,
    StaffPost,
    Window,
    WindowKind,
    WorkCalendarDay,
)
from core_app.people.models import Citizen, Enterprise
from core_app.validation.identifiers import id_card_check_char, pii_hash, uscc_check_char

_serial = count(1)


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def valid_id_card(first17: str = "33020319900101123") -> str:
    return first17 + id_card_check_char(first17)


def valid_uscc(first17: str = "91330203MA2AAAAA1") -> str:
    return first17 + uscc_check_char(first17)


def _add(session: Session, record: Any) -> Any:
    session.add(record)
    session.flush()
    return record


REPORTER_ID_CARD = valid_id_card("44030819751231456")


def region(session: Session, **fields: Any) -> Region:
    n = next(_serial)
    defaults = {"code": f"R{n}", "name": f"鄞州区{n}", "level": RegionLevel.COUNTY}
    return _add(session, Region(**defaults | fields))


def department(session: Session, **fields: Any) -> Department:
    n = next(_serial)
    defaults = {"code": f"D{n:03d}", "name": f"部门{n}", "kind": DepartmentKind.FUNCTIONAL}
    return _add(session, Department(**defaults | fields))


def hall(session: Session, **fields: Any) -> Hall:
    n = next(_serial)
    region_id = fields.pop("region_id", None) or region(session).id
    defaults = {
        "code": f"H{n}",
        "name": f"行政服务中心{n}",
        "region_id": region_id,
        "level": RegionLevel.COUNTY,
        "kind": HallKind.SERVICE_CENTER,
    }
    return _add(session, Hall(**defaults | fields))


def matter(session: Session, **fields: Any) -> Matter:
    n = next(_serial)
    department_id = fields.pop("department_id", None) or department(session).id
    defaults = {
        "code": f"M{n:05d}",
        "name": f"事项{n}",
        "matter_type": MatterType.ADMIN_LICENSING,
        "department_id": department_id,
        "promised_limit_days": 5,
    }
    return _add(session, Matter(**defaults | fields))


def window(session: Session, *, matters: list[Matter] = (), **fields: Any) -> Window:
    n = next(_serial)
    hall_id = fields.pop("hall_id", None) or hall(session).id
    defaults = {"hall_id": hall_id, "window_no": f"{n:02d}", "kind": WindowKind.COMPREHENSIVE}
    record = Window(**defaults | fields)
    record.matters = list(matters)
    return _add(session, record)


def staff(session: Session, **fields: Any) -> Staff:
    n = next(_serial)
    department_id = fields.pop("department_id", None) or department(session).id
    defaults = {
        "staff_no": f"S{n:04d}",
        "name": "王小明",
        "department_id": department_id,
        "phone": "13900001111",
        "id_card_no": valid_id_card("33020319850505001"),
    }
    return _add(session, Staff(**defaults | fields))


def staff_post(session: Session, *, staff_member: Staff, at_window: Window, **fields: Any) -> StaffPost:
    defaults = {
        "staff_id": staff_member.id,
        "window_id": at_window.id,
        "department_id": staff_member.department_id,
        "valid_from": date(2025, 1, 1),
    }
    return _add(session, StaffPost(**defaults | fields))


def bundle(session: Session, *, matters: list[Matter], **fields: Any) -> MatterBundle:
    n = next(_serial)
    record = _add(session, MatterBundle(**{"name": f"一件事{n}"} | fields))
    for seq, item in enumerate(matters, start=1):
        session.add(MatterBundleItem(bundle_id=record.id, matter_id=item.id, seq=seq))
    session.flush()
    return record


def citizen(session: Session, **fields: Any) -> Citizen:
    id_card_no = fields.pop("id_card_no", None) or valid_id_card(
        f"330203199001{next(_serial) % 28 + 1:02d}123"
    )
    defaults = {
        "id_card_no": id_card_no,
        "id_card_hash": pii_hash(id_card_no, "test-key"),
        "name": "张三",
        "phone": "13812345678",
        "address": "浙江省宁波市鄞州区钟公庙街道天童南路588号",
        "birth_year": 1990,
    }
    return _add(session, Citizen(**defaults | fields))


def enterprise(session: Session, **fields: Any) -> Enterprise:
    defaults = {
        "uscc": valid_uscc(),
        "name": "宁波某某科技有限公司",
        "legal_rep_name": "欧阳娜娜",
        "legal_rep_id_card": valid_id_card("33020319800202222"),
        "contact_phone": "13700002222",
        "registered_address": "浙江省宁波市鄞州区首南街道日丽中路1号",
    }
    return _add(session, Enterprise(**defaults | fields))


def case(session: Session, *, steps: int = 0, **fields: Any) -> Case:
    """Insert a case; ``steps`` approval steps of one hour each follow its acceptance."""
    n = next(_serial)
    if "matter_id" not in fields:
        fields["matter_id"] = matter(session).id
    if "department_id" not in fields:
        fields["department_id"] = session.get(Matter, fields["matter_id"]).department_id
    if "citizen_id" not in fields and "enterprise_id" not in fields:
        fields["citizen_id"] = citizen(session).id
    submitted = fields.pop("submitted_at", local(2025, 3, 3, 9))
    defaults = {
        "case_no": f"CASE{n:08d}",
        "channel": Channel.WINDOW,
        "applicant_type": ApplicantType.CITIZEN if "citizen_id" in fields else ApplicantType.ENTERPRISE,
        "status": CaseStatus.ACCEPTED,
        "submitted_at": submitted,
        "received_at": submitted + timedelta(minutes=5),
        "accepted_at": submitted + timedelta(minutes=10),
    }
    record = _add(session, Case(**defaults | fields))
    for i in range(steps):
        started = record.accepted_at + timedelta(hours=i)
        session.add(
            CaseStep(
                case_id=record.id,
                step_type=list(StepType)[i % 3],
                started_at=started,
                ended_at=started + timedelta(hours=1),
                comment=f"第{i + 1}步",
            )
        )
    session.flush()
    return record


def ticket(session: Session, **fields: Any) -> QueueTicket:
    n = next(_serial)
    hall_id = fields.pop("hall_id", None) or hall(session).id
    taken_at = fields.pop("taken_at", local(2025, 3, 3, 9))
    defaults = {
        "hall_id": hall_id,
        "ticket_no": f"A{n:03d}",
        "taken_on": taken_at.date(),
        "queue_group": "A",
        "taken_at": taken_at,
        "status": TicketStatus.WAITING,
    }
    return _add(session, QueueTicket(**defaults | fields))


def review(session: Session, *, of_case: Case, **fields: Any) -> Review:
    defaults = {
        "case_id": of_case.id,
        "matter_id": of_case.matter_id,
        "department_id": of_case.department_id,
        "channel": Channel.WINDOW,
        "level": 5,
        "is_good": True,
        "reviewed_at": local(2025, 3, 4, 10),
    }
    return _add(session, Review(**defaults | fields))


def event_category(session: Session, **fields: Any) -> EventCategory:
    n = next(_serial)
    return _add(session, EventCategory(**{"code": f"C{n}", "name": f"市容环境{n}"} | fields))


def event(session: Session, **fields: Any) -> Event:
    n = next(_serial)
    defaults = {
        "event_no": f"EV{n:08d}",
        "source": EventSource.HOTLINE_12345,
        "external_id": f"X{n}",
        "reporter_type": ReporterType.CITIZEN,
        "reporter_name": "李四",
        "reporter_phone": "13612345678",
        "reporter_id_card": REPORTER_ID_CARD,
        "title": "路灯不亮",
        "description": f"小区门口路灯坏了，联系电话13612345678，身份证{REPORTER_ID_CARD}",
        "address": "广东省深圳市盐田区沙头角街道海山路12号3栋",
        "reported_at": local(2025, 3, 3, 20),
    }
    return _add(session, Event(**defaults | fields))


def calendar_day(session: Session, **fields: Any) -> WorkCalendarDay:
    defaults = {
        "day": date(2025, 10, 1),
        "is_workday": False,
        "name": "国庆节",
        "source": CalendarSource.ADMIN,
    }
    return _add(session, WorkCalendarDay(**defaults | fields))
