"""Applicant histories: every case of each citizen and enterprise, read once for associations and models.

One reader, so that the association graph, the recommender's training and its serving see the same rows.
Timestamps come back as local (Asia/Shanghai) naive ``datetime64``, the form pandas arithmetic wants.
"""

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, String, and_, func, select, true, type_coerce
from sqlalchemy.orm import Session

from core_app.cases.models import Case, CaseResult, CaseStatus
from core_app.config import LOCAL_TZ
from core_app.db.sqltime import epoch_seconds

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
        return _sorted(_frame([]))
    parts = []
    for start in range(bounds[0], bounds[1] + 1, BLOCK):
        block = Case.id.between(start, start + BLOCK - 1)
        parts.append(_frame(session.execute(_statement(and_(among, block))).all()))
    return _sorted(pd.concat(parts, ignore_index=True))


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
    # Plain strings and epoch seconds: the enum and time-zone result processors cost a Python call per
    # value; the frame converts whole columns at once instead.
    return select(
        type_coerce(Case.applicant_type, String),
        func.coalesce(Case.citizen_id, Case.enterprise_id),
        Case.id,
        Case.matter_id,
        type_coerce(Case.channel, String),
        epoch_seconds(Case.submitted_at),
        epoch_seconds(Case.completed_at),
        type_coerce(Case.result, String),
    ).where(among)


def _frame(rows: list) -> pd.DataFrame:
    columns = list(zip(*rows, strict=True)) if rows else [()] * 8
    kind, subject, case, matter, channel, submitted, completed, result = columns
    frame = pd.DataFrame(
        {
            "subject_type": pd.array(kind, dtype=str),
            "subject_id": np.array(subject, dtype=np.int64),
            "case_id": np.array(case, dtype=np.int64),
            "matter_id": np.array(matter, dtype=np.int64),
            "channel": pd.array(channel, dtype=str),
            "submitted_at": _local_naive(np.array(submitted, dtype=float)),
            "completed_at": _local_naive(np.array(completed, dtype=float)),
            "granted": np.array(result, dtype=object) == CaseResult.GRANTED.value,
        }
    )
    frame.insert(0, "subject", subject_key(frame["subject_type"], frame["subject_id"]))
    return frame


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    ordered = frame.sort_values(["subject", "submitted_at", "case_id"], kind="stable")
    return ordered.reset_index(drop=True)[list(HISTORY_COLUMNS)]


def _local_naive(epoch: np.ndarray) -> np.ndarray:
    """Epoch seconds (NaN for none) as local naive datetime64[s] (NaT for none)."""
    stamps = pd.to_datetime(epoch, unit="s", utc=True).tz_convert(LOCAL_TZ).tz_localize(None)
    return stamps.to_numpy(dtype="datetime64[s]")
