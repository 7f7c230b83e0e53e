"""信息发布: drafts, review and publication of notices for the cockpit, LED wall, hall screens, citizens."""

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import admin_common as ac
from dashboards import api
from dashboards.admin_format import allowed_actions
from dashboards.auth import current_viewer
from dashboards.gateway import ApiError

PATH = "/admin/publishing"
dash.register_page(__name__, path=PATH, title="信息发布 · 云管家", name="信息发布")

P = "admin-pub"
FIELDS = {
    "kind": "类别",
    "title": "标题",
    "body": "正文",
    "targets": "发布位置",
    "channels": "通知渠道",
    "expire_at": "下线时间",
    "publish_at": "发布时间",
    "version": "版本",
}
ACTION_TEXT = {"submit": ("送审", "info"), "publish": ("发布", "success"), "reject": ("退回", "warning")}
ACTION_TEXT["withdraw"] = ("撤回", "danger")
ACTION_DONE = {"submit": "已送审", "publish": "已发布", "reject": "已退回草稿", "withdraw": "已撤回"}


def _body(can_edit: bool) -> list[Any]:
    status_filter = ac.dropdown(
        f"{P}-status", ac.options("publication_status"), multi=True, placeholder="全部状态"
    )
    new_draft = dbc.Button("新建草稿", id=f"{P}-new", color="primary", size="sm")
    new_draft = new_draft if ac.viewer_can("publications:write") else None  # a reviewer only reviews
    return [
        dcc.Store(id=f"{P}-focus", data={"id": None, "n": 0}),
        *([] if can_edit else [ac.read_only_note()]),
        # Readers see published notices only: the status filter is for editors and reviewers.
        ac.form_row(
            ac.field("状态", status_filter, 6), dbc.Col(new_draft, md=2, className="admin-form-button")
        )
        if can_edit
        else html.Div(status_filter, hidden=True),
        *ac.list_and_editor(
            P,
            [
                ("id", "编号"),
                ("title", "标题"),
                ("kind_label", "类别"),
                ("status_label", "状态"),
                ("targets_label", "发布位置"),
                ("updated", "更新时间"),
                ("published", "发布时间"),
            ],
        ),
    ]


def layout(**_query: str) -> Any:
    return ac.section_page(PATH, _body)


def _row(publication: dict[str, Any]) -> dict[str, Any]:
    return publication | {
        "kind_label": ac.label("publication_kind", publication["kind"]),
        "status_label": ac.label("publication_status", publication["status"]),
        "targets_label": ac.labels("publication_target", publication["targets"]),
        "updated": ac.short_time(publication["updated_at"]),
        "published": ac.short_time(publication["published_at"]),
    }


@callback(*ac.list_wiring(P, Input(f"{P}-focus", "data"), Input(f"{P}-status", "value")))
def _load(focus, statuses, old_rows, old_selected):
    try:
        if ac.can_write(PATH):
            page = api.get("/admin/publications", status=statuses or None, page_size=ac.LIST_PAGE_SIZE)
        else:
            page = api.get("/publications", page_size=ac.LIST_PAGE_SIZE)
    except ApiError:
        return [], []
    rows = sorted((_row(p) for p in page["items"]), key=lambda r: r["id"], reverse=True)
    return ac.focused(rows, f"{P}-focus", focus, old_rows, old_selected)


def _checklist(checklist_id: str, kind: str, value: list[str]) -> dbc.Checklist:
    return dbc.Checklist(id=checklist_id, options=ac.options(kind), value=value, inline=True)


def _local_input(value: str | None) -> str | None:
    """An API timestamp as the value of a datetime-local input."""
    return ac.short_time(value).replace(" ", "T") or None


def _draft_form(publication: dict[str, Any] | None) -> Any:
    draft = publication or {"kind": "notice", "title": "", "body": "", "targets": ["cockpit"], "channels": []}
    return ac.form_card(
        f"编辑草稿 #{publication['id']}" if publication else "新建草稿",
        dbc.Form(
            [
                dcc.Store(id=f"{P}-editing", data=publication["id"] if publication else None),
                ac.form_row(
                    ac.field(
                        "类别",
                        dbc.Select(
                            id=f"{P}-kind", options=ac.options("publication_kind"), value=draft["kind"]
                        ),
                        4,
                    ),
                    ac.field("标题", dbc.Input(id=f"{P}-title", value=draft["title"], maxLength=200), 8),
                ),
                ac.form_row(ac.field("正文", dbc.Textarea(id=f"{P}-text", value=draft["body"], rows=4), 12)),
                ac.form_row(
                    ac.field(
                        "发布位置", _checklist(f"{P}-targets", "publication_target", draft["targets"]), 12
                    )
                ),
                ac.form_row(
                    ac.field(
                        "通知渠道", _checklist(f"{P}-channels", "publication_channel", draft["channels"]), 8
                    ),
                    ac.field(
                        "下线时间",
                        dbc.Input(
                            id=f"{P}-expire",
                            type="datetime-local",
                            value=_local_input(draft.get("expire_at")),
                        ),
                        4,
                    ),
                ),
                dbc.Button("保存草稿", id=f"{P}-save", color="primary", size="sm"),
            ]
        ),
    )


