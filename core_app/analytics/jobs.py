"""Background upkeep of the analytics, run by the scheduler tick: the case mart kept fresh for the
cockpit, and one catalogue snapshot a day (so that 较前次 of the matter analysis has a history)."""

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core_app.analytics.facts import refresh_case_facts
from core_app.analytics.matters import take_matter_snapshot
from core_app.analytics.models import MatterSnapshot
from core_app.config import LOCAL_TZ


def upkeep(session: Session, now: datetime) -> tuple[int, int]:
    """Refresh changed cases; snapshot the catalogue if today has none. (cases refreshed, matters copied)."""
    refreshed = refresh_case_facts(session).rows
    session.commit()
    today = now.astimezone(LOCAL_TZ).date()
    copied = 0
    if not session.scalar(select(exists().where(MatterSnapshot.taken_on == today))):
        copied = take_matter_snapshot(session, today)
        session.commit()
    return refreshed, copied
