"""政务服务事项分析 (DOMAIN §4.1, S1 §3.2.2.1): the active matter catalogue as it stood at each period's end.

The catalogue changes by editing matters in place, so its history lives in dated snapshots
(``matter_snapshots``, taken by ``take_matter_snapshot``, e.g. nightly or at each month's end). A period
that has ended is read from the latest snapshot taken on or before its last day; the period still running
(its end clamped to now, as the engine does for every state measure) from the live catalogue. 环比 thus
compares this snapshot with the previous period's: DOMAIN's 较前次 (rates in points, the count relative).

Both are read through one source, the union of every snapshot row and the live rows (``taken_on`` NULL);
each state measure picks, per period end, the rows of the one catalogue it stands for.
"""

from datetime import date, datetime, time
from typing import Any

import pandas as pd
from sqlalchemy import Date, and_, case, cast, delete, func, insert, literal, null, select, union_all
from sqlalchemy.orm import Session

from core_app.access.models import ScopeKind
from core_app.access.scope import ScopeRule, in_department, region_subtree
from core_app.analytics.engine import Analysis, Context, Custom, Level, Ratio, Source, Unit
from core_app.analytics.models import MatterSnapshot
from core_app.config import LOCAL_TZ
from core_app.db.base import utcnow
from core_app.matters.models import Matter, MatterStatus
from core_app.org.models import Department, Window, window_matters

# The attributes a snapshot keeps in columns; the rest of the card goes to ``attributes`` (JSON).
SNAPSHOT_COLUMNS = (
    "department_id",
    "matter_type",
    "status",
    "is_power_matter",
    "legal_limit_days",
    "promised_limit_days",
    "limit_unit",
    "is_immediate",
    "max_visits",
    "online_capable",
    "mobile_capable",
    "in_hall",
    "hall_exempt",
)
CARD_ATTRIBUTES = ("code", "name", "version", "handling_levels", "commitment_allowed", "gap_tolerant")


# ---------------------------------------------------------------- snapshots


def take_matter_snapshot(session: Session, on: date) -> int:
    """Copy every matter's catalogue attributes into ``matter_snapshots`` dated ``on``; return how many.

    Idempotent: a second snapshot of the same day replaces the first (the catalogue as it is now).
    The commit is the caller's.
    """
    session.execute(delete(MatterSnapshot).where(MatterSnapshot.taken_on == on))
    now = utcnow()
    table = MatterSnapshot.__table__
    columns = [getattr(Matter, name) for name in SNAPSHOT_COLUMNS]
    rows = select(
        literal(on, type_=table.c.taken_on.type),
        Matter.id,
        *columns,
        _card_json(session),
        literal(now, type_=table.c.created_at.type),
        literal(now, type_=table.c.updated_at.type),
    )
    names = ["taken_on", "matter_id", *SNAPSHOT_COLUMNS, "attributes", "created_at", "updated_at"]
    session.execute(insert(table).from_select(names, rows))
    session.flush()
    return session.scalar(select(func.count()).where(MatterSnapshot.taken_on == on)) or 0


def _card_json(session: Session):
    pairs = []
    for name in CARD_ATTRIBUTES:
        pairs += [literal(name), getattr(Matter, name)]
    if session.get_bind().dialect.name == "postgresql":
        return func.json_build_object(*pairs)
    return func.json_object(*pairs)


# ---------------------------------------------------------------- the catalogue source

_CATALOGUE_COLUMNS = ("matter_id", *SNAPSHOT_COLUMNS)
_snapshot_rows = select(
    MatterSnapshot.taken_on.label("taken_on"),
    *(getattr(MatterSnapshot, name).label(name) for name in _CATALOGUE_COLUMNS),
)
_live_rows = select(
    cast(null(), Date).label("taken_on"),
    Matter.id.label("matter_id"),
    *(getattr(Matter, name).label(name) for name in SNAPSHOT_COLUMNS),
)
CATALOGUE = union_all(_snapshot_rows, _live_rows).subquery("catalogue")
C = CATALOGUE.c


def _departments_in_region(grant, _principal):
    return C.department_id.in_(
        select(Department.id).where(Department.region_id.in_(region_subtree(grant.scope_id)))
    )


def _matters_at_hall(grant, _principal):
    at_hall = (
        select(window_matters.c.matter_id)
        .join(Window, Window.id == window_matters.c.window_id)
        .where(Window.hall_id == grant.scope_id)
    )
    return C.matter_id.in_(at_hall)


# A department sees its own matters (and those below it); a region, its departments'; a hall, the
# matters its windows take in. The catalogue holds no personal data.
MATTER_SCOPE = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(C.department_id),
        ScopeKind.REGION: _departments_in_region,
        ScopeKind.HALL: _matters_at_hall,
    }
)

MATTER_RECORD_COLUMNS = (
    "matter_id",
    "code",
    "name",
    "department",
    "matter_type",
    "status",
    "legal_limit_days",
    "promised_limit_days",
    "is_immediate",
    "max_visits",
    "online_capable",
    "mobile_capable",
    "in_hall",
    "hall_exempt",
)


