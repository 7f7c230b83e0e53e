"""Applicant histories: every case of each citizen and enterprise, read once for associations and models.

One reader, so that the association graph, the recommender's training and its serving see the same rows.
Timestamps come back as local (Asia/Shanghai) naive ``datetime64``, the form pandas arithmetic wants.
"""

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from core_app.cases.models import ApplicantType, Case, CaseResult, CaseStatus
from core_app.config import LOCAL_TZ

HISTORY_COLUMNS = (
    "subject",
    "subject_type",
    "subject_id",
    "case_id",
    "matter_id",
    "channel",
    "submitted_at",
    "completed_at",
    "granted",
)
BLOCK = 200_000  # case ids per statement: keeps memory flat on the large district
NOT_STARTED = (CaseStatus.RETURNED, CaseStatus.VOIDED)  # an application sent back never became a case


def subject_key(subject_type: str | pd.Series, subject_id: int | pd.Series) -> str | pd.Series:
    """The key of an applicant across both kinds: ``citizen:12``, ``enterprise:3``."""
    if isinstance(subject_type, pd.Series):
        return subject_type.astype(str) + ":" + pd.Series(subject_id, index=subject_type.index).astype(str)
    return f"{subject_type}:{subject_id}"


def applicant_histories(
    session: Session,
    *,
    until: datetime | None = None,
    citizen_ids: list[int] | None = None,
    enterprise_ids: list[int] | None = None,
) -> pd.DataFrame:
    """Cases submitted before UNTIL (all if None), one row each, sorted by subject then time.

    With ``citizen_ids`` or ``enterprise_ids`` only those applicants are read (either list may be empty).
    Returned and voided applications are left out: the applicant did not get to do that matter.
    """
    among = _selection(until, citizen_ids, enterprise_ids)
    bounds = session.execute(select(func.min(Case.id), func.max(Case.id)).where(among)).one()
    if bounds[0] is None:
        return _frame([])
    rows = []
    for start in range(bounds[0], bounds[1] + 1, BLOCK):
        block = Case.id.between(start, start + BLOCK - 1)
        rows.extend(session.execute(_statement(and_(among, block))).all())
    return _frame(rows)


def _selection(
    until: datetime | None, citizen_ids: list[int] | None, enterprise_ids: list[int] | None
) -> ColumnElement[bool]:
    conditions = [Case.status.not_in(NOT_STARTED)]
    if until is not None:
        conditions.append(Case.submitted_at < until)
    if citizen_ids is not None or enterprise_ids is not None:
        conditions.append(
            Case.citizen_id.in_(citizen_ids or []) | Case.enterprise_id.in_(enterprise_ids or [])
        )
    return and_(true(), *conditions)


def _statement(among: ColumnElement[bool]):
    return select(
        Case.applicant_type,
        func.coalesce(Case.citizen_id, Case.enterprise_id),
        Case.id,
        Case.matter_id,
        Case.channel,
        Case.submitted_at,
        Case.completed_at,
        Case.result,
    ).where(among)


def _frame(rows: list) -> pd.DataFrame:
    raw = pd.DataFrame(
        rows,
        columns=[
            "subject_type",
            "subject_id",
            "case_id",
            "matter_id",
            "channel",
            "submitted",
            "completed",
            "result",
        ],
    )
    frame = pd.DataFrame(
        {
            "subject_type": raw["subject_type"].map(lambda v: ApplicantType(v).value).astype(str),
            "subject_id": raw["subject_id"].astype("int64"),
            "case_id": raw["case_id"].astype("int64"),
            "matter_id": raw["matter_id"].astype("int64"),
            "channel": raw["channel"].map(lambda v: str(getattr(v, "value", v))).astype(str),
            "submitted_at": _local_naive(raw["submitted"]),
            "completed_at": _local_naive(raw["completed"]),
            "granted": raw["result"].map(lambda v: v == CaseResult.GRANTED).astype(bool),
        }
    )
    frame.insert(0, "subject", subject_key(frame["subject_type"], frame["subject_id"]))
    return frame.sort_values(["subject", "submitted_at", "case_id"], kind="stable").reset_index(drop=True)[
        list(HISTORY_COLUMNS)
    ]


def _local_naive(values: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(values, utc=True).dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    return stamps.to_numpy(dtype="datetime64[s]")
