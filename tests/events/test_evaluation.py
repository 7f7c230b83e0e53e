"""Department evaluation on a hand-built month whose every figure is worked out below, by hand.

Period: March 2025 (Asia/Shanghai). T = Mon 3 March 09:00. ``now`` is 10 April.

Department X (water, parent of Z), five assignments in March:
  a1 e1 lead   signed T+10 (due T+15) on time; completed T+40 (due T+45) on time; 30 min; callback basically
  a2 e2 lead   signed T+20 (due T+15) late;    completed T+110 (due T+80) late;  90 min; callback
               dissatisfied, then the event is reopened
  a3 e3 lead   returned T+5 (due T+15), unsigned: answered in time; returned
  a5 e4 lead   signed T+12 on time, then taken away by a redispatch (cancelled)
  a7 e5 lead   dispatched 31 March 23:50, due 1 April 00:05, never signed: late by ``now``
  (plus one on 28 Feb 23:59 and one on 1 April 00:00: outside the period)
  -> dispatched 5; sign 3 on time of 5 decided = 0.6; closed on time 1/2 = 0.5; return 1/5 = 0.2;
     redispatch 1/5 = 0.2; reopen 1/2 = 0.5; satisfaction 1/2 = 0.5; mean (30 + 90)/2 = 60.0;
     urge 1 and supervise 1 in March (a remind does not count, an urge in February is outside);
     score 0.3*0.6 + 0.3*0.5 + 0.2*0.5 + 0.2*(1 - 0.2) = 0.59
Department Y (roads):
  a4 e3 lead   dispatched T+30 after the return, signed T+35 (due T+45), completed T+155 (due T+1d): 120 min
  a6 e4 lead   dispatched T+60 by the redispatch, signed T+70 (due T+75), completed T+130 (due T+100) late:
               60 min
  a9 e1 assist signed T+14 (due T+15), completed T+40 (due T+45): 26 min; an assist gets no callbacks
  callbacks e3 satisfied, e4 satisfied
  -> dispatched 3; sign 3/3 = 1.0; closed on time 2/3 = 0.6667; return 0.0; redispatch 0.0; reopen 0/2 = 0.0;
     satisfaction 2/2 = 1.0; mean (120 + 60 + 26)/3 = 68.7; score 0.3 + 0.3*0.6667 + 0.2 + 0.2 = 0.9
Departments Z (under X) and W (under Y): one assignment each, signed in 5 min, completed in 20 (on time), no
  callback: satisfaction has no data, so the other weights are scaled up: (0.3 + 0.3 + 0.2) / 0.8 = 1.0.
Ranks: Z 1, W 1 (tie), Y 3, X 4.
"""

import csv
import io
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core_app.api.app import create_app
from core_app.config import LOCAL_TZ
from core_app.events.evaluation import (
    DepartmentEvaluation,
    EventFilter,
    Weights,
    evaluate_departments,
    rank,
    score,
)
from core_app.events.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Callback,
    EventAction,
    EventSource,
    ReturnReason,
    Satisfaction,
)
from core_app.org.models import RegionLevel
from core_app.supervision.models import Supervision, SupervisionKind, SupervisionTarget
from tests.api import builders as b

T = datetime(2025, 3, 3, 9, 0, tzinfo=LOCAL_TZ)
MARCH = EventFilter(datetime(2025, 3, 1, tzinfo=LOCAL_TZ), datetime(2025, 4, 1, tzinfo=LOCAL_TZ))
NOW = datetime(2025, 4, 10, 12, 0, tzinfo=LOCAL_TZ)


def minutes(n: float) -> datetime:
    return T + timedelta(minutes=n)


