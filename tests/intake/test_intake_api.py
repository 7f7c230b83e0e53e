"""REST intake: idempotent replays, source binding, city upstream numbers, placement and duplicates."""

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core_app.events.models import Assignment, Event, EventAction, EventSource, EventSourcePolicy, EventStatus
from tests.intake.conftest import INTAKE, NOW, payload


def post(api, key: str, body: dict, path: str = INTAKE):
    return api.post(path, json=body, headers={"X-API-Key": key})


def stored(session: Session, event_id: int) -> Event:
    session.expire_all()
    return session.get(Event, event_id)


def test_a_new_event_is_stored_numbered_and_placed(api, session, district, make_key) -> None:
    response = post(api, make_key(), payload("RX-1"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"SJ\d{8}\d{7}", body["event_no"])
    assert body["event_no"].endswith(f"{body['id']:07d}")
    assert body["source"] == "hotline_12345" and body["created"] is True
    assert (body["region_id"], body["street_id"]) == (district.xipan.id, district.yunxi.id)
    assert "reporter_phone" not in body and "reporter_name" not in body
    event = stored(session, body["id"])
    assert event.category_id == district.road_works.id and event.reporter_phone == "13800138000"
    # The lifecycle took it on: accepted into the dispatcher queue (no model is registered here).
    assert event.status is EventStatus.PENDING_DISPATCH
    actions = session.scalars(select(EventAction.action).where(EventAction.event_id == event.id)).all()
    assert actions[0] == "ingest" and "accept" in actions


def test_a_replay_returns_the_same_event_with_200_even_if_the_content_differs(
    api, session, district, make_key
):
    key = make_key()
    first = post(api, key, payload("RX-2"))
    again = post(api, key, payload("RX-2"))
    changed = post(api, key, payload("RX-2", title="完全不同的标题", reporter_phone="13911112222"))
    assert first.status_code == 201 and again.status_code == 200 and changed.status_code == 200
    assert first.json()["id"] == again.json()["id"] == changed.json()["id"]
    assert again.json()["created"] is False
    assert stored(session, first.json()["id"]).title == payload("RX-2")["title"]
    count = session.scalar(select(func.count()).select_from(Event).where(Event.external_id == "RX-2"))
    assert count == 1


def test_the_same_external_id_from_another_source_is_another_event(api, district, make_key) -> None:
    one = post(api, make_key("hotline_12345"), payload("X-1"))
    other = post(api, make_key("grid"), payload("X-1", reporter_type="grid_worker", reporter_phone=None))
    assert one.status_code == other.status_code == 201
    assert one.json()["id"] != other.json()["id"]


def test_a_city_event_without_upstream_no_is_refused_naming_the_field(api, district, make_key) -> None:
    key = make_key("city_12345")
    response = post(api, key, payload("SRX-1"))
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "body.upstream_no"
    assert "upstream_no" in problem["detail"]
    accepted = post(api, key, payload("SRX-1", upstream_no="HZ12345-0001"))
    assert accepted.status_code == 201 and accepted.json()["upstream_no"] == "HZ12345-0001"


def test_an_api_key_cannot_push_for_another_source(api, district, make_key) -> None:
    key = make_key("hotline_12345")
    refused = post(api, key, payload("RX-3", source="grid"))
    assert refused.status_code == 403
    assert "bound to source hotline_12345" in refused.json()["detail"]
    assert post(api, key, payload("RX-3", source="hotline_12345")).status_code == 201


def test_a_city_platform_key_names_a_city_source(api, district, make_key) -> None:
    key = make_key("city_platform")
    assert post(api, key, payload("C-1", upstream_no="U1")).status_code == 422
    assert post(api, key, payload("C-1", upstream_no="U1", source="grid")).status_code == 403
    response = post(api, key, payload("C-1", upstream_no="U1", source="city_grid"))
    assert response.status_code == 201 and response.json()["source"] == "city_grid"


def test_a_user_names_the_source(api, district, auth_headers) -> None:
    headers = auth_headers("system_admin")
    missing = api.post(INTAKE, json=payload("U-1"), headers=headers)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "body.source"
    created = api.post(INTAKE, json=payload("U-1", source="gov_online"), headers=headers)
    assert created.status_code == 201 and created.json()["source"] == "gov_online"


def test_without_the_permission_intake_is_forbidden(api, district, make_key) -> None:
    key = make_key("queue_machine", scopes=("tickets:ingest",))
    assert post(api, key, payload("Q-1")).status_code == 403


def test_bad_input_is_a_422_problem(api, district, make_key) -> None:
    key = make_key()
    assert (
        post(api, key, payload("B-1", category_code="NOPE")).json()["errors"][0]["field"]
        == "body.category_code"
    )
    assert post(api, key, payload("B-2", lon=114.2)).status_code == 422  # lat missing
    assert post(api, key, payload("B-3", reported_at="2026-01-01T08:00:00")).status_code == 422  # naive
    future = (NOW + timedelta(days=1)).isoformat()
    assert post(api, key, payload("B-4", reported_at=future)).status_code == 422
    assert post(api, key, payload("B-5", title="   ")).status_code == 422


def test_an_address_without_coordinates_is_placed_at_its_community(api, district, make_key) -> None:
    body = post(api, make_key(), payload("G-1")).json()
    assert (body["lon"], body["lat"]) == (district.xipan.lon, district.xipan.lat)
    assert (body["region_id"], body["street_id"]) == (district.xipan.id, district.yunxi.id)


def test_coordinates_alone_get_the_nearest_community(api, district, make_key) -> None:
    body = post(api, make_key(), payload("G-2", address=None, lon=114.3052, lat=22.5663)).json()
    assert (body["lon"], body["lat"]) == (114.3052, 22.5663)
    assert (body["region_id"], body["street_id"]) == (district.wanghai.id, district.haishan.id)


def test_an_unknown_address_stays_unplaced(api, district, make_key) -> None:
    body = post(api, make_key(), payload("G-3", address="某地某路1号")).json()
    assert body["lon"] is None and body["region_id"] is None


# --- duplicates ------------------------------------------------------------------------------------------

REWORDED = "又有市民反映：溪畔社区梧桐路的路灯一直不亮，已经一个多星期了，晚上行人看不清路，希望尽快维修。"


def test_same_phone_and_similar_text_is_linked_and_not_dispatched(api, session, district, make_key) -> None:
    key = make_key()
    first = post(api, key, payload("D-1")).json()
    second = post(api, key, payload("D-2", address=None, description=REWORDED)).json()
    assert second["duplicate_of_id"] == first["id"] and second["duplicate_of_no"] == first["event_no"]
    assert second["status"] == "received"
    event = stored(session, second["id"])
    assert event.status is EventStatus.RECEIVED and event.duplicate_of_id == first["id"]
    link = session.scalar(
        select(EventAction).where(EventAction.event_id == event.id, EventAction.action == "link_duplicate")
    )
    assert (
        link is not None
        and link.details["by"] == "phone"
        and link.details["duplicate_of_no"] == first["event_no"]
    )
    assert (
        session.scalar(select(func.count()).select_from(Assignment).where(Assignment.event_id == event.id))
        == 0
    )
    actions = session.scalars(select(EventAction.action).where(EventAction.event_id == event.id)).all()
    assert "accept" not in actions


def test_same_measured_place_and_similar_text_is_linked(api, session, district, make_key) -> None:
    key = make_key()
    first = post(api, key, payload("P-1", lon=114.2561, lat=22.5921, address=None)).json()
    # About 80 m away, another caller, no address.
    second = post(
        api,
        key,
        payload(
            "P-2", lon=114.2568, lat=22.5926, address=None, reporter_phone="13700001111", description=REWORDED
        ),
    ).json()
    assert second["duplicate_of_id"] == first["id"]
    link = session.scalar(
        select(EventAction).where(
            EventAction.event_id == second["id"], EventAction.action == "link_duplicate"
        )
    )
    assert link.details["by"] == "place"


def test_same_address_and_similar_text_is_linked(api, district, make_key) -> None:
    key = make_key()
    first = post(api, key, payload("A-1", reporter_phone=None, reporter_type="anonymous")).json()
    second = post(api, key, payload("A-2", reporter_phone="13700002222", description=REWORDED)).json()
    assert second["duplicate_of_id"] == first["id"]


def test_same_place_far_apart_is_not_linked(api, district, make_key) -> None:
    key = make_key()
    post(api, key, payload("F-1", lon=114.2561, lat=22.5921, address=None))
    # About 1 km away, another caller.
    far = post(
        api,
        key,
        payload(
            "F-2", lon=114.2661, lat=22.5921, address=None, reporter_phone="13700003333", description=REWORDED
        ),
    ).json()
    assert far["duplicate_of_id"] is None


def test_dissimilar_text_from_the_same_phone_is_not_linked(api, district, make_key) -> None:
    key = make_key()
    post(api, key, payload("N-1"))
    other = post(
        api,
        key,
        payload(
            "N-2",
            title="明珠社区夜间施工噪音扰民",
            description="明珠社区旁边的工地每天夜里十二点以后还在打桩，噪音很大，孩子睡不着觉，请环保部门查处。",
            address="云溪区云溪街道明珠社区",
            category_code="HB01",
        ),
    ).json()
    assert other["duplicate_of_id"] is None and other["status"] == "pending_dispatch"


def test_outside_the_window_is_not_linked_and_the_policy_sets_the_window(api, session, district, make_key):
    key = make_key()
    old = (NOW - timedelta(hours=30)).isoformat()
    first = post(api, key, payload("W-1", reported_at=old)).json()
    late = post(api, key, payload("W-2", description=REWORDED)).json()
    assert late["duplicate_of_id"] is None
    session.add(EventSourcePolicy(source=EventSource.HOTLINE_12345, dedup_window_hours=48))
    session.commit()
    within = post(api, key, payload("W-3", description=REWORDED)).json()
    assert within["duplicate_of_id"] in (first["id"], late["id"])


def test_a_closed_event_is_not_a_duplicate_target(api, session, district, make_key) -> None:
    key = make_key()
    first = post(api, key, payload("S-1")).json()
    session.execute(Event.__table__.update().where(Event.id == first["id"]).values(status="closed"))
    session.commit()
    again = post(api, key, payload("S-2", description=REWORDED)).json()
    assert again["duplicate_of_id"] is None


def test_a_batch_counts_new_replayed_and_duplicate_events(api, session, district, make_key) -> None:
    key = make_key()
    post(api, key, payload("BT-1"))
    events = [
        payload("BT-1"),
        payload("BT-2", description=REWORDED),
        payload(
            "BT-3",
            title="望海社区噪音",
            description="望海社区酒吧夜间音乐太吵",
            address="海山街道望海社区",
            reporter_phone="13600000000",
            category_code="HB01",
        ),
    ]
    response = api.post(INTAKE + ":batch", json={"events": events}, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["replayed"], body["duplicates"]) == (2, 1, 1)
    assert body["events"][2]["region_id"] == district.wanghai.id
    refused = api.post(
        INTAKE + ":batch",
        json={"events": [payload("BT-4"), payload("BT-5", category_code="NOPE")]},
        headers={"X-API-Key": key},
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.category_code"
    assert session.scalar(select(func.count()).select_from(Event).where(Event.external_id == "BT-4")) == 0


def test_in_worker_mode_the_api_only_takes_events_in_and_a_worker_dispatches_them(
    api, session, district, make_key, monkeypatch
) -> None:
    from core_app.intake.config import get_intake_settings
    from core_app.intake.dispatcher import run_worker

    monkeypatch.setenv("BUTLER_INTAKE_DISPATCH", "worker")
    get_intake_settings.cache_clear()
    try:
        key = make_key("hotline_12345")
        reports = [
            ("梧桐路路灯不亮", "云溪区云溪街道溪畔社区梧桐路18号"),
            ("小区停水三天了", "云溪区云溪街道明珠社区明珠花园5栋"),
            ("工地夜间施工噪音扰民", "云溪区海山街道望海社区海景路9号"),
        ]
        ids = [
            post(api, key, payload(f"w-{i}", title=t, description=t, address=a, reporter_phone=None)).json()[
                "id"
            ]
            for i, (t, a) in enumerate(reports)
        ]
    finally:
        get_intake_settings.cache_clear()
    session.expire_all()
    assert {session.get(Event, i).status.value for i in ids} == {"received"}

    def session_factory() -> Session:
        return Session(session.get_bind(), expire_on_commit=False)

    assert run_worker(session_factory, batch_size=2, once=True) == 3
    session.expire_all()
    assert {session.get(Event, i).status.value for i in ids} <= {"pending_dispatch", "dispatched"}
    assert run_worker(session_factory, batch_size=2, once=True) == 0
