"""事项关联: the graph of strongly associated matters, each matter's rules, and the mined 一件事 bundles."""

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from dashboards import api, components
from dashboards import graph_associations as ga
from dashboards.pages.analysis import dark_page

dash.register_page(__name__, path="/associations", title="事项关联 · 云管家", name="事项关联")

PERMISSION = "portraits:read"
RULES_PAGE_SIZE = 100
BUNDLES_PAGE_SIZE = 50


def layout(**_query: str) -> Any:
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("最小提升度", className="small mb-1"),
                    dbc.Input(id="as-min-lift", type="number", min=1.01, step=0.5, value=2, debounce=True),
                ],
                xs=6,
                md=2,
            ),
            dbc.Col(
                dbc.Switch(id="as-bundled-only", label="只看一件事内部的关联", value=False),
                xs=6,
                md=4,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2 mb-2",
    )
    rules = html.Div(
        [
            html.Div(
                [
                    html.H2("关联规则", id="as-rules-title", className="h6 me-auto mb-0"),
                    dbc.Button(
                        "导出 CSV", id="as-export-csv", size="sm", color="secondary", className="me-2"
                    ),
                    dbc.Button("导出 XLSX", id="as-export-xlsx", size="sm", color="secondary"),
                ],
                className="d-flex align-items-center mb-2",
            ),
            html.Div(
                "点击图中的事项查看它的关联规则；不选时列出全部规则。",
                id="as-rules-note",
                className="text-muted small mb-1",
            ),
            components.table("as-rules", [], [(f, n) for f, n in ga.RULE_COLUMNS], page_size=10),
            dcc.Store(id="as-selected"),
            dcc.Download(id="as-download"),
        ]
    )
    bundles = html.Div(
        [
            html.H2("候选「一件事」", className="h6 mt-4"),
            html.P(
                "由事项关联挖掘的组合，按评分排序；链路为多数办事对象的实际办理顺序。",
                className="text-muted small",
            ),
            components.table("as-bundles", [], [(f, n) for f, n in ga.BUNDLE_COLUMNS], page_size=10),
        ]
    )
    return dark_page(
        "事项关联",
        controls,
        html.Div(id="as-error"),
        dbc.Row(
            [
                dbc.Col(
                    dcc.Loading(
                        components.graph("as-graph", figure=components.empty_figure("加载中…")), type="dot"
                    ),
                    xl=7,
                ),
                dbc.Col(rules, xl=5),
            ],
            className="g-3",
        ),
        bundles,
        permissions=(PERMISSION,),
    )


@callback(
    Output("as-graph", "figure"),
    Output("as-error", "children"),
    Input("as-min-lift", "value"),
    Input("as-bundled-only", "value"),
    Input("as-selected", "data"),
)
def draw_graph(min_lift: float | None, bundled_only: bool, selected: dict | None):
    """The graph of rules at least as strong as MIN_LIFT, the clicked matter ringed."""
    try:
        graph = api.get("/associations/graph", min_lift=min_lift or None, bundled_only=bool(bundled_only))
    except api.ApiError as error:
        return components.empty_figure("无法加载"), components.error_alert(error)
    return ga.figure(graph, (selected or {}).get("id")), None


@callback(
    Output("as-selected", "data"),
    Input("as-graph", "clickData"),
    prevent_initial_call=True,
)
def select_matter(click: dict | None):
    points = (click or {}).get("points") or []
    custom = points[0].get("customdata") if points else None
    if not custom:
        return no_update
    return {"id": custom[0], "name": custom[1]}


@callback(
    Output("as-rules", "data"),
    Output("as-rules-title", "children"),
    Output("as-rules-note", "children"),
    Input("as-selected", "data"),
)
def rules(selected: dict | None):
    """The rules with the selected matter on either side (all rules when none is selected)."""
    matter = (selected or {}).get("id")
    try:
        answer = api.get("/associations", matter=matter, page_size=RULES_PAGE_SIZE)
    except api.ApiError as error:
        return [], "关联规则", components.error_alert(error)
    title = f"「{selected['name']}」的关联规则" if matter else "关联规则（全部）"
    shown = len(answer["items"])
    note = f"共 {answer['total']:,} 条，按提升度排序" + (
        f"，显示前 {shown} 条，导出含全部" if answer["total"] > shown else ""
    )
    return [ga.rule_row(r) for r in answer["items"]], title, note


@callback(Output("as-bundles", "data"), Input("as-bundles", "id"))
def bundles(_id: str):
    try:
        answer = api.get("/associations/bundles", page_size=BUNDLES_PAGE_SIZE)
    except api.ApiError:
        return []
    return [ga.bundle_row(b) for b in answer["items"]]


@callback(
    Output("as-download", "data"),
    Output("as-error", "children", allow_duplicate=True),
    Input("as-export-csv", "n_clicks"),
    Input("as-export-xlsx", "n_clicks"),
    State("as-selected", "data"),
    prevent_initial_call=True,
)
def export(_csv: int | None, _xlsx: int | None, selected: dict | None):
    """The rules the table lists (every one of them, not only the page), as the API writes them."""
    file_format = "xlsx" if ctx.triggered_id == "as-export-xlsx" else "csv"
    try:
        return api.download("/associations", format=file_format, matter=(selected or {}).get("id")), None
    except api.ApiError as error:
        return no_update, components.error_alert(error)
