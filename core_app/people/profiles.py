"""Applicant profiles: the attributes of citizens and enterprises that carry no personal data.

The portraits and the recommender read applicants through this one reader; names, ID numbers, phones
and addresses never leave it.
"""

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.cases.history import subject_key
from core_app.people.models import Citizen, Enterprise

PROFILE_COLUMNS = (
    "subject",
    "subject_type",
    "subject_id",
    "region_id",
    "birth_year",
    "gender",
    "special_group",
    "industry_code",
    "employee_count",
    "established_on",
    "credit_level",
)


def applicant_profiles(
    session: Session, *, citizen_ids: list[int] | None = None, enterprise_ids: list[int] | None = None
) -> pd.DataFrame:
    """One row per citizen and enterprise (or only those listed), keyed like the applicant histories."""
    citizens = select(
        Citizen.id, Citizen.region_id, Citizen.birth_year, Citizen.gender, Citizen.special_group
    )
    enterprises = select(
        Enterprise.id,
        Enterprise.region_id,
        Enterprise.industry_code,
        Enterprise.employee_count,
        Enterprise.established_on,
        Enterprise.credit_level,
    )
    if citizen_ids is not None or enterprise_ids is not None:
        citizens = citizens.where(Citizen.id.in_(citizen_ids or []))
        enterprises = enterprises.where(Enterprise.id.in_(enterprise_ids or []))
    people = pd.DataFrame(
        session.execute(citizens).all(),
        columns=["subject_id", "region_id", "birth_year", "gender", "special_group"],
    )
    firms = pd.DataFrame(
        session.execute(enterprises).all(),
        columns=[
            "subject_id",
            "region_id",
            "industry_code",
            "employee_count",
            "established_on",
            "credit_level",
        ],
    )
    people["subject_type"], firms["subject_type"] = "citizen", "enterprise"
    people["gender"] = people["gender"].map(lambda g: getattr(g, "value", g))
    frame = pd.concat([people, firms], ignore_index=True)
    for column in PROFILE_COLUMNS[3:]:
        if column not in frame:
            frame[column] = None
    frame["subject_id"] = frame["subject_id"].astype("int64")
    frame["region_id"] = frame["region_id"].astype("Int64")
    frame["birth_year"] = frame["birth_year"].astype("Int64")
    frame["employee_count"] = frame["employee_count"].astype("Int64")
    frame["established_on"] = pd.to_datetime(frame["established_on"]).to_numpy(dtype="datetime64[s]")
    frame["subject"] = subject_key(frame["subject_type"], frame["subject_id"])
    return frame[list(PROFILE_COLUMNS)]
