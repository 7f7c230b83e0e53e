"""模型: the registered model versions (dispatch, emotion, recommender) and how often their advice is used."""

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from dashboards import api, components
from dashboards import graph_models as gm
from dashboards.pages.analysis import dark_page

dash.register_page(__name__, path="/models", title="模型 · 云管家", name="模型")

PERMISSIONS = ("models:manage", "cockpit:view")


def layout(**_query: str) -> Any:
    days = dbc.RadioItems(
        id="md-days",
        options=[{"label": "近 7 天", "value": 7}, {"label": "近 30 天", "value": 30}],
        value=30,
        inline=True,
        className="mb-2",
    )
    return dark_page(
        "模型",
        html.H2("推荐采纳情况（实时）", className="h5"),
        days,
        html.Div(id="md-acceptance-error"),
        html.Div(id="md-kpis"),
        components.graph("md-accept-figure", figure=components.empty_figure("加载中…")),
        html.Div(id="md-versions-used", className="mb-4"),
        html.H2("已注册的模型版本", className="h5 mt-3"),
        html.Div(id="md-registry"),
        permissions=PERMISSIONS,
    )


@callback(Output("md-registry", "children"), Input("md-registry", "id"))
def registry(_id: str):
    """One card per registered model: its aliases and versions with headline metrics."""
    try:
        models = api.get("/models/registry")
    except api.ApiError as error:
        return components.error_alert(error)
    if not models:
        return dbc.Alert("还没有注册的模型：请先运行 butler train dispatch。", color="secondary")
    return dbc.Row([dbc.Col(_model_card(model), xl=6) for model in models], className="g-3")


def _model_card(model: dict[str, Any]) -> dbc.Card:
    metrics = gm.metric_columns(model["versions"])
    aliases = [
        dbc.Badge(f"{gm.ALIAS_LABELS.get(alias, alias)} → v{version}", color="info", className="md-alias")
        for alias, version in sorted(model["aliases"].items())
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3(
                    [model["label"], html.Small(f"  {model['name']}", className="text-muted")], className="h6"
                ),
                html.Div(aliases, className="mb-2"),
                components.table(
                    f"md-versions-{model['name']}",
                    gm.version_rows(model["versions"], metrics),
                    gm.version_columns(metrics),
                    page_size=5,
                ),
            ]
        ),
        className="md-card h-100",
        id=f"md-model-{model['name']}",
    )


@callback(
    Output("md-kpis", "children"),
    Output("md-accept-figure", "figure"),
    Output("md-versions-used", "children"),
    Output("md-acceptance-error", "children"),
    Input("md-days", "value"),
)
def acceptance(days: int):
    """Dispatch recommendations accepted vs overridden, per day and per version; the pushes' take-up."""
    try:
        report = api.get("/models/acceptance", days=days)
    except api.ApiError as error:
        return None, components.empty_figure("无法加载"), None, components.error_alert(error)
    dispatch, pushes = report["dispatch"], report["pushes"]
    total, push_total = dispatch["total"], pushes["total"]
    cards = [
        ("派遣建议采纳率", gm.rate_text(total["accept_rate"]), "md-accept-rate"),
        ("采纳", f"{total['accepted']:,}", "md-accepted"),
        ("改派", f"{total['overridden']:,}", "md-overridden"),
        ("模型自动派遣", f"{total['auto']:,}", "md-auto"),
        ("待决定", f"{total['undecided']:,}", "md-undecided"),
        ("推送已发送", f"{push_total['sent']:,}", "md-push-sent"),
        ("推送已转化", f"{push_total['converted']:,}", "md-push-converted"),
        (
            f"推送接受率（满{pushes['conversion_days']}天）",
            gm.rate_text(push_total["acceptance_rate"]),
            "md-push-rate",
        ),
    ]
    kpis = dbc.Row(
        [
            dbc.Col(html.Div(components.kpi_card(label, value), id=card_id), xs=6, md=3, xl=True)
            for label, value, card_id in cards
        ],
        className="g-2 mb-2",
    )
    versions = components.table(
        "md-by-version",
        [row | {"accept_rate": gm.rate_text(row["accept_rate"])} for row in dispatch["by_version"]],
        [
            ("model_version", "派遣模型版本"),
            ("accepted", "采纳"),
            ("overridden", "改派"),
            ("auto", "自动派遣"),
            ("accept_rate", "采纳率"),
        ],
        page_size=5,
    )
    note = html.P(
        f"{report['period_from']} 至 {report['period_to']}（不含）。"
        "采纳率 = 采纳 /（采纳 + 改派），模型自动派遣不计入；"
        f"推送接受率只计发送满 {pushes['conversion_days']} 天、转化窗口已结束的推送。",
        className="text-muted small",
    )
    return kpis, gm.acceptance_figure(dispatch["by_day"]), [note, versions], None
