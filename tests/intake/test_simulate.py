"""Simulated reports for a demo district: valid reports placed in its streets, taken in through intake."""

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core_app.cli import app
from core_app.events.models import Event, EventSource, EventStatus
from core_app.intake.simulate import simulated_reports, take_in_simulated_reports
from core_app.seed.vocab_org import STREETS
from tests.intake.conftest import NOW


def test_reports_are_reproducible_and_placed_in_the_districts_streets():
    first = simulated_reports(20, seed=3, batch="a")
    again = simulated_reports(20, seed=3, batch="b")
    assert [r.description for r in first] == [r.description for r in again]
    assert len({r.external_id for r in first}) == 20
    streets = {name for name, *_ in STREETS}
    assert all(any(r.address.startswith(s) for s in streets) for r in first)
    assert all(r.address in r.description for r in first)


def test_they_go_through_intake_and_wait_for_a_dispatcher(session: Session, district) -> None:
    ids = take_in_simulated_reports(session, 5, seed=1, now=NOW)
    session.expire_all()
    events = session.scalars(select(Event).where(Event.id.in_(ids))).all()
    assert len(events) == 5 and {e.source for e in events} == {EventSource.MOBILE}
    waiting = [e for e in events if e.duplicate_of_id is None]
    # Accepted and prioritised: waiting for a dispatcher, or dispatched where a model was sure enough.
    assert waiting and {e.status for e in waiting} <= {EventStatus.PENDING_DISPATCH, EventStatus.DISPATCHED}
    assert all(e.priority is not None for e in waiting)


def test_the_command_says_what_became_of_them(engine, district) -> None:
    result = CliRunner().invoke(app, ["intake", "simulate", "--count", "4", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("4 reports taken in: ") and "dispatch" in result.output
