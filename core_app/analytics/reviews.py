"""好差评数据分析 (DOMAIN §4.4, S1 §3.2.2.4): reviews, appeals and rectifications by dept, staff, matter.

Three record sources besides the case mart, each counted by its own timestamp:

- reviews by ``reviewed_at``; only valid reviews count (an upheld appeal invalidates one), so every review
  measure says ``is_valid`` itself rather than the source filtering it away;
- appeals by ``submitted_at``, sliced by the department, staff and matter of the review appealed;
- rectifications by ``completed_at`` (整改数) and by ``deadline_at`` (按期整改率: those due in P), sliced by
  the department that must rectify and the staff and matter of the review.

办件数 (``case_count``) is the case mart's completed_count, the handler standing for the staff dimension.
The level distribution (1-5) is five measures, so a distribution per time bucket is the same query with a
day, week or month granularity. ``ranking`` orders departments or matters by good rate among those with
enough valid reviews to be compared (≥ 30 by default, DOMAIN proposal).
"""

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from core_app.access.models import ScopeKind
from core_app.access.principal import Principal
from core_app.access.scope import ScopeRule, in_department
from core_app.access.scopes import REVIEWS
from core_app.analytics.dimensions import REVIEW_LEVEL_LABELS, dimension
from core_app.analytics.engine import Analysis, Flow, Query, Ratio, Source, compute
from core_app.analytics.models import CaseFact
from core_app.analytics.periods import Period
from core_app.analytics.sources import CASE_FACTS, review_records
from core_app.cases.models import Case, Rectification, Review, ReviewAppeal, ReviewRound
from core_app.org.models import Department

RANKED_BY = ("department", "matter")
MIN_RANKED_REVIEWS = 30
GOOD_LEVEL = 3  # 基本满意 and above is a good review
BAD_LEVEL = 2  # 不满意 and below is a bad one

# ---------------------------------------------------------------- drill-down rows


def _appeal_rows(session: Session, ids: Select) -> list[dict[str, Any]]:
    statement = (
        select(
            ReviewAppeal.id,
            ReviewAppeal.review_id,
            Case.case_no,
            Department.name,
            Review.level,
            ReviewAppeal.submitted_at,
            ReviewAppeal.decision,
            ReviewAppeal.decided_at,
        )
        .join(Review, Review.id == ReviewAppeal.review_id)
        .join(Case, Case.id == Review.case_id)
        .join(Department, Department.id == Review.department_id)
        .where(ReviewAppeal.id.in_(ids))
        .order_by(ReviewAppeal.submitted_at.desc(), ReviewAppeal.id.desc())
    )
    keys = ("appeal_id", "review_id", "case_no", "department", "level", "submitted_at", "decision")
    return [dict(zip((*keys, "decided_at"), row, strict=True)) for row in session.execute(statement)]


def _rectification_rows(session: Session, ids: Select) -> list[dict[str, Any]]:
    statement = (
        select(
            Rectification.id,
            Rectification.review_id,
            Case.case_no,
            Department.name,
            Rectification.deadline_at,
            Rectification.completed_at,
            Rectification.callback_result,
        )
        .join(Review, Review.id == Rectification.review_id)
        .join(Case, Case.id == Review.case_id)
        .join(Department, Department.id == Rectification.department_id)
        .where(Rectification.id.in_(ids))
        .order_by(Rectification.deadline_at.desc(), Rectification.id.desc())
    )
    keys = ("rectification_id", "review_id", "case_no", "department", "deadline_at", "completed_at")
    rows = [dict(zip((*keys, "callback_result"), row, strict=True)) for row in session.execute(statement)]
    for row in rows:
        done = row["completed_at"]
        row["on_time"] = done is not None and done <= row["deadline_at"]
    return rows


# ---------------------------------------------------------------- sources

REVIEW_DIMENSIONS = {"department": Review.department_id, "staff": Review.staff_id, "matter": Review.matter_id}

REVIEW_SOURCE = Source(
    name="reviews",
    table=Review.__table__,
    dimensions=REVIEW_DIMENSIONS,
    scope=REVIEWS,
    record_id=Review.id,
    records=review_records,
)

# The reviews' own scope rule applies to the joined review row: an appeal is seen by whoever sees its review.
APPEAL_SOURCE = Source(
    name="review_appeals",
    table=ReviewAppeal.__table__.join(Review.__table__, Review.id == ReviewAppeal.review_id),
    dimensions=REVIEW_DIMENSIONS,
    scope=REVIEWS,
    record_id=ReviewAppeal.id,
    records=_appeal_rows,
)

# A rectification belongs to the department that must carry it out (it is appraised on the deadline),
# which is normally the reviewed one; its department grant follows that column, the others the review's.
RECTIFICATION_SCOPE = ScopeRule(
    REVIEWS.clauses | {ScopeKind.DEPARTMENT: in_department(Rectification.department_id)}
)

