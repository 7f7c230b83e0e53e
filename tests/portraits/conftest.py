"""A small district for the portrait and lifecycle tests: one enterprise, one citizen, two staff, one window.

Every record's time is in November 2026 (no public holiday; working hours 08:30-12:00, 13:30-17:30), and
the portraits are computed as of NOW, Tuesday 24 November 06:00. The expected numbers are worked out in the
tests that use them.
"""

from dataclasses import dataclass
from datetime import date

import pytest

from core_app.cases.models import CaseResult, CaseStatus, Channel, Consultation, Rectification, TicketStatus
from core_app.config import get_settings
from core_app.events.models import EventStatus, Satisfaction
from core_app.people.models import Citizen, Enterprise
from core_app.validation.identifiers import pii_hash
from tests.api import builders as b

NOW = b.local(2026, 11, 24, 6)
USCC = b.valid_uscc("91330203MA2BBBBB1")
ID_CARD = b.valid_id_card("33020319500315123")


def consultation(session, **fields) -> Consultation:
    defaults = {"subject": "咨询", "channel": Channel.WINDOW, "asked_at": NOW}
    record = Consultation(**defaults | fields)
    session.add(record)
    session.flush()
    return record


def rectification(session, **fields) -> Rectification:
    record = Rectification(**fields)
    session.add(record)
    session.flush()
    return record


@dataclass
class District:
    dept_a: object
    dept_b: object
    dept_c: object
    hall: object
    window: object
    s1: object
    s2: object
    enterprise: Enterprise
    citizen: Citizen
    cases: dict


