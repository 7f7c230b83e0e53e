"""分析: the eight hall analyses (S1 §3.2.2), each with period and dimension filters, drill-down, exports.

``/analysis`` lists them (and the warning board); ``/analysis/<name>`` shows one: a figure of the chosen
indicator and the table of the report's rows. Clicking a bar or a row goes one level down the analysis's
drill path (部门 -> 人员 -> 明细记录); the trail above the figure goes back. The export buttons ask the
API for the very rows on screen (same parameters) as CSV or XLSX.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.dash_table.Format import Format, Scheme, Sign

from dashboards import analysis_view as av
from dashboards import api, components
from dashboards.auth import current_viewer

# One page for both: "/analysis" is its path (the index), "/analysis/cases" matches its template.
dash.register_page(
    __name__, path="/analysis", path_template="/analysis/<name>", title="分析 · 云管家", name="分析"
)

PERMISSION = "analytics:read"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
RECORD_PAGE_SIZE = 500  # the API's largest page; the export has them all


def today():
    return datetime.now(LOCAL_TZ).date()


# ---------------------------------------------------------------- the index


def layout(name: str | None = None, **_query: str) -> Any:
    if name:
        return detail_layout(name)
    viewer = current_viewer()
    if viewer is None:
        return html.Div()
    if not viewer.can(PERMISSION):
        return components.page("分析", permissions=(PERMISSION,))
    try:
        analyses = api.get("/analytics")
    except api.ApiError as error:
        return components.page("分析", components.error_alert(error), permissions=(PERMISSION,))
    cards = dbc.Row([_analysis_card(a) for a in analyses], className="g-3 mb-4", id="an-index")
    board = _warning_board() if viewer.can("warnings:read") else None
    return dark_page("分析", cards, board, permissions=(PERMISSION,))


def dark_page(title: Any, *children: Any, permissions: tuple[str, ...]) -> html.Div:
    """``components.page`` inside ``.c-dark``: Dash 4's dropdowns and date pickers in the dark theme."""
    return html.Div(components.page(title, *children, permissions=permissions), className="c-dark")


def _analysis_card(info: dict[str, Any]) -> dbc.Col:
    dims = "、".join(av.DIMENSION_LABELS.get(d, d) for d in info["dimensions"])
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(f"S1 §{info['section']}", className="text-muted small"),
                    html.H2(info["title"], className="h5 mb-2"),
                    html.P(f"{len(info['indicators'])} 项指标 · 维度：{dims}", className="small mb-2"),
                    dbc.Button("进入分析", href=f"/analysis/{info['name']}", size="sm", color="primary"),
                ]
            ),
            className="an-card h-100",
            id=f"an-card-{info['name']}",
        ),
        md=6,
        xl=3,
    )


def _warning_board() -> html.Div:
    """预警看板: how many warnings each department has and how they were disposed."""
    try:
        summary = api.get("/warnings/summary")
    except api.ApiError as error:
        return components.error_alert(error)
    total = summary["total"]
    kpis = dbc.Row(
        [
            dbc.Col(components.kpi_card(label, f"{total[field]:,}"), xs=6, md=2)
            for field, label in (
                ("triggered", "预警总数"),
                ("red", "红色预警"),
                ("yellow", "黄色预警"),
                ("open", "待处置"),
                ("disposed", "已处置"),
                ("overdue_disposal_count", "超期处置"),
            )
        ],
        className="g-2 mb-2",
    )
    columns = [
        ("department_name", "部门"),
        ("triggered", "预警数"),
        ("red", "红色"),
        ("yellow", "黄色"),
        ("open", "待处置"),
        ("disposed", "已处置"),
        ("closed", "已关闭"),
        ("overdue_disposal_count", "超期处置"),
    ]
    body = (
        components.table("an-warning-table", summary["departments"], columns, page_size=10)
        if summary["departments"]
        else html.P("当前没有预警。", className="text-muted")
    )
    return html.Div([html.H2("预警看板", className="h5 mt-2"), kpis, body], id="an-warnings")


# ---------------------------------------------------------------- one analysis