EXPECTED = {
    "X": {
        "dispatched": 5,
        "sign_decided": 5,
        "signed_on_time": 3,
        "sign_on_time_rate": 0.6,
        "completed": 2,
        "completed_on_time": 1,
        "closed_on_time_rate": 0.5,
        "returned": 1,
        "return_rate": 0.2,
        "redispatched": 1,
        "redispatch_rate": 0.2,
        "lead_completed": 2,
        "reopened": 1,
        "reopen_rate": 0.5,
        "callbacks": 2,
        "satisfied_callbacks": 1,
        "satisfaction_rate": 0.5,
        "mean_handling_minutes": 60.0,
        "urge_count": 1,
        "supervise_count": 1,
        "score": 0.59,
        "rank": 4,
    },
    "Y": {
        "dispatched": 3,
        "sign_decided": 3,
        "signed_on_time": 3,
        "sign_on_time_rate": 1.0,
        "completed": 3,
        "completed_on_time": 2,
        "closed_on_time_rate": 0.6667,
        "returned": 0,
        "return_rate": 0.0,
        "redispatched": 0,
        "redispatch_rate": 0.0,
        "lead_completed": 2,
        "reopened": 0,
        "reopen_rate": 0.0,
        "callbacks": 2,
        "satisfied_callbacks": 2,
        "satisfaction_rate": 1.0,
        "mean_handling_minutes": 68.7,
        "urge_count": 0,
        "supervise_count": 0,
        "score": 0.9,
        "rank": 3,
    },
}
SMALL = {
    "dispatched": 1,
    "sign_on_time_rate": 1.0,
    "closed_on_time_rate": 1.0,
    "return_rate": 0.0,
    "callbacks": 0,
    "satisfaction_rate": None,
    "mean_handling_minutes": 20.0,
    "score": 1.0,
    "rank": 1,
}


@pytest.fixture(params=["old", "new"])
def month(request, session):
    """The month above; the redispatch action names the old assignment or the new one (both are read)."""
    street1 = b.region(session, level=RegionLevel.TOWN, name="一街道", lon=114.25, lat=22.55)
    street2 = b.region(session, level=RegionLevel.TOWN, name="二街道", lon=114.30, lat=22.60)
    parent = b.event_category(session, name="市容")
    child = b.event_category(session, name="占道", parent_id=parent.id, level=2)
    other = b.event_category(session, name="噪音")
    x = b.department(session, code="X", name="水务局")
    y = b.department(session, code="Y", name="住建局")
    z = b.department(session, code="Z", name="水务所", parent_id=x.id)
    w = b.department(session, code="W", name="住建所", parent_id=y.id)

    def event(**fields):
        defaults = {
            "street_id": street1.id,
            "category_id": child.id,
            "reported_at": T - timedelta(minutes=30),
        }
        return b.event(session, **defaults | fields)

    def assign(event_, department, dispatched, sign_due, **fields):
        record = Assignment(
            event_id=event_.id,
            department_id=department.id,
            dispatched_at=dispatched,
            sign_due_at=sign_due,
            **{"role": AssignmentRole.LEAD, "status": AssignmentStatus.DONE} | fields,
        )
        session.add(record)
        session.flush()
        return record

    e1, e2, e3, e4, e5, e6, e0 = (event() for _ in range(7))
    e7 = event(street_id=street2.id, category_id=other.id)
    e8 = event(street_id=street2.id, source=EventSource.GRID)
    assign(e1, x, T, minutes(15), signed_at=minutes(10), handle_due_at=minutes(45), completed_at=minutes(40))
    assign(e2, x, T, minutes(15), signed_at=minutes(20), handle_due_at=minutes(80), completed_at=minutes(110))
    assign(
        e3,
        x,
        T,
        minutes(15),
        status=AssignmentStatus.RETURNED,
        returned_at=minutes(5),
        return_reason=ReturnReason.NOT_OUR_REMIT,
    )
    a5 = assign(e4, x, T, minutes(15), signed_at=minutes(12), status=AssignmentStatus.CANCELLED)
    late_night = datetime(2025, 3, 31, 23, 50, tzinfo=LOCAL_TZ)
    assign(e5, x, late_night, late_night + timedelta(minutes=15), status=AssignmentStatus.PENDING_SIGN)
    april = datetime(2025, 4, 1, tzinfo=LOCAL_TZ)
    assign(e6, x, april, april + timedelta(minutes=15), status=AssignmentStatus.PENDING_SIGN)
    february = datetime(2025, 2, 28, 23, 59, tzinfo=LOCAL_TZ)
    assign(e0, x, february, february + timedelta(minutes=15), status=AssignmentStatus.PENDING_SIGN)
    assign(
        e3, y, minutes(30), minutes(45), signed_at=minutes(35), handle_due_at=T + timedelta(days=1),
        completed_at=minutes(155),
    )  # fmt: skip
    a6 = assign(
        e4,
        y,
        minutes(60),
        minutes(75),
        signed_at=minutes(70),
        handle_due_at=minutes(100),
        completed_at=minutes(130),
    )
    assign(
        e1, y, T, minutes(15), role=AssignmentRole.ASSIST, signed_at=minutes(14), handle_due_at=minutes(45),
        completed_at=minutes(40),
    )  # fmt: skip
    for event_, department in ((e7, z), (e8, w)):
        start = minutes(120)
        assign(
            event_, department, start, start + timedelta(minutes=15), signed_at=start + timedelta(minutes=5),
            handle_due_at=start + timedelta(minutes=30), completed_at=start + timedelta(minutes=25),
        )  # fmt: skip
    named = a5 if request.param == "old" else a6
    session.add_all(
        [
            EventAction(
                event_id=e4.id,
                assignment_id=named.id,
                action="redispatch",
                from_status="signed",
                to_status="dispatched",
                actor="dispatcher",
                created_at=minutes(60),
            ),  # fmt: skip
            EventAction(
                event_id=e2.id,
                action="reopen",
                from_status="closed",
                to_status="in_progress",
                actor="supervisor",
                created_at=T + timedelta(days=1, hours=1),
            ),  # fmt: skip
            Callback(event_id=e1.id, at=T + timedelta(days=1), satisfaction=Satisfaction.BASICALLY),
            Callback(event_id=e2.id, at=T + timedelta(days=1), satisfaction=Satisfaction.DISSATISFIED),
            Callback(event_id=e3.id, at=T + timedelta(days=1), satisfaction=Satisfaction.SATISFIED),
            Callback(event_id=e4.id, at=T + timedelta(days=1), satisfaction=Satisfaction.SATISFIED),
        ]
    )
    for kind, at, on in (
        (SupervisionKind.URGE, minutes(60), e1),
        (SupervisionKind.SUPERVISE, minutes(120), e2),
        (SupervisionKind.REMIND, minutes(10), e1),
        (SupervisionKind.URGE, datetime(2025, 2, 20, tzinfo=LOCAL_TZ), e0),
    ):
        session.add(
            Supervision(
                target_type=SupervisionTarget.EVENT, target_id=on.id, event_id=on.id, department_id=x.id,
                kind=kind, issued_at=at, reason="超时未签收",
            )
        )  # fmt: skip
    session.commit()
    return {
        "X": x,
        "Y": y,
        "Z": z,
        "W": w,
        "street2": street2,
        "parent_category": parent,
        "other_category": other,
    }


