"""What the handler page shows, built from the API's answers: one card per event (a phone has no room for a
wide table), the deadline that runs now, and which action forms to offer. No API calls here."""

from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, callback, ctx, html, no_update

from dashboards.events_countdown import countdown_span
from dashboards.labels import DUE_KIND, PRIORITY, PRIORITY_COLOR, STATUS, label

# The actions the page has a form for; any other action the API allows is only named.
FORMS = (
    "sign",
    "start",
    "feedback",
    "return",
    "request_extension",
    "suspend",
    "resume",
    "request_arbitration",
)
ACTION_NAMES = {
    "sign": "签收",
    "start": "开始处置",
    "feedback": "办理反馈",
    "return": "退回",
    "request_extension": "申请延期",
    "suspend": "挂起",
    "resume": "恢复处置",
    "request_arbitration": "申请仲裁",
    "sub_dispatch": "再次分拨",
}


def running_deadline(item: dict[str, Any]) -> tuple[str | None, str]:
    """(deadline, kind) that runs now: sign-off until signed, then handling."""
    if item.get("signed_at"):
        return item.get("handle_due_at"), "handle"
    return item.get("sign_due_at"), "sign"


def ticker_rows(items: list[dict[str, Any]], selected: int | None) -> list[dict[str, Any]]:
    """Rows for the countdown store: one per card, and one for the open event's own countdown."""
    rows = [{"key": item["id"], "due": item.get("due_at"), "start": item["dispatched_at"]} for item in items]
    chosen = next((item for item in items if item["id"] == selected), None)
    if chosen is not None:
        rows.append({"key": "detail", "due": chosen.get("due_at"), "start": chosen["dispatched_at"]})
    return rows


def work_card(item: dict[str, Any], now: datetime, selected: int | None) -> html.Button:
    """One event to work on: priority, state, the running countdown, title, number and place."""
    kind = item.get("due_kind") or running_deadline(item)[1]
    classes = "handle-card" + (" active" if item["id"] == selected else "")
    return html.Button(
        [
            html.Div(
                [
                    dbc.Badge(label(PRIORITY, item["priority"]), color=PRIORITY_COLOR.get(item["priority"])),
                    dbc.Badge(label(STATUS, item["status"]), color="primary", className="handle-status"),
                    html.Span(
                        [
                            f"{label(DUE_KIND, kind)} ",
                            countdown_span(
                                "handle", item["id"], item.get("due_at"), item["dispatched_at"], now
                            ),
                        ],
                        className="handle-due",
                    ),
                ],
                className="handle-card-head",
            ),
            html.Div(item["title"], className="handle-card-title"),
            html.Div(
                [html.Span(item["event_no"]), html.Span(item.get("address") or item.get("category") or "")],
                className="handle-card-foot",
            ),
        ],
        id={"type": "handle-card", "index": item["id"]},
        className=classes,
        **{"data-event-id": str(item["id"]), "data-status": item["status"]},
    )


def offered(allowed: list[str]) -> tuple[dict[str, bool], list[str]]:
    """Which forms to show (action -> hidden?) and the allowed actions without a form here."""
    hidden = {action: action not in allowed for action in FORMS}
    others = [ACTION_NAMES.get(a, a) for a in allowed if a not in FORMS]
    return hidden, others


def action_body(action: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The body of ACTION from the form's FIELDS (empty text left out: the API names what is missing)."""

    def text(name: str) -> str | None:
        return (fields.get(name) or "").strip() or None

    bodies = {
        "feedback": {"result": fields.get("result"), "content": text("content")},
        "return": {"reason_code": fields.get("reason_code"), "note": text("note")},
        "request_extension": {"minutes": fields.get("minutes"), "reason": text("ext_reason")},
        "suspend": {"reason": text("suspend_reason")},
        "request_arbitration": {"reason": text("arb_reason")},
    }
    return bodies.get(action, {})


def register_choice(store_id: str, item_type: str) -> None:
    """A click on an event of the list (components {"type": ITEM_TYPE, "index": id}) keeps its id in
    STORE_ID. A re-rendered list fires the callback with no clicks: only a real click selects."""

    @callback(
        Output(store_id, "data"),
        Input({"type": item_type, "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def choose(clicks):
        if not ctx.triggered_id or not any(clicks) or not ctx.triggered[0].get("value"):
            return no_update
        return ctx.triggered_id["index"]
