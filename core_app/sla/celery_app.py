"""Celery for the event loop's background work, used when settings.scheduler is "celery".

Run ``celery -A core_app.sla.celery_app worker --beat`` (or beat and workers apart): beat queues
``butler.sla.tick`` and ``butler.notify.deliver`` every scheduler_interval_seconds on the RabbitMQ broker
(settings.celery_broker_url); any worker runs them. Both are safe to run twice at once: the tick claims
each timer step with a conditional update, delivery claims each outbox row.
"""

from celery import Celery

from core_app.config import get_settings
from core_app.sla.runner import run_delivery, run_tick

TICK_TASK = "butler.sla.tick"
DELIVER_TASK = "butler.notify.deliver"


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
