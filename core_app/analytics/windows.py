"""Window staff analysis 窗口人员服务分析 (S1 §3.2.2.6, DOMAIN §4.6): intake, queue, reviews per window/staff.

Sliced by department, hall, window, staff and time. Three sources, each counted where its figure lives:

- cases (``case_facts``): received cases per channel, 2.0 receipts and no-rest cases by the receiving
  staff (收件人); cases handled and the handling time A by the handling staff (经办人);
- reviews (好差评): valid reviews, good rate and bad reviews by the reviewed staff, window of the case;
- queue tickets (排队叫号): calls, misses, tickets served, wait / receipt / service minutes, 2.0 receipts,
  window utilisation (union of serving intervals / open minutes) and heat (冷热度).

Queue minutes are clock minutes (tickets are served the day they are taken), unlike the working minutes
of the case mart. A ticket's department is its window's (the department the window is stationed for;
a comprehensive window has none), as in the ticket data scope.

Also here: the staff–window–post binding on a day (人事岗) and the staffing guidance per queue group.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from core_app.access.models import ScopeKind
from core_app.access.principal import Principal
from core_app.access.scope import (
    ScopeRule,
    department_subtree,
    equals_scope_id,
    in_department,
    region_subtree,
    through,
)
from core_app.access.scopes import REVIEWS, TICKETS
from core_app.analytics.engine import (
    PERMISSION,
    Analysis,
    Context,
    Custom,
    Flow,
    Ratio,
    Source,
    Unit,
    id_keys,
    in_ranges,
    merged_ranges,
    periods_table,
    sum_into_periods,
)
from core_app.analytics.models import CaseFact
from core_app.analytics.periods import Granularity, Period
from core_app.analytics.sources import CASE_SCOPE, case_records, review_records, ticket_records
from core_app.cases.models import Case, Channel, QueueTicket, Review, SourceSystem, TicketStatus
from core_app.db.sqltime import as_date, clock_minutes, local_day, minutes_between
from core_app.org.calendar import WorkCalendar, parse_intervals
from core_app.org.models import Department, Hall, HallZone, Staff, StaffPost, Window, WindowStatus
from core_app.privacy.masking import mask_name, masking_enabled

BUSY_MINUTES_PER_HOUR = 48  # staffing target: a window serving 48 of 60 minutes (80 %) is fully loaded
HOT_HEAT = 1.5  # served per open hour above 1.5 x the hall median: hot (热)
COLD_HEAT = 0.5  # below half the hall median: cold (冷)

# ---------------------------------------------------------------- data scope of the mart and of windows


def _halls_in_region(grant, _principal):
    return select(Hall.id).where(Hall.region_id.in_(region_subtree(grant.scope_id)))


# Windows as the ticket scope sees them: by the window's department, its hall, the hall's region.
WINDOWS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(Window.department_id),
        ScopeKind.REGION: through(Window.hall_id, _halls_in_region),
        ScopeKind.HALL: equals_scope_id(Window.hall_id),
    }
)

# A post is seen by its own department (a comprehensive window's staff keep theirs), its hall's managers.
POSTS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: lambda g, _p: or_(
            StaffPost.department_id.in_(department_subtree(g.scope_id)),
            Window.department_id.in_(department_subtree(g.scope_id)),
        ),
        ScopeKind.REGION: through(Window.hall_id, _halls_in_region),
        ScopeKind.HALL: equals_scope_id(Window.hall_id),
    }
)

# ---------------------------------------------------------------- records behind a number


# ---------------------------------------------------------------- sources


def _case_facts(name: str, staff: ColumnElement) -> Source:
    return Source(
        name,
        CaseFact.__table__,
        dimensions={
            "department": CaseFact.department_id,
            "hall": CaseFact.hall_id,
            "window": CaseFact.window_id,
            "staff": staff,
        },
        scope=CASE_SCOPE,
        record_id=CaseFact.case_id,
        records=case_records,
    )


RECEIVED = _case_facts("window_cases_received", CaseFact.receiver_staff_id)  # staff = 收件人
HANDLED = _case_facts("window_cases_handled", CaseFact.handler_staff_id)  # staff = 经办人

# Aliases: the scope rules' subqueries select from cases and windows themselves and must not be
# correlated with the joined tables here.
_reviewed_case = aliased(Case, name="reviewed_case")
REVIEWED = Source(
    "window_reviews",
    Review.__table__.join(_reviewed_case, _reviewed_case.id == Review.case_id),
    dimensions={
        "department": Review.department_id,
        "hall": _reviewed_case.hall_id,
        "window": _reviewed_case.window_id,
        "staff": Review.staff_id,
    },
    scope=REVIEWS,
    where=Review.is_valid.is_(True),
    record_id=Review.id,
    records=review_records,
)

_ticket_window = aliased(Window, name="ticket_window")
_ticket_case = aliased(Case, name="ticket_case")
TICKETED = Source(
    "window_tickets",
    QueueTicket.__table__.outerjoin(_ticket_window, _ticket_window.id == QueueTicket.window_id).outerjoin(
        _ticket_case, _ticket_case.id == QueueTicket.case_id
    ),
    dimensions={
        "department": _ticket_window.department_id,
        "hall": QueueTicket.hall_id,
        "window": QueueTicket.window_id,
        "staff": QueueTicket.staff_id,
    },
    scope=TICKETS,
    record_id=QueueTicket.id,
    records=ticket_records,
)

# ---------------------------------------------------------------- flows


def _received_flows() -> list[Flow]:
    on = CaseFact.received_at
    flows = [Flow("received_count", "收件数", RECEIVED, on=on, help="cases received in P, by the receiver")]
    for channel, label in (
        (Channel.WINDOW, "窗口"),
        (Channel.PC_WEB, "政务服务网"),
        (Channel.SELF_SERVICE, "自助终端"),
        (Channel.MOBILE_APP, "浙里办"),
    ):
        flows.append(
            Flow(
                f"received_{channel.value}",
                f"收件数（{label}）",
                RECEIVED,
                on=on,
                when=CaseFact.channel == channel,
            )
        )
    flows.append(
        Flow(
            "v2_count",
            "政务服务2.0收件数",
            RECEIVED,
            on=on,
            when=CaseFact.source_system == SourceSystem.V2,
            help="cases received in P in 政务服务2.0",
        )
    )
    flows.append(
        Flow(
            "no_rest_count",
            "无休办公件",
            RECEIVED,
            on=CaseFact.accepted_at,
            when=CaseFact.is_no_rest.is_(True),
            help="accepted in P outside working time, by the receiver",
        )
    )
    return flows


_TIMED = CaseFact.elapsed_days.is_not(None)
HANDLING = [
    Flow("handled_count", "办结数", HANDLED, on=CaseFact.completed_at, help="completed in P, by the handler"),
    Flow("timed_handled_count", "办结数（有用时）", HANDLED, on=CaseFact.completed_at, when=_TIMED),
    Flow(
        "handling_days_total",
        "办理用时合计（工作日）",
        HANDLED,
        on=CaseFact.completed_at,
        when=_TIMED,
        value=CaseFact.elapsed_days,
        unit=Unit.DAYS,
    ),
]

REVIEW_FLOWS = [
    Flow("valid_review_count", "有效评价数", REVIEWED, on=Review.reviewed_at),
    Flow("good_review_count", "好评数", REVIEWED, on=Review.reviewed_at, when=Review.level >= 3),
    Flow(
        "bad_review_count", "差评数", REVIEWED, on=Review.reviewed_at, when=Review.level <= 2, appraisal=True
    ),
]

# Every ticket figure counts the tickets called in P (tickets are called, served and closed the same day).
_CALLED = QueueTicket.called_at
_SERVED = and_(
    QueueTicket.service_started_at.is_not(None),
    QueueTicket.service_ended_at.is_not(None),
    QueueTicket.service_ended_at >= QueueTicket.service_started_at,
)
# Receipt after the call: tickets linked to a case received at or after the call (a case received
# before the ticket was called was not received at this call).
_RECEIPT = and_(_ticket_case.received_at.is_not(None), _ticket_case.received_at >= QueueTicket.called_at)
QUEUE_FLOWS = [
    Flow("call_count", "叫号数", TICKETED, on=_CALLED),
    Flow("missed_count", "过号数", TICKETED, on=_CALLED, when=QueueTicket.status == TicketStatus.MISSED),
    Flow("served_count", "服务人次", TICKETED, on=_CALLED, when=_SERVED, help="tickets served (workload)"),
    Flow(
        "wait_minutes_total",
        "等候分钟合计",
        TICKETED,
        on=_CALLED,
        value=clock_minutes(QueueTicket.taken_at, QueueTicket.called_at),
        unit=Unit.MINUTES,
    ),
    Flow("receipt_ticket_count", "叫号后收件数", TICKETED, on=_CALLED, when=_RECEIPT),
    Flow(
        "receipt_minutes_total",
        "叫号至收件分钟合计",
        TICKETED,
        on=_CALLED,
        when=_RECEIPT,
        value=clock_minutes(QueueTicket.called_at, _ticket_case.received_at),
        unit=Unit.MINUTES,
    ),
    Flow(
        "service_minutes_total",
        "服务分钟合计",
        TICKETED,
        on=_CALLED,
        when=_SERVED,
        value=clock_minutes(QueueTicket.service_started_at, QueueTicket.service_ended_at),
        unit=Unit.MINUTES,
    ),
    Flow(
        "v2_receipt_count",
        "2.0收件数（叫号）",
        TICKETED,
        on=_CALLED,
        when=and_(_RECEIPT, _ticket_case.source_system == SourceSystem.V2),
        help="tickets called in P whose case was received in 政务服务2.0",
    ),
]

# ---------------------------------------------------------------- periods as a table (for custom SQL)


# ---------------------------------------------------------------- median handling time


def median_handling_days(session: Session, context: Context) -> pd.DataFrame:
    """Median of A over the cases completed in each period, per key: PostgreSQL's percentile_cont; on SQLite
    the middle row (or the mean of the two middle rows) by ROW_NUMBER and COUNT over the partition."""
    by = list(context.by)
    periods = periods_table(enumerate(context.periods))
    keys = [HANDLED.dimensions[d].label(d) for d in by]
    completed = CaseFact.completed_at
    timed = (
        select(*keys, periods.c.period, CaseFact.elapsed_days.label("days"))
        .select_from(HANDLED.table)
        .join(periods, and_(completed >= periods.c.starts, completed < periods.c.ends))
        .where(_TIMED, *context.conditions(HANDLED))
    )
    if session.get_bind().dialect.name == "postgresql":  # its own ordered-set aggregate is far quicker
        timed = timed.subquery("timed")
        median = func.percentile_cont(0.5).within_group(timed.c.days).label("value")
        statement = select(*(timed.c[d] for d in by), timed.c.period, median).group_by(
            *(timed.c[d] for d in by), timed.c.period
        )
        return _median_frame(session, statement, by)
    timed = timed.subquery("timed")
    partition = [*(timed.c[d] for d in by), timed.c.period]
    ranked = select(
        timed,
        func.row_number().over(partition_by=partition, order_by=timed.c.days).label("rank"),
        func.count().over(partition_by=partition).label("size"),
    ).subquery("ranked")
    # The middle rank(s): 2·rank ∈ [size, size + 2] gives rank (n+1)/2 for odd n, n/2 and n/2+1 for even n.
    middle = (
        select(*(ranked.c[d] for d in by), ranked.c.period, func.avg(ranked.c.days).label("value"))
        .where(2 * ranked.c.rank >= ranked.c.size, 2 * ranked.c.rank <= ranked.c.size + 2)
        .group_by(*(ranked.c[d] for d in by), ranked.c.period)
    )
    return _median_frame(session, middle, by)


def _median_frame(session: Session, statement, by: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(session.execute(statement).all(), columns=[*by, "period", "value"])
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    return frame


# ---------------------------------------------------------------- utilisation and heat


def _units(by: Sequence[str], filters: Mapping[str, Any]) -> list[str]:
    """What utilisation and heat are measured on: a window, or a staff member when staff is sliced or
    filtered (their own serving time), always within one hall (whose opening hours are the divisor)."""
    unit = list(by)
    if "hall" not in unit:
        unit.append("hall")
    if "staff" not in by and "staff" not in filters and "window" not in unit:
        unit.append("window")
    return unit


def _daily_service(session: Session, context: Context, unit: list[str]) -> pd.DataFrame:
    """Per unit and local day: minutes covered by the union of its serving intervals, tickets served.

    Gaps and islands in one pass: order a unit's intervals of the day by start; the running MAX of the
    earlier ends (``reach``) is where the covered time so far stops. An interval starting after the reach
    opens a new island and adds all of itself; one starting before adds only what it sticks out beyond
    the reach (nothing if it lies inside). Summing these additions gives the islands' total length
    without numbering them.
    """
    dialect = session.get_bind().dialect.name
    start, end = QueueTicket.service_started_at, QueueTicket.service_ended_at
    served = (
        select(
            *(TICKETED.dimensions[d].label(d) for d in unit),
            local_day(start, dialect).label("day"),
            start.label("starts"),
            end.label("ends"),
        )
        .select_from(TICKETED.table)
        .where(_SERVED, in_ranges(start, merged_ranges(context.periods)), *context.conditions(TICKETED))
        .subquery("served")
    )
    partition = [*(served.c[d] for d in unit), served.c.day]
    order = [served.c.starts, served.c.ends]
    with_reach = select(
        served,
        func.max(served.c.ends).over(partition_by=partition, order_by=order, rows=(None, -1)).label("reach"),
    ).subquery("with_reach")
    starts, ends, reach = with_reach.c.starts, with_reach.c.ends, with_reach.c.reach
    added = case(
        (reach.is_(None), minutes_between(starts, ends, dialect)),
        (reach <= starts, minutes_between(starts, ends, dialect)),  # a new island
        (reach < ends, minutes_between(reach, ends, dialect)),  # overlaps: the part beyond the reach
        else_=0.0,  # inside what is already covered
    )
    group = [*(with_reach.c[d] for d in unit), with_reach.c.day]
    daily = select(*group, func.sum(added), func.count()).group_by(*group)
    frame = pd.DataFrame(session.execute(daily).all(), columns=[*unit, "day", "busy", "served"])
    frame["day"] = pd.to_datetime(frame["day"].map(as_date))
    return frame


def _idle_windows(session: Session, context: Context, unit: list[str]) -> pd.DataFrame:
    """Windows in view that are not closed, each in every period with nothing served: an idle window
    counts its open minutes (utilisation 0) and is coldest in its hall."""
    if "staff" in unit or "staff" in context.filters:
        return pd.DataFrame(columns=[*unit, "period", "busy", "served"])
    columns = {"department": Window.department_id, "hall": Window.hall_id, "window": Window.id}
    conditions = [columns[name] == value for name, value in context.filters.items()]
    if context.principal is not None:
        conditions.append(WINDOWS.condition(context.principal, PERMISSION))
    statement = select(*(columns[d].label(d) for d in unit)).where(
        Window.status != WindowStatus.CLOSED, *conditions
    )
    windows = pd.DataFrame(session.execute(statement).all(), columns=unit)
    frame = windows.merge(pd.DataFrame({"period": range(len(context.periods))}), how="cross")
    frame["busy"], frame["served"] = 0.0, 0
    return frame


def open_minutes(
    session: Session, hall_ids: Sequence[int], periods: Sequence[Period]
) -> dict[tuple[int, int], int]:
    """Scheduled open minutes of each hall in each period: its opening hours on every working day."""
    calendar = WorkCalendar.load(session)
    hours = dict(
        session.execute(select(Hall.id, Hall.opening_hours).where(Hall.id.in_(list(hall_ids)))).all()
    )
    result = {}
    for index, period in enumerate(periods):
        workdays = len(calendar.workdays(period.start, period.end - timedelta(days=1)))
        for hall_id in hall_ids:
            result[(hall_id, index)] = workdays * _day_minutes(hours.get(hall_id), calendar)
    return result


def _day_minutes(opening_hours: str | None, calendar: WorkCalendar) -> int:
    try:
        intervals = parse_intervals(opening_hours) if opening_hours else calendar.intervals
    except ValueError:  # unreadable hours: the default working day, as the case mart does
        intervals = calendar.intervals
    return sum((b.hour * 60 + b.minute) - (a.hour * 60 + a.minute) for a, b in intervals)


def service_units(session: Session, context: Context) -> tuple[pd.DataFrame, list[str]]:
    """Per unit and period: busy minutes, tickets served, open minutes (utilisation and heat share it
    through ``context.shared``)."""
    unit = _units(context.by, context.filters)
    daily = _daily_service(session, context, unit)
    frame = pd.concat(
        [
            f
            for f in (
                sum_into_periods(daily, unit, ["busy", "served"], context.periods),
                _idle_windows(session, context, unit),
            )
            if not f.empty
        ]
        or [pd.DataFrame(columns=[*unit, "period", "busy", "served"])],
        ignore_index=True,
    )
    frame = id_keys(frame, unit)
    frame["busy"] = pd.to_numeric(frame["busy"]).astype(float)
    frame["served"] = pd.to_numeric(frame["served"]).astype(float)
    frame = frame.groupby([*unit, "period"], dropna=False)[["busy", "served"]].sum().reset_index()
    halls = [int(h) for h in frame["hall"].dropna().unique()]
    minutes = open_minutes(session, halls, context.periods)
    frame["open"] = [
        np.nan if pd.isna(h) else minutes[(int(h), int(p))]
        for h, p in zip(frame["hall"], frame["period"], strict=True)
    ]
    return frame, unit


def window_utilization(session: Session, context: Context) -> pd.DataFrame:
    """Σ busy minutes / Σ open minutes over the units of each key (None without open minutes)."""
    frame, _unit = context.shared("windows.service_units", lambda: service_units(session, context))
    by = list(context.by)
    if frame.empty:
        return pd.DataFrame(columns=[*by, "period", "value"])
    summed = frame.groupby([*by, "period"], dropna=False)[["busy", "open"]].sum(min_count=1).reset_index()
    summed["value"] = summed["busy"] / summed["open"].where(summed["open"] > 0)
    return summed[[*by, "period", "value"]]


def window_heat(session: Session, context: Context) -> pd.DataFrame:
    """Tickets served per open hour of each unit / the median of its hall's units in the period; a key
    spanning several units gets their mean heat."""
    frame, _unit = context.shared("windows.service_units", lambda: service_units(session, context))
    by = list(context.by)
    if frame.empty:
        return pd.DataFrame(columns=[*by, "period", "value"])
    frame = frame.copy()
    frame["rate"] = frame["served"] / (frame["open"].where(frame["open"] > 0) / 60)
    median = frame.groupby(["hall", "period"], dropna=False)["rate"].transform("median")
    frame["heat"] = frame["rate"] / median.where(median > 0)
    heat = frame.groupby([*by, "period"], dropna=False)["heat"].mean().reset_index()
    return heat.rename(columns={"heat": "value"})


def heat_label(heat: float | None) -> str | None:
    """热 above 1.5 x the hall median, 冷 below half of it, else 正常; None when undefined."""
    if heat is None or pd.isna(heat):
        return None
    if heat > HOT_HEAT:
        return "hot"
    if heat < COLD_HEAT:
        return "cold"
    return "normal"


HEAT_LABELS = {"hot": "热", "cold": "冷", "normal": "正常"}


def with_heat_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """The result frame with ``window_heat_label`` (hot/cold/normal) after ``window_heat``."""
    labelled = frame.copy()
    position = labelled.columns.get_loc("window_heat") + 1
    labelled.insert(position, "window_heat_label", [heat_label(v) for v in labelled["window_heat"]])
    return labelled


# ---------------------------------------------------------------- the analysis

ANALYSIS = Analysis(
    name="windows",
    title="窗口人员服务分析",
    section="3.2.2.6",
    measures=(
        *_received_flows(),
        *HANDLING,
        Ratio(
            "mean_handling_days",
            "平均办理用时（工作日）",
            "handling_days_total",
            "timed_handled_count",
            Unit.DAYS,
        ),
        Custom(
            "median_handling_days",
            "办理用时中位数（工作日）",
            median_handling_days,
            Unit.DAYS,
        ),
        *REVIEW_FLOWS,
        Ratio("good_rate", "好评率", "good_review_count", "valid_review_count", Unit.RATE, appraisal=True),
        *QUEUE_FLOWS,
        Ratio("mean_wait_minutes", "平均等候时长（分钟）", "wait_minutes_total", "call_count", Unit.MINUTES),
        Ratio(
            "mean_receipt_minutes",
            "平均叫号至收件时长（分钟）",
            "receipt_minutes_total",
            "receipt_ticket_count",
            Unit.MINUTES,
        ),
        Ratio(
            "mean_service_minutes",
            "平均服务时长（分钟）",
            "service_minutes_total",
            "served_count",
            Unit.MINUTES,
        ),
        Custom("window_utilization", "窗口使用率", window_utilization, Unit.RATE),
        Custom("window_heat", "窗口冷热度", window_heat, Unit.NUMBER),
    ),
    dimensions=("department", "hall", "window", "staff"),
    drill=("department", "hall", "window", "staff"),
    finish=with_heat_labels,  # 冷热度 as the screen shows it: hot, normal, cold
)

# ---------------------------------------------------------------- staff–window–post binding (人事岗)


def staff_window_bindings(
    session: Session, on: date, principal: Principal | None = None
) -> list[dict[str, Any]]:
    """The posts valid on ``on`` (valid_to inclusive): who sits at which window, for which department,
    in which zone; staff names masked unless the caller's context unmasks personal data."""
    zone = aliased(HallZone)
    statement = (
        select(
            StaffPost.id.label("post_id"),
            Staff.id.label("staff_id"),
            Staff.staff_no,
            Staff.name.label("staff_name"),
            Window.id.label("window_id"),
            Window.window_no,
            Hall.id.label("hall_id"),
            Hall.name.label("hall_name"),
            Department.id.label("department_id"),
            Department.name.label("department_name"),
            zone.id.label("zone_id"),
            zone.name.label("zone_name"),
            StaffPost.valid_from,
            StaffPost.valid_to,
        )
        .join(Staff, Staff.id == StaffPost.staff_id)
        .join(Window, Window.id == StaffPost.window_id)
        .join(Hall, Hall.id == Window.hall_id)
        .join(Department, Department.id == StaffPost.department_id)
        .outerjoin(zone, zone.id == func.coalesce(StaffPost.zone_id, Window.zone_id))
        .where(StaffPost.valid_from <= on, or_(StaffPost.valid_to.is_(None), StaffPost.valid_to >= on))
        .order_by(Hall.id, Window.window_no, Staff.staff_no)
    )
    if principal is not None:
        statement = statement.where(POSTS.condition(principal, PERMISSION))
    rows = [dict(row._mapping) for row in session.execute(statement)]
    if masking_enabled():
        for row in rows:
            row["staff_name"] = mask_name(row["staff_name"])
    return rows


