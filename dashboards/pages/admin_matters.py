"""事项配置: the matter catalog and its time limits, and the one-thing bundles (一件事), mined or official."""

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import admin_common as ac
from dashboards import components
from dashboards.admin_format import MATTER_FLAGS as FLAGS
from dashboards.admin_format import evidence_text, limit_text, matter_changes
from dashboards.gateway import ApiError

PATH = "/admin/matters"
dash.register_page(__name__, path=PATH, title="事项配置 · 云管家", name="事项配置")

P = "admin-matters"
MATTER_FIELDS = {
    "name": "事项名称",
    "promised_limit_days": "承诺时限",
    "legal_limit_days": "法定时限",
    "limit_unit": "时限单位",
    "max_visits": "最多跑动次数",
    "status": "状态",
    "version": "版本",
}
BUNDLE_FIELDS = {"name": "名称", "status": "状态", "matter_ids": "事项", "lead_department_id": "牵头部门"}
# The status changes offered on a bundle, by its current status: (new status, button text, colour).
BUNDLE_MOVES = {
    "candidate": (("approved", "批准候选", "success"), ("retired", "驳回（停用）", "secondary")),
    "approved": (("active", "启用", "success"), ("retired", "停用", "secondary")),
    "active": (("retired", "停用", "secondary"),),
    "retired": (("active", "重新启用", "success"),),
}


def _departments() -> dict[int, str]:
    return ac.id_map(ac.fetch_all("/departments"))


def _department_options() -> list[dict[str, Any]]:
    return [{"label": name, "value": i} for i, name in sorted(_departments().items())]


def _catalog(department_options: list[dict[str, Any]]) -> list[Any]:
    return [
        ac.form_row(
            ac.field(
                "搜索", dbc.Input(id=f"{P}-q", placeholder="事项编码或名称", debounce=True, type="search"), 4
            ),
            ac.field(
                "状态",
                dbc.Select(
                    id=f"{P}-status",
                    options=ac.with_any(ac.options("matter_status")),
                    value=ac.ANY,
                ),
                2,
            ),
            ac.field(
                "实施部门", ac.dropdown(f"{P}-department", department_options, placeholder="全部部门"), 4
            ),
        ),
        html.Div(id=f"{P}-count", className="small text-muted mb-1"),
        *ac.list_and_editor(
            P,
            [
                ("code", "事项编码"),
                ("name", "事项名称"),
                ("department", "实施部门"),
                ("limit", "承诺/法定时限"),
                ("visits", "跑动"),
                ("status_label", "状态"),
            ],
        ),
    ]


def _bundles() -> list[Any]:
    statuses = ac.with_any(ac.options("bundle_status"))
    return [
        ac.form_row(
            ac.field("状态", dbc.Select(id=f"{P}-bundle-status", options=statuses, value=ac.ANY), 3),
        ),
        *ac.list_and_editor(
            f"{P}-bundle",
            [
                ("name", "一件事"),
                ("origin_label", "来源"),
                ("status_label", "状态"),
                ("score", "挖掘得分"),
                ("matter_count", "事项数"),
                ("lead", "牵头部门"),
            ],
        ),
    ]


def _body(can_edit: bool) -> list[Any]:
    department_options = _department_options()
    return [
        dcc.Store(id=f"{P}-refresh", data=0),
        *([] if can_edit else [ac.read_only_note()]),
        dbc.Tabs(
            [
                ac.tab("事项目录", "catalog", *_catalog(department_options)),
                ac.tab("一件事", "bundles", *_bundles()),
            ],
            id=f"{P}-tabs",
            active_tab="catalog",
        ),
    ]


def layout(**_query: str) -> Any:
    return ac.section_page(PATH, _body)


# --- Catalog ---------------------------------------------------------------------------------------------


def _matter_row(matter: dict[str, Any], departments: dict[int, str]) -> dict[str, Any]:
    return matter | {
        "department": departments.get(matter["department_id"], ""),
        "limit": limit_text(matter),
        "visits": f"最多跑{matter['max_visits']}次",
        "status_label": ac.label("matter_status", matter["status"]),
    }


@callback(
    Output(f"{P}-table", "data"),
    Output(f"{P}-table", "selected_rows"),
    Output(f"{P}-count", "children"),
    Input(f"{P}-refresh", "data"),
    Input(f"{P}-q", "value"),
    Input(f"{P}-status", "value"),
    Input(f"{P}-department", "value"),
    State(f"{P}-table", "data"),
    State(f"{P}-table", "selected_rows"),
)
def _load(_refresh, q, status, department_id, old_rows, old_selected):
    try:
        matters = ac.fetch_all(
            "/matters", q=q, status=ac.filter_value(status), department_id=department_id, sort="code"
        )
        departments = _departments()
    except ApiError as error:
        return [], [], components.error_alert(error)
    rows = [_matter_row(m, departments) for m in matters]
    return (*ac.reloaded(rows, old_rows, old_selected), f"共 {len(rows)} 项事项")


