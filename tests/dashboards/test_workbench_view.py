"""The workbench's pure pieces: countdown text and colour, the probability table, reasons, the map."""

from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go

from dashboards.events_actions import refusal_text
from dashboards.events_countdown import clock_text, countdown, deadlines, local_time
from dashboards.gateway import ApiError
from dashboards.labels import reason_text
from dashboards.workbench_view import (
    department_options,
    duplicates_panel,
    location_figure,
    probability_rows,
    queue_card,
    recommendation_problem,
)

NOW = datetime(2026, 11, 24, 9, 0, 0, tzinfo=UTC)


def test_clock_text_grows_from_minutes_to_hours_to_days() -> None:
    assert clock_text(0) == "00:00"
    assert clock_text(65) == "01:05"
    assert clock_text(3599) == "59:59"
    assert clock_text(3600 + 62) == "1:01:02"
    assert clock_text(2 * 86400 + 3 * 3600 + 4 * 60 + 5) == "2天03:04:05"


def test_a_countdown_is_plain_then_amber_in_the_last_fifth_then_red_and_counting_up() -> None:
    start = NOW - timedelta(minutes=10)
    due = start + timedelta(minutes=30)  # 20 minutes left of 30
    assert countdown(due, NOW, start) == ("剩余 20:00", "countdown ok")
    assert countdown(due, due - timedelta(minutes=6), start) == ("剩余 06:00", "countdown soon")
    assert countdown(due, due - timedelta(minutes=6, seconds=1), start)[1] == "countdown ok"
    assert countdown(due, due + timedelta(minutes=2, seconds=5), start) == (
        "已超时 02:05",
        "countdown overdue",
    )


def test_a_countdown_reads_the_apis_iso_timestamps_and_says_when_there_is_no_limit() -> None:
    assert countdown("2026-11-24T17:30:00+08:00", NOW, "2026-11-24T17:00:00+08:00")[0] == "剩余 30:00"
    assert countdown(None, NOW) == ("无时限", "countdown none")
    # Without a start there is no share of the limit to judge: never amber, still red when late.
    assert countdown(NOW + timedelta(seconds=5), NOW)[1] == "countdown ok"


def test_deadlines_are_keyed_by_the_countdowns_index_as_text() -> None:
    rows = [{"id": 7, "due_at": "2026-11-24T17:30:00+08:00", "accepted_at": "2026-11-24T17:00:00+08:00"}]
    assert deadlines(rows, key="id", due="due_at", start="accepted_at") == {
        "7": ["2026-11-24T17:30:00+08:00", "2026-11-24T17:00:00+08:00"]
    }


def test_local_time_is_the_districts_clock() -> None:
    assert local_time("2026-11-24T09:05:00+00:00") == "11-24 17:05"
    assert local_time(None) == "—"


def test_probability_rows_rank_departments_most_probable_first() -> None:
    table = [
        {"department_id": 2, "department_name": "水务局", "department_code": "W", "probability": 0.2},
        {"department_id": 1, "department_name": "住建局", "department_code": "R", "probability": 0.7},
        {"department_id": None, "department_name": None, "department_code": "OLD", "probability": 0.1},
    ]
    rows = probability_rows(table)
    assert [(r["rank"], r["department"]) for r in rows] == [(1, "住建局"), (2, "水务局"), (3, "OLD")]
    assert abs(sum(r["probability"] for r in rows) - 1) < 1e-9
    # A label naming no department cannot be chosen.
    assert [o["value"] for o in department_options(rows)] == [1, 2]
    assert department_options(rows)[0]["label"] == "住建局（70.0%）"


def test_priority_reasons_read_in_chinese() -> None:
    assert reason_text({"code": "urgent_words", "detail": "危险、立即"}) == "紧急词：危险、立即"
    assert reason_text({"code": "repeat_contact", "detail": "6 earlier reports within 30 days"}) == (
        "30天内重复上报 6 次"
    )
    assert (
        reason_text({"code": "category_severity", "detail": "category of high severity"}) == "类别严重程度高"
    )
    assert reason_text({"code": "something_new", "detail": "新的理由"}) == "新的理由"


def test_the_location_plot_is_a_plain_lon_lat_plane_with_the_event_marked() -> None:
    event = {"id": 1, "event_no": "SJ1", "lon": 114.26, "lat": 22.58, "address": "云溪街道****"}
    nearby = [
        {
            "id": 2,
            "geometry": {"coordinates": [114.27, 22.59]},
            "properties": {"event_no": "SJ2", "title": "x"},
        },
        {
            "id": 1,
            "geometry": {"coordinates": [114.26, 22.58]},
            "properties": {"event_no": "SJ1", "title": "y"},
        },
    ]
    figure = location_figure(event, nearby)
    assert all(isinstance(trace, go.Scatter) for trace in figure.data)  # no geo or map-tile traces
    marked = figure.data[-1]
    assert list(marked.x) == [114.26] and list(marked.y) == [22.58]
    assert list(figure.data[-2].x) == [114.27]  # the event itself is not also drawn as a neighbour
    assert figure.layout.yaxis.scaleanchor == "x" and figure.layout.yaxis.scaleratio > 1


def test_an_event_without_coordinates_says_so() -> None:
    figure = location_figure({"id": 1, "event_no": "SJ1", "lon": None, "lat": None}, [])
    assert figure.layout.annotations[0].text == "该事件没有坐标"


def test_duplicates_link_to_the_events_they_name() -> None:
    panel = duplicates_panel(
        {"id": 5, "event_no": "SJ5", "title": "原"}, [{"id": 9, "event_no": "SJ9", "title": "重"}]
    )
    links = [item.children[1] for item in panel.children]
    assert [link.href for link in links] == ["/workbench?event=5", "/workbench?event=9"]
    assert duplicates_panel(None, []).children == "无重复上报"


def test_a_queue_card_carries_its_id_priority_and_the_models_first_choice() -> None:
    item = {
        "id": 4,
        "event_no": "SJ4",
        "title": "燃气泄漏",
        "priority": "p1",
        "source": "mobile",
        "top1_department_name": "燃气公司",
        "top1_probability": 0.93,
        "accepted_at": "2026-11-24T16:55:00+08:00",
        "reported_at": "2026-11-24T16:50:00+08:00",
        "due_at": "2026-11-24T17:25:00+08:00",
    }
    card = queue_card(item, NOW, selected=4)
    assert card.id == {"type": "wb-item", "index": 4} and "active" in card.className
    text = str(card.to_plotly_json())
    assert "推荐：燃气公司 93%" in text and "剩余 25:00" in text


def test_without_a_model_the_table_says_what_to_do_instead() -> None:
    alert = recommendation_problem(ApiError(503, "Service Unavailable", "no dispatch model is registered"))
    assert "暂无可用的分拨模型" in alert.children and alert.className == "wb-no-model"
    other = recommendation_problem(ApiError(404, "Not Found", "Event 9 does not exist"))
    assert other.className == "api-error" and "Event 9 does not exist" in other.children


def test_refusals_read_as_what_changed_or_which_field_is_wrong() -> None:
    stale = ApiError(409, "Conflict", "the event changed since version 3 (now 4); reload it")
    assert refusal_text(stale).startswith("事件状态已变化")
    missing = ApiError(422, "Unprocessable", "", [{"field": "body.override_reason", "reason": "is required"}])
    assert refusal_text(missing) == "输入有误（422）：改派理由：is required"
