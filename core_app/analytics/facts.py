"""Refresh the case mart (``case_facts``) from ``cases``: incrementally, or in full when the calendar changed.

Working-time durations (DOMAIN §4.0 ``wm``) depend on the hall's calendar and opening hours, which SQL
cannot evaluate portably; they are computed here, vectorised (``WorkGrid.cumulative_minutes``), a block of
cases at a time, and written with COPY (PostgreSQL) or batched inserts (SQLite).

The watermark is the newest ``cases.updated_at`` a refresh has seen: when no case is newer, there is
nothing to do (one index lookup, so every analysis request can check). Otherwise the refresh takes the
cases updated at or after the watermark, less a margin, whose fact row is missing or older than the change:
a transaction that committed late with an earlier ``updated_at`` is still caught (at the latest with the
next change), and rewriting a row twice is harmless (delete, then insert, in one transaction). A change of
the calendar (holidays, opening hours, the default working intervals) changes the fingerprint and rebuilds
everything. On PostgreSQL an advisory lock keeps two refreshes from interleaving.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, or_, select, text, union
from sqlalchemy.orm import Session

from core_app.analytics.models import AnalyticsState, CaseFact
from core_app.cases.models import Case, QueueTicket
from core_app.config import LOCAL_TZ, get_settings
from core_app.db.base import utcnow
from core_app.matters.models import Matter
from core_app.org.calendar import WorkCalendar, parse_intervals
from core_app.org.models import Hall, Region, RegionLevel, WorkCalendarDay
from core_app.org.workgrid import WorkGrid
from core_app.seed.writer import TableWriter

log = logging.getLogger(__name__)

STATE_NAME = "case_facts"
BLOCK = 100_000
CHANGED_BLOCK = 10_000
LATE_COMMIT_MARGIN = timedelta(minutes=10)
ADVISORY_LOCK_KEY = 90_211  # any constant shared by every refresher
NAT = np.datetime64("NaT", "s")


@dataclass(frozen=True)
class RefreshReport:
    rows: int
    full: bool
    seconds: float


def calendar_fingerprint(session: Session) -> str:
    """A digest of everything working time depends on."""
    digest = hashlib.sha256(get_settings().work_intervals.encode())
    for day, is_workday in session.execute(
        select(WorkCalendarDay.day, WorkCalendarDay.is_workday).order_by(WorkCalendarDay.day)
    ):
        digest.update(f"{day}:{int(is_workday)};".encode())
    for hall_id, hours in session.execute(select(Hall.id, Hall.opening_hours).order_by(Hall.id)):
        digest.update(f"h{hall_id}:{hours};".encode())
    return digest.hexdigest()


def refresh_case_facts(session: Session, *, full: bool = False) -> RefreshReport:
    """Bring ``case_facts`` up to date with ``cases``; commit is the caller's."""
    started = now = utcnow()  # wall clock: compared with cases.updated_at
    state = session.get(AnalyticsState, STATE_NAME) or AnalyticsState(name=STATE_NAME, rows=0)
    fingerprint = calendar_fingerprint(session)
    full = full or state.watermark is None or state.calendar_fingerprint != fingerprint
    latest = _latest_change(session)
    if not full and (latest is None or latest <= state.watermark):
        return RefreshReport(rows=0, full=False, seconds=(utcnow() - started).total_seconds())
    _lock(session)
    if full:
        _empty(session)
        changed = select(Case.id)
    else:
        changed = _changed_cases(state.watermark)
    ids = np.array(sorted(session.scalars(changed).all()), dtype=np.int64)
    watermark = latest or state.watermark
    calendar = WorkCalendar.load(session)
    regions = _region_rollup(session)
    size = BLOCK if full else CHANGED_BLOCK
    for begin in range(0, len(ids), size):
        block = ids[begin : begin + size]
        # A full rebuild reads every case, so a block is an id range; changed cases are listed (bounded
        # below the driver's 65,535 parameters).
        among = Case.id.between(int(block[0]), int(block[-1])) if full else Case.id.in_(block.tolist())
        if not full:
            session.execute(delete(CaseFact).where(CaseFact.case_id.in_(block.tolist())))
        facts = build_facts(_read_cases(session, among), calendar, regions, now)
        facts["ticket_count"] = (
            facts["case_id"].map(_ticket_counts(session, block, full)).fillna(0).astype(int)
        )
        # Rows in time order keep a month's cases on neighbouring pages: range scans read little.
        facts = facts.sort_values("submitted_at", kind="stable")
        TableWriter(session.connection()).write(CaseFact.__tablename__, facts)
    if full and session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE case_facts"))  # fresh statistics for the planner after a bulk load
    state.watermark = watermark
    state.calendar_fingerprint = fingerprint
    state.refreshed_at = now
    state.rows = session.scalar(select(func.count()).select_from(CaseFact)) or 0
    session.merge(state)
    session.flush()
    seconds = (utcnow() - started).total_seconds()
    log.info(
        "case facts: %s rows refreshed (%s) in %.1f s", len(ids), "full" if full else "incremental", seconds
    )
    return RefreshReport(rows=len(ids), full=full, seconds=seconds)


