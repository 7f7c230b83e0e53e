"""The scheduler's push job: conversions measured on every call, pushes generated once a day.

Generation runs on the first call at or after BUTLER_PUSH_DAILY_AT (local time) of a day that has no
push generated yet; a process also remembers the day it last generated, so a day whose run decided to
send nothing is not run again by the same process. Without a registered recommender the job logs a
warning (once a day) and only measures.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core_app.config import LOCAL_TZ, get_settings
from core_app.db.base import utcnow
from core_app.proactive.measure import measure_conversions
from core_app.proactive.models import Push
from core_app.proactive.rules import clock_minutes
from core_app.proactive.service import GenerationReport, RecommenderUnavailable, generate_pushes

log = logging.getLogger(__name__)

_generated_on: date | None = None
_warned_on: date | None = None


@dataclass(frozen=True)
class PushJobReport:
    converted: int
    generation: GenerationReport | None  # None: not due, already done today, or no recommender


def run_pushes(session: Session, now: datetime | None = None) -> PushJobReport:
    """Measure conversions; generate and send today's pushes when due. Commits each step."""
    global _generated_on, _warned_on
    now = now or utcnow()
    converted = measure_conversions(session, now)
    session.commit()
    today = now.astimezone(LOCAL_TZ).date()
    if not generation_due(session, now) or _generated_on == today:
        return PushJobReport(converted, None)
    try:
        report = generate_pushes(session, now=now)
    except RecommenderUnavailable as exc:
        if _warned_on != today:
            log.warning("pushes not generated: %s", exc)
            _warned_on = today
        return PushJobReport(converted, None)
    session.commit()
    _generated_on = today
    log.info(
        "pushes generated for %s subjects: %s; %s messages queued (%.1f s)",
        report.subjects,
        report.counts,
        report.messages,
        report.seconds,
    )
    return PushJobReport(converted, report)


def generation_due(session: Session, now: datetime) -> bool:
    """Past today's generation time, and no push generated since local midnight."""
    local = now.astimezone(LOCAL_TZ)
    start_minutes = clock_minutes(get_settings().push_daily_at, "BUTLER_PUSH_DAILY_AT")
    if local.hour * 60 + local.minute < start_minutes:
        return False
    midnight = datetime.combine(local.date(), time(), LOCAL_TZ)
    return not session.scalar(select(exists().where(Push.generated_at >= midnight)))


def forget_last_run() -> None:
    """Forget the day generation last ran in this process (tests)."""
    global _generated_on, _warned_on
    _generated_on = _warned_on = None
