"""派遣工作台: the dispatcher's queue by priority with live countdowns; for the chosen event its text, the
model's probability table with accept/override, emotion and reasons, repeats and its place on the map."""

from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from dashboards import api, components
from dashboards.events_actions import act, done
from dashboards.events_countdown import deadlines, local_time, register_ticker, ticker
from dashboards.events_worklist import register_choice
from dashboards.labels import COMPLEXITY_WITH_LIMIT, REPORTER_TYPE, SOURCE, STATUS, label
from dashboards.workbench_view import (
    department_options,
    duplicates_panel,
    emotion_panel,
    location_figure,
    priority_badge,
    probability_rows,
    probability_table,
    queue_card,
    recommendation_problem,
)

dash.register_page(__name__, path="/workbench", title="派遣工作台 · 云管家", name="派遣工作台")

PERMISSION = "events:dispatch"
POLL_MS = 30_000  # new events arrive all the time: the queue reloads itself
OPEN_STATUSES = "pending_dispatch,dispatched,signed,in_progress"
NOTHING_CHOSEN = html.Div("请从左侧队列选择一个事件。", className="text-muted wb-placeholder")


def _selected_from(query: dict[str, Any]) -> int | None:
    raw = str(query.get("event", ""))
    return int(raw) if raw.isdigit() else None


def layout(**query: Any) -> html.Div:
    return components.page(
        "派遣工作台",
        dcc.Store(id="wb-selected", data=_selected_from(query)),
        dcc.Store(id="wb-refresh", data=0),
        dcc.Store(id="wb-version"),
        dcc.Store(id="wb-top1"),
        dcc.Interval(id="wb-poll", interval=POLL_MS),
        *ticker("wb"),
        dbc.Row(
            [
                dbc.Col(
                    [
                        html.Div(
                            [html.Span("待分拨队列", className="wb-title"), html.Span(id="wb-count")],
                            className="wb-queue-head",
                        ),
                        html.Div(id="wb-queue", className="list-group wb-queue"),
                    ],
                    lg=4,
                    className="wb-queue-col",
                ),
                dbc.Col(_detail_layout(), lg=8),
            ],
            className="g-3",
        ),
        permissions=(PERMISSION,),
    )


def _section(title: str, *children: Any, className: str = "wb-section") -> html.Div:
    return html.Div([html.Div(title, className="wb-section-title"), *children], className=className)


def _detail_layout() -> list:
    actions = html.Div(
        [
            dbc.Button("采纳推荐", id="wb-accept", color="success", className="wb-accept", disabled=True),
            html.Div(
                [
                    dbc.Select(id="wb-target", placeholder="改派给其他部门…", className="wb-target"),
                    dbc.Textarea(
                        id="wb-reason", placeholder="改派理由（必填）", rows=1, className="wb-reason"
                    ),
                    dbc.Button("改派", id="wb-override", color="warning", className="wb-override"),
                ],
                className="wb-override-row",
            ),
        ],
        id="wb-actions",
        className="wb-actions",
        hidden=True,
    )
    location = components.graph("wb-map", figure=components.empty_figure(""), style={"height": "250px"})
    return [
        html.Div(id="wb-message"),
        html.Div(NOTHING_CHOSEN, id="wb-detail"),
        dbc.Row(
            [
                dbc.Col(
                    [
                        _section("处置部门匹配概率表", html.Div(id="wb-prob"), actions),
                        _section("重复上报", html.Div(id="wb-duplicates"), className="wb-section mt-3"),
                    ],
                    xl=7,
                ),
                dbc.Col(
                    [
                        _section("情绪识别与优先级", html.Div(id="wb-emotion")),
                        _section("事件位置", location, className="wb-section mt-3"),
                    ],
                    xl=5,
                ),
            ],
            className="g-3 mt-1",
        ),
    ]


# ------------------------------------------------------------------ queue


