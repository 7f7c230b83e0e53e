"""The analysis pages' pure parts: API parameters, drill steps, headers like the export's, figures."""

from datetime import date

from dashboards import analysis_view as av
from dashboards import graph_associations as ga
from dashboards import graph_models as gm

INFO = {
    "name": "cases",
    "title": "办件效能分析",
    "section": "3.2.2.2",
    "dimensions": ["department", "staff", "channel"],
    "drill": ["department", "staff"],
    "compare": True,
    "indicators": [
        {"name": "accepted_count", "label": "受理数", "unit": "count", "appraisal": False, "listable": True},
        {"name": "on_time_rate", "label": "期内办结率", "unit": "rate", "appraisal": False, "listable": True},
        {"name": "median_days", "label": "中位用时", "unit": "days", "appraisal": False, "listable": False},
    ],
}


def _rows(by: str, keys: list[tuple[int, str, int]], period: str = "2026-11") -> list[dict]:
    return [
        {"period": period, "period_from": "2026-11-01", "period_to": "2026-12-01", by: k, f"{by}_name": n,
         "accepted_count": v}
        for k, n, v in keys
    ]  # fmt: skip


def test_the_default_view_is_this_month_by_the_first_drill_level() -> None:
    view = av.default_view(INFO, date(2026, 11, 24))
    assert view == {
        "granularity": "month",
        "from": "2026-11-01",
        "to": "2026-11-30",
        "by": "department",
        "filters": {},
        "indicator": "accepted_count",
    }


def test_api_parameters_end_the_day_after_the_last_and_carry_filters() -> None:
    view = av.default_view(INFO, date(2026, 12, 5)) | {
        "filters": {"department": {"value": 7, "label": "税务局"}}
    }
    assert av.api_params(view, format="csv") == {
        "granularity": "month",
        "from": "2026-12-01",
        "to": "2027-01-01",
        "by": "department",
        "department": 7,
        "format": "csv",
    }
    records = av.api_params(view | {"by": av.RECORDS})
    assert records["by"] == "cases" and records["indicator"] == "accepted_count"


def test_drill_goes_department_then_staff_then_records() -> None:
    view = av.default_view(INFO, date(2026, 11, 24))
    staff = av.drill(INFO, view, 7, "税务局")
    assert staff["by"] == "staff" and staff["filters"] == {"department": {"value": 7, "label": "税务局"}}
    records = av.drill(INFO, staff, 95, "张**")
    assert records["by"] == av.RECORDS and set(records["filters"]) == {"department", "staff"}
    assert av.drill(INFO, records, 1, "x") is None  # nothing below the records


def test_drill_stops_where_the_indicator_has_no_records() -> None:
    view = av.default_view(INFO, date(2026, 11, 24)) | {"by": "staff", "indicator": "median_days"}
    assert av.drill(INFO, view, 95, "张**") is None
    assert av.drill(INFO, view | {"by": "department"}, None, "—") is None  # an unnamed key is no way down


def test_a_period_of_the_total_drills_into_that_period() -> None:
    view = av.default_view(INFO, date(2026, 11, 24)) | {"by": "", "from": "2026-01-01", "to": "2026-11-30"}
    row = {"period": "2026-03", "period_from": "2026-03-01", "period_to": "2026-04-01"}
    below = av.drill(INFO, view, None, "", row)
    assert (below["from"], below["to"], below["by"]) == ("2026-03-01", "2026-03-31", "department")


def test_headers_use_the_exports_words() -> None:
    labels = [
        av.column_label(INFO, ["department"], c)
        for c in (
            "period",
            "period_to",
            "department",
            "department_name",
            "accepted_count",
            "on_time_rate_yoy",
        )
    ]
    assert labels == ["周期", "结束（不含）", "部门ID", "部门", "受理数", "期内办结率同比"]
    assert (
        av.column_unit(INFO, "on_time_rate") == "rate"
        and av.column_unit(INFO, "accepted_count_pop") == "change"
    )


def test_bars_follow_the_grouping_biggest_first_with_keys_to_click() -> None:
    view = av.default_view(INFO, date(2026, 11, 24))
    fig = av.figure(INFO, view, _rows("department", [(1, "市场监管局", 5), (2, "税务局", 9)]))
    (bars,) = fig.data
    assert list(bars.x) == ["税务局", "市场监管局"] and list(bars.y) == [9, 5]
    assert [c[0] for c in bars.customdata] == [2, 1]
    assert "按部门" in fig.layout.title.text


