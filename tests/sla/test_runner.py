"""The scheduler runtime: the in-process thread, the app lifespan, `butler scheduler run`, Celery."""

import logging
import threading
import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from core_app.api.app import create_app
from core_app.cli import app as cli
from core_app.db.base import utcnow
from core_app.sla import runner, service
from core_app.sla.models import TimerKind
from core_app.supervision.models import Supervision
from tests.sla import factories as f


def _overdue_timer(session, hours: float = 3) -> None:
    """A sign timer started long enough ago that all four steps are due now."""
    dept = f.department(session)
    event = f.event(session, department_id=dept.id)
    start = utcnow() - timedelta(hours=hours)
    service.start_timer(session, f.assignment(session, event, dept.id, at=start), TimerKind.SIGN, start)
    session.commit()


def _supervisions(session) -> int:
    return session.scalar(select(func.count()).select_from(Supervision))


def test_the_thread_runs_the_job_every_interval_and_stops_promptly() -> None:
    ran = threading.Event()
    calls = []

    def job() -> None:
        calls.append(time.monotonic())
        if len(calls) >= 3:
            ran.set()

    thread = runner.SchedulerThread(0.01, job).start()
    assert ran.wait(5)
    started = time.monotonic()
    thread.stop()
    assert time.monotonic() - started < 1 and not thread.alive
    assert thread.runs >= 3


def test_a_failing_job_is_logged_and_the_thread_goes_on(caplog) -> None:
    ran = threading.Event()
    calls = []

    def job() -> None:
        calls.append(1)
        if len(calls) >= 2:
            ran.set()
        raise RuntimeError("database went away")

    with caplog.at_level(logging.ERROR, logger=runner.__name__):
        thread = runner.SchedulerThread(0.01, job).start()
        assert ran.wait(5)
        thread.stop()
    assert "scheduler run failed" in caplog.text


def test_the_lifespan_starts_the_thread_only_when_inprocess(engine, monkeypatch) -> None:
    monkeypatch.setenv("BUTLER_SCHEDULER", "inprocess")
    monkeypatch.setenv("BUTLER_SCHEDULER_INTERVAL_SECONDS", "3600")  # never runs within the test
    runner.get_settings.cache_clear()
    app = create_app()
    with TestClient(app):
        thread = app.state.scheduler
        assert thread is not None and thread.alive
    assert not thread.alive

    monkeypatch.setenv("BUTLER_SCHEDULER", "off")
    runner.get_settings.cache_clear()
    app = create_app()
    with TestClient(app):
        assert app.state.scheduler is None
    runner.get_settings.cache_clear()


def test_run_once_ticks_then_delivers_each_in_its_own_session(engine, session) -> None:
    _overdue_timer(session)
    fired, delivered = runner.run_once(sessionmaker(bind=engine, expire_on_commit=False))
    assert fired == 4 and delivered == 0  # no channel is configured: messages wait in the outbox
    assert _supervisions(session) == 4
    assert runner.run_once(sessionmaker(bind=engine))[0] == 0


def test_a_failing_tick_is_logged_not_raised(caplog) -> None:
    def broken():
        raise RuntimeError("no database")

    with caplog.at_level(logging.ERROR, logger=runner.__name__):
        assert runner.run_tick(broken) == 0
        assert runner.run_delivery(broken) == 0
    assert "SLA tick failed" in caplog.text and "outbox delivery failed" in caplog.text


def test_butler_scheduler_run_once(engine, session) -> None:
    _overdue_timer(session)
    result = CliRunner().invoke(cli, ["scheduler", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "SLA steps fired 4" in result.output
    assert _supervisions(session) == 4


def test_celery_tasks_are_registered_with_a_beat_schedule(engine, session) -> None:
    from core_app.sla import celery_app

    app = celery_app.celery_app
    tasks = {
        celery_app.TICK_TASK,
        celery_app.DELIVER_TASK,
        celery_app.WARNINGS_TASK,
        celery_app.ANALYTICS_TASK,
        celery_app.SERVICE_TASK,
    }
    assert tasks <= set(app.tasks)
    assert {entry["task"] for entry in app.conf.beat_schedule.values()} == tasks
    service = {e["args"][0]: e["schedule"] for e in app.conf.beat_schedule.values() if e.get("args")}
    assert service == {"portraits": 3600.0, "associations": 86400.0, "pushes": 600.0}
    _overdue_timer(session)
    assert celery_app.sla_tick() == 4  # the task body, called directly
    assert celery_app.notify_deliver() == 0


def test_a_real_celery_worker_runs_the_tick_over_rabbitmq(engine, session) -> None:
    import uuid

    from celery.contrib.testing.worker import start_worker

    from core_app.sla import celery_app

    app = celery_app.celery_app
    queue = f"butler-test-{uuid.uuid4().hex[:8]}"  # a queue of our own on the shared broker
    saved = app.conf.task_default_queue, app.conf.broker_heartbeat
    app.conf.task_default_queue = queue
    # Without heartbeats the worker's event loop wakes every second, so it stops at once when asked.
    app.conf.broker_heartbeat = 0
    _overdue_timer(session)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10):
            celery_app.sla_tick.apply_async(queue=queue)
            deadline = time.monotonic() + 15
            while _supervisions(session) < 4 and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        app.conf.task_default_queue, app.conf.broker_heartbeat = saved
    assert _supervisions(session) == 4


def test_service_jobs_run_once_per_interval_and_a_failure_is_logged(
    engine, session, monkeypatch, caplog
) -> None:
    from datetime import timedelta

    from core_app.db.base import utcnow

    monkeypatch.setattr(runner, "_last_service_run", {})
    now = utcnow()
    sessions = runner.default_sessions()
    assert runner.run_service_job("portraits", sessions, now) is not None  # an empty district: nothing to do
    assert runner.run_service_job("portraits", sessions, now + timedelta(minutes=59)) is None  # not yet due
    assert runner.run_service_job("portraits", sessions, now + timedelta(minutes=61)) is not None

    def broken():
        raise RuntimeError("database down")

    assert runner.run_service_job("associations", broken, now) is None
    assert "associations job failed" in caplog.text
    assert "associations" not in runner._last_service_run  # retried on the next tick