@pytest.fixture
def district(session) -> District:
    dept_a = b.department(session, name="市场监督管理局")
    dept_b = b.department(session, name="公安分局")
    dept_c = b.department(session, name="教育局")
    setup = b.matter(session, name="企业设立登记", department_id=dept_a.id)
    exit_ = b.matter(session, name="企业注销登记", department_id=dept_a.id)
    tax = b.matter(session, name="税务登记", department_id=dept_b.id)
    hukou = b.matter(session, name="户口迁移", department_id=dept_b.id)
    hall = b.hall(session, name="云溪区政务服务中心")
    window = b.window(
        session, hall_id=hall.id, department_id=dept_a.id, window_no="08", matters=[setup, exit_]
    )
    s1 = b.staff(session, department_id=dept_a.id, staff_no="S-001")
    s2 = b.staff(session, department_id=dept_a.id, staff_no="S-002")
    b.staff_post(session, staff_member=s2, at_window=window)
    firm = b.enterprise(
        session, uscc=USCC, established_on=date(2026, 6, 1), employee_count=12, industry_code="I6510"
    )
    person = b.citizen(
        session,
        id_card_no=ID_CARD,
        id_card_hash=pii_hash(ID_CARD, get_settings().pii_hash_key),
        birth_year=1950,
    )
    at = b.local
    cases = {
        # The enterprise: two mobile-app cases, one window case asking to deregister.
        "c1": b.case(
            session,
            enterprise_id=firm.id,
            matter_id=setup.id,
            channel=Channel.MOBILE_APP,
            status=CaseStatus.COMPLETED,
            result=CaseResult.GRANTED,
            submitted_at=at(2026, 11, 2, 9),
            completed_at=at(2026, 11, 2, 13, 30),
            due_at=at(2026, 11, 9, 17, 30),
            handler_staff_id=s1.id,
        ),
        "c2": b.case(
            session,
            enterprise_id=firm.id,
            matter_id=tax.id,
            channel=Channel.MOBILE_APP,
            submitted_at=at(2026, 11, 10, 9),
        ),
        "c3": b.case(
            session,
            enterprise_id=firm.id,
            matter_id=exit_.id,
            status=CaseStatus.RECEIVED,
            submitted_at=at(2026, 11, 16, 9),
            accepted_at=None,
            hall_id=hall.id,
            window_id=window.id,
            receiver_staff_id=s2.id,
        ),
        # The citizen: a window case that took two visits, two online ones.
        "c4": b.case(
            session,
            citizen_id=person.id,
            matter_id=tax.id,
            status=CaseStatus.COMPLETED,
            result=CaseResult.GRANTED,
            submitted_at=at(2026, 11, 3, 9),
            completed_at=at(2026, 11, 4, 9, 10),
            due_at=at(2026, 11, 3, 17, 30),
            hall_id=hall.id,
            window_id=window.id,
            receiver_staff_id=s2.id,
            handler_staff_id=s1.id,
        ),
        "c5": b.case(
            session,
            citizen_id=person.id,
            matter_id=hukou.id,
            channel=Channel.PC_WEB,
            status=CaseStatus.COMPLETED,
            result=CaseResult.GRANTED,
            submitted_at=at(2026, 11, 9, 9),
            completed_at=at(2026, 11, 11, 9, 10),
            due_at=at(2026, 11, 20, 17, 30),
            handler_staff_id=s1.id,
        ),
        "c6": b.case(
            session,
            citizen_id=person.id,
            matter_id=hukou.id,
            channel=Channel.PC_WEB,
            status=CaseStatus.SUBMITTED,
            submitted_at=at(2026, 11, 20, 10),
            received_at=None,
            accepted_at=None,
        ),
    }
    good = b.review(session, of_case=cases["c1"], staff_id=s1.id, level=5, reviewed_at=at(2026, 11, 3, 10))
    withdrawn = b.review(
        session,
        of_case=cases["c2"],
        staff_id=s1.id,
        level=1,
        is_good=False,
        is_valid=False,
        reviewed_at=at(2026, 11, 11, 10),
    )
    rectification(
        session,
        review_id=withdrawn.id,
        department_id=dept_b.id,
        deadline_at=at(2026, 11, 30, 17, 30),
        completed_at=at(2026, 11, 21, 10),
        callback_result="satisfied",
    )
    assert good.id
    ticket = {"hall_id": hall.id, "window_id": window.id, "staff_id": s2.id}
    b.ticket(
        session,
        **ticket,
        case_id=cases["c4"].id,
        citizen_id=person.id,
        status=TicketStatus.SERVED,
        taken_at=at(2026, 11, 3, 8, 50),
        called_at=at(2026, 11, 3, 8, 55),
        service_started_at=at(2026, 11, 3, 8, 56),
        service_ended_at=at(2026, 11, 3, 9, 6),
    )
    b.ticket(  # the second visit for the same case; the ID card was not swiped
        session,
        **ticket,
        case_id=cases["c4"].id,
        status=TicketStatus.SERVED,
        taken_at=at(2026, 11, 4, 8, 40),
        called_at=at(2026, 11, 4, 8, 50),
        service_started_at=at(2026, 11, 4, 8, 51),
        service_ended_at=at(2026, 11, 4, 8, 59),
    )
    b.ticket(
        session,
        **ticket,
        citizen_id=person.id,
        status=TicketStatus.MISSED,
        taken_at=at(2026, 11, 5, 10),
        called_at=at(2026, 11, 5, 10, 5),
    )
    b.ticket(
        session,
        **ticket,
        case_id=cases["c3"].id,
        status=TicketStatus.SERVED,
        taken_at=at(2026, 11, 16, 8, 50),
        called_at=at(2026, 11, 16, 8, 58),
        service_started_at=at(2026, 11, 16, 9, 1),
        service_ended_at=at(2026, 11, 16, 9, 6),
    )
    b.event(
        session,
        enterprise_id=firm.id,
        reporter_type="enterprise",
        department_id=dept_a.id,
        status=EventStatus.CLOSED,
        satisfaction=Satisfaction.SATISFIED,
        reported_at=at(2026, 11, 18, 15),
        closed_at=at(2026, 11, 19, 10),
    )
    b.event(
        session,
        citizen_id=person.id,
        status=EventStatus.CLOSED,
        satisfaction=Satisfaction.DISSATISFIED,
        reported_at=at(2026, 10, 1, 9),
        closed_at=at(2026, 10, 2, 9),
    )
    consultation(
        session,
        enterprise_id=firm.id,
        matter_id=exit_.id,
        subject="注销需要哪些材料？电话13812345678",
        asked_at=at(2026, 11, 20, 9),
    )
    session.commit()
    return District(dept_a, dept_b, dept_c, hall, window, s1, s2, firm, person, cases)
