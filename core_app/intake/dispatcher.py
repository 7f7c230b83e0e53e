"""After intake: accept, recommend and auto-dispatch new events, in the request or in batches behind it.

``inline`` (default) runs ``after_intake`` in the intake request, after the event is committed: the answer
already shows the event accepted or dispatched. ``background`` answers as soon as the event is committed
and hands its id to a worker thread of the same process, which runs ``after_intake`` on batches (the model
scores a batch far faster than one event at a time). Ids are only in memory: events a stopped process did
not get to stay ``received`` and are swept up by the next worker after ``dispatch_sweep_seconds``.
``worker`` leaves it to separate processes (``butler intake dispatch-worker``, as many as wanted: on
PostgreSQL they skip each other's rows), so the API processes only take events in: the highest throughput.
Either way a failure after the commit leaves the event ``received`` (in the dispatcher queue), never lost.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core_app.db.base import utcnow
from core_app.db.session import get_engine
from core_app.events.lifecycle import after_intake
from core_app.events.models import Event, EventAction, EventStatus
from core_app.intake.config import get_intake_settings

logger = logging.getLogger(__name__)

# The sweep looks back this far at most: older received events are the dispatchers' business.
SWEEP_HORIZON = timedelta(days=1)


def run_after_intake(session: Session, event_ids: list[int]) -> int:
    """Accept, recommend and maybe dispatch the still-received events among EVENT_IDS; commit; count them.

    On PostgreSQL rows another worker holds are skipped, so two workers never take the same event."""
    if not event_ids:
        return 0
    statement = (
        select(Event)
        .where(Event.id.in_(event_ids), Event.status == EventStatus.RECEIVED, Event.duplicate_of_id.is_(None))
        .order_by(Event.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=Event)
    events = list(session.scalars(statement))
    if events:
        after_intake(session, events, now=utcnow())
    session.commit()
    return len(events)


def stale_received(session: Session, *, older_than: timedelta, limit: int) -> list[int]:
    """Ids of events intake stored but nobody accepted yet, received more than OLDER_THAN ago."""
    now = utcnow()
    ingested = exists().where(EventAction.event_id == Event.id, EventAction.action == "ingest")
    statement = (
        select(Event.id)
        .where(
            Event.status == EventStatus.RECEIVED,
            Event.duplicate_of_id.is_(None),
            Event.received_at.between(now - SWEEP_HORIZON, now - older_than),
            ingested,
        )
        .order_by(Event.id)
        .limit(limit)
    )
    return list(session.scalars(statement))


class BackgroundDispatcher:
    """One worker thread per process taking event ids off an in-memory queue, a batch at a time."""

    def __init__(
        self, session_factory: Callable[[], Session], *, batch_size: int, sweep_seconds: float
    ) -> None:
        self.session_factory = session_factory
        self.batch_size = batch_size
        self.sweep_seconds = sweep_seconds
        self.queue: queue.Queue[int] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def submit(self, event_ids: list[int]) -> None:
        """Queue the ids and make sure the worker runs."""
        for event_id in event_ids:
            self.queue.put(event_id)
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._stop.clear()
                    self._thread = threading.Thread(target=self._run, name="intake-dispatch", daemon=True)
                    self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the queued batches and stop the worker."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _take_batch(self) -> list[int]:
        try:
            batch = [self.queue.get(timeout=0.5)]
        except queue.Empty:
            return []
        while len(batch) < self.batch_size:
            try:
                batch.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        last_sweep = time.monotonic()
        while not (self._stop.is_set() and self.queue.empty()):
            batch = self._take_batch()
            if batch:
                self._process(batch)
            if time.monotonic() - last_sweep >= self.sweep_seconds:
                last_sweep = time.monotonic()
                self._sweep()

    def _process(self, batch: list[int]) -> None:
        try:
            with self.session_factory() as session:
                run_after_intake(session, batch)
        except Exception:  # the events stay received: the sweep or a dispatcher takes them
            logger.exception(
                "after-intake failed for %d events; they stay in the dispatcher queue", len(batch)
            )

    def _sweep(self) -> None:
        try:
            with self.session_factory() as session:
                ids = stale_received(
                    session, older_than=timedelta(seconds=self.sweep_seconds), limit=self.batch_size
                )
        except Exception:
            logger.exception("sweeping received events failed")
            return
        if ids:
            self._process(ids)


_dispatcher: BackgroundDispatcher | None = None
_dispatcher_lock = threading.Lock()


def background_dispatcher() -> BackgroundDispatcher:
    """This process's background dispatcher (created on first use)."""
    global _dispatcher
    with _dispatcher_lock:
        if _dispatcher is None:
            settings = get_intake_settings()
            _dispatcher = BackgroundDispatcher(
                lambda: Session(get_engine(), expire_on_commit=False),
                batch_size=settings.dispatch_batch_size,
                sweep_seconds=settings.dispatch_sweep_seconds,
            )
        return _dispatcher


def after_commit(session: Session, events: list[Event]) -> None:
    """Run after-intake on the committed new EVENTS, inline or in the background as configured."""
    if not events:
        return
    mode = get_intake_settings().dispatch
    if mode == "worker":  # a dispatch worker process picks them up
        return
    if mode == "background":
        background_dispatcher().submit([e.id for e in events])
        return
    try:
        after_intake(session, events, now=utcnow())
        session.commit()
    except Exception:
        session.rollback()
        logger.exception("after-intake failed for %d events; they stay in the dispatcher queue", len(events))


def run_worker(
    session_factory: Callable[[], Session],
    *,
    batch_size: int,
    idle_seconds: float = 0.2,
    once: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Take received events in batches until stopped (or, with ONCE, until none are left); count them."""
    done = 0
    while not should_stop():
        with session_factory() as session:
            ids = stale_received(session, older_than=timedelta(0), limit=batch_size)
            taken = run_after_intake(session, ids)
        done += taken
        if not ids:
            if once:
                break
            time.sleep(idle_seconds)
    return done