RECTIFICATION_SOURCE = Source(
    name="rectifications",
    table=Rectification.__table__.join(Review.__table__, Review.id == Rectification.review_id),
    dimensions=REVIEW_DIMENSIONS | {"department": Rectification.department_id},
    scope=RECTIFICATION_SCOPE,
    record_id=Rectification.id,
    records=_rectification_rows,
)

# ---------------------------------------------------------------- measures

VALID = Review.is_valid.is_(True)


def _reviews(name: str, label: str, when=None, **extra: Any) -> Flow:
    """Valid reviews reviewed in P (and meeting ``when``)."""
    condition = VALID if when is None else and_(VALID, when)
    return Flow(name, label, REVIEW_SOURCE, on=Review.reviewed_at, when=condition, **extra)


LEVEL_COUNTS = tuple(
    _reviews(f"level_{level}_count", f"{REVIEW_LEVEL_LABELS[level]}（{level}）评价数", Review.level == level)
    for level in range(1, 6)
)

ANALYSIS = Analysis(
    name="reviews",
    title="好差评数据分析",
    section="3.2.2.4",
    measures=(
        Flow(
            "case_count",
            "办件数",
            CASE_FACTS,
            on=CaseFact.completed_at,
            help="办结时间在期内的办件（completed_count）",
        ),
        _reviews("valid_review_count", "有效评价数", help="评价时间在期内的有效评价"),
        _reviews("active_review_count", "主动评价数", Review.is_active.is_(True)),
        _reviews("good_review_count", "好评数", Review.level >= GOOD_LEVEL, help="有效评价中基本满意及以上"),
        _reviews("bad_review_count", "差评数", Review.level <= BAD_LEVEL, appraisal=True),
        _reviews("first_round_count", "首次评价数", Review.round == ReviewRound.FIRST),
        _reviews("second_round_count", "整改后再评价数", Review.round == ReviewRound.SECOND),
        *LEVEL_COUNTS,
        Flow("appeal_count", "申诉数", APPEAL_SOURCE, on=ReviewAppeal.submitted_at, help="期内提交的申诉"),
        Flow("rectified_count", "整改数", RECTIFICATION_SOURCE, on=Rectification.completed_at),
        Flow(
            "rectification_due_count",
            "应整改数",
            RECTIFICATION_SOURCE,
            on=Rectification.deadline_at,
            help="整改期限在期内的整改",
        ),
        Flow(
            "rectified_on_time_count",
            "按期整改数",
            RECTIFICATION_SOURCE,
            on=Rectification.deadline_at,
            when=Rectification.completed_at <= Rectification.deadline_at,
        ),
        Ratio(
            "on_time_rectification_rate",
            "按期整改率",
            "rectified_on_time_count",
            "rectification_due_count",
            appraisal=True,
        ),
        Ratio("review_rate", "评价率", "valid_review_count", "case_count"),
        Ratio("good_rate", "好评率", "good_review_count", "valid_review_count", appraisal=True),
    ),
    dimensions=("department", "staff", "matter"),
    drill=("department", "staff"),
)

# ---------------------------------------------------------------- rankings

RANKING_COLUMNS = ("valid_review_count", "good_review_count", "bad_review_count", "good_rate")


def ranking(
    session: Session,
    period: Period,
    *,
    by: str = "department",
    min_reviews: int = MIN_RANKED_REVIEWS,
    principal: Principal | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Departments or matters by good rate in ``period``, best first; only those with at least
    ``min_reviews`` valid reviews are ranked (fewer make the rate meaningless). Equal rates share a
    rank (1, 1, 3), and are listed by their number of valid reviews, then by key."""
    if by not in RANKED_BY:
        raise ValueError(f"reviews are ranked by {' or '.join(RANKED_BY)}, not {by!r}")
    if min_reviews < 1:
        raise ValueError("min_reviews must be at least 1")
    frame = compute(session, Query(ANALYSIS, [period], by=(by,)), principal, now).frame
    columns = [by, *RANKING_COLUMNS, "good_rate_pop", "good_rate_yoy"]
    ranked = frame.loc[frame[by].notna() & (frame["valid_review_count"] >= min_reviews), columns].copy()
    ranked[by] = ranked[by].astype("int64")
    ranked = ranked.sort_values(
        ["good_rate", "valid_review_count", by], ascending=[False, False, True], ignore_index=True
    )
    ranked.insert(0, "rank", ranked["good_rate"].rank(method="min", ascending=False).astype("int64"))
    names = dimension(by).names(session, ranked[by].tolist())
    ranked.insert(2, f"{by}_name", ranked[by].map(names))
    return ranked