def by_code(rows) -> dict[str, dict]:
    return {
        (r.department_code if isinstance(r, DepartmentEvaluation) else r["department_code"]): r for r in rows
    }


def as_dict(row: DepartmentEvaluation) -> dict:
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


def test_every_figure_score_and_rank_match_the_hand_count(month, session) -> None:
    rows = evaluate_departments(session, MARCH, now=NOW)
    assert [r.department_code for r in rows] in (["W", "Z", "Y", "X"], ["Z", "W", "Y", "X"])
    found = {code: as_dict(row) for code, row in by_code(rows).items()}
    for code, expected in EXPECTED.items():
        assert {k: found[code][k] for k in expected} == expected, code
    for code in ("Z", "W"):
        assert {k: found[code][k] for k in SMALL} == SMALL, code


def test_an_unsigned_assignment_still_within_its_deadline_is_not_decided_yet(month, session) -> None:
    x = by_code(evaluate_departments(session, MARCH, now=datetime(2025, 4, 1, tzinfo=LOCAL_TZ)))["X"]
    assert (x.sign_decided, x.signed_on_time, x.sign_on_time_rate) == (4, 3, 0.75)


def test_filters_narrow_the_events_counted(month, session) -> None:
    hotline = EventFilter(MARCH.start, MARCH.end, source=EventSource.HOTLINE_12345)
    assert {r.department_code: r.rank for r in evaluate_departments(session, hotline, now=NOW)} == {
        "Z": 1,
        "Y": 2,
        "X": 3,
    }
    street = EventFilter(MARCH.start, MARCH.end, street_id=month["street2"].id)
    assert sorted(r.department_code for r in evaluate_departments(session, street, now=NOW)) == ["W", "Z"]
    # A parent category covers its sub-categories; supervision counts follow the filtered events.
    parent = EventFilter(MARCH.start, MARCH.end, category_id=month["parent_category"].id)
    rows = by_code(evaluate_departments(session, parent, now=NOW))
    assert sorted(rows) == ["W", "X", "Y"]
    assert (rows["X"].urge_count, rows["X"].supervise_count) == (1, 1)
    other = EventFilter(MARCH.start, MARCH.end, category_id=month["other_category"].id)
    assert [r.department_code for r in evaluate_departments(session, other, now=NOW)] == ["Z"]


def test_weights_change_the_score(month, session) -> None:
    only_returns = Weights(sign_on_time=0, closed_on_time=0, satisfaction=0, no_return=1)
    rows = by_code(evaluate_departments(session, MARCH, weights=only_returns, now=NOW))
    assert (rows["X"].score, rows["X"].rank, rows["Y"].score, rows["Y"].rank) == (0.8, 4, 1.0, 1)
    with pytest.raises(ValueError):
        Weights(0, 0, 0, 0)