def _latest_change(session: Session) -> datetime | None:
    """The newest change to a case or a queue ticket (a ticket linked to a case changes its visits)."""
    stamps = [session.scalar(select(func.max(c))) for c in (Case.updated_at, QueueTicket.updated_at)]
    stamps = [s for s in stamps if s is not None]
    return max(stamps) if stamps else None


def _changed_cases(watermark: datetime):
    """Cases changed, or with a ticket changed, after their fact row was written (near the watermark)."""
    since = watermark - LATE_COMMIT_MARGIN
    cases = (
        select(Case.id)
        .outerjoin(CaseFact, CaseFact.case_id == Case.id)
        .where(
            Case.updated_at >= since, or_(CaseFact.case_id.is_(None), CaseFact.refreshed_at < Case.updated_at)
        )
    )
    ticketed = (
        select(QueueTicket.case_id)
        .join(CaseFact, CaseFact.case_id == QueueTicket.case_id)
        .where(QueueTicket.updated_at >= since, CaseFact.refreshed_at < QueueTicket.updated_at)
    )
    merged = union(cases, ticketed).subquery()
    return select(merged.c[0].label("id"))


def _empty(session: Session) -> None:
    """Remove every fact row; on PostgreSQL TRUNCATE (transactional there) leaves no dead rows to scan."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"TRUNCATE {CaseFact.__tablename__}"))
    else:
        session.execute(delete(CaseFact))


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})


CASE_COLUMNS = (
    Case.id.label("case_id"),
    Case.department_id,
    Case.matter_id,
    Matter.matter_type,
    Case.bundle_id,
    Case.hall_id,
    Case.window_id,
    Case.intake_region_id.label("region_id"),
    Case.channel,
    Case.source_system,
    Case.applicant_type,
    Case.citizen_id,
    Case.enterprise_id,
    Case.handler_staff_id,
    Case.receiver_staff_id,
    Case.status,
    Case.result,
    Matter.is_immediate,
    Case.is_commitment,
    Case.is_gap_tolerant,
    Matter.legal_limit_days,
    Matter.promised_limit_days,
    Case.submitted_at,
    Case.received_at,
    Case.accepted_at,
    Case.rejected_at,
    Case.returned_at,
    Case.voided_at,
    Case.completed_at,
    Case.due_at,
    Case.special_minutes,
    Hall.opening_hours,
)
TIMESTAMPS = (
    "submitted_at",
    "received_at",
    "accepted_at",
    "rejected_at",
    "returned_at",
    "voided_at",
    "completed_at",
    "due_at",
)


def _read_cases(session: Session, among) -> pd.DataFrame:
    statement = (
        select(*CASE_COLUMNS)
        .join(Matter, Matter.id == Case.matter_id)
        .outerjoin(Hall, Hall.id == Case.hall_id)
        .where(among)
    )
    frame = pd.DataFrame(session.execute(statement).all(), columns=[c.key for c in CASE_COLUMNS])
    for name in TIMESTAMPS:
        frame[name] = _local_naive(frame[name])
    return frame


def _ticket_counts(session: Session, block: np.ndarray, full: bool) -> pd.Series:
    """Queue tickets linked to each case of the block."""
    among = (
        QueueTicket.case_id.between(int(block[0]), int(block[-1]))
        if full
        else QueueTicket.case_id.in_(block.tolist())
    )
    rows = session.execute(
        select(QueueTicket.case_id, func.count()).where(among).group_by(QueueTicket.case_id)
    )
    return pd.Series(dict(rows.all()), dtype="int64")


def _local_naive(values: pd.Series) -> np.ndarray:
    """Aware datetimes (or None) as local naive datetime64[s]."""
    stamps = pd.to_datetime(values, utc=True).dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    return stamps.to_numpy(dtype="datetime64[s]")


def _region_rollup(session: Session) -> pd.DataFrame:
    """For every region: the town and the village it lies in (itself if it is one)."""
    rows = pd.DataFrame(
        session.execute(select(Region.id, Region.level, Region.parent_id)).all(),
        columns=["id", "level", "parent"],
    )
    parent = dict(zip(rows["id"], rows["parent"], strict=True))
    level = dict(zip(rows["id"], rows["level"], strict=True))

    def ancestor(region_id: int, wanted: RegionLevel) -> int | None:
        current = region_id
        while current is not None and not pd.isna(current):
            if level.get(current) == wanted:
                return int(current)
            current = parent.get(current)
        return None

    rows["town_id"] = [ancestor(r, RegionLevel.TOWN) for r in rows["id"]]
    rows["village_id"] = [ancestor(r, RegionLevel.VILLAGE) for r in rows["id"]]
    return rows.set_index("id")[["town_id", "village_id"]]


def build_facts(
    cases: pd.DataFrame, calendar: WorkCalendar, regions: pd.DataFrame, now: datetime
) -> pd.DataFrame:
    """The fact rows of a block of cases (local naive datetime64 stamps in, the same out)."""
    facts = cases.drop(columns=["opening_hours"]).copy()
    facts["intake_source"] = _intake_source(cases["channel"], cases["source_system"])
    region = cases["region_id"]
    facts["town_id"] = region.map(regions["town_id"])
    facts["village_id"] = region.map(regions["village_id"])
    ended = np.fmin(np.fmin(cases["completed_at"], cases["rejected_at"]), cases["voided_at"])
    facts["ended_at"] = ended
    facts["due_day_start"] = (
        cases["due_at"].to_numpy(dtype="datetime64[s]").astype("datetime64[D]").astype("datetime64[s]")
    )
    for name in ("receipt_minutes", "acceptance_minutes", "elapsed_days"):
        facts[name] = np.nan
    facts["is_no_rest"] = False
    for hours, rows in cases.groupby(cases["opening_hours"].fillna(""), sort=False).groups.items():
        _working_time(facts, rows, calendar, hours or None)
    facts["refreshed_at"] = np.datetime64(now.astimezone(LOCAL_TZ).replace(tzinfo=None), "s")
    for name in ("receipt_minutes", "acceptance_minutes"):
        facts[name] = facts[name].round().astype("Int64")
    for name in (
        "bundle_id",
        "hall_id",
        "window_id",
        "region_id",
        "town_id",
        "village_id",
        "citizen_id",
        "enterprise_id",
        "handler_staff_id",
        "receiver_staff_id",
        "legal_limit_days",
    ):
        facts[name] = facts[name].astype("Int64")
    return facts


def _intake_source(channel: pd.Series, system: pd.Series) -> np.ndarray:
    channel, system = channel.astype(str), system.astype(str)
    return np.where(channel == "window", "window_" + system, channel)


def _working_time(facts: pd.DataFrame, rows, calendar: WorkCalendar, hours: str | None) -> None:
    """Working-time columns for the cases of one set of opening hours, in place."""
    part = facts.loc[rows]
    stamps = {n: part[n].to_numpy(dtype="datetime64[s]") for n in TIMESTAMPS}
    present = np.concatenate([v[~np.isnat(v)] for v in stamps.values()])
    if present.size == 0:
        return
    hall_calendar = WorkCalendar(
        calendar.holidays,
        calendar.makeup_workdays,
        calendar.known_years,
        intervals=calendar.intervals if hours is None else _intervals(hours, calendar),
    )
    first = present.min().astype("datetime64[D]").astype(date) - timedelta(days=7)
    last = present.max().astype("datetime64[D]").astype(date) + timedelta(days=7)
    grid = WorkGrid.from_calendar(hall_calendar, first, last)

    def cumulative(name: str) -> np.ndarray:
        values = stamps[name]
        out = np.full(len(values), np.nan)
        known = ~np.isnat(values)
        out[known] = grid.cumulative_minutes(values[known])
        return out

    submitted, received, accepted = (
        cumulative("submitted_at"),
        cumulative("received_at"),
        cumulative("accepted_at"),
    )
    decided = np.where(np.isnan(accepted), cumulative("rejected_at"), accepted)
    completed = cumulative("completed_at")
    facts.loc[rows, "receipt_minutes"] = received - submitted
    facts.loc[rows, "acceptance_minutes"] = decided - received
    special = part["special_minutes"].to_numpy(dtype=float)
    facts.loc[rows, "elapsed_days"] = np.round(
        np.maximum(completed - accepted - special, 0) / grid.minutes_per_day, 4
    )
    accepted_stamp = stamps["accepted_at"]
    known = ~np.isnat(accepted_stamp)
    no_rest = np.zeros(len(accepted_stamp), dtype=bool)
    no_rest[known] = ~grid.is_working_time(accepted_stamp[known])
    facts.loc[rows, "is_no_rest"] = no_rest


def _intervals(hours: str, calendar: WorkCalendar):
    try:
        return parse_intervals(hours)
    except ValueError:
        log.warning("hall opening hours %r unreadable; using the default working intervals", hours)
        return calendar.intervals
