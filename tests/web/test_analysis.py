"""The analysis pages in the browser: all eight open with data, a click drills down, the CSV is the table."""

import csv
import io

import pytest

from tests.web.conftest import screenshot, wait_for_callbacks

ANALYSES = ("cases", "channels", "keylinks", "matters", "objects", "reviews", "towns", "windows")


def _click_bar(page, index: int = 0) -> None:
    """Click inside a bar (plotly's drag layer lies on top of the bars, so click where the bar is)."""
    box = page.locator("#an-figure .point").nth(index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 4)
    page.wait_for_timeout(300)
    wait_for_callbacks(page)


def _figure_title(page) -> str:
    return page.locator("#an-figure .gtitle").text_content()


def _wait_for_title(page, text: str) -> None:
    """Until the figure's title (SVG text) holds TEXT: the drill-down's answer has been drawn."""
    page.wait_for_function(
        "t => (document.querySelector('#an-figure .gtitle')?.textContent || '').includes(t)", arg=text
    )


def _header_texts(page) -> list[str]:
    cells = page.locator("#an-table th.dash-header .column-header-name")
    return [text.strip() for text in cells.all_inner_texts()]


def test_the_index_lists_the_eight_analyses(signed_in) -> None:
    page = signed_in("leader", "/analysis")
    for name in ANALYSES:
        assert page.locator(f"#an-card-{name}").is_visible(), name
    assert page.locator("#an-warnings").is_visible()  # the leader may read the warning board


@pytest.mark.parametrize("name", ANALYSES)
def test_each_analysis_opens_with_data(signed_in, name: str) -> None:
    page = signed_in("leader", f"/analysis/{name}")
    page.wait_for_selector("#an-figure .point")
    assert page.locator("#an-figure .point").count() > 0
    assert page.locator("#an-table tbody tr:has(td)").count() > 1
    assert page.locator(".api-error").count() == 0
    if name == "cases":
        screenshot(page, "analysis-cases")


def test_a_click_drills_from_departments_to_staff_to_records(signed_in) -> None:
    page = signed_in("leader", "/analysis/cases")
    page.wait_for_selector("#an-figure .point")
    assert "按部门" in _figure_title(page)
    department = page.locator("#an-figure .xtick text").first.text_content()

    _click_bar(page)
    _wait_for_title(page, "按工作人员")
    assert department in page.locator("#an-crumbs").inner_text()  # the trail names the department

    _click_bar(page)
    page.wait_for_selector("#an-table th:has-text('办件编号')")
    assert "明细记录" in page.locator("#an-note").inner_text()

    page.locator("#an-crumbs button.an-crumb").first.click()  # back to the whole district
    wait_for_callbacks(page)
    assert "按部门" in _figure_title(page)


def test_a_table_row_click_drills_too(signed_in) -> None:
    page = signed_in("leader", "/analysis/towns")
    page.wait_for_selector("#an-figure .point")
    assert "镇（街道）" in _figure_title(page)
    page.locator("#an-table tbody tr:has(td)").first.locator("td").nth(4).click()
    _wait_for_title(page, "村（社区）")
    assert "村（社区）" in _figure_title(page)


def test_the_csv_export_has_the_tables_header(signed_in) -> None:
    page = signed_in("leader", "/analysis/reviews")
    page.wait_for_selector("#an-figure .point")
    with page.expect_download() as download:
        page.click("#an-export-csv")
    path = download.value.path()
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = next(row for row in rows if row and not row[0].startswith("#"))
    # The file's header is "中文 machine_name": the words before the name are the table's header.
    assert [cell.rsplit(" ", 1)[0] for cell in header] == _header_texts(page)
    data_rows = rows[rows.index(header) + 1 :]
    assert len(data_rows) == int(page.locator("#an-note").inner_text().split("·")[-1].split()[0])
    assert any("# by" in row[0] and row[1] == "department" for row in rows if row)