def matter_cards(session: Session, ids) -> list[dict[str, Any]]:
    """The matters behind a number, as their cards stand today."""
    statement = (
        select(
            Matter.id,
            Matter.code,
            Matter.name,
            Department.name,
            Matter.matter_type,
            Matter.status,
            Matter.legal_limit_days,
            Matter.promised_limit_days,
            Matter.is_immediate,
            Matter.max_visits,
            Matter.online_capable,
            Matter.mobile_capable,
            Matter.in_hall,
            Matter.hall_exempt,
        )
        .join(Department, Department.id == Matter.department_id)
        .where(Matter.id.in_(ids))
        .order_by(Matter.code)
    )
    return [dict(zip(MATTER_RECORD_COLUMNS, row, strict=True)) for row in session.execute(statement)]


CATALOGUE_SOURCE = Source(
    name="matter_catalogue",
    table=CATALOGUE,
    dimensions={"department": C.department_id, "matter_type": C.matter_type, "matter": C.matter_id},
    scope=MATTER_SCOPE,
    record_id=C.matter_id,
    records=matter_cards,
)


def catalogue_at(at: datetime):
    """The rows of the catalogue as it stood at ``at``.

    A period's end is a local midnight: the latest snapshot taken before that day (on or before the
    period's last day). Any other instant is "now", the end of the period still running: the live rows.
    """
    if at.astimezone(LOCAL_TZ).time() != time(0):
        return C.taken_on.is_(None)
    last_day = at.astimezone(LOCAL_TZ).date()
    latest = select(func.max(MatterSnapshot.taken_on)).where(MatterSnapshot.taken_on < last_day)
    return C.taken_on == latest.scalar_subquery()


def _active_at(at: datetime, *conditions):
    return and_(catalogue_at(at), C.status == MatterStatus.ACTIVE, *conditions)


def _level(name: str, label: str, *conditions, help: str = "") -> Level:
    return Level(name, label, CATALOGUE_SOURCE, holds=lambda at: _active_at(at, *conditions), help=help)


def _promise_advance_rate(session: Session, context: Context) -> pd.DataFrame:
    """(ΣL − ΣP)/ΣL over the active matters with a legal limit L > 0, at each period's end."""
    keys = [CATALOGUE_SOURCE.dimensions[d].label(d) for d in context.by]
    with_limit = C.legal_limit_days > 0
    columns = []
    for index, period in enumerate(context.periods):
        counted = _active_at(min(period.end_instant, context.now), with_limit)
        columns.append(func.sum(case((counted, C.legal_limit_days), else_=0)).label(f"legal_{index}"))
        columns.append(
            func.sum(case((counted, C.legal_limit_days - C.promised_limit_days), else_=0)).label(
                f"ahead_{index}"
            )
        )
    statement = (
        select(*keys, *columns)
        .select_from(CATALOGUE)
        .where(*context.conditions(CATALOGUE_SOURCE))
        .group_by(*[CATALOGUE_SOURCE.dimensions[d] for d in context.by])
    )
    wide = pd.DataFrame(session.execute(statement).all(), columns=[*context.by, *(c.name for c in columns)])
    parts = []
    for index in range(len(context.periods)):
        legal = pd.to_numeric(wide[f"legal_{index}"]).astype(float)
        ahead = pd.to_numeric(wide[f"ahead_{index}"]).astype(float)
        part = wide[list(context.by)].copy()
        part["period"] = index
        part["value"] = (ahead / legal.where(legal != 0)).astype(float)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*context.by, "period", "value"])
    return pd.concat(parts, ignore_index=True)


MEASURES = (
    _level("matter_count", "事项数", help="期末（快照）在用事项数"),
    _level("one_visit_count", "跑一次事项数", C.max_visits <= 1, help="最多跑一次（含跑零次）"),
    _level("zero_visit_count", "跑零次事项数", C.max_visits == 0),
    _level("immediate_count", "即办事项数", C.is_immediate.is_(True)),
    _level("online_capable_count", "可网办事项数", C.online_capable.is_(True)),
    _level("mobile_capable_count", "可掌办事项数", C.mobile_capable.is_(True)),
    _level("entry_base_count", "宜进驻事项数", C.hall_exempt.is_(False), help="不含不宜进驻事项"),
    _level("in_hall_count", "已进驻事项数", C.hall_exempt.is_(False), C.in_hall.is_(True)),
    Ratio("one_visit_ratio", "跑一次占比", "one_visit_count", "matter_count", appraisal=True),
    Ratio("zero_visit_ratio", "跑零次占比", "zero_visit_count", "matter_count", appraisal=True),
    Ratio("immediate_ratio", "即办事项占比", "immediate_count", "matter_count", appraisal=True),
    Ratio("matter_online_ratio", "网办率（事项）", "online_capable_count", "matter_count", appraisal=True),
    Ratio("matter_mobile_ratio", "掌办率（事项）", "mobile_capable_count", "matter_count", appraisal=True),
    Custom(
        "promise_advance_rate",
        "承诺提前率",
        _promise_advance_rate,
        unit=Unit.RATE,
        appraisal=True,
        help="(ΣL − ΣP)/ΣL，法定时限 L 大于零的在用事项，P 为承诺时限",
    ),
    Ratio("entry_rate", "进驻率", "in_hall_count", "entry_base_count", appraisal=True),
)

ANALYSIS = Analysis(
    name="matters",
    title="政务服务事项分析",
    section="3.2.2.1",
    measures=MEASURES,
    dimensions=("department", "matter_type", "matter"),
    drill=("department", "matter_type", "matter"),
)
