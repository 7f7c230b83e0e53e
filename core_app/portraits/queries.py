"""Reading stored portraits: filters, order, paging, tag counts, within the caller's data scope."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from core_app.access.principal import Principal
from core_app.access.scope import department_subtree
from core_app.org.models import Hall, Staff, Window
from core_app.people.models import Enterprise
from core_app.portraits.models import Portrait, PortraitTag, SubjectType
from core_app.portraits.scopes import visible_subjects
from features.portraits.rules import TAGS

ORDERS = ("score", "-score")


class PortraitInputError(ValueError):
    """A request the portraits cannot answer: which parameter, and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class PortraitQuery:
    kind: SubjectType
    tags: tuple[str, ...] = ()
    min_score: float | None = None
    max_score: float | None = None
    department_id: int | None = None  # staff only: the department and its sub-units
    hall_id: int | None = None  # windows only
    order: str = "-score"


def parse_kind(raw: str, field: str = "subject_type") -> SubjectType:
    try:
        return SubjectType(raw)
    except ValueError:
        allowed = ", ".join(k.value for k in SubjectType)
        raise PortraitInputError(field, f"{raw!r} is not one of: {allowed}") from None


def parse_query(
    kind: str,
    *,
    tags: Sequence[str] = (),
    min_score: float | None = None,
    max_score: float | None = None,
    department: int | None = None,
    hall: int | None = None,
    order: str = "-score",
) -> PortraitQuery:
    """Validate a portrait query; PortraitInputError names the parameter at fault."""
    subject_type = parse_kind(kind)
    known = TAGS[subject_type.value]
    for tag in tags:
        if tag not in known:
            raise PortraitInputError(
                "tag", f"{tag!r} is not a {subject_type.value} tag; known: {', '.join(known)}"
            )
    for name, value in (("min_score", min_score), ("max_score", max_score)):
        if value is not None and not (math.isfinite(value) and 0 <= value <= 100):
            raise PortraitInputError(name, "must be a number from 0 to 100")
    if min_score is not None and max_score is not None and min_score > max_score:
        raise PortraitInputError("max_score", "must not be below min_score")
    if department is not None and subject_type != SubjectType.STAFF:
        raise PortraitInputError("department", "filters staff portraits only")
    if hall is not None and subject_type != SubjectType.WINDOW:
        raise PortraitInputError("hall", "filters window portraits only")
    if order not in ORDERS:
        raise PortraitInputError("order", f"must be one of: {', '.join(ORDERS)}")
    return PortraitQuery(
        subject_type, tuple(dict.fromkeys(tags)), min_score, max_score, department, hall, order
    )


def conditions(query: PortraitQuery, principal: Principal | None) -> list[ColumnElement[bool]]:
    """WHERE terms on Portrait: kind, scope, each tag (all must hold), score range, department, hall."""
    found = [Portrait.subject_type == query.kind, visible_subjects(query.kind, principal)]
    for tag in query.tags:
        tagged = select(PortraitTag.subject_id).where(
            PortraitTag.subject_type == query.kind, PortraitTag.tag == tag
        )
        found.append(Portrait.subject_id.in_(tagged))
    if query.min_score is not None:
        found.append(Portrait.score >= query.min_score)
    if query.max_score is not None:
        found.append(Portrait.score <= query.max_score)
    if query.department_id is not None:
        members = select(Staff.id).where(Staff.department_id.in_(department_subtree(query.department_id)))
        found.append(Portrait.subject_id.in_(members))
    if query.hall_id is not None:
        found.append(Portrait.subject_id.in_(select(Window.id).where(Window.hall_id == query.hall_id)))
    return found


def count_portraits(session: Session, query: PortraitQuery, principal: Principal | None) -> int:
    return (
        session.scalar(select(func.count()).select_from(Portrait).where(*conditions(query, principal))) or 0
    )


def list_portraits(
    session: Session,
    query: PortraitQuery,
    principal: Principal | None,
    *,
    offset: int = 0,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The portraits matching the query in its order (score, then subject id), as response rows."""
    score = Portrait.score.asc() if query.order == "score" else Portrait.score.desc()
    statement = (
        select(Portrait)
        .where(*conditions(query, principal))
        .order_by(score.nulls_last(), Portrait.subject_id)
        .offset(offset)
        .limit(limit)
    )
    portraits = session.scalars(statement).all()
    return with_labels(session, query.kind, [_row(p) for p in portraits])


def get_portrait(
    session: Session, kind: SubjectType, subject_id: int, principal: Principal | None
) -> dict[str, Any] | None:
    """One subject's portrait, or None if there is none the caller may see."""
    statement = select(Portrait).where(
        Portrait.subject_type == kind, Portrait.subject_id == subject_id, visible_subjects(kind, principal)
    )
    portrait = session.scalars(statement).one_or_none()
    return None if portrait is None else with_labels(session, kind, [_row(portrait)])[0]


def tag_counts(
    session: Session, kind: SubjectType, principal: Principal | None
) -> tuple[int, list[tuple[str, int]]]:
    """How many visible portraits of KIND carry each known tag (zeros included), and how many there are."""
    scope = visible_subjects(kind, principal)
    visible = select(Portrait.subject_id).where(Portrait.subject_type == kind, scope)
    counted = dict(
        session.execute(
            select(PortraitTag.tag, func.count())
            .where(PortraitTag.subject_type == kind, PortraitTag.subject_id.in_(visible))
            .group_by(PortraitTag.tag)
        ).all()
    )
    total = session.scalar(
        select(func.count()).select_from(Portrait).where(Portrait.subject_type == kind, scope)
    )
    return total or 0, [(tag, int(counted.get(tag, 0))) for tag in TAGS[kind.value]]


def _row(portrait: Portrait) -> dict[str, Any]:
    return {
        "subject_type": portrait.subject_type.value,
        "subject_id": portrait.subject_id,
        "label": None,
        "uscc": None,
        "score": portrait.score,
        "tags": list(portrait.tags),
        "features": dict(portrait.features),
        "as_of": portrait.as_of,
        "computed_at": portrait.computed_at,
    }


def with_labels(session: Session, kind: SubjectType, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add what names a subject publicly: an enterprise's name and USCC, a staff number, a window's hall and
    number. Citizens get none."""
    ids = [row["subject_id"] for row in rows]
    if not ids or kind == SubjectType.CITIZEN:
        return rows
    if kind == SubjectType.ENTERPRISE:
        found = session.execute(
            select(Enterprise.id, Enterprise.name, Enterprise.uscc).where(Enterprise.id.in_(ids))
        ).all()
        names = {i: (name, uscc) for i, name, uscc in found}
        for row in rows:
            row["label"], row["uscc"] = names.get(row["subject_id"], (None, None))
        return rows
    if kind == SubjectType.STAFF:
        labels = dict(session.execute(select(Staff.id, Staff.staff_no).where(Staff.id.in_(ids))).all())
    else:
        found = session.execute(
            select(Window.id, Hall.name, Window.window_no)
            .join(Hall, Hall.id == Window.hall_id)
            .where(Window.id.in_(ids))
        ).all()
        labels = {i: f"{hall} {number}号窗口" for i, hall, number in found}
    for row in rows:
        row["label"] = labels.get(row["subject_id"])
    return rows
