"""Event trends (DOMAIN §7.3): counts per category or street by week or month (in SQL), rising categories,
hot words, hot problems, spatial hot spots and a next-week forecast per category.

Periods are local (Asia/Shanghai) calendar weeks starting on Monday, or calendar months; every figure is
over the events the caller may read (``scopes.EVENTS``) reported in [start, end), optionally narrowed by
source, category (with its sub-categories) and street. Every report counts as one event, repeat contacts
and duplicates included: a repeat is part of the demand. "Category" means the second level of the tree
(a third-level category counts for its parent), unless ``category_level`` says 1.
"""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, Date, case, cast, func, literal, select
from sqlalchemy.orm import Session, aliased

from core_app.config import LOCAL_TZ
from core_app.db.sqltime import LOCAL_OFFSET_HOURS, as_date
from core_app.events.evaluation import event_conditions
from core_app.events.models import Event, EventCategory, EventSource
from core_app.org.models import Region
from features.trends.hot_problems import hot_problems
from features.trends.hotspots import hot_spots
from features.trends.rising import rising_series
from features.trends.words import hot_words
from models.forecast import ForecastError, SeasonalNaive, WeeklyForecaster

# Asia/Shanghai has kept UTC+8 without daylight saving since 1991, so SQLite can shift by a fixed offset.
MAX_TEXTS = 5000  # texts read for hot words and hot problems (newest first)
EVENT_TEXT_THRESHOLD = 0.55
MAX_POINTS = 20_000  # events read for hot spots (newest first)
FORECAST_HISTORY_WEEKS = 52
MIN_FORECAST_WEEKS = 10  # LightGBM needs 8 lag weeks plus a few to learn from; fewer -> seasonal-naive


class Granularity(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"


class CountBy(enum.StrEnum):
    CATEGORY = "category"
    STREET = "street"


@dataclass(frozen=True)
class TrendFilter:
    """Events reported in [start, end), optionally of one source, category (and below) and street."""

    start: datetime
    end: datetime
    source: EventSource | None = None
    category_id: int | None = None
    street_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        return [
            Event.reported_at >= self.start,
            Event.reported_at < self.end,
            *event_conditions(source=self.source, category_id=self.category_id, street_id=self.street_id),
        ]

    def between(self, start: datetime, end: datetime) -> "TrendFilter":
        return TrendFilter(start, end, self.source, self.category_id, self.street_id)


def period_start(column, granularity: Granularity, dialect: str) -> ColumnElement:
    """The local date of the Monday of the week (or the 1st of the month) of a timestamp column."""
    if dialect == "sqlite":
        # TZDateTime keeps UTC text on SQLite; 'weekday 0' moves forward to Sunday (0), minus 6 days = Monday.
        shift = f"{LOCAL_OFFSET_HOURS:+d} hours"
        if granularity is Granularity.WEEK:
            return func.date(column, shift, "weekday 0", "-6 days")
        return func.date(column, shift, "start of month")
    local = func.timezone(literal(str(LOCAL_TZ)), column)  # timestamptz -> local wall-clock timestamp
    return cast(func.date_trunc(granularity.value, local), Date)  # PostgreSQL weeks start on Monday


def category_key(level: int):
    """(key column, joins) rolling an event's category up to ``level`` (1 or 2)."""
    own = aliased(EventCategory)
    parent = aliased(EventCategory)
    if level == 2:
        key = case((own.level <= 2, own.id), else_=own.parent_id)
    else:
        key = case((own.level == 1, own.id), (own.level == 2, own.parent_id), else_=parent.parent_id)
    return key, own, parent


def event_counts(
    session: Session,
    where: TrendFilter,
    *,
    scope: ColumnElement[bool],
    granularity: Granularity = Granularity.WEEK,
    by: CountBy = CountBy.CATEGORY,
    category_level: int = 2,
) -> list[dict]:
    """Counts per period and category (or street), one GROUP BY in SQL; period_start, key_id, key_name,
    count, ordered by period then count (largest first). Events without category or street have key None."""
    dialect = session.get_bind().dialect.name
    period = period_start(Event.reported_at, granularity, dialect).label("period_start")
    if by is CountBy.CATEGORY:
        key, own, parent = category_key(category_level)
        key = key.label("key_id")
        inner = (
            select(period, key)
            .select_from(Event)
            .outerjoin(own, own.id == Event.category_id)
            .outerjoin(parent, parent.id == own.parent_id)
        )
        names = aliased(EventCategory)
    else:
        inner = select(period, Event.street_id.label("key_id")).select_from(Event)
        names = aliased(Region)
    inner = inner.where(*where.conditions(), scope).subquery()
    statement = (
        select(inner.c.period_start, inner.c.key_id, names.name, func.count().label("count"))
        .outerjoin(names, names.id == inner.c.key_id)
        .group_by(inner.c.period_start, inner.c.key_id, names.name)
    )
    rows = [
        {"period_start": as_date(p), "key_id": k, "key_name": n, "count": int(c)}
        for p, k, n, c in session.execute(statement)
    ]
    return sorted(rows, key=lambda r: (r["period_start"], -r["count"], r["key_id"] or 0))


def week_monday(moment: datetime) -> datetime:
    """Local midnight of the Monday of the week of ``moment``."""
    local = moment.astimezone(LOCAL_TZ)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=LOCAL_TZ)


