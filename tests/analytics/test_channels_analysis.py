"""办件渠道分析 (DOMAIN §4.3) on hand-built cases; the expected figures are worked out in the comments."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from core_app.analytics.channels import ANALYSIS, build_analysis
from core_app.analytics.engine import Query, compute
from core_app.analytics.facts import refresh_case_facts
from core_app.analytics.periods import Granularity, buckets
from core_app.api.app import create_app
from core_app.cases.models import CaseStatus, Channel, SourceSystem
from tests.api import builders as b

NOW = b.local(2026, 6, 1, 10)
MAY = buckets(date(2025, 5, 1), date(2025, 6, 1), Granularity.MONTH)
W, PC, SELF, APP = Channel.WINDOW, Channel.PC_WEB, Channel.SELF_SERVICE, Channel.MOBILE_APP
V1, V2 = SourceSystem.V1, SourceSystem.V2


def missing(value) -> bool:
    return value is None or value != value


def rows(session, periods, by=(), filters=None, analysis=ANALYSIS):
    return compute(session, Query(analysis, periods, by=by, filters=filters or {}), None, NOW).frame.to_dict(
        "records"
    )


def accepted(session, when, channel, system=V2, completed=None, **fields):
    if completed is not None:
        fields |= {"status": CaseStatus.COMPLETED, "completed_at": completed}
    return b.case(
        session,
        channel=channel,
        source_system=system,
        submitted_at=when - timedelta(minutes=10),
        received_at=when - timedelta(minutes=5),
        accepted_at=when,
        **fields,
    )


@pytest.fixture
def departments(session):
    d1, d2 = b.department(session), b.department(session)
    m1, m2 = b.matter(session, department_id=d1.id), b.matter(session, department_id=d2.id)
    session.commit()
    return {"d1": d1.id, "d2": d2.id, "m1": m1.id, "m2": m2.id}


@pytest.fixture
def may_cases(session, departments):
    m1, m2, L = departments["m1"], departments["m2"], b.local
    # May 2025, 8 accepted: window 2.0 x2, window 1.0 x1, PC x2, app x2, self-service x1 (all but the
    # 1.0 window case on 2.0). Completed in May: one 2.0 window case and one app case; an April app
    # case is completed in May too (it counts as completed in May, accepted in April).
    accepted(session, L(2025, 5, 6, 9), W, V2, completed=L(2025, 5, 7, 9), matter_id=m1)
    accepted(session, L(2025, 5, 6, 10), W, V2, matter_id=m1)
    accepted(session, L(2025, 5, 7, 10), W, V1, matter_id=m1)
    accepted(session, L(2025, 5, 8, 10), PC, matter_id=m1)
    accepted(session, L(2025, 5, 9, 10), PC, matter_id=m2)
    accepted(session, L(2025, 5, 12, 10), APP, completed=L(2025, 5, 13, 10), matter_id=m2)
    accepted(session, L(2025, 5, 13, 10), APP, matter_id=m2)
    accepted(session, L(2025, 5, 14, 10), SELF, matter_id=m2)
    # April 2025, 4 accepted: window 1.0 x2, PC x1, app x1 (completed 6 May).
    accepted(session, L(2025, 4, 7, 10), W, V1, matter_id=m1)
    accepted(session, L(2025, 4, 8, 10), W, V1, matter_id=m1)
    accepted(session, L(2025, 4, 9, 10), PC, matter_id=m1)
    accepted(session, L(2025, 4, 10, 10), APP, completed=L(2025, 5, 6, 10), matter_id=m2)
    session.commit()
    refresh_case_facts(session)
    session.commit()


def test_may_rates_and_their_changes(session, may_cases):
    [may] = rows(session, MAY)
    assert (may["accepted_count"], may["completed_count"]) == (8, 3)
    # Online = PC + app = 4 of 8; mobile = 2 of 8; 2.0 = 7 of 8.
    assert (may["online_accepted_count"], may["mobile_accepted_count"], may["v2_accepted_count"]) == (4, 2, 7)
    assert (may["online_rate"], may["mobile_rate"], may["v2_rate"]) == (0.5, 0.25, 0.875)
    # April: online 2 of 4 = 0.5, mobile 1 of 4 = 0.25, 2.0 = PC + app = 2 of 4 = 0.5.
    assert may["accepted_count_pop"] == pytest.approx((8 - 4) / 4)
    assert (may["online_rate_pop"], may["mobile_rate_pop"]) == (0.0, 0.0)
    assert may["v2_rate_pop"] == pytest.approx(0.875 - 0.5)  # points
    # May 2024 had no case: nothing to compare with.
    assert missing(may["accepted_count_yoy"]) and missing(may["online_rate_yoy"])


def test_per_channel_and_filters(session, may_cases, departments):
    per_channel = {r["channel"]: r for r in rows(session, MAY, by=("channel",))}
    assert {c: r["accepted_count"] for c, r in per_channel.items()} == {
        "window": 3,
        "pc_web": 2,
        "mobile_app": 2,
        "self_service": 1,
    }
    # Completed in May: a window case and two app cases (one accepted in April).
    assert (per_channel["window"]["completed_count"], per_channel["mobile_app"]["completed_count"]) == (1, 2)
    assert per_channel["window"]["v2_rate"] == pytest.approx(2 / 3)
    assert per_channel["pc_web"]["online_rate"] == 1.0
    # Department 2 (matter m2): PC, app x2, self-service -> online 3 of 4, mobile 2 of 4, 2.0 4 of 4.
    [d2] = rows(session, MAY, filters={"department": departments["d2"]})
    assert (d2["accepted_count"], d2["online_rate"], d2["mobile_rate"], d2["v2_rate"]) == (4, 0.75, 0.5, 1.0)
    [v1] = rows(session, MAY, filters={"source_system": "v1"})
    assert (v1["accepted_count"], v1["online_rate"]) == (1, 0.0)


def test_self_service_counts_as_online_when_configured(session, may_cases):
    [may] = rows(session, MAY, analysis=build_analysis(self_service_online=True))
    # PC 2 + app 2 + self-service 1 = 5 of 8.
    assert (may["online_accepted_count"], may["online_rate"]) == (5, 0.625)
    assert ANALYSIS.measure("online_rate").appraisal and ANALYSIS.measure("v2_rate").appraisal


def test_january_compares_with_december_and_last_january(session, departments):
    m1, L = departments["m1"], b.local
    # December 2025: window + app (mobile 1 of 2). January 2026: app x3 + window (mobile 3 of 4).
    # January 2025: one window case (mobile 0 of 1).
    accepted(session, L(2025, 12, 30, 10), W, matter_id=m1)
    accepted(session, L(2025, 12, 31, 16), APP, matter_id=m1)
    for day in (1, 2, 3):  # 元旦 holidays: the app takes cases any day
        accepted(session, L(2026, 1, day, 10), APP, matter_id=m1)
    accepted(session, L(2026, 1, 5, 10), W, matter_id=m1)
    accepted(session, L(2025, 1, 6, 10), W, matter_id=m1)
    session.commit()
    refresh_case_facts(session)
    session.commit()
    [january] = rows(session, buckets(date(2026, 1, 1), date(2026, 2, 1), Granularity.MONTH))
    assert (january["accepted_count"], january["mobile_rate"]) == (4, 0.75)
    assert january["accepted_count_pop"] == pytest.approx((4 - 2) / 2)
    assert january["mobile_rate_pop"] == pytest.approx(0.75 - 0.5)
    assert january["accepted_count_yoy"] == pytest.approx((4 - 1) / 1)
    assert january["mobile_rate_yoy"] == pytest.approx(0.75 - 0.0)


def test_served_by_the_analytics_route_per_channel(session, may_cases, auth_headers):
    client = TestClient(create_app(), headers=auth_headers("leader"))
    params = {"granularity": "month", "from": "2025-05-01", "to": "2025-06-01", "by": "channel"}
    response = client.get("/api/v1/analytics/channels", params=params)
    assert response.status_code == 200, response.text
    shown = {r["channel_name"]: r["accepted_count"] for r in response.json()["rows"]}
    assert shown == {"窗口": 3, "浙江政务服务网": 2, "浙里办": 2, "自助终端": 1}
