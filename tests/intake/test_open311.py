"""Open311 GeoReport v2: services, form-encoded requests with an api_key, the public request queries."""

from datetime import timedelta
from xml.etree import ElementTree

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.events.models import Event, EventSource, EventStatus, ReporterType
from tests.intake.conftest import NOW, OPEN311

FORM = {
    "service_code": "CG01",
    "lat": "22.5921",
    "long": "114.2561",
    "description": "溪畔社区梧桐路路灯不亮已经一周，晚上看不清路。联系我13800138000",
    "first_name": "伟",
    "last_name": "张",
    "phone": "13800138000",
    "email": "zhang@example.com",
    "device_id": "dev-1",
    "account_id": "acc-7",
}


def submit(api, form: dict):
    return api.post(f"{OPEN311}/requests.json", data=form)


def test_services_are_the_categories_grouped_by_parent(api, district) -> None:
    response = api.get(f"{OPEN311}/services.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    services = {s["service_code"]: s for s in response.json()}
    assert set(services) == {"CG01", "CG0101", "HB01"}  # top-level groups are not services
    road = services["CG01"]
    assert set(road) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert road["service_name"] == "市政设施" and road["group"] == "城市管理"
    assert road["metadata"] is False and road["type"] == "realtime" and road["keywords"] == "路灯不亮"
    assert "区城管局" in road["description"]


def test_a_service_definition_has_no_attributes_and_unknown_codes_are_404(api, district) -> None:
    assert api.get(f"{OPEN311}/services/CG01.json").json() == {"service_code": "CG01", "attributes": []}
    missing = api.get(f"{OPEN311}/services/NOPE.json")
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "service_code NOPE not found"}]


