"""The cockpit's API calls: this month's figures, asked once per user and shared by the panels.

Several panels show the same answer (the month's case totals feed three KPI cards and a gauge) and load in
parallel callbacks; a short per-user cache that also lets a second caller wait for a call already in flight
makes that one API call, not four. Per user, because the API scopes what each user sees.
"""

import threading
import time
from concurrent.futures import Future
from datetime import date, datetime
from typing import Any

from core_app.config import LOCAL_TZ
from dashboards import api
from dashboards.auth import current_viewer

TTL_SECONDS = 20.0  # below the 60 s refresh: each refresh asks again, the panels of one refresh share
TREND_MONTHS = 12
MAP_POINTS = 1500

_lock = threading.Lock()
_answers: dict[tuple, tuple[float, Future]] = {}


def cached_get(path: str, **params: Any) -> Any:
    """``api.get`` shared for TTL_SECONDS between callbacks of the same user (in flight ones included)."""
    viewer = current_viewer()
    key = (viewer.username if viewer else "", path, tuple(sorted((k, str(v)) for k, v in params.items())))
    now = time.monotonic()
    with _lock:
        for stale in [k for k, (expires, _) in _answers.items() if expires < now]:
            del _answers[stale]
        entry = _answers.get(key)
        owner = entry is None
        if owner:
            future: Future = Future()
            _answers[key] = (now + TTL_SECONDS, future)
        else:
            future = entry[1]
    if owner:
        try:
            future.set_result(api.get(path, **params))
        except BaseException as error:  # the waiting callbacks get the same refusal; nothing is kept
            future.set_exception(error)
            with _lock:
                _answers.pop(key, None)
    return future.result()


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def this_month() -> tuple[str, str]:
    first = month_start(today())
    return first.isoformat(), month_start(today(), -1).isoformat()


def trend_range() -> tuple[str, str]:
    """The last TREND_MONTHS months, this one included."""
    return month_start(today(), TREND_MONTHS - 1).isoformat(), month_start(today(), -1).isoformat()


def analysis(name: str, **params: Any) -> dict[str, Any]:
    """This month of an analysis (with 环比 in the ``_pop`` columns), district total or by a dimension."""
    start, end = this_month()
    return cached_get(f"/analytics/{name}", granularity="month", **{"from": start, "to": end}, **params)


def month_total(name: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The district row of this month and the indicators' descriptions by name."""
    answer = analysis(name)
    indicators = {i["name"]: i for i in answer["indicators"]}
    return (answer["rows"][0] if answer["rows"] else {}), indicators


def events_summary() -> dict[str, Any]:
    return cached_get("/cockpit/events")


def street_heat() -> dict[str, Any]:
    start, end = this_month()
    return cached_get("/event-map/heat", level="street", **{"from": start, "to": end})


def event_points() -> dict[str, Any]:
    start, end = this_month()
    return cached_get("/event-map", limit=MAP_POINTS, **{"from": start, "to": end})


def event_counts(by: str, *, months: int = 1, category_level: int = 2) -> dict[str, Any]:
    start, end = trend_range() if months > 1 else this_month()
    return cached_get(
        "/trends/counts",
        granularity="month",
        by=by,
        category_level=category_level,
        **{"from": start, "to": end},
    )


def case_trend() -> dict[str, Any]:
    return cached_get("/cockpit/case-trend", months=TREND_MONTHS)


def warning_summary() -> dict[str, Any]:
    start, _ = this_month()
    return cached_get("/warnings/summary", **{"from": start})


def frequent_matters() -> dict[str, Any]:
    return cached_get("/analytics/cases/high-frequency-matters")


def district_name() -> str:
    """The name of the district (the county-level region) the cockpit shows; empty if not readable."""
    try:
        regions = cached_get("/regions", level="county", page_size=1)["items"]
    except api.ApiError:
        return ""
    return regions[0]["name"] if regions else ""
