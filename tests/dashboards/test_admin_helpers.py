"""The back office's pure helpers: sections by permission, refusals in Chinese, PATCH bodies, texts."""

import pytest
from dash import no_update

from dashboards import admin_common as ac
from dashboards import admin_format as af
from dashboards import labels
from dashboards.auth import Viewer
from dashboards.gateway import ApiError


def viewer(*permissions: str) -> Viewer:
    return Viewer("u", "U", (), frozenset(permissions))


def test_sections_show_to_readers_and_edit_controls_to_writers() -> None:
    leader = viewer("org:read", "matters:read", "publications:read", "warnings:read")
    assert [s.title for s in ac.visible_sections(leader)] == ["大厅信息", "信息发布", "事项配置", "预警阈值"]
    assert not any(ac.can_edit(leader, s) for s in ac.SECTIONS)
    admin = viewer("users:read", "users:write")
    assert [s.path for s in ac.visible_sections(admin)] == ["/admin/users"]
    assert ac.can_edit(admin, ac.SECTION_BY_PATH["/admin/users"])
    assert ac.visible_sections(viewer("events:read")) == []


def test_field_problems_name_the_form_field_and_say_the_reason_in_chinese() -> None:
    errors = [
        {"field": "body.title", "reason": "String should have at least 1 character"},
        {"field": "body.threshold", "reason": "Input should be greater than or equal to 0"},
        {"field": "body.targets.0", "reason": "Input should be 'cockpit', 'led'"},
        {"field": "body.reminder_count", "reason": "Value error, S1 requires at least 2 reminders"},
        {"field": "query.q", "reason": "must not be empty"},
    ]
    labels = {"title": "标题", "threshold": "阈值", "targets": "发布位置", "reminder_count": "提醒次数"}
    assert ac.field_problems(errors, labels) == [
        "标题：不能为空",
        "阈值：应不小于 0",
        "发布位置：Input should be 'cockpit', 'led'",
        "提醒次数：S1 requires at least 2 reminders",
        "q：must not be empty",
    ]


@pytest.mark.parametrize(
    ("reason", "chinese"),
    [
        ("String should have at least 3 characters", "至少 3 个字符"),
        ("String should have at most 16 characters", "最多 16 个字符"),
        ("List should have at least 2 items after validation, not 1", "至少选择 2 项"),
        ("Input should be greater than 1", "应大于 1"),
        ("Input should be less than or equal to 3650", "应不大于 3650"),
        ("Field required", "必填"),
        ("Input should be a valid integer, unable to parse string as an integer", "应为整数"),
        ("String should match pattern '^[A-Za-z0-9._@-]{3,64}$'", "格式不正确"),
        ("department 7 is outside your scope", "department 7 is outside your scope"),
    ],
)
def test_reason_zh_translates_the_usual_validation_reasons(reason: str, chinese: str) -> None:
    assert ac.reason_zh(reason) == chinese


def test_a_refusal_lists_each_field_under_the_alert() -> None:
    error = ApiError(422, "Unprocessable", "bad", [{"field": "body.name", "reason": "Field required"}])
    shown = str(ac.refusal(error, {"name": "名称"}))
    assert "名称：必填" in shown
    assert "admin-field-errors" in shown
    assert "admin-field-errors" not in str(ac.refusal(ApiError(409, "Conflict", "stale version")))


def test_changed_fields_keep_only_what_the_form_changed() -> None:
    original = {"id": 1, "name": "A01", "status": "open", "zone_id": 2}
    assert ac.changed_fields(original, {"name": "A01", "status": "paused", "zone_id": 2}) == {
        "status": "paused"
    }
    assert ac.changed_fields(original, {"name": "A01"}) == {}


def test_reselect_follows_the_record_not_the_position() -> None:
    old = [{"id": 1}, {"id": 2}, {"id": 3}]
    new = [{"id": 9}, {"id": 3}, {"id": 1}]
    assert ac.reselect(old, [2], new) == [1]
    assert ac.reselect(old, [1], new) == []  # record 2 is gone
    assert ac.reselect(old, [], new) == []
    assert ac.reselect([{"day": "2026-10-01"}], [0], [{"day": "2026-10-01"}], key="day") == [0]
    assert ac.index_of(new, 1) == [2]
    assert ac.index_of(new, None) == []


def test_short_time_is_local_time() -> None:
    assert ac.short_time("2026-11-24T06:30:00+00:00") == "2026-11-24 14:30"
    assert ac.short_time("2026-11-24T16:47:45+08:00") == "2026-11-24 16:47"
    assert ac.short_time(None) == ""


def test_labels_and_filters() -> None:
    assert ac.label("publication_status", "pending_review") == "待审核"
    assert ac.label("publication_status", "unknown") == "unknown"
    assert ac.labels("recipient", ["handler", "supervisor"]) == "经办人、督查督办"
    assert ac.options("window_status")[0] == {"label": "开放", "value": "open"}
    assert ac.filter_value(ac.ANY) is None
    assert ac.filter_value("active") == "active"
    assert ac.blank_to_none("  ") is None


def matter(**changes):
    base = {
        "is_immediate": False,
        "limit_unit": "working_day",
        "promised_limit_days": 5,
        "legal_limit_days": 20,
        "version": 3,
    } | dict.fromkeys(af.MATTER_FLAGS, False)
    return base | changes


