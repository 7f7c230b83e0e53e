"""The dispatcher workbench in a browser: the queue by priority with ticking countdowns, the probability
table, accept and override changing the event in the database, a stale version shown as a message."""

import re
import time

import pytest
from sqlalchemy import text

from tests.web.conftest import screenshot, wait_for_callbacks
from tests.web.live_events import make_live_events

PRIORITY_ORDER = ["p1", "p2", "p3", "p4"]
COUNTDOWN = re.compile(r"^(剩余|已超时) (\d+天)?\d{1,2}(:\d{2}){1,2}$")


@pytest.fixture(scope="module")
def live(web_server, demo_district) -> dict[str, list[int]]:
    """Fresh events waiting for a dispatcher (the demo district's own queue is empty by its 'now'), and a
    second report of the first one that intake linked to it as a duplicate."""
    return make_live_events(web_server.database_url, demo_district / "var", 6, repeat_first=True)


@pytest.fixture(scope="module")
def queue_events(live) -> list[int]:
    return live["events"]


def open_workbench(signed_in):
    page = signed_in("dispatcher", "/workbench")
    page.wait_for_selector(".wb-item")
    return page


def queued_ids(page) -> list[int]:
    return [int(i) for i in page.locator(".wb-item").evaluate_all("els => els.map(e => e.dataset.eventId)")]


def first_of_ours(page, ours: list[int], prefer: int | None = None) -> int:
    """The first of this module's events still in the queue now (other tests take some away)."""
    queued = queued_ids(page)
    if prefer in queued:
        return prefer
    return next(event_id for event_id in queued if event_id in ours)


def select(page, event_id: int) -> None:
    page.click(f'.wb-item[data-event-id="{event_id}"]')
    page.wait_for_selector(f'.wb-event[data-event-id="{event_id}"]')
    page.wait_for_selector(".wb-prob-row")
    wait_for_callbacks(page)


def probabilities(page) -> list[tuple[int, float]]:
    rows = page.locator(".wb-prob-row").evaluate_all(
        "els => els.map(e => [e.dataset.departmentId, e.dataset.probability])"
    )
    return [(int(d) if d.isdigit() else None, float(p)) for d, p in rows]


def event_row(web_server, event_id: int):
    with web_server.engine().connect() as conn:
        return conn.execute(
            text("SELECT status, department_id, version FROM events WHERE id = :id"), {"id": event_id}
        ).one()


def decision(web_server, event_id: int):
    with web_server.engine().connect() as conn:
        return conn.execute(
            text(
                "SELECT decision, final_department_id, override_reason FROM dispatch_recommendations "
                "WHERE event_id = :id ORDER BY id DESC LIMIT 1"
            ),
            {"id": event_id},
        ).one()


def test_the_queue_is_in_priority_order_and_the_countdowns_tick(signed_in, queue_events) -> None:
    page = open_workbench(signed_in)

    priorities = page.locator(".wb-item").evaluate_all("els => els.map(e => e.dataset.priority)")
    assert priorities == sorted(priorities, key=PRIORITY_ORDER.index)
    assert set(queue_events) <= set(queued_ids(page))

    clock = page.locator(f'.wb-item[data-event-id="{queue_events[0]}"] .countdown')
    before = clock.inner_text()
    time.sleep(1.5)
    after = clock.inner_text()
    assert COUNTDOWN.match(before) and COUNTDOWN.match(after), (before, after)
    assert after != before


def test_accepting_the_models_first_choice_dispatches_the_event_there(
    signed_in, web_server, queue_events
) -> None:
    page = open_workbench(signed_in)
    event_id = first_of_ours(page, queue_events, prefer=queue_events[0])  # the one with a repeat, if there
    select(page, event_id)

    table = probabilities(page)
    assert abs(sum(p for _, p in table) - 1) < 0.01
    assert [p for _, p in table] == sorted((p for _, p in table), reverse=True)
    top = table[0][0]
    assert page.locator(".wb-top").count() == 1
    screenshot(page, "workbench")

    page.click("#wb-accept")
    page.wait_for_selector(".action-done")
    wait_for_callbacks(page)

    status, department_id, _ = event_row(web_server, event_id)
    assert (status, department_id) == ("dispatched", top)
    assert decision(web_server, event_id)[:2] == ("accepted", top)  # the dispatcher's choice, a label
    assert page.locator(f'.wb-item[data-event-id="{event_id}"]').count() == 0


def test_overriding_needs_a_reason_and_dispatches_to_the_chosen_department(
    signed_in, web_server, queue_events
) -> None:
    page = open_workbench(signed_in)
    event_id = first_of_ours(page, queue_events)
    select(page, event_id)
    second = [d for d, _ in probabilities(page) if d is not None][1]

    page.select_option("#wb-target", str(second))
    page.click("#wb-override")
    page.wait_for_selector("text=改派给非首选部门时请填写理由")
    assert event_row(web_server, event_id)[0] == "pending_dispatch"

    page.fill("#wb-reason", "涉及燃气管线，应由专业单位处置")
    page.click("#wb-override")
    page.wait_for_selector(".action-done")
    wait_for_callbacks(page)

    status, department_id, _ = event_row(web_server, event_id)
    assert (status, department_id) == ("dispatched", second)
    assert decision(web_server, event_id) == ("overridden", second, "涉及燃气管线，应由专业单位处置")
    assert page.locator(f'.wb-item[data-event-id="{event_id}"]').count() == 0


def test_an_event_changed_meanwhile_is_a_message_and_a_reload_not_a_crash(
    signed_in, web_server, queue_events
) -> None:
    page = open_workbench(signed_in)
    event_id = first_of_ours(page, queue_events)
    select(page, event_id)
    with web_server.engine().begin() as conn:  # someone else touches the event after the page read it
        conn.execute(text("UPDATE events SET version = version + 1 WHERE id = :id"), {"id": event_id})

    page.click("#wb-accept")
    page.wait_for_selector(".action-refused")
    wait_for_callbacks(page)

    assert "状态已变化" in page.locator(".action-refused").inner_text()
    assert event_row(web_server, event_id)[0] == "pending_dispatch"
    page.click("#wb-accept")  # the page reloaded the event's version: now it goes through
    page.wait_for_selector(".action-done")
    assert event_row(web_server, event_id)[0] == "dispatched"


def test_an_events_repeat_is_listed_with_a_link_that_opens_it(signed_in, live) -> None:
    original, repeat = live["events"][0], live["repeats"][0]
    page = signed_in("dispatcher", f"/workbench?event={original}")  # wherever it stands now
    page.wait_for_selector(f'.wb-event[data-event-id="{original}"]')

    link = page.locator(f'.wb-duplicates a[href="/workbench?event={repeat}"]')
    assert link.is_visible()
    link.click()
    page.wait_for_selector(f'.wb-event[data-event-id="{repeat}"]')
    wait_for_callbacks(page)
    back = page.locator(f'.wb-duplicates a[href="/workbench?event={original}"]')
    assert "本事件疑似重复" in page.locator(".wb-duplicates").inner_text() and back.is_visible()
    assert page.locator("#wb-actions").is_hidden()  # a linked repeat is not dispatched on its own


def test_a_leader_may_not_dispatch(signed_in) -> None:
    page = signed_in("leader", "/workbench")
    assert page.locator(".forbidden").is_visible()
    assert page.locator(".wb-item").count() == 0
