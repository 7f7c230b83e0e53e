"""数据驾驶舱: the leaders' full-screen cockpit for the hall's LED wall (1920x1080, scales to 3840x2160).

Three screens rotate for unattended display (总览 / 事件 / 办件; ``?carousel=0`` holds the shown one); every
panel loads in its own callback, so the figures arrive in parallel (the screens not shown first a moment
after the first is drawn, not to slow it down), and all of them reload
every minute. A click on any chart, gauge or KPI card opens the drill-down over the screens: district,
then department or town, then staff or village, then the cases or events themselves.
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from core_app.config import LOCAL_TZ
from dashboards import api, components
from dashboards import cockpit_data as data
from dashboards import cockpit_drill as drill
from dashboards import cockpit_figures as figures
from dashboards.auth import LOGOUT_PATH, current_viewer
from dashboards.labels import CASE_STATUS, SOURCE, STATUS

dash.register_page(__name__, path="/", title="数据驾驶舱 · 云管家", name="驾驶舱")

PERMISSION = "cockpit:view"
REFRESH_MS = 60_000
CAROUSEL_MS = 20_000
PREFETCH_MS = 2_500
SCREENS = ("总览", "事件", "办件")
NO_CLICKS = (None, 0)

# Panels: (graph id, title, screen). The drill-down entry of each is in `_entry_for_click`.
PANELS = {
    0: [
        ("cockpit-gauge-ontime", "期内办结率"),
        ("cockpit-gauge-good", "好评率"),
        ("cockpit-map", "事件地图 · 本月各街道事件热度"),
        ("cockpit-radar", "关键环节预警雷达"),
        ("cockpit-channel-ring", "办件渠道占比"),
        ("cockpit-dept-bars", "部门受理量 TOP10"),
    ],
    1: [
        ("cockpit-source-ring", "事件来源"),
        ("cockpit-status-ring", "事件状态"),
        ("cockpit-event-trend", "近12个月事件趋势（按街道）"),
        ("cockpit-street-bars", "本月街道事件量"),
        ("cockpit-category-bars", "本月事件类别 TOP10"),
    ],
    2: [
        ("cockpit-town-bars", "镇街收件量"),
        ("cockpit-review-ring", "好差评等级分布"),
        ("cockpit-case-trend", "近12个月办件趋势"),
        ("cockpit-dept-ontime", "部门期内办结率（后10位）"),
        ("cockpit-matter-bars", "高频事项 TOP10"),
    ],
}
LATER_SCREENS = (1, 2)
GAUGE_PANELS = ("cockpit-gauge-ontime", "cockpit-gauge-good")
CHARTS = [graph_id for panels in PANELS.values() for graph_id, _ in panels if graph_id not in GAUGE_PANELS]


# ---------------------------------------------------------------- layout


def layout(carousel: str = "1", **_query: Any) -> html.Div:
    viewer = current_viewer()
    if viewer is None:  # Dash builds the layouts once outside any request to check them
        return html.Div()
    if not viewer.can(PERMISSION):
        return html.Div(
            [components.forbidden(), html.A("返回", href="/analysis", className="cockpit-back")],
            className="cockpit cockpit-forbidden",
        )
    first = 0
    return html.Div(
        [
            _header(viewer, first, rotating=carousel != "0"),
            html.Div(id="cockpit-kpis", className="cockpit-kpis"),
            html.Div(
                [*(_screen(index, index == first) for index in PANELS), _drill_overlay()],
                className="cockpit-main",
            ),
            dcc.Store(id="cockpit-scale", data=1.0),
            dcc.Store(id="cockpit-screen", data=first),
            *(dcc.Store(id=f"cockpit-load-{i}", data=None) for i in LATER_SCREENS),
            # The screens not shown load once the first is drawn, well before the carousel turns to them.
            dcc.Interval(id="cockpit-prefetch", interval=PREFETCH_MS, max_intervals=1),
            dcc.Store(id="cockpit-drill-state", data=None),
            dcc.Store(id="cockpit-street-ids", data={}),
            dcc.Interval(id="cockpit-refresh", interval=REFRESH_MS),
            dcc.Interval(id="cockpit-carousel", interval=CAROUSEL_MS, disabled=carousel == "0"),
        ],
        id="cockpit-root",
        className="cockpit",
    )


def _header(viewer, first: int, *, rotating: bool) -> html.Div:
    tabs = [
        html.Button(name, id=f"cockpit-tab-{i}", className="cockpit-tab" + (" active" if i == first else ""))
        for i, name in enumerate(SCREENS)
    ]
    links = [
        html.A(label, href=path)
        for path, label, permissions in components.NAV_LINKS
        if path != "/" and components.allowed(viewer, permissions)
    ]
    return html.Div(
        [
            html.Div(
                [html.Span(data.district_name(), className="cockpit-district"), "云管家数据驾驶舱"],
                className="cockpit-title",
            ),
            html.Div(
                [
                    *tabs,
                    html.Button(
                        "暂停轮播" if rotating else "继续轮播",
                        id="cockpit-pause",
                        className="cockpit-tab cockpit-pause",
                    ),
                ],
                className="cockpit-tabs",
            ),
            html.Div(
                [
                    html.Span(id="cockpit-updated", className="cockpit-updated"),
                    html.Details(
                        [
                            html.Summary("☰", title="其他页面"),
                            html.Div(
                                [*links, html.Span(viewer.display_name), html.A("退出", href=LOGOUT_PATH)],
                                className="cockpit-menu-links",
                            ),
                        ],
                        className="cockpit-menu",
                    ),
                ],
                className="cockpit-corner",
            ),
        ],
        className="cockpit-header",
    )


def _graph(graph_id: str, class_name: str, figure) -> dcc.Graph:
    # No mode bar on the wall: nobody zooms a LED screen, and its icons would cover the figures.
    config = {**components.GRAPH_CONFIG, "displayModeBar": False}
    return dcc.Graph(id=graph_id, className=class_name, figure=figure, config=config)


def _panel(graph_id: str, title: str) -> html.Div:
    body = _graph(graph_id, "cockpit-graph", components.empty_figure("加载中…"))
    wrapper_id = f"{graph_id}-panel"
    return html.Div(
        [
            html.Div(title, className="cockpit-panel-title"),
            html.Div(id=f"{graph_id}-note", className="cockpit-note"),
            body,
        ],
        id=wrapper_id,
        n_clicks=0,
        className=f"cockpit-panel {graph_id}",
    )


def _screen(index: int, active: bool) -> html.Div:
    return html.Div(
        [_panel(graph_id, title) for graph_id, title in PANELS[index]],
        id=f"cockpit-screen-{index}",
        className=f"cockpit-screen cockpit-screen-{index}" + (" active" if active else ""),
    )


def _drill_overlay() -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Div(id="cockpit-breadcrumb", className="cockpit-breadcrumb"),
                    html.Button("返回驾驶舱 ✕", id="cockpit-drill-close", className="cockpit-tab"),
                ],
                className="cockpit-drill-head",
            ),
            html.Div(id="cockpit-drill-title", className="cockpit-panel-title"),
            _graph("cockpit-drill-graph", "cockpit-drill-graph", components.empty_figure("")),
            html.Div(id="cockpit-drill-table", className="cockpit-drill-table"),
        ],
        id="cockpit-drill",
        className="cockpit-drill",
    )


# ---------------------------------------------------------------- panels


SCREEN_OF = {graph_id: screen for screen, panels in PANELS.items() for graph_id, _ in panels}


def _source(graph_id: str) -> Input:
    """What loads a panel: the scale (set at load and at every refresh) for the first screen; for the
    others their screen's store, which takes the scale a moment after the first screen is drawn."""
    screen = SCREEN_OF[graph_id]
    return Input("cockpit-scale" if screen == 0 else f"cockpit-load-{screen}", "data")


