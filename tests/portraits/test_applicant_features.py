"""Enterprise and citizen portraits from hand-built aggregated records: features, tags, engagement."""

from datetime import datetime

import pandas as pd
import pytest

from features.portraits import ApplicantRecords, citizen_portraits, enterprise_portraits
from features.portraits.labels import FEATURES
from features.portraits.rules import TAGS

NOW = datetime(2026, 11, 24, 6)  # local time, a Tuesday


def stamps(*values: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object))


def by_id(frame: pd.DataFrame) -> dict[int, dict]:
    return {
        row.subject_id: {"features": row.features, "tags": row.tags, "score": row.score}
        for row in frame.itertuples()
    }


@pytest.fixture
def firms() -> dict[int, dict]:
    """Three enterprises: a new software firm, an old one deregistering, one with no records at all."""
    profiles = pd.DataFrame(
        {
            "subject_id": [1, 2, 3],
            "region_id": [5, 6, None],
            "birth_year": [None, None, None],
            "special_group": [None, None, None],
            "industry_code": ["I6510", "C3990", None],
            "employee_count": [9, 300, None],
            "established_on": stamps("2026-05-24", "2010-01-01", None),
            "credit_level": ["A", "B", None],
        }
    )
    records = ApplicantRecords.of(
        profiles=profiles,
        matter_cases=pd.DataFrame(
            # subject, matter, applications, completed, open
            [(1, 10, 2, 1, 1), (1, 11, 1, 1, 0), (2, 12, 1, 0, 1)],
            columns=["subject_id", "matter_id", "cases", "completed", "open_cases"],
        ),
        case_activity=pd.DataFrame(
            {
                "subject_id": [1, 2],
                "cases_90d": [3, 0],
                "cases_365d": [3, 0],
                "last_case_at": stamps("2026-11-14 10:00", "2025-10-01 09:00"),
            }
        ),
        channels=pd.DataFrame(
            [(1, "mobile_app", 2), (1, "window", 1), (2, "window", 1)],
            columns=["subject_id", "channel", "cases"],
        ),
        reviews=pd.DataFrame([(1, 2, 1, 1)], columns=["subject_id", "reviews", "good", "bad"]),
        consultations=pd.DataFrame(
            {"subject_id": [1], "consultations": [1], "last_consulted_at": stamps("2026-11-20 09:00")}
        ),
        events=pd.DataFrame(
            {
                "subject_id": [1],
                "events": [1],
                "closed": [1],
                "satisfied": [1],
                "basically": [0],
                "dissatisfied": [0],
                "last_event_at": stamps("2026-11-18 15:00"),
            }
        ),
        matters=pd.DataFrame(
            {"matter_id": [10, 11, 12], "name": ["企业设立登记", "食品经营许可（注销）", "企业注销登记"]}
        ),
    )
    return by_id(enterprise_portraits(records, NOW))


def test_a_new_enterprise_has_its_industry_size_stage_activity_and_channels(firms):
    firm = firms[1]["features"]
    # 2026-05-24 -> 2026-11-24 06:00 is 184.25 days = 0.50 years: new (< 1 year); 9 employees: micro (< 10).
    assert (
        firm["industry_section"] == "I" and firm["industry_section_name"] == "信息传输、软件和信息技术服务业"
    )
    assert (firm["size_class"], firm["age_years"], firm["life_stage"]) == ("micro", 0.5, "new")
    # Matter 11 is the cancellation of one licence (食品经营许可（注销）): not a deregistration of the firm.
    assert firm["exit_cases"] == 0
    assert (firm["cases"], firm["matters_done"], firm["distinct_matters"], firm["pending_cases"]) == (
        3,
        2,
        2,
        1,
    )
    assert firm["top_matters"] == [
        {"matter_id": 10, "name": "企业设立登记", "cases": 2},
        {"matter_id": 11, "name": "食品经营许可（注销）", "cases": 1},
    ]
    # 2 of 3 cases on the mobile app.
    assert firm["channel_shares"] == {
        "window": 0.3333,
        "pc_web": 0.0,
        "mobile_app": 0.6667,
        "self_service": 0.0,
    }
    assert (firm["preferred_channel"], firm["online_share"]) == ("mobile_app", 0.6667)
    assert (firm["reviews"], firm["good_rate"], firm["bad_reviews"]) == (2, 0.5, 1)
    assert (firm["events_reported"], firm["events_closed"], firm["events_satisfaction_rate"]) == (1, 1, 1.0)
    # The last contact is the consultation of 2026-11-20 09:00: 3 days 21 hours before now -> 3 days.
    assert (firm["last_contact_on"], firm["days_since_last_contact"]) == ("2026-11-20", 3)
    assert list(firm) == list(FEATURES["enterprise"])


def test_enterprise_tags_follow_their_rules(firms):
    # 1: mobile share 2/3 >= 0.5 over 3 >= 2 cases; an open case; a bad review; established under a year.
    assert firms[1]["tags"] == ["prefers_mobile", "has_pending", "dissatisfied", "new_business"]
    # 2: one window case is too few for a preference; last contact 419 days ago > 365; 企业注销登记 open.
    assert firms[2]["features"]["life_stage"] == "exiting" and firms[2]["features"]["size_class"] == "large"
    assert firms[2]["tags"] == ["dormant", "has_pending", "exiting"]
    # 3: never in contact is dormant too.
    assert firms[3]["tags"] == ["dormant"]
    assert set(firms[1]["tags"] + firms[2]["tags"]) <= set(TAGS["enterprise"])


