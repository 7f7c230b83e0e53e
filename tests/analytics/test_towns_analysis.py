"""镇村收件 analysis (DOMAIN §4.8): received cases per town and village, intake sources, shares, ranking."""

from datetime import date

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from core_app.access.models import ScopeKind
from core_app.access.principal import Grant, Principal
from core_app.analytics.engine import PERMISSION, Query, compute
from core_app.analytics.facts import refresh_case_facts
from core_app.analytics.periods import Granularity, buckets
from core_app.analytics.towns import ANALYSIS, town_ranking
from core_app.api.app import create_app
from core_app.cases.models import CaseStatus, Channel, SourceSystem
from core_app.org.models import RegionLevel
from tests.api import builders as b

JANUARY_2026 = buckets(date(2026, 1, 1), date(2026, 2, 1), Granularity.MONTH)

INTAKE = {
    "window_v2": {"channel": Channel.WINDOW, "source_system": SourceSystem.V2},
    "window_v1": {"channel": Channel.WINDOW, "source_system": SourceSystem.V1},
    "self_service": {"channel": Channel.SELF_SERVICE},
    "pc_web": {"channel": Channel.PC_WEB},
    "mobile_app": {"channel": Channel.MOBILE_APP},
}


def grant(scope: ScopeKind, scope_id: int) -> Principal:
    return Principal(username="viewer", grants=(Grant("leader", scope, scope_id, frozenset({PERMISSION})),))


def by_key(frame, key: str) -> dict:
    """Rows keyed by the dimension's value (None for cases without one)."""
    return {(None if pd.isna(k) else k): row for k, row in frame.set_index(key, drop=False).iterrows()}


@pytest.fixture
def district(session):
    """Three towns; T1 has villages V1a (with grid G and hall H1) and V1b (hall H2).

    Received in Jan 2026:
      T1: window 2.0 in G at H1, window 1.0 in V1a at H1, self-service in V1b at H2, 浙里办 and 政务服务网
          recorded at town level (the latter received 1 Jan 07:00 local, still 31 Dec in UTC) -> 5
      T2: window 2.0 twice, 浙里办 once -> 3;  T3: window 1.0 three times -> 3;  no region: window 2.0 -> 1
      and, in T1, one case submitted but not yet received.
    Dec 2025: T1 window 2.0 in G on 31 Dec 23:30 local and 政务服务网 at town level; T2 window 2.0 x3.
    Jan 2025: T1 window 2.0 in V1a x4.
    T1's and the unattributed cases are department D1's matter, T2's and T3's D2's.
    """
    county = b.region(session, name="鄞州区")
    t1 = b.region(session, name="首南街道", level=RegionLevel.TOWN, parent_id=county.id)
    v1a = b.region(session, name="日丽社区", level=RegionLevel.VILLAGE, parent_id=t1.id)
    grid = b.region(session, name="第3网格", level=RegionLevel.GRID, parent_id=v1a.id)
    v1b = b.region(session, name="泰安社区", level=RegionLevel.VILLAGE, parent_id=t1.id)
    t2 = b.region(session, name="钟公庙街道", level=RegionLevel.TOWN, parent_id=county.id)
    t3 = b.region(session, name="姜山镇", level=RegionLevel.TOWN, parent_id=county.id)
    h1 = b.hall(session, name="日丽社区便民服务中心", region_id=v1a.id, level=RegionLevel.VILLAGE)
    h2 = b.hall(session, name="泰安社区便民服务中心", region_id=v1b.id, level=RegionLevel.VILLAGE)
    d1_matter, d2_matter = b.matter(session), b.matter(session)
    person = b.citizen(session)

    def received(region, source, when, *, matter=d1_matter, hall=None, **fields):
        return b.case(
            session,
            matter_id=matter.id,
            citizen_id=person.id,
            intake_region_id=region.id if region else None,
            hall_id=hall.id if hall else None,
            **{"submitted_at": when, "received_at": when} | INTAKE[source] | fields,
        )

    received(grid, "window_v2", b.local(2026, 1, 5), hall=h1)
    received(v1a, "window_v1", b.local(2026, 1, 6), hall=h1)
    received(v1b, "self_service", b.local(2026, 1, 7), hall=h2)
    received(t1, "mobile_app", b.local(2026, 1, 8))
    received(t1, "pc_web", b.local(2026, 1, 1, 7))
    for day in (9, 10):
        received(t2, "window_v2", b.local(2026, 1, day), matter=d2_matter)
    received(t2, "mobile_app", b.local(2026, 1, 11), matter=d2_matter)
    for day in (12, 13, 14):
        received(t3, "window_v1", b.local(2026, 1, day), matter=d2_matter)
    received(None, "window_v2", b.local(2026, 1, 15))
    received(
        t1, "window_v2", b.local(2026, 1, 16), received_at=None, accepted_at=None, status=CaseStatus.SUBMITTED
    )
    received(grid, "window_v2", b.local(2025, 12, 31, 23, 30), hall=h1)
    received(t1, "pc_web", b.local(2025, 12, 10))
    for day in (1, 2, 3):
        received(t2, "window_v2", b.local(2025, 12, day), matter=d2_matter)
    for day in (6, 7, 8, 9):
        received(v1a, "window_v2", b.local(2025, 1, day), hall=h1)
    session.commit()
    refresh_case_facts(session)
    session.commit()
    return {
        "t1": t1.id,
        "t2": t2.id,
        "t3": t3.id,
        "v1a": v1a.id,
        "v1b": v1b.id,
        "h1": h1.id,
        "h2": h2.id,
        "d1": d1_matter.department_id,
        "d2": d2_matter.department_id,
    }


