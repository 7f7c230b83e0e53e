"""Pieces every page uses: the page frame and navigation, messages, KPI cards, tables, the figure theme."""

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import plotly.io as pio
from dash import dash_table, dcc, html

from dashboards.auth import LOGOUT_PATH, Viewer, current_viewer
from dashboards.gateway import ApiError

FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif'
COLORWAY = ["#3fb6ff", "#2ee6a6", "#ffc542", "#ff6b6b", "#a78bfa", "#5eead4", "#f472b6", "#94a3b8"]
TEMPLATE = "butler"

pio.templates[TEMPLATE] = go.layout.Template(
    layout={
        "font": {"family": FONT_FAMILY, "color": "#dbe7ff", "size": 13},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "colorway": COLORWAY,
        "margin": {"l": 40, "r": 16, "t": 36, "b": 32},
        "xaxis": {"gridcolor": "rgba(140,170,220,0.15)", "zerolinecolor": "rgba(140,170,220,0.25)"},
        "yaxis": {"gridcolor": "rgba(140,170,220,0.15)", "zerolinecolor": "rgba(140,170,220,0.25)"},
        "legend": {"bgcolor": "rgba(0,0,0,0)"},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
    }
)
GRAPH_CONFIG = {"displaylogo": False, "responsive": True}

# (path, label, permissions any of which shows the link)
NAV_LINKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/", "驾驶舱", ("cockpit:view",)),
    ("/workbench", "派遣工作台", ("events:dispatch",)),
    ("/handle", "事件处置", ("events:handle",)),
    ("/analysis", "分析", ("analytics:read",)),
    ("/portraits", "画像", ("portraits:read",)),
    ("/associations", "事项关联", ("portraits:read",)),
    ("/models", "模型", ("models:manage", "cockpit:view")),
    (
        "/admin",
        "管理后台",
        ("org:write", "matters:write", "publications:write", "warnings:write", "users:write"),
    ),
)


def allowed(viewer: Viewer, permissions: Sequence[str]) -> bool:
    """Whether VIEWER holds any of PERMISSIONS."""
    return any(viewer.can(p) for p in permissions)


def navbar(viewer: Viewer) -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(label, href=path, active="exact"))
        for path, label, permissions in NAV_LINKS
        if allowed(viewer, permissions)
    ]
    badge = dbc.Badge("只读", color="secondary", className="ms-2") if viewer.read_only else None
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("云管家", href="/"),
                dbc.NavbarToggler(id="nav-toggler"),
                dbc.Collapse(dbc.Nav(links, navbar=True), id="nav-collapse", navbar=True),
                html.Span(
                    [viewer.display_name, badge, html.A("退出", href=LOGOUT_PATH, className="ms-3")],
                    className="navbar-text small",
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


def page(title: str, *children: Any, permissions: Sequence[str] = ()) -> html.Div:
    """A page with the navigation bar; a 'no permission' message when the viewer lacks all PERMISSIONS."""
    viewer = current_viewer()
    if viewer is None:  # Dash builds the layouts once outside any request to check them
        return html.Div()
    body: Any = children
    if permissions and not allowed(viewer, permissions):
        body = (forbidden(),)  # one alert; unpacking the Alert itself would drop it
    return html.Div([navbar(viewer), dbc.Container([html.H1(title, className="h4 mb-3"), *body], fluid=True)])


def forbidden() -> dbc.Alert:
    return dbc.Alert("您的角色不能查看此页面。", color="warning", className="forbidden")


def error_alert(error: ApiError | Exception) -> dbc.Alert:
    """An API refusal shown on the page (never an error callback): its status and reason."""
    if isinstance(error, ApiError):
        text = {403: "没有权限", 404: "不存在", 409: "状态已变化", 422: "输入有误", 503: "暂不可用"}
        return dbc.Alert(
            f"{text.get(error.status, '请求失败')}（{error.status}）：{error}",
            color="danger",
            className="api-error",
        )
    return dbc.Alert(f"出错了：{error}", color="danger", className="api-error")


def empty_figure(message: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        template=TEMPLATE,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": message, "showarrow": False, "font": {"size": 16}}],
    )
    return figure


def graph(graph_id: Any, **kwargs: Any) -> dcc.Graph:
    return dcc.Graph(id=graph_id, config=GRAPH_CONFIG, **kwargs)


def change_badge(change: float | None, *, higher_is_better: bool = True) -> html.Span:
    """The period-on-period change as ▲/▼ with a colour that says whether it is good."""
    if change is None:
        return html.Span("—", className="kpi-change text-muted")
    good = (change >= 0) == higher_is_better
    arrow = "▲" if change >= 0 else "▼"
    return html.Span(f"{arrow} {abs(change):.1%}", className=f"kpi-change {'good' if good else 'bad'}")


def kpi_card(label: str, value: str, change: float | None = None, **badge_options: Any) -> html.Div:
    return html.Div(
        [
            html.Div(label, className="kpi-label"),
            html.Div(value, className="kpi-value"),
            change_badge(change, **badge_options),
        ],
        className="kpi-card",
    )


def table(table_id: Any, rows: list[dict[str, Any]], columns: Sequence[tuple[str, str]], **kwargs: Any):
    """A dark, sortable, paged table of ROWS with (field, header) COLUMNS."""
    return dash_table.DataTable(
        id=table_id,
        data=rows,
        columns=[{"id": field, "name": name} for field, name in columns],
        page_size=kwargs.pop("page_size", 15),
        sort_action=kwargs.pop("sort_action", "native"),
        style_as_list_view=True,
        style_table={"overflowX": "auto"},
        style_header={"backgroundColor": "#1f2a3a", "color": "#dbe7ff", "fontWeight": "bold"},
        style_cell={
            "backgroundColor": "#111a27",
            "color": "#dbe7ff",
            "fontFamily": FONT_FAMILY,
            "textAlign": "left",
            "padding": "6px",
            "maxWidth": 360,
            "whiteSpace": "normal",
        },
        **kwargs,
    )