def _later(graph_id: str) -> bool:
    """The panels of the screens not shown first make no request before their screen is due."""
    return SCREEN_OF[graph_id] != 0


def _safe(function: Callable[..., Any]) -> Callable[..., Any]:
    """A panel whose data the API refuses shows why in the figure; no exception escapes a callback."""

    @wraps(function)
    def wrapper(*args: Any) -> Any:
        if args[0] is None:  # a screen not due yet (Dash calls every callback of a page as it opens)
            raise PreventUpdate
        try:
            return function(*args)
        except api.ApiError as error:
            message = components.empty_figure(f"数据暂不可用（{error.status}）")
            if not isinstance(ctx.outputs_list, list):  # a single output: the figure
                return message
            return [message if o["property"] == "figure" else no_update for o in ctx.outputs_list]

    return wrapper


def panel(graph_id: str, *more: Output) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a panel's callback: its figure (and MORE outputs) from the API, at its screen's time."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        outputs = (Output(graph_id, "figure"), *more)
        return callback(*outputs, _source(graph_id), prevent_initial_call=_later(graph_id))(_safe(function))

    return register


def _kpi(key: str, label: str, value: float | None, unit: str, change: float | None, *, good_up: bool = True):
    return html.Div(
        components.kpi_card(label, figures.format_value(value, unit), change, higher_is_better=good_up),
        id={"type": "cockpit-kpi", "index": key},
        n_clicks=0,
        className="cockpit-kpi",
        title="点击下钻",
    )


