"""预警阈值: warning rules (thresholds, reminders, recipients), the events' SLA limits and intake policies."""

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import admin_common as ac
from dashboards import api, components
from dashboards.admin_format import parse_ratios, ratios_text, threshold_text
from dashboards.gateway import ApiError

PATH = "/admin/warnings"
dash.register_page(__name__, path=PATH, title="预警阈值 · 云管家", name="预警阈值")

P = "admin-warn"
RULE_FIELDS = {
    "name": "规则名称",
    "rule_type": "预警类型",
    "department_id": "部门",
    "threshold": "阈值",
    "unit": "单位",
    "reminder_count": "提醒次数",
    "reminder_interval_minutes": "提醒间隔",
    "recipients": "提醒对象",
    "channels": "提醒渠道",
}
SLA_FIELDS = {
    "category_id": "事件类别",
    "complexity": "复杂度",
    "sign_minutes": "签收时限",
    "handle_minutes": "处置时限",
    "clock": "计时方式",
    "reminder_ratios": "提醒比例",
    "supervise_ratio": "督办倍数",
}
SOURCE_FIELDS = {
    "auto_dispatch": "自动分拨",
    "min_confidence": "最低置信度",
    "min_margin": "最小差距",
    "dedup_window_hours": "查重窗口",
}


def _body(can_edit: bool) -> list[Any]:
    new_rule = dbc.Button("新增规则", id=f"{P}-rule-new", color="primary", size="sm", className="mb-2")
    rules = ac.list_and_editor(
        f"{P}-rule",
        [
            ("name", "规则名称"),
            ("type_label", "预警类型"),
            ("department", "部门"),
            ("threshold_text", "阈值"),
            ("reminders", "提醒"),
            ("recipients_label", "提醒对象"),
            ("enabled_label", "启用"),
        ],
        *([new_rule] if can_edit else []),
    )
    sla = ac.list_and_editor(
        f"{P}-sla",
        [
            ("category", "事件类别"),
            ("complexity_label", "复杂度"),
            ("sign_minutes", "签收（分钟）"),
            ("handle_text", "处置时限"),
            ("clock_label", "计时"),
            ("ratios", "提醒比例"),
            ("supervise_ratio", "督办倍数"),
        ],
        html.P(
            "未配置的复杂度使用内置 153024 时限：签收 15 分钟，简单件 30 分钟、复杂件 24 小时办结。",
            className="small text-muted",
        ),
    )
    sources = ac.list_and_editor(
        f"{P}-source",
        [
            ("source_label", "事件来源"),
            ("auto_label", "自动分拨"),
            ("min_confidence", "最低置信度"),
            ("min_margin", "最小差距"),
            ("dedup_window_hours", "查重窗口（小时）"),
            ("configured_label", "配置"),
        ],
    )
    return [
        dcc.Store(id=f"{P}-refresh", data=0),
        *([] if can_edit else [ac.read_only_note()]),
        dbc.Tabs(
            [
                ac.tab("预警规则", "rules", *rules),
                ac.tab("事件时限策略", "sla", *sla),
                ac.tab("来源分拨策略", "sources", *sources),
            ],
            id=f"{P}-tabs",
            active_tab="rules",
        ),
    ]


def layout(**_query: str) -> Any:
    return ac.section_page(PATH, _body)


# --- Warning rules ---------------------------------------------------------------------------------------


def _departments() -> dict[int, str]:
    return ac.id_map(ac.fetch_all("/departments"))


@callback(*ac.list_wiring(f"{P}-rule", Input(f"{P}-refresh", "data")))
def _load_rules(_refresh, old_rows, old_selected):
    try:
        rules = ac.fetch_all("/admin/warning-rules")
        departments = _departments()
    except ApiError:
        return [], []
    rows = [
        r
        | {
            "type_label": ac.label("rule_type", r["rule_type"]),
            "department": departments.get(r["department_id"], "全区"),
            "threshold_text": threshold_text(r),
            "reminders": f"{r['reminder_count']} 次 / {r['reminder_interval_minutes']} 分钟",
            "recipients_label": ac.labels("recipient", r["recipients"]),
            "enabled_label": ac.yes_no(r["enabled"]),
        }
        for r in rules
    ]
    return ac.reloaded(rows, old_rows, old_selected)


