"""seed_district: fill an empty database with one deterministic synthetic district in one transaction."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from core_app.config import LOCAL_TZ, get_settings
from core_app.db.registry import metadata
from core_app.intake.gazetteer import build_gazetteer
from core_app.org.calendar import WorkCalendar, seed_calendar_years
from core_app.org.workgrid import WorkGrid
from core_app.seed.cases import CaseContext, CaseGenerator
from core_app.seed.catalog import build_catalog
from core_app.seed.closed_loop import closed_loop_tables
from core_app.seed.events import EventGenerator, build_categories
from core_app.seed.journeys import plan_journeys
from core_app.seed.org import build_organisation
from core_app.seed.people import build_citizens, build_enterprises
from core_app.seed.reviews import ReviewGenerator
from core_app.seed.scales import Scale, scale_spec
from core_app.seed.writer import TableWriter

ProgressCallback = Callable[[str, int, int], None]

SEEDED_TABLES = (
    "regions",
    "departments",
    "halls",
    "hall_zones",
    "windows",
    "staff",
    "staff_posts",
    "matters",
    "window_matters",
    "matter_bundles",
    "matter_bundle_items",
    "citizens",
    "enterprises",
    "event_categories",
    "cases",
    "case_steps",
    "queue_tickets",
    "reviews",
    "review_appeals",
    "rectifications",
    "events",
    "assignments",
    "event_feedback",
    "event_callbacks",
    "event_actions",
)
HISTORY_DAYS = 365


class SeedError(Exception):
    """The seed cannot run; the message says why and what to do."""


class DistrictExistsError(SeedError):
    """The database already holds a district and no reset was asked for."""


@dataclass
class SeedReport:
    """What a seed wrote: rows per table, write seconds per table and the total time."""

    scale: str
    seed: int
    now: datetime
    rows: dict[str, int] = field(default_factory=dict)
    write_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def seed_district(
    engine: Engine,
    *,
    scale: str,
    seed: int,
    now: datetime | None = None,
    reset: bool = False,
    on_progress: ProgressCallback | None = None,
) -> SeedReport:
    """Generate the demo district and write it in one transaction (nothing is left on failure)."""
    spec = scale_spec(scale)
    local_now = _local_now(now)
    progress = on_progress or (lambda stage, done, total: None)
    began = time.perf_counter()
    with engine.begin() as connection:
        _prepare_database(connection, reset=reset)
        writer = TableWriter(connection)
        grid = _work_grid(connection, local_now)
        _write_district(writer, grid, spec=spec, seed=seed, local_now=local_now, progress=progress)
        writer.reset_sequences(SEEDED_TABLES)
    report = SeedReport(
        scale=Scale(scale).value,
        seed=seed,
        now=local_now.replace(tzinfo=LOCAL_TZ),
        rows=dict(writer.rows),
        write_seconds=dict(writer.seconds),
    )
    report.seconds = time.perf_counter() - began
    progress("done", report.total_rows, report.total_rows)
    return report


def _local_now(now: datetime | None) -> datetime:
    """``now`` as naive Asia/Shanghai time, to the second; naive input is taken as local."""
    now = now or datetime.now(LOCAL_TZ)
    if now.tzinfo is not None:
        now = now.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return now.replace(microsecond=0)


def _prepare_database(connection: Connection, *, reset: bool) -> None:
    """Refuse to seed over an existing district unless asked to empty it first."""
    has_district = connection.execute(text("SELECT 1 FROM regions LIMIT 1")).first() is not None
    if has_district and not reset:
        raise DistrictExistsError(
            "the database already holds a district; run with --reset to empty the seeded tables first"
        )
    if has_district or reset:
        empty_seeded_tables(connection)


def empty_seeded_tables(connection: Connection) -> None:
    """Delete the seeded tables and every table that refers to them (children first)."""
    doomed = set(SEEDED_TABLES)
    for table in metadata.sorted_tables:
        if any(fk.column.table.name in doomed for fk in table.foreign_keys):
            doomed.add(table.name)
    ordered = [t.name for t in reversed(metadata.sorted_tables) if t.name in doomed]
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"TRUNCATE {', '.join(ordered)} RESTART IDENTITY CASCADE"))
    else:
        for name in ordered:
            connection.execute(text(f"DELETE FROM {name}"))


def _work_grid(connection: Connection, local_now: datetime) -> WorkGrid:
    """Seed the holiday table for the covered years and load the working-day grid."""
    start = local_now.date() - timedelta(days=HISTORY_DAYS)
    with Session(bind=connection) as session:
        seed_calendar_years(session, range(start.year, local_now.year + 1))
        calendar = WorkCalendar.load(session)
    return WorkGrid.from_calendar(
        calendar, start - timedelta(days=15), local_now.date() + timedelta(days=500)
    )


def _write_district(
    writer: TableWriter, grid: WorkGrid, *, spec, seed: int, local_now: datetime, progress: ProgressCallback
) -> None:
    today: date = local_now.date()
    pii_key = get_settings().pii_hash_key
    progress("organisation", 0, 1)
    org = build_organisation(np.random.default_rng([seed, 1]), today=today, pii_key=pii_key)
    catalog = build_catalog(np.random.default_rng([seed, 2]), org)
    for name, frame in {**org.tables(), **catalog.tables()}.items():
        writer.write(name, frame)
    with Session(bind=writer.connection) as session:
        build_gazetteer(session)  # places addresses without coordinates at intake
    progress("organisation", 1, 1)
    progress("people", 0, spec.citizens + spec.enterprises)
    citizens = build_citizens(
        np.random.default_rng([seed, 3]), org, spec.citizens, today=today, pii_key=pii_key
    )
    enterprises = build_enterprises(np.random.default_rng([seed, 4]), org, spec.enterprises, today=today)
    now = np.datetime64(local_now, "s")
    start = np.datetime64(today - timedelta(days=HISTORY_DAYS), "D")
    journeys = plan_journeys(
        np.random.default_rng([seed, 5]),
        catalog.matters,
        citizens,
        enterprises,  # founding journeys set established_on, so plan before writing
        start=start,
        today=np.datetime64(today, "D"),
        total_cases=spec.cases,
    )
    writer.write("citizens", citizens)
    writer.write("enterprises", enterprises)
    progress("people", spec.citizens + spec.enterprises, spec.citizens + spec.enterprises)
    _write_cases(
        writer,
        grid,
        org,
        catalog,
        citizens,
        enterprises,
        journeys,
        spec=spec,
        seed=seed,
        start=start,
        now=now,
        progress=progress,
    )
    progress("events", 0, spec.events)
    tree = build_categories(org)
    writer.write("event_categories", tree.rows)
    events = EventGenerator(org, tree, citizens=citizens, start=start, now=now, seed=seed).generate(
        spec.events
    )
    writer.write("events", events)
    for name, frame in closed_loop_tables(events, org, tree, seed=seed, now=now).items():
        writer.write(name, frame)
    progress("events", len(events), len(events))


def _write_cases(
    writer, grid, org, catalog, citizens, enterprises, journeys, *, spec, seed, start, now, progress
) -> None:
    """Generate and write cases and their children block by block to bound memory."""
    context = CaseContext(
        org=org,
        catalog=catalog,
        citizen_regions=citizens["region_id"].to_numpy(),
        enterprise_regions=enterprises["region_id"].to_numpy(),
        grid=grid,
        start=start,
        now=now,
        journeys=journeys,
    )
    cases = CaseGenerator(context, spec.cases, seed, block_size=spec.block_size)
    reviews = ReviewGenerator(grid, now)
    done = 0
    progress("cases", 0, spec.cases)
    for index, block in enumerate(cases.blocks()):
        block.update(reviews.block(np.random.default_rng([seed, 300, index]), block["cases"]))
        for name in ("cases", "case_steps", "queue_tickets", "reviews", "review_appeals", "rectifications"):
            writer.write(name, block[name])
        done += len(block["cases"])
        progress("cases", min(done, spec.cases), spec.cases)
    progress("cases", done, done)  # the target is an estimate: end the bar on what was written
