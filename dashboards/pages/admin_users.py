"""用户与角色: users, their role grants over a scope, enabling and disabling; roles and their permissions."""

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import admin_common as ac
from dashboards import api, components
from dashboards.admin_format import grant_text
from dashboards.gateway import ApiError

PATH = "/admin/users"
dash.register_page(__name__, path=PATH, title="用户与角色 · 云管家", name="用户与角色")

P = "admin-users"
USER_FIELDS = {"username": "用户名", "display_name": "姓名", "password": "密码", "is_active": "状态"}
GRANT_FIELDS = {"role": "角色", "scope": "范围", "scope_id": "范围对象"}
# Where the target of a scoped grant is listed: (API path, text field).
SCOPE_TARGETS = {
    "department": ("/departments", "name"),
    "region": ("/regions", "name"),
    "hall": ("/halls", "name"),
}


def _body(can_edit: bool) -> list[Any]:
    active = ac.with_any([{"label": "启用", "value": "true"}, {"label": "停用", "value": "false"}])
    new_user = dbc.Button("新增用户", id=f"{P}-new", color="primary", size="sm")
    users = [
        ac.form_row(
            ac.field(
                "搜索", dbc.Input(id=f"{P}-q", placeholder="用户名或姓名", type="search", debounce=True), 4
            ),
            ac.field("状态", dbc.Select(id=f"{P}-active", options=active, value=ac.ANY), 2),
            dbc.Col(new_user if can_edit else None, md=2, className="admin-form-button"),
        ),
        *ac.list_and_editor(
            P,
            [
                ("username", "用户名"),
                ("display_name", "姓名"),
                ("roles_label", "角色与范围"),
                ("active_label", "状态"),
                ("last_login", "最近登录"),
            ],
        ),
    ]
    roles = components.table(
        f"{P}-role-table",
        [],
        [("code", "角色编码"), ("name", "角色名称"), ("kind", "类型"), ("permissions_text", "权限")],
        page_size=20,
    )
    return [
        dcc.Store(id=f"{P}-focus", data={"id": None, "n": 0}),
        *([] if can_edit else [ac.read_only_note()]),
        dbc.Tabs(
            [
                ac.tab("用户", "users", *users),
                ac.tab("角色与权限", "roles", roles),
            ],
            id=f"{P}-tabs",
            active_tab="users",
        ),
    ]


def layout(**_query: str) -> Any:
    return ac.section_page(PATH, _body)


# --- Users -----------------------------------------------------------------------------------------------


def _targets() -> dict[tuple[str, int], str]:
    """Names of every department, region and hall a grant may be scoped to."""
    names: dict[tuple[str, int], str] = {}
    for scope, (path, text) in SCOPE_TARGETS.items():
        try:
            names |= {(scope, i): name for i, name in ac.id_map(ac.fetch_all(path), text).items()}
        except ApiError:
            continue  # ids are shown instead
    return names


@callback(
    *ac.list_wiring(P, Input(f"{P}-focus", "data"), Input(f"{P}-q", "value"), Input(f"{P}-active", "value"))
)
def _load(focus, q, active, old_rows, old_selected):
    try:
        users = ac.fetch_all("/admin/users", q=q, is_active=ac.filter_value(active))
    except ApiError:
        return [], []
    targets = _targets()
    rows = [
        u
        | {
            "roles_label": "；".join(grant_text(g, targets) for g in u["roles"]),
            "active_label": "启用" if u["is_active"] else "停用",
            "last_login": ac.short_time(u["last_login_at"]),
        }
        for u in users
    ]
    return ac.focused(rows, f"{P}-focus", focus, old_rows, old_selected)


@callback(
    Output(f"{P}-table", "selected_rows", allow_duplicate=True),
    Input(f"{P}-new", "n_clicks"),
    prevent_initial_call=True,
)
def _new(clicks):
    if not clicks:
        raise PreventUpdate
    return []


def _create_form() -> Any:
    return ac.form_card(
        "新增用户",
        dbc.Form(
            [
                ac.form_row(
                    ac.field(
                        "用户名", dbc.Input(id=f"{P}-username", placeholder="3-64 位字母、数字或 ._@-"), 6
                    ),
                    ac.field("姓名", dbc.Input(id=f"{P}-display-name"), 6),
                ),
                ac.form_row(
                    ac.field(
                        "初始密码",
                        dbc.Input(id=f"{P}-password", type="password", autoComplete="new-password"),
                        12,
                    )
                ),
                dbc.Button("新增用户", id=f"{P}-create", color="primary", size="sm"),
            ]
        ),
    )