def detail_layout(name: str | None) -> Any:
    viewer = current_viewer()
    if viewer is None:
        return html.Div()
    if not viewer.can(PERMISSION):
        return components.page("分析", permissions=(PERMISSION,))
    try:
        info = next((a for a in api.get("/analytics") if a["name"] == name), None)
    except api.ApiError as error:
        return components.page("分析", components.error_alert(error), permissions=(PERMISSION,))
    if info is None:
        return components.page("分析", dbc.Alert(f"没有名为 {name} 的分析。", color="warning"))
    view = av.default_view(info, today())
    title = html.Span([info["title"], html.Small(f"  S1 §{info['section']}", className="text-muted")])
    return dark_page(
        title,
        dcc.Store(id="an-info", data=info),
        dcc.Store(id="an-trail", data=[view]),
        _controls(info, view),
        html.Div(id="an-crumbs", className="an-crumbs mb-2"),
        html.Div(id="an-error"),
        dcc.Loading(components.graph("an-figure", figure=components.empty_figure("加载中…")), type="dot"),
        html.Div(
            [
                html.Span(id="an-note", className="text-muted small me-auto"),
                dbc.Button("导出 CSV", id="an-export-csv", size="sm", color="secondary", className="me-2"),
                dbc.Button("导出 XLSX", id="an-export-xlsx", size="sm", color="secondary"),
                dcc.Download(id="an-download"),
            ],
            className="d-flex align-items-center my-2",
        ),
        _wide_table("an-table"),
        permissions=(PERMISSION,),
    )


def _wide_table(table_id: str):
    """The shared dark table, its columns wide enough to read (it scrolls sideways)."""
    table = components.table(table_id, [], [], page_size=15)
    table.style_cell = table.style_cell | {"minWidth": 84, "whiteSpace": "nowrap"}
    table.style_header = table.style_header | {"whiteSpace": "normal", "minWidth": 84}
    return table


def _controls(info: dict[str, Any], view: dict[str, Any]) -> dbc.Row:
    by_options = [{"label": "合计（按周期）", "value": ""}] + [
        {"label": av.grouping_label(d), "value": d} for d in info["dimensions"]
    ]
    by_options.append({"label": "明细记录（点击钻取）", "value": av.RECORDS, "disabled": True})
    indicators = [{"label": i["label"], "value": i["name"]} for i in info["indicators"]]
    dims = [{"label": av.DIMENSION_LABELS.get(d, d), "value": d} for d in info["dimensions"]]

    def field(label: str, control: Any, **width: int) -> dbc.Col:
        return dbc.Col([dbc.Label(label, className="small mb-1"), control], **width)

    return dbc.Row(
        [
            field(
                "周期",
                dcc.Dropdown(
                    id="an-granularity",
                    options=[{"label": v, "value": k} for k, v in av.GRANULARITIES.items()],
                    value=view["granularity"],
                    clearable=False,
                ),
                xs=6,
                md=2,
                xl=1,
            ),
            field(
                "开始", dbc.Input(id="an-from", type="date", value=view["from"], debounce=True), xs=6, md=2
            ),
            field("结束", dbc.Input(id="an-to", type="date", value=view["to"], debounce=True), xs=6, md=2),
            field(
                "分组",
                dcc.Dropdown(id="an-by", options=by_options, value=view["by"], clearable=False),
                xs=6,
                md=2,
            ),
            field(
                "指标",
                dcc.Dropdown(id="an-indicator", options=indicators, value=view["indicator"], clearable=False),
                xs=12,
                md=4,
                xl=2,
            ),
            field(
                "筛选",
                dbc.InputGroup(
                    [
                        dcc.Dropdown(id="an-filter-dim", options=dims, placeholder="维度", className="an-dd"),
                        dcc.Dropdown(id="an-filter-value", options=[], placeholder="取值", className="an-dd"),
                        dbc.Button("添加", id="an-filter-add", color="primary", size="sm"),
                        dbc.Button("重置", id="an-reset", color="secondary", size="sm", outline=True),
                    ],
                    size="sm",
                    className="flex-nowrap",
                ),
                xs=12,
                xl=3,
            ),
        ],
        className="g-2 mb-3 an-controls",
    )


