"""Run the event loop's background work: SLA ticks, then outbox delivery, every few seconds.

Three ways (``settings.scheduler``): ``inprocess`` (default) runs a daemon thread inside the API server,
started and stopped by the app's lifespan; ``celery`` leaves it to Celery beat and workers
(core_app.sla.celery_app); ``off`` runs nothing (tests, or a separate ``butler scheduler run``).
Each job gets its own session; an exception is logged and the loop goes on.
"""

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from core_app.config import get_settings
from core_app.db.base import utcnow
from core_app.db.session import get_engine

log = logging.getLogger(__name__)

INPROCESS = "inprocess"
CELERY = "celery"
OFF = "off"
MODES = (INPROCESS, CELERY, OFF)

SessionFactory = Callable[[], Session]


def default_sessions() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def run_tick(sessions: SessionFactory | None = None, now: datetime | None = None) -> int:
    """One SLA tick in its own session; the steps fired, or 0 after logging a failure."""
    from core_app.sla.scheduler import tick

    sessions = sessions or default_sessions()
    try:
        with sessions() as session:
            return tick(session, now or utcnow())
    except Exception:
        log.exception("SLA tick failed")
        return 0


def run_delivery(sessions: SessionFactory | None = None, now: datetime | None = None) -> int:
    """One pass of outbox delivery in its own session; messages delivered, or 0 after logging a failure."""
    try:
        from core_app.notify.worker import deliver_due
    except ImportError:  # the worker is optional until it is installed
        log.warning("outbox delivery is not available (core_app.notify.worker missing)")
        return 0
    try:
        return deliver_due(sessions or default_sessions(), now or utcnow())
    except Exception:
        log.exception("outbox delivery failed")
        return 0


WARNING_SCAN_EVERY = timedelta(seconds=60)
_last_warning_scan: datetime | None = None
_last_analytics_run: datetime | None = None


def run_warnings(sessions: SessionFactory | None = None, now: datetime | None = None) -> int:
    """The key-link warning scan (core_app.warnings.monitor) in its own session, at most once a minute;
    the reminders it wrote, or 0 when skipped or after logging a failure."""
    global _last_warning_scan
    now = now or utcnow()
    if _last_warning_scan is not None and timedelta(0) <= now - _last_warning_scan < WARNING_SCAN_EVERY:
        return 0
    from core_app.warnings.monitor import scan

    sessions = sessions or default_sessions()
    try:
        with sessions() as session:
            report = scan(session, now)
            session.commit()
    except Exception:
        log.exception("warning scan failed")
        return 0
    _last_warning_scan = now
    return report.reminders


def run_analytics(sessions: SessionFactory | None = None, now: datetime | None = None) -> int:
    """Analytics upkeep (core_app.analytics.jobs) in its own session, at most once a minute: the case mart
    refreshed, a catalogue snapshot a day; the cases refreshed, or 0 when skipped or after a failure."""
    global _last_analytics_run
    now = now or utcnow()
    if _last_analytics_run is not None and timedelta(0) <= now - _last_analytics_run < WARNING_SCAN_EVERY:
        return 0
    from core_app.analytics.jobs import upkeep

    try:
        with (sessions or default_sessions())() as session:
            refreshed, _copied = upkeep(session, now)
    except Exception:
        log.exception("analytics upkeep failed")
        return 0
    _last_analytics_run = now
    return refreshed


# The service-profile jobs: how often each runs, and what it runs (module, function(session, now)).
SERVICE_JOBS: dict[str, tuple[timedelta, str, str]] = {
    "portraits": (timedelta(hours=1), "core_app.portraits.service", "run_portraits"),  # incremental
    "associations": (timedelta(days=1), "core_app.associations.service", "run_associations"),
    "pushes": (timedelta(minutes=10), "core_app.proactive.jobs", "run_pushes"),  # generates once a day
}
_last_service_run: dict[str, datetime] = {}


def run_service_job(name: str, sessions: SessionFactory | None = None, now: datetime | None = None) -> object:
    """One service-profile job (SERVICE_JOBS) in its own session when its interval has passed since its
    last run here; its report, or None when skipped or after logging a failure. Each job commits itself."""
    import importlib

    every, module, function = SERVICE_JOBS[name]
    now = now or utcnow()
    last = _last_service_run.get(name)
    if last is not None and timedelta(0) <= now - last < every:
        return None
    job = getattr(importlib.import_module(module), function)
    try:
        with (sessions or default_sessions())() as session:
            report = job(session, now)
    except Exception:
        log.exception("%s job failed", name)
        return None
    _last_service_run[name] = now
    return report


def run_once(sessions: SessionFactory | None = None, now: datetime | None = None) -> tuple[int, int]:
    """Tick the SLA timers, scan for key-link warnings, keep the analytics and the service profiles
    (portraits, associations, pushes) up to date, then deliver what is due:
    (steps fired, messages delivered)."""
    sessions = sessions or default_sessions()
    fired = run_tick(sessions, now)
    run_warnings(sessions, now)
    run_analytics(sessions, now)
    for name in SERVICE_JOBS:
        run_service_job(name, sessions, now)
    return fired, run_delivery(sessions, now)


class SchedulerThread:
    """A daemon thread running ``run_once`` every ``interval`` seconds until stopped."""

    def __init__(self, interval: float, job: Callable[[], object] | None = None) -> None:
        self.interval = interval
        self.job = job or run_once
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def start(self) -> "SchedulerThread":
        self._thread = threading.Thread(target=self._loop, name="butler-scheduler", daemon=True)
        self._thread.start()
        log.info("in-process scheduler started (every %s s)", self.interval)
        return self

    def stop(self, timeout: float = 30) -> None:
        """Ask the loop to end and wait for the job under way to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("scheduler thread still busy after %s s; leaving it (daemon)", timeout)
            self._thread = None
        log.info("in-process scheduler stopped")

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        # Wait one interval first: a server that starts and stops at once (a test client) does no work.
        # Whatever came due while the server was down is caught up on the first run.
        while not self._stop.wait(self.interval):
            try:
                self.job()
            except Exception:  # the job logs its own failures; this keeps the thread alive regardless
                log.exception("scheduler run failed")
            self.runs += 1


def start_inprocess_scheduler() -> SchedulerThread | None:
    """Start the thread when settings.scheduler is "inprocess"; None otherwise."""
    settings = get_settings()
    if settings.scheduler not in MODES:
        log.warning("unknown scheduler %r (expected one of %s): nothing runs", settings.scheduler, MODES)
        return None
    if settings.scheduler != INPROCESS:
        return None
    return SchedulerThread(settings.scheduler_interval_seconds).start()


@asynccontextmanager
async def scheduler_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The app's lifespan: the in-process scheduler runs while the server does."""
    runner = start_inprocess_scheduler()
    app.state.scheduler = runner
    try:
        yield
    finally:
        if runner is not None:
            runner.stop()