def _indicator_kpi(key: str, row: dict, indicators: dict, name: str, label: str, *, good_up: bool = True):
    unit = indicators.get(name, {}).get("unit", "count")
    value = row.get(name)
    change = figures.period_change(value, figures.previous_value(value, row.get(f"{name}_pop"), unit))
    return _kpi(key, label, value, unit, change, good_up=good_up)


@callback(
    Output("cockpit-kpis", "children"), Output("cockpit-updated", "children"), Input("cockpit-scale", "data")
)
def kpi_cards(_scale):
    try:
        cases, case_indicators = data.month_total("cases")
        reviews, review_indicators = data.month_total("reviews")
        events = data.events_summary()
    except api.ApiError as error:
        return components.error_alert(error), no_update
    event_change = figures.period_change(events["total"], events["previous_total"])
    cards = [
        _indicator_kpi("accepted", cases, case_indicators, "accepted_count", "本月办件受理量"),
        _indicator_kpi("on_time", cases, case_indicators, "on_time_rate", "期内办结率"),
        _indicator_kpi("good", reviews, review_indicators, "good_rate", "好评率"),
        _indicator_kpi("overdue", cases, case_indicators, "overdue_count", "超期件", good_up=False),
        _kpi("events", "本月事件数", events["total"], "count", event_change, good_up=False),
        _kpi("satisfaction", "事件满意率", events["satisfaction_rate"], "rate", None),
        _kpi("open", f"在办事件（超期 {events['overdue_now']:,}）", events["open_now"], "count", None),
    ]
    return cards, f"数据更新 {datetime.now(LOCAL_TZ):%m-%d %H:%M}"


@panel("cockpit-gauge-ontime")
def gauge_on_time(scale):
    row, _ = data.month_total("cases")
    return figures.gauge(row.get("on_time_rate"), scale=scale or 1)


@panel("cockpit-gauge-good")
def gauge_good(scale):
    row, _ = data.month_total("reviews")
    return figures.gauge(row.get("good_rate"), scale=scale or 1, target=0.98)


def _dimension_bars(rows: list[dict], dimension: str, indicator: str, scale: float, **options: Any):
    rows = [r for r in rows if r.get(dimension) is not None]
    return figures.bars(
        [str(r.get(f"{dimension}_name") or r[dimension]) for r in rows],
        [r.get(indicator) for r in rows],
        [r[dimension] for r in rows],
        scale=scale or 1,
        **options,
    )


@panel("cockpit-dept-bars")
def department_bars(scale):
    # The channels analysis counts 受理数 as the cases analysis does, at a fraction of its cost.
    rows = data.analysis("channels", by="department")["rows"]
    return _dimension_bars(rows, "department", "accepted_count", scale)