CONTROLS = ("an-granularity", "an-from", "an-to", "an-by", "an-indicator")
CONTROL_FIELDS = ("granularity", "from", "to", "by", "indicator")


@callback(
    Output("an-trail", "data"),
    *(Output(c, "value") for c in CONTROLS),
    Output("an-table", "active_cell"),
    Output("an-figure", "clickData"),
    *(Input(c, "value") for c in CONTROLS),
    Input("an-figure", "clickData"),
    Input("an-table", "active_cell"),
    Input({"type": "an-crumb", "index": ALL}, "n_clicks"),
    Input("an-filter-add", "n_clicks"),
    Input("an-reset", "n_clicks"),
    State("an-trail", "data"),
    State("an-info", "data"),
    State("an-table", "data"),
    State("an-filter-dim", "value"),
    State("an-filter-value", "value"),
    State("an-filter-value", "options"),
    prevent_initial_call=True,
)
def navigate(*args: Any):
    """Every way the view changes: a control, a click on a bar or row, a step of the trail, a filter."""
    controls = args[: len(CONTROLS)]
    click, cell = args[len(CONTROLS) : len(CONTROLS) + 2]
    trail, info, rows, filter_dim, filter_value, value_options = args[-6:]
    trigger = ctx.triggered_id
    trail = list(trail)
    if trigger in CONTROLS:
        trail[-1] = trail[-1] | {
            CONTROL_FIELDS[CONTROLS.index(trigger)]: controls[CONTROLS.index(trigger)] or ""
        }
        return _answer(trail, same_controls=True)
    if isinstance(trigger, dict) and trigger.get("type") == "an-crumb":
        if not ctx.triggered[0]["value"]:
            return (no_update,) * 8  # a crumb was (re)drawn, not clicked
        return _answer(trail[: trigger["index"] + 1])
    if trigger == "an-reset":
        return _answer([av.default_view(info, today())])
    if trigger == "an-filter-add":
        if not filter_dim or filter_value is None:
            return (no_update,) * 8
        label = next(
            (o["label"] for o in value_options or [] if o["value"] == filter_value), str(filter_value)
        )
        filters = trail[-1].get("filters", {}) | {filter_dim: {"value": filter_value, "label": label}}
        by = trail[-1]["by"] if trail[-1]["by"] != filter_dim else ""
        return _answer([*trail, trail[-1] | {"filters": filters, "by": by}])
    below = _drill_target(info, trail[-1], trigger, click, cell, rows)
    if below is None:
        return (no_update,) * 6 + (None, None)
    return _answer([*trail, below])


def _drill_target(info, view, trigger, click, cell, rows) -> dict[str, Any] | None:
    by = view.get("by") or ""
    if trigger == "an-figure" and click and click.get("points"):
        custom = click["points"][0].get("customdata") or []
        if not by:
            row = next((r for r in rows or [] if r.get("period") == custom[0]), None) if custom else None
            return av.drill(info, view, None, "", row)
        return av.drill(info, view, custom[0], custom[1]) if len(custom) >= 2 else None
    if trigger == "an-table" and cell and cell.get("row_id") is not None:
        row = next((r for r in rows or [] if r.get("id") == cell["row_id"]), None)
        if row is None:
            return None
        if not by:
            return av.drill(info, view, None, "", row)
        return av.drill(info, view, row.get(by), str(row.get(f"{by}_name") or row.get(by)))
    return None


def _answer(trail: list[dict[str, Any]], same_controls: bool = False):
    view = trail[-1]
    values = (no_update,) * len(CONTROLS) if same_controls else tuple(view[f] for f in CONTROL_FIELDS)
    return (trail, *values, None, None)