def test_received_per_town_with_sources_shares_and_changes(session, district):
    towns = by_key(compute(session, Query(ANALYSIS, JANUARY_2026, by=("town",))).frame, "town")
    assert set(towns) == {district["t1"], district["t2"], district["t3"], None}
    t1 = towns[district["t1"]]
    # T1: one of each source out of 5 (the 1 Jan 07:00 case is January's; the unreceived one is not counted).
    assert t1["received_count"] == 5
    assert [t1[f"{s}_count"] for s in INTAKE] == [1, 1, 1, 1, 1]
    assert [t1[f"{s}_share"] for s in INTAKE] == pytest.approx([0.2] * 5)
    # 环比: Dec 2025 had 2 (31 Dec 23:30 local counts in December) -> (5-2)/2 = 1.5;
    # window 2.0 share 1/2 -> 0.2 - 0.5 = -30 points. 同比: Jan 2025 had 4 -> (5-4)/4 = 0.25;
    # window 2.0 share 4/4 -> -80 points; 浙里办 share 0/4 -> +20 points.
    assert t1["received_count_pop"] == pytest.approx(1.5)
    assert t1["window_v2_share_pop"] == pytest.approx(-0.3)
    assert t1["received_count_yoy"] == pytest.approx(0.25)
    assert t1["window_v2_share_yoy"] == pytest.approx(-0.8)
    assert t1["mobile_app_share_yoy"] == pytest.approx(0.2)

    t2 = towns[district["t2"]]
    # T2: window 2.0 x2, 浙里办 x1 -> shares 2/3 and 1/3; Dec 3 -> 0.0; Dec window 2.0 share 3/3 -> -1/3
    # points; nothing in Jan 2025: 同比 undefined.
    assert (t2["received_count"], t2["window_v2_count"], t2["mobile_app_count"]) == (3, 2, 1)
    assert t2["window_v2_share"] == pytest.approx(2 / 3)
    assert t2["received_count_pop"] == pytest.approx(0.0)
    assert t2["window_v2_share_pop"] == pytest.approx(2 / 3 - 1)
    assert pd.isna(t2["received_count_yoy"]) and pd.isna(t2["window_v2_share_yoy"])
    assert towns[None]["received_count"] == 1  # no intake region recorded


def test_district_total_by_intake_source(session, district):
    total = compute(session, Query(ANALYSIS, JANUARY_2026)).frame.iloc[0]
    # 5 + 3 + 3 + 1 = 12: window 2.0 1 + 2 + 1 = 4, window 1.0 1 + 3 = 4, self-service 1, web 1,
    # app 1 + 1 = 2.
    assert total["received_count"] == 12
    assert [total[f"{s}_count"] for s in INTAKE] == [4, 4, 1, 1, 2]
    assert [total[f"{s}_share"] for s in INTAKE] == pytest.approx([1 / 3, 1 / 3, 1 / 12, 1 / 12, 1 / 6])
    sources = by_key(
        compute(session, Query(ANALYSIS, JANUARY_2026, by=("intake_source",))).frame, "intake_source"
    )
    assert {k: r["received_count"] for k, r in sources.items()} == {
        "window_v2": 4,
        "window_v1": 4,
        "self_service": 1,
        "pc_web": 1,
        "mobile_app": 2,
    }
    assert sources["pc_web"]["pc_web_share"] == pytest.approx(1.0)
    departments = by_key(
        compute(session, Query(ANALYSIS, JANUARY_2026, by=("department",))).frame, "department"
    )
    # D1: T1's 5 and the unattributed 1; D2: T2's 3 and T3's 3.
    assert {k: r["received_count"] for k, r in departments.items()} == {district["d1"]: 6, district["d2"]: 6}


