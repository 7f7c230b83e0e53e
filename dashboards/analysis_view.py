"""What an analysis page shows, as plain data: the view (period, grouping, filters), its API parameters,
one drill step down, column headers like the export's, and the figure.

Pure functions, so the page's callbacks stay thin and these are unit-tested without a browser.
"""

from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go

from dashboards.components import TEMPLATE, empty_figure

RECORDS = "cases"  # by=cases lists the records behind one indicator
MAX_BARS = 40  # more keys than this and the bars are unreadable: the table has them all

GRANULARITIES = {
    "day": "按日",
    "week": "按周",
    "month": "按月",
    "quarter": "按季",
    "year": "按年",
    "custom": "整段",
}
DIMENSION_LABELS = {
    "department": "部门",
    "matter": "事项",
    "matter_type": "事项类型",
    "bundle": "一件事",
    "staff": "工作人员",
    "receiver": "收件人",
    "hall": "大厅/网点",
    "window": "窗口",
    "town": "镇（街道）",
    "village": "村（社区）",
    "channel": "办件渠道",
    "source_system": "业务系统",
    "intake_source": "收件来源",
    "step_type": "环节类型",
    "level": "评价等级",
    "applicant_type": "申请人类型",
    "citizen": "个人",
    "enterprise": "企业",
}
# The same words as the API's export headers (core_app/analytics/export.py), so screen and file agree.
BASE_LABELS = {"period": "周期", "period_from": "开始", "period_to": "结束（不含）"}
CHANGE_LABELS = {"pop": "环比", "yoy": "同比"}
RECORD_LABELS = {
    "case_id": "办件ID",
    "case_no": "办件编号",
    "matter": "事项",
    "department": "部门",
    "handler": "经办人",
    "channel": "渠道",
    "status": "状态",
    "submitted_at": "申请时间",
    "received_at": "收件时间",
    "accepted_at": "受理时间",
    "completed_at": "办结时间",
    "due_at": "到期时间",
    "receipt_minutes": "收件用时（分钟）",
    "acceptance_minutes": "受理用时（分钟）",
    "elapsed_days": "办理用时（工作日）",
    "ticket_id": "取号ID",
    "hall": "大厅",
    "ticket_no": "号码",
    "queue_group": "排队分组",
    "window_no": "窗口号",
    "staff": "工作人员",
    "taken_at": "取号时间",
    "called_at": "叫号时间",
    "service_started_at": "开始服务",
    "service_ended_at": "结束服务",
}


def month_start(day: date) -> date:
    return day.replace(day=1)


def default_view(info: dict[str, Any], today: date) -> dict[str, Any]:
    """This month, grouped by the first level of the analysis's drill path, its first indicator."""
    next_month = (month_start(today) + timedelta(days=32)).replace(day=1)
    return {
        "granularity": "month",
        "from": month_start(today).isoformat(),
        "to": (next_month - timedelta(days=1)).isoformat(),  # inclusive on screen
        "by": (info["drill"] or info["dimensions"] or [""])[0],
        "filters": {},
        "indicator": info["indicators"][0]["name"],
    }


