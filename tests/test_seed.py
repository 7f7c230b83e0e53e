"""The demo district generator: deterministic, valid identifiers, ordered timestamps, no second seed."""

import hashlib
import re
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta

import pytest
import typer
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from core_app.cases.models import Case, CaseStep, QueueTicket, Review
from core_app.config import LOCAL_TZ, get_settings
from core_app.events.models import Assignment, Callback, Event, EventAction, EventCategory, Feedback
from core_app.matters.models import Matter
from core_app.org.calendar import WorkCalendar
from core_app.org.models import Department, Hall, Region, Staff, Window
from core_app.people.models import Citizen, Enterprise
from core_app.seed import SCALES, DistrictExistsError, Scale, seed_district
from core_app.seed.cli import seed as seed_command
from core_app.validation.identifiers import check_id_card, check_uscc, pii_hash

NOW = datetime(2026, 6, 15, 14, 30, tzinfo=LOCAL_TZ)
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def seeded(engine):
    """A test-scale district ending at a fixed instant."""
    return seed_district(engine, scale="test", seed=7, now=NOW)


def _fingerprint(engine) -> dict[str, str]:
    queries = {
        "cases": "SELECT case_no, matter_id, channel, status, submitted_at, accepted_at, completed_at, due_at"
        " "
        "FROM cases ORDER BY id",
        "matters": "SELECT code, name, promised_limit_days FROM matters ORDER BY id",
        "citizens": "SELECT id_card_no, name FROM citizens ORDER BY id",
        "events": "SELECT event_no, department_id, description FROM events ORDER BY id",
        "tickets": "SELECT ticket_no, taken_at, status FROM queue_tickets ORDER BY id",
    }
    with engine.connect() as conn:
        return {
            name: hashlib.sha256(repr(conn.execute(text(sql)).all()).encode()).hexdigest()
            for name, sql in queries.items()
        }


def test_same_scale_and_seed_give_identical_data_and_another_seed_does_not(engine):
    seed_district(engine, scale="test", seed=7, now=NOW)
    first = _fingerprint(engine)
    seed_district(engine, scale="test", seed=7, now=NOW, reset=True)
    assert _fingerprint(engine) == first
    seed_district(engine, scale="test", seed=8, now=NOW, reset=True)
    other = _fingerprint(engine)
    assert other["cases"] != first["cases"] and other["events"] != first["events"]


def test_progress_ends_every_stage_full_on_what_was_written(engine, session):
    last: dict[str, tuple[int, int]] = {}
    report = seed_district(
        engine, scale="test", seed=7, now=NOW, on_progress=lambda s, d, t: last.__setitem__(s, (d, t))
    )
    assert set(last) == {"organisation", "people", "cases", "events", "done"}
    assert report.rows["assignments"] >= report.rows["event_feedback"] > 0
    assert all(done == total for done, total in last.values())
    assert last["cases"][0] == report.rows["cases"] == session.scalar(select(func.count(Case.id)))
    assert last["events"][0] == report.rows["events"]


def test_every_id_number_and_credit_code_is_valid(seeded, session):
    key = get_settings().pii_hash_key
    for number, hashed in session.execute(select(Citizen.id_card_no, Citizen.id_card_hash)):
        assert check_id_card(number) == number
        assert hashed == pii_hash(number, key)
    for (number,) in session.execute(select(Staff.id_card_no)):
        check_id_card(number)
    for uscc, rep_id in session.execute(select(Enterprise.uscc, Enterprise.legal_rep_id_card)):
        assert check_uscc(uscc) == uscc
        check_id_card(rep_id)


