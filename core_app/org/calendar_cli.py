"""``butler calendar``: inspect the holiday table and enter the years chinese-calendar does not know."""

from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from core_app.db.session import session_scope
from core_app.org.calendar import CHINESE_CALENDAR_YEARS, WorkCalendar, seed_calendar_years
from core_app.org.models import CalendarSource, WorkCalendarDay

app = typer.Typer(help="Working days: holidays and make-up workdays.", no_args_is_help=True)


@app.command("show")
def show(year: Annotated[int, typer.Argument(help="Calendar year, e.g. 2027.")]) -> None:
    """List the year's holidays and make-up workdays, and say whether the year is known."""
    with session_scope() as session:
        rows = session.scalars(
            select(WorkCalendarDay)
            .where(WorkCalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(WorkCalendarDay.day)
        ).all()
        workdays = len(WorkCalendar.load(session).workdays(date(year, 1, 1), date(year, 12, 31)))
    table = Table(title=f"{year}: {workdays} working days")
    for column in ("day", "kind", "name", "source"):
        table.add_column(column)
    for row in rows:
        kind = "make-up workday" if row.is_workday else "holiday"
        table.add_row(row.day.isoformat(), kind, row.name, row.source.value)
    console = Console()
    console.print(table)
    if not rows:
        console.print(
            f"[yellow]{year} has no entries: the weekday rule applies until you add its holidays "
            "with `butler calendar set`.[/yellow]"
        )


@app.command("set")
def set_day(
    day: Annotated[str, typer.Argument(help="Date as YYYY-MM-DD.")],
    holiday: Annotated[bool, typer.Option("--holiday/--workday", help="A day off, or a make-up workday.")],
    name: Annotated[str, typer.Option(help="Shown name, e.g. 春节 or 调休上班.")] = "",
) -> None:
    """Enter one day as a holiday or a make-up workday (an admin entry, kept when reseeding)."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        typer.secho(f"error: {day!r} is not a date (YYYY-MM-DD)", err=True, fg="red")
        raise typer.Exit(code=2) from None
    with session_scope() as session:
        session.merge(
            WorkCalendarDay(day=when, is_workday=not holiday, name=name, source=CalendarSource.ADMIN)
        )
    typer.echo(f"{when}: {'holiday' if holiday else 'make-up workday'} {name}".rstrip())


@app.command("seed")
def seed_years(
    years: Annotated[list[int], typer.Argument(help="Years to load from chinese-calendar.")],
) -> None:
    """Load holidays and make-up workdays from chinese-calendar for YEARS (admin entries are kept)."""
    unknown = [y for y in years if y not in CHINESE_CALENDAR_YEARS]
    if unknown:
        first, last = CHINESE_CALENDAR_YEARS[0], CHINESE_CALENDAR_YEARS[-1]
        typer.secho(
            f"error: chinese-calendar knows {first}-{last}, "
            f"not {', '.join(map(str, unknown))}: enter those with `butler calendar set`",
            err=True,
            fg="red",
        )
        raise typer.Exit(code=2)
    with session_scope() as session:
        count = seed_calendar_years(session, years)
    typer.echo(f"loaded {count} holidays and make-up workdays for {', '.join(map(str, years))}")