def api_params(view: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The view as the API's query parameters (its ``to`` is the day after the last)."""
    last = date.fromisoformat(view["to"])
    params: dict[str, Any] = {
        "granularity": view["granularity"],
        "from": view["from"],
        "to": (last + timedelta(days=1)).isoformat(),
    }
    if view.get("by"):
        params["by"] = view["by"]
    if view.get("by") == RECORDS:
        params["indicator"] = view["indicator"]
    params |= {name: chosen["value"] for name, chosen in view.get("filters", {}).items()}
    return params | extra


def indicator(info: dict[str, Any], name: str) -> dict[str, Any]:
    return next((i for i in info["indicators"] if i["name"] == name), info["indicators"][0])


def drill(info: dict[str, Any], view: dict[str, Any], key: Any, label: str, row: dict | None = None):
    """The view one level down after a click on KEY (named LABEL); None when there is nothing below.

    Down the analysis's drill path (department -> staff ...), then to the records behind the indicator.
    A click on a period of the total goes into that period, grouped by the first drill level.
    """
    by = view.get("by") or ""
    if by == RECORDS:
        return None
    if not by:
        if not row or not info["drill"]:
            return None
        last = date.fromisoformat(row["period_to"]) - timedelta(days=1)
        return view | {"from": row["period_from"], "to": last.isoformat(), "by": info["drill"][0]}
    if key is None:
        return None
    filters = view.get("filters", {}) | {by: {"value": key, "label": label}}
    path = info["drill"]
    below = path[path.index(by) + 1 :] if by in path else path
    level = next((d for d in below if d not in filters), None)
    if level is None and not indicator(info, view["indicator"])["listable"]:
        return None
    return view | {"filters": filters, "by": level or RECORDS}


def crumb_label(view: dict[str, Any], previous: dict[str, Any] | None) -> str:
    """What one step of the trail shows: the filter it added, or its grouping."""
    added = [
        f["label"]
        for name, f in view.get("filters", {}).items()
        if name not in (previous or {}).get("filters", {})
    ]
    if added:
        return " / ".join(str(a) for a in added)
    if previous and view.get("from") != previous.get("from"):
        return f"{view['from']}～{view['to']}"
    return "全区" if previous is None else grouping_label(view.get("by"))


def grouping_label(by: str | None) -> str:
    if not by:
        return "合计"
    if by == RECORDS:
        return "明细记录"
    return f"按{DIMENSION_LABELS.get(by, by)}"


def column_label(info: dict[str, Any], by: list[str], column: str) -> str:
    """The export header's words without the machine name: 受理数环比, 部门ID, 周期 ..."""
    if column in BASE_LABELS:
        return BASE_LABELS[column]
    for name in by:
        if column == name:
            return f"{DIMENSION_LABELS.get(name, name)}ID"
        if column == f"{name}_name":
            return DIMENSION_LABELS.get(name, name)
    for measure in info["indicators"]:
        if column == measure["name"]:
            return measure["label"]
        for suffix, word in CHANGE_LABELS.items():
            if column == f"{measure['name']}_{suffix}":
                return f"{measure['label']}{word}"
    return RECORD_LABELS.get(column, column)


def column_unit(info: dict[str, Any], column: str) -> str | None:
    """count/rate/days/... of an indicator column; 'change' for 环比/同比; None for others."""
    for measure in info["indicators"]:
        if column == measure["name"]:
            return measure["unit"]
        if column in (f"{measure['name']}_pop", f"{measure['name']}_yoy"):
            return "change"
    return None


def row_columns(rows: list[dict[str, Any]]) -> list[str]:
    """The columns of the rows in the API's order (every row has the same keys)."""
    return [c for c in (rows[0] if rows else {}) if c != "id"]


def _value_axis(unit: str) -> dict[str, Any]:
    return {"tickformat": ".0%"} if unit == "rate" else {}


def figure(info: dict[str, Any], view: dict[str, Any], rows: list[dict[str, Any]]) -> go.Figure:
    """The chosen indicator: a trend over the periods, or bars per key of the grouping (one per period)."""
    measure = indicator(info, view["indicator"])
    by = view.get("by") or ""
    if not rows:
        return empty_figure("本期没有数据")
    if by == RECORDS:
        return empty_figure(f"「{measure['label']}」的明细记录见下表")
    name = measure["name"]
    if not by:
        return _trend(rows, measure)
    return _bars(rows, by, measure, name)


def _trend(rows: list[dict[str, Any]], measure: dict[str, Any]) -> go.Figure:
    x = [r["period"] for r in rows]
    y = [r.get(measure["name"]) for r in rows]
    custom = [[r["period"]] for r in rows]
    trace = (
        go.Bar(x=x, y=y, customdata=custom, name=measure["label"])
        if len(rows) == 1
        else go.Scatter(x=x, y=y, customdata=custom, mode="lines+markers", name=measure["label"])
    )
    fig = go.Figure(trace)
    fig.update_layout(
        template=TEMPLATE,
        title=f"{measure['label']} · 趋势",
        yaxis=_value_axis(measure["unit"]),
        clickmode="event",
    )
    return fig


def _bars(rows: list[dict[str, Any]], by: str, measure: dict[str, Any], name: str) -> go.Figure:
    totals: dict[Any, float] = {}
    labels: dict[Any, str] = {}
    for row in rows:
        key = row.get(by)
        totals[key] = totals.get(key, 0) + (row.get(name) or 0)
        labels[key] = str(row.get(f"{by}_name") or key)
    keys = sorted(totals, key=lambda k: totals[k], reverse=True)[:MAX_BARS]
    periods = list(dict.fromkeys(r["period"] for r in rows))
    fig = go.Figure()
    for period in periods:
        by_key = {r.get(by): r for r in rows if r["period"] == period}
        shown = [k for k in keys if k in by_key]
        fig.add_bar(
            x=[labels[k] for k in shown],
            y=[by_key[k].get(name) for k in shown],
            customdata=[[k, labels[k], period] for k in shown],
            name=period,
            hovertemplate="%{x}<br>%{y}<extra>" + period + "</extra>",
        )
    more = f"（前 {MAX_BARS} 项，全部见下表）" if len(totals) > MAX_BARS else ""
    fig.update_layout(
        template=TEMPLATE,
        title=f"{measure['label']} · {grouping_label(by)}{more}",
        barmode="group",
        showlegend=len(periods) > 1,
        yaxis=_value_axis(measure["unit"]),
        xaxis={"tickangle": -30, "automargin": True},
        clickmode="event",
    )
    return fig
