"""A small district with two planted 一件事 journeys, shared by the service, API and CLI tests.

Applicants (N = 93): 6 citizens do X = 1 -> 2 -> 3 -> 4 (8 days apart, each after the previous result),
2 citizens do only 1 -> 2, 5 enterprises do Y = 11 -> 12 -> 13 (3 days apart), 10 citizens do one noise
matter each. In the background, as busy as the journeys but never two matters within 90 days: 30 citizens
do the 4 noise matters 100 days apart, 20 citizens and 20 enterprises two of them 150 days apart (the
activity baseline compares the journeys with them). An official bundle already holds Y's matters; another
official one overlaps X in 2 of 5.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from core_app.cases.models import ApplicantType, CaseResult, CaseStatus
from core_app.matters.models import BundleOrigin, BundleStatus, Matter, MatterBundle
from tests.api import builders as b

NOW = b.local(2026, 11, 24, 6)


@dataclass
class District:
    x: list[Matter]  # X's matters in journey order; called 1, 2, 3, 4 in the comments
    y: list[Matter]  # 11, 12, 13
    noise: list[Matter]
    official_y: MatterBundle
    official_other: MatterBundle


def _case(
    session: Session, matter: Matter, when, *, citizen_id=None, enterprise_id=None, done_days=2, **fields
):
    applicant = {"citizen_id": citizen_id} if citizen_id else {"enterprise_id": enterprise_id}
    if enterprise_id:
        applicant["applicant_type"] = ApplicantType.ENTERPRISE
    done = {"status": CaseStatus.COMPLETED, "completed_at": when + timedelta(days=done_days)}
    return b.case(
        session,
        matter_id=matter.id,
        submitted_at=when,
        **(done | {"result": CaseResult.GRANTED} | applicant | fields),
    )


def build_district(session: Session) -> District:
    lead, other = b.department(session, name="市场监管局"), b.department(session, name="人社局")
    x = [b.matter(session, name=f"开办第{i}步", department_id=lead.id) for i in range(1, 5)]
    y = [b.matter(session, name=f"参保第{i}步", department_id=other.id) for i in range(1, 4)]
    noise = [b.matter(session, name=f"零散事项{i}", department_id=other.id) for i in range(1, 5)]
    citizens = iter(range(1, 1000))

    def citizen():
        return b.citizen(session, id_card_no=b.valid_id_card(f"33020319900101{next(citizens):03d}")).id

    start = b.local(2026, 3, 2, 9)
    for i in range(6):
        person = citizen()
        for step, matter in enumerate(x):
            _case(session, matter, start + timedelta(days=7 * i + 8 * step), citizen_id=person)
    for i in range(2):
        person = citizen()
        for step, matter in enumerate(x[:2]):
            _case(session, matter, start + timedelta(days=5 * i + 8 * step), citizen_id=person)
    for i in range(5):
        firm = b.enterprise(session, uscc=b.valid_uscc(f"91330203MA2AAAB{i:02d}")).id
        for step, matter in enumerate(y):
            _case(session, matter, start + timedelta(days=6 * i + 3 * step), enterprise_id=firm, done_days=5)
    for i in range(10):
        _case(session, noise[i % 4], start + timedelta(days=i), citizen_id=citizen())
    early = b.local(2025, 12, 1, 9)
    for i in range(30):
        person = citizen()
        for step, matter in enumerate(noise):
            _case(session, matter, early + timedelta(days=i + 100 * step), citizen_id=person)
    for i in range(20):
        person = citizen()
        firm = b.enterprise(session, uscc=b.valid_uscc(f"91330203MA2AAAC{i:02d}")).id
        for step in range(2):
            when = early + timedelta(days=i + 150 * step)
            _case(session, noise[(i + step) % 4], when, citizen_id=person)
            _case(session, noise[(i + step + 1) % 4], when, enterprise_id=firm)
    # not counted: a returned application, and a case submitted after NOW
    _case(session, x[0], start, citizen_id=citizen(), status=CaseStatus.RETURNED, result=None)
    _case(session, noise[0], NOW + timedelta(days=1), citizen_id=citizen())
    official_y = b.bundle(
        session, matters=y, name="参保一件事", origin=BundleOrigin.OFFICIAL, status=BundleStatus.ACTIVE
    )
    official_other = b.bundle(
        session,
        matters=[x[0], x[1], noise[0]],
        name="另一件事",
        origin=BundleOrigin.OFFICIAL,
        status=BundleStatus.ACTIVE,
    )
    session.commit()
    return District(x, y, noise, official_y, official_other)