def _rule_form(rule: dict[str, Any] | None) -> Any:
    values = rule or {
        "name": "",
        "rule_type": "overdue",
        "department_id": None,
        "threshold": 0,
        "unit": "working_minutes",
        "reminder_count": 2,
        "reminder_interval_minutes": 60,
        "recipients": ["handler"],
        "channels": ["ding"],
        "enabled": True,
    }
    department_options = [{"label": name, "value": i} for i, name in sorted(_departments().items())]
    buttons = [dbc.Button("保存规则", id=f"{P}-rule-save", color="primary", size="sm", className="me-2")]
    if rule:
        buttons.append(dbc.Button("删除规则", id=f"{P}-rule-delete", color="danger", outline=True, size="sm"))
    return ac.form_card(
        f"编辑规则：{rule['name']}" if rule else "新增预警规则",
        dbc.Form(
            [
                dcc.Store(id=f"{P}-rule-editing", data=rule["id"] if rule else None),
                ac.form_row(ac.field("规则名称", dbc.Input(id=f"{P}-rule-name", value=values["name"]), 12)),
                ac.form_row(
                    ac.field(
                        "预警类型",
                        dbc.Select(
                            id=f"{P}-rule-type", options=ac.options("rule_type"), value=values["rule_type"]
                        ),
                        6,
                    ),
                    ac.field(
                        "部门",
                        ac.dropdown(
                            f"{P}-rule-department",
                            department_options,
                            value=values["department_id"],
                            placeholder="全区",
                        ),
                        6,
                    ),
                ),
                ac.form_row(
                    ac.field(
                        "阈值",
                        dbc.Input(id=f"{P}-rule-threshold", type="number", value=values["threshold"]),
                        4,
                    ),
                    ac.field(
                        "单位",
                        dbc.Select(
                            id=f"{P}-rule-unit", options=ac.options("threshold_unit"), value=values["unit"]
                        ),
                        4,
                    ),
                    ac.field(
                        "启用",
                        dbc.Switch(id=f"{P}-rule-enabled", value=values["enabled"], className="pt-1"),
                        4,
                    ),
                ),
                ac.form_row(
                    ac.field(
                        "提醒次数",
                        dbc.Input(
                            id=f"{P}-rule-count", type="number", step=1, value=values["reminder_count"]
                        ),
                        6,
                    ),
                    ac.field(
                        "提醒间隔（分钟）",
                        dbc.Input(
                            id=f"{P}-rule-interval",
                            type="number",
                            step=1,
                            value=values["reminder_interval_minutes"],
                        ),
                        6,
                    ),
                ),
                ac.form_row(
                    ac.field(
                        "提醒对象",
                        dbc.Checklist(
                            id=f"{P}-rule-recipients",
                            options=ac.options("recipient"),
                            value=values["recipients"],
                            inline=True,
                        ),
                        12,
                    )
                ),
                ac.form_row(
                    ac.field(
                        "提醒渠道",
                        dbc.Checklist(
                            id=f"{P}-rule-channels",
                            options=ac.options("warning_channel"),
                            value=values["channels"],
                            inline=True,
                        ),
                        12,
                    )
                ),
                html.Div(buttons),
            ]
        ),
    )


@callback(
    Output(f"{P}-rule-table", "selected_rows", allow_duplicate=True),
    Input(f"{P}-rule-new", "n_clicks"),
    prevent_initial_call=True,
)
def _new_rule(clicks):
    if not clicks:
        raise PreventUpdate
    return []


@callback(*ac.editor_wiring(f"{P}-rule"))
def _rule_editor(selected, rows):
    rule = ac.selected_row(rows, selected)
    if not ac.can_write(PATH):
        if rule is None:
            return ac.hint("在左侧选择一条预警规则。")
        return ac.form_card(rule["name"], html.P(f"{rule['type_label']}：{rule['threshold_text']}"))
    try:
        return _rule_form(rule)
    except ApiError as error:
        return components.error_alert(error)


