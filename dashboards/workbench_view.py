"""What the dispatcher workbench shows, built from the API's answers: queue cards, the probability table,
the emotion panel, the duplicates and the location plot. No API calls here, so each piece is testable."""

import json
import math
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from dashboards import components
from dashboards.events_countdown import countdown_span
from dashboards.labels import POLARITY, PRIORITY, PRIORITY_COLOR, RISK, SOURCE, label, reason_text

STREETS_FILE = Path(__file__).parent / "geo" / "streets.geojson"


def priority_badge(priority: str) -> dbc.Badge:
    return dbc.Badge(label(PRIORITY, priority), color=PRIORITY_COLOR.get(priority, "secondary"))


def queue_card(item: dict[str, Any], now: datetime, selected: int | None) -> html.Button:
    """One waiting event: priority, number, title, the model's first choice and its countdown."""
    top = item.get("top1_department_name")
    guess = f"推荐：{top} {item['top1_probability']:.0%}" if top else "尚无推荐"
    start = item.get("accepted_at") or item.get("reported_at")
    classes = "wb-item list-group-item list-group-item-action" + (" active" if item["id"] == selected else "")
    return html.Button(
        [
            html.Div(
                [
                    priority_badge(item["priority"]),
                    html.Span(item["event_no"], className="wb-item-no"),
                    countdown_span("wb", item["id"], item.get("due_at"), start, now),
                ],
                className="wb-item-head",
            ),
            html.Div(item["title"], className="wb-item-title"),
            html.Div(
                [html.Span(label(SOURCE, item["source"])), html.Span(guess)],
                className="wb-item-foot",
            ),
        ],
        id={"type": "wb-item", "index": item["id"]},
        className=classes,
        **{"data-event-id": str(item["id"]), "data-priority": item["priority"]},
    )


