"""What the back-office pages share: their sections, Chinese labels, form pieces and how API refusals show."""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html, no_update

from dashboards import api, components
from dashboards.auth import Viewer, current_viewer
from dashboards.gateway import ApiError

LIST_PAGE_SIZE = 200  # the API's largest page
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Section:
    """One part of the back office: who may look at it and who may change it."""

    path: str
    title: str
    summary: str
    read: tuple[str, ...]  # any of these shows the section
    write: tuple[str, ...]  # any of these shows its edit controls


SECTIONS: tuple[Section, ...] = (
    Section(
        "/admin/halls",
        "大厅信息",
        "大厅、区域、窗口及其事项、人事岗、工作日历",
        ("org:read",),
        ("org:write",),
    ),
    Section(
        "/admin/publishing",
        "信息发布",
        "通知公告的起草、送审、发布与撤回",
        ("publications:read", "publications:write", "publications:review"),
        ("publications:write", "publications:review"),
    ),
    Section(
        "/admin/matters", "事项配置", "事项目录、办理时限、一件事组合", ("matters:read",), ("matters:write",)
    ),
    Section(
        "/admin/warnings",
        "预警阈值",
        "预警规则、提醒对象、时限策略与分拨策略",
        ("warnings:read",),
        ("warnings:write",),
    ),
    Section("/admin/users", "用户与角色", "用户、角色授权与权限", ("users:read",), ("users:write",)),
)
SECTION_BY_PATH = {section.path: section for section in SECTIONS}


def can_view(viewer: Viewer, section: Section) -> bool:
    return components.allowed(viewer, section.read)


def can_edit(viewer: Viewer, section: Section) -> bool:
    return components.allowed(viewer, section.write)


def visible_sections(viewer: Viewer) -> list[Section]:
    """The sections the viewer may at least look at, in menu order."""
    return [section for section in SECTIONS if can_view(viewer, section)]


# --- Chinese labels of the API's codes -------------------------------------------------------------------

LABELS: dict[str, dict[str, str]] = {
    "hall_kind": {
        "service_center": "政务服务中心",
        "convenience_point": "便民服务网点",
        "self_service_point": "自助办理点",
    },
    "region_level": {
        "city": "市",
        "county": "县（区）",
        "town": "镇（街道）",
        "village": "村（社区）",
        "grid": "网格",
    },
    "window_kind": {"comprehensive": "综合窗口", "department": "部门窗口", "special": "特殊窗口"},
    "window_status": {"open": "开放", "paused": "暂停", "closed": "关闭"},
    "calendar_source": {"chinese_calendar": "法定日历", "admin": "管理员录入"},
    "publication_kind": {
        "notice": "通知公告",
        "policy": "政策文件",
        "guide": "办事指南",
        "led_banner": "LED横幅",
    },
    "publication_status": {
        "draft": "草稿",
        "pending_review": "待审核",
        "scheduled": "定时发布",
        "published": "已发布",
        "withdrawn": "已撤回",
        "expired": "已过期",
    },
    "publication_target": {
        "cockpit": "驾驶舱",
        "led": "LED大屏",
        "hall_screen": "大厅屏",
        "personal_space": "个人空间",
    },
    "publication_channel": {"in_app": "站内消息", "sms": "短信", "app_push": "App推送"},
    "matter_type": {
        "admin_licensing": "行政许可",
        "admin_confirmation": "行政确认",
        "admin_payment": "行政给付",
        "admin_reward": "行政奖励",
        "admin_ruling": "行政裁决",
        "admin_levy": "行政征收",
        "other_power": "其他权力",
        "public_service": "公共服务",
    },
    "limit_unit": {"working_day": "工作日", "calendar_day": "自然日", "hour": "小时"},
    "matter_status": {"active": "在用", "suspended": "暂停", "revoked": "已取消"},
    "bundle_origin": {"official": "官方", "mined": "挖掘"},
    "bundle_status": {"candidate": "候选", "approved": "已批准", "active": "在用", "retired": "停用"},
    "rule_type": {
        "receipt_response": "收件响应",
        "acceptance_response": "受理响应",
        "near_due": "临期",
        "overdue": "超期",
        "special_step_duration": "特殊环节时长",
        "abnormal_count": "异常件数",
        "bad_review": "差评",
        "sign_sla": "事件签收时限",
        "handle_sla": "事件处置时限",
    },
    "threshold_unit": {"working_minutes": "工作分钟", "minutes": "分钟", "count": "件数", "ratio": "比例"},
    "recipient": {
        "handler": "经办人",
        "dept_admin": "部门管理员",
        "hall_manager": "大厅管理员",
        "supervisor": "督查督办",
    },
    "warning_channel": {"ding": "浙政钉", "sms": "短信", "in_app": "站内消息"},
    "complexity": {"simple": "简单", "complex": "复杂"},
    "sla_clock": {"natural": "自然时间", "working": "工作时间"},
    "event_source": {
        "hotline_12345": "12345热线",
        "grid": "网格",
        "epidemic": "疫情防控",
        "cyber_security": "网络安全",
        "livelihood": "民生诉求",
        "gov_online": "政府在线",
        "city_12345": "市12345",
        "city_cross_border_truck": "市跨境货车",
        "city_livelihood": "市民生诉求",
        "city_grid": "市网格",
        "mobile": "移动端上报",
    },
    "scope": {"all": "全区", "department": "部门", "region": "区域", "hall": "大厅", "self": "本人"},
    "auth_source": {"local": "本地账号"},
}


