"""办件效能分析 (DOMAIN §4.2, S1 §3.2.2.2): acceptance, completion against the deadline, overdue cases,
the actual advance on the legal limit, no-rest cases, and the high-frequency matters.

Everything is counted on the case mart (``case_facts``): the stamps say in which period a case counts,
and the working-time duration A (``elapsed_days``) was computed once per case on the hall's calendar.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core_app.access.principal import Principal
from core_app.analytics.engine import Analysis, Context, Flow, Level, Ratio, Sum, Unit
from core_app.analytics.models import LATE_OR_OPEN, CaseFact
from core_app.analytics.periods import Period
from core_app.analytics.sources import CASE_FACTS
from core_app.api.problems import InvalidParameterError
from core_app.db.base import utcnow
from core_app.matters.models import Matter

F = CaseFact
HIGH_FREQUENCY_TOP = 20
HIGH_FREQUENCY_COVERAGE = 0.8

_timed = F.elapsed_days.is_not(None)  # A is known (the case has its acceptance stamp)
_with_legal_limit = and_(F.legal_limit_days > 0, _timed)
_with_promised_limit = and_(F.promised_limit_days > 0, _timed)


def _open_and_overdue(at: datetime):
    """Accepted before ``at``, not completed, rejected or voided by then, and past its deadline."""
    return and_(F.accepted_at < at, F.due_at < at, or_(F.ended_at.is_(None), F.ended_at >= at))


def _completed(name: str, label: str, **fields: Any) -> Flow:
    return Flow(name, label, CASE_FACTS, on=F.completed_at, **fields)


MEASURES = (
    Flow("accepted_count", "受理数", CASE_FACTS, on=F.accepted_at, help="受理时间在本期内的办件"),
    _completed("completed_count", "办结数", help="办结时间在本期内的办件（准予或不予许可）"),
    _completed(
        "early_count",
        "提前办结数",
        when=and_(F.completed_at < F.due_day_start, F.is_immediate.is_(False)),
        help="本期办结、且在到期日零点之前办结；即办件不计提前",
    ),
    _completed(
        "on_time_count",
        "按时办结数",
        when=F.completed_at <= F.due_at,
        help="办结时间不晚于到期时间（含提前）",
    ),
    Ratio("early_rate", "提前办结率", "early_count", "completed_count"),
    Ratio("on_time_rate", "期内办结率", "on_time_count", "completed_count"),
    _completed(
        "overdue_completed", "超期办结数", when=F.completed_at > F.due_at, help="本期办结、办结时已超期"
    ),
    Level(
        "overdue_open",
        "超期未办结数",
        CASE_FACTS,
        holds=_open_and_overdue,
        among=lambda _earliest, latest: and_(LATE_OR_OPEN, F.due_at < latest),
        help="期末仍未办结且已过到期时间",
    ),
    Sum("overdue_count", "超期件", ("overdue_completed", "overdue_open"), appraisal=True),
    _completed(
        "legal_days_sum",
        "法定时限合计",
        when=_with_legal_limit,
        value=F.legal_limit_days,
        unit=Unit.DAYS,
        help="本期办结、有法定时限的办件的法定时限之和 ΣL",
    ),
    _completed(
        "legal_advance_days_sum",
        "较法定时限提前合计",
        when=_with_legal_limit,
        value=F.legal_limit_days - F.elapsed_days,
        unit=Unit.DAYS,
        help="Σ(L − A)：法定时限减实际用时（工作日），超时为负",
    ),
    Ratio(
        "actual_advance_rate",
        "实际提前率",
        "legal_advance_days_sum",
        "legal_days_sum",
        appraisal=True,
        help="(ΣL − ΣA)/ΣL，本期办结且法定时限大于零的办件",
    ),
    _completed(
        "promised_days_sum",
        "承诺时限合计",
        when=_with_promised_limit,
        value=F.promised_limit_days,
        unit=Unit.DAYS,
        help="本期办结、承诺时限大于零的办件的承诺时限之和 ΣP",
    ),
    _completed(
        "promised_advance_days_sum",
        "较承诺时限提前合计",
        when=_with_promised_limit,
        value=F.promised_limit_days - F.elapsed_days,
        unit=Unit.DAYS,
        help="Σ(P − A)",
    ),
    Ratio(
        "actual_promise_advance_rate",
        "实际提前率（按承诺时限）",
        "promised_advance_days_sum",
        "promised_days_sum",
        help="(ΣP − ΣA)/ΣP（拟定）",
    ),
    Flow(
        "no_rest_count",
        "无休办公件",
        CASE_FACTS,
        on=F.accepted_at,
        when=F.is_no_rest.is_(True),
        help="受理于非工作日或工作时间之外",
    ),
    _completed("timed_completed_count", "有办理用时的办结数", when=_timed),
    _completed("elapsed_days_sum", "实际用时合计", when=_timed, value=F.elapsed_days, unit=Unit.DAYS),
    Ratio(
        "mean_elapsed_days",
        "平均办理用时（工作日）",
        "elapsed_days_sum",
        "timed_completed_count",
        unit=Unit.DAYS,
        help="A = 受理至办结的工作日数减特殊环节用时",
    ),
)

ANALYSIS = Analysis(
    name="cases",
    title="办件效能分析",
    section="3.2.2.2",
    measures=MEASURES,
    dimensions=("department", "staff", "matter_type", "matter", "bundle", "channel", "hall", "window"),
    drill=("department", "staff"),
)


# ---------------------------------------------------------------- high-frequency matters


@dataclass(frozen=True)
class HighFrequencyMatter:
    matter_id: int
    name: str
    accepted_count: int
    rank: int
    share: float  # of all cases accepted in the period (within the filters and the caller's scope)
    cumulative_share: float  # this matter and every one ranked before it
    in_top: bool  # among the first ``top`` by accepted cases
    in_coverage: bool  # among the fewest matters that together cover ``coverage`` of the cases


def high_frequency_matters(
    session: Session,
    period: Period,
    filters: dict[str, Any] | None = None,
    principal: Principal | None = None,
    *,
    top: int = HIGH_FREQUENCY_TOP,
    coverage: float = HIGH_FREQUENCY_COVERAGE,
) -> list[HighFrequencyMatter]:
    """高频办件事项: the top ``top`` matters by cases accepted in ``period``, and those covering
    ``coverage`` of them (ranked by count, then matter id), in rank order.

    A matter is in the coverage set if the matters ranked before it cover less than ``coverage``: the
    shortest prefix of the ranking that reaches it.
    """
    filters = dict(filters or {})
    for name in filters:
        if name not in CASE_FACTS.dimensions:
            raise InvalidParameterError(name, "not a dimension of the case analysis")
    context = Context([period], (), filters, principal, utcnow())
    counts = (
        select(F.matter_id.label("matter_id"), func.count().label("accepted"))
        .where(F.accepted_at >= period.start_instant, F.accepted_at < period.end_instant)
        .where(*context.conditions(CASE_FACTS))
        .group_by(F.matter_id)
        .subquery("matter_counts")
    )
    ranking = (counts.c.accepted.desc(), counts.c.matter_id)
    ranked = select(
        counts.c.matter_id,
        counts.c.accepted,
        func.row_number().over(order_by=ranking).label("rank"),
        func.sum(counts.c.accepted).over(order_by=ranking, rows=(None, 0)).label("cumulative"),
        func.sum(counts.c.accepted).over().label("total"),
    ).subquery("ranked")
    before = ranked.c.cumulative - ranked.c.accepted
    in_coverage = before < ranked.c.total * coverage
    statement = (
        select(
            ranked.c.matter_id,
            Matter.name,
            ranked.c.accepted,
            ranked.c.rank,
            ranked.c.cumulative,
            ranked.c.total,
        )
        .join(Matter, Matter.id == ranked.c.matter_id)
        .where(or_(ranked.c.rank <= top, in_coverage))
        .order_by(ranked.c.rank)
    )
    result = []
    for matter_id, name, accepted, rank, cumulative, total in session.execute(statement):
        accepted, cumulative, total = int(accepted), int(cumulative), int(total)
        result.append(
            HighFrequencyMatter(
                matter_id=matter_id,
                name=name,
                accepted_count=accepted,
                rank=int(rank),
                share=accepted / total,
                cumulative_share=cumulative / total,
                in_top=rank <= top,
                in_coverage=cumulative - accepted < total * coverage,
            )
        )
    return result