@panel("cockpit-dept-ontime")
def department_on_time(scale):
    rows = [r for r in data.analysis("cases", by="department")["rows"] if r.get("completed_count")]
    return _dimension_bars(
        rows, "department", "on_time_rate", scale, unit="rate", color="#2ee6a6", lowest=True
    )


@panel("cockpit-town-bars")
def town_bars(scale):
    return _dimension_bars(
        data.analysis("towns", by="town")["rows"], "town", "received_count", scale, color="#a78bfa"
    )


@panel("cockpit-channel-ring")
def channel_ring(scale):
    rows = [r for r in data.analysis("channels", by="channel")["rows"] if r.get("accepted_count")]
    return figures.ring(
        [r["channel_name"] for r in rows],
        [r["accepted_count"] for r in rows],
        [r["channel"] for r in rows],
        scale=scale or 1,
    )


@panel("cockpit-review-ring")
def review_ring(scale):
    row, indicators = data.month_total("reviews")
    names = [f"level_{level}_count" for level in range(5, 0, -1)]
    labels = [indicators[n]["label"].replace("评价数", "") for n in names]
    return figures.ring(labels, [row.get(n) or 0 for n in names], names, scale=scale or 1)


@panel("cockpit-radar", Output("cockpit-radar-note", "children"))
def warning_radar(scale):
    row, indicators = data.month_total("keylinks")
    current = {name: row.get(name) for name, _ in figures.RADAR_AXES}
    previous = {
        name: figures.previous_value(row.get(name), row.get(f"{name}_pop"), "rate")
        for name, _ in figures.RADAR_AXES
    }
    summary = data.warning_summary()["total"]
    note = (
        f"本月预警 {summary['triggered']:,}（红 {summary['red']:,} / 黄 {summary['yellow']:,}）"
        f" · 待处置 {summary['open']:,}"
    )
    return figures.radar(current, previous, scale=scale or 1), note


@panel("cockpit-map", Output("cockpit-street-ids", "data"))
def event_map(scale):
    heat = data.street_heat()["features"]
    counts = {f["properties"]["name"]: f["properties"]["count"] for f in heat}
    ids = {f["properties"]["name"]: f["properties"]["region_id"] for f in heat}
    points = [
        {
            "lon": f["geometry"]["coordinates"][0],
            "lat": f["geometry"]["coordinates"][1],
            "title": f["properties"]["title"],
            "street": f["properties"]["street"],
        }
        for f in data.event_points()["features"]
    ]
    return figures.street_map(figures.streets(), counts, points, scale=scale or 1), ids


@panel("cockpit-street-bars")
def street_bars(scale):
    heat = [f["properties"] for f in data.street_heat()["features"]]
    return figures.bars(
        [h["name"] for h in heat],
        [h["count"] for h in heat],
        [h["region_id"] for h in heat],
        scale=scale or 1,
        color="#ffc542",
    )


@panel("cockpit-category-bars")
def category_bars(scale):
    rows = data.event_counts("category", category_level=1)["rows"]
    return figures.bars(
        [r["key_name"] or "未分类" for r in rows],  # events nobody has categorised yet
        [r["count"] for r in rows],
        [r["key_id"] for r in rows],
        scale=scale or 1,
        color="#5eead4",
    )


def _ring_of(counts: dict[str, int], labels: dict[str, str], scale: float):
    keys = [k for k, n in counts.items() if n]
    return figures.ring([labels.get(k, k) for k in keys], [counts[k] for k in keys], keys, scale=scale or 1)


@panel("cockpit-source-ring")
def source_ring(scale):
    return _ring_of(data.events_summary()["by_source"], SOURCE, scale)


@panel("cockpit-status-ring")
def status_ring(scale):
    return _ring_of(data.events_summary()["by_status"], STATUS, scale)


@panel("cockpit-event-trend")
def event_trend(scale):
    series: dict[str, list[tuple[str, float]]] = {}
    keys: dict[str, Any] = {}
    for row in data.event_counts("street", months=data.TREND_MONTHS)["rows"]:
        series.setdefault(row["key_name"], []).append((row["period_start"][:7], row["count"]))
        keys[row["key_name"]] = row["key_id"]
    return figures.trend(series, keys, scale=scale or 1)


