"""Response schemas of the trend endpoints (/api/v1/trends/...)."""

from datetime import date, datetime

from pydantic import BaseModel

from core_app.events.models import EventSource
from core_app.privacy.masking import MaskedText


class TrendScope(BaseModel):
    """The filters a figure was computed with."""

    period_from: datetime
    period_to: datetime
    source: EventSource | None = None
    category_id: int | None = None
    street_id: int | None = None


class CountRow(BaseModel):
    period_start: date
    key_id: int | None
    key_name: str | None
    count: int


class CountReport(BaseModel):
    """Event counts per period (local week from Monday, or month) and category or street."""

    scope: TrendScope
    granularity: str
    by: str
    category_level: int
    total: int
    rows: list[CountRow]


class RisingRow(BaseModel):
    category_id: int
    category: str | None
    count: float
    baseline_mean: float
    baseline_std: float
    z: float
    p_value: float
    rising: bool
    words: list[str]


class RisingReport(BaseModel):
    """Categories of the latest whole week scored against their previous weeks, largest z first."""

    scope: TrendScope
    week_start: datetime
    baseline_weeks: int
    z_threshold: float
    rows: list[RisingRow]


class HotWord(BaseModel):
    word: str
    period_count: int
    baseline_count: int
    period_share: float
    baseline_share: float
    z: float


class HotWordReport(BaseModel):
    """Words distinctive of [period_from, period_to) against [baseline_from, period_from)."""

    scope: TrendScope
    baseline_from: datetime
    period_texts: int
    baseline_texts: int
    rows: list[HotWord]


class HotProblem(BaseModel):
    rank: int
    heat: float
    count: int
    first: datetime
    last: datetime
    span_days: float
    place: str
    summary: list[str]
    member_ids: list[int]
    titles: list[MaskedText]


class HotProblemReport(BaseModel):
    """Groups of events about the same place and matter, hottest first."""

    scope: TrendScope
    rows: list[HotProblem]


class HotSpot(BaseModel):
    cluster: int
    lon: float
    lat: float
    count: int
    radius_m: float
    top_category: str | None
    top_category_count: int
    street: str | None
    member_ids: list[int]


class HotSpotReport(BaseModel):
    """Clusters of nearby events (DBSCAN, haversine), largest first."""

    scope: TrendScope
    eps_m: float
    min_samples: int
    points: int
    rows: list[HotSpot]


class ForecastRow(BaseModel):
    category_id: int
    category: str | None
    forecast: float
    seasonal_naive: float
    last_week: int


class ForecastReport(BaseModel):
    """Forecast event count per category for the week starting ``week_start``."""

    week_start: datetime
    model: str
    history_weeks: int
    source: EventSource | None = None
    street_id: int | None = None
    rows: list[ForecastRow]
