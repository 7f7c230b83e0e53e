"""The handler page on a phone (375 px): the department's events as cards, signing one off changes it in the
database, a refused action names the field, nothing scrolls sideways; leaders are turned away."""

import pytest
from sqlalchemy import text

from tests.web.conftest import screenshot, wait_for_callbacks
from tests.web.live_events import make_live_events

PHONE = {"width": 375, "height": 812}
MARKET_REGULATOR = "YX-SCJG"  # the demo dept_handler's department


@pytest.fixture(scope="module")
def handler_events(web_server, demo_district) -> list[int]:
    """Fresh events dispatched to the demo handler's department, waiting to be signed off."""
    made = make_live_events(web_server.database_url, demo_district / "var", 4, dispatch_to=MARKET_REGULATOR)
    return made["events"]


def open_worklist(signed_in):
    page = signed_in("dept_handler", "/handle", **PHONE)
    page.wait_for_selector(".handle-card")
    return page


def waiting_of_ours(page, ours: list[int]) -> int:
    """The first of this module's events still waiting for sign-off now (other tests sign some)."""
    cards = page.locator('.handle-card[data-status="dispatched"]')
    shown = [int(i) for i in cards.evaluate_all("els => els.map(e => e.dataset.eventId)")]
    return next(event_id for event_id in shown if event_id in ours)


def open_event(page, event_id: int) -> None:
    page.click(f'.handle-card[data-event-id="{event_id}"]')
    page.wait_for_selector(f'.handle-detail [data-event-id="{event_id}"]')
    wait_for_callbacks(page)


def assignment_of(web_server, event_id: int):
    with web_server.engine().connect() as conn:
        return conn.execute(
            text(
                "SELECT e.status, a.status, a.signed_at FROM events e "
                "JOIN assignments a ON a.event_id = e.id "
                "WHERE e.id = :id AND a.role = 'lead' ORDER BY a.id DESC LIMIT 1"
            ),
            {"id": event_id},
        ).one()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_a_handler_on_a_phone_signs_off_an_event_of_their_department(
    signed_in, web_server, handler_events
) -> None:
    page = open_worklist(signed_in)
    shown = page.locator(".handle-card").evaluate_all("els => els.map(e => Number(e.dataset.eventId))")
    assert set(handler_events) <= set(shown)
    assert page.locator("table").count() == 0  # cards, not a wide table
    assert no_sideways_scroll(page)

    event_id = waiting_of_ours(page, handler_events)
    open_event(page, event_id)
    sign = page.locator("#handle-do-sign")
    assert sign.is_visible() and sign.bounding_box()["height"] >= 44  # a thumb-sized target
    assert page.locator(".handle-detail-due .countdown").inner_text().startswith("剩余")
    screenshot(page, "handler-375")

    sign.click()
    page.wait_for_selector(".action-done")
    wait_for_callbacks(page)

    event_status, assignment_status, signed_at = assignment_of(web_server, event_id)
    assert (event_status, assignment_status) == ("signed", "signed") and signed_at is not None
    assert page.locator(f'.handle-card[data-event-id="{event_id}"]').get_attribute("data-status") == "signed"
    assert page.locator("#handle-do-start").is_visible()  # the next step the API allows
    assert not page.locator("#handle-do-sign").is_visible()
    assert no_sideways_scroll(page)


def test_a_return_without_a_reason_is_refused_naming_the_field(signed_in, web_server, handler_events) -> None:
    page = open_worklist(signed_in)
    event_id = waiting_of_ours(page, handler_events)
    open_event(page, event_id)

    page.click("#handle-do-return")
    page.wait_for_selector(".action-refused")

    assert "退回原因" in page.locator(".action-refused").inner_text()
    assert assignment_of(web_server, event_id)[0] == "dispatched"


def test_a_leader_may_not_handle_events(signed_in) -> None:
    page = signed_in("leader", "/handle", **PHONE)
    assert page.locator(".forbidden").is_visible()
    assert page.locator(".handle-card").count() == 0