def test_the_engagement_score_is_the_documented_weighted_sum(firms):
    # 1: recency 1 - 3/365 = 0.99178, frequency 3/12 = 0.25 (an enterprise is frequent at 12 a year),
    #    breadth 2/5 = 0.4, digital 0.66667:
    #    100 x (0.4 x 0.99178 + 0.3 x 0.25 + 0.2 x 0.4 + 0.1 x 0.66667) = 100 x 0.61838 = 61.8
    assert firms[1]["score"] == 61.8
    # 2: recency 1 - 419/365 < 0 -> 0; no case in the last year; breadth 1/5; no online case: 100 x 0.04.
    assert firms[2]["score"] == 4.0
    assert firms[3]["score"] == 0.0


@pytest.mark.parametrize(
    ("employees", "size"),
    [
        (1, "micro"),
        (9, "micro"),
        (10, "small"),
        (99, "small"),
        (100, "medium"),
        (299, "medium"),
        (300, "large"),
    ],
)
def test_size_class_bounds_are_exclusive_upper_bounds(employees, size):
    profiles = pd.DataFrame(
        {"subject_id": [1], "employee_count": [employees], "established_on": stamps(None)}
    )
    portrait = enterprise_portraits(
        ApplicantRecords.of(profiles=profiles.reindex(columns=list(PROFILE_COLUMNS))), NOW
    )
    assert portrait.loc[0, "features"]["size_class"] == size


PROFILE_COLUMNS = (
    "subject_id",
    "region_id",
    "birth_year",
    "special_group",
    "industry_code",
    "employee_count",
    "established_on",
    "credit_level",
)


@pytest.fixture
def people() -> dict[int, dict]:
    profiles = pd.DataFrame(
        {
            "subject_id": [1, 2, 3],
            "region_id": [5, 5, 5],
            "birth_year": [1960, 2000, 1990],
            "special_group": [None, "残疾人", "老年人"],
            "industry_code": None,
            "employee_count": None,
            "established_on": stamps(None, None, None),
            "credit_level": None,
        }
    )
    records = ApplicantRecords.of(
        profiles=profiles,
        matter_cases=pd.DataFrame(
            [(1, 20, 6, 6, 0)], columns=["subject_id", "matter_id", "cases", "completed", "open_cases"]
        ),
        case_activity=pd.DataFrame(
            {
                "subject_id": [1],
                "cases_90d": [2],
                "cases_365d": [6],
                "last_case_at": stamps("2026-10-25 09:00"),
            }
        ),
        channels=pd.DataFrame([(1, "window", 6)], columns=["subject_id", "channel", "cases"]),
        tickets=pd.DataFrame(
            {
                "subject_id": [1],
                "tickets": [6],
                "served": [4],
                "missed": [1],
                "last_ticket_at": stamps("2026-11-01 10:00"),
            }
        ),
        # 2 cases had a ticket, with 5 tickets between them; one needed 2 or more.
        visits=pd.DataFrame(
            [(1, 2, 5, 1)], columns=["subject_id", "ticketed_cases", "linked_tickets", "repeat_cases"]
        ),
        events=pd.DataFrame(
            {
                "subject_id": [1],
                "events": [2],
                "closed": [1],
                "satisfied": [0],
                "basically": [0],
                "dissatisfied": [1],
                "last_event_at": stamps("2026-09-01 20:00"),
            }
        ),
        matters=pd.DataFrame({"matter_id": [20], "name": ["居民身份证换领"]}),
    )
    return by_id(citizen_portraits(records, NOW))


def test_citizen_features_include_age_band_visits_and_event_satisfaction(people):
    person = people[1]["features"]
    assert (person["age_band"], person["special_group"]) == ("60_plus", None)  # 2026 - 1960 = 66
    assert (person["tickets"], person["missed_tickets"]) == (6, 1)
    assert (person["tickets_per_case"], person["repeat_cases"]) == (2.5, 1)  # 5 tickets / 2 cases
    assert (person["events_reported"], person["events_dissatisfied"], person["events_satisfaction_rate"]) == (
        2,
        1,
        0.0,
    )
    # Last contact: the ticket of 2026-11-01 10:00, 22 days 20 hours before now.
    assert person["days_since_last_contact"] == 22
    assert list(person) == list(FEATURES["citizen"])
    assert not {"name", "phone", "id_card_no", "address", "birth_year"} & set(person)
    assert people[2]["features"]["age_band"] == "18_29"  # 26


def test_citizen_tags_follow_their_rules(people):
    # 6 window cases of 6; 6 cases in the year >= 5; a dissatisfied event callback; 66 >= 60; a repeat case.
    assert people[1]["tags"] == ["prefers_window", "frequent", "dissatisfied", "elderly", "repeat_visitor"]
    assert people[2]["tags"] == ["dormant", "special_group"]
    # The special group 老年人 makes a citizen elderly whatever the birth year says.
    assert people[3]["tags"] == ["dormant", "elderly", "special_group"]


def test_citizen_score(people):
    # recency 1 - 22/365 = 0.93973, frequency min(1, 6/5) = 1, breadth 1/5, digital 0:
    # 100 x (0.37589 + 0.3 + 0.04 + 0) = 71.6
    assert people[1]["score"] == 71.6
