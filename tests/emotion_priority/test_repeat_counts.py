"""Repeat contact: earlier reports by the same phone or at the same place (address, 150 m) within 30 days."""

import math
from datetime import timedelta

from sqlalchemy import event as sa_event

from core_app.emotion.priority import repeat_counts
from tests.api import builders as b

T = b.local(2025, 3, 20, 10)
NOW = T + timedelta(hours=1)
LON, LAT = 114.27, 22.59
PHONE, ADDRESS = "13900000001", "盐田区海山街道海山路1号"
# Metres per degree of latitude on the haversine sphere (R = 6,371 km): 6371000 * pi / 180.
METRES_PER_DEGREE_LAT = 6_371_000 * math.pi / 180


def north(metres: float) -> float:
    """The latitude METRES north of LAT (a pure north offset is exactly that far on the sphere)."""
    return LAT + metres / METRES_PER_DEGREE_LAT


def report(session, n: int, **fields):
    """An event with its own phone and address and no point, unless FIELDS say otherwise."""
    defaults = {"reporter_phone": f"1370000{n:04d}", "address": f"别处{n}号", "lon": None, "lat": None}
    return b.event(session, **(defaults | fields))


def test_same_phone_same_address_and_within_150_m_count_others_do_not(session) -> None:
    target = report(session, 0, reporter_phone=PHONE, address=ADDRESS, lon=LON, lat=LAT, reported_at=T)
    report(session, 1, reporter_phone=PHONE, reported_at=T - timedelta(days=5))  # same phone: counts
    report(session, 2, address=ADDRESS, reported_at=T - timedelta(days=10))  # same address: counts
    report(session, 3, lon=LON, lat=north(120), reported_at=T - timedelta(days=1))  # 120 m: counts
    report(session, 4, lon=LON, lat=north(200), reported_at=T - timedelta(days=1))  # 200 m: too far
    report(session, 5, reporter_phone=PHONE, reported_at=T - timedelta(days=31))  # too long ago
    report(session, 6, reporter_phone=PHONE, reported_at=T + timedelta(minutes=30))  # later, not earlier
    session.flush()
    # its own duplicate, back-dated before it: the same report, not another contact
    report(session, 7, reporter_phone=PHONE, reported_at=T - timedelta(days=2), duplicate_of_id=target.id)
    session.flush()
    assert repeat_counts(session, [target], NOW) == {target.id: 3}


def test_a_report_and_its_duplicates_are_one_report_not_repeats(session) -> None:
    original = report(session, 0, reporter_phone=PHONE, reported_at=T - timedelta(days=3))
    session.flush()
    sibling = report(session, 1, reporter_phone=PHONE, reported_at=T - timedelta(days=2))
    sibling.duplicate_of_id = original.id
    target = report(session, 2, reporter_phone=PHONE, reported_at=T, duplicate_of_id=original.id)
    other = report(session, 3, reporter_phone=PHONE, reported_at=T + timedelta(minutes=5))
    session.flush()
    # A duplicate reported (back-dated) before the event it repeats is still the same report.
    early_copy = report(session, 4, reporter_phone=PHONE, reported_at=T - timedelta(days=1))
    early_copy.duplicate_of_id = other.id
    session.flush()
    counts = repeat_counts(session, [target, other], NOW)
    # target duplicates original: neither original nor its other duplicate (sibling) counts; early_copy
    # does (a separate contact). other: original, sibling, target (its own early copy does not) = 3.
    assert counts == {target.id: 1, other.id: 3}


def test_the_window_ends_now_and_is_thirty_days_of_the_report(session) -> None:
    target = report(session, 0, reporter_phone=PHONE, reported_at=T)
    report(session, 1, reporter_phone=PHONE, reported_at=T - timedelta(days=30) + timedelta(minutes=1))
    report(session, 2, reporter_phone=PHONE, reported_at=T - timedelta(days=30, minutes=1))
    session.flush()
    assert repeat_counts(session, [target], NOW) == {target.id: 1}
    # Asked as if it were still before the earlier report (its time lies in the future): not counted.
    assert repeat_counts(session, [target], T - timedelta(days=31)) == {target.id: 0}


def test_a_batch_is_counted_in_one_query(session, engine) -> None:
    first = report(session, 0, reporter_phone=PHONE, reported_at=T)
    second = report(session, 1, address=ADDRESS, lon=LON, lat=LAT, reported_at=T)
    report(session, 2, reporter_phone=PHONE, reported_at=T - timedelta(days=1))
    report(session, 3, address=ADDRESS, reported_at=T - timedelta(days=2))
    report(session, 4, address="另一处", lon=LON + 0.0005, lat=LAT, reported_at=T - timedelta(days=3))
    report(session, 5, reporter_phone=PHONE, address=ADDRESS, reported_at=T - timedelta(days=4))
    session.flush()
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", seen)
    try:
        counts = repeat_counts(session, [first, second], NOW)
    finally:
        sa_event.remove(engine, "before_cursor_execute", seen)
    # 0.0005 degrees of longitude at 22.59 N: 0.0005 * 111195 * cos(22.59 deg) = 51 m, within 150 m.
    assert counts == {first.id: 2, second.id: 3}
    assert len([s for s in statements if "events" in s]) == 1


def test_nothing_to_count(session) -> None:
    assert repeat_counts(session, [], NOW) == {}


def test_140_m_away_in_any_direction_counts_and_160_m_does_not(session) -> None:
    target = report(session, 0, lon=LON, lat=LAT, reported_at=T)
    # metres per degree of longitude at LAT: the latitude's figure times cos(LAT)
    east = METRES_PER_DEGREE_LAT * math.cos(math.radians(LAT))
    for n, metres in enumerate((140, 160), start=1):
        offsets = [(0, metres / METRES_PER_DEGREE_LAT), (0, -metres / METRES_PER_DEGREE_LAT)]
        offsets += [(metres / east, 0), (-metres / east, 0)]
        for k, (dlon, dlat) in enumerate(offsets):
            report(
                session, 10 * n + k, lon=LON + dlon, lat=LAT + dlat, reported_at=T - timedelta(hours=k + 1)
            )
    session.flush()
    assert repeat_counts(session, [target], NOW) == {target.id: 4}