def test_drill_from_a_town_to_its_villages_and_halls(session, district):
    in_t1 = {"town": district["t1"]}
    villages = by_key(compute(session, Query(ANALYSIS, JANUARY_2026, ("village",), in_t1)).frame, "village")
    # V1a: the grid's case and its own; V1b: one; the two online cases recorded at town level have no village.
    assert {k: r["received_count"] for k, r in villages.items()} == {
        district["v1a"]: 2,
        district["v1b"]: 1,
        None: 2,
    }
    halls = by_key(compute(session, Query(ANALYSIS, JANUARY_2026, ("hall",), in_t1)).frame, "hall")
    assert {k: r["received_count"] for k, r in halls.items()} == {
        district["h1"]: 2,
        district["h2"]: 1,
        None: 2,
    }


def test_year_over_year_at_year_granularity(session, district):
    years = buckets(date(2026, 1, 1), date(2027, 1, 1), Granularity.YEAR)
    row = compute(session, Query(ANALYSIS, years)).frame.iloc[0]
    # 2026: 12 received; 2025: Jan 4 + Dec 5 = 9 -> (12 - 9)/9; 2.0 window share 4/12 vs (4 + 4)/9.
    assert (row["period"], row["received_count"]) == ("2026", 12)
    assert row["received_count_pop"] == pytest.approx(1 / 3)
    assert row["window_v2_share_pop"] == pytest.approx(4 / 12 - 8 / 9)


def test_data_scope_of_a_town_and_of_a_hall(session, district):
    query = Query(ANALYSIS, JANUARY_2026)
    # A town grant reaches its villages and grids: T1's 5 cases.
    assert (
        compute(session, query, grant(ScopeKind.REGION, district["t1"])).frame.iloc[0]["received_count"] == 5
    )
    assert compute(session, query, grant(ScopeKind.HALL, district["h2"])).frame.iloc[0]["received_count"] == 1


def test_town_ranking_shares_ranks_on_ties_and_leaves_out_unattributed_cases(session, district):
    ranked = town_ranking(session, JANUARY_2026[0])
    # T1 5; T2 and T3 3 each (rank 2 both, listed by id); the unattributed case is not ranked.
    assert ranked["town"].tolist() == [district["t1"], district["t2"], district["t3"]]
    assert ranked["rank"].tolist() == [1, 2, 2]
    assert ranked["town_name"].tolist() == ["首南街道", "钟公庙街道", "姜山镇"]
    assert ranked["received_count"].tolist() == [5, 3, 3]
    # 环比: T1 (5-2)/2, T2 (3-3)/3, T3 had none in December -> undefined. 同比: T1 (5-4)/4, others undefined.
    assert ranked["received_count_pop"].tolist()[:2] == pytest.approx([1.5, 0.0])
    assert pd.isna(ranked["received_count_pop"].iloc[2])
    assert ranked["received_count_yoy"].iloc[0] == pytest.approx(0.25)
    assert ranked["received_count_yoy"].iloc[1:].isna().all()


def test_drill_from_a_town_to_the_cases_behind_a_source_count(session, district, auth_headers):
    client = TestClient(create_app(), headers=auth_headers("leader"))
    params = {
        "granularity": "month",
        "from": "2026-01-01",
        "to": "2026-02-01",
        "town": str(district["t1"]),
        "by": "cases",
        "indicator": "pc_web_share",  # a share lists its numerator's cases
    }
    response = client.get("/api/v1/analytics/towns", params=params)
    assert response.status_code == 200, response.text
    page = response.json()
    # T1's only 政务服务网 case in January, received 1 Jan 07:00 local.
    assert page["total"] == 1
    assert (page["items"][0]["channel"], page["items"][0]["received_at"]) == (
        "pc_web",
        "2026-01-01T07:00:00+08:00",
    )
