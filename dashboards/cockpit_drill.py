"""The cockpit's drill-down as plain data: where a click leads, what to ask the API there, how to go back.

A drill state (kept in a ``dcc.Store``) names what is counted and the chain of levels to descend:

    {"source": "analytics", "analysis": "cases", "indicator": "accepted_count", "label": "受理数",
     "unit": "count", "levels": ["department", "staff"], "steps": [{"id": 5, "name": "市场监督管理局"}],
     "filters": {}, "from": None, "to": None}

``steps[i]`` is the key chosen at ``levels[i]``. With fewer steps than levels the next level is shown as
bars; with a step for every level, the records (cases or events) behind the number are listed.
"""

from datetime import date
from typing import Any

ANALYTICS = "analytics"
EVENTS = "events"
EVENT_LEVELS = ["street", "community"]
PAGE_SIZE = 100
LEVEL_NAMES = {
    "department": "部门",
    "staff": "人员",
    "town": "镇街",
    "village": "村社",
    "channel": "渠道",
    "matter": "事项",
    "street": "街道",
    "community": "社区",
}


def analytics_state(
    analysis: str,
    indicator: str,
    label: str,
    *,
    unit: str = "count",
    levels: tuple[str, ...] = ("department", "staff"),
    steps: tuple[tuple[Any, str], ...] = (),
    period: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A drill into an analysis' INDICATOR along LEVELS, already past STEPS ((key, name) pairs)."""
    return {
        "source": ANALYTICS,
        "analysis": analysis,
        "indicator": indicator,
        "label": label,
        "unit": unit,
        "levels": list(levels),
        "steps": [{"id": key, "name": name} for key, name in steps],
        "filters": {},
        "from": period[0] if period else None,
        "to": period[1] if period else None,
    }


def events_state(
    label: str = "事件数",
    *,
    levels: tuple[str, ...] = tuple(EVENT_LEVELS),
    steps: tuple[tuple[Any, str], ...] = (),
    filters: dict[str, Any] | None = None,
    period: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A drill into the events: street, then community, then the events themselves."""
    return {
        "source": EVENTS,
        "label": label,
        "unit": "count",
        "levels": list(levels),
        "steps": [{"id": key, "name": name} for key, name in steps],
        "filters": dict(filters or {}),
        "from": period[0] if period else None,
        "to": period[1] if period else None,
    }


def descend(state: dict[str, Any], key: Any, name: str) -> dict[str, Any]:
    """One level down, into KEY; at the records level nothing is left to descend into."""
    if at_records(state):
        return state
    return {**state, "steps": [*state["steps"], {"id": key, "name": name}]}


def ascend(state: dict[str, Any], depth: int) -> dict[str, Any]:
    """Back up to DEPTH steps (0 = the district level of this drill)."""
    return {**state, "steps": state["steps"][: max(depth, 0)]}


def at_records(state: dict[str, Any]) -> bool:
    return len(state["steps"]) >= len(state["levels"])


def next_level(state: dict[str, Any]) -> str | None:
    """The level the bars show now, or None when the records are listed."""
    return None if at_records(state) else state["levels"][len(state["steps"])]


def breadcrumb(state: dict[str, Any]) -> list[str]:
    """The way down so far, as the crumbs say it: what is counted, then each chosen key."""
    period = f"（{state['from']}至{state['to']}）" if state.get("from") else ""
    return [f"{state['label']}{period} · 全区", *(step["name"] for step in state["steps"])]


def view_title(state: dict[str, Any]) -> str:
    level = next_level(state)
    if level is None:
        return "明细（办件）" if state["source"] == ANALYTICS else "明细（事件）"
    return f"按{LEVEL_NAMES.get(level, level)}"


def request(state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The API path and parameters that answer this drill state."""
    chosen = {level: step["id"] for level, step in zip(state["levels"], state["steps"], strict=False)}
    if state["source"] == ANALYTICS:
        params: dict[str, Any] = {"granularity": "month", **state.get("filters", {}), **chosen}
        if state.get("from"):
            params.update({"from": state["from"], "to": state["to"]})
        level = next_level(state)
        if level is None:
            params.update(by="cases", indicator=state["indicator"], page_size=PAGE_SIZE)
        else:
            params["by"] = level
        return f"/analytics/{state['analysis']}", params
    return _events_request(state, chosen)


def _events_request(state: dict[str, Any], chosen: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    filters = dict(state.get("filters", {}))
    level = next_level(state)
    if level is None:
        params: dict[str, Any] = {"page_size": PAGE_SIZE, "sort": "-reported_at", **filters}
        if "street" in chosen:
            params["street_id"] = chosen["street"]
        if "community" in chosen:
            params["region_id"] = chosen["community"]
        if state.get("from"):
            params.update(reported_at_from=state["from"], reported_at_to=state["to"])
        return "/events", params
    params = {"level": level, **{k: v for k, v in filters.items() if k in ("status", "category_id")}}
    if "street" in chosen:
        params["street_id"] = chosen["street"]
    if state.get("from"):
        params.update({"from": state["from"], "to": state["to"]})
    return "/event-map/heat", params


def bar_rows(state: dict[str, Any], answer: dict[str, Any]) -> list[tuple[Any, str, float | None]]:
    """(key, name, value) per bar from the API's answer to ``request(state)``."""
    if state["source"] == EVENTS:
        return [
            (f["properties"]["region_id"], f["properties"]["name"], f["properties"]["count"])
            for f in answer.get("features", [])
        ]
    level, indicator = next_level(state), state["indicator"]
    return [
        (row.get(level), str(row.get(f"{level}_name") or row.get(level) or "—"), row.get(indicator))
        for row in answer.get("rows", [])
        if row.get(level) is not None
    ]


def month_bounds(month: str) -> tuple[str, str]:
    """'2026-03' or '2026-03-01' -> ('2026-03-01', '2026-04-01')."""
    first = date.fromisoformat(month[:7] + "-01")
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first.isoformat(), following.isoformat()