def test_limit_text() -> None:
    assert af.limit_text(matter()) == "承诺 5 / 法定 20 工作日"
    assert af.limit_text(matter(legal_limit_days=None, limit_unit="hour")) == "承诺 5 / 法定 — 小时"
    assert af.limit_text(matter(is_immediate=True)) == "即办"


def test_matter_changes_send_the_version_that_was_read() -> None:
    read = matter()
    body = af.matter_changes(read, {"promised_limit_days": 3, "legal_limit_days": 20}, ["online_capable"])
    assert body == {"promised_limit_days": 3, "online_capable": True, "version": 3}
    assert af.matter_changes(read, {"promised_limit_days": 5}, []) == {}


def test_threshold_and_ratio_texts() -> None:
    assert af.threshold_text({"threshold": 0.8, "unit": "ratio"}) == "80%"
    assert af.threshold_text({"threshold": 30.0, "unit": "working_minutes"}) == "30 工作分钟"
    assert af.ratios_text([0.5, 0.8]) == "50%、80%"
    assert af.parse_ratios("50%，80%") == [0.5, 0.8]
    assert af.parse_ratios("0.5, 0.9") == [0.5, 0.9]
    assert af.parse_ratios("half") == "half"  # the API refuses it, naming the field


def test_grant_text_names_the_scope_target() -> None:
    role = {"name": "大厅管理员"}
    assert af.grant_text({"role": role, "scope": "all", "scope_id": None}) == "大厅管理员（全区）"
    hall = {"role": role, "scope": "hall", "scope_id": 1}
    assert (
        af.grant_text(hall, {("hall", 1): "云溪区政务服务中心"}) == "大厅管理员（大厅：云溪区政务服务中心）"
    )
    assert af.grant_text(hall) == "大厅管理员（大厅：1）"
    assert af.grant_text({"role": role, "scope": "self", "scope_id": None}) == "大厅管理员（本人）"


def test_workflow_buttons_follow_the_viewers_permissions() -> None:
    writer = frozenset({"publications:write"})
    reviewer = frozenset({"publications:review"})
    assert af.allowed_actions(["edit", "submit"], writer) == ["submit"]
    assert af.allowed_actions(["publish", "reject"], writer) == []
    assert af.allowed_actions(["publish", "reject"], reviewer) == ["publish", "reject"]
    assert af.allowed_actions(["withdraw"], writer | reviewer) == ["withdraw"]


def test_evidence_text_says_why_a_bundle_was_mined() -> None:
    evidence = {"subjects": 268, "window_days": 90, "mean_lift": 15.8265}
    assert af.evidence_text(evidence) == "挖掘依据：268 位申请人在 90 天内共同办理，平均提升度 15.8。"
    assert af.evidence_text(None) == ""


def test_selection_is_left_alone_while_the_selected_record_is_unchanged() -> None:
    old = [{"id": 1, "v": 1}, {"id": 2, "v": 1}]
    assert ac.selection(old, [1], [{"id": 1, "v": 1}, {"id": 2, "v": 1}, {"id": 3}]) is no_update
    assert ac.selection(old, [1], [{"id": 1, "v": 1}, {"id": 2, "v": 2}]) == [1]  # saved: rebuild the editor
    assert ac.selection(old, [1], [{"id": 2, "v": 1}]) == [0]  # moved
    assert ac.selection([], [], [{"id": 1}]) is no_update  # nothing was selected, nothing is
    assert ac.selection([], [], [{"id": 1}], first_load=True) == []  # the editor waits for the first one


def test_the_back_office_names_codes_as_the_event_pages_and_the_cockpit_do() -> None:
    assert ac.label("event_source", "city_cross_border_truck") == labels.SOURCE["city_cross_border_truck"]
    assert ac.label("event_source", "gov_online") == "政府在线"  # the glossary's word, as on every page
    assert ac.label("bundle_status", "active") == labels.BUNDLE_STATUS["active"] == "在用"
    assert labels.COMPLEXITY_WITH_LIMIT["simple"].startswith(ac.label("complexity", "simple"))
    # Each form offers its own channels of the one message-channel enum, in its own order.
    assert [o["value"] for o in ac.options("warning_channel")] == ["ding", "sms", "in_app"]
    assert [o["label"] for o in ac.options("publication_channel")] == ["站内消息", "短信", "App推送"]


def test_a_save_selects_the_saved_record_and_counts_the_saves() -> None:
    assert ac.next_focus(None, 7) == {"id": 7, "n": 1}
    assert ac.next_focus({"id": 7, "n": 1}, 9) == {"id": 9, "n": 2}
    assert ac.bump(None) == 1 and ac.bump(3) == 4


def test_a_list_and_its_editor_share_one_prefix_for_their_ids() -> None:
    above, row = ac.list_and_editor("admin-x-thing", [("name", "名称")], "filters")
    assert above == "filters"
    table, side = row.children
    assert table.children.id == "admin-x-thing-table"
    assert [child.id for child in side.children] == ["admin-x-thing-feedback", "admin-x-thing-editor"]
    wired = ac.editor_wiring("admin-x-thing")
    assert [(d.component_id, d.component_property) for d in wired] == [
        ("admin-x-thing-editor", "children"),
        ("admin-x-thing-table", "selected_rows"),
        ("admin-x-thing-table", "data"),
    ]