@callback(
    Output(f"{P}-rule-feedback", "children"),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-rule-save", "n_clicks"),
    State(f"{P}-rule-editing", "data"),
    State(f"{P}-rule-table", "data"),
    State(f"{P}-rule-name", "value"),
    State(f"{P}-rule-type", "value"),
    State(f"{P}-rule-department", "value"),
    State(f"{P}-rule-threshold", "value"),
    State(f"{P}-rule-unit", "value"),
    State(f"{P}-rule-enabled", "value"),
    State(f"{P}-rule-count", "value"),
    State(f"{P}-rule-interval", "value"),
    State(f"{P}-rule-recipients", "value"),
    State(f"{P}-rule-channels", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _save_rule(
    clicks, editing, rows, name, rule_type, department, threshold, unit, enabled, count, interval, *more
):
    recipients, channels, refresh = more
    if not clicks:
        raise PreventUpdate
    body = {
        "name": (name or "").strip(),
        "rule_type": rule_type,
        "department_id": department,
        "threshold": threshold,
        "unit": unit,
        "enabled": bool(enabled),
        "reminder_count": count,
        "reminder_interval_minutes": interval,
        "recipients": recipients or [],
        "channels": channels or [],
    }
    rule = next((r for r in rows or [] if r["id"] == editing), None)
    method, path = "POST", "/admin/warning-rules"
    if rule is not None:
        body = ac.changed_fields(rule, body)
        if not body:
            return ac.unchanged()
        method, path = "PATCH", f"/admin/warning-rules/{rule['id']}"
    return ac.submit(
        method,
        path,
        body,
        RULE_FIELDS,
        lambda saved: f"已保存规则“{saved['name']}”：阈值 {threshold_text(saved)}。",
        ac.bump(refresh),
    )


@callback(
    Output(f"{P}-rule-feedback", "children", allow_duplicate=True),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-rule-delete", "n_clicks"),
    State(f"{P}-rule-editing", "data"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _delete_rule(clicks, editing, refresh):
    if not clicks or editing is None:
        raise PreventUpdate
    return ac.submit(
        "DELETE", f"/admin/warning-rules/{editing}", None, RULE_FIELDS, "已删除规则。", ac.bump(refresh)
    )


# --- SLA policies of events ------------------------------------------------------------------------------


def _categories() -> dict[int, str]:
    """Event category names (ids alone when the viewer may not read events)."""
    try:
        return ac.id_map(ac.fetch_all("/event-categories"))
    except ApiError:
        return {}


@callback(*ac.list_wiring(f"{P}-sla", Input(f"{P}-refresh", "data")))
def _load_sla(_refresh, old_rows, old_selected):
    try:
        policies = api.get("/sla-policies")
    except ApiError:
        return [], []
    categories = _categories()
    rows = [
        p
        | {
            "category": "全区默认"
            if p["category_id"] is None
            else categories.get(p["category_id"], p["category_id"]),
            "complexity_label": ac.label("complexity", p["complexity"]),
            "handle_text": f"{p['handle_working_days']} 个工作日"
            if p["handle_working_days"]
            else f"{p['handle_minutes']} 分钟",
            "clock_label": ac.label("sla_clock", p["clock"]),
            "ratios": ratios_text(p["reminder_ratios"]),
        }
        for p in policies
    ]
    return ac.reloaded(rows, old_rows, old_selected)


def _sla_form(policy: dict[str, Any] | None) -> Any:
    values = policy or {
        "category_id": None,
        "complexity": "simple",
        "sign_minutes": 15,
        "handle_minutes": 30,
        "clock": "natural",
        "reminder_ratios": [0.5, 0.8],
        "supervise_ratio": 1.5,
    }
    category_options = [{"label": name, "value": i} for i, name in sorted(_categories().items())]
    return ac.form_card(
        "修改时限策略" if policy else "新增或替换时限策略",
        dbc.Form(
            [
                ac.form_row(
                    ac.field(
                        "事件类别",
                        ac.dropdown(
                            f"{P}-sla-category",
                            category_options,
                            value=values["category_id"],
                            placeholder="全区默认",
                            disabled=policy is not None,
                        ),
                        8,
                    ),
                    ac.field(
                        "复杂度",
                        dbc.Select(
                            id=f"{P}-sla-complexity",
                            options=ac.options("complexity"),
                            value=values["complexity"],
                            disabled=policy is not None,
                        ),
                        4,
                    ),
                ),
                ac.form_row(
                    ac.field(
                        "签收时限（分钟）",
                        dbc.Input(id=f"{P}-sla-sign", type="number", value=values["sign_minutes"]),
                        4,
                    ),
                    ac.field(
                        "处置时限（分钟）",
                        dbc.Input(id=f"{P}-sla-handle", type="number", value=values["handle_minutes"]),
                        4,
                    ),
                    ac.field(
                        "计时方式",
                        dbc.Select(
                            id=f"{P}-sla-clock", options=ac.options("sla_clock"), value=values["clock"]
                        ),
                        4,
                    ),
                ),
                ac.form_row(
                    ac.field(
                        "提醒比例",
                        dbc.Input(
                            id=f"{P}-sla-ratios",
                            value=ratios_text(values["reminder_ratios"]).replace("、", ","),
                        ),
                        8,
                    ),
                    ac.field(
                        "督办倍数",
                        dbc.Input(
                            id=f"{P}-sla-supervise", type="number", value=values["supervise_ratio"], step=0.1
                        ),
                        4,
                    ),
                ),
                dbc.Button("保存策略", id=f"{P}-sla-save", color="primary", size="sm"),
            ]
        ),
    )


@callback(*ac.editor_wiring(f"{P}-sla"))
def _sla_editor(selected, rows):
    if not ac.can_write(PATH):
        return ac.hint("时限策略决定事件的签收、处置时限和催办、督办时点。")
    return _sla_form(ac.selected_row(rows, selected))


@callback(
    Output(f"{P}-sla-feedback", "children"),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-sla-save", "n_clicks"),
    State(f"{P}-sla-category", "value"),
    State(f"{P}-sla-complexity", "value"),
    State(f"{P}-sla-sign", "value"),
    State(f"{P}-sla-handle", "value"),
    State(f"{P}-sla-clock", "value"),
    State(f"{P}-sla-ratios", "value"),
    State(f"{P}-sla-supervise", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _save_sla(clicks, category, complexity, sign, handle, clock, ratios, supervise, refresh):
    if not clicks:
        raise PreventUpdate
    body = {
        "category_id": category,
        "complexity": complexity,
        "sign_minutes": sign,
        "handle_minutes": handle,
        "clock": clock,
        "reminder_ratios": parse_ratios(ratios),
        "supervise_ratio": supervise,
    }
    message = "已保存时限策略（新事件按新时限计时）。"
    return ac.submit("PUT", "/sla-policies", body, SLA_FIELDS, message, ac.bump(refresh))


# --- Intake policies per source --------------------------------------------------------------------------


@callback(*ac.list_wiring(f"{P}-source", Input(f"{P}-refresh", "data")))
def _load_sources(_refresh, old_rows, old_selected):
    try:
        policies = api.get("/event-source-policies")
    except ApiError:
        return [], []
    rows = [
        p
        | {
            "source_label": ac.label("event_source", p["source"]),
            "auto_label": ac.yes_no(p["auto_dispatch"]),
            "configured_label": "已配置" if p["configured"] else "内置默认",
        }
        for p in policies
    ]
    return ac.reloaded(rows, old_rows, old_selected, key="source")


def _source_form(policy: dict[str, Any]) -> Any:
    return ac.form_card(
        f"分拨策略：{policy['source_label']}",
        dbc.Form(
            [
                ac.form_row(
                    ac.field(
                        "自动分拨",
                        dbc.Switch(id=f"{P}-source-auto", value=policy["auto_dispatch"], className="pt-1"),
                        4,
                    ),
                    ac.field(
                        "查重窗口（小时）",
                        dbc.Input(id=f"{P}-source-dedup", type="number", value=policy["dedup_window_hours"]),
                        8,
                    ),
                ),
                ac.form_row(
                    ac.field(
                        "最低置信度",
                        dbc.Input(
                            id=f"{P}-source-confidence",
                            type="number",
                            step=0.01,
                            value=policy["min_confidence"],
                        ),
                        6,
                    ),
                    ac.field(
                        "最小差距",
                        dbc.Input(
                            id=f"{P}-source-margin", type="number", step=0.01, value=policy["min_margin"]
                        ),
                        6,
                    ),
                ),
                dbc.Button("保存策略", id=f"{P}-source-save", color="primary", size="sm"),
            ]
        ),
    )


@callback(*ac.editor_wiring(f"{P}-source"))
def _source_editor(selected, rows):
    policy = ac.selected_row(rows, selected)
    if policy is None or not ac.can_write(PATH):
        return ac.hint("模型置信度达到阈值且领先足够时，该来源的事件自动分拨。")
    return _source_form(policy)


@callback(
    Output(f"{P}-source-feedback", "children"),
    Output(f"{P}-refresh", "data", allow_duplicate=True),
    Input(f"{P}-source-save", "n_clicks"),
    State(f"{P}-source-table", "selected_rows"),
    State(f"{P}-source-table", "data"),
    State(f"{P}-source-auto", "value"),
    State(f"{P}-source-confidence", "value"),
    State(f"{P}-source-margin", "value"),
    State(f"{P}-source-dedup", "value"),
    State(f"{P}-refresh", "data"),
    prevent_initial_call=True,
)
def _save_source(clicks, selected, rows, auto, confidence, margin, dedup, refresh):
    policy = ac.selected_row(rows, selected)
    if not clicks or policy is None:
        raise PreventUpdate
    body = {
        "auto_dispatch": bool(auto),
        "min_confidence": confidence,
        "min_margin": margin,
        "dedup_window_hours": dedup,
    }
    path = f"/event-source-policies/{policy['source']}"
    message = f"已保存“{policy['source_label']}”的分拨策略。"
    return ac.submit("PUT", path, body, SOURCE_FIELDS, message, ac.bump(refresh))