def test_case_ticket_and_event_timestamps_are_in_order(seeded, session):
    violations = {
        "case": "SELECT COUNT(*) FROM cases WHERE received_at < submitted_at OR accepted_at < received_at "
        "OR completed_at < accepted_at OR (completed_at IS NOT NULL AND accepted_at IS NULL) "
        "OR (accepted_at IS NOT NULL AND due_at IS NULL) OR submitted_at > :now OR completed_at > :now",
        "ticket": "SELECT COUNT(*) FROM queue_tickets WHERE called_at < taken_at "
        "OR service_started_at < called_at "
        "OR service_ended_at < service_started_at OR service_ended_at > :now",
        "event": "SELECT COUNT(*) FROM events WHERE received_at < reported_at OR accepted_at < received_at "
        "OR dispatched_at < accepted_at OR signed_at < dispatched_at OR completed_at < signed_at "
        "OR closed_at < completed_at OR closed_at > :now",
        "review": "SELECT COUNT(*) FROM reviews r JOIN cases c ON c.id = r.case_id "
        "WHERE c.completed_at IS NULL OR r.reviewed_at < c.completed_at",
        "step": "SELECT COUNT(*) FROM case_steps s JOIN cases c ON c.id = s.case_id "
        "WHERE s.started_at < c.accepted_at OR s.ended_at < s.started_at",
    }
    for name, sql in violations.items():
        assert session.execute(text(sql), {"now": NOW}).scalar_one() == 0, name
    assert session.scalar(select(func.count()).where(Case.status == "completed")) > 0


def test_due_at_is_the_end_of_the_nth_working_day_after_acceptance(seeded, session):
    calendar = WorkCalendar.load(session)
    rows = session.execute(
        select(Case.accepted_at, Case.due_at, Case.special_minutes, Matter.promised_limit_days)
        .join(Matter, Matter.id == Case.matter_id)
        .where(Case.accepted_at.is_not(None))
        .order_by(Case.id)
        .limit(400)
    ).all()
    assert len(rows) > 100
    for accepted, due, special, promised in rows:
        extra = special // calendar.minutes_per_day
        assert due.time() == time(17, 30)
        assert calendar.is_workday(due.date())
        assert due.date() == calendar.add_working_days(accepted.date(), promised + extra)


def test_special_steps_add_their_working_time_to_the_case(seeded, session):
    calendar = WorkCalendar.load(session)
    steps = session.execute(
        select(CaseStep.started_at, CaseStep.ended_at, Case.special_minutes)
        .join(Case, Case.id == CaseStep.case_id)
        .where(CaseStep.ended_at.is_not(None))
    ).all()
    assert steps
    for started, ended, special in steps:
        assert calendar.working_minutes(started, ended) == special > 0


def test_counts_are_in_the_expected_ranges(seeded, session):
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where))

    assert count(Department, Department.kind == "functional") >= 25
    assert count(Department, Department.kind == "arbitration_body") == 2
    assert count(Region, Region.level == "town") == 8
    per_town = session.execute(
        select(func.count()).where(Region.level == "village").group_by(Region.parent_id)
    )
    assert all(4 <= n <= 8 for (n,) in per_town)
    assert count(Hall) == 3 and count(Window) == 40 and count(Staff) == 120
    assert count(Matter) >= 500
    assert count(Matter, Matter.promised_limit_days > Matter.legal_limit_days) == 0
    spec = SCALES[Scale.TEST]
    assert 0.97 * spec.cases <= count(Case) <= spec.cases
    assert 0.97 * spec.events <= count(Event) <= spec.events
    assert count(QueueTicket, QueueTicket.status == "missed") > 0
    assert count(Review, Review.is_active.is_(False)) > 0
    assert count(Case, Case.is_no_rest.is_(True)) > 0
    assert count(Case, Case.status.in_(["accepted", "in_approval", "suspended"])) > 0
    lon_lat = session.execute(
        select(func.min(Region.lon), func.max(Region.lon), func.min(Region.lat), func.max(Region.lat))
    ).one()
    assert 114.2 <= lon_lat[0] <= lon_lat[1] <= 114.35 and 22.54 <= lon_lat[2] <= lon_lat[3] <= 22.64


