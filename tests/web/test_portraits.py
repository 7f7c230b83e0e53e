"""Portraits and the association graph in the browser."""

from playwright.sync_api import expect

from tests.web.conftest import screenshot, wait_for_callbacks


def test_portraits_list_rows_filter_by_tag_and_show_a_detail(signed_in) -> None:
    page = signed_in("leader", "/portraits")
    page.wait_for_selector("#pt-table tbody tr:has(td) td")
    assert page.locator("#pt-table tbody tr:has(td)").count() > 5
    everyone = page.locator("#pt-summary").inner_text()

    page.locator("#pt-tags").click()
    page.locator(".dash-dropdown-option", has_text="高频办事").first.click()
    page.keyboard.press("Escape")
    expect(page.locator("#pt-summary")).not_to_have_text(everyone)  # the filtered list has arrived
    wait_for_callbacks(page)
    assert "高频办事" in page.locator("#pt-table tbody tr:has(td)").first.inner_text()

    page.locator("#pt-table tbody tr:has(td)").first.locator("td").nth(1).click()
    page.wait_for_selector("#pt-detail-card")
    card = page.locator("#pt-detail-card")
    assert card.is_visible()
    assert "高频办事" in card.locator(".pt-tags").inner_text()

    page.click("#pt-kind a:has-text('人员画像')")  # staff portraits have score parts
    page.wait_for_selector("#pt-summary:has-text('人员画像')")
    wait_for_callbacks(page)
    page.locator("#pt-table tbody tr:has(td)").first.locator("td").nth(1).click()
    page.wait_for_selector("#pt-detail-card:has-text('评分构成')")
    screenshot(page, "portraits-staff")


def test_portraits_csv_export(signed_in) -> None:
    page = signed_in("leader", "/portraits")
    page.wait_for_selector("#pt-table tbody tr:has(td) td")
    with page.expect_download() as download:
        page.click("#pt-export")
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "评分 score" in text and "# table,portraits" in text


def test_association_graph_has_nodes_and_a_click_shows_the_matters_rules(signed_in) -> None:
    page = signed_in("leader", "/associations")
    page.wait_for_selector("#as-graph .point")
    assert page.locator("#as-graph .point").count() > 10
    assert "全部" in page.locator("#as-rules-title").inner_text()
    assert page.locator("#as-bundles tbody tr:has(td)").count() > 1

    node = page.locator("#as-graph .point").nth(5)
    box = node.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    wait_for_callbacks(page)
    title = page.locator("#as-rules-title").inner_text()
    assert title.startswith("「") and "的关联规则" in title
    matter = title[1 : title.index("」")]
    rows = page.locator("#as-rules tbody tr:has(td)")
    assert rows.count() > 0
    for index in range(min(rows.count(), 5)):
        assert matter in rows.nth(index).inner_text()  # the matter is on one side of every rule
    screenshot(page, "associations")