@callback(
    Output("wb-queue", "children"),
    Output("wb-count", "children"),
    Output("wb-deadlines", "data"),
    Input("wb-refresh", "data"),
    Input("wb-poll", "n_intervals"),
    Input("wb-selected", "data"),
)
def load_queue(_refresh, _poll, selected):
    try:
        items = api.get("/dispatch-queue")
    except api.ApiError as error:
        return components.error_alert(error), "", {}
    now = datetime.now(UTC)
    cards = [queue_card(item, now, selected) for item in items]
    if not cards:
        cards = [html.Div("队列为空：没有待分拨的事件。", className="text-muted p-3")]
    ticks = deadlines(
        [item | {"start": item.get("accepted_at") or item["reported_at"]} for item in items],
        key="id",
        due="due_at",
        start="start",
    )
    return cards, f"（{len(items)}）", ticks


register_ticker("wb")


register_choice("wb-selected", "wb-item")


# ------------------------------------------------------------------ the chosen event


@callback(
    Output("wb-detail", "children"),
    Output("wb-duplicates", "children"),
    Output("wb-map", "figure"),
    Output("wb-version", "data"),
    Output("wb-actions", "hidden"),
    Input("wb-selected", "data"),
    Input("wb-refresh", "data"),
)
def show_event(event_id, _refresh):
    if event_id is None:
        return NOTHING_CHOSEN, "", components.empty_figure("未选择事件"), None, True
    try:
        event = api.get(f"/events/{event_id}")
        state = api.get(f"/events/{event_id}/state")
    except api.ApiError as error:
        return components.error_alert(error), "", components.empty_figure(""), None, True
    can_dispatch = "dispatch" in state["allowed_actions"]
    return (
        _event_card(event, state),
        duplicates_panel(_duplicate_of(state), _duplicates(event_id)),
        location_figure(event, _nearby(event)),
        state["version"],
        not can_dispatch,
    )


def _event_card(event: dict[str, Any], state: dict[str, Any]) -> html.Div:
    reporter = (
        " ".join(part for part in (event.get("reporter_name"), event.get("reporter_phone")) if part) or "—"
    )
    facts = [
        ("来源", label(SOURCE, event["source"])),
        ("上报人", f"{label(REPORTER_TYPE, event['reporter_type'])} {reporter}"),
        ("类别", _category_name(event.get("category_id"))),
        ("复杂度", label(COMPLEXITY_WITH_LIMIT, event["complexity"])),
        ("地址", event.get("address") or "—"),
        ("上报时间", local_time(event["reported_at"], "%Y-%m-%d %H:%M")),
        ("状态", label(STATUS, state["status"])),
    ]
    return html.Div(
        [
            html.Div(
                [
                    priority_badge(event["priority"]),
                    html.Span(event["event_no"], className="wb-event-no"),
                    html.Span(event["title"], className="wb-event-title"),
                ],
                className="wb-event-head",
            ),
            html.P(event["description"], className="wb-event-text"),
            html.Dl(
                [part for name, value in facts for part in (html.Dt(name), html.Dd(value))],
                className="wb-event-facts",
            ),
        ],
        className="wb-event",
        **{"data-event-id": str(event["id"])},
    )


def _category_name(category_id: int | None) -> str:
    if category_id is None:
        return "未分类"
    try:
        return api.get(f"/event-categories/{category_id}")["name"]
    except api.ApiError:
        return f"#{category_id}"


def _duplicate_of(state: dict[str, Any]) -> dict[str, Any] | None:
    if state.get("duplicate_of_id") is None:
        return None
    try:
        return api.get(f"/events/{state['duplicate_of_id']}")
    except api.ApiError:  # out of the dispatcher's scope: not shown
        return None


def _duplicates(event_id: int) -> list[dict[str, Any]]:
    try:
        return api.get("/events", duplicate_of_id=event_id, page_size=50)["items"]
    except api.ApiError:
        return []


