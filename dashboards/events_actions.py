"""Taking an action on an event (POST /events/{id}/<action>) from a page, with the answer as a message."""

from typing import Any

import dash_bootstrap_components as dbc

from dashboards import api
from dashboards.labels import FIELD


def refusal_text(error: api.ApiError) -> str:
    """Why the API refused, in the page's words: what changed (409) or which field is wrong and why."""
    if error.status == 409:
        return f"事件状态已变化（可能已被他人处理），已重新载入。（{error.detail or error.title}）"
    fields = "；".join(
        f"{FIELD.get(str(e.get('field', '')).split('.')[-1], e.get('field'))}：{e.get('reason')}"
        for e in error.errors
    )
    head = {403: "没有权限", 404: "事件不存在或不在您的范围内", 422: "输入有误", 503: "暂不可用"}
    return f"{head.get(error.status, '操作失败')}（{error.status}）：{fields or error.detail or error.title}"


def act(event_id: int, action: str, body: dict[str, Any]) -> tuple[dict | None, dbc.Alert | None]:
    """Take ACTION; the event's new state, or None and an alert saying why not."""
    path = f"/events/{event_id}/{action.replace('_', '-')}"
    try:
        return api.send("POST", path, {k: v for k, v in body.items() if v is not None}), None
    except api.ApiError as error:
        color = "warning" if error.status == 409 else "danger"
        return None, dbc.Alert(refusal_text(error), color=color, className="api-error action-refused")


def done(text: str) -> dbc.Alert:
    return dbc.Alert(text, color="success", className="action-done", duration=8000)
