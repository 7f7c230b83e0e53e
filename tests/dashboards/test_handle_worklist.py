"""The handler page's pure pieces: the running deadline, which forms to offer, and the action bodies."""

from datetime import UTC, datetime

from dashboards.events_worklist import action_body, offered, running_deadline, ticker_rows, work_card

NOW = datetime(2026, 11, 24, 9, 0, 0, tzinfo=UTC)
ITEM = {
    "id": 3,
    "event_no": "SJ3",
    "title": "路灯不亮",
    "priority": "p3",
    "status": "dispatched",
    "address": "云溪街道****",
    "category": None,
    "dispatched_at": "2026-11-24T16:55:00+08:00",
    "sign_due_at": "2026-11-24T17:10:00+08:00",
    "signed_at": None,
    "handle_due_at": None,
    "due_at": "2026-11-24T17:10:00+08:00",
    "due_kind": "sign",
}


def test_the_sign_off_limit_runs_until_signed_then_the_handling_limit() -> None:
    assert running_deadline(ITEM) == ("2026-11-24T17:10:00+08:00", "sign")
    signed = ITEM | {"signed_at": "2026-11-24T17:01:00+08:00", "handle_due_at": "2026-11-24T17:25:00+08:00"}
    assert running_deadline(signed) == ("2026-11-24T17:25:00+08:00", "handle")
    assert running_deadline({}) == (None, "sign")


def test_only_the_allowed_actions_get_a_form_and_the_rest_are_named() -> None:
    hidden, others = offered(["sign", "return", "sub_dispatch"])
    assert [a for a, h in hidden.items() if not h] == ["sign", "return"]
    assert others == ["再次分拨"]
    hidden, others = offered([])
    assert all(hidden.values()) and others == []


def test_the_open_event_gets_its_own_countdown_beside_the_cards() -> None:
    rows = ticker_rows([ITEM], selected=3)
    assert [r["key"] for r in rows] == [3, "detail"]
    assert rows[1]["due"] == ITEM["due_at"] and rows[1]["start"] == ITEM["dispatched_at"]
    assert [r["key"] for r in ticker_rows([ITEM], selected=None)] == [3]


def test_a_card_shows_which_limit_runs_and_how_long_is_left() -> None:
    card = work_card(ITEM, NOW, selected=None)
    text = str(card.to_plotly_json())
    assert "签收" in text and "剩余 10:00" in text and "active" not in card.className
    assert card.id == {"type": "handle-card", "index": 3}


def test_action_bodies_carry_the_forms_fields_and_leave_blank_text_out() -> None:
    fields = {
        "result": "resolved",
        "content": "  已处理  ",
        "reason_code": "wrong_area",
        "note": " ",
        "minutes": 60,
        "ext_reason": "等材料",
        "suspend_reason": "",
        "arb_reason": "职责不清",
    }
    assert action_body("feedback", fields) == {"result": "resolved", "content": "已处理"}
    assert action_body("return", fields) == {"reason_code": "wrong_area", "note": None}
    assert action_body("request_extension", fields) == {"minutes": 60, "reason": "等材料"}
    assert action_body("suspend", fields) == {"reason": None}
    assert action_body("sign", fields) == {}
