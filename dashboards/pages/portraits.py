"""画像: enterprise, citizen, staff and window portraits, filtered by tag, ordered by score, with detail."""

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from dashboards import analysis_portraits as ap
from dashboards import api, components
from dashboards.pages.analysis import dark_page

dash.register_page(__name__, path="/portraits", title="画像 · 云管家", name="画像")

PERMISSION = "portraits:read"
PAGE_SIZE = 20


def layout(**_query: str) -> Any:
    tabs = dbc.Tabs(
        [dbc.Tab(label=label, tab_id=kind) for kind, label in ap.KINDS.items()],
        id="pt-kind",
        active_tab="enterprise",
        className="mb-3",
    )
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("标签（须同时具备）", className="small mb-1"),
                    dcc.Dropdown(id="pt-tags", multi=True, placeholder="全部"),
                ],
                md=6,
            ),
            dbc.Col(
                [
                    dbc.Label("排序", className="small mb-1"),
                    dcc.Dropdown(
                        id="pt-order",
                        options=[
                            {"label": "评分从高到低", "value": "-score"},
                            {"label": "评分从低到高", "value": "score"},
                        ],
                        value="-score",
                        clearable=False,
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                dbc.Button("导出 CSV", id="pt-export", size="sm", color="secondary"),
                md=3,
                className="d-flex align-items-end justify-content-md-end",
            ),
        ],
        className="g-2 mb-2",
    )
    table = components.table(
        "pt-table", [], [], page_size=PAGE_SIZE, page_action="custom", sort_action="none"
    )
    table.page_current = 0
    return dark_page(
        "画像",
        tabs,
        controls,
        html.Div(id="pt-error"),
        html.Div(id="pt-summary", className="text-muted small mb-1"),
        dbc.Row(
            [
                dbc.Col(table, xl=8),
                dbc.Col(html.Div(id="pt-detail", children=_detail_hint()), xl=4),
            ],
            className="g-3",
        ),
        dcc.Download(id="pt-download"),
        permissions=(PERMISSION,),
    )


def _detail_hint() -> dbc.Card:
    return dbc.Card(dbc.CardBody("点击左侧一行查看画像详情。", className="text-muted"), className="pt-card")


@callback(
    Output("pt-tags", "options"),
    Output("pt-tags", "value"),
    Output("pt-table", "page_current"),
    Input("pt-kind", "active_tab"),
)
def tag_options(kind: str):
    """The tags of the kind, each with how many portraits carry it."""
    try:
        counts = api.get(f"/portraits/{kind}/tags")
    except api.ApiError:
        return [], [], 0
    options = [
        {"label": f"{ap.tag_label(t['tag'])}（{t['count']}）", "value": t["tag"], "disabled": not t["count"]}
        for t in counts["tags"]
    ]
    return options, [], 0


@callback(
    Output("pt-table", "data"),
    Output("pt-table", "columns"),
    Output("pt-table", "page_count"),
    Output("pt-summary", "children"),
    Output("pt-error", "children"),
    Output("pt-table", "active_cell"),
    Input("pt-kind", "active_tab"),
    Input("pt-tags", "value"),
    Input("pt-order", "value"),
    Input("pt-table", "page_current"),
)
def portraits(kind: str, tags: list[str] | None, order: str, page_current: int | None):
    """One page of portraits of the kind with every chosen tag."""
    try:
        columns = [{"id": f, "name": n} for f, n in ap.list_columns(kind, feature_labels(kind))]
        answer = api.get(
            f"/portraits/{kind}",
            tag=tags or None,
            order=order,
            page=(page_current or 0) + 1,
            page_size=PAGE_SIZE,
        )
    except api.ApiError as error:
        return [], [], 1, "", components.error_alert(error), None
    rows = [ap.list_row(item) for item in answer["items"]]
    pages = max(1, -(-answer["total"] // PAGE_SIZE))
    chosen = "、".join(ap.tag_label(t) for t in tags or []) or "全部"
    summary = f"{ap.KINDS[kind]} · 标签：{chosen} · 共 {answer['total']:,} 个"
    return rows, columns, pages, summary, None, None  # a new list: no cell is selected in it


@callback(
    Output("pt-detail", "children"),
    Input("pt-table", "active_cell"),
    Input("pt-kind", "active_tab"),
    prevent_initial_call=True,
)
def detail(cell: dict | None, kind: str):
    """The clicked portrait: score, its parts, tags and every feature."""
    if ctx.triggered_id == "pt-kind" or not cell or cell.get("row_id") is None:
        return _detail_hint()
    try:
        item = api.get(f"/portraits/{kind}/{cell['row_id']}")
        labels = feature_labels(kind)
    except api.ApiError as error:
        return components.error_alert(error)
    return _detail_card(item, labels)


def feature_labels(kind: str) -> dict[str, str]:
    return {field["name"]: field["label"] for field in api.get(f"/portraits/{kind}/fields")}


def _detail_card(item: dict[str, Any], labels: dict[str, str]) -> dbc.Card:
    features = dict(item["features"])
    parts = features.pop("score_parts", None) or {}
    tags = [dbc.Badge(ap.tag_label(t), color="info") for t in item["tags"]] or [
        html.Span("无标签", className="text-muted")
    ]
    part_rows = [
        html.Tr([html.Td(ap.SCORE_PARTS.get(k, k)), html.Td(f"{v:.1%}" if v is not None else "—")])
        for k, v in parts.items()
    ]
    feature_rows = [
        html.Tr([html.Td(ap.feature_label(k, labels)), html.Td(str(ap.format_feature(k, v)))])
        for k, v in features.items()
    ]
    body = [
        html.H2(ap.display_name(item), className="h5 mb-1"),
        html.Div(item.get("uscc") or "", className="text-muted small"),
        html.Div(
            [
                html.Span("评分 ", className="text-muted"),
                html.Span(f"{item['score']:.1f}" if item["score"] is not None else "—", className="pt-score"),
            ],
            className="my-2",
        ),
        html.Div(tags, className="pt-tags mb-2"),
    ]
    if part_rows:
        body += [
            html.H3("评分构成", className="h6 mt-2"),
            dbc.Table(html.Tbody(part_rows), size="sm", className="pt-parts"),
        ]
    body += [
        html.H3("特征", className="h6 mt-2"),
        dbc.Table(html.Tbody(feature_rows), size="sm", className="pt-features"),
        html.Div(f"数据截至 {item['as_of'][:16].replace('T', ' ')}", className="text-muted small"),
    ]
    return dbc.Card(dbc.CardBody(body), className="pt-card", id="pt-detail-card")


@callback(
    Output("pt-download", "data"),
    Output("pt-error", "children", allow_duplicate=True),
    Input("pt-export", "n_clicks"),
    State("pt-kind", "active_tab"),
    State("pt-tags", "value"),
    State("pt-order", "value"),
    prevent_initial_call=True,
)
def export(_clicks: int | None, kind: str, tags: list[str] | None, order: str):
    """Every portrait matching the filters, in the same order, as the API writes it."""
    try:
        return api.download(f"/portraits/{kind}", format="csv", tag=tags or None, order=order), None
    except api.ApiError as error:
        return no_update, components.error_alert(error)
