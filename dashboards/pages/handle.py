"""事件处置: the handler's own department's events as cards with live 153024 countdowns, and for the open
event the actions the API allows (sign off, start, feedback, return, extension, ...). Built for a phone:
one column, large buttons, no wide table."""

from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from dashboards import api, components
from dashboards.events_actions import act, done
from dashboards.events_countdown import countdown, deadlines, local_time, register_ticker, ticker
from dashboards.events_worklist import (
    ACTION_NAMES,
    FORMS,
    action_body,
    offered,
    register_choice,
    running_deadline,
    ticker_rows,
    work_card,
)
from dashboards.labels import (
    COMPLEXITY_WITH_LIMIT,
    FEEDBACK_RESULT,
    PRIORITY,
    PRIORITY_COLOR,
    REPORTER_TYPE,
    RETURN_REASON,
    SOURCE,
    STATUS,
    label,
)

dash.register_page(__name__, path="/handle", title="事件处置 · 云管家", name="事件处置")

PERMISSION = "events:handle"
POLL_MS = 30_000
NOTHING_CHOSEN = "点选上方的事件查看详情并办理。"


def layout(**_query: Any) -> html.Div:
    return components.page(
        "事件处置",
        dcc.Store(id="handle-selected"),
        dcc.Store(id="handle-refresh", data=0),
        dcc.Store(id="handle-version"),
        dcc.Interval(id="handle-poll", interval=POLL_MS),
        *ticker("handle"),
        dbc.Row(
            [
                dbc.Col(
                    [
                        html.Div(id="handle-count", className="handle-count"),
                        html.Div(id="handle-list", className="handle-list"),
                    ],
                    xs=12,
                    lg=5,
                ),
                dbc.Col(
                    [
                        html.Div(id="handle-message"),
                        html.Div(NOTHING_CHOSEN, id="handle-detail", className="handle-detail text-muted"),
                        _forms(),
                    ],
                    xs=12,
                    lg=7,
                ),
            ],
            className="g-3",
        ),
        permissions=(PERMISSION,),
    )


def _form(action: str, *fields: Any, color: str = "primary") -> html.Div:
    button = dbc.Button(ACTION_NAMES[action], id=f"handle-do-{action}", color=color, className="handle-btn")
    return html.Div([*fields, button], id=f"handle-form-{action}", className="handle-form", hidden=True)


def _select(field_id: str, options: dict[str, str], placeholder: str) -> dbc.Select:
    return dbc.Select(
        id=field_id,
        options=[{"label": name, "value": code} for code, name in options.items()],
        placeholder=placeholder,
        className="handle-field",
    )


def _text(field_id: str, placeholder: str, rows: int = 3) -> dbc.Textarea:
    return dbc.Textarea(id=field_id, placeholder=placeholder, rows=rows, className="handle-field")


def _forms() -> html.Div:
    return html.Div(
        [
            _form("sign", color="success"),
            _form("start", color="success"),
            _form(
                "feedback",
                _select("handle-feedback-result", FEEDBACK_RESULT, "办理结果"),
                _text("handle-feedback-content", "办理情况（必填）：到场核实、处理措施、告知诉求人等"),
                color="success",
            ),
            _form(
                "return",
                _select("handle-return-reason", RETURN_REASON, "退回原因"),
                _text("handle-return-note", "退回说明（可选）", rows=2),
                color="warning",
            ),
            _form(
                "request_extension",
                dbc.Input(
                    id="handle-ext-minutes",
                    type="number",
                    min=1,
                    placeholder="延期分钟数",
                    className="handle-field",
                ),
                _text("handle-ext-reason", "延期理由（必填）", rows=2),
                color="secondary",
            ),
            _form("suspend", _text("handle-suspend-reason", "挂起理由（必填）", rows=2), color="secondary"),
            _form("resume", color="success"),
            _form(
                "request_arbitration",
                _text("handle-arb-reason", "申请仲裁的理由（必填）", rows=2),
                color="danger",
            ),
            html.Div(id="handle-others", className="text-muted small"),
        ],
        id="handle-actions",
        className="handle-actions",
    )


# ------------------------------------------------------------------ the worklist


@callback(
    Output("handle-list", "children"),
    Output("handle-count", "children"),
    Output("handle-deadlines", "data"),
    Input("handle-refresh", "data"),
    Input("handle-poll", "n_intervals"),
    Input("handle-selected", "data"),
)
def load_worklist(_refresh, _poll, selected):
    try:
        items = api.get("/handling-queue")
    except api.ApiError as error:
        return components.error_alert(error), "", {}
    now = datetime.now(UTC)
    cards = [work_card(item, now, selected) for item in items] or [
        html.Div("本部门暂无待办事件。", className="text-muted p-3")
    ]
    ticks = deadlines(ticker_rows(items, selected), key="key", due="due", start="start")
    return cards, f"本部门待办 {len(items)} 件", ticks


register_ticker("handle")


register_choice("handle-selected", "handle-card")