def test_events_are_labelled_with_a_handling_department_and_chinese_text(seeded, session):
    rows = session.execute(
        select(
            Event.description,
            Event.title,
            Department.kind,
            Department.accepts_events,
            Event.category_id,
            Event.street_id,
        ).join(Department, Department.id == Event.department_id)
    ).all()
    assert len(rows) == session.scalar(select(func.count()).select_from(Event))
    assert all(CJK.search(description) and CJK.search(title) for description, title, *_ in rows)
    assert all(accepts for *_, accepts, _c, _s in rows)
    assert {kind for _, _, kind, *_ in rows} >= {"functional", "street_office", "third_party"}
    level2_without_default = session.scalar(
        select(func.count())
        .select_from(EventCategory)
        .where(EventCategory.level == 2, EventCategory.default_department_id.is_(None))
    )
    assert level2_without_default == 0
    sources = session.scalar(select(func.count(func.distinct(Event.source))))
    assert sources >= 5


def test_seeding_twice_without_reset_is_refused_and_changes_nothing(seeded, engine):
    before = _fingerprint(engine)
    with pytest.raises(DistrictExistsError, match="--reset"):
        seed_district(engine, scale="test", seed=99, now=NOW)
    assert _fingerprint(engine) == before


def test_unknown_scale_is_a_clear_error_and_writes_nothing(engine, session):
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        seed_district(engine, scale="huge", seed=1, now=NOW)
    assert session.scalar(select(func.count()).select_from(Region)) == 0


def test_cli_seeds_then_refuses_a_second_run_with_exit_code_1(engine):
    app = typer.Typer()
    app.command()(seed_command)
    runner = CliRunner()
    first = runner.invoke(app, ["--scale", "test", "--now", "2026-06-15T14:30:00"])
    assert first.exit_code == 0, first.output
    assert "cases" in first.output
    second = runner.invoke(app, ["--scale", "test"])
    assert second.exit_code == 1
    assert "--reset" in second.output
    with engine.connect() as conn:
        cases_before = conn.scalar(text("SELECT count(*) FROM cases"))
    kept = runner.invoke(app, ["--scale", "test", "--seed", "7", "--if-empty"])
    assert kept.exit_code == 0
    assert "keeping it" in kept.output
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM cases")) == cases_before


def test_assignments_follow_the_event_timeline_and_153024(seeded, session) -> None:
    complexity = dict(session.execute(select(Event.id, Event.complexity)).all())
    by_event = defaultdict(list)
    for a in session.scalars(select(Assignment).order_by(Assignment.id)):
        by_event[a.event_id].append(a)
        assert a.sign_due_at - a.dispatched_at == timedelta(minutes=15)
        limit = timedelta(hours=24) if complexity[a.event_id] == "complex" else timedelta(minutes=30)
        assert a.handle_due_at is None or a.handle_due_at - a.dispatched_at == limit
        stamps = [t for t in (a.dispatched_at, a.signed_at, a.completed_at) if t is not None]
        assert stamps == sorted(stamps) and stamps[-1] <= NOW
        assert (a.status == "returned") == (a.returned_at is not None) == (a.return_reason is not None)
        assert a.returned_at is None or a.dispatched_at <= a.returned_at <= NOW
    for assignments in by_event.values():
        *detours, last = assignments
        assert all(d.status in ("returned", "cancelled") and d.role == "lead" for d in detours)
        assert last.status not in ("returned", "cancelled")
        for earlier, later in zip(assignments, assignments[1:], strict=False):
            assert (earlier.returned_at or earlier.dispatched_at) <= later.dispatched_at
    assert Counter(a.status for group in by_event.values() for a in group).keys() >= {
        "done",
        "returned",
        "cancelled",
    }


def test_each_dispatched_event_has_one_current_lead_assignment_matching_its_timestamps(
    seeded, session
) -> None:
    last = {}
    for a in session.scalars(select(Assignment).order_by(Assignment.id)):
        last[a.event_id] = a
    returns = Counter(
        session.scalars(select(Assignment.event_id).where(Assignment.status == "returned")).all()
    )
    events = session.scalars(select(Event)).all()
    for event in events:
        assignment = last.get(event.id)
        assert (assignment is not None) == (event.dispatched_at is not None), event.event_no
        assert event.return_count == returns.get(event.id, 0)
        if assignment is None:
            continue
        assert assignment.department_id == event.department_id
        assert (assignment.dispatched_at, assignment.signed_at, assignment.completed_at) == (
            event.dispatched_at,
            event.signed_at,
            event.completed_at,
        )
        assert (assignment.status == "done") == (event.status in ("handled", "closed"))
    closed = sum(event.status == "closed" for event in events)
    done_lead_of_closed = session.scalar(
        select(func.count())
        .select_from(Assignment)
        .join(Event, Event.id == Assignment.event_id)
        .where(Event.status == "closed", Assignment.status == "done", Assignment.role == "lead")
    )
    assert done_lead_of_closed == closed > 0


