"""`butler calendar`: admins enter the years chinese-calendar does not know."""

from datetime import date

from typer.testing import CliRunner

from core_app.cli import app
from core_app.org.calendar import WorkCalendar


def test_admin_enters_a_2027_holiday_and_the_calendar_uses_it(session) -> None:
    runner = CliRunner()
    refused = runner.invoke(app, ["calendar", "seed", "2027"])
    assert refused.exit_code == 2
    assert "butler calendar set" in refused.output

    assert runner.invoke(app, ["calendar", "set", "2027-02-08", "--holiday", "--name", "春节"]).exit_code == 0
    assert runner.invoke(app, ["calendar", "set", "2027-02-20", "--workday"]).exit_code == 0
    calendar = WorkCalendar.load(session)
    assert not calendar.is_workday(date(2027, 2, 8))  # a Monday, now a holiday
    assert calendar.is_workday(date(2027, 2, 20))  # a Saturday, now worked

    shown = runner.invoke(app, ["calendar", "show", "2027"])
    assert shown.exit_code == 0
    assert "春节" in shown.output and "261 working days" in shown.output


def test_bad_dates_are_refused_with_a_message(session) -> None:
    result = CliRunner().invoke(app, ["calendar", "set", "2027-02-30", "--holiday"])
    assert result.exit_code == 2
    assert "is not a date" in result.output