def test_the_total_over_several_periods_is_a_trend_line() -> None:
    view = av.default_view(INFO, date(2026, 11, 24)) | {"by": "", "indicator": "on_time_rate"}
    rows = [{"period": p, "on_time_rate": r} for p, r in (("2026-10", 0.9), ("2026-11", 0.95))]
    fig = av.figure(INFO, view, rows)
    assert fig.data[0].type == "scatter" and fig.layout.yaxis.tickformat == ".0%"


def test_no_rows_say_so() -> None:
    view = av.default_view(INFO, date(2026, 11, 24))
    assert av.figure(INFO, view, []).layout.annotations[0].text == "本期没有数据"


GRAPH = {
    "nodes": [
        {
            "id": 1,
            "name": "出生登记",
            "department_id": 1,
            "department_name": "公安",
            "subjects": 50,
            "community": 9,
        },
        {
            "id": 2,
            "name": "医保参保",
            "department_id": 2,
            "department_name": "医保",
            "subjects": 40,
            "community": 9,
        },
        {
            "id": 3,
            "name": "户口迁移",
            "department_id": 1,
            "department_name": "公安",
            "subjects": 10,
            "community": None,
        },
    ],
    "edges": [{"source": 1, "target": 2, "weight": 0.4}, {"source": 2, "target": 3, "weight": 0.1}],
    "communities": [{"bundle_id": 9, "name": "新生儿出生一件事", "matters": [1, 2]}],
}


def test_the_graph_layout_is_the_same_every_time() -> None:
    assert ga.positions(GRAPH) == ga.positions(GRAPH)


def test_the_graph_draws_edges_and_one_trace_per_community() -> None:
    fig = ga.figure(GRAPH, selected=2)
    edges, bundle, ungrouped = fig.data
    assert len(edges.x) == 6  # two segments, each closed by None
    assert bundle.name == "新生儿出生一件事" and [c[0] for c in bundle.customdata] == [1, 2]
    assert ungrouped.name == ga.UNGROUPED and ungrouped.marker.color == ga.UNGROUPED_COLOR
    assert list(bundle.marker.line.width) == [0.5, 3]  # the selected matter is ringed


def test_a_bundle_row_spells_out_the_best_path() -> None:
    bundle = {
        "id": 9, "name": "新生儿", "status": "candidate", "score": 15.4508, "lead_department_name": "卫健局",
        "items": [{"matter_id": 1, "name": "出生医学证明", "seq": 1},
                  {"matter_id": 2, "name": "出生登记", "seq": 2}],
        "path": [2, 1], "evidence": {"subjects": 268, "path_share": 0.2463, "mean_lift": 15.8265},
    }  # fmt: skip
    row = ga.bundle_row(bundle)
    assert row["path"] == "出生登记 → 出生医学证明"
    assert (row["status"], row["score"], row["path_share"], row["mean_lift"]) == (
        "候选",
        15.45,
        "24.6%",
        15.83,
    )


def test_the_accept_rate_figure_stacks_decisions_and_draws_the_rate() -> None:
    days = [
        {"day": "2026-11-23", "accepted": 3, "overridden": 1, "auto": 2, "accept_rate": 0.75},
        {"day": "2026-11-24", "accepted": 0, "overridden": 0, "auto": 0, "accept_rate": None},
    ]
    fig = gm.acceptance_figure(days)
    assert [t.name for t in fig.data] == ["采纳", "改派", "模型自动派遣", "采纳率"]
    assert list(fig.data[3].y) == [0.75, None] and fig.layout.barmode == "stack"
    assert gm.acceptance_figure([days[1]]).layout.annotations[0].text == "这段时间没有派遣决定"


def test_version_rows_show_headline_metrics() -> None:
    versions = [
        {"version": "2", "aliases": ["challenger"], "created_at": "2026-11-24T08:49:07Z", "status": "READY",
         "metrics": {"eval_macro_f1": 0.86123, "cv_x": 1.0}},
        {"version": "1", "aliases": ["champion"], "created_at": "2026-11-20T08:00:00Z", "status": "READY",
         "metrics": {"eval_macro_f1": 0.81}},
    ]  # fmt: skip
    metrics = gm.metric_columns(versions)
    assert metrics == ["eval_macro_f1"]
    first = gm.version_rows(versions, metrics)[0]
    assert first == {
        "version": "v2",
        "aliases": "挑战者 challenger",
        "created_at": "2026-11-24 16:49",
        "status": "READY",
        "eval_macro_f1": 0.8612,
    }