def _number(input_id: str, value: Any, **kwargs: Any) -> dbc.Input:
    return dbc.Input(id=input_id, type="number", value=value, step=1, **kwargs)


def _matter_form(matter: dict[str, Any]) -> Any:
    return ac.form_card(
        f"编辑事项：{matter['code']}",
        dbc.Form(
            [
                ac.form_row(ac.field("事项名称", dbc.Input(id=f"{P}-name", value=matter["name"]), 12)),
                ac.form_row(
                    ac.field("承诺时限", _number(f"{P}-promised", matter["promised_limit_days"]), 4),
                    ac.field("法定时限", _number(f"{P}-legal", matter["legal_limit_days"]), 4),
                    ac.field(
                        "时限单位",
                        dbc.Select(
                            id=f"{P}-unit", options=ac.options("limit_unit"), value=matter["limit_unit"]
                        ),
                        4,
                    ),
                ),
                ac.form_row(
                    ac.field("最多跑动次数", _number(f"{P}-visits", matter["max_visits"]), 4),
                    ac.field(
                        "状态",
                        dbc.Select(
                            id=f"{P}-matter-status",
                            options=ac.options("matter_status"),
                            value=matter["status"],
                        ),
                        4,
                    ),
                    ac.field("版本", html.Div(str(matter["version"]), className="pt-1"), 4),
                ),
                ac.form_row(
                    ac.field(
                        "办理特性",
                        dbc.Checklist(
                            id=f"{P}-flags",
                            options=[{"label": text, "value": name} for name, text in FLAGS.items()],
                            value=[name for name in FLAGS if matter[name]],
                            inline=True,
                            switch=True,
                        ),
                        12,
                    )
                ),
                dbc.Button("保存事项", id=f"{P}-save", color="primary", size="sm"),
            ]
        ),
    )


def _matter_details(matter: dict[str, Any]) -> Any:
    flags = [text for name, text in FLAGS.items() if matter[name]]
    return ac.form_card(
        f"{matter['code']} {matter['name']}",
        html.Dl(
            [
                html.Dt("类型"),
                html.Dd(ac.label("matter_type", matter["matter_type"])),
                html.Dt("时限"),
                html.Dd(limit_text(matter)),
                html.Dt("办理特性"),
                html.Dd("、".join(flags) or "—"),
            ],
            className="admin-details",
        ),
    )


@callback(*ac.editor_wiring(P))
def _editor(selected, rows):
    matter = ac.selected_row(rows, selected)
    if matter is None:
        return ac.hint("在左侧选择一项事项。")
    return _matter_form(matter) if ac.can_write(PATH) else _matter_details(matter)


