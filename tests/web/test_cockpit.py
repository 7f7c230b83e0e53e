"""The leaders' cockpit on the demo district in headless Chromium: drawn with data at 1920x1080 and at
3840x2160, a drill-down click, the street map, the carousel, and the refusal for a user without the right."""

from tests.web.conftest import screenshot, wait_for_callbacks

DRAWN = """() => {
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  const graphs = [...document.querySelectorAll('.cockpit-screen .dash-graph')];
  return graphs.length > 0 && graphs.every(g => {
    const plot = g.querySelector('.js-plotly-plot');
    return plot && plot._fullData && plot._fullData.length > 0;
  });
}"""


def figure_data(page, graph_id: str) -> list[dict]:
    """The traces plotly drew in GRAPH_ID (type, number of points, name)."""
    return page.evaluate(
        """id => document.querySelector('#' + id + ' .js-plotly-plot')._fullData.map(t => ({
            type: t.type, name: t.name, fill: t.fill,
            n: (t.x || t.values || t.r || [t.value]).length}))""",
        graph_id,
    )


def open_cockpit(signed_in, width: int = 1920, height: int = 1080):
    page = signed_in("leader", "/?carousel=0", width=width, height=height)
    page.click("#cockpit-tab-2")  # load the other screens now rather than after the prefetch delay
    page.click("#cockpit-tab-0")
    page.wait_for_function(DRAWN, timeout=30_000)
    wait_for_callbacks(page)
    page.wait_for_function(  # the screens fade: wait until the first is fully shown
        "() => getComputedStyle(document.querySelector('#cockpit-screen-0')).opacity === '1'"
    )
    return page


def test_cockpit_renders_every_panel_with_data(signed_in) -> None:
    page = open_cockpit(signed_in)
    kpis = page.locator("#cockpit-kpis .kpi-value").all_inner_texts()
    assert len(kpis) == 7 and all(value.strip() not in ("", "—") for value in kpis)
    graphs = page.evaluate("[...document.querySelectorAll('.cockpit-screen .dash-graph')].map(g => g.id)")
    assert len(graphs) == 16
    for graph_id in graphs:
        traces = figure_data(page, graph_id)
        assert traces and any(t["n"] > 0 for t in traces), graph_id
    # No scrollbars: the layout fits the screen exactly.
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert "数据驾驶舱" in page.inner_text(".cockpit-title")
    screenshot(page, "cockpit-1920x1080")


def test_the_map_draws_the_street_polygons_and_events(signed_in) -> None:
    page = open_cockpit(signed_in)
    traces = figure_data(page, "cockpit-map")
    polygons = [t for t in traces if t["fill"] == "toself"]
    assert [t["name"] for t in polygons][:3] == ["云溪街道", "海山街道", "沙港街道"] and len(polygons) == 8
    assert any(t["name"] == "事件" and t["n"] > 10 for t in traces)
    labels = page.locator("#cockpit-map .textpoint").all_text_contents()
    assert any("桥头镇" in label for label in labels)


def test_a_click_on_a_department_drills_down_to_its_staff_then_its_cases(signed_in) -> None:
    page = open_cockpit(signed_in)
    assert not page.is_visible("#cockpit-drill")
    department = page.evaluate(
        "() => document.querySelector('#cockpit-dept-bars .js-plotly-plot')._fullData[0].y[0]"
    )
    # force: plotly's drag layer lies over the bars and takes the click, as it does for a mouse
    page.locator("#cockpit-dept-bars .bars .point path").first.click(force=True)
    page.wait_for_selector("#cockpit-drill.open")
    wait_for_callbacks(page)
    crumbs = page.locator("#cockpit-breadcrumb .cockpit-crumb").all_inner_texts()
    assert crumbs[:2] == ["驾驶舱", "受理数 · 全区"] and department in crumbs[2]
    assert "按人员" in page.inner_text("#cockpit-drill-title")
    staff = figure_data(page, "cockpit-drill-graph")
    assert staff[0]["type"] == "bar" and staff[0]["n"] > 0
    page.locator("#cockpit-drill-graph .bars .point path").first.click(force=True)
    page.wait_for_selector("#cockpit-drill-table .dash-spreadsheet")
    wait_for_callbacks(page)
    assert "明细（办件）" in page.inner_text("#cockpit-drill-title")
    assert page.locator("#cockpit-drill-table td").count() > 0
    # Back up one level with the breadcrumb, then close.
    page.locator("#cockpit-breadcrumb .cockpit-crumb").nth(2).click()
    page.wait_for_function(
        "() => document.querySelector('#cockpit-drill-title').innerText.includes('按人员')"
    )
    page.click("#cockpit-drill-close")
    page.wait_for_selector("#cockpit-drill", state="hidden")


def test_a_click_on_a_street_drills_to_its_communities(signed_in) -> None:
    page = open_cockpit(signed_in)
    page.click("#cockpit-tab-1")
    page.wait_for_selector("#cockpit-screen-1.active")
    page.locator("#cockpit-street-bars .bars .point path").first.click(force=True)
    page.wait_for_selector("#cockpit-drill.open")
    wait_for_callbacks(page)
    assert "按社区" in page.inner_text("#cockpit-drill-title")
    assert figure_data(page, "cockpit-drill-graph")[0]["n"] > 0


def test_the_carousel_turns_the_screens(signed_in) -> None:
    page = signed_in("leader", "/")
    assert "active" in page.get_attribute("#cockpit-screen-0", "class")
    page.wait_for_selector("#cockpit-screen-1.active", timeout=30_000)  # one turn every 20 s
    assert "active" not in page.get_attribute("#cockpit-screen-0", "class")
    assert "active" in page.get_attribute("#cockpit-tab-1", "class")
    page.click("#cockpit-pause")
    assert page.inner_text("#cockpit-pause") == "继续轮播"


def test_cockpit_scales_to_a_4k_wall(signed_in) -> None:
    page = open_cockpit(signed_in, 3840, 2160)
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    title_px = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.cockpit-title')).fontSize)"
    )
    assert title_px > 60  # twice the 1920 wall's 33.6 px: the layout scaled, not just stretched
    screenshot(page, "cockpit-3840x2160")


def test_a_user_without_the_cockpit_sees_the_refusal(signed_in) -> None:
    page = signed_in("dept_handler", "/")
    assert "您的角色不能查看此页面" in page.inner_text(".forbidden")
    assert page.locator("#cockpit-kpis").count() == 0
