"""Celery for the event loop's background work, used when settings.scheduler is "celery".

Run ``celery -A core_app.sla.celery_app worker --beat`` (or beat and workers apart): beat queues
``butler.sla.tick`` and ``butler.notify.deliver`` every scheduler_interval_seconds on the RabbitMQ broker
(settings.celery_broker_url), and the key-link warning scan and the analytics upkeep every minute; any worker
runs them. All are safe to run twice at once: the tick claims each timer step with a conditional update,
delivery claims each outbox row, the scan writes each warning and reminder once (unique keys), the mart
refresh holds an advisory lock. The service-profile jobs (portraits hourly, associations daily, pushes every
ten minutes, generating once a day) run on their own schedule entries.
"""

from celery import Celery

from core_app.config import get_settings
from core_app.sla.runner import (
    SERVICE_JOBS,
    run_analytics,
    run_delivery,
    run_service_job,
    run_tick,
    run_warnings,
)

TICK_TASK = "butler.sla.tick"
DELIVER_TASK = "butler.notify.deliver"
WARNINGS_TASK = "butler.warnings.scan"
ANALYTICS_TASK = "butler.analytics.upkeep"
SERVICE_TASK = "butler.service.job"
MINUTE = 60.0


def make_celery() -> Celery:
    """A Celery app on the configured broker, with the beat schedule of both tasks."""
    settings = get_settings()
    interval = float(settings.scheduler_interval_seconds)
    app = Celery("butler", broker=settings.celery_broker_url)
    app.conf.update(
        task_ignore_result=True,
        timezone="Asia/Shanghai",
        # A tick that cannot start within one interval is superseded by the next one.
        task_default_expires=interval,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "sla-tick": {"task": TICK_TASK, "schedule": interval},
            "notify-deliver": {"task": DELIVER_TASK, "schedule": interval},
            "warnings-scan": {"task": WARNINGS_TASK, "schedule": MINUTE},
            "analytics-upkeep": {"task": ANALYTICS_TASK, "schedule": MINUTE},
            **{
                f"service-{name}": {"task": SERVICE_TASK, "schedule": every.total_seconds(), "args": (name,)}
                for name, (every, _module, _function) in SERVICE_JOBS.items()
            },
        },
    )
    return app


celery_app = make_celery()


@celery_app.task(name=TICK_TASK)
def sla_tick() -> int:
    """Fire the SLA steps that are due; return how many."""
    return run_tick()


@celery_app.task(name=DELIVER_TASK)
def notify_deliver() -> int:
    """Deliver due outbox messages; return how many."""
    return run_delivery()


@celery_app.task(name=WARNINGS_TASK)
def warnings_scan() -> int:
    """Scan for key-link warnings and send the reminders due; return how many."""
    return run_warnings()


@celery_app.task(name=ANALYTICS_TASK)
def analytics_upkeep() -> int:
    """Refresh the case mart and take the day's catalogue snapshot; return the cases refreshed."""
    return run_analytics()


@celery_app.task(name=SERVICE_TASK)
def service_job(name: str) -> bool:
    """Run one service-profile job (portraits, associations or pushes); return whether it ran."""
    return run_service_job(name) is not None