@panel("cockpit-case-trend")
def case_trend(scale):
    months = data.case_trend()["months"]
    series = {
        "受理数": [(m["month"], m["accepted"]) for m in months],
        "办结数": [(m["month"], m["completed"]) for m in months],
    }
    return figures.trend(series, {"受理数": "accepted_count", "办结数": "completed_count"}, scale=scale or 1)


@panel("cockpit-matter-bars")
def matter_bars(scale):
    rows = data.frequent_matters()["rows"]
    return figures.bars(
        [r["name"] for r in rows],
        [r["accepted_count"] for r in rows],
        [r["matter_id"] for r in rows],
        scale=scale or 1,
        color="#f472b6",
    )


# ---------------------------------------------------------------- drill-down


def _clicked(click: dict | None) -> tuple[Any, str, Any] | None:
    """(key, label, x) of the first point of a click, or None."""
    if not click or not click.get("points"):
        return None
    point = click["points"][0]
    label = point.get("hovertext") or point.get("label") or point.get("theta") or point.get("y") or ""
    return point.get("customdata"), str(label), point.get("x")


KPI_ENTRIES = {
    "accepted": lambda: drill.analytics_state("cases", "accepted_count", "受理数"),
    "on_time": lambda: drill.analytics_state("cases", "on_time_rate", "期内办结率", unit="rate"),
    "good": lambda: drill.analytics_state("reviews", "good_rate", "好评率", unit="rate"),
    "overdue": lambda: drill.analytics_state("cases", "overdue_count", "超期件"),
    "events": lambda: drill.events_state(),
    "satisfaction": lambda: drill.events_state(),
    "open": lambda: drill.events_state(
        "在办事件",
        filters={"status": "received,pending_dispatch,dispatched,signed,in_progress,in_arbitration"},
    ),
}


def _entry_for_click(chart: str, click: dict | None, street_ids: dict[str, int]) -> dict | None:
    """The drill state a click on CHART opens (already one level down where the click chose a key)."""
    clicked = _clicked(click)
    if clicked is None:
        return None
    key, label, x = clicked
    if chart in ("cockpit-map",):
        name = key if isinstance(key, str) else None
        if name is None or name not in street_ids:
            return drill.events_state()
        return drill.events_state(steps=((street_ids[name], name),))
    entries: dict[str, Callable[[], dict]] = {
        "cockpit-dept-bars": lambda: drill.analytics_state(
            "cases", "accepted_count", "受理数", steps=((key, label),)
        ),
        "cockpit-dept-ontime": lambda: drill.analytics_state(
            "cases", "on_time_rate", "期内办结率", unit="rate", steps=((key, label),)
        ),
        "cockpit-town-bars": lambda: drill.analytics_state(
            "towns", "received_count", "收件数", levels=("town", "village"), steps=((key, label),)
        ),
        "cockpit-channel-ring": lambda: drill.analytics_state(
            "channels", "accepted_count", "受理数", levels=("channel", "department"), steps=((key, label),)
        ),
        "cockpit-review-ring": lambda: drill.analytics_state("reviews", key, label),
        "cockpit-radar": lambda: drill.analytics_state("keylinks", key, label, unit="rate"),
        "cockpit-matter-bars": lambda: drill.analytics_state(
            "cases", "accepted_count", "受理数", levels=("matter", "staff"), steps=((key, label),)
        ),
        "cockpit-case-trend": lambda: drill.analytics_state(
            "cases", key, "受理数" if key == "accepted_count" else "办结数", period=drill.month_bounds(str(x))
        ),
        "cockpit-street-bars": lambda: drill.events_state(steps=((key, label),)),
        "cockpit-category-bars": lambda: drill.events_state(f"{label}事件", filters={"category_id": key}),
        "cockpit-status-ring": lambda: drill.events_state(f"{label}事件", filters={"status": key}),
        "cockpit-source-ring": lambda: drill.events_state(f"{label}事件", levels=(), filters={"source": key}),
        "cockpit-event-trend": lambda: drill.events_state(
            steps=((key, _street_name(key, street_ids)),),
            period=drill.month_bounds(str(x)),
        ),
    }
    return entries[chart]() if chart in entries else None


