"""How often the models' recommendations are taken up, counted in the database.

Dispatch: a dispatcher either accepts the model's first department or overrides it (events/lifecycle.py
``_record_decision``); the accept rate is accepted / (accepted + overridden). Events the model dispatched
alone (decision ``auto``) are counted beside it, not in it: nobody chose there. A recommendation counts on
the local day it was decided.

Pushes: the proactive service's own figures (proactive/measure.py), per model version.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from core_app.analytics.periods import local_midnight
from core_app.db.sqltime import as_date, local_day
from core_app.dispatch.models import DispatchRecommendation
from core_app.proactive import measure

DECISIONS = ("accepted", "overridden", "auto")


@dataclass(frozen=True)
class Window:
    """The local days [start, end) the figures cover."""

    start: date
    end: date

    @classmethod
    def last_days(cls, days: int, today: date) -> "Window":
        """The DAYS local days up to and including TODAY."""
        return cls(today - timedelta(days=days - 1), today + timedelta(days=1))

    @property
    def start_instant(self) -> datetime:
        return local_midnight(self.start)

    @property
    def end_instant(self) -> datetime:
        return local_midnight(self.end)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]


def accept_rate(accepted: int, overridden: int) -> float | None:
    """accepted / (accepted + overridden) to four places; None when no dispatcher chose."""
    chosen = accepted + overridden
    return round(accepted / chosen, 4) if chosen else None


def _decision_counts() -> list[ColumnElement]:
    column = DispatchRecommendation.decision
    return [func.coalesce(func.sum(case((column == d, 1), else_=0)), 0).label(d) for d in DECISIONS]


def _figures(row: Any) -> dict[str, Any]:
    counts = {d: int(getattr(row, d) or 0) for d in DECISIONS}
    return counts | {"accept_rate": accept_rate(counts["accepted"], counts["overridden"])}


def _decided_in(window: Window) -> list[ColumnElement[bool]]:
    column = DispatchRecommendation.decided_at
    return [column >= window.start_instant, column < window.end_instant]


def dispatch_by_day(session: Session, window: Window) -> list[dict[str, Any]]:
    """Each local day of the window (none left out) with its decisions and accept rate."""
    day = local_day(DispatchRecommendation.decided_at, session.get_bind().dialect.name).label("day")
    statement = select(day, *_decision_counts()).where(*_decided_in(window)).group_by(day)
    found = {as_date(row.day): _figures(row) for row in session.execute(statement)}
    empty = dict.fromkeys(DECISIONS, 0) | {"accept_rate": None}
    return [{"day": d} | found.get(d, empty) for d in window.days()]


def dispatch_by_version(session: Session, window: Window) -> list[dict[str, Any]]:
    """Decisions and accept rate per model version, newest version first."""
    name, version = DispatchRecommendation.model_name, DispatchRecommendation.model_version
    statement = (
        select(name, version, *_decision_counts())
        .where(*_decided_in(window))
        .group_by(name, version)
        .order_by(name, version.desc())
    )
    return [
        {"model_name": row.model_name, "model_version": row.model_version} | _figures(row)
        for row in session.execute(statement)
    ]


def dispatch_total(session: Session, window: Window) -> dict[str, Any]:
    """The window's decisions, accept rate, and the recommendations made in it still waiting for one."""
    row = session.execute(select(*_decision_counts()).where(*_decided_in(window))).one()
    created = DispatchRecommendation.created_at
    undecided = session.scalar(
        select(func.count()).where(
            DispatchRecommendation.decision.is_(None),
            created >= window.start_instant,
            created < window.end_instant,
        )
    )
    return _figures(row) | {"undecided": int(undecided or 0)}


def push_figures(session: Session, window: Window, now: datetime) -> dict[str, Any]:
    """Pushes sent in the window per model version and in total, as the proactive service counts them."""
    period = measure.Period(window.start_instant, window.end_instant)
    rows = measure.push_stats(session, period, measure.StatsBy.MODEL_VERSION, now)
    return {"total": measure.totals(rows), "by_version": rows}
