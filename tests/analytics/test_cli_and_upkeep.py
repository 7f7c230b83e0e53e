"""butler analytics refresh | snapshot-matters | show, and the scheduler's analytics upkeep."""

import csv
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from core_app.analytics.cli import month_ends
from core_app.analytics.jobs import upkeep
from core_app.analytics.models import CaseFact, MatterSnapshot
from core_app.cli import app as cli
from core_app.sla import runner
from tests.api import builders as b


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_month_ends_are_the_last_days_of_the_months_before():
    assert month_ends(date(2026, 3, 15), 3) == [date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28)]


def test_refresh_and_snapshot_from_the_command_line(engine, session):
    b.case(session, matter_id=b.matter(session).id)
    b.matter(session)
    session.commit()
    result = CliRunner().invoke(cli, ["analytics", "refresh"])
    assert result.exit_code == 0, result.output
    assert "1 cases refreshed (full rebuild)" in result.output
    assert count(session, CaseFact) == 1
    result = CliRunner().invoke(cli, ["analytics", "snapshot-matters", "--on", "2026-10-31"])
    assert result.exit_code == 0, result.output
    assert count(session, MatterSnapshot, MatterSnapshot.taken_on == date(2026, 10, 31)) == 2
    bad = CliRunner().invoke(cli, ["analytics", "snapshot-matters", "--on", "31/10/2026"])
    assert bad.exit_code == 2 and "is not a date" in bad.output


def test_show_writes_the_api_csv_and_refuses_bad_input(engine, session, tmp_path):
    matter = b.matter(session)
    for day in (6, 7):  # two cases accepted in January 2026, one in December 2025
        b.case(session, matter_id=matter.id, submitted_at=b.local(2026, 1, day, 9))
    b.case(session, matter_id=matter.id, submitted_at=b.local(2025, 12, 3, 9))
    session.commit()
    out = tmp_path / "cases.csv"
    args = ["analytics", "show", "cases", "--from", "2026-01-01", "--to", "2026-02-01", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    table = list(csv.reader(lines[lines.index("") + 1 :]))
    header = [label.split()[-1] for label in table[0]]
    row = dict(zip(header, table[1], strict=True))
    assert (row["accepted_count"], row["accepted_count_pop"]) == ("2", "1.0")  # (2 - 1) / 1
    bad = CliRunner().invoke(cli, ["analytics", "show", "cases", "--by", "village"])
    assert bad.exit_code == 2 and "by: cases is not sliced by 'village'" in bad.output
    assert not (tmp_path / "other.csv").exists()


def test_upkeep_refreshes_and_snapshots_once_a_day(engine, session, monkeypatch):
    b.case(session)
    session.commit()
    assert upkeep(session, b.local(2026, 11, 20, 9)) == (1, 1)
    assert upkeep(session, b.local(2026, 11, 20, 15))[1] == 0  # today's snapshot is there
    assert upkeep(session, b.local(2026, 11, 21, 9))[1] == 1
    monkeypatch.setattr(runner, "_last_analytics_run", None)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    b.case(session)
    session.commit()
    # The new case, and possibly the first again: fact stamps keep whole seconds, so a case changed in the
    # second of a refresh is read once more (rewriting a row is harmless; missing one would not be).
    assert runner.run_analytics(sessions, b.local(2026, 11, 21, 10)) >= 1
    assert runner.run_analytics(sessions, b.local(2026, 11, 21, 10) + timedelta(seconds=30)) == 0  # skipped
    assert count(session, CaseFact) == 2
