"""What the back-office pages share: their sections, Chinese labels, form pieces and how API refusals show."""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboards import api, components
from dashboards.auth import Viewer, current_viewer
from dashboards.gateway import ApiError
from dashboards.labels import BY_KIND as LABELS

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


# --- Chinese labels of the API's codes (dashboards/labels.py) ---------------------------------------------


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


# --- What every section page does the same way -----------------------------------------------------------


def viewer_can(*permissions: str) -> bool:
    """Whether the signed-in viewer holds any of PERMISSIONS (the API enforces them anyway)."""
    viewer = current_viewer()
    return viewer is not None and any(viewer.can(permission) for permission in permissions)


def bump(refresh: int | None) -> int:
    """The next value of a page's refresh store: every list listening to it reloads."""
    return (refresh or 0) + 1


def tab(text: str, tab_id: str, *children: Any) -> dbc.Tab:
    return dbc.Tab(html.Div(list(children), className="pt-3"), label=text, tab_id=tab_id)


def list_and_editor(prefix: str, columns: list[tuple[str, str]], *above: Any) -> list[Any]:
    """What stands above the list, the list (single selection) and, beside it, the selected record's editor:
    ids PREFIX-table, PREFIX-feedback and PREFIX-editor."""
    table = components.table(f"{prefix}-table", [], columns, row_selectable="single", selected_rows=[])
    return [
        *above,
        dbc.Row(
            [
                dbc.Col(table, lg=7),
                dbc.Col([html.Div(id=f"{prefix}-feedback"), html.Div(id=f"{prefix}-editor")], lg=5),
            ],
            className="g-3",
        ),
    ]


def hint(text: str) -> html.P:
    """What an editor panel says when there is nothing to edit."""
    return html.P(text, className="text-muted")


def reloaded(
    rows: list[dict[str, Any]],
    old_rows: list[dict[str, Any]] | None,
    old_selected: list[int] | None,
    key: str = "id",
) -> tuple[list[dict[str, Any]], Any]:
    """A list callback's answer: the new rows and their selection (set on the page's first load)."""
    return rows, selection(old_rows, old_selected, rows, key, first_load=ctx.triggered_id is None)


def pressed_pattern() -> dict[str, Any] | None:
    """The id of the pattern-matching button that was really pressed (None when it only appeared)."""
    pressed = ctx.triggered[0]["value"] if ctx.triggered else None
    return ctx.triggered_id if pressed and isinstance(ctx.triggered_id, dict) else None


def unchanged() -> tuple[dbc.Alert, Any]:
    """A save callback's answer when the form changed nothing."""
    return dbc.Alert("没有修改。", color="secondary"), no_update


def submit(
    method: str,
    path: str,
    body: Any,
    field_labels: Mapping[str, str],
    message: str | Callable[[Any], str],
    then: Any,
) -> tuple[Any, Any]:
    """Send a form to the API. Refused: (the refusal, no update); else (MESSAGE as done, THEN), either of
    them called with the API's answer when it is a function."""
    try:
        answer = api.send(method, path, body)
    except ApiError as error:
        return refusal(error, field_labels), no_update
    return done(message(answer) if callable(message) else message), then(answer) if callable(then) else then


def can_write(path: str) -> bool:
    """Whether the viewer may change what the section at PATH shows."""
    return viewer_can(*SECTION_BY_PATH[path].write)


# The callback wiring of a list_and_editor panel, by its PREFIX.


def list_wiring(prefix: str, *inputs: Input) -> tuple[Any, ...]:
    """A list's loader: it sets the rows and selection of PREFIX-table when any of INPUTS changes, and gets
    the old ones (to keep the same record selected)."""
    table = f"{prefix}-table"
    return (
        Output(table, "data"),
        Output(table, "selected_rows"),
        *inputs,
        State(table, "data"),
        State(table, "selected_rows"),
    )


def editor_wiring(prefix: str) -> tuple[Any, ...]:
    """An editor: it fills PREFIX-editor for the row selected in PREFIX-table."""
    return (
        Output(f"{prefix}-editor", "children"),
        Input(f"{prefix}-table", "selected_rows"),
        State(f"{prefix}-table", "data"),
    )


# Pages whose saves select the record saved: a focus store {"id": record id, "n": saves so far} that the list
# listens to.


def next_focus(focus: Mapping[str, Any] | None, record_id: Any) -> dict[str, Any]:
    """The focus store's value after RECORD_ID was saved: the list reloads and selects it."""
    return {"id": record_id, "n": (focus or {}).get("n", 0) + 1}


def focused(
    rows: list[dict[str, Any]],
    focus_store: str,
    focus: Mapping[str, Any] | None,
    old_rows: list[dict[str, Any]] | None,
    old_selected: list[int] | None,
) -> tuple[list[dict[str, Any]], Any]:
    """Like reloaded, but after a save (FOCUS_STORE changed) the saved record is the one selected."""
    if ctx.triggered_id == focus_store and focus and focus.get("id"):
        return rows, index_of(rows, focus["id"])
    return reloaded(rows, old_rows, old_selected)