def test_departments_below_the_minimum_are_listed_unranked(month, session) -> None:
    rows = evaluate_departments(session, MARCH, now=NOW, min_dispatched=2)
    assert [(r.department_code, r.score, r.rank) for r in rows][:2] == [("Y", 0.9, 1), ("X", 0.59, 2)]
    assert {(r.department_code, r.score, r.rank, r.dispatched) for r in rows[2:]} == {
        ("Z", None, None, 1),
        ("W", None, None, 1),
    }


def test_competition_ranking_shares_ranks_on_ties() -> None:
    def row(score_: float | None) -> DepartmentEvaluation:
        zero = dict.fromkeys(DepartmentEvaluation.__dataclass_fields__, 0)
        return DepartmentEvaluation(
            **zero | {"department_code": "", "department_name": "", "score": score_, "rank": None}
        )

    rows = [row(0.5), row(0.9), row(0.9), row(None), row(0.7)]
    rank(rows)
    assert [r.rank for r in rows] == [4, 1, 1, None, 3]
    no_data = row(None)
    for rate in ("sign_on_time_rate", "closed_on_time_rate", "satisfaction_rate", "return_rate"):
        setattr(no_data, rate, None)
    assert score(no_data, Weights()) is None


@pytest.fixture
def api(engine, auth_headers):
    def client(role: str = "system_admin", **scope) -> TestClient:
        return TestClient(create_app(), headers=auth_headers(role, **scope))

    return client


