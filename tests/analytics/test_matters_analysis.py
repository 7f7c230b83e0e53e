"""政务服务事项分析 (DOMAIN §4.1): catalogue snapshots, the snapshot each period reads, 较前次 as 环比.

Three states of a small catalogue, worked out by hand:

S1, snapshot 31 March 2025 (D1: m1 m2 m3 m4, D2: m5)
    m1 active, 0 visits, immediate, online, mobile, in hall, L 10 P 5
    m2 active, 1 visit, online, in hall, L 20 P 10
    m3 active, 2 visits, hall-exempt (不宜进驻), no legal limit, P 5
    m4 suspended (0 visits, online): not counted
    m5 active, 1 visit, online, mobile, not in hall, L 15 P 15
    -> 4 active; ≤1 visit m1 m2 m5 3/4; 0 visits 1/4; immediate 1/4; online 3/4; mobile 2/4;
       entry: in hall m1 m2 of the non-exempt m1 m2 m5 = 2/3; promise: (45 - 30)/45 = 1/3.
S2, snapshot 20 April: m3 1 visit and online; m4 active; m5 in hall; new m6 (D2) 2 visits, in hall, L 10 P 2
    -> 6 active; ≤1 visit m1-m5 5/6; 0 visits m1 m4 2/6; immediate 1/6; online m1-m5 5/6; mobile 2/6;
       entry: m1 m2 m4 m5 m6 all in hall 5/5; promise: ΣL 10+20+15+10 = 55, Σ(L-P) 5+10+0+8 = 23 -> 23/55.
S3, snapshot 3 May: m2 revoked -> 5 active (m1 m3 m4 m5 m6); mobile m1 m5 2/5.
Live (after 3 May): m6 becomes mobile -> mobile 3/5; ≤1 visit m1 m3 m4 m5 4/5; promise (5+0+8)/35.
"""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core_app.access.models import ScopeKind
from core_app.access.principal import Grant, Principal
from core_app.analytics.engine import PERMISSION, Query, compute, record_ids
from core_app.analytics.matters import ANALYSIS, CATALOGUE_SOURCE, take_matter_snapshot
from core_app.analytics.models import MatterSnapshot
from core_app.analytics.periods import Granularity, buckets
from core_app.api.app import create_app
from core_app.matters.models import MatterStatus
from tests.api import builders as b

MID_MAY = b.local(2025, 5, 15, 10)
SPRING = buckets(date(2025, 3, 1), date(2025, 6, 1), Granularity.MONTH)  # March, April, May


def missing(value) -> bool:
    return value is None or value != value


def rows(session, periods, now, by=(), filters=None, principal=None):
    query = Query(ANALYSIS, periods, by=by, filters=filters or {})
    return compute(session, query, principal, now).frame.to_dict("records")


@pytest.fixture
def catalogue(session):
    d1, d2 = b.department(session), b.department(session)
    m = {
        "m1": b.matter(
            session, department_id=d1.id, max_visits=0, is_immediate=True, online_capable=True,
            mobile_capable=True, legal_limit_days=10, promised_limit_days=5,
        ),
        "m2": b.matter(
            session, department_id=d1.id, max_visits=1, online_capable=True, legal_limit_days=20,
            promised_limit_days=10,
        ),
        "m3": b.matter(session, department_id=d1.id, max_visits=2, in_hall=False, hall_exempt=True),
        "m4": b.matter(
            session, department_id=d1.id, max_visits=0, online_capable=True, status=MatterStatus.SUSPENDED
        ),
        "m5": b.matter(
            session, department_id=d2.id, max_visits=1, online_capable=True, mobile_capable=True,
            in_hall=False, legal_limit_days=15, promised_limit_days=15,
        ),
    }  # fmt: skip
    session.commit()
    take_matter_snapshot(session, date(2025, 3, 31))
    m["m3"].max_visits, m["m3"].online_capable = 1, True
    m["m4"].status = MatterStatus.ACTIVE
    m["m5"].in_hall = True
    m["m6"] = b.matter(session, department_id=d2.id, max_visits=2, legal_limit_days=10, promised_limit_days=2)
    session.commit()
    take_matter_snapshot(session, date(2025, 4, 20))
    m["m2"].status = MatterStatus.REVOKED
    session.commit()
    take_matter_snapshot(session, date(2025, 5, 3))
    m["m6"].mobile_capable = True
    session.commit()
    return {"d1": d1.id, "d2": d2.id, **{k: v.id for k, v in m.items()}}


def test_each_month_reads_its_snapshot_and_the_running_month_the_live_catalogue(session, catalogue):
    march, april, may = rows(session, SPRING, MID_MAY)
    # March: the 31 March snapshot (S1).
    assert march["matter_count"] == 4
    assert (march["one_visit_ratio"], march["zero_visit_ratio"], march["immediate_ratio"]) == (
        0.75,
        0.25,
        0.25,
    )
    assert (march["matter_online_ratio"], march["matter_mobile_ratio"]) == (0.75, 0.5)
    assert march["entry_rate"] == pytest.approx(2 / 3)
    assert march["promise_advance_rate"] == pytest.approx(1 / 3)
    # April: the latest snapshot on or before 30 April is 20 April (S2); 3 May belongs to May.
    assert april["matter_count"] == 6
    assert april["one_visit_ratio"] == pytest.approx(5 / 6)
    assert april["zero_visit_ratio"] == pytest.approx(2 / 6)
    assert april["matter_mobile_ratio"] == pytest.approx(2 / 6)
    assert april["entry_rate"] == 1.0
    assert april["promise_advance_rate"] == pytest.approx(23 / 55)
    # May is still running on 15 May: the live catalogue (m2 revoked, m6 mobile since 3 May).
    assert may["matter_count"] == 5
    assert (may["one_visit_ratio"], may["matter_mobile_ratio"]) == (0.8, 0.6)
    assert may["promise_advance_rate"] == pytest.approx(13 / 35)