def test_xml_is_offered_too(api, district) -> None:
    response = api.get(f"{OPEN311}/services.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "services" and root.find("service/service_code").text == "CG01"
    assert api.get(f"{OPEN311}/services.csv").status_code == 404


def test_a_form_encoded_request_with_a_valid_key_creates_an_event(api, session: Session, district, make_key):
    form = {**FORM, "api_key": make_key("mobile")}
    response = submit(api, form)
    assert response.status_code == 200, response.text
    [receipt] = response.json()
    assert set(receipt) == {"service_request_id", "service_notice", "account_id"}
    assert receipt["account_id"] == "acc-7"
    event = session.scalar(select(Event).where(Event.event_no == receipt["service_request_id"]))
    assert event.source is EventSource.MOBILE and event.category_id == district.road_works.id
    assert event.reporter_name == "张伟" and event.reporter_type is ReporterType.CITIZEN
    assert (event.lon, event.lat, event.region_id) == (114.2561, 22.5921, district.xipan.id)
    assert event.status is EventStatus.PENDING_DISPATCH
    # A retry of the same POST is the same request.
    assert submit(api, form).json()[0]["service_request_id"] == receipt["service_request_id"]


def test_an_address_string_is_enough_and_is_placed(api, session, district, make_key) -> None:
    form = {
        "api_key": make_key("mobile"),
        "service_code": "HB01",
        "address_string": "海山街道望海社区",
        "description": "望海社区酒吧夜里音乐很吵",
    }
    receipt = submit(api, form).json()[0]
    event = session.scalar(select(Event).where(Event.event_no == receipt["service_request_id"]))
    assert event.region_id == district.wanghai.id and event.reporter_type is ReporterType.ANONYMOUS


def test_bad_or_missing_keys_get_403_as_the_specification_says(api, district, make_key) -> None:
    for form in (
        FORM,
        {**FORM, "api_key": "bk_nope_nope"},
        {**FORM, "api_key": make_key("queue_machine", ("tickets:ingest",))},
    ):
        response = submit(api, form)
        assert response.status_code == 403
        [error] = response.json()
        assert set(error) == {"code", "description"} and error["code"] == 403


def test_missing_fields_get_400(api, district, make_key) -> None:
    key = make_key("mobile")
    no_place = {k: v for k, v in FORM.items() if k not in ("lat", "long")}
    cases = [
        ({**no_place, "api_key": key}, "location"),
        ({**FORM, "api_key": key, "service_code": ""}, "service_code was not provided"),
        ({**FORM, "api_key": key, "service_code": "NOPE"}, "service_code NOPE not found"),
        ({**FORM, "api_key": key, "lat": "north"}, "lat is not a number"),
    ]
    for form, words in cases:
        response = submit(api, form)
        assert response.status_code == 400, form
        assert words in response.json()[0]["description"]


def _event(
    session: Session, district, no: str, *, status=EventStatus.PENDING_DISPATCH, days_ago=1, category=None
):
    event = Event(
        event_no=no,
        source=EventSource.HOTLINE_12345,
        external_id=no,
        reporter_type=ReporterType.CITIZEN,
        reporter_name="李娜",
        reporter_phone="13912345678",
        title="路灯不亮",
        description="李娜反映路灯不亮，电话13912345678",
        address="云溪区云溪街道溪畔社区梧桐路18号",
        lon=114.2561,
        lat=22.5921,
        category_id=(category or district.road_works).id,
        department_id=district.department.id,
        status=status,
        reported_at=NOW - timedelta(days=days_ago),
    )
    session.add(event)
    session.commit()
    return event


def test_get_requests_filters_by_status_code_dates_and_ids(api, session, district) -> None:
    _event(session, district, "SJ-OPEN", days_ago=1)
    _event(session, district, "SJ-CLOSED", status=EventStatus.CLOSED, days_ago=3)
    _event(session, district, "SJ-NOISE", days_ago=5, category=district.noise)
    _event(session, district, "SJ-OLD", days_ago=120)

    def ids(**params) -> list[str]:
        response = api.get(f"{OPEN311}/requests.json", params=params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in response.json()]

    assert ids() == ["SJ-OPEN", "SJ-CLOSED", "SJ-NOISE"]  # last 90 days, newest first
    assert ids(status="open") == ["SJ-OPEN", "SJ-NOISE"]
    assert ids(status="closed") == ["SJ-CLOSED"]
    assert ids(service_code="HB01") == ["SJ-NOISE"]
    assert ids(service_code="CG01,HB01", status="open") == ["SJ-OPEN", "SJ-NOISE"]
    start, end = (NOW - timedelta(days=4)).isoformat(), (NOW - timedelta(days=2)).isoformat()
    assert ids(start_date=start, end_date=end) == ["SJ-CLOSED"]
    assert ids(
        start_date=(NOW - timedelta(days=130)).isoformat(), end_date=(NOW - timedelta(days=100)).isoformat()
    ) == ["SJ-OLD"]
    assert ids(service_request_id="SJ-OLD,SJ-NOISE", status="closed") == [
        "SJ-NOISE",
        "SJ-OLD",
    ]  # ids override
    too_long = api.get(
        f"{OPEN311}/requests.json",
        params={"start_date": (NOW - timedelta(days=200)).isoformat(), "end_date": NOW.isoformat()},
    )
    assert too_long.status_code == 400 and too_long.json()[0]["code"] == 400
    assert api.get(f"{OPEN311}/requests.json", params={"status": "pending"}).status_code == 400


def test_one_request_is_a_one_element_array_without_personal_data(api, session, district) -> None:
    _event(session, district, "SJ-ONE", status=EventStatus.CLOSED)
    response = api.get(f"{OPEN311}/requests/SJ-ONE.json")
    assert response.status_code == 200
    [request] = response.json()
    assert request["service_request_id"] == "SJ-ONE" and request["status"] == "closed"
    assert request["agency_responsible"] == "区城管局" and request["service_code"] == "CG01"
    assert request["requested_datetime"].endswith("+08:00") and request["long"] == 114.2561
    text = response.text
    assert "13912345678" not in text and "李娜" not in text
    assert "梧桐路18号" not in text and "reporter_phone" not in text
    assert api.get(f"{OPEN311}/requests/SJ-NOPE.json").status_code == 404
    assert api.get(f"{OPEN311}/requests/SJ-NOPE.json").json()[0]["code"] == 404


def test_a_linked_duplicate_shows_the_first_events_status(api, session, district, make_key) -> None:
    key = make_key("mobile")
    first = submit(api, {**FORM, "api_key": key}).json()[0]
    second = submit(
        api, {**FORM, "api_key": key, "device_id": "dev-2", "description": FORM["description"] + "！"}
    )
    receipt = second.json()[0]
    assert receipt["service_request_id"] != first["service_request_id"]
    assert first["service_request_id"] in receipt["service_notice"]
    [shown] = api.get(f"{OPEN311}/requests/{receipt['service_request_id']}.json").json()
    assert shown["status"] == "open" and first["service_request_id"] in shown["status_notes"]