@callback(
    Output(f"{P}-feedback", "children"),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-save", "n_clicks"),
    State(f"{P}-table", "selected_rows"),
    State(f"{P}-table", "data"),
    State(f"{P}-name", "value"),
    State(f"{P}-promised", "value"),
    State(f"{P}-legal", "value"),
    State(f"{P}-unit", "value"),
    State(f"{P}-visits", "value"),
    State(f"{P}-matter-status", "value"),
    State(f"{P}-flags", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _save(clicks, selected, rows, name, promised, legal, unit, visits, status, flags, refresh):
    matter = ac.selected_row(rows, selected)
    if not clicks or matter is None:
        raise PreventUpdate
    form = {
        "name": (name or "").strip(),
        "promised_limit_days": promised,
        "legal_limit_days": legal,
        "limit_unit": unit,
        "max_visits": visits,
        "status": status,
    }
    body = matter_changes(matter, form, flags or [])
    if not body:
        return ac.unchanged()
    return ac.submit(
        "PATCH",
        f"/admin/matters/{matter['id']}",
        body,
        MATTER_FIELDS,
        lambda saved: f"已保存事项 {saved['code']}（版本 {saved['version']}）：{limit_text(saved)}。",
        ac.bump(refresh),
    )


# --- Bundles (一件事) -------------------------------------------------------------------------------------


@callback(*ac.list_wiring(f"{P}-bundle", Input(f"{P}-refresh", "data"), Input(f"{P}-bundle-status", "value")))
def _load_bundles(_refresh, status, old_rows, old_selected):
    try:
        bundles = ac.fetch_all("/bundles", status=ac.filter_value(status))
        departments = _departments()
    except ApiError:
        return [], []
    rows = [
        b
        | {
            "origin_label": ac.label("bundle_origin", b["origin"]),
            "status_label": ac.label("bundle_status", b["status"]),
            "score": "" if b["score"] is None else round(b["score"], 3),
            "matter_count": len(b["items"]),
            "lead": departments.get(b["lead_department_id"], ""),
        }
        for b in bundles
    ]
    rows.sort(key=lambda r: (r["status"] != "candidate", -(r["score"] or 0), r["id"]))
    return ac.reloaded(rows, old_rows, old_selected)


def _matter_names(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {m["id"]: f"{m['code']} {m['name']}" for m in ac.fetch_all("/matters", id=",".join(map(str, ids)))}


def _bundle_view(bundle: dict[str, Any], can_write: bool) -> Any:
    ids = [item["matter_id"] for item in sorted(bundle["items"], key=lambda i: i["seq"])]
    names = _matter_names(ids)
    moves = BUNDLE_MOVES.get(bundle["status"], ()) if can_write else ()
    buttons = [
        dbc.Button(
            text,
            id={"type": f"{P}-bundle-move", "status": status},
            color=colour,
            size="sm",
            className="me-2",
        )
        for status, text, colour in moves
    ]
    return ac.form_card(
        bundle["name"],
        html.P(dbc.Badge(bundle["status_label"], color="info"), className="mb-2"),
        html.Div(buttons, className="admin-actions mb-2") if buttons else None,
        html.Ol([html.Li(names.get(i, str(i))) for i in ids], className="admin-matter-list"),
        html.P(evidence_text(bundle.get("evidence")), className="small text-muted mb-0"),
    )


def _bundle_form(department_options: list[dict[str, Any]], matter_options: list[dict[str, Any]]) -> Any:
    return ac.form_card(
        "新增一件事",
        dbc.Form(
            [
                ac.form_row(ac.field("名称", dbc.Input(id=f"{P}-bundle-name"), 12)),
                ac.form_row(
                    ac.field("牵头部门", ac.dropdown(f"{P}-bundle-lead", department_options), 12),
                ),
                ac.form_row(
                    ac.field(
                        "事项（按办理顺序）",
                        ac.dropdown(
                            f"{P}-bundle-matters", matter_options, multi=True, placeholder="至少两项"
                        ),
                        12,
                    )
                ),
                dbc.Button("新增", id=f"{P}-bundle-create", color="primary", size="sm"),
            ]
        ),
    )


@callback(*ac.editor_wiring(f"{P}-bundle"))
def _bundle_editor(selected, rows):
    bundle = ac.selected_row(rows, selected)
    can_write = ac.can_write(PATH)
    try:
        if bundle is not None:
            return _bundle_view(bundle, can_write)
        if can_write:
            matters = [
                {"label": f"{m['code']} {m['name']}", "value": m["id"]} for m in ac.fetch_all("/matters")
            ]
            return _bundle_form(_department_options(), matters)
    except ApiError as error:
        return components.error_alert(error)
    return ac.hint("在左侧选择一个一件事组合。")


@callback(
    Output(f"{P}-bundle-feedback", "children"),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input({"type": f"{P}-bundle-move", "status": ALL}, "n_clicks"),
    State(f"{P}-bundle-table", "selected_rows"),
    State(f"{P}-bundle-table", "data"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _move_bundle(_clicks, selected, rows, refresh):
    bundle = ac.selected_row(rows, selected)
    button = ac.pressed_pattern()
    if button is None or bundle is None:
        raise PreventUpdate
    status = button["status"]
    message = f"“{bundle['name']}”现为{ac.label('bundle_status', status)}。"
    body = {"status": status}
    return ac.submit(
        "PATCH", f"/admin/bundles/{bundle['id']}", body, BUNDLE_FIELDS, message, ac.bump(refresh)
    )


@callback(
    Output(f"{P}-bundle-feedback", "children", allow_duplicate=True),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-bundle-create", "n_clicks"),
    State(f"{P}-bundle-name", "value"),
    State(f"{P}-bundle-lead", "value"),
    State(f"{P}-bundle-matters", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _create_bundle(clicks, name, lead, matter_ids, refresh):
    if not clicks:
        raise PreventUpdate
    body = {"name": (name or "").strip(), "lead_department_id": lead, "matter_ids": matter_ids or []}
    return ac.submit(
        "POST",
        "/admin/bundles",
        body,
        BUNDLE_FIELDS,
        lambda saved: f"已新增一件事“{saved['name']}”。",
        ac.bump(refresh),
    )
