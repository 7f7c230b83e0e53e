"""The readers of applicant histories and profiles shared by associations, portraits and the recommender."""

from datetime import date

from core_app.cases.history import applicant_histories
from core_app.cases.models import CaseResult, CaseStatus, Channel
from core_app.people.profiles import applicant_profiles
from tests.api import builders as b


def test_histories_are_per_applicant_in_time_order_without_returned_or_voided_applications(session) -> None:
    ann = b.citizen(session, birth_year=1980)
    firm = b.enterprise(session, industry_code="H6210", employee_count=12)
    licence, tax, other = b.matter(session), b.matter(session), b.matter(session)
    late = b.case(session, citizen_id=ann.id, matter_id=tax.id, submitted_at=b.local(2026, 3, 2, 10))
    early = b.case(
        session,
        citizen_id=ann.id,
        matter_id=licence.id,
        submitted_at=b.local(2026, 3, 1, 23, 30),  # 15:30 UTC: the local stamp is what comes back
        status=CaseStatus.COMPLETED,
        completed_at=b.local(2026, 3, 1, 23, 50),
        result=CaseResult.GRANTED,
    )
    b.case(session, citizen_id=ann.id, matter_id=other.id, status=CaseStatus.RETURNED)
    b.case(session, citizen_id=ann.id, matter_id=other.id, status=CaseStatus.VOIDED)
    mine = b.case(
        session,
        enterprise_id=firm.id,
        matter_id=licence.id,
        channel=Channel.MOBILE_APP,
        submitted_at=b.local(2026, 1, 5),
    )

    history = applicant_histories(session)

    assert history["case_id"].tolist() == [early.id, late.id, mine.id]
    assert history["subject"].tolist() == [f"citizen:{ann.id}"] * 2 + [f"enterprise:{firm.id}"]
    first = history.iloc[0]
    assert str(first["submitted_at"]) == "2026-03-01 23:30:00"
    assert str(first["completed_at"]) == "2026-03-01 23:50:00"
    assert bool(first["granted"]) and not bool(history.iloc[1]["granted"])
    assert history.iloc[1]["completed_at"] != history.iloc[1]["completed_at"]  # NaT: still open
    assert history.iloc[2]["channel"] == "mobile_app"


def test_histories_stop_before_until_and_read_only_the_applicants_asked_for(session) -> None:
    ann, bob = b.citizen(session), b.citizen(session)
    b.case(session, citizen_id=ann.id, submitted_at=b.local(2026, 3, 1))
    b.case(session, citizen_id=ann.id, submitted_at=b.local(2026, 4, 1))
    b.case(session, citizen_id=bob.id, submitted_at=b.local(2026, 3, 1))

    assert len(applicant_histories(session, until=b.local(2026, 4, 1))) == 2
    only_ann = applicant_histories(session, citizen_ids=[ann.id], enterprise_ids=[])
    assert set(only_ann["subject_id"]) == {ann.id} and len(only_ann) == 2
    assert applicant_histories(session, citizen_ids=[], enterprise_ids=[]).empty


def test_profiles_carry_attributes_but_no_personal_data(session) -> None:
    ann = b.citizen(session, birth_year=1956, special_group="老年人")
    firm = b.enterprise(session, industry_code="H6210", employee_count=12, established_on=date(2020, 5, 1))

    profiles = applicant_profiles(session).set_index("subject")

    assert profiles.loc[f"citizen:{ann.id}", "birth_year"] == 1956
    assert profiles.loc[f"citizen:{ann.id}", "special_group"] == "老年人"
    assert profiles.loc[f"enterprise:{firm.id}", "employee_count"] == 12
    assert str(profiles.loc[f"enterprise:{firm.id}", "established_on"])[:10] == "2020-05-01"
    assert not {"name", "phone", "id_card_no", "address", "uscc"} & set(profiles.columns)
