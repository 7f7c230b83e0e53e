"""管理后台: one card per back-office section the viewer may use."""

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards import admin_common as ac
from dashboards import components
from dashboards.auth import current_viewer

dash.register_page(__name__, path="/admin", title="管理后台 · 云管家", name="管理后台")

ALL_READ = tuple(p for section in ac.SECTIONS for p in section.read)


def _card(section: ac.Section, editable: bool) -> dbc.Col:
    badge = dbc.Badge("可编辑" if editable else "只读", color="primary" if editable else "secondary")
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2([section.title, " ", badge], className="h5"),
                    html.P(section.summary, className="text-muted small mb-2"),
                    dbc.Button("进入", href=section.path, size="sm", color="primary", outline=True),
                ]
            ),
            className="admin-section-card h-100",
            id=f"admin-card-{section.path.rsplit('/', 1)[-1]}",
        ),
        md=6,
        xl=4,
    )


def layout(**_query: str) -> Any:
    viewer = current_viewer()
    if viewer is None:
        return html.Div()
    cards = [_card(section, ac.can_edit(viewer, section)) for section in ac.visible_sections(viewer)]
    return components.page("管理后台", dbc.Row(cards, className="g-3"), permissions=ALL_READ)