def _details(publication: dict[str, Any]) -> Any:
    return ac.form_card(
        f"#{publication['id']} {publication['title']}",
        html.P(
            [
                dbc.Badge(publication["status_label"], color="info", className="me-2"),
                publication["kind_label"],
                f" · {publication['targets_label']}",
            ],
            className="small",
        ),
        html.Div(publication["body"] or "（无正文）", className="admin-publication-body"),
    )


def _action_buttons(publication: dict[str, Any]) -> Any:
    viewer = current_viewer()
    actions = allowed_actions(publication.get("actions", []), viewer.permissions if viewer else frozenset())
    if not actions:
        return None
    buttons = [
        dbc.Button(
            ACTION_TEXT[action][0],
            id={"type": f"{P}-action", "action": action},
            color=ACTION_TEXT[action][1],
            size="sm",
            className="me-2",
        )
        for action in actions
    ]
    return html.Div([html.Span("流程：", className="me-2 small"), *buttons], className="admin-actions mb-3")


@callback(
    Output(f"{P}-table", "selected_rows", allow_duplicate=True),
    Input(f"{P}-new", "n_clicks"),
    prevent_initial_call=True,
)
def _new(clicks):
    """A new draft: no row selected shows the empty form."""
    if not clicks:
        raise PreventUpdate
    return []


@callback(*ac.editor_wiring(P))
def _editor(selected, rows):
    publication = ac.selected_row(rows, selected)
    can_write = ac.viewer_can("publications:write")
    if publication is None:
        return _draft_form(None) if can_write else ac.hint("在左侧选择一条信息。")
    parts = [_action_buttons(publication)] if ac.can_write(PATH) else []
    if can_write and publication["status"] == "draft":
        parts.append(_draft_form(publication))
    else:
        parts.append(_details(publication))
    return html.Div(parts)


def _draft_body(kind, title, text, targets, channels, expire) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": (title or "").strip(),
        "body": text or "",
        "targets": targets or [],
        "channels": channels or [],
        "expire_at": ac.blank_to_none(expire),
    }


@callback(
    Output(f"{P}-feedback", "children"),
    Output(f"{P}-focus", "data", allow_duplicate=True),
    Input(f"{P}-save", "n_clicks"),
    State(f"{P}-editing", "data"),
    State(f"{P}-table", "selected_rows"),
    State(f"{P}-table", "data"),
    State(f"{P}-kind", "value"),
    State(f"{P}-title", "value"),
    State(f"{P}-text", "value"),
    State(f"{P}-targets", "value"),
    State(f"{P}-channels", "value"),
    State(f"{P}-expire", "value"),
    State(f"{P}-focus", "data"),
    prevent_initial_call=True,
)
def _save(clicks, editing_id, selected, rows, kind, title, text, targets, channels, expire, focus):
    if not clicks:
        raise PreventUpdate
    publication = ac.selected_row(rows, selected)
    editing = editing_id is not None and publication is not None and publication["id"] == editing_id
    body = _draft_body(kind, title, text, targets, channels, expire)
    method, path = "POST", "/admin/publications"
    if editing:
        changes = ac.changed_fields(publication, body)
        if changes.get("expire_at") and _local_input(publication.get("expire_at")) == body["expire_at"]:
            changes.pop("expire_at")
        method, path = "PATCH", f"/admin/publications/{publication['id']}"
        body = changes | {"version": publication["version"]}
    return ac.submit(
        method,
        path,
        body,
        FIELDS,
        lambda saved: f"已保存草稿 #{saved['id']}“{saved['title']}”。",
        lambda saved: ac.next_focus(focus, saved["id"]),
    )


@callback(
    Output(f"{P}-feedback", "children", allow_duplicate=True),
    Output(f"{P}-focus", "data", allow_duplicate=True),
    Input({"type": f"{P}-action", "action": ALL}, "n_clicks"),
    State(f"{P}-table", "selected_rows"),
    State(f"{P}-table", "data"),
    State(f"{P}-focus", "data"),
    prevent_initial_call=True,
)
def _act(clicks, selected, rows, focus):
    publication = ac.selected_row(rows, selected)
    button = ac.pressed_pattern()
    if button is None or publication is None:
        raise PreventUpdate
    action = button["action"]

    def message(saved: dict[str, Any]) -> str:
        status = ac.label("publication_status", saved["status"])
        return f"#{saved['id']}“{saved['title']}”{ACTION_DONE[action]}，当前状态：{status}。"

    path = f"/admin/publications/{publication['id']}/{action}"
    body = {"version": publication["version"]}
    return ac.submit("POST", path, body, FIELDS, message, lambda saved: ac.next_focus(focus, saved["id"]))