def probability_rows(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table's departments, most probable first, ranked from 1."""
    ordered = sorted(table, key=lambda row: row["probability"], reverse=True)
    return [
        {
            "rank": rank,
            "department_id": row.get("department_id"),
            "department": row.get("department_name") or row.get("department_code") or "（未知部门）",
            "probability": float(row["probability"]),
            "ruling": row.get("ruling_id") is not None,
        }
        for rank, row in enumerate(ordered, start=1)
    ]


def probability_table(rows: list[dict[str, Any]]) -> html.Div:
    """Every department with its probability as a number and a bar; the first one stands out."""
    body = [
        html.Tr(
            [
                html.Td(row["rank"], className="wb-rank"),
                html.Td([row["department"], " ⚖" if row["ruling"] else ""]),
                html.Td(
                    html.Div(
                        html.Div(
                            className="wb-bar-fill", style={"width": f"{row['probability'] * 100:.1f}%"}
                        ),
                        className="wb-bar",
                    ),
                    className="wb-bar-cell",
                ),
                html.Td(f"{row['probability']:.1%}", className="wb-prob"),
            ],
            className="wb-prob-row" + (" wb-top" if row["rank"] == 1 else ""),
            **{"data-probability": repr(row["probability"]), "data-department-id": str(row["department_id"])},
        )
        for row in rows
    ]
    head = html.Thead(html.Tr([html.Th("#"), html.Th("处置部门"), html.Th("匹配度"), html.Th("概率")]))
    return html.Div(
        html.Table([head, html.Tbody(body)], className="table table-sm wb-prob-table"),
        className="wb-prob-scroll",
    )


def recommendation_problem(error: Exception) -> dbc.Alert:
    """Why there is no probability table: no model registered (503) says what to do; others as they are."""
    if getattr(error, "status", None) == 503:
        return dbc.Alert(
            "暂无可用的分拨模型，无法给出概率表；请人工选择处置部门，或请数据科学家训练并注册模型。",
            color="warning",
            className="wb-no-model",
        )
    return components.error_alert(error)


def department_options(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The departments a dispatcher may choose instead: every known one of the table, with its share."""
    return [
        {"label": f"{row['department']}（{row['probability']:.1%}）", "value": row["department_id"]}
        for row in rows
        if row["department_id"] is not None
    ]


def emotion_panel(priority: dict[str, Any], emotion: dict[str, Any] | None) -> html.Div:
    """Priority with its reasons, polarity and score, urgency/importance, risk tags and key words."""
    score = priority.get("emotion_score")
    facts = [
        ("优先级", priority_badge(priority["priority"])),
        (
            "情绪",
            f"{label(POLARITY, priority.get('emotion_polarity'))}"
            + (f"（{score:+.2f}）" if score is not None else ""),
        ),
        ("紧急", "是" if priority.get("urgency") else "否"),
        ("重要", "是" if priority.get("importance") else "否"),
        ("风险", "、".join(label(RISK, tag) for tag in priority.get("risk_tags") or []) or "无"),
    ]
    reasons = priority.get("priority_reasons") or []
    words = [w["word"] for w in (emotion or {}).get("root_words", [])][:8]
    return html.Div(
        [
            html.Dl(
                [part for name, value in facts for part in (html.Dt(name), html.Dd(value))],
                className="wb-facts",
            ),
            html.Div("判定依据", className="wb-subhead"),
            html.Ul(
                [html.Li(reason_text(r)) for r in reasons] or [html.Li("无（一般事件）")],
                className="wb-reasons",
            ),
            html.Div("情绪关键词", className="wb-subhead"),
            html.Div(
                [dbc.Badge(w, color="dark", className="me-1 wb-word") for w in words] or "无",
                className="wb-words",
            ),
        ],
        className="wb-emotion",
    )


def duplicates_panel(duplicate_of: dict[str, Any] | None, duplicates: list[dict[str, Any]]) -> html.Div:
    """The event this one repeats, and the reports linked to it as repeats, each a link to open it."""
    items = []
    if duplicate_of:
        items.append(html.Li(["本事件疑似重复：", _event_link(duplicate_of)]))
    items += [html.Li(["重复上报：", _event_link(d)]) for d in duplicates]
    if not items:
        return html.Div("无重复上报", className="text-muted wb-no-duplicates")
    return html.Ul(items, className="wb-duplicates")


def _event_link(event: dict[str, Any]) -> dcc.Link:
    return dcc.Link(f"{event['event_no']} {event.get('title', '')}", href=f"/workbench?event={event['id']}")


@cache
def street_outlines() -> tuple[tuple[list[float], list[float]], ...]:
    """The district's street borders (local GeoJSON) as lon/lat line pieces; none if the file is missing."""
    try:
        features = json.loads(STREETS_FILE.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError):
        return ()
    pieces = []
    for feature in features:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        )
        for polygon in filter(None, polygons):  # an empty shape draws nothing
            ring = polygon[0]
            pieces.append(([p[0] for p in ring], [p[1] for p in ring]))
    return tuple(pieces)


def location_figure(event: dict[str, Any], nearby: list[dict[str, Any]]) -> go.Figure:
    """The event on a plain lon/lat plane with the street borders and nearby open events (no map tiles)."""
    if event.get("lon") is None or event.get("lat") is None:
        return components.empty_figure("该事件没有坐标")
    figure = go.Figure()
    for lons, lats in street_outlines():
        figure.add_trace(
            go.Scatter(
                x=lons,
                y=lats,
                mode="lines",
                line={"color": "rgba(120,160,220,0.45)", "width": 1},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    others = [f for f in nearby if f["id"] != event["id"]]
    if others:
        figure.add_trace(
            go.Scatter(
                x=[f["geometry"]["coordinates"][0] for f in others],
                y=[f["geometry"]["coordinates"][1] for f in others],
                mode="markers",
                marker={"size": 6, "color": "#94a3b8", "opacity": 0.7},
                text=[f"{f['properties']['event_no']} {f['properties']['title']}" for f in others],
                hoverinfo="text",
                name="附近事件",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=[event["lon"]],
            y=[event["lat"]],
            mode="markers",
            marker={"size": 16, "color": "#ff6b6b", "symbol": "star", "line": {"color": "#fff", "width": 1}},
            text=[event.get("address") or event["event_no"]],
            hoverinfo="text",
            name="本事件",
        )
    )
    figure.update_layout(
        template=components.TEMPLATE,
        margin={"l": 4, "r": 4, "t": 4, "b": 4},
        showlegend=False,
        xaxis={"visible": False},
        # A degree of latitude is longer than one of longitude by 1/cos(latitude).
        yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(event["lat"]))},
        dragmode="pan",
    )
    return figure