def _grant_list(user: dict[str, Any], targets: dict[tuple[str, int], str], can_write: bool) -> Any:
    items = [
        html.Li(
            [
                html.Span(grant_text(g, targets), className="me-2"),
                dbc.Button(
                    "撤销",
                    id={"type": f"{P}-revoke", "grant": g["id"]},
                    color="danger",
                    outline=True,
                    size="sm",
                    className="py-0",
                )
                if can_write
                else None,
            ],
            className="mb-1",
        )
        for g in user["roles"]
    ]
    return html.Ul(items, className="admin-grants") if items else ac.hint("尚未授予角色。")


def _grant_form(roles: list[dict[str, Any]]) -> Any:
    return dbc.Form(
        [
            ac.form_row(
                ac.field(
                    "角色",
                    dbc.Select(
                        id=f"{P}-grant-role",
                        options=[{"label": r["name"], "value": r["code"]} for r in roles],
                    ),
                    4,
                ),
                ac.field(
                    "范围", dbc.Select(id=f"{P}-grant-scope", options=ac.options("scope"), value="all"), 3
                ),
                ac.field("范围对象", ac.dropdown(f"{P}-grant-target", [], placeholder="全区无需选择"), 5),
            ),
            dbc.Button("授予角色", id=f"{P}-grant", color="primary", size="sm"),
        ]
    )


def _user_panel(user: dict[str, Any], can_write: bool) -> Any:
    targets = _targets()
    status = dbc.Badge(
        "启用" if user["is_active"] else "停用", color="success" if user["is_active"] else "secondary"
    )
    actions = []
    if can_write:
        actions.append(
            dbc.Button(
                "停用账号" if user["is_active"] else "启用账号",
                id=f"{P}-toggle",
                color="warning" if user["is_active"] else "success",
                size="sm",
                className="me-2",
            )
        )
        if user["failed_logins"] or user["locked_until"]:
            actions.append(dbc.Button("解锁", id=f"{P}-unlock", color="info", size="sm"))
    parts = [
        html.P([f"{user['display_name'] or '—'} ", status], className="mb-2"),
        html.Div(actions, className="mb-3") if actions else None,
        html.H3("角色授权", className="h6"),
        _grant_list(user, targets, can_write),
    ]
    if can_write:
        parts.append(_grant_form(api.get("/admin/roles")))
    return ac.form_card(f"用户 {user['username']}", *parts)


@callback(*ac.editor_wiring(P))
def _editor(selected, rows):
    user = ac.selected_row(rows, selected)
    can_write = ac.can_write(PATH)
    if user is None:
        return _create_form() if can_write else ac.hint("在左侧选择一个用户。")
    try:
        return _user_panel(user, can_write)
    except ApiError as error:
        return components.error_alert(error)


@callback(
    Output(f"{P}-grant-target", "options"),
    Output(f"{P}-grant-target", "value"),
    Input(f"{P}-grant-scope", "value"),
    prevent_initial_call=True,
)
def _grant_targets(scope):
    if scope not in SCOPE_TARGETS:
        return [], None
    path, text = SCOPE_TARGETS[scope]
    try:
        return [{"label": name, "value": i} for i, name in ac.id_map(ac.fetch_all(path), text).items()], None
    except ApiError:
        return [], None


@callback(
    Output(f"{P}-feedback", "children"),
    Output(f"{P}-focus", "data", allow_duplicate=True),
    Input(f"{P}-create", "n_clicks"),
    State(f"{P}-username", "value"),
    State(f"{P}-display-name", "value"),
    State(f"{P}-password", "value"),
    State(f"{P}-focus", "data"),
    prevent_initial_call=True,
)
def _create(clicks, username, display_name, password, focus):
    if not clicks:
        raise PreventUpdate
    body = {
        "username": (username or "").strip(),
        "display_name": display_name or "",
        "password": password or None,
    }
    return ac.submit(
        "POST",
        "/admin/users",
        body,
        USER_FIELDS,
        lambda user: f"已新增用户 {user['username']}，请为其授予角色。",
        lambda user: ac.next_focus(focus, user["id"]),
    )