def label(kind: str, code: Any) -> str:
    """The Chinese label of an API code (the code itself when there is none)."""
    if code is None or code == "":
        return ""
    return LABELS.get(kind, {}).get(str(code), str(code))


def labels(kind: str, codes: Iterable[Any]) -> str:
    return "、".join(label(kind, code) for code in codes)


def options(kind: str, codes: Iterable[str] | None = None) -> list[dict[str, str]]:
    """Select options for the codes of KIND (all known codes unless CODES)."""
    known = LABELS[kind]
    return [{"label": known.get(code, code), "value": code} for code in (codes or known)]


def yes_no(value: Any) -> str:
    return "是" if value else "否"


# --- Values from forms to API bodies ---------------------------------------------------------------------


def blank_to_none(value: Any) -> Any:
    """An empty text box or cleared select means 'no value'."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def changed_fields(original: Mapping[str, Any], edited: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of EDITED whose values differ from ORIGINAL: the body of a PATCH."""
    return {name: value for name, value in edited.items() if original.get(name) != value}


def id_map(rows: Iterable[Mapping[str, Any]], text: str = "name") -> dict[int, str]:
    """{id: row[TEXT]} of API rows, to show names instead of ids."""
    return {row["id"]: row[text] for row in rows}


def fetch_all(path: str, limit_pages: int = 10, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged API list (up to LIMIT_PAGES pages of 200)."""
    items: list[dict[str, Any]] = []
    for number in range(1, limit_pages + 1):
        page = api.get(path, page=number, page_size=LIST_PAGE_SIZE, **params)
        items.extend(page["items"])
        if len(items) >= page["total"] or not page["items"]:
            break
    return items


# --- Refusals and confirmations --------------------------------------------------------------------------


def field_problems(errors: Sequence[Mapping[str, Any]], field_labels: Mapping[str, str]) -> list[str]:
    """'字段: reason' lines of a problem's field errors, the field named as the form names it."""
    lines = []
    for error in errors:
        field = str(error.get("field") or "")
        name = field.split(".", 1)[1] if field.startswith(("body.", "query.", "path.")) else field
        top = name.split(".", 1)[0]
        shown = field_labels.get(name) or field_labels.get(top) or name or "请求"
        lines.append(f"{shown}：{reason_zh(str(error.get('reason', '')))}")
    return lines


# pydantic's usual reasons, said in Chinese; any other reason is shown as the API gave it.
REASONS: tuple[tuple[str, str], ...] = (
    (r"^String should have at least 1 character$", "不能为空"),
    (r"^String should have at least (\d+) characters?$", r"至少 \1 个字符"),
    (r"^String should have at most (\d+) characters?$", r"最多 \1 个字符"),
    (r"^List should have at least (\d+) items?.*$", r"至少选择 \1 项"),
    (r"^Input should be greater than or equal to (\S+)$", r"应不小于 \1"),
    (r"^Input should be greater than (\S+)$", r"应大于 \1"),
    (r"^Input should be less than or equal to (\S+)$", r"应不大于 \1"),
    (r"^Input should be less than (\S+)$", r"应小于 \1"),
    (r"^Field required$", "必填"),
    (r"^Input should be a valid integer.*$", "应为整数"),
    (r"^Input should be a valid number.*$", "应为数字"),
    (r"^Input should be a valid date.*$", "应为日期"),
    (r"^String should match pattern .*$", "格式不正确"),
    (r"^Value error, ", ""),
)


def reason_zh(reason: str) -> str:
    """A validation reason in Chinese where it is one of pydantic's usual ones."""
    for pattern, replacement in REASONS:
        if re.search(pattern, reason):
            return re.sub(pattern, replacement, reason)
    return reason


def short_time(value: str | None) -> str:
    """An API timestamp as local 'YYYY-MM-DD HH:MM' ('' for none)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TZ)
    return moment.strftime("%Y-%m-%d %H:%M")


def refusal(error: Exception, field_labels: Mapping[str, str] | None = None) -> html.Div:
    """An API refusal next to its form: the status and detail, then one line per field at fault."""
    lines = field_problems(error.errors, field_labels or {}) if isinstance(error, ApiError) else []
    return html.Div(
        [
            components.error_alert(error),
            html.Ul([html.Li(line) for line in lines], className="admin-field-errors"),
        ]
        if lines
        else [components.error_alert(error)],
        className="admin-refusal",
    )


def done(message: str) -> dbc.Alert:
    return dbc.Alert(message, color="success", className="admin-done", duration=8000)


# --- Form pieces -----------------------------------------------------------------------------------------


def form_row(*fields: Any) -> dbc.Row:
    return dbc.Row(list(fields), className="g-2 mb-2")


def field(text: str, control: Any, width: int = 3) -> dbc.Col:
    """A labelled control in a form row, WIDTH of 12 columns on wide screens."""
    return dbc.Col([dbc.Label(text, className="admin-label"), control], md=width)


DROPDOWN_LABELS = {
    "select_all": "全选",
    "deselect_all": "全不选",
    "selected_count": "已选 {num_selected} 项",
    "search": "搜索",
    "clear_search": "清除搜索",
    "clear_selection": "清除选择",
    "no_options_found": "没有匹配项",
}


def dropdown(dropdown_id: str, options: list[dict[str, Any]], **kwargs: Any) -> dcc.Dropdown:
    """A searchable dropdown that speaks Chinese."""
    kwargs.setdefault("maxHeight", 240)
    return dcc.Dropdown(
        id=dropdown_id, options=options, labels=DROPDOWN_LABELS, className="admin-dropdown", **kwargs
    )


def form_card(title: str, *children: Any, card_id: str | None = None) -> dbc.Card:
    body = dbc.CardBody([html.H2(title, className="h6 admin-card-title"), *children])
    return dbc.Card(body, className="admin-form mb-3", **({"id": card_id} if card_id else {}))


def read_only_note() -> dbc.Alert:
    return dbc.Alert(
        "只读：您的角色可以查看，不能修改。", color="secondary", className="admin-read-only py-2"
    )


def selected_row(rows: list[dict[str, Any]] | None, selected: list[int] | None) -> dict[str, Any] | None:
    """The row a DataTable's single row selection points at, if any."""
    if not rows or not selected or selected[0] >= len(rows):
        return None
    return rows[selected[0]]


def reselect(
    old_rows: list[dict[str, Any]] | None,
    old_selected: list[int] | None,
    new_rows: list[dict[str, Any]],
    key: str = "id",
) -> list[int]:
    """Keep the same record selected after the list was reloaded (its position may have moved)."""
    row = selected_row(old_rows, old_selected)
    if row is None or key not in row:
        return []
    return [index for index, new in enumerate(new_rows) if new.get(key) == row[key]][:1]


def section_page(path: str, build) -> Any:
    """The page of a section: its body from BUILD(can_edit) when the viewer may look, else 'forbidden'."""
    viewer = current_viewer()
    section = SECTION_BY_PATH[path]
    if viewer is None:  # Dash builds layouts once outside any request
        return html.Div()
    body: Sequence[Any] = ()
    if can_view(viewer, section):
        try:
            body = build(can_edit(viewer, section))
        except ApiError as error:
            body = [components.error_alert(error)]
    return components.page(section.title, *body, permissions=section.read)


def index_of(rows: list[dict[str, Any]], value: Any, key: str = "id") -> list[int]:
    """The selection of the row whose KEY is VALUE (none if it is not listed)."""
    return [index for index, row in enumerate(rows) if value is not None and row.get(key) == value][:1]


ANY = "any"  # the "all" choice of a filter select (an empty value would show a blank select)


def with_any(choices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"label": "全部", "value": ANY}, *choices]


def filter_value(value: Any) -> Any:
    """A filter select's value for the API: None for 'all'."""
    return None if value in (ANY, "", None) else value


def selection(
    old_rows: list[dict[str, Any]] | None,
    old_selected: list[int] | None,
    new_rows: list[dict[str, Any]],
    key: str = "id",
    *,
    first_load: bool = False,
) -> Any:
    """The table's selection after a reload; unchanged (no update) when the selected record did not change,
    so its editor is not rebuilt under the user's typing. The first load always sets it: the editor waits
    for it."""
    new_selected = reselect(old_rows, old_selected, new_rows, key)
    if first_load:
        return new_selected
    same_row = selected_row(old_rows, old_selected) == selected_row(new_rows, new_selected)
    if new_selected == list(old_selected or []) and same_row:
        return no_update
    return new_selected
