"""The back office in the browser: each section lists its records, edits reach the database, bad input is
refused next to the form with the field and reason, and a leader only looks."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.web.conftest import screenshot, wait_for_callbacks

SECTIONS = ("halls", "publishing", "matters", "warnings", "users")


def _query(web_server, sql: str, **params):
    engine = web_server.engine()
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        engine.dispose()


def _settle(page) -> None:
    """Let the chain of callbacks a click starts (save, reload the list, rebuild the editor) run out."""
    page.wait_for_timeout(300)
    wait_for_callbacks(page)


def _select_row(page, table_id: str, row_text: str) -> None:
    page.locator(f"#{table_id} tr", has_text=row_text).first.locator("input[type=radio]").click()
    _settle(page)


def _click(page, selector: str) -> None:
    page.locator(selector).first.click()
    _settle(page)


def _rows(page, table_id: str) -> int:
    return page.locator(f"#{table_id} input[type=radio]").count()


def test_the_index_offers_each_role_its_sections(signed_in) -> None:
    page = signed_in("system_admin", "/admin")
    for name in SECTIONS:
        expect(page.locator(f"#admin-card-{name}")).to_contain_text("可编辑")
    page = signed_in("leader", "/admin")
    expect(page.locator("#admin-card-halls")).to_contain_text("只读")
    assert page.locator("#admin-card-users").count() == 0  # a leader does not read users


@pytest.mark.parametrize(
    ("section", "table", "tab"),
    [
        ("halls", "admin-halls-hall-table", None),
        ("matters", "admin-matters-table", None),
        ("warnings", "admin-warn-source-table", "来源分拨策略"),
        ("users", "admin-users-table", None),
    ],
)
def test_each_section_opens_with_its_list_filled(
    signed_in, section: str, table: str, tab: str | None
) -> None:
    page = signed_in("system_admin", f"/admin/{section}")
    if tab:
        _click(page, f"a.nav-link:text-is('{tab}')")
    assert _rows(page, table) >= 3
    screenshot(page, f"admin-{section}")


def test_a_window_is_renamed_and_an_empty_number_is_refused(signed_in, web_server) -> None:
    page = signed_in("hall_manager", "/admin/halls")
    _click(page, "a.nav-link:text-is('窗口')")
    (window_id,) = _query(web_server, "SELECT id FROM windows WHERE window_no = 'A02' AND hall_id = 1")[0]
    _select_row(page, "admin-halls-window-table", "A02")

    page.fill("#admin-halls-window-no", "")
    _click(page, "#admin-halls-window-save")
    expect(page.locator("#admin-halls-window-feedback")).to_contain_text("窗口号：不能为空")
    assert _query(web_server, "SELECT window_no FROM windows WHERE id = :i", i=window_id)[0][0] == "A02"

    page.fill("#admin-halls-window-no", "A02-1")
    page.select_option("#admin-halls-window-status", "paused")
    _click(page, "#admin-halls-window-save")
    expect(page.locator("#admin-halls-window-feedback")).to_contain_text("已保存窗口 A02-1")
    expect(page.locator("#admin-halls-window-table tr", has_text="A02-1")).to_contain_text("暂停")
    saved = _query(web_server, "SELECT window_no, status FROM windows WHERE id = :i", i=window_id)[0]
    assert tuple(saved) == ("A02-1", "paused")
    screenshot(page, "admin-halls-window")


def test_a_publication_is_drafted_submitted_and_published(signed_in, web_server) -> None:
    page = signed_in("hall_manager", "/admin/publishing")
    before = _query(web_server, "SELECT count(*) FROM publications")[0][0]

    _click(page, "#admin-pub-new")
    page.fill("#admin-pub-title", "")
    _click(page, "#admin-pub-save")
    expect(page.locator("#admin-pub-feedback")).to_contain_text("标题：不能为空")
    assert _query(web_server, "SELECT count(*) FROM publications")[0][0] == before

    page.fill("#admin-pub-title", "元旦假期大厅开放时间调整")
    page.fill("#admin-pub-text", "1月1日休息，1月2日起正常办公。")
    _click(page, "#admin-pub-save")
    expect(page.locator("#admin-pub-feedback")).to_contain_text("已保存草稿")
    (publication_id, status) = _query(
        web_server, "SELECT id, status FROM publications WHERE title = '元旦假期大厅开放时间调整'"
    )[0]
    assert status == "draft"

    _click(page, "button:text-is('送审')")
    expect(page.locator("#admin-pub-feedback")).to_contain_text("当前状态：待审核")
    assert _query(web_server, "SELECT status FROM publications WHERE id = :i", i=publication_id)[0][0] == (
        "pending_review"
    )
    _click(page, "button:text-is('发布')")
    expect(page.locator("#admin-pub-feedback")).to_contain_text("当前状态：已发布")
    expect(page.locator("#admin-pub-table tr", has_text="元旦假期")).to_contain_text("已发布")
    assert _query(web_server, "SELECT status FROM publications WHERE id = :i", i=publication_id)[0][0] == (
        "published"
    )
    assert page.locator("button:text-is('撤回')").is_visible()  # what a published notice allows
    screenshot(page, "admin-publishing")


def test_a_matter_time_limit_is_changed_and_a_stale_or_negative_one_is_refused(signed_in, web_server) -> None:
    code = "446003-CGJ-XK-002"
    page = signed_in("hall_manager", "/admin/matters")
    page.fill("#admin-matters-q", code)
    page.press("#admin-matters-q", "Enter")
    expect(page.locator("#admin-matters-count")).to_contain_text("共 1 项")
    _select_row(page, "admin-matters-table", code)
    (matter_id, version) = _query(web_server, "SELECT id, version FROM matters WHERE code = :c", c=code)[0]

    page.fill("#admin-matters-promised", "-3")
    _click(page, "#admin-matters-save")
    expect(page.locator("#admin-matters-feedback")).to_contain_text("承诺时限：应不小于 0")

    page.fill("#admin-matters-promised", "3")
    _click(page, "#admin-matters-save")
    expect(page.locator("#admin-matters-table tr", has_text=code)).to_contain_text("承诺 3 /")
    saved = _query(web_server, "SELECT promised_limit_days, version FROM matters WHERE id = :i", i=matter_id)[
        0
    ]
    assert tuple(saved) == (3, version + 1)

    # Someone else saves the matter meanwhile: the page's version is stale and the API refuses it.
    _query_write(web_server, "UPDATE matters SET version = version + 1 WHERE id = :i", i=matter_id)
    page.fill("#admin-matters-promised", "4")
    _click(page, "#admin-matters-save")
    expect(page.locator("#admin-matters-feedback")).to_contain_text("状态已变化（409）")
    assert _query(web_server, "SELECT promised_limit_days FROM matters WHERE id = :i", i=matter_id)[0][0] == 3


def _query_write(web_server, sql: str, **params) -> None:
    engine = web_server.engine()
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), params)
    finally:
        engine.dispose()


def test_a_mined_candidate_bundle_is_approved(signed_in, web_server) -> None:
    page = signed_in("hall_manager", "/admin/matters")
    _click(page, "a.nav-link:text-is('一件事')")
    page.select_option("#admin-matters-bundle-status", "candidate")
    statuses = page.locator("#admin-matters-bundle-table td[data-dash-column=status_label]")
    expect(statuses.filter(has_text="在用")).to_have_count(0)  # the official, active bundles are gone
    expect(statuses.first).to_have_text("候选")
    name = page.locator("#admin-matters-bundle-table td[data-dash-column=name]").first.inner_text()
    _select_row(page, "admin-matters-bundle-table", name)
    _click(page, "button:text-is('批准候选')")
    expect(page.locator("#admin-matters-bundle-feedback")).to_contain_text("现为已批准")
    assert _query(web_server, "SELECT status FROM matter_bundles WHERE name = :n", n=name)[0][0] == "approved"


def test_a_warning_rule_is_created_its_threshold_changed_and_a_negative_one_refused(
    signed_in, web_server
) -> None:
    page = signed_in("system_admin", "/admin/warnings")
    page.fill("#admin-warn-rule-name", "受理响应超时提醒")
    page.select_option("#admin-warn-rule-type", "acceptance_response")
    page.select_option("#admin-warn-rule-unit", "minutes")
    page.fill("#admin-warn-rule-threshold", "30")
    _click(page, "#admin-warn-rule-save")
    expect(page.locator("#admin-warn-rule-feedback")).to_contain_text("阈值 30 分钟")
    (rule_id,) = _query(web_server, "SELECT id FROM warning_rules WHERE name = '受理响应超时提醒'")[0]

    _select_row(page, "admin-warn-rule-table", "受理响应超时提醒")
    page.fill("#admin-warn-rule-threshold", "45")
    _click(page, "#admin-warn-rule-save")
    expect(page.locator("#admin-warn-rule-table tr", has_text="受理响应超时提醒")).to_contain_text("45 分钟")
    assert _query(web_server, "SELECT threshold FROM warning_rules WHERE id = :i", i=rule_id)[0][0] == 45

    page.fill("#admin-warn-rule-threshold", "-5")
    _click(page, "#admin-warn-rule-save")
    expect(page.locator("#admin-warn-rule-feedback")).to_contain_text("阈值：应不小于 0")
    assert _query(web_server, "SELECT threshold FROM warning_rules WHERE id = :i", i=rule_id)[0][0] == 45
    screenshot(page, "admin-warnings")


def test_a_user_is_created_and_granted_a_role(signed_in, web_server) -> None:
    page = signed_in("system_admin", "/admin/users")
    _click(page, "#admin-users-new")
    page.fill("#admin-users-username", "zs")
    page.fill("#admin-users-password", "Strong-Pass-2026")
    _click(page, "#admin-users-create")
    expect(page.locator("#admin-users-feedback")).to_contain_text("用户名：格式不正确")
    assert _query(web_server, "SELECT count(*) FROM users WHERE username = 'zs'")[0][0] == 0

    page.fill("#admin-users-username", "zhang.san")
    page.fill("#admin-users-display-name", "张三")
    page.fill("#admin-users-password", "Strong-Pass-2026")
    _click(page, "#admin-users-create")
    expect(page.locator("#admin-users-feedback")).to_contain_text("已新增用户 zhang.san")
    (user_id,) = _query(web_server, "SELECT id FROM users WHERE username = 'zhang.san'")[0]

    page.select_option("#admin-users-grant-role", "leader")  # the new user is selected: grant at once
    _click(page, "#admin-users-grant")
    expect(page.locator("#admin-users-table tr", has_text="zhang.san")).to_contain_text("领导（全区）")
    grants = _query(
        web_server,
        "SELECT r.code, g.scope FROM user_roles g JOIN roles r ON r.id = g.role_id WHERE g.user_id = :u",
        u=user_id,
    )
    assert [tuple(g) for g in grants] == [("leader", "all")]
    screenshot(page, "admin-users")


def test_a_leader_looks_but_finds_no_edit_controls(signed_in) -> None:
    page = signed_in("leader", "/admin/halls")
    _select_row(page, "admin-halls-hall-table", "云溪区政务服务中心")
    assert page.locator(".admin-read-only").is_visible()
    assert page.locator("#admin-halls-hall-save").count() == 0

    page = signed_in("leader", "/admin/matters")
    _select_row(page, "admin-matters-table", "446003-CGJ-XK-001")
    assert page.locator("#admin-matters-save").count() == 0
    assert page.locator("#admin-matters-editor .admin-details").is_visible()

    page = signed_in("leader", "/admin/warnings")
    assert page.locator("#admin-warn-rule-new").count() == 0
    assert page.locator("#admin-warn-rule-save").count() == 0

    page = signed_in("leader", "/admin/publishing")
    assert page.locator("#admin-pub-new").count() == 0

    page = signed_in("leader", "/admin/users")
    assert page.locator(".forbidden").is_visible()
    assert page.locator("#admin-users-table").count() == 0


def test_a_holiday_beyond_chinese_calendar_is_entered_and_removed(signed_in, web_server) -> None:
    page = signed_in("hall_manager", "/admin/halls")
    _click(page, "a.nav-link:text-is('工作日历')")
    page.select_option("#admin-halls-day-year", "2027")
    _settle(page)
    page.fill("#admin-halls-day-date", "2027-02-08")
    page.select_option("#admin-halls-day-workday", "false")
    page.fill("#admin-halls-day-name", "春节")
    _click(page, "#admin-halls-day-save")
    expect(page.locator("#admin-halls-day-table tr", has_text="2027-02-08")).to_contain_text("管理员录入")
    day = "SELECT is_workday, name, source FROM work_calendar_days WHERE day = '2027-02-08'"
    assert [tuple(row) for row in _query(web_server, day)] == [(0, "春节", "admin")]

    _select_row(page, "admin-halls-day-table", "2027-02-08")
    _click(page, "#admin-halls-day-delete")
    expect(page.locator("#admin-halls-day-feedback")).to_contain_text("已删除 2027-02-08")
    assert _query(web_server, day) == []