def weekly_panel(
    session: Session, where: TrendFilter, *, scope: ColumnElement[bool], category_level: int = 2
) -> tuple[pd.DataFrame, dict[int, str]]:
    """Weekly counts per category as a complete panel (series, week, count; weeks without events = 0) over
    the whole weeks of [start, end), with the category names."""
    rows = event_counts(session, where, scope=scope, by=CountBy.CATEGORY, category_level=category_level)
    names = {r["key_id"]: r["key_name"] for r in rows if r["key_id"] is not None}
    weeks = pd.date_range(week_monday(where.start).date(), week_monday(where.end).date(), freq="7D")[:-1]
    frame = pd.DataFrame(
        [(r["key_id"], pd.Timestamp(r["period_start"]), r["count"]) for r in rows if r["key_id"] is not None],
        columns=["series", "week", "count"],
    )
    index = pd.MultiIndex.from_product([sorted(names), weeks], names=["series", "week"])
    summed = frame.groupby(["series", "week"])["count"].sum() if not frame.empty else pd.Series(dtype=float)
    panel = summed.reindex(index, fill_value=0).astype(float).reset_index(name="count")
    return panel, names


def whole_weeks(end: datetime, weeks: int) -> tuple[datetime, datetime]:
    """[start, end) of the ``weeks`` whole weeks before the week containing ``end`` (a week still running at
    ``end`` is left out; ``end`` on a Monday midnight starts a new week)."""
    last = week_monday(end)
    return last - timedelta(days=7 * weeks), last


def rising_topics(
    session: Session,
    where: TrendFilter,
    *,
    scope: ColumnElement[bool],
    baseline_weeks: int = 8,
    z_threshold: float = 3.0,
    min_count: int = 5,
    terms: int = 5,
) -> dict:
    """Categories whose count in the last whole week before ``where.end`` is far above the previous
    ``baseline_weeks`` weeks (features.trends.rising), with the hot words of each rising category."""
    start, end = whole_weeks(where.end, baseline_weeks + 1)
    panel, names = weekly_panel(session, where.between(start, end), scope=scope)
    latest = end - timedelta(days=7)
    if panel.empty:
        return {"week_start": latest, "baseline_weeks": baseline_weeks, "rows": []}
    wide = panel.pivot(index="week", columns="series", values="count")
    table = rising_series(wide, baseline_periods=baseline_weeks, z_threshold=z_threshold, min_count=min_count)
    rows = []
    for row in table.to_dict("records"):
        words: list[str] = []
        if row["rising"]:
            category = TrendFilter(start, end, where.source, int(row["series"]), where.street_id)
            period = _texts(session, category.between(latest, end), scope)
            baseline = _texts(session, category.between(start, latest), scope)
            words = hot_words(period, baseline, top=terms, min_count=2)["word"].tolist()
        rows.append(
            row | {"category_id": int(row["series"]), "category": names.get(row["series"]), "words": words}
        )
    return {"week_start": latest, "baseline_weeks": baseline_weeks, "rows": rows}


def _texts(session: Session, where: TrendFilter, scope: ColumnElement[bool]) -> list[str]:
    statement = (
        select(Event.title, Event.description)
        .where(*where.conditions(), scope)
        .order_by(Event.reported_at.desc())
        .limit(MAX_TEXTS)
    )
    return [f"{title}。{description}" for title, description in session.execute(statement)]


def period_hot_words(
    session: Session,
    where: TrendFilter,
    *,
    scope: ColumnElement[bool],
    baseline_start: datetime,
    top: int = 20,
    min_count: int = 3,
) -> dict:
    """Words distinctive of [start, end) against [baseline_start, start) (features.trends.words)."""
    period = _texts(session, where, scope)
    baseline = _texts(session, where.between(baseline_start, where.start), scope)
    table = hot_words(period, baseline, top=top, min_count=min_count)
    return {"period_texts": len(period), "baseline_texts": len(baseline), "rows": table.to_dict("records")}