def test_feedback_callbacks_and_actions_agree_with_the_events(seeded, session) -> None:
    rows = session.execute(
        select(Callback.at, Callback.satisfaction, Event.status, Event.closed_at, Event.satisfaction).join(
            Event, Event.id == Callback.event_id
        )
    ).all()
    assert rows
    for at, satisfaction, status, closed_at, event_satisfaction in rows:
        assert status == "closed" and closed_at <= at <= NOW and satisfaction == event_satisfaction
    closed = session.scalar(select(func.count()).where(Event.status == "closed"))
    assert len(rows) == closed
    feedback = session.execute(
        select(Feedback.submitted_at, Feedback.review, Event.completed_at, Event.status, Assignment.event_id)
        .join(Event, Event.id == Feedback.event_id)
        .join(Assignment, Assignment.id == Feedback.assignment_id)
    ).all()
    handled = session.scalar(select(func.count()).where(Event.status.in_(["handled", "closed"])))
    assert len(feedback) == handled
    for submitted, review, completed, status, _ in feedback:
        assert submitted == completed and review == ("approved" if status == "closed" else "pending")
    actions = session.execute(
        select(EventAction.action, EventAction.created_at, Assignment.status, Assignment.returned_at).join(
            Assignment, Assignment.id == EventAction.assignment_id
        )
    ).all()
    assert {action for action, *_ in actions} == {"return", "redispatch"}
    for action, created_at, status, returned_at in actions:
        if action == "return":
            assert status == "returned" and created_at == returned_at


def test_a_third_of_cases_follow_life_event_journeys_in_their_order(seeded, session) -> None:
    """出生医学证明办理 -> 出生登记 is a journey step (3-25 days later, a few more for a hall visit), so most
    citizens registering a birth got the certificate within the month before; without journeys the two
    matters are independent draws and almost none would."""
    names = dict(
        session.execute(select(Matter.name, Matter.id).where(Matter.handling_levels == "county")).all()
    )
    rows = session.execute(
        select(Case.citizen_id, Case.matter_id, Case.submitted_at).where(
            Case.matter_id.in_([names["出生医学证明办理"], names["出生登记"]]), Case.citizen_id.is_not(None)
        )
    ).all()
    certificates = defaultdict(list)
    for citizen, matter, at in rows:
        if matter == names["出生医学证明办理"]:
            certificates[citizen].append(at)
    registrations = [(c, at) for c, m, at in rows if m == names["出生登记"]]
    preceded = [
        any(timedelta(0) < at - cert <= timedelta(days=35) for cert in certificates[c])
        for c, at in registrations
    ]
    assert len(registrations) >= 20
    assert sum(preceded) / len(preceded) > 0.6


def test_enterprises_founded_by_a_journey_registered_on_their_founding_day(seeded, session) -> None:
    """Founding journeys set established_on to their registration day. Random founding cases also go to old
    firms (noise), and a random establishment date within 8 days of one is a chance of about 1 in 1,000."""
    founding = select(Matter.id).where(Matter.name.in_(["有限责任公司设立登记", "个体工商户设立登记"]))
    rows = session.execute(
        select(Enterprise.established_on, func.min(Case.submitted_at))
        .join(Case, Case.enterprise_id == Enterprise.id)
        .where(Case.matter_id.in_(founding))
        .group_by(Enterprise.id, Enterprise.established_on)
    ).all()
    # A hall visit may wait for the next working day (up to a week over a holiday).
    on_time = [timedelta(0) <= first.date() - established <= timedelta(days=8) for established, first in rows]
    assert sum(on_time) >= 30
