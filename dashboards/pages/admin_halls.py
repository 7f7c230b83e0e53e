"""大厅信息: halls, zones, windows and the matters they take in, staff posts, the working calendar."""

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import admin_common as ac
from dashboards import components
from dashboards.gateway import ApiError

PATH = "/admin/halls"
dash.register_page(__name__, path=PATH, title="大厅信息 · 云管家", name="大厅信息")

P = "admin-halls"
HALL_FIELDS = {"name": "名称", "address": "地址", "opening_hours": "开放时间", "no_rest_hours": "无休时段"}
WINDOW_FIELDS = {
    "window_no": "窗口号",
    "zone_id": "区域",
    "kind": "类型",
    "status": "状态",
    "department_id": "进驻部门",
    "matter_ids": "可办事项",
}
ZONE_FIELDS = {"hall_id": "大厅", "name": "区域名称", "floor": "楼层"}
POST_FIELDS = {"staff_id": "人员", "window_id": "窗口", "valid_from": "上岗日期", "valid_to": "离岗日期"}
DAY_FIELDS = {"day": "日期", "is_workday": "类型", "name": "名称"}


# --- Lookups: names instead of ids ---------------------------------------------------------------------


def _halls() -> list[dict[str, Any]]:
    return ac.fetch_all("/halls")


def _zones() -> list[dict[str, Any]]:
    return ac.fetch_all("/hall-zones")


def _departments() -> dict[int, str]:
    return ac.id_map(ac.fetch_all("/departments"))


def _matter_options() -> list[dict[str, Any]]:
    return [{"label": f"{m['code']} {m['name']}", "value": m["id"]} for m in ac.fetch_all("/matters")]


def _zone_label(zone: dict[str, Any], halls: dict[int, str]) -> str:
    return f"{halls.get(zone['hall_id'], zone['hall_id'])} · {zone['name']}（{zone['floor']}层）"


# --- Layout ----------------------------------------------------------------------------------------------


def _body(can_edit: bool) -> list[Any]:
    halls = _halls()
    hall_options = [{"label": h["name"], "value": h["id"]} for h in halls]
    this_year = date.today().year
    years = [{"label": f"{y}年", "value": y} for y in range(this_year - 1, this_year + 2)]
    return [
        dcc.Store(id=f"{P}-refresh", data=0),
        *([] if can_edit else [ac.read_only_note()]),
        dbc.Tabs(
            [
                ac.tab(
                    "大厅",
                    "halls",
                    *ac.list_and_editor(
                        f"{P}-hall",
                        [
                            ("code", "编码"),
                            ("name", "名称"),
                            ("kind_label", "类型"),
                            ("address", "地址"),
                            ("opening_hours", "开放时间"),
                        ],
                    ),
                ),
                ac.tab(
                    "窗口",
                    "windows",
                    *ac.list_and_editor(
                        f"{P}-window",
                        [
                            ("window_no", "窗口号"),
                            ("zone", "区域"),
                            ("kind_label", "类型"),
                            ("department", "进驻部门"),
                            ("status_label", "状态"),
                            ("matter_count", "事项数"),
                        ],
                        ac.form_row(
                            ac.field(
                                "大厅",
                                dbc.Select(
                                    id=f"{P}-window-hall",
                                    options=hall_options,
                                    value=halls[0]["id"] if halls else None,
                                ),
                                4,
                            )
                        ),
                    ),
                ),
                ac.tab(
                    "区域",
                    "zones",
                    *ac.list_and_editor(
                        f"{P}-zone", [("hall", "大厅"), ("name", "区域名称"), ("floor", "楼层")]
                    ),
                ),
                ac.tab(
                    "人事岗",
                    "posts",
                    *ac.list_and_editor(
                        f"{P}-post",
                        [
                            ("staff", "人员"),
                            ("window", "窗口"),
                            ("department", "部门"),
                            ("valid_from", "上岗日期"),
                            ("valid_to", "离岗日期"),
                        ],
                    ),
                ),
                ac.tab(
                    "工作日历",
                    "calendar",
                    *ac.list_and_editor(
                        f"{P}-day",
                        [("day", "日期"), ("kind", "类型"), ("name", "名称"), ("source_label", "来源")],
                        ac.form_row(
                            ac.field(
                                "年份", dbc.Select(id=f"{P}-day-year", options=years, value=this_year), 3
                            )
                        ),
                    ),
                ),
            ],
            id=f"{P}-tabs",
            active_tab="halls",
        ),
    ]