def _street_name(key: Any, street_ids: dict[str, int]) -> str:
    return next((name for name, sid in street_ids.items() if sid == key), str(key))


@callback(
    Output("cockpit-drill-state", "data"),
    *(Input(chart, "clickData") for chart in CHARTS),
    *(Input(f"{gauge_id}-panel", "n_clicks") for gauge_id in GAUGE_PANELS),
    Input({"type": "cockpit-kpi", "index": ALL}, "n_clicks"),
    Input({"type": "cockpit-crumb", "index": ALL}, "n_clicks"),
    Input("cockpit-drill-graph", "clickData"),
    Input("cockpit-drill-close", "n_clicks"),
    State("cockpit-drill-state", "data"),
    State("cockpit-street-ids", "data"),
    prevent_initial_call=True,
)
def drill_state(*args):
    state, street_ids = args[-2], args[-1] or {}
    trigger = ctx.triggered_id
    value = ctx.triggered[0]["value"] if ctx.triggered else None
    if trigger is None or value in NO_CLICKS:
        return no_update
    if trigger == "cockpit-drill-close":
        return None
    if trigger == "cockpit-drill-graph":
        clicked = _clicked(value)
        if state is None or clicked is None:
            return no_update
        return drill.descend(state, clicked[0], clicked[1])
    if isinstance(trigger, dict) and trigger["type"] == "cockpit-crumb":
        return None if state is None or trigger["index"] < 0 else drill.ascend(state, trigger["index"])
    if isinstance(trigger, dict) and trigger["type"] == "cockpit-kpi":
        return KPI_ENTRIES[trigger["index"]]()
    if trigger == "cockpit-gauge-ontime-panel":
        return KPI_ENTRIES["on_time"]()
    if trigger == "cockpit-gauge-good-panel":
        return KPI_ENTRIES["good"]()
    return _entry_for_click(trigger, value, street_ids) or no_update


CASE_COLUMNS = [
    ("case_no", "办件编号"),
    ("matter", "事项"),
    ("department", "部门"),
    ("handler", "经办人"),
    ("status", "状态"),
    ("accepted_at", "受理时间"),
    ("due_at", "到期时间"),
]
EVENT_COLUMNS = [
    ("event_no", "事件编号"),
    ("title", "标题"),
    ("source", "来源"),
    ("status", "状态"),
    ("priority", "优先级"),
    ("reported_at", "上报时间"),
]


def _crumbs(state: dict) -> list:
    names = ["驾驶舱", *drill.breadcrumb(state)]
    crumbs = []
    for depth, name in enumerate(names):
        last = depth == len(names) - 1
        crumbs.append(
            html.Button(
                name,
                id={"type": "cockpit-crumb", "index": depth - 1},
                className="cockpit-crumb" + (" current" if last else ""),
                disabled=last,
            )
        )
        if not last:
            crumbs.append(html.Span("›", className="cockpit-crumb-sep"))
    return crumbs


def _records_table(state: dict, answer: dict) -> html.Div:
    if state["source"] == drill.ANALYTICS:
        rows = [
            {**item, "status": CASE_STATUS.get(item.get("status"), item.get("status"))}
            for item in answer.get("items", [])
        ]
        columns = CASE_COLUMNS
    else:
        rows = [
            {
                **item,
                "source": SOURCE.get(item["source"], item["source"]),
                "status": STATUS.get(item["status"], item["status"]),
            }
            for item in answer.get("items", [])
        ]
        columns = EVENT_COLUMNS
    for row in rows:
        for field in ("accepted_at", "due_at", "reported_at"):
            if row.get(field):
                row[field] = str(row[field])[:16].replace("T", " ")
    total = answer.get("total", len(rows))
    return html.Div(
        [
            html.Div(f"共 {total:,} 条，显示最新 {len(rows)} 条", className="cockpit-note"),
            components.table("cockpit-records", rows, columns, page_size=12),
        ]
    )