def test_api_json_and_csv_give_the_same_numbers(month, api) -> None:
    client = api()
    params = {"from": "2025-03-01", "to": "2025-04-01"}
    body = client.get("/api/v1/event-evaluation", params=params).json()
    assert (
        body["period_from"] == "2025-03-01T00:00:00+08:00"
        and body["period_to"] == "2025-04-01T00:00:00+08:00"
    )
    assert [r["rank"] for r in body["rows"]] == [1, 1, 3, 4]
    # The API's now is the wall clock: a7 is long overdue, so the figures are those of the hand count.
    rows = by_code(body["rows"])
    for code, expected in EXPECTED.items():
        assert {k: rows[code][k] for k in expected} == expected, code
    assert rows["Z"]["satisfaction_rate"] is None

    response = client.get(
        "/api/v1/event-evaluation", params=params | {"format": "csv", "source": "hotline_12345"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8 and shows 水务局
    preamble, table = response.content.decode("utf-8-sig").split("\r\n\r\n")
    assert "# source,hotline_12345" in preamble and "# street_id,all" in preamble
    assert "# from,2025-03-01T00:00:00+08:00" in preamble and "# min_dispatched,1" in preamble
    json_rows = client.get("/api/v1/event-evaluation", params=params | {"source": "hotline_12345"}).json()[
        "rows"
    ]
    csv_rows = list(csv.DictReader(io.StringIO(table)))
    assert [r["department_code"] for r in csv_rows] == [r["department_code"] for r in json_rows]
    for from_csv, from_json in zip(csv_rows, json_rows, strict=True):
        assert from_csv == {k: "" if v is None else str(v) for k, v in from_json.items()}
    assert by_code(csv_rows)["X"]["department_name"] == "水务局"


def test_a_department_scoped_caller_sees_its_subtree_only(month, api) -> None:
    handler = api("dept_handler", scope="department", scope_id=month["X"].id)
    body = handler.get("/api/v1/event-evaluation", params={"from": "2025-03-01", "to": "2025-04-01"}).json()
    assert [(r["department_code"], r["rank"]) for r in body["rows"]] == [("Z", 1), ("X", 2)]
    assert by_code(body["rows"])["X"]["score"] == 0.59
    citizen = api("citizen", scope="self")
    assert (
        citizen.get("/api/v1/event-evaluation", params={"from": "2025-03-01", "to": "2025-04-01"}).json()[
            "rows"
        ]
        == []
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-13-01", "to": "2025-04-01"}, "query.from"),
        ({"from": "2025-03-01", "to": "yesterday"}, "query.to"),
        ({"from": "2025-04-01", "to": "2025-03-01"}, "query.to"),
        ({"from": "2025-03-01", "to": "2025-03-01"}, "query.to"),
        ({"to": "2025-03-01"}, "query.from"),
        ({"from": "2025-03-01", "to": "2025-04-01", "category_id": "0"}, "query.category_id"),
        ({"from": "2025-03-01", "to": "2025-04-01", "format": "xls"}, "query.format"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(api, params, field) -> None:
    response = api().get("/api/v1/event-evaluation", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]


def test_the_period_may_be_given_as_datetimes_in_any_offset(month, api) -> None:
    # 28 Feb 16:00 UTC is 1 March 00:00 in Shanghai: the same month as above.
    params = {"from": "2025-02-28T16:00:00+00:00", "to": "2025-04-01T00:00:00"}
    rows = by_code(api().get("/api/v1/event-evaluation", params=params).json()["rows"])
    assert rows["X"]["dispatched"] == 5


def test_a_reopened_assignment_back_in_progress_still_counts_as_reopened(month, session) -> None:
    # The lifecycle's reopen puts the lead assignment back in progress and clears its completed_at.
    a2 = session.scalars(
        select(Assignment).where(
            Assignment.department_id == month["X"].id, Assignment.handle_due_at == minutes(80)
        )
    ).one()
    a2.status, a2.completed_at = AssignmentStatus.IN_PROGRESS, None
    session.commit()
    x = by_code(evaluate_departments(session, MARCH, now=NOW))["X"]
    assert (x.lead_completed, x.reopened, x.reopen_rate) == (2, 1, 0.5)
    assert (x.completed, x.closed_on_time_rate, x.mean_handling_minutes) == (1, 1.0, 30.0)
    assert (x.callbacks, x.satisfaction_rate) == (2, 0.5)  # the dissatisfied callback still counts for X


def test_figures_of_events_run_through_the_lifecycle(session, api) -> None:
    """Two events handled over the API: one returned by water, one taken from water and reopened."""
    water = b.department(session, code="WATER", name="水务局")
    roads = b.department(session, code="ROAD", name="住建局")
    returned, taken = b.event(session), b.event(session)
    session.commit()
    dispatcher, supervisor = api("dispatcher"), api("supervisor")
    handlers = {d.id: api("dept_handler", scope="department", scope_id=d.id) for d in (water, roads)}

    def act(client, event, action, **body):
        response = client.post(f"/api/v1/events/{event.id}/{action}", json=body)
        assert response.status_code == 200, response.text

    def finish(event, *satisfactions):
        act(handlers[roads.id], event, "sign")
        act(handlers[roads.id], event, "start")
        act(handlers[roads.id], event, "feedback", result="resolved", content="已处理")
        act(dispatcher, event, "approve")
        for satisfaction in satisfactions:
            act(dispatcher, event, "callback", satisfaction=satisfaction)

    for event in (returned, taken):
        act(dispatcher, event, "accept")
        act(dispatcher, event, "dispatch", department_id=water.id)
    act(handlers[water.id], returned, "return", reason_code="not_our_remit", note="不属本部门职责")
    act(dispatcher, returned, "dispatch", department_id=roads.id)
    finish(returned, "satisfied")
    act(handlers[water.id], taken, "sign")
    act(dispatcher, taken, "redispatch", department_id=roads.id, reason="错派")
    finish(taken, "dissatisfied")
    act(supervisor, taken, "reopen", reason="回访不满意")
    act(handlers[roads.id], taken, "feedback", result="resolved", content="已返工")
    act(dispatcher, taken, "approve")
    act(dispatcher, taken, "callback", satisfaction="basically")

    today = datetime.now(LOCAL_TZ).date()
    period = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=2))}
    rows = by_code(api().get("/api/v1/event-evaluation", params=period).json()["rows"])
    assert {
        k: rows["WATER"][k] for k in ("dispatched", "sign_on_time_rate", "return_rate", "redispatch_rate")
    } == {
        "dispatched": 2,
        "sign_on_time_rate": 1.0,
        "return_rate": 0.5,
        "redispatch_rate": 0.5,
    }
    assert (rows["WATER"]["completed"], rows["WATER"]["callbacks"], rows["WATER"]["score"]) == (0, 0, 0.8)
    assert {
        k: rows["ROAD"][k]
        for k in ("dispatched", "closed_on_time_rate", "return_rate", "reopen_rate", "satisfaction_rate")
    } == {
        "dispatched": 2,
        "closed_on_time_rate": 1.0,
        "return_rate": 0.0,
        "reopen_rate": 0.5,
        "satisfaction_rate": 0.6667,
    }
    assert [(r, rows[r]["rank"]) for r in ("ROAD", "WATER")] == [("ROAD", 1), ("WATER", 2)]