def _nearby(event: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        return api.get("/event-map", street_id=event.get("street_id"), status=OPEN_STATUSES, limit=300)[
            "features"
        ]
    except api.ApiError:
        return []


@callback(
    Output("wb-prob", "children"),
    Output("wb-target", "options"),
    Output("wb-target", "value"),
    Output("wb-reason", "value"),
    Output("wb-top1", "data"),
    Output("wb-accept", "children"),
    Output("wb-accept", "disabled"),
    Input("wb-selected", "data"),
    Input("wb-refresh", "data"),
)
def show_recommendation(event_id, _refresh):
    if event_id is None:
        return "", [], None, "", None, "采纳推荐", True
    try:
        recommendation = _recommendation(event_id)
    except api.ApiError as error:
        return recommendation_problem(error), [], None, "", None, "采纳推荐", True
    if recommendation is None:
        note = html.Div("该事件不在待分拨状态，没有概率表。", className="text-muted wb-no-table")
        return note, [], None, "", None, "采纳推荐", True
    rows = probability_rows(recommendation["table"])
    top = rows[0] if rows and rows[0]["department_id"] is not None else None
    header = html.Div(
        f"模型 {recommendation['model_name']} v{recommendation['model_version']}"
        + ("（置信度不足，建议人工判断）" if recommendation["abstain"] else ""),
        className="wb-model text-muted",
    )
    accept_text = f"采纳推荐：派往 {top['department']}" if top else "无可采纳的推荐"
    return (
        [header, probability_table(rows)],
        department_options(rows),
        None,
        "",
        top["department_id"] if top else None,
        accept_text,
        top is None,
    )


def _recommendation(event_id: int) -> dict[str, Any] | None:
    """The newest stored table; for an event waiting for dispatch without one, ask the model now."""
    stored = api.get(f"/events/{event_id}/recommendations")
    if stored:
        return stored[0]
    if api.get(f"/events/{event_id}/state")["status"] != "pending_dispatch":
        return None
    return api.send("POST", f"/events/{event_id}/recommendation")


@callback(
    Output("wb-emotion", "children"),
    Input("wb-selected", "data"),
    Input("wb-refresh", "data"),
)
def show_emotion(event_id, _refresh):
    if event_id is None:
        return ""
    try:
        priority = api.get(f"/events/{event_id}/priority")
        event = api.get(f"/events/{event_id}")
    except api.ApiError as error:
        return components.error_alert(error)
    try:
        emotion = api.send("POST", "/emotion", {"text": event["description"]})["results"][0]
    except api.ApiError:  # the words are a help; the priority and reasons stand without them
        emotion = None
    return emotion_panel(priority, emotion)


# ------------------------------------------------------------------ accept / override


@callback(
    Output("wb-message", "children"),
    Output("wb-refresh", "data"),
    Output("wb-selected", "data", allow_duplicate=True),
    Input("wb-accept", "n_clicks"),
    Input("wb-override", "n_clicks"),
    State("wb-selected", "data"),
    State("wb-version", "data"),
    State("wb-top1", "data"),
    State("wb-target", "value"),
    State("wb-reason", "value"),
    State("wb-target", "options"),
    State("wb-refresh", "data"),
    prevent_initial_call=True,
)
def dispatch(_accept, _override, event_id, version, top1, target, reason, options, refresh):
    if event_id is None or not ctx.triggered[0].get("value"):
        return no_update, no_update, no_update
    body: dict[str, Any] = {"version": version, "department_id": top1}
    if ctx.triggered_id == "wb-override":
        if not target:
            return dbc.Alert("请选择改派的部门。", color="warning"), no_update, no_update
        target = int(target)  # a native select gives its values as text
        if target != top1 and not (reason or "").strip():
            return dbc.Alert("改派给非首选部门时请填写理由。", color="warning"), no_update, no_update
        body |= {"department_id": target, "override_reason": (reason or "").strip() or None}
    state, refusal = act(event_id, "dispatch", body)
    if refusal is not None:
        return refusal, (refresh or 0) + 1, no_update
    names = {int(option["value"]): option["label"].split("（")[0] for option in options or []}
    chosen = names.get(state["department_id"], "所选部门")
    return done(f"事件 {state['event_no']} 已派往 {chosen}。"), (refresh or 0) + 1, None