def test_previous_snapshot_comparison_is_the_pop(session, catalogue):
    march, april, may = rows(session, SPRING, MID_MAY)
    # 较前次: April against March's snapshot. A count changes relatively, a ratio in points.
    assert april["matter_count_pop"] == pytest.approx((6 - 4) / 4)
    assert april["one_visit_ratio_pop"] == pytest.approx(5 / 6 - 0.75)
    assert april["entry_rate_pop"] == pytest.approx(1 - 2 / 3)
    assert april["promise_advance_rate_pop"] == pytest.approx(23 / 55 - 1 / 3)
    assert may["matter_mobile_ratio_pop"] == pytest.approx(0.6 - 2 / 6)
    # February has no snapshot: nothing to compare March with; no snapshot a year before either.
    assert missing(march["matter_count_pop"]) and missing(march["one_visit_ratio_pop"])
    assert missing(april["matter_count_yoy"]) and missing(april["promise_advance_rate_yoy"])


def test_an_ended_month_reads_its_snapshot_not_the_live_catalogue(session, catalogue):
    [may] = rows(session, SPRING[2:], b.local(2025, 6, 2, 10))
    # May has ended: the 3 May snapshot (S3), where m6 is not mobile yet: mobile m1 m5 of 5.
    assert (may["matter_count"], may["matter_mobile_ratio"]) == (5, 0.4)


def test_by_department_filters_and_scope(session, catalogue):
    april = SPRING[1:2]
    by_department = {
        r["department"]: r["matter_count"] for r in rows(session, april, MID_MAY, by=("department",))
    }
    assert by_department == {catalogue["d1"]: 4, catalogue["d2"]: 2}
    # D2 in April: m5 (L 15, P 15) and m6 (L 10, P 2): (0 + 8) / 25.
    [d2] = rows(session, april, MID_MAY, filters={"department": catalogue["d2"]})
    assert d2["promise_advance_rate"] == pytest.approx(8 / 25)
    leader = Principal(
        "d2", (Grant("leader", ScopeKind.DEPARTMENT, catalogue["d2"], frozenset({PERMISSION})),)
    )
    [scoped] = rows(session, april, MID_MAY, principal=leader)
    assert (scoped["matter_count"], scoped["promise_advance_rate"]) == (2, pytest.approx(8 / 25))


def test_drill_to_the_matter_cards_of_a_snapshot(session, catalogue):
    query = Query(ANALYSIS, SPRING[0:1], filters={"department": catalogue["d1"]})
    ids = record_ids(ANALYSIS, query, "one_visit_ratio", None, MID_MAY)
    # March, D1, at most one visit: m1 and m2 (m4 was suspended then, m3 needed two visits).
    cards = CATALOGUE_SOURCE.records(session, ids)
    assert sorted(card["matter_id"] for card in cards) == sorted([catalogue["m1"], catalogue["m2"]])
    assert {"code", "name", "department", "max_visits"} <= set(cards[0])


def test_taking_a_snapshot_twice_on_one_day_replaces_it(session, catalogue):
    on = date(2025, 5, 3)
    assert take_matter_snapshot(session, on) == 6
    session.commit()
    snapshot = session.scalars(select(MatterSnapshot).where(MatterSnapshot.taken_on == on)).all()
    assert len(snapshot) == 6  # one row per matter, not two
    m6 = next(s for s in snapshot if s.matter_id == catalogue["m6"])
    assert m6.mobile_capable is True  # the catalogue as it is now
    assert m6.attributes["code"].startswith("M") and m6.attributes["version"] == 1


def test_january_compares_with_december_and_last_january(session):
    department = b.department(session).id
    b.matter(session, department_id=department, online_capable=True)
    bm = b.matter(session, department_id=department)
    session.commit()
    take_matter_snapshot(session, date(2025, 1, 31))  # a b: online 1/2
    b.matter(session, department_id=department, online_capable=True)
    b.matter(session, department_id=department)
    session.commit()
    take_matter_snapshot(session, date(2025, 12, 31))  # a b c d: online 2/4
    bm.status = MatterStatus.REVOKED
    session.commit()
    take_matter_snapshot(session, date(2026, 1, 31))  # a c d: online 2/3
    [january] = rows(
        session, buckets(date(2026, 1, 1), date(2026, 2, 1), Granularity.MONTH), b.local(2026, 3, 1)
    )
    assert (january["matter_count"], january["matter_online_ratio"]) == (3, pytest.approx(2 / 3))
    assert january["matter_count_pop"] == pytest.approx((3 - 4) / 4)
    assert january["matter_count_yoy"] == pytest.approx((3 - 2) / 2)
    assert january["matter_online_ratio_pop"] == pytest.approx(2 / 3 - 0.5)
    assert january["matter_online_ratio_yoy"] == pytest.approx(2 / 3 - 0.5)


def test_served_by_the_analytics_route_down_to_the_matter_cards(session, catalogue, auth_headers):
    client = TestClient(create_app(), headers=auth_headers("leader"))
    march = {"granularity": "month", "from": "2025-03-01", "to": "2025-04-01"}
    response = client.get("/api/v1/analytics/matters", params=march)
    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    assert (row["matter_count"], row["promise_advance_rate"]) == (4, pytest.approx(1 / 3))
    params = {**march, "by": "cases", "indicator": "one_visit_ratio", "department": str(catalogue["d1"])}
    items = client.get("/api/v1/analytics/matters", params=params).json()["items"]
    assert sorted(item["matter_id"] for item in items) == sorted([catalogue["m1"], catalogue["m2"]])