@callback(
    Output("cockpit-drill", "className"),
    Output("cockpit-breadcrumb", "children"),
    Output("cockpit-drill-title", "children"),
    Output("cockpit-drill-graph", "figure"),
    Output("cockpit-drill-graph", "style"),
    Output("cockpit-drill-table", "children"),
    Input("cockpit-drill-state", "data"),
    State("cockpit-scale", "data"),
    prevent_initial_call=True,
)
def drill_view(state, scale):
    if not state:
        return "cockpit-drill", [], "", no_update, {"display": "none"}, []
    path, params = drill.request(state)
    crumbs = _crumbs(state)
    try:
        answer = api.get(path, **params)
    except api.ApiError as error:
        return "cockpit-drill open", crumbs, "", no_update, {"display": "none"}, components.error_alert(error)
    if drill.at_records(state):
        return (
            "cockpit-drill open",
            crumbs,
            drill.view_title(state),
            no_update,
            {"display": "none"},
            _records_table(state, answer),
        )
    rows = drill.bar_rows(state, answer)
    figure = figures.bars(
        [name for _, name, _ in rows],
        [value for _, _, value in rows],
        [key for key, _, _ in rows],
        scale=scale or 1,
        unit=state["unit"],
        top=30,
    )
    if not rows:
        figure = components.empty_figure("本期没有数据")
    title = f"{drill.view_title(state)} · {state['label']}（点击条形继续下钻）"
    return "cockpit-drill open", crumbs, title, figure, {}, []


# ---------------------------------------------------------------- big-screen behaviour (in the browser)

# The fonts of the figures follow the screen: 1 at 1920x1080, 2 at 3840x2160.
clientside_callback(
    """function(_n) {
        return Math.max(0.5, Math.min(window.innerWidth / 1920, window.innerHeight / 1080));
    }""",
    Output("cockpit-scale", "data"),
    Input("cockpit-refresh", "n_intervals"),
)

clientside_callback(
    """function(scale, prefetched, ...tabs) {
        const due = prefetched || tabs.some(Boolean);
        const skip = window.dash_clientside.no_update;
        return due ? [scale, scale] : [skip, skip];
    }""",
    *(Output(f"cockpit-load-{i}", "data") for i in LATER_SCREENS),
    Input("cockpit-scale", "data"),
    Input("cockpit-prefetch", "n_intervals"),
    *(Input(f"cockpit-tab-{i}", "n_clicks") for i in PANELS),
)

# Rotate the screens (not while a drill-down is open), or show the one whose tab was clicked.
clientside_callback(
    """function(_n, _t0, _t1, _t2, current, drilled) {
        const count = 3;
        const trigger = (dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
        let next = current || 0;
        const tab = trigger.match(/^cockpit-tab-(\\d)\\./);
        if (tab) { next = parseInt(tab[1], 10); }
        else if (trigger.startsWith("cockpit-carousel")) {
            if (drilled) { return window.dash_clientside.no_update; }
            next = (next + 1) % count;
        }
        const active = i => (i === next ? " active" : "");
        const screens = [0, 1, 2].map(i => "cockpit-screen cockpit-screen-" + i + active(i));
        const tabs = [0, 1, 2].map(i => "cockpit-tab" + active(i));
        return [next, ...screens, ...tabs];
    }""",
    Output("cockpit-screen", "data"),
    *(Output(f"cockpit-screen-{i}", "className") for i in PANELS),
    *(Output(f"cockpit-tab-{i}", "className") for i in PANELS),
    Input("cockpit-carousel", "n_intervals"),
    *(Input(f"cockpit-tab-{i}", "n_clicks") for i in PANELS),
    State("cockpit-screen", "data"),
    State("cockpit-drill-state", "data"),
    prevent_initial_call=True,
)

clientside_callback(
    """function(n, disabled) {
        const paused = !disabled;
        return [paused, paused ? "继续轮播" : "暂停轮播"];
    }""",
    Output("cockpit-carousel", "disabled"),
    Output("cockpit-pause", "children"),
    Input("cockpit-pause", "n_clicks"),
    State("cockpit-carousel", "disabled"),
    prevent_initial_call=True,
)