@callback(
    Output("an-figure", "figure"),
    Output("an-table", "data"),
    Output("an-table", "columns"),
    Output("an-crumbs", "children"),
    Output("an-note", "children"),
    Output("an-error", "children"),
    Input("an-trail", "data"),
    State("an-info", "data"),
)
def render(trail: list[dict[str, Any]], info: dict[str, Any]):
    """Ask the API for the view and draw it."""
    view = trail[-1]
    crumbs = _crumbs(trail)
    try:
        if view.get("by") == av.RECORDS:
            report = api.get(f"/analytics/{info['name']}", **av.api_params(view, page_size=RECORD_PAGE_SIZE))
            rows, note = report["items"], _records_note(report)
        else:
            report = api.get(f"/analytics/{info['name']}", **av.api_params(view))
            rows, note = (
                report["rows"],
                f"{report['period_from']} 至 {report['period_to']}（不含） · {len(report['rows'])} 行",
            )
    except api.ApiError as error:
        return components.empty_figure("无法加载"), [], [], crumbs, "", components.error_alert(error)
    rows = [row | {"id": n} for n, row in enumerate(rows)]
    return av.figure(info, view, rows), rows, _columns(info, view, rows), crumbs, note, None


def _records_note(report: dict[str, Any]) -> str:
    shown = len(report["items"])
    more = f"，显示前 {shown} 条，导出含全部" if report["total"] > shown else ""
    return f"明细记录共 {report['total']:,} 条{more}"


def _columns(info: dict[str, Any], view: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by = [view["by"]] if view.get("by") and view["by"] != av.RECORDS else []
    columns = []
    for column in av.row_columns(rows):
        spec: dict[str, Any] = {"id": column, "name": av.column_label(info, by, column)}
        unit = av.column_unit(info, column)
        if unit == "rate":
            spec |= {"type": "numeric", "format": Format(precision=1, scheme=Scheme.percentage)}
        elif unit == "change":
            spec |= {
                "type": "numeric",
                "format": Format(precision=1, scheme=Scheme.percentage, sign=Sign.positive),
            }
        elif unit in ("days", "minutes", "number"):
            spec |= {"type": "numeric", "format": Format(precision=2, scheme=Scheme.fixed)}
        elif unit == "count":
            spec |= {"type": "numeric"}
        columns.append(spec)
    return columns


def _crumbs(trail: list[dict[str, Any]]) -> list[Any]:
    items: list[Any] = []
    for index, view in enumerate(trail):
        previous = trail[index - 1] if index else None
        label = av.crumb_label(view, previous)
        last = index == len(trail) - 1
        if items:
            items.append(html.Span("›", className="an-crumb-sep"))
        items.append(
            html.Span(label, className="an-crumb current")
            if last
            else html.Button(label, id={"type": "an-crumb", "index": index}, className="an-crumb")
        )
    grouping = av.grouping_label(trail[-1].get("by"))
    items.append(html.Span(f"（{grouping}，点击柱形或表格行向下钻取）", className="text-muted small ms-2"))
    return items


@callback(
    Output("an-filter-value", "options"),
    Output("an-filter-value", "value"),
    Input("an-filter-dim", "value"),
    State("an-trail", "data"),
    State("an-info", "data"),
    prevent_initial_call=True,
)
def filter_values(dimension: str | None, trail: list[dict[str, Any]], info: dict[str, Any]):
    """The values of a dimension that have data in the period (named as the API names them)."""
    if not dimension:
        return [], None
    view = trail[-1] | {"by": dimension, "granularity": "custom"}
    try:
        rows = api.get(f"/analytics/{info['name']}", **av.api_params(view))["rows"]
    except api.ApiError:
        return [], None
    options = [
        {"label": str(r.get(f"{dimension}_name") or r[dimension]), "value": r[dimension]}
        for r in rows
        if r.get(dimension) is not None
    ]
    return sorted(options, key=lambda o: o["label"]), None


@callback(
    Output("an-download", "data"),
    Output("an-error", "children", allow_duplicate=True),
    Input("an-export-csv", "n_clicks"),
    Input("an-export-xlsx", "n_clicks"),
    State("an-trail", "data"),
    State("an-info", "data"),
    prevent_initial_call=True,
)
def export(_csv: int | None, _xlsx: int | None, trail: list[dict[str, Any]], info: dict[str, Any]):
    """The rows on screen, as the API exports them (one query feeds both)."""
    file_format = "xlsx" if ctx.triggered_id == "an-export-xlsx" else "csv"
    try:
        return api.download(
            f"/analytics/{info['name']}", **av.api_params(trail[-1], format=file_format)
        ), None
    except api.ApiError as error:
        return no_update, components.error_alert(error)