def event_hot_problems(
    session: Session, where: TrendFilter, *, scope: ColumnElement[bool], top: int = 20, min_count: int = 2
) -> list[dict]:
    """Hot problems among the events (features.trends.hot_problems): text = title + description, place =
    the community (else the street), which must be equal; no votes; the count is the number of (repeat)
    contacts. Event texts share their intake phrasing (来电反映, 诉求 ...), so the text threshold is higher
    than for free messages."""
    street, community = aliased(Region), aliased(Region)
    statement = (
        select(
            Event.id,
            Event.title,
            Event.description,
            Event.reported_at,
            street.name.label("street"),
            community.name.label("community"),
        )
        .outerjoin(street, street.id == Event.street_id)
        .outerjoin(community, community.id == Event.region_id)
        .where(*where.conditions(), scope)
        .order_by(Event.reported_at.desc())
        .limit(MAX_TEXTS)
    )
    frame = pd.DataFrame(session.execute(statement).all(), columns=list(statement.selected_columns.keys()))
    if frame.empty:
        return []
    messages = pd.DataFrame(
        {
            "id": frame["id"],
            "title": frame["title"],
            "text": frame["title"] + "。" + frame["description"].fillna(""),
            "time": pd.to_datetime(
                frame["reported_at"].map(lambda t: t.astimezone(LOCAL_TZ).replace(tzinfo=None))
            ),
            "place": frame["community"].fillna(frame["street"]).fillna(""),
        }
    )
    table = hot_problems(messages, threshold=EVENT_TEXT_THRESHOLD, top=top, min_count=min_count)
    return table.to_dict("records")


def event_hot_spots(
    session: Session,
    where: TrendFilter,
    *,
    scope: ColumnElement[bool],
    eps_m: float = 200.0,
    min_samples: int = 10,
    top: int = 20,
) -> dict:
    """Clusters of nearby events (features.trends.hotspots) with their level-2 category and street names."""
    key, own, parent = category_key(2)
    names, street = aliased(EventCategory), aliased(Region)
    inner = (
        select(Event.id, Event.lon, Event.lat, Event.street_id, key.label("category_id"))
        .outerjoin(own, own.id == Event.category_id)
        .outerjoin(parent, parent.id == own.parent_id)
        .where(*where.conditions(), scope, Event.lon.is_not(None), Event.lat.is_not(None))
        .order_by(Event.reported_at.desc())
        .limit(MAX_POINTS)
        .subquery()
    )
    statement = (
        select(
            inner.c.id, inner.c.lon, inner.c.lat, names.name.label("category"), street.name.label("street")
        )
        .outerjoin(names, names.id == inner.c.category_id)
        .outerjoin(street, street.id == inner.c.street_id)
    )
    points = pd.DataFrame(
        session.execute(statement).all(), columns=["id", "lon", "lat", "category", "street"]
    )
    table = hot_spots(points, eps_m=eps_m, min_samples=min_samples)
    return {"points": len(points), "rows": table.head(top).to_dict("records")}


def forecast_next_week(
    session: Session,
    *,
    scope: ColumnElement[bool],
    now: datetime,
    source: EventSource | None = None,
    street_id: int | None = None,
    history_weeks: int = FORECAST_HISTORY_WEEKS,
) -> dict:
    """Next week's count per category: WeeklyForecaster fitted on the last ``history_weeks`` whole weeks
    before ``now``'s week, with the seasonal-naive forecast and last week's count beside it. With fewer than
    ``MIN_FORECAST_WEEKS`` weeks of history the seasonal-naive forecast is the answer."""
    start, end = whole_weeks(now, history_weeks)
    where = TrendFilter(start, end, source=source, street_id=street_id)
    panel, names = weekly_panel(session, where, scope=scope)
    target = end
    if panel.empty:
        return {"week_start": target, "model": "none", "history_weeks": 0, "rows": []}
    # Weeks before the data begins are not history, and the first week with data may have begun mid-week.
    active = panel.groupby("week")["count"].sum()
    panel = panel[panel["week"] > active[active > 0].index.min()]
    if panel.empty:
        return {"week_start": target, "model": "none", "history_weeks": 0, "rows": []}
    weeks = panel["week"].nunique()
    naive = SeasonalNaive().fit(panel).predict(panel).set_index("series")["forecast"]
    model_name = f"seasonal-naive (season {SeasonalNaive().fit(panel).season_length_} weeks)"
    forecast = naive
    if weeks >= MIN_FORECAST_WEEKS:
        try:
            forecast = WeeklyForecaster().fit(panel).predict(panel).set_index("series")["forecast"]
            model_name = "WeeklyForecaster (LightGBM)"
        except ForecastError:
            pass
    last = panel[panel["week"] == panel["week"].max()].set_index("series")["count"]
    rows = [
        {
            "category_id": int(series),
            "category": names.get(series),
            "forecast": round(float(forecast[series]), 2),
            "seasonal_naive": round(float(naive[series]), 2),
            "last_week": int(last.get(series, 0)),
        }
        for series in sorted(names, key=lambda s: -float(forecast[s]))
    ]
    return {"week_start": target, "model": model_name, "history_weeks": int(weeks), "rows": rows}