@callback(
    Output(f"{P}-feedback", "children", allow_duplicate=True),
    Output(f"{P}-focus", "data", allow_duplicate=True),
    Input(f"{P}-grant", "n_clicks"),
    State(f"{P}-table", "selected_rows"),
    State(f"{P}-table", "data"),
    State(f"{P}-grant-role", "value"),
    State(f"{P}-grant-scope", "value"),
    State(f"{P}-grant-target", "value"),
    State(f"{P}-focus", "data"),
    prevent_initial_call=True,
)
def _grant(clicks, selected, rows, role, scope, target, focus):
    user = ac.selected_row(rows, selected)
    if not clicks or user is None:
        raise PreventUpdate
    body = {"role": role or "", "scope": scope, "scope_id": None if scope in ("all", "self") else target}
    return ac.submit(
        "POST",
        f"/admin/users/{user['id']}/roles",
        body,
        GRANT_FIELDS,
        lambda grant: f"已授予 {user['username']}：{grant_text(grant, _targets())}。",
        ac.next_focus(focus, user["id"]),
    )


@callback(
    Output(f"{P}-feedback", "children", allow_duplicate=True),
    Output(f"{P}-focus", "data", allow_duplicate=True),
    Input({"type": f"{P}-revoke", "grant": ALL}, "n_clicks"),
    State(f"{P}-table", "selected_rows"),
    State(f"{P}-table", "data"),
    State(f"{P}-focus", "data"),
    prevent_initial_call=True,
)
def _revoke(_clicks, selected, rows, focus):
    user = ac.selected_row(rows, selected)
    button = ac.pressed_pattern()
    if button is None or user is None:
        raise PreventUpdate
    path = f"/admin/users/{user['id']}/roles/{button['grant']}"
    message = f"已撤销 {user['username']} 的一项角色授权。"
    return ac.submit("DELETE", path, None, GRANT_FIELDS, message, ac.next_focus(focus, user["id"]))


def _patch_user(rows, selected, focus, body: dict[str, Any], done_text) -> tuple[Any, Any]:
    user = ac.selected_row(rows, selected)
    if user is None:
        raise PreventUpdate
    return ac.submit(
        "PATCH",
        f"/admin/users/{user['id']}",
        body,
        USER_FIELDS,
        lambda saved: f"{saved['username']} {done_text(saved)}。",
        ac.next_focus(focus, user["id"]),
    )


@callback(
    Output(f"{P}-feedback", "children", allow_duplicate=True),
    Output(f"{P}-focus", "data", allow_duplicate=True),
    Input(f"{P}-toggle", "n_clicks"),
    State(f"{P}-table", "selected_rows"),
    State(f"{P}-table", "data"),
    State(f"{P}-focus", "data"),
    prevent_initial_call=True,
)
def _toggle(clicks, selected, rows, focus):
    user = ac.selected_row(rows, selected)
    if not clicks or user is None:
        raise PreventUpdate
    body = {"is_active": not user["is_active"]}
    return _patch_user(rows, selected, focus, body, lambda u: "已启用" if u["is_active"] else "已停用")


@callback(
    Output(f"{P}-feedback", "children", allow_duplicate=True),
    Output(f"{P}-focus", "data", allow_duplicate=True),
    Input(f"{P}-unlock", "n_clicks"),
    State(f"{P}-table", "selected_rows"),
    State(f"{P}-table", "data"),
    State(f"{P}-focus", "data"),
    prevent_initial_call=True,
)
def _unlock(clicks, selected, rows, focus):
    if not clicks:
        raise PreventUpdate
    return _patch_user(rows, selected, focus, {"unlock": True}, lambda _u: "已解锁")


# --- Roles -----------------------------------------------------------------------------------------------


@callback(Output(f"{P}-role-table", "data"), Input(f"{P}-focus", "data"))
def _load_roles(_focus):
    try:
        roles = api.get("/admin/roles")
    except ApiError:
        return []
    return [
        r
        | {
            "kind": "内置" if r["is_system"] else "自定义",
            "permissions_text": "、".join(r["permissions"]),
        }
        for r in roles
    ]
