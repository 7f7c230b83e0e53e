"""The cockpit's pure pieces: figure builders, number formats, the street polygons and the drill-down."""

import pytest

from dashboards import cockpit_drill as drill
from dashboards import cockpit_figures as figures


def test_period_change_and_last_periods_value_from_the_analytics_pop() -> None:
    assert figures.period_change(110, 100) == pytest.approx(0.10)
    assert figures.period_change(5, 0) is None and figures.period_change(None, 3) is None
    # counts: _pop is relative; rates: _pop is the difference in points
    assert figures.previous_value(120, 0.2, "count") == pytest.approx(100)
    assert figures.previous_value(0.9, 0.05, "rate") == pytest.approx(0.85)
    assert figures.previous_value(3, None, "count") is None


def test_values_are_formatted_for_the_big_screen() -> None:
    assert figures.format_value(12345, "count") == "12,345"
    assert figures.format_value(0.9512, "rate") == "95.1%"
    assert figures.format_value(3.25, "days") == "3.2 天"
    assert figures.format_value(None, "rate") == "—"


def test_bars_keep_the_largest_on_top_with_their_keys() -> None:
    figure = figures.bars(["甲", "乙", "丙", "丁"], [5, 20, None, 10], [1, 2, 3, 4], top=2)
    bar = figure.data[0]
    assert list(bar.x) == [10, 20]  # plotly draws the first category at the bottom
    assert list(bar.customdata) == [4, 2]
    lowest = figures.bars(["甲", "乙", "丁"], [0.5, 0.99, 0.7], [1, 2, 4], top=2, lowest=True, unit="rate")
    assert list(lowest.data[0].customdata) == [1, 4]  # the two smallest, the smaller at the bottom
    assert set(lowest.data[0].text) == {"50.0%", "70.0%"}


def test_short_names_drop_the_district_and_cut_long_ones() -> None:
    assert figures.short("云溪区市场监督管理局") == "市场监督管理局"
    assert figures.short("政务服务和数据管理局很长的名字") == "政务服务和数据管…"


def test_ring_writes_the_total_in_the_hole() -> None:
    figure = figures.ring(["窗口", "网办"], [30, 70], ["window", "pc_web"])
    assert figure.data[0].hole == 0.6 and list(figure.data[0].customdata) == ["window", "pc_web"]
    assert figure.layout.annotations[0].text == "100"


def test_gauge_shows_percent_and_scales_its_font() -> None:
    small, big = figures.gauge(0.953), figures.gauge(0.953, scale=2)
    assert small.data[0].value == pytest.approx(95.3)
    assert big.data[0].number.font.size == 2 * small.data[0].number.font.size
    assert figures.gauge(None).data[0].value == 0


def test_radar_closes_its_polygons_and_compares_with_last_month() -> None:
    current = {name: 0.1 for name, _ in figures.RADAR_AXES}
    figure = figures.radar(current, {})
    last, this = figure.data
    assert (last.name, this.name) == ("上月", "本月")
    assert len(this.r) == len(figures.RADAR_AXES) + 1 and this.r[0] == this.r[-1] == pytest.approx(10)
    assert list(last.r) == [0] * (len(figures.RADAR_AXES) + 1)
    assert this.customdata[0] == figures.RADAR_AXES[0][0]


def test_trend_has_one_line_per_series_on_a_category_axis() -> None:
    figure = figures.trend(
        {"东和街道": [("2026-10", 5), ("2026-11", 7)], "桥头镇": [("2026-11", 2)]}, {"东和街道": 29}
    )
    assert [t.name for t in figure.data] == ["东和街道", "桥头镇"]
    assert list(figure.data[0].customdata) == [29, 29] and figure.layout.xaxis.type == "category"


def test_the_shipped_streets_are_the_seeded_streets_with_polygons() -> None:
    from core_app.seed.vocab_org import STREETS

    geojson = figures.streets()
    names = [f["properties"]["name"] for f in geojson["features"]]
    assert names == [street[0] for street in STREETS]
    for feature in geojson["features"]:
        rings = list(figures._rings(feature["geometry"]))
        assert rings and all(len(ring) >= 4 and ring[0] == ring[-1] for ring in rings)


def test_street_map_colours_streets_by_heat_and_keeps_proportions() -> None:
    geojson = figures.streets()
    names = [f["properties"]["name"] for f in geojson["features"]]
    heat = {names[0]: 100, names[1]: 10}
    figure = figures.street_map(
        geojson, heat, [{"lon": 114.26, "lat": 22.59, "title": "t", "street": names[0]}]
    )
    polygons = figure.data[: len(names)]
    assert all(t.fill == "toself" and t.hoveron == "fills" for t in polygons)
    assert polygons[0].fillcolor == figures.heat_colors([100])[0]  # the hottest street: the top colour
    assert polygons[0].fillcolor != polygons[1].fillcolor
    assert figure.layout.yaxis.scaleanchor == "x" and figure.layout.yaxis.scaleratio > 1
    assert figure.layout.xaxis.visible is False
    assert not any(t.type in ("scattergeo", "choropleth", "scattermap") for t in figure.data)


def test_drill_goes_down_department_staff_then_cases_and_back_up() -> None:
    state = drill.analytics_state("cases", "accepted_count", "受理数")
    assert drill.request(state) == (
        "/analytics/cases",
        {"granularity": "month", "by": "department"},
    )
    state = drill.descend(state, 5, "市场监督管理局")
    assert drill.request(state)[1] == {"granularity": "month", "by": "staff", "department": 5}
    state = drill.descend(state, 17, "李**")
    path, params = drill.request(state)
    assert drill.at_records(state) and params["by"] == "cases" and params["indicator"] == "accepted_count"
    assert params["department"] == 5 and params["staff"] == 17
    assert drill.descend(state, 99, "x") == state  # nothing below the records
    assert drill.breadcrumb(state) == ["受理数 · 全区", "市场监督管理局", "李**"]
    assert drill.ascend(state, 1)["steps"] == [{"id": 5, "name": "市场监督管理局"}]


def test_event_drill_goes_street_community_events_within_a_month() -> None:
    state = drill.events_state(steps=((3, "云溪街道"),), period=drill.month_bounds("2026-03"))
    path, params = drill.request(state)
    assert path == "/event-map/heat"
    assert params == {"level": "community", "street_id": 3, "from": "2026-03-01", "to": "2026-04-01"}
    state = drill.descend(state, 4, "云溪社区")
    path, params = drill.request(state)
    assert path == "/events" and params["street_id"] == 3 and params["region_id"] == 4
    assert params["reported_at_from"] == "2026-03-01" and params["reported_at_to"] == "2026-04-01"


def test_bar_rows_read_analytics_rows_and_heat_features() -> None:
    state = drill.analytics_state("towns", "received_count", "收件数", levels=("town", "village"))
    answer = {"rows": [{"town": 3, "town_name": "云溪街道", "received_count": 7}, {"town": None}]}
    assert drill.bar_rows(state, answer) == [(3, "云溪街道", 7)]
    heat = {"features": [{"properties": {"region_id": 4, "name": "云溪社区", "count": 2}}]}
    assert drill.bar_rows(drill.events_state(), heat) == [(4, "云溪社区", 2)]
    assert drill.month_bounds("2026-12") == ("2026-12-01", "2027-01-01")