# On a phone the details sit below the list: bring them into view once an opened event has been drawn.
clientside_callback(
    """
    function(_detail, selected) {
        const detail = document.getElementById("handle-detail");
        if (selected && detail && window.innerWidth < 992) {
            detail.scrollIntoView({block: "start", behavior: "instant"});  // not smooth: land at once
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output("handle-detail", "title"),
    Input("handle-detail", "children"),
    State("handle-selected", "data"),
    prevent_initial_call=True,
)


# ------------------------------------------------------------------ the open event


@callback(
    Output("handle-detail", "children"),
    Output("handle-detail", "className"),
    Output("handle-version", "data"),
    Output("handle-others", "children"),
    *[Output(f"handle-form-{action}", "hidden") for action in FORMS],
    Input("handle-selected", "data"),
    Input("handle-refresh", "data"),
)
def show_event(event_id, _refresh):
    all_hidden = [True] * len(FORMS)
    if event_id is None:
        return NOTHING_CHOSEN, "handle-detail text-muted", None, "", *all_hidden
    try:
        event = api.get(f"/events/{event_id}")
        state = api.get(f"/events/{event_id}/state")
    except api.ApiError as error:
        return components.error_alert(error), "handle-detail", None, "", *all_hidden
    hidden, others = offered(state["allowed_actions"])
    other_text = f"其他可用操作：{'、'.join(others)}（请在电脑端办理）" if others else ""
    if not state["allowed_actions"]:
        other_text = "该事件当前没有您可办理的操作。"
    return (
        _event_detail(event, state),
        "handle-detail",
        state["version"],
        other_text,
        *[hidden[action] for action in FORMS],
    )


def _event_detail(event: dict[str, Any], state: dict[str, Any]) -> html.Div:
    assignment = state.get("assignment") or {}
    due, kind = running_deadline(assignment)
    text, css = countdown(due, datetime.now(UTC), assignment.get("dispatched_at"))
    reporter = " ".join(p for p in (event.get("reporter_name"), event.get("reporter_phone")) if p) or "—"
    facts = [
        ("状态", label(STATUS, state["status"])),
        ("来源", label(SOURCE, event["source"])),
        ("上报人", f"{label(REPORTER_TYPE, event['reporter_type'])} {reporter}"),
        ("地址", event.get("address") or "—"),
        ("复杂度", label(COMPLEXITY_WITH_LIMIT, event["complexity"])),
        ("签收时限", local_time(assignment.get("sign_due_at"))),
        ("办结时限", local_time(assignment.get("handle_due_at"))),
        ("上报时间", local_time(event["reported_at"])),
    ]
    return html.Div(
        [
            html.Div(
                [
                    dbc.Badge(
                        label(PRIORITY, event["priority"]), color=PRIORITY_COLOR.get(event["priority"])
                    ),
                    html.Span(event["event_no"], className="handle-no"),
                ],
                className="handle-detail-head",
            ),
            html.H2(event["title"], className="handle-title"),
            html.Div(
                [
                    "签收" if kind == "sign" else "办结",
                    " ",
                    html.Span(text, id={"type": "handle-countdown", "index": "detail"}, className=css),
                ],
                className="handle-detail-due",
            ),
            html.P(event["description"], className="handle-text"),
            html.Dl(
                [part for name, value in facts for part in (html.Dt(name), html.Dd(value))],
                className="handle-facts",
            ),
        ],
        **{"data-event-id": str(event["id"]), "data-status": state["status"]},
    )


# ------------------------------------------------------------------ actions


BODY_FIELDS = [
    State("handle-feedback-result", "value"),
    State("handle-feedback-content", "value"),
    State("handle-return-reason", "value"),
    State("handle-return-note", "value"),
    State("handle-ext-minutes", "value"),
    State("handle-ext-reason", "value"),
    State("handle-suspend-reason", "value"),
    State("handle-arb-reason", "value"),
]


@callback(
    Output("handle-message", "children"),
    Output("handle-refresh", "data"),
    Output("handle-feedback-content", "value"),
    Output("handle-return-note", "value"),
    Output("handle-ext-reason", "value"),
    Output("handle-suspend-reason", "value"),
    Output("handle-arb-reason", "value"),
    *[Input(f"handle-do-{action}", "n_clicks") for action in FORMS],
    State("handle-selected", "data"),
    State("handle-version", "data"),
    *BODY_FIELDS,
    State("handle-refresh", "data"),
    prevent_initial_call=True,
)
def take_action(*values):
    clicks, rest = values[: len(FORMS)], values[len(FORMS) :]
    (
        event_id,
        version,
        result,
        content,
        reason_code,
        note,
        minutes,
        ext_reason,
        suspend_reason,
        arb_reason,
        refresh,
    ) = rest
    unchanged = (no_update,) * 5
    if event_id is None or not any(clicks) or not ctx.triggered[0].get("value"):
        return no_update, no_update, *unchanged
    action = str(ctx.triggered_id).removeprefix("handle-do-")
    fields = {
        "result": result,
        "content": content,
        "reason_code": reason_code,
        "note": note,
        "minutes": minutes,
        "ext_reason": ext_reason,
        "suspend_reason": suspend_reason,
        "arb_reason": arb_reason,
    }
    state, refusal = act(event_id, action, {"version": version, **action_body(action, fields)})
    if refusal is not None:
        return refusal, (refresh or 0) + 1, *unchanged
    message = done(
        f"{ACTION_NAMES[action]}成功：{state['event_no']} 现为「{label(STATUS, state['status'])}」。"
    )
    return message, (refresh or 0) + 1, "", "", "", "", ""