# ---------------------------------------------------------------- staffing guidance (proposed)


def recommended_windows(hourly_arrivals: float, mean_service_minutes: float) -> int:
    """ceil(arrivals per hour × mean service minutes / 48): windows to keep each busy 48 min an hour."""
    load = hourly_arrivals * mean_service_minutes / BUSY_MINUTES_PER_HOUR
    return max(math.ceil(round(load, 9)), 0)  # round: 10 × 4.8 / 48 is 1.0000000000000002 in floats


@dataclass(frozen=True)
class QueueGroupGuidance:
    queue_group: str
    arrivals: int  # tickets taken in the range
    open_hours: float  # the hall's scheduled open hours in the range
    hourly_arrivals: float | None
    mean_service_minutes: float | None
    windows_used: int  # distinct windows that served the group
    recommended_windows: int | None


def staffing_guidance(
    session: Session, hall_id: int, start: date, end: date, principal: Principal | None = None
) -> list[QueueGroupGuidance]:
    """Per queue group of a hall over local days [start, end): arrivals per open hour, mean service
    minutes and the recommended number of windows."""
    dialect = session.get_bind().dialect.name
    period = Period(start, end, Granularity.CUSTOM)
    taken = and_(QueueTicket.taken_at >= period.start_instant, QueueTicket.taken_at < period.end_instant)
    served = _SERVED
    statement = (
        select(
            QueueTicket.queue_group,
            func.count(),
            func.sum(
                case(
                    (
                        served,
                        minutes_between(
                            QueueTicket.service_started_at, QueueTicket.service_ended_at, dialect
                        ),
                    ),
                    else_=0,
                )
            ),
            func.sum(case((served, 1), else_=0)),
            func.count(func.distinct(case((served, QueueTicket.window_id)))),
        )
        .where(QueueTicket.hall_id == hall_id, taken)
        .group_by(QueueTicket.queue_group)
        .order_by(QueueTicket.queue_group)
    )
    if principal is not None:
        statement = statement.where(TICKETS.condition(principal, PERMISSION))
    open_hours = open_minutes(session, [hall_id], [period])[(hall_id, 0)] / 60
    guidance = []
    for group, arrivals, service_total, served_count, windows_used in session.execute(statement):
        hourly = arrivals / open_hours if open_hours else None
        mean_service = float(service_total) / served_count if served_count else None
        recommended = (
            None if hourly is None or mean_service is None else recommended_windows(hourly, mean_service)
        )
        guidance.append(
            QueueGroupGuidance(group, arrivals, open_hours, hourly, mean_service, windows_used, recommended)
        )
    return guidance