def layout(**_query: str) -> Any:
    return ac.section_page(PATH, _body)


# --- Halls -----------------------------------------------------------------------------------------------


def _hall_rows() -> list[dict[str, Any]]:
    return [h | {"kind_label": ac.label("hall_kind", h["kind"])} for h in _halls()]


@callback(*ac.list_wiring(f"{P}-hall", Input(f"{P}-refresh", "data")))
def _load_halls(_refresh, old_rows, old_selected):
    try:
        rows = _hall_rows()
    except ApiError:
        return [], []
    return ac.reloaded(rows, old_rows, old_selected)


def _hall_form(hall: dict[str, Any]) -> Any:
    return ac.form_card(
        f"编辑大厅：{hall['name']}",
        dbc.Form(
            [
                ac.form_row(
                    ac.field("名称", dbc.Input(id=f"{P}-hall-name", value=hall["name"]), 6),
                    ac.field(
                        "类型",
                        dbc.Select(id=f"{P}-hall-kind", options=ac.options("hall_kind"), value=hall["kind"]),
                        6,
                    ),
                ),
                ac.form_row(ac.field("地址", dbc.Input(id=f"{P}-hall-address", value=hall["address"]), 12)),
                ac.form_row(
                    ac.field("开放时间", dbc.Input(id=f"{P}-hall-opening", value=hall["opening_hours"]), 6),
                    ac.field(
                        "无休时段",
                        dbc.Input(
                            id=f"{P}-hall-norest", value=hall["no_rest_hours"], placeholder="如 12:00-13:30"
                        ),
                        6,
                    ),
                ),
                dbc.Button("保存大厅", id=f"{P}-hall-save", color="primary", size="sm"),
            ]
        ),
    )


def _hall_details(hall: dict[str, Any]) -> Any:
    return ac.form_card(
        hall["name"],
        html.Dl(
            [
                html.Dt("地址"),
                html.Dd(hall["address"] or "—"),
                html.Dt("开放时间"),
                html.Dd(hall["opening_hours"]),
                html.Dt("无休时段"),
                html.Dd(hall["no_rest_hours"] or "—"),
            ],
            className="admin-details",
        ),
    )


@callback(*ac.editor_wiring(f"{P}-hall"))
def _hall_editor(selected, rows):
    hall = ac.selected_row(rows, selected)
    if hall is None:
        return ac.hint("在左侧选择一个大厅。")
    return _hall_form(hall) if ac.can_write(PATH) else _hall_details(hall)


