"""butler warnings init | scan --now | list, and the scheduler tick running the scan."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from core_app.cli import app as cli
from core_app.notify.models import OutboxMessage
from core_app.sla import runner
from core_app.warnings.models import RuleType, WarningRule
from tests.warnings.fixtures import hall_with_handler, local, waiting_case, warnings


def test_init_inserts_the_defaults_once(engine, session) -> None:
    first = CliRunner().invoke(cli, ["warnings", "init"])
    assert first.exit_code == 0, first.output
    assert "default rules added 5" in first.output
    assert "default rules added 0" in CliRunner().invoke(cli, ["warnings", "init"]).output
    rules = {r.rule_type: r for r in session.scalars(select(WarningRule))}
    assert set(rules) == {
        RuleType.RECEIPT_RESPONSE,
        RuleType.ACCEPTANCE_RESPONSE,
        RuleType.OVERDUE,
        RuleType.SPECIAL_STEP_DURATION,
        RuleType.BAD_REVIEW,
    }
    assert (rules[RuleType.RECEIPT_RESPONSE].threshold, rules[RuleType.ACCEPTANCE_RESPONSE].threshold) == (
        240,
        450,
    )
    assert all(r.department_id is None and r.matter_id is None and r.hall_id is None for r in rules.values())


def test_scan_at_a_given_instant_then_list(engine, session) -> None:
    """Submitted Friday 16:30: 192 working minutes on Monday 10:42 (see test_response_reminders)."""
    waiting_case(session, hall_with_handler(session), local(2026, 10, 16, 16, 30))
    session.commit()
    result = CliRunner().invoke(cli, ["warnings", "scan", "--now", "2026-10-19T10:42"])
    assert result.exit_code == 0, result.output
    assert "warnings opened 1 (receipt_response 1), reminders 1 (1 messages)" in result.output
    listed = CliRunner().invoke(cli, ["warnings", "list", "--status", "notified"])
    assert listed.exit_code == 0 and "receipt_response" in listed.output and "192/240" in listed.output
    bad = CliRunner().invoke(cli, ["warnings", "scan", "--now", "Monday"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output


def test_the_scheduler_tick_scans_at_most_once_a_minute(engine, session, monkeypatch) -> None:
    monkeypatch.setattr(runner, "_last_warning_scan", None)
    waiting_case(session, hall_with_handler(session), local(2026, 10, 16, 16, 30))
    session.commit()
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    assert runner.run_once(sessions, local(2026, 10, 19, 10, 42)) == (
        0,
        0,
    )  # no SLA timers; nothing delivered
    assert len(warnings(session)) == 1
    assert runner.run_warnings(sessions, local(2026, 10, 19, 10, 42) + timedelta(seconds=59)) == 0  # skipped
    assert runner.run_warnings(sessions, local(2026, 10, 19, 11, 30)) == 1  # the second reminder's mark
    assert runner.run_warnings(sessions, local(2026, 10, 19, 11, 31)) == 0  # ran: nothing more to send
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