@callback(
    Output(f"{P}-hall-feedback", "children"),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-hall-save", "n_clicks"),
    State(f"{P}-hall-table", "selected_rows"),
    State(f"{P}-hall-table", "data"),
    State(f"{P}-hall-name", "value"),
    State(f"{P}-hall-kind", "value"),
    State(f"{P}-hall-address", "value"),
    State(f"{P}-hall-opening", "value"),
    State(f"{P}-hall-norest", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _save_hall(clicks, selected, rows, name, kind, address, opening, norest, refresh):
    hall = ac.selected_row(rows, selected)
    if not clicks or hall is None:
        raise PreventUpdate
    edited = {
        "name": name or "",
        "kind": kind,
        "address": address or "",
        "opening_hours": opening or "",
        "no_rest_hours": norest or "",
    }
    body = ac.changed_fields(hall, edited)
    if not body:
        return ac.unchanged()
    path = f"/admin/halls/{hall['id']}"
    return ac.submit("PATCH", path, body, HALL_FIELDS, f"已保存大厅“{name}”。", ac.bump(refresh))


# --- Windows and their matters ---------------------------------------------------------------------------


def _window_rows(hall_id: Any) -> list[dict[str, Any]]:
    zones = {z["id"]: f"{z['name']}（{z['floor']}层）" for z in _zones()}
    departments = _departments()
    windows = ac.fetch_all("/windows", hall_id=hall_id, sort="window_no")
    return [
        w
        | {
            "zone": zones.get(w["zone_id"], ""),
            "kind_label": ac.label("window_kind", w["kind"]),
            "department": departments.get(w["department_id"], ""),
            "status_label": ac.label("window_status", w["status"]),
            "matter_count": len(w["matter_ids"]),
        }
        for w in windows
    ]


@callback(*ac.list_wiring(f"{P}-window", Input(f"{P}-refresh", "data"), Input(f"{P}-window-hall", "value")))
def _load_windows(_refresh, hall_id, old_rows, old_selected):
    try:
        rows = _window_rows(hall_id)
    except ApiError:
        return [], []
    return ac.reloaded(rows, old_rows, old_selected)


def _window_form(window: dict[str, Any]) -> Any:
    halls = ac.id_map(_halls())
    zone_options = [
        {"label": _zone_label(z, halls), "value": z["id"]}
        for z in _zones()
        if z["hall_id"] == window["hall_id"]
    ]
    department_options = [{"label": name, "value": i} for i, name in sorted(_departments().items())]
    return html.Div(
        [
            ac.form_card(
                f"编辑窗口 {window['window_no']}",
                dbc.Form(
                    [
                        ac.form_row(
                            ac.field("窗口号", dbc.Input(id=f"{P}-window-no", value=window["window_no"]), 4),
                            ac.field(
                                "状态",
                                dbc.Select(
                                    id=f"{P}-window-status",
                                    options=ac.options("window_status"),
                                    value=window["status"],
                                ),
                                4,
                            ),
                            ac.field(
                                "类型",
                                dbc.Select(
                                    id=f"{P}-window-kind",
                                    options=ac.options("window_kind"),
                                    value=window["kind"],
                                ),
                                4,
                            ),
                        ),
                        ac.form_row(
                            ac.field(
                                "区域",
                                dbc.Select(
                                    id=f"{P}-window-zone", options=zone_options, value=window["zone_id"]
                                ),
                                6,
                            ),
                            ac.field(
                                "进驻部门",
                                dbc.Select(
                                    id=f"{P}-window-department",
                                    options=department_options,
                                    value=window["department_id"],
                                ),
                                6,
                            ),
                        ),
                        dbc.Button("保存窗口", id=f"{P}-window-save", color="primary", size="sm"),
                    ]
                ),
            ),
            ac.form_card(
                "可办事项",
                ac.dropdown(
                    f"{P}-window-matters",
                    _matter_options(),
                    value=window["matter_ids"],
                    multi=True,
                    placeholder="搜索并选择事项",
                ),
                dbc.Button(
                    "保存可办事项",
                    id=f"{P}-window-matters-save",
                    color="primary",
                    size="sm",
                    className="mt-2",
                ),
            ),
        ]
    )


def _window_details(window: dict[str, Any]) -> Any:
    ids = ",".join(map(str, window["matter_ids"]))
    found = ac.fetch_all("/matters", id=ids) if ids else []
    names = {m["id"]: f"{m['code']} {m['name']}" for m in found}
    matters = [names.get(i, str(i)) for i in window["matter_ids"]]
    return ac.form_card(
        f"窗口 {window['window_no']}：可办事项 {len(matters)} 项",
        html.Ul([html.Li(m) for m in matters[:60]], className="admin-matter-list"),
        html.P(f"……共 {len(matters)} 项", className="text-muted small") if len(matters) > 60 else None,
    )


@callback(*ac.editor_wiring(f"{P}-window"))
def _window_editor(selected, rows):
    window = ac.selected_row(rows, selected)
    if window is None:
        return ac.hint("在左侧选择一个窗口。")
    try:
        return _window_form(window) if ac.can_write(PATH) else _window_details(window)
    except ApiError as error:
        return components.error_alert(error)


def _as_int(value: Any) -> int | None:
    value = ac.blank_to_none(value)
    return None if value is None else int(value)


@callback(
    Output(f"{P}-window-feedback", "children"),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-window-save", "n_clicks"),
    State(f"{P}-window-table", "selected_rows"),
    State(f"{P}-window-table", "data"),
    State(f"{P}-window-no", "value"),
    State(f"{P}-window-status", "value"),
    State(f"{P}-window-kind", "value"),
    State(f"{P}-window-zone", "value"),
    State(f"{P}-window-department", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _save_window(clicks, selected, rows, number, status, kind, zone, department, refresh):
    window = ac.selected_row(rows, selected)
    if not clicks or window is None:
        raise PreventUpdate
    edited = {
        "window_no": (number or "").strip(),
        "status": status,
        "kind": kind,
        "zone_id": _as_int(zone),
        "department_id": _as_int(department),
    }
    body = ac.changed_fields(window, edited)
    if not body:
        return ac.unchanged()
    message = f"已保存窗口 {edited['window_no']}。"
    return ac.submit(
        "PATCH", f"/admin/windows/{window['id']}", body, WINDOW_FIELDS, message, ac.bump(refresh)
    )


@callback(
    Output(f"{P}-window-feedback", "children", allow_duplicate=True),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-window-matters-save", "n_clicks"),
    State(f"{P}-window-table", "selected_rows"),
    State(f"{P}-window-table", "data"),
    State(f"{P}-window-matters", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _save_window_matters(clicks, selected, rows, matter_ids, refresh):
    window = ac.selected_row(rows, selected)
    if not clicks or window is None:
        raise PreventUpdate
    return ac.submit(
        "PUT",
        f"/admin/windows/{window['id']}/matters",
        {"matter_ids": matter_ids or []},
        WINDOW_FIELDS,
        lambda saved: f"窗口 {window['window_no']} 现可办 {len(saved['matter_ids'])} 项事项。",
        ac.bump(refresh),
    )


# --- Zones -----------------------------------------------------------------------------------------------


@callback(*ac.list_wiring(f"{P}-zone", Input(f"{P}-refresh", "data")))
def _load_zones(_refresh, old_rows, old_selected):
    try:
        halls = ac.id_map(_halls())
        rows = [z | {"hall": halls.get(z["hall_id"], "")} for z in _zones()]
    except ApiError:
        return [], []
    return ac.reloaded(rows, old_rows, old_selected)


def _zone_form(zone: dict[str, Any] | None) -> Any:
    hall_options = [{"label": h["name"], "value": h["id"]} for h in _halls()]
    return ac.form_card(
        f"编辑区域：{zone['name']}" if zone else "新增区域",
        dbc.Form(
            [
                ac.form_row(
                    ac.field(
                        "大厅",
                        dbc.Select(
                            id=f"{P}-zone-hall",
                            options=hall_options,
                            value=zone["hall_id"] if zone else hall_options[0]["value"],
                            disabled=zone is not None,
                        ),
                        12,
                    )
                ),
                ac.form_row(
                    ac.field(
                        "区域名称", dbc.Input(id=f"{P}-zone-name", value=zone["name"] if zone else ""), 8
                    ),
                    ac.field(
                        "楼层",
                        dbc.Input(id=f"{P}-zone-floor", type="number", value=zone["floor"] if zone else 1),
                        4,
                    ),
                ),
                dbc.Button(
                    "保存区域" if zone else "新增区域",
                    id=f"{P}-zone-save",
                    color="primary",
                    size="sm",
                ),
            ]
        ),
    )


@callback(*ac.editor_wiring(f"{P}-zone"))
def _zone_editor(selected, rows):
    zone = ac.selected_row(rows, selected)
    if not ac.can_write(PATH):
        return ac.hint("区域按大厅、楼层划分窗口。")
    try:
        return _zone_form(zone)
    except ApiError as error:
        return components.error_alert(error)


@callback(
    Output(f"{P}-zone-feedback", "children"),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-zone-save", "n_clicks"),
    State(f"{P}-zone-table", "selected_rows"),
    State(f"{P}-zone-table", "data"),
    State(f"{P}-zone-hall", "value"),
    State(f"{P}-zone-name", "value"),
    State(f"{P}-zone-floor", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _save_zone(clicks, selected, rows, hall_id, name, floor, refresh):
    if not clicks:
        raise PreventUpdate
    zone = ac.selected_row(rows, selected)
    message = f"已保存区域“{name}”。"
    if zone is None:
        body = {"hall_id": _as_int(hall_id), "name": name or "", "floor": floor}
        return ac.submit("POST", "/admin/hall-zones", body, ZONE_FIELDS, message, ac.bump(refresh))
    body = ac.changed_fields(zone, {"name": name or "", "floor": floor})
    if not body:
        return ac.unchanged()
    return ac.submit("PATCH", f"/admin/hall-zones/{zone['id']}", body, ZONE_FIELDS, message, ac.bump(refresh))


# --- Staff posts -----------------------------------------------------------------------------------------


def _staff() -> list[dict[str, Any]]:
    return ac.fetch_all("/staff", is_active="true")


def _window_labels() -> dict[int, str]:
    halls = ac.id_map(_halls())
    return {w["id"]: f"{halls.get(w['hall_id'], '')} {w['window_no']}" for w in ac.fetch_all("/windows")}


@callback(*ac.list_wiring(f"{P}-post", Input(f"{P}-refresh", "data")))
def _load_posts(_refresh, old_rows, old_selected):
    try:
        staff = {s["id"]: f"{s['name']}（{s['staff_no']}）" for s in ac.fetch_all("/staff")}
        windows = _window_labels()
        departments = _departments()
        posts = ac.fetch_all("/staff-posts", sort="-valid_from")
    except ApiError:
        return [], []
    rows = [
        p
        | {
            "staff": staff.get(p["staff_id"], p["staff_id"]),
            "window": windows.get(p["window_id"], p["window_id"]),
            "department": departments.get(p["department_id"], ""),
            "valid_to": p["valid_to"] or "在岗",
        }
        for p in posts
    ]
    return ac.reloaded(rows, old_rows, old_selected)


def _post_form(post: dict[str, Any] | None) -> Any:
    if post is not None:
        return ac.form_card(
            f"结束岗位：{post['staff']} @ {post['window']}",
            dbc.Form(
                [
                    ac.form_row(
                        ac.field(
                            "离岗日期",
                            dbc.Input(id=f"{P}-post-end", type="date", value=date.today().isoformat()),
                            6,
                        )
                    ),
                    dbc.Button("结束岗位", id=f"{P}-post-end-save", color="warning", size="sm"),
                ]
            ),
        )
    staff_options = [{"label": f"{s['name']}（{s['staff_no']}）", "value": s["id"]} for s in _staff()]
    window_options = [{"label": text, "value": i} for i, text in sorted(_window_labels().items())]
    return ac.form_card(
        "新增人事岗",
        dbc.Form(
            [
                ac.form_row(
                    ac.field(
                        "人员", ac.dropdown(f"{P}-post-staff", staff_options, placeholder="搜索人员"), 6
                    ),
                    ac.field(
                        "窗口", ac.dropdown(f"{P}-post-window", window_options, placeholder="搜索窗口"), 6
                    ),
                ),
                ac.form_row(
                    ac.field(
                        "上岗日期",
                        dbc.Input(id=f"{P}-post-from", type="date", value=date.today().isoformat()),
                        6,
                    )
                ),
                dbc.Button("新增岗位", id=f"{P}-post-save", color="primary", size="sm"),
            ]
        ),
    )


@callback(*ac.editor_wiring(f"{P}-post"))
def _post_editor(selected, rows):
    if not ac.can_write(PATH):
        return ac.hint("人事岗：人员在某窗口的任职期间。")
    post = ac.selected_row(rows, selected)
    try:
        return _post_form(post if post and post["valid_to"] == "在岗" else None)
    except ApiError as error:
        return components.error_alert(error)


@callback(
    Output(f"{P}-post-feedback", "children"),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-post-save", "n_clicks"),
    State(f"{P}-post-staff", "value"),
    State(f"{P}-post-window", "value"),
    State(f"{P}-post-from", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _create_post(clicks, staff_id, window_id, valid_from, refresh):
    if not clicks:
        raise PreventUpdate
    body = {"staff_id": staff_id, "window_id": window_id, "valid_from": ac.blank_to_none(valid_from)}
    return ac.submit("POST", "/admin/staff-posts", body, POST_FIELDS, "已新增人事岗。", ac.bump(refresh))


@callback(
    Output(f"{P}-post-feedback", "children", allow_duplicate=True),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-post-end-save", "n_clicks"),
    State(f"{P}-post-table", "selected_rows"),
    State(f"{P}-post-table", "data"),
    State(f"{P}-post-end", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _end_post(clicks, selected, rows, valid_to, refresh):
    post = ac.selected_row(rows, selected)
    if not clicks or post is None:
        raise PreventUpdate
    body = {"valid_to": ac.blank_to_none(valid_to)}
    message = f"{post['staff']} 的岗位已于 {valid_to} 结束。"
    return ac.submit(
        "PATCH", f"/admin/staff-posts/{post['id']}", body, POST_FIELDS, message, ac.bump(refresh)
    )


# --- Working calendar ------------------------------------------------------------------------------------


@callback(*ac.list_wiring(f"{P}-day", Input(f"{P}-refresh", "data"), Input(f"{P}-day-year", "value")))
def _load_days(_refresh, year, old_rows, old_selected):
    year = int(year or date.today().year)
    try:
        days = ac.fetch_all("/calendar-days", day_from=f"{year}-01-01", day_to=f"{year}-12-31")
    except ApiError:
        return [], []
    rows = [
        d
        | {
            "kind": "调休上班" if d["is_workday"] else "放假",
            "source_label": ac.label("calendar_source", d["source"]),
        }
        for d in days
    ]
    return ac.reloaded(rows, old_rows, old_selected, key="day")


def _day_form(day: dict[str, Any] | None) -> Any:
    return ac.form_card(
        "录入节假日或调休上班日",
        dbc.Form(
            [
                ac.form_row(
                    ac.field(
                        "日期",
                        dbc.Input(id=f"{P}-day-date", type="date", value=day["day"] if day else None),
                        6,
                    ),
                    ac.field(
                        "类型",
                        dbc.Select(
                            id=f"{P}-day-workday",
                            options=[
                                {"label": "放假", "value": "false"},
                                {"label": "调休上班", "value": "true"},
                            ],
                            value="true" if day and day["is_workday"] else "false",
                        ),
                        6,
                    ),
                ),
                ac.form_row(
                    ac.field("名称", dbc.Input(id=f"{P}-day-name", value=day["name"] if day else ""), 12)
                ),
                dbc.Button("保存", id=f"{P}-day-save", color="primary", size="sm", className="me-2"),
                dbc.Button(
                    "删除管理员录入",
                    id=f"{P}-day-delete",
                    color="danger",
                    outline=True,
                    size="sm",
                    disabled=not (day and day["source"] == "admin"),
                ),
            ]
        ),
    )


@callback(*ac.editor_wiring(f"{P}-day"))
def _day_editor(selected, rows):
    if not ac.can_write(PATH):
        return ac.hint("工作日历决定办理时限的工作日计算。")
    return _day_form(ac.selected_row(rows, selected))


@callback(
    Output(f"{P}-day-feedback", "children"),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-day-save", "n_clicks"),
    Input(f"{P}-day-delete", "n_clicks"),
    State(f"{P}-day-date", "value"),
    State(f"{P}-day-workday", "value"),
    State(f"{P}-day-name", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _save_day(save_clicks, delete_clicks, day, workday, name, refresh):
    if not (save_clicks or delete_clicks):
        raise PreventUpdate
    if not day:
        return ac.refusal(
            ApiError(422, "输入有误", errors=[{"field": "day", "reason": "请选择日期"}]), DAY_FIELDS
        ), (dash.no_update)
    path = f"/admin/calendar-days/{day}"
    if ctx.triggered_id == f"{P}-day-delete":
        return ac.submit("DELETE", path, None, DAY_FIELDS, f"已删除 {day} 的管理员录入。", ac.bump(refresh))
    body = {"is_workday": workday == "true", "name": name or ""}
    return ac.submit("PUT", path, body, DAY_FIELDS, f"已保存 {day}。", ac.bump(refresh))
